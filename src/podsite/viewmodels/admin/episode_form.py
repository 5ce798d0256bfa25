import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from pydantic import ValidationError

from podsite.formats.chapters import (
    ChapterRow,
    ChaptersError,
    chapters_document,
    read_chapter_file,
    rows_of_document,
    strict_json,
)
from podsite.formats.durations import clock_field, parse_clock
from podsite.formats.moments import LATEST, parse_iso_moment
from podsite.formats.numbers import whole_number
from podsite.formats.transcript_formats import (
    ParsedTranscript,
    TranscriptFormat,
    TranscriptFormatError,
    parse_transcript,
)
from podsite.infrastructure import clock
from podsite.infrastructure.auth import current_user
from podsite.infrastructure.slugs import slugify
from podsite.schemas.admin import EpisodeWrite, NamedRow
from podsite.services.admin import admin_people_service, admin_service
from podsite.viewmodels.admin.artwork_upload import describe, take_artwork, thumbnail_url
from podsite.viewmodels.admin.audio_tags import retag_saved_episode
from podsite.viewmodels.admin.next_page_note import note_for_next_page, notes_from_last_page
from podsite.viewmodels.shared.form import FormViewModel

STATUSES = ('draft', 'published', 'scheduled')
# Where the form's field names differ from the model's.
FORM_FIELDS = {
    'duration_seconds': 'duration',
    'appearances': 'guests',
    'sponsor_slugs': 'sponsors',
    'published_at': 'publish_at',
    'recorded_at': 'recorded_on',
    'is_published': 'status',
    'artwork_file': 'artwork',
}
TRANSCRIPT_FORMATS: tuple[TranscriptFormat, ...] = ('vtt', 'srt', 'text')
FIELD_LABELS = {
    'number': 'Number', 'status': 'Status', 'publish_at': 'Publish at', 'title': 'Title',
    'slug': 'Slug', 'subtitle': 'Subtitle', 'summary': 'Summary', 'show_notes': 'Show notes',
    'duration': 'Duration', 'season': 'Season', 'episode_type': 'Type',
    'media_url': 'Media URL', 'media_size_bytes': 'Media size', 'media_type': 'Media type',
    'youtube_id': 'YouTube id', 'hosts': 'Hosts', 'guests': 'Guests', 'sponsors': 'Sponsors',
    'transcript': 'Transcript', 'chapters_file': 'Chapters file', 'artwork': 'Artwork',
}  # fmt: skip
BLANK_CHAPTER_ROWS = 3
"""Empty rows below the chapters, to add some without JavaScript (which adds more)."""
MAX_CHAPTER_ROWS = 1000
CHAPTER_ROW_FIELD = re.compile(r'chapter_(?:time|title|url|img|extra)_(\d{1,4})')


class PickerOption(NamedTuple):
    slug: str
    name: str
    selected: str | None
    """`selected` or None, as the template's attribute wants it."""


def picker_options(rows: list[NamedRow], chosen: list[str]) -> list[PickerOption]:
    """Every row as an option, the chosen ones first in the order chosen: a browser sends
    a `<select multiple>`'s values in the order of its options, and order matters (the
    episode page lists people, and reads sponsors, in it)."""
    by_slug = {row.slug: row for row in rows}
    first = [by_slug[slug] for slug in dict.fromkeys(chosen) if slug in by_slug]
    taken = set(chosen)
    rest = [row for row in rows if row.slug not in taken]
    return [PickerOption(row.slug, row.name, 'selected') for row in first] + [
        PickerOption(row.slug, row.name, None) for row in rest
    ]


CHAPTER_PARTS = ('time', 'title', 'url', 'img', 'extra')


class ShownChapterRow(NamedTuple):
    """A row of the chapter editor: its number and its fields as the form holds them."""

    number: str
    time: str
    title: str
    url: str
    img: str
    extra: str


def chapter_fields(rows: list[ChapterRow]) -> dict[str, str]:
    """The rows as the form's fields: `chapter_time_0`, `chapter_title_0`, ..."""
    fields: dict[str, str] = {}
    for index, row in enumerate(rows):
        fields |= {
            f'chapter_time_{index}': row.time,
            f'chapter_title_{index}': row.title,
            f'chapter_url_{index}': row.url,
            f'chapter_img_{index}': row.img,
            f'chapter_extra_{index}': json.dumps(row.extra) if row.extra else '',
        }
    return fields


def chapter_indices(form: Mapping[str, str]) -> list[int]:
    """The row numbers the form's chapter fields carry, in order."""
    found = {int(match[1]) for name in form if (match := CHAPTER_ROW_FIELD.fullmatch(name))}
    return sorted(found)


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = strict_json(text) if text else {}
    except ChaptersError:
        return {}
    return value if isinstance(value, dict) else {}


def time_until(wait: timedelta) -> str:
    """`in 6 days`, `in 3 hours`, `in 12 minutes`: the largest unit, rounded down."""
    for unit, length in (('day', 86_400), ('hour', 3_600), ('minute', 60)):
        count = int(wait.total_seconds() // length)
        if count >= 1:
            return f'in {count} {unit}{"s" if count > 1 else ""}'
    return 'in less than a minute'


class EpisodeFormViewModel(FormViewModel):
    """Create or edit an episode; the form keeps whatever was typed until it is right."""

    field_labels = FIELD_LABELS

    def __init__(
        self,
        episode_id: int | None,
        form: Mapping[str, str] | None = None,
        uploaded_transcript: bytes | None = None,
        uploaded_artwork: bytes | None = None,
        uploaded_chapters: bytes | None = None,
    ) -> None:
        super().__init__(form)
        self.uploaded_transcript = uploaded_transcript
        self.uploaded_artwork = uploaded_artwork
        self.uploaded_chapters = uploaded_chapters
        self.saved_note = ''
        self.thumbnail_url = thumbnail_url
        self.episode_id = episode_id
        self.saved_id: int | None = None
        self.guest_rows: list[NamedRow] = []
        self.sponsor_rows: list[NamedRow] = []
        self.statuses = STATUSES
        self.transcript_formats = TRANSCRIPT_FORMATS
        self.page_title = 'New episode' if episode_id is None else 'Edit episode'
        self.stored_transcript: tuple[str, TranscriptFormat] | None = None

    async def load_page_async(self) -> None:
        self.guest_rows = await admin_people_service.rows('guest')
        self.sponsor_rows = await admin_people_service.rows('sponsor')
        self.saved_note = notes_from_last_page()
        if self.episode_id is not None:
            self.stored_transcript = await admin_service.transcript_for_edit(self.episode_id)
        if self.form:
            return
        if self.episode_id is None:
            self.form = {
                'number': str(await admin_service.next_episode_number()),
                'status': 'draft',
                'media_type': 'audio/mpeg',
                'episode_type': 'full',
            }
            return
        episode = await admin_service.episode_for_edit(self.episode_id)
        if episode is None:
            self.found = False
            return
        self.form = self._fields_of(episode)
        self.lists = {
            'hosts': [a.guest_slug for a in episode.appearances if a.role == 'host'],
            'guests': [a.guest_slug for a in episode.appearances if a.role == 'guest'],
            'sponsors': list(episode.sponsor_slugs),
        }
        if self.stored_transcript is not None:
            self.form['transcript'], self.form['transcript_format'] = self.stored_transcript

    @staticmethod
    def _fields_of(episode: EpisodeWrite) -> dict[str, str]:
        if not episode.is_published:
            status = 'draft'
        elif episode.published_at > clock.now():
            status = 'scheduled'
        else:
            status = 'published'
        return {
            'number': str(episode.number),
            'slug': episode.slug,
            'title': episode.title,
            'subtitle': episode.subtitle,
            'summary': episode.summary,
            'show_notes': episode.show_notes,
            'status': status,
            'publish_at': f'{episode.published_at:%Y-%m-%dT%H:%M:%S}',
            'recorded_on': f'{episode.recorded_at:%Y-%m-%d}' if episode.recorded_at else '',
            'duration': clock_field(episode.duration_seconds),
            'media_url': str(episode.media_url),
            'media_size_bytes': str(episode.media_size_bytes),
            'media_type': episode.media_type,
            'youtube_id': episode.youtube_id or '',
            'season': '' if episode.season is None else str(episode.season),
            'episode_type': episode.episode_type,
            'explicit': 'on' if episode.explicit else '',
            'artwork_file': episode.artwork_file,
        } | chapter_fields(rows_of_document(episode.chapters or {}))

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {
            'chapter_rows': self._chapter_rows_shown(),
            'host_options': picker_options(self.guest_rows, self.values('hosts')),
            'guest_options': picker_options(self.guest_rows, self.values('guests')),
            'sponsor_options': picker_options(self.sponsor_rows, self.values('sponsors')),
        }

    def _chapter_rows_shown(self) -> list[ShownChapterRow]:
        """The rows the form holds, then blank ones to fill in."""
        indices = chapter_indices(self.form)
        count = (max(indices) + 1 if indices else 0) + BLANK_CHAPTER_ROWS
        return [
            ShownChapterRow(
                str(index),
                *(self.form.get(f'chapter_{part}_{index}', '') for part in CHAPTER_PARTS),
            )
            for index in range(min(count, MAX_CHAPTER_ROWS + BLANK_CHAPTER_ROWS))
        ]

    def announce_saved(self) -> None:
        """What the save just did for listeners, and when: a draft shows nowhere, a
        scheduled episode appears at its time, a published one is out now."""
        status = self.form.get('status')
        if status == 'draft':
            self.message = 'Saved as a draft; not on the site, the feed or search.'
            return
        moment = parse_iso_moment(self.form.get('publish_at', ''))
        now = clock.now()
        if status == 'scheduled' and moment is not None and moment > now:
            self.message = (
                f'Saved. It goes live on {moment:%b} {moment.day}, {moment:%Y at %H:%M} UTC '
                f'({time_until(moment - now)}); until then it is not on the site, the feed '
                'or search.'
            )
            return
        self.message = 'Saved. The site, the feed and search show it now.'

    async def save_async(self) -> None:
        """Every problem of the form at once, each beside its field: one save shows them all."""
        artwork = await take_artwork(self, self.uploaded_artwork)
        data = self._validated()
        transcript = self._transcript()
        await self._check_references(data)
        if data is None or self.errors:
            return
        actor = current_user()
        assert actor is not None
        try:
            self.saved_id = await admin_service.save_episode(
                episode_id=self.episode_id, data=data, actor=actor, transcript=transcript
            )
            await note_for_next_page(describe(artwork))
            await note_for_next_page(await retag_saved_episode(self.saved_id))
        except admin_service.UnknownReferenceError as error:
            field = 'guests' if error.kind == 'guests' else 'sponsors'
            self.errors[field] = f'No {error.kind} with these slugs: {", ".join(error.slugs)}.'
        except admin_service.NumberTakenError:
            self.errors['number'] = 'Another episode has this number.'
        except LookupError:
            self.found = False

    async def _check_references(self, data: EpisodeWrite | None) -> None:
        """What only the database knows, checked even when other fields are wrong."""
        number = data.number if data is not None else whole_number(self.text('number'))
        taken = (
            number is not None
            and 'number' not in self.errors
            and await admin_service.number_taken(number, episode_id=self.episode_id)
        )
        if taken:
            self.errors['number'] = 'Another episode has this number.'
        for field in ('hosts', 'guests'):
            if missing := await admin_service.unknown_slugs('guests', self.values(field)):
                self.errors.setdefault(field, f'No guests with these slugs: {", ".join(missing)}.')
        if missing := await admin_service.unknown_slugs('sponsors', self.values('sponsors')):
            self.errors.setdefault(
                'sponsors', f'No sponsors with these slugs: {", ".join(missing)}.'
            )

    def _transcript(self) -> ParsedTranscript | None:
        """A pasted or uploaded transcript, parsed; nothing sent means: keep the stored one."""
        source = self.form.get('transcript', '')
        if self.uploaded_transcript:
            try:
                source = self.uploaded_transcript.decode('utf-8')
            except UnicodeDecodeError:
                self.errors['transcript'] = 'The uploaded file is not UTF-8 text.'
                return None
        if not source.strip():
            return None
        chosen = self.text('transcript_format')
        transcript_format: TranscriptFormat = next(
            (f for f in TRANSCRIPT_FORMATS if f == chosen), 'vtt'
        )
        if self._is_stored_transcript(source, transcript_format):
            return None
        try:
            return parse_transcript(source, transcript_format=transcript_format)
        except TranscriptFormatError as error:
            self.errors['transcript'] = f'The transcript could not be read: {error}.'
            return None

    def _is_stored_transcript(self, source: str, transcript_format: TranscriptFormat) -> bool:
        """The transcript the form was filled with, sent back untouched (browsers send line
        ends as CRLF): storing it again would only stamp a change nobody made."""
        if self.stored_transcript is None:
            return False
        stored_text, stored_format = self.stored_transcript
        sent = source.replace('\r\n', '\n').strip()
        return transcript_format == stored_format and sent == stored_text.strip()

    def _validated(self) -> EpisodeWrite | None:
        raw = self._raw_values()
        try:
            data = EpisodeWrite.model_validate(raw)
        except ValidationError as error:
            self.add_validation_errors(error, FORM_FIELDS)
            if not self.text('slug') and 'title' in self.errors:
                del self.errors['slug']  # made from the title: the title's message says it
            return None
        return None if self.errors else data

    def _raw_values(self) -> dict[str, object]:
        status = self.text('status')
        if status not in STATUSES:
            self.errors['status'] = 'Choose draft, published or scheduled.'
        publish_at = self._publish_at(status)
        recorded_at = self._recorded_at(publish_at)
        seconds = parse_clock(self.text('duration'))
        # Lengths are stored in whole seconds; a typed fraction is refused, not dropped.
        duration = int(seconds) if seconds is not None and seconds.is_integer() else None
        if duration is None:
            self.errors['duration'] = 'Write the length as 1:02:03, 62:03 or seconds.'
        media_size = self.text('media_size_bytes')
        if self.text('media_url'):
            # An external file's length and size go into the feed as typed; apps show and
            # download by them, so zero is a mistake, not a value.
            if duration == 0:
                self.errors['duration'] = 'An episode with a media URL needs its length.'
            if media_size in {'', '0'} or media_size.lstrip('0') == '':
                self.errors['media_size_bytes'] = (
                    'An episode with a media URL needs the size of the file in bytes.'
                )
        # Hosts first, then guests, each in the order chosen; one role per person.
        hosts = list(dict.fromkeys(self.values('hosts')))
        people = [{'guest_slug': slug, 'role': 'host'} for slug in hosts] + [
            {'guest_slug': slug, 'role': 'guest'}
            for slug in dict.fromkeys(self.values('guests'))
            if slug not in hosts
        ]
        chapters = self._chapters(duration)
        title = self.text('title')
        return {
            'number': self.text('number') or None,
            'slug': self.text('slug') or slugify(title),
            'title': title,
            'subtitle': self.text('subtitle'),
            'summary': self.text('summary'),
            'show_notes': self.text_as_written('show_notes'),
            'is_published': status != 'draft',
            'published_at': publish_at,
            'recorded_at': recorded_at,
            'duration_seconds': duration or 0,
            'media_url': self.text('media_url'),
            'media_size_bytes': media_size or '0',
            'media_type': self.text('media_type') or 'audio/mpeg',
            'youtube_id': self.text('youtube_id') or None,
            'season': self.text('season') or None,
            'episode_type': self.text('episode_type') or 'full',
            'explicit': self.checked('explicit'),
            'appearances': people,
            'sponsor_slugs': list(dict.fromkeys(self.values('sponsors'))),
            'chapters': chapters,
            'artwork_file': self.text('artwork_file'),
        }

    def _chapter_rows(self) -> list[ChapterRow]:
        """The rows as sent, numbered from 0 again so that each message finds its row: a
        file to import replaces them (its problem is reported and the rows are kept); an
        `extra` field that is not a JSON object is ignored."""
        rows = [
            ChapterRow(
                time=self.text(f'chapter_time_{index}'),
                title=self.text(f'chapter_title_{index}'),
                url=self.text(f'chapter_url_{index}'),
                img=self.text(f'chapter_img_{index}'),
                extra=_json_object(self.form.get(f'chapter_extra_{index}', '')),
            )
            for index in chapter_indices(self.form)[:MAX_CHAPTER_ROWS]
        ]
        if self.uploaded_chapters:
            try:
                rows = read_chapter_file(self.uploaded_chapters.decode('utf-8'))
            except UnicodeDecodeError:
                self.errors['chapters_file'] = 'The chapters file is not UTF-8 text.'
            except ChaptersError as error:
                self.errors['chapters_file'] = str(error)
        rows = [row for row in rows if not row.is_blank]
        self.form = {k: v for k, v in self.form.items() if not CHAPTER_ROW_FIELD.fullmatch(k)}
        self.form |= chapter_fields(rows)
        return rows

    def _chapters(self, duration: int | None) -> dict[str, object] | None:
        rows = self._chapter_rows()
        document, problems = chapters_document(rows, duration_seconds=duration)
        for index, message in problems.items():
            self.errors[f'chapter_time_{index}'] = message
            self.field_labels = {
                **self.field_labels,
                f'chapter_time_{index}': f'Chapter {index + 1}',
            }
        return document

    def _recorded_at(self, publish_at: datetime) -> datetime | None:
        """The day it was recorded (midnight UTC: the page shows the date only), if given."""
        text = self.text('recorded_on')
        if not text:
            return None
        moment = parse_iso_moment(text)
        if moment is None:
            self.errors['recorded_on'] = 'Use a date like 2026-11-27.'
            return None
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        if day > publish_at:
            self.errors['recorded_on'] = 'An episode is recorded before it is published.'
        return day

    def _publish_at(self, status: str) -> datetime:
        now = clock.now()
        text = self.text('publish_at')
        if not text:
            if status == 'scheduled':
                self.errors['publish_at'] = 'A scheduled episode needs a date and time.'
            return now
        moment = parse_iso_moment(text)
        if moment is None:
            self.errors['publish_at'] = (
                f'Use a date and time like 2026-12-01T09:00, before the year {LATEST.year}.'
            )
            return now
        if status == 'scheduled' and moment <= now:
            self.errors['publish_at'] = 'A scheduled time must be in the future.'
        return moment
