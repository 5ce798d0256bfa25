"""`next=` targets after login: only paths of this site, never another host."""

from urllib.parse import unquote, urlsplit

MAX_TARGET_LENGTH = 2000


def safe_next(target: str | None, default: str = '/') -> str:
    """`target` when it is a path of this site (`/account?tab=1#x`), `default` otherwise.

    The decoded form must pass too: no page of the site has an encoded control character,
    backslash or leading `//`, and a proxy or a later redirect that decodes the path once
    more must not find a header break or another host in it."""
    if not target or len(target) > MAX_TARGET_LENGTH:
        return default
    if _is_local_path(target) and _is_local_path(unquote(target)):
        return target
    return default


def _is_local_path(path: str) -> bool:
    if not path.startswith('/') or path.startswith('//') or '\\' in path:
        return False
    # Spaces inside are printable and harmless; at the ends they hide a different target.
    if path != path.strip() or not path.isprintable():
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc
