"""What other sites need to show an episode's player: the framed page's address, its size,
and the `<iframe>` that the episode page offers to copy and oEmbed answers with."""

from html import escape

from podsite.schemas.catalogue import EpisodeDetails
from podsite.settings import Settings
from podsite.urls import absolute, embed_url

EMBED_WIDTH = 640
EMBED_HEIGHT = 340
"""Room for the artwork and title, the player's controls on two rows, five chapters (more
scroll) and the link back: the embed page's layout at 640 pixels."""
SMALLEST_EMBED = 200
"""Below this the controls no longer fit: a consumer's smaller maximum gets this."""


def absolute_embed_url(settings: Settings, episode: EpisodeDetails) -> str:
    return absolute(settings.public_base_url, embed_url(episode.number, episode.slug))


def iframe_snippet(src: str, title: str, *, width: int, height: int) -> str:
    return (
        f'<iframe src="{escape(src)}" title="{escape(title)}" width="{width}" '
        f'height="{height}" loading="lazy"></iframe>'
    )
