"""Uploaded artwork: checked and re-encoded (formats/artwork.py), then stored with its copies
(infrastructure/artwork_files.py). Both run in a worker thread: decoding and resizing a
3000 px image takes a good part of a second, which the event loop must not wait through."""

import asyncio

from pydantic import BaseModel, ConfigDict

from podsite.formats.artwork import ArtworkError, PreparedArtwork, prepare_artwork
from podsite.infrastructure.artwork_files import artwork_folder, is_stored, store_artwork
from podsite.settings import current_settings

# Larger than any artwork worth sending (Apple's largest is a 3000 px PNG of a few MB), and
# below the request limit (app.py), so the form can say so rather than the server refuse.
LARGEST_UPLOAD_BYTES = 12 * 1024 * 1024

__all__ = ['LARGEST_UPLOAD_BYTES', 'ArtworkError', 'StoredArtwork', 'accept_upload', 'exists']


class StoredArtwork(BaseModel):
    model_config = ConfigDict(frozen=True)

    file_name: str
    summary: str
    """What was done to meet Apple's rules, e.g. `re-encoded as JPEG at quality 85, 3000→1400
    px, 410 KB`."""


async def accept_upload(data: bytes) -> StoredArtwork:
    """Raises `ArtworkError` (nothing stored) for an image that cannot be the artwork."""
    if len(data) > LARGEST_UPLOAD_BYTES:
        raise ArtworkError(
            f'The image is larger than {LARGEST_UPLOAD_BYTES // 2**20} MB; upload a smaller '
            'one (the artwork itself ends up under 512 KB).'
        )
    folder = artwork_folder(current_settings())

    def prepare_and_store() -> tuple[PreparedArtwork, str]:
        prepared = prepare_artwork(data)
        return prepared, store_artwork(folder, prepared)

    prepared, name = await asyncio.to_thread(prepare_and_store)
    return StoredArtwork(file_name=name, summary=prepared.summary)


def exists(file_name: str) -> bool:
    """Whether `file_name` is artwork podsite stored (a name a form carried back)."""
    return is_stored(artwork_folder(current_settings()), file_name)
