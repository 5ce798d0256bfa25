"""Podcasting 2.0 JSON chapters as the admin pastes them or a feed links them: read
strictly enough that what is stored can be stored and served on both databases.

Python's `json` reads more than JSON: `NaN`, `Infinity` and `1e999` become floats that
PostgreSQL's `json` type refuses (a 500 when the episode is saved) and no player reads.
It also gives up with `RecursionError` on deep nesting and `ValueError` on numbers of
more than 4,300 digits; each is a `ChaptersError` here, with a message for the person.
"""

import json
import math
import re
from typing import Any

from pydantic import BaseModel

from podsite.formats.durations import clock_field, parse_clock


class ChaptersError(ValueError):
    """Text that is not a chapters document; the message says why."""


def parse_chapters(text: str | bytes) -> dict[str, Any]:
    document = strict_json(text)
    if not isinstance(document, dict) or not isinstance(document.get('chapters'), list):
        raise ChaptersError('Chapters JSON needs a "chapters" list.')
    return document


def strict_json(text: str | bytes) -> Any:
    """JSON as PostgreSQL and players read it (see above); a `ChaptersError` otherwise."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except json.JSONDecodeError as error:
        raise ChaptersError(f'Not valid JSON (line {error.lineno}): {error.msg}.') from error
    except RecursionError as error:
        raise ChaptersError('Not valid chapters JSON: it is nested too deeply.') from error
    except ValueError as error:  # a number too long or not finite
        raise ChaptersError(f'Not valid chapters JSON: {error}.') from error


def _refuse_constant(name: str) -> float:
    raise ValueError(f'{name} is not a number JSON allows')


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f'{text[:20]} is too large a number')
    return number


# The Podcasting 2.0 JSON chapters format, as the admin writes it:
# https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/examples/chapters/jsonChapters.md
CHAPTERS_VERSION = '1.2.0'
SHOWN_FIELDS = frozenset({'startTime', 'title', 'url', 'img'})
"""A chapter's fields the editor shows in its rows; the others are kept as they are."""
_TEXT_LINE = re.compile(
    r'(?P<time>\d{1,3}:\d{2}(?::\d{2})?(?:\.\d{1,3})?)\s+(?P<title>.*?)'
    r'(?:\s+<(?P<url>https?://\S+)>)?'
)


class ChapterRow(BaseModel):
    """One chapter as the editor shows it: the time as typed, the rest as text; `extra`
    holds the document's other fields of the chapter (`toc`, `endTime`, `location`), which
    the form keeps without showing."""

    time: str = ''
    title: str = ''
    url: str = ''
    img: str = ''
    extra: dict[str, Any] = {}

    @property
    def is_blank(self) -> bool:
        return not (self.time or self.title or self.url or self.img)


def rows_of_document(document: dict[str, Any]) -> list[ChapterRow]:
    """The rows of a stored (or imported) chapters document."""
    rows = []
    for chapter in document.get('chapters') or []:
        if not isinstance(chapter, dict):
            continue
        start = chapter.get('startTime')
        rows.append(
            ChapterRow(
                time=clock_field(start) if isinstance(start, int | float) else '',
                title=str(chapter.get('title') or ''),
                url=str(chapter.get('url') or ''),
                img=str(chapter.get('img') or ''),
                extra={key: value for key, value in chapter.items() if key not in SHOWN_FIELDS},
            )
        )
    return rows


def read_chapter_file(text: str) -> list[ChapterRow]:
    """Rows from an imported file: Podcasting 2.0 JSON chapters (`version` and each
    chapter's `startTime` required), or lines of `00:00:00 Title` (MP4-style chapter text,
    and Podlove Simple Chapters' `00:00:00.000 Title <https://link>`)."""
    if text.lstrip().startswith(('{', '[')):
        document = parse_chapters(text)
        version = document.get('version')
        if version != CHAPTERS_VERSION:
            raise ChaptersError(
                f'The chapters file needs "version": "{CHAPTERS_VERSION}" '
                f'(it has {json.dumps(version)[:40] if version is not None else "none"}).'
            )
        for number, chapter in enumerate(document['chapters'], start=1):
            if not isinstance(chapter, dict):
                raise ChaptersError(f'Chapter {number} of the file is not an object.')
            start = chapter.get('startTime')
            if isinstance(start, bool) or not isinstance(start, int | float):
                raise ChaptersError(f'Chapter {number} of the file needs a "startTime" number.')
        return rows_of_document(document)
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _TEXT_LINE.fullmatch(line.strip())
        if match is None:
            raise ChaptersError(
                f'Line {number} of the file is not "00:00:00 Title": {line.strip()[:60]}'
            )
        rows.append(ChapterRow(time=match['time'], title=match['title'], url=match['url'] or ''))
    if not rows:
        raise ChaptersError('The chapters file has no chapters.')
    return rows


def chapters_document(
    rows: list[ChapterRow], *, duration_seconds: int | None
) -> tuple[dict[str, Any] | None, dict[int, str]]:
    """The JSON chapters document of the rows (None when there are none), and a message per
    row that is wrong (by the row's index): a time as H:MM:SS, after the row before and
    within the episode; a title; web addresses for the link and the image."""
    problems: dict[int, str] = {}
    chapters: list[dict[str, Any]] = []
    previous: float | None = None
    for index, row in enumerate(rows):
        if row.is_blank:
            continue
        start = parse_clock(row.time)
        if start is None:
            problems[index] = 'Write the start time as H:MM:SS, like 0:12:30.'
        elif previous is not None and start <= previous:
            problems[index] = 'Each chapter starts after the one above it.'
        elif duration_seconds and start >= duration_seconds:
            problems[index] = 'This time is past the end of the episode.'
        elif not (row.title.strip() or row.img or row.extra):
            # The format allows a chapter without a title (one that changes the picture, or
            # is left out of the table of contents); a typed row without one is a slip.
            problems[index] = 'Give the chapter a title.'
        elif row.url and not _is_web_address(row.url):
            problems[index] = 'The link must be a web address starting with https://.'
        elif row.img and not _is_web_address(row.img):
            problems[index] = 'The image must be a web address starting with https://.'
        if start is not None:
            previous = start if previous is None else max(previous, start)
        if index in problems or start is None:
            continue
        chapter: dict[str, Any] = {'startTime': int(start) if start.is_integer() else start}
        if row.title.strip():
            chapter['title'] = row.title.strip()
        if row.url:
            chapter['url'] = row.url
        if row.img:
            chapter['img'] = row.img
        # What the rows show comes from the rows, never from the kept extra fields.
        kept = {key: value for key, value in row.extra.items() if key not in SHOWN_FIELDS}
        chapters.append(kept | chapter)
    if problems or not chapters:
        return None, problems
    return {'version': CHAPTERS_VERSION, 'chapters': chapters}, problems


def _is_web_address(text: str) -> bool:
    return re.fullmatch(r'https?://[^\s/?#]+\S*', text) is not None and len(text) <= 2000
