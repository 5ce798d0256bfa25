"""oEmbed (https://oembed.com, 1.0) for episode pages: a consumer (a blog, a chat app) given
a page's URL asks for the player to put in its place."""

from typing import Any
from urllib.parse import urlsplit

from quart import current_app
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from podsite.formats.numbers import whole_number
from podsite.infrastructure.public_address import public_scheme_and_host
from podsite.schemas.catalogue import EpisodeDetails
from podsite.services.catalogue import episode_service
from podsite.settings import current_settings
from podsite.urls import absolute, home_url
from podsite.viewmodels.episodes.embedding import (
    EMBED_HEIGHT,
    EMBED_WIDTH,
    SMALLEST_EMBED,
    absolute_embed_url,
    iframe_snippet,
)
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase

EPISODE_PAGES = frozenset({'episodes.details', 'episodes.show_by_number'})
"""The routes of an episode's page: its address, and the short forms that lead to it."""
ARTWORK_SIZE = 1400
"""Podcast artwork is square, and Apple asks for 1400 to 3000 pixels: the smallest is the
thumbnail's size, so a consumer never scales it up expecting more."""


class OEmbedViewModel(ViewModelBase):
    """`problem` says what is wrong with the request (answered 400), `unsupported_format`
    a format other than JSON (501, as the specification says); no `episode`: 404."""

    def __init__(self, args: dict[str, str]) -> None:
        super().__init__()
        self.url = args.get('url', '')
        self.format = args.get('format', 'json')
        self.max_width = _dimension(args.get('maxwidth'))
        self.max_height = _dimension(args.get('maxheight'))
        self.episode: EpisodeDetails | None = None
        self.problem = ''
        if not self.url:
            self.problem = 'Give the URL of an episode page: ?url=...'
        elif self.max_width is None or self.max_height is None:
            self.problem = 'maxwidth and maxheight must be whole numbers of pixels.'

    @property
    def unsupported_format(self) -> bool:
        return self.format != 'json'

    async def load_page_async(self) -> None:
        if self.problem or self.unsupported_format:
            return
        number = episode_number_of(self.url)
        if number is not None:
            self.episode = await episode_service.episode_by_number(number)

    def answer(self) -> dict[str, Any]:
        assert self.episode is not None
        settings = current_settings()
        home = absolute(settings.public_base_url, home_url())
        width = max(SMALLEST_EMBED, min(EMBED_WIDTH, self.max_width or EMBED_WIDTH))
        height = max(SMALLEST_EMBED, min(EMBED_HEIGHT, self.max_height or EMBED_HEIGHT))
        embed_url = absolute_embed_url(settings, self.episode)
        answer: dict[str, Any] = {
            'version': '1.0',
            'type': 'rich',
            'title': self.episode.title,
            'author_name': self.site.author or self.site.title,
            'author_url': home,
            'provider_name': self.site.title,
            'provider_url': home,
            'cache_age': 86400,
            'html': iframe_snippet(embed_url, self.episode.title, width=width, height=height),
            'width': width,
            'height': height,
        }
        image = self.episode.image_url or self.site.artwork_url
        if image:
            answer['thumbnail_url'] = absolute(settings.public_base_url, image)
            answer['thumbnail_width'] = ARTWORK_SIZE
            answer['thumbnail_height'] = ARTWORK_SIZE
        return answer


def episode_number_of(url: str) -> int | None:
    """The site number of the episode page `url` addresses on this site's public address
    (any form of it that leads to the page); None for any other URL."""
    try:
        parts = urlsplit(url.strip())
        scheme_and_host = (parts.scheme.lower(), parts.netloc.lower())
    except ValueError:
        return None
    if scheme_and_host != public_scheme_and_host(current_settings().base_url):
        return None
    adapter = current_app.url_map.bind('localhost')
    try:
        endpoint, arguments = adapter.match(parts.path or '/', method='GET')
    except (HTTPException, RequestRedirect):
        return None
    if endpoint not in EPISODE_PAGES:
        return None
    number = arguments.get('number')
    return number if isinstance(number, int) else None


def _dimension(text: str | None) -> int | None:
    """0 when not given; None when given and not a positive whole number."""
    if text is None or text == '':
        return 0
    value = whole_number(text)
    return value if value is not None and value > 0 else None
