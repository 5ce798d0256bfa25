"""Episode audio served from `media_dir`: files are matched by the media URL's last
path segment, so the feed's URLs stay the same whether podsite or a CDN serves them."""

import errno
import posixpath
from pathlib import Path
from urllib.parse import urlsplit


def local_media_file(media_dir: Path | None, media_url: str) -> Path | None:
    if media_dir is None:
        return None
    name = posixpath.basename(urlsplit(media_url).path)
    candidate = media_dir / name
    try:
        return candidate if name and candidate.is_file() else None
    except OSError as error:
        # A name longer than the file system allows names no file (pathlib raises for it).
        if error.errno == errno.ENAMETOOLONG:
            return None
        raise
