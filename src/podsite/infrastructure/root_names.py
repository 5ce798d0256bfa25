"""Which names a short link may answer to at the site's root (`/htmx` as well as `/r/htmx`):
none that is, or may become, the first part of one of the site's own addresses."""

from quart import Quart, current_app

from podsite.infrastructure.probes import is_probe

EXTENSION_KEY = 'podsite.root_names'

FUTURE_SECTIONS = frozenset({
    'about', 'api', 'archive', 'assets', 'blog', 'contact', 'episode', 'faq', 'feed', 'feeds',
    'guest', 'help', 'images', 'login', 'logout', 'media', 'podcast', 'register', 'rss',
    'sponsors', 'static', 'subscribe', 'tags', 'topics', 'transcripts', 'videos', 'well-known',
})  # fmt: skip
"""Sections a podcast's site may grow: kept free, so that a page added later is not
shadowed by a link made before it (the page would win, and the link would break)."""


def taken_names(app: Quart) -> frozenset[str]:
    """The first segment of every route the app has (`guests` for `/guests/<slug>`), with
    the sections kept for later; worked out once, when first asked, after every blueprint
    is registered."""
    taken: frozenset[str] | None = app.extensions.get(EXTENSION_KEY)
    if taken is None:
        segments = {rule.rule.lstrip('/').split('/')[0] for rule in app.url_map.iter_rules()}
        fixed = {segment for segment in segments if segment and '<' not in segment}
        taken = app.extensions[EXTENSION_KEY] = frozenset(fixed | FUTURE_SECTIONS)
    return taken


def root_name_problem(name: str) -> str | None:
    """Why a short link cannot be named `name` at the root, or None if it can."""
    if name in taken_names(current_app):
        return f'/{name} is an address of the site itself; choose another name.'
    if name.isdigit():
        return f'/{name} is the address of episode {name}; choose a name with a letter in it.'
    if is_probe(f'/{name}'):
        return f'/{name} looks like an address attackers probe, which the site refuses.'
    return None
