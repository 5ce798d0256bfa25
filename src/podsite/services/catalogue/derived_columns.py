"""Columns derived from what a person wrote, computed by the services that write the rows.

Show notes are rendered and sanitised once, when written: rendering costs milliseconds, and the
feed needs every episode's notes at once. A stream's end is stored so that "live now" is one
indexed comparison. Each function gives the derived columns as a dict, so the same code serves
an ORM row, an update and a bulk insert (the demo loader), and the audit log, which records
what a person changed, can leave them out.
"""

from datetime import datetime, timedelta
from typing import Literal

from podsite.formats.markdown import render_markdown
from podsite.formats.show_notes import html_notes, text_notes

NotesFormat = Literal['markdown', 'html', 'text']
"""Markdown from podsite's editor; HTML or plain text as an imported feed had them."""
_RENDERERS = {'markdown': render_markdown, 'html': html_notes, 'text': text_notes}


def episode_columns(*, show_notes: str, notes_format: NotesFormat = 'markdown') -> dict[str, str]:
    return {'show_notes_html': _RENDERERS[notes_format](show_notes)}


def policy_columns(*, body: str) -> dict[str, str]:
    return {'body_html': render_markdown(body)}


def live_stream_columns(
    *, description: str, starts_at: datetime, duration_minutes: int
) -> dict[str, object]:
    return {
        'description_html': render_markdown(description),
        'ends_at': starts_at + timedelta(minutes=duration_minutes),
    }
