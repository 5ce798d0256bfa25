"""Which app and platform a download came from, for reports.

podsite's own rules, most specific first: an app's name wins over the system library it
runs on (Overcast uses AppleCoreMedia too), and a web browser is named last because apps
embed browser engines.
"""

import re
from functools import lru_cache

UNKNOWN = 'Other'

_APPS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ('Spotify', r'^Spotify|Spotify/'),
        ('Overcast', r'^Overcast/|Overcast \('),
        ('Pocket Casts', r'Pocket ?Casts'),
        ('Castro', r'^Castro'),
        ('Castbox', r'Castbox'),
        ('Podcast Addict', r'Podcast ?Addict'),
        ('AntennaPod', r'AntennaPod'),
        ('Podbean', r'Podbean'),
        ('Player FM', r'Player ?FM'),
        ('Podverse', r'Podverse'),
        ('Fountain', r'Fountain'),
        ('Podcast Guru', r'Podcast ?Guru'),
        ('Snipd', r'Snipd'),
        ('Goodpods', r'Goodpods'),
        ('Downcast', r'Downcast'),
        ('iHeartRadio', r'iHeart'),
        ('Amazon Music', r'Amazon ?Music|AmazonMusic'),
        ('Audible', r'Audible'),
        ('Deezer', r'Deezer'),
        ('YouTube Music', r'YouTube ?Music|com\.google\.android\.apps\.youtube\.music'),
        ('Google Podcasts', r'GooglePodcasts|Google-Podcast'),
        ('Stitcher', r'Stitcher'),
        ('TuneIn', r'TuneIn'),
        ('Alexa', r'Alexa|AlexaMediaPlayer|Echo'),
        ('Sonos', r'Sonos'),
        ('Apple Podcasts', r'^Podcasts/|Podcasts/\d|iTunes/|AppleCoreMedia|Apple ?Podcasts|'
                           r'^atc/|watchOS'),
        ('Microsoft Edge', r'Edg(?:e|A|iOS)?/'),
        ('Firefox', r'Firefox/|FxiOS/'),
        ('Chrome', r'Chrome/|CriOS/'),
        ('Safari', r'Safari/'),
    )
)  # fmt: skip

_PLATFORMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ('watchOS', r'watchOS|Watch OS'),
        ('iOS', r'iPhone|iPad|iPod|\biOS\b|CFNetwork/.*Darwin'),
        ('Android', r'Android'),
        ('macOS', r'Macintosh|Mac OS X|macOS'),
        ('Windows', r'Windows'),
        ('Smart speaker', r'Alexa|Echo|Sonos|HomePod'),
        ('Linux', r'Linux|X11'),
    )
)  # fmt: skip


@lru_cache(maxsize=4096)
def classify(user_agent: str) -> tuple[str, str]:
    """(app, platform); `Other` when no rule knows it."""
    app = next((name for name, rule in _APPS if rule.search(user_agent)), UNKNOWN)
    platform = next((name for name, rule in _PLATFORMS if rule.search(user_agent)), UNKNOWN)
    return app, platform
