"""Uploaded artwork on disk, under `artwork/` in the media folder (the data folder when no
media folder is set), and its route `/artwork/<name>`.

Each file is named by a hash of its content, so its URL never serves anything else and
browsers and CDNs may keep it for a year without asking again."""

import os
import tempfile
from pathlib import Path

from quart import Quart, Response, abort, request

from podsite.formats.artwork import (
    ARTWORK_NAME,
    FILE_NAME,
    PreparedArtwork,
    variant_file_name,
)
from podsite.infrastructure.file_responses import ranged_file_response
from podsite.settings import Settings, current_settings

ARTWORK_FOLDER = 'artwork'
ONE_YEAR_SECONDS = 365 * 24 * 3600
MIMETYPES = {'jpg': 'image/jpeg', 'png': 'image/png'}


def artwork_folder(settings: Settings) -> Path:
    return settings.media_folder / ARTWORK_FOLDER


def store_artwork(folder: Path, artwork: PreparedArtwork) -> str:
    """Writes the artwork and its copies (each to a temporary file, then renamed into place,
    so a reader never meets half a file) and returns the artwork's file name. Storing the
    same image twice writes nothing new."""
    folder.mkdir(parents=True, exist_ok=True)
    name = artwork.file_name
    files = {name: artwork.data} | {
        variant_file_name(name, variant): data for variant, data in artwork.variants.items()
    }
    for file_name, data in files.items():
        target = folder / file_name
        if target.is_file():
            continue
        descriptor, temporary = tempfile.mkstemp(prefix='.upload-', dir=folder)
        try:
            with os.fdopen(descriptor, 'wb') as output:
                output.write(data)
            os.chmod(temporary, 0o644)  # served by nginx too, like the audio beside it
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return name


def is_stored(folder: Path, file_name: str) -> bool:
    """Whether `file_name` names artwork stored in `folder` (not one of its copies)."""
    return ARTWORK_NAME.fullmatch(file_name) is not None and (folder / file_name).is_file()


def init_app(app: Quart) -> None:
    async def artwork(name: str) -> Response:
        """Only names podsite gives its artwork reach the disk: anything else is a 404."""
        match = FILE_NAME.match(name)
        if match is None:
            abort(404)
        path = artwork_folder(current_settings()) / name
        if not path.is_file():
            abort(404)
        response = await ranged_file_response(path, mimetype=MIMETYPES[match['ext']])
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR_SECONDS
        response.cache_control.immutable = True
        if response.status_code == 200:
            await response.make_conditional(request)
        return response

    app.add_url_rule('/artwork/<name>', 'artwork', artwork)
