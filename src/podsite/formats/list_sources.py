"""Where the files of a data list are in a copy of it: a folder (a checkout, or podsite's own
copy), a zip archive of the list's repository, or that archive's bytes as downloaded.

Shared by the lists podsite ships and refreshes without a release (the OPAWG user agents,
the data-centre networks); each says which paths are its files.
"""

import io
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath


def texts_by_place[Place](
    source: Path | bytes, place: Callable[[PurePosixPath], Place | None]
) -> list[tuple[Place, str]]:
    """The text of every file `place` recognises by its path from the list's top, in a
    folder's sorted order or an archive's own. GitHub's archives put the repository in one
    top folder, so an archive's member is also tried without its first part. A source that
    is neither a folder nor a zip archive raises `OSError` or `zipfile.BadZipFile`."""
    if isinstance(source, Path) and source.is_dir():
        found = []
        for path in sorted(source.rglob('*')):
            where = place(PurePosixPath(path.relative_to(source).as_posix()))
            if where is not None and path.is_file():
                found.append((where, path.read_text(encoding='utf-8', errors='replace')))
        return found
    with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
        found = []
        for member in archive.namelist():
            in_archive = PurePosixPath(member)
            where = place(in_archive)
            if where is None:
                where = place(PurePosixPath(*in_archive.parts[1:]))
            if where is not None:
                found.append((where, archive.read(member).decode('utf-8', errors='replace')))
        return found
