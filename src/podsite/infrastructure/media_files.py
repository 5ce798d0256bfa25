"""Episode audio on disk, in the media folder (`Settings.media_folder`).

Two kinds of file live there. Files uploaded in the admin are stored under names podsite
gives them, `<number>-<slug>-<content hash>.<ext>`: a replaced file gets a new name, so the
feed's enclosure URL changes with it and apps that cache by URL fetch the new one. Files put
there by hand are matched by the media URL's last path segment, so the feed's URLs stay the
same whether podsite or a CDN serves them.

A replaced or deleted episode's stored file is not removed at once: it moves to `retired/`
and is deleted `RETIRED_KEEP_DAYS` later, because feeds already fetched (and apps half way
through a download, resuming with Range) still name it; its old URL keeps serving it until
then. The admin states the period next to the upload field.
"""

import errno
import hashlib
import os
import posixpath
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

RETIRED = 'retired'
RETIRED_KEEP_DAYS = 7
HASH_CHARACTERS = 10
STORED_NAME = re.compile(r'(?P<number>[0-9]+)-[a-z0-9-]+-[0-9a-f]{10}\.[a-z0-9]{1,5}')


def local_media_file(media_dir: Path | None, media_url: str) -> Path | None:
    if media_dir is None:
        return None
    name = posixpath.basename(urlsplit(media_url).path)
    return _existing(media_dir / name) if name else None


def _existing(candidate: Path) -> Path | None:
    try:
        return candidate if candidate.is_file() else None
    except OSError as error:
        # A name longer than the file system allows names no file (pathlib raises for it).
        if error.errno == errno.ENAMETOOLONG:
            return None
        raise


def stored_file(media_folder: Path, name: str) -> Path | None:
    return _existing(media_folder / name)


def content_digest(path: Path) -> str:
    """sha256 of the file, read in chunks (a 1 GB file takes a few seconds: call it off the
    event loop)."""
    with path.open('rb') as audio:
        return hashlib.file_digest(audio, 'sha256').hexdigest()


def stored_name(*, number: int, slug: str, digest: str, extension: str) -> str:
    return f'{number}-{slug}-{digest[:HASH_CHARACTERS]}.{extension}'


def keep_file(part: Path, media_folder: Path, name: str) -> Path:
    """Moves an uploaded part (already in the media folder's file system) to its name."""
    media_folder.mkdir(parents=True, exist_ok=True)
    target = media_folder / name
    # Temporary files are private (0600); nginx, under its own account, sends this one.
    os.chmod(part, 0o644)
    os.replace(part, target)
    return target


def retire_file(media_folder: Path, name: str) -> None:
    """Moves a stored file out of use; `remove_retired` deletes it after the keep period,
    counted from now."""
    current = media_folder / name
    if not current.is_file():
        return
    retired = media_folder / RETIRED
    retired.mkdir(parents=True, exist_ok=True)
    os.replace(current, retired / name)
    os.utime(retired / name)


def retired_file(media_folder: Path, number: int, name: str) -> Path | None:
    """A retired file of episode `number` still kept, by the name an older feed gave it."""
    match = STORED_NAME.fullmatch(name)
    if match is None or int(match['number']) != number:
        return None
    return _existing(media_folder / RETIRED / name)


def remove_retired(media_folder: Path, *, now: float | None = None) -> list[str]:
    """Deletes the retired files whose keep period is over; returns their names."""
    folder = media_folder / RETIRED
    deadline = (now or time.time()) - RETIRED_KEEP_DAYS * 86400
    removed = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    for entry in entries:
        if entry.is_file() and entry.stat().st_mtime < deadline:
            Path(entry.path).unlink(missing_ok=True)
            removed.append(entry.name)
    return removed


def remove_file(media_folder: Path, name: str) -> None:
    """Deletes a stored file now (a file of an upload whose save failed)."""
    (media_folder / name).unlink(missing_ok=True)


def remove_episode_files(media_folder: Path, *, number: int, name: str | None) -> list[str]:
    """Deletes a deleted episode's stored file and the replaced ones still kept: nothing
    may download them any more. Returns the names removed."""
    removed = []
    if name is not None and (media_folder / name).is_file():
        remove_file(media_folder, name)
        removed.append(name)
    try:
        retired = list(os.scandir(media_folder / RETIRED))
    except FileNotFoundError:
        return removed
    for entry in retired:
        match = STORED_NAME.fullmatch(entry.name)
        if match is not None and int(match['number']) == number:
            Path(entry.path).unlink(missing_ok=True)
            removed.append(f'{RETIRED}/{entry.name}')
    return removed
