"""The artwork field the show settings and episode forms share: an uploaded image becomes
stored artwork (or one message saying why not), and the stored artwork's name travels with
the re-rendered form, so fixing another field never means choosing the image again."""

from podsite.services.publishing import artwork_service
from podsite.services.publishing.artwork_service import StoredArtwork
from podsite.viewmodels.shared.artwork import artwork_copy_url
from podsite.viewmodels.shared.form import FormViewModel

FIELD = 'artwork'
STORED_FIELD = 'artwork_file'
UPLOAD_LIMIT = artwork_service.LARGEST_UPLOAD_BYTES + 1
"""How much of an upload the form reads: one byte past the largest image it accepts is
enough for it to say the file is too large."""


async def take_artwork(form: FormViewModel, upload: bytes | None) -> StoredArtwork | None:
    """Stores an uploaded image and puts its name in the form, or files the reason it was
    refused under `artwork`; with no upload, checks the name the form carried back."""
    if upload:
        try:
            stored = await artwork_service.accept_upload(upload)
        except artwork_service.ArtworkError as error:
            form.errors[FIELD] = str(error)
            return None
        form.form[STORED_FIELD] = stored.file_name
        return stored
    carried = form.text(STORED_FIELD)
    if carried and not artwork_service.exists(carried):
        form.form[STORED_FIELD] = ''
        form.errors[FIELD] = (
            'The artwork sent with the form is not one stored on the server; upload the image '
            'again.'
        )
    return None


def describe(stored: StoredArtwork | None) -> str:
    return '' if stored is None else f'Artwork {stored.summary}.'


def thumbnail_url(file_name: str) -> str:
    return artwork_copy_url(file_name, '300')
