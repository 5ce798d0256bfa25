"""`next=` targets after login: only paths of this site, never another host."""

from urllib.parse import urlsplit

MAX_TARGET_LENGTH = 2000


def safe_next(target: str | None, default: str = '/') -> str:
    if not target or len(target) > MAX_TARGET_LENGTH or target != target.strip():
        return default
    if not target.startswith('/') or target.startswith(('//', '/\\')) or '\\' in target:
        return default
    if any(ord(character) < 32 or ord(character) == 127 for character in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
