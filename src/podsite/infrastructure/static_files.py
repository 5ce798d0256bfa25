"""Cache-busted static URLs: `/static/css/site.css?v=<content hash>`."""

import hashlib
from pathlib import Path

from quart import Quart, current_app

EXTENSION_KEY = 'podsite.static_versions'
ONE_YEAR_SECONDS = 365 * 24 * 3600


def file_versions(folder: Path) -> dict[str, str]:
    """Each file under `folder` (by its path relative to it) and a hash of its content."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in folder.rglob('*')
        if path.is_file()
    }


def init_app(app: Quart, *, folder: Path) -> None:
    """Hashes every static file once, at startup, so each URL costs a dict lookup."""
    app.extensions[EXTENSION_KEY] = file_versions(folder)
    # A content change changes the URL, so browsers may keep every version forever.
    app.config['SEND_FILE_MAX_AGE_DEFAULT'] = ONE_YEAR_SECONDS


def static_url(path: str) -> str:
    """Versions files podsite ships (`css/site.css`, `/static/img/x.svg`); other URLs pass."""
    return versioned_url(current_app.extensions[EXTENSION_KEY], path)


def versioned_url(versions: dict[str, str], path: str) -> str:
    """`static_url` with the versions given, for code that runs outside the app."""
    if (
        '://' in path
        or path.startswith('//')
        or (path.startswith('/') and not path.startswith('/static/'))
    ):
        return path
    clean = path.lstrip('/').removeprefix('static/')
    version = versions.get(clean)
    if version is None:
        # Stored URLs may name files podsite does not ship; they are served without a version.
        return f'/static/{clean}'
    return f'/static/{clean}?v={version}'
