"""The podcast apps a show can list subscribe buttons for, and the subscribe URLs that
follow from the feed's address or the show's Apple Podcasts id where an app has a rule."""

import re
from dataclasses import dataclass
from urllib.parse import quote

# `https://podcasts.apple.com/us/podcast/some-show/id979020229`: the id Overcast and
# Pocket Casts look a show up by.
_APPLE_ID = re.compile(r'/id(\d{5,12})(?:[/?#]|$)')


@dataclass(frozen=True)
class SubscribeApp:
    key: str
    """The form field and the stored key; never renamed, since stored URLs are keyed by it."""
    name: str


APPS = (
    SubscribeApp('apple_podcasts', 'Apple Podcasts'),
    SubscribeApp('spotify', 'Spotify'),
    SubscribeApp('youtube', 'YouTube'),
    SubscribeApp('overcast', 'Overcast'),
    SubscribeApp('pocket_casts', 'Pocket Casts'),
    SubscribeApp('castro', 'Castro'),
    SubscribeApp('antennapod', 'AntennaPod'),
    SubscribeApp('podcast_index', 'Podcast Index'),
)
APP_KEYS = frozenset(app.key for app in APPS)


@dataclass(frozen=True)
class SubscribeLink:
    name: str
    url: str


def apple_podcasts_id(apple_url: str) -> str | None:
    """The show's id in an Apple Podcasts URL, if it has one."""
    found = _APPLE_ID.search(apple_url)
    return found.group(1) if found else None


def derived_urls(*, feed_url: str, apple_url: str) -> dict[str, str]:
    """Subscribe URLs that need no lookup: AntennaPod's from the feed, Overcast's and Pocket
    Casts' from the Apple id (the apps' documented deep links). Podcast Index numbers feeds
    itself, so its URL cannot be derived."""
    derived = {
        'antennapod': f'https://antennapod.org/deeplink/subscribe?url={quote(feed_url, safe="")}'
    }
    apple_id = apple_podcasts_id(apple_url)
    if apple_id is not None:
        derived['overcast'] = f'https://overcast.fm/itunes{apple_id}'
        derived['pocket_casts'] = f'https://pca.st/itunes/{apple_id}'
    return derived


def listed_links(urls: dict[str, str]) -> tuple[SubscribeLink, ...]:
    """The buttons a page shows: the apps the host listed, in the order of APPS."""
    return tuple(SubscribeLink(app.name, urls[app.key]) for app in APPS if urls.get(app.key))
