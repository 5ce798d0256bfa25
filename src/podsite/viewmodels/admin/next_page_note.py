"""A line for the page a saved form redirects to (what was done to an upload, whether the
audio file's tags were rewritten): kept in the session until that page shows it."""

from quart import flash, get_flashed_messages

FLASH_CATEGORY = 'admin-note'


async def note_for_next_page(text: str) -> None:
    if text:
        await flash(text, FLASH_CATEGORY)


def notes_from_last_page() -> str:
    return ' '.join(str(note) for note in get_flashed_messages(category_filter=[FLASH_CATEGORY]))
