"""The files podsite ships under `/static/`, at cache-busted URLs: `/static/css/site.css?v=<content
hash>`."""

import hashlib
import mimetypes
from pathlib import Path

from quart import Quart, Response, abort, current_app

from podsite.infrastructure.file_responses import ranged_file_response

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
    """Hashes every static file once, at startup, so each URL costs a dict lookup, and serves
    them (the app is built with `static_folder=None`, so this is the one `static` route)."""
    versions = file_versions(folder)
    app.extensions[EXTENSION_KEY] = versions

    async def static(filename: str) -> Response:
        """Only the files hashed at startup: any other name is a 404 without a look at the
        disk, so no name (too long for the file system, climbing out of the folder) can
        reach it. A file added while the site runs is served after the next start."""
        if filename not in versions:
            abort(404)
        mimetype = mimetypes.guess_type(filename)[0] or 'application/octet-stream'
        response = await ranged_file_response(folder / filename, mimetype=mimetype)
        # A content change changes the URL, so browsers may keep every version forever.
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR_SECONDS
        return response

    app.add_url_rule('/static/<path:filename>', 'static', static)


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
