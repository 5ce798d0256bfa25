"""The addresses of the site's public pages, for code that links to them without a request.

Read models, the feed, the sitemap, the static export and the emails the background sender
makes need these where there is no request, and the listing pages build hundreds per page:
`url_for` took 19 µs a call here (werkzeug finds the rule and quotes each part), these
0.6 µs (2026-12-06, busy machine). Each
builder names the endpoint it stands for, and `tests/test_urls.py` checks every one against
`url_for` on the real URL map, so a route and its builder cannot drift apart. Inside a view,
use `url_for` itself. `absolute` puts any of these paths on the site's public address.

Slugs and short-link names are `[a-z0-9-]` (`infrastructure/slugs.py` and the schemas check
it), and the tokens of emailed links URL-safe base64, so they need no quoting.
"""

import mimetypes
import re
from urllib.parse import urlsplit

# What a download URL may end in: letters and digits, as media files' extensions are.
_EXTENSION = re.compile(r'[a-z0-9]{1,5}')
# Python's table names some types by a rarer extension than podcast apps expect.
_USUAL_EXTENSIONS = {'audio/mpeg': 'mp3', 'audio/mp4': 'm4a', 'audio/x-m4a': 'm4a',
                     'video/mp4': 'mp4', 'video/x-m4v': 'm4v', 'video/quicktime': 'mov',
                     'audio/ogg': 'ogg', 'audio/opus': 'opus', 'audio/aac': 'aac'}  # fmt: skip


def absolute(base_url: str, url: str) -> str:
    """A path of this site (`/episodes/...`, `/static/...`) on its address `base_url` (the
    public one, without a trailing slash); other URLs (artwork on a media host, written in
    full or scheme-relative, `//cdn.example/...`) as they are."""
    return base_url + url if url.startswith('/') and not url.startswith('//') else url


def home_url() -> str:
    """`home.index`"""
    return '/'


def all_episodes_url() -> str:
    """`episodes.all_episodes`"""
    return '/episodes/all'


def episode_url(number: int, slug: str) -> str:
    """`episodes.details`"""
    return f'/episodes/show/{number}/{slug}'


def transcript_url(number: int, slug: str) -> str:
    """`episodes.transcript`"""
    return f'/episodes/transcript/{number}/{slug}'


def transcript_file_url(number: int, slug: str, extension: str) -> str:
    """`episodes.transcript_file`: `txt` or `vtt`."""
    return f'/episodes/transcript/{number}/{slug}.{extension}'


def embed_url(number: int, slug: str) -> str:
    """`episodes.embed`: the player page other sites frame."""
    return f'/episodes/embed/{number}/{slug}'


def feed_url() -> str:
    """`episodes.rss`: the podcast feed."""
    return '/episodes/rss'


def download_url(number: int, slug: str, extension: str = 'mp3') -> str:
    """`episodes.download`: `extension` as `download_extension` gives it, so that a video
    downloads as `.mp4`; any extension reaches the same file."""
    return f'/episodes/download/{number}/{slug}.{extension}'


def media_download_path(
    number: int, slug: str, *, media_type: str, media_url: str, media_file: str | None
) -> str:
    """`episodes.download` for an episode's audio: named after the file podsite stores,
    when it stores one (a replaced file has a new name, so apps that cache by URL fetch it
    again), else after the episode's slug."""
    if media_file:
        stem, _, extension = media_file.rpartition('.')
        return download_url(number, stem, extension)
    return download_url(number, slug, download_extension(media_type, media_url))


def download_extension(media_type: str, media_url: str) -> str:
    """The extension of the media file: its type's (`mp4` for `video/mp4`), else its URL's."""
    media_type = media_type.split(';')[0].strip().lower()
    if media_type in _USUAL_EXTENSIONS:
        return _USUAL_EXTENSIONS[media_type]
    _, dot, suffix = urlsplit(media_url).path.rpartition('/')[2].rpartition('.')
    if dot and _EXTENSION.fullmatch(suffix.lower()):
        return suffix.lower()
    return (mimetypes.guess_extension(media_type) or '.mp3').lstrip('.')


def artwork_url(name: str) -> str:
    """`artwork`: an uploaded artwork or one of its copies, by its content-hashed name."""
    return f'/artwork/{name}'


def chapters_url(number: int) -> str:
    """`episodes.chapters`"""
    return f'/episodes/chapters/{number}.json'


def guest_list_url() -> str:
    """`guests.index`"""
    return '/guests'


def guest_url(slug: str) -> str:
    """`guests.details`"""
    return f'/guests/{slug}'


def friends_url() -> str:
    """`friends.index`: the show's sponsors."""
    return '/friends-of-the-show'


def live_stream_url() -> str:
    """`stream.index`"""
    return '/live-stream'


def stream_confirm_url(token: str) -> str:
    """`stream.confirm`: tokens are URL-safe (`secrets.token_urlsafe`)."""
    return f'/live-stream/confirm/{token}'


def stream_unsubscribe_url(token: str) -> str:
    """`stream.unsubscribe`: tokens are URL-safe (itsdangerous' URL-safe serializer)."""
    return f'/live-stream/unsubscribe/{token}'


def sitemap_page_url(page: int) -> str:
    """`sitemap.sitemap_page`"""
    return f'/sitemap-{page}.xml'


def policy_url(slug: str) -> str:
    """`policies.other`; the privacy policy and the terms have addresses of their own,
    `policies.privacy` and `policies.terms`."""
    return f'/{slug}' if slug in {'privacy', 'terms'} else f'/policies/{slug}'


def short_link_url(name: str) -> str:
    """`redirector.follow`"""
    return f'/r/{name}'


def login_url() -> str:
    """`account.login_get`"""
    return '/account/login'


def reset_request_url() -> str:
    """`account.reset_request_get`"""
    return '/account/reset'


def reset_url(token: str) -> str:
    """`account.reset_get`: tokens are URL-safe (`secrets.token_urlsafe`)."""
    return f'/account/reset/{token}'


def confirm_account_url(token: str) -> str:
    """`account.confirm_get`: tokens are URL-safe (itsdangerous' URL-safe serializer)."""
    return f'/account/confirm/{token}'


def account_unsubscribe_url(token: str) -> str:
    """`account.unsubscribe_get`: tokens are URL-safe (itsdangerous' URL-safe serializer)."""
    return f'/account/unsubscribe/{token}'


def email_change_url(token: str) -> str:
    """`account.email_change_get`: tokens are URL-safe, as above."""
    return f'/account/email/{token}'
