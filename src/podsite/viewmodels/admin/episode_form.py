import asyncio
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from podsite.formats.audio_facts import (
    AudioFacts,
    AudioFileError,
    claimed_format,
    read_audio_facts,
)
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
from podsite.infrastructure.media_files import (
    RETIRED_KEEP_DAYS,
    content_digest,
    keep_file,
    remove_file,
    remove_retired,
    retire_file,
    stored_name,
)
from podsite.infrastructure.slugs import slugify
from podsite.schemas.admin import EpisodeWrite, NamedRow
from podsite.services.admin import admin_people_service, admin_service
from podsite.services.publishing import media_service
from podsite.settings import current_settings
from podsite.urls import absolute, media_download_path
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
    'audio': 'Audio', 'recorded_on': 'Recorded on',
}  # fmt: skip
BLANK_CHAPTER_ROWS = 3
"""Empty rows below the chapters, to add some without JavaScript (which adds more)."""
MAX_CHAPTER_ROWS = 1000
CHAPTER_ROW_FIELD = re.compile(r'chapter_(?:time|title|url|img|extra)_(\d{1,4})')
FILE_NOT_KEPT = 'The file was not kept because of the problems above: choose it again.'
STORED_MEDIA_FIELDS = (
    'media_url',
    'media_file',
    'media_size_bytes',
    'media_type',
    'duration_seconds',
    'media_header_bytes',
    'media_bitrate_bps',
    'media_first_minute_bytes',
    'media_sample_rate_hz',
    'media_channels',
)


class PickerOption(NamedTuple):
    slug: str
    name: str
    selected: str | None
    """`selected` or None, as the template's attribute wants it."""


def picker_options(rows: list[NamedRow], chosen: list[str]) -> list[PickerOption]:
    """Every row as an option, the chosen ones first in the order chosen: a browser sends
    a `<select multiple>`'s values in the order of its options, and order matters (the
    episode page lists people, and reads sponsors, in it). An archived sponsor is offered
    only where it is chosen already, and says so."""
    by_slug = {row.slug: row for row in rows}
    first = [by_slug[slug] for slug in dict.fromkeys(chosen) if slug in by_slug]
    taken = set(chosen)
    rest = [row for row in rows if row.slug not in taken and not row.archived]
    return [PickerOption(row.slug, _option_name(row), 'selected') for row in first] + [
        PickerOption(row.slug, row.name, None) for row in rest
    ]


def _option_name(row: NamedRow) -> str:
    return f'{row.name} (archived)' if row.archived else row.name


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


def with_changes(data: EpisodeWrite, changes: Mapping[str, object]) -> EpisodeWrite:
    """`data` with `changes`, validated again (pydantic's `model_copy` would not)."""
    return EpisodeWrite.model_validate({**data.model_dump(), **changes})


@dataclass(frozen=True)
class UploadedAudio:
    """An audio file sent with the form, already written to the media folder's incoming
    area (infrastructure/uploads.py), under the name and type the browser gave."""

    path: Path
    filename: str
    content_type: str


def media_facts(episode: EpisodeWrite) -> list[tuple[str, str]]:
    """What was read from the stored file, as the form shows it."""
    if episode.media_file is None:
        return []
    extension = episode.media_file.rpartition('.')[2]
    facts = [
        ('File', episode.media_file),
        ('Format', f'{extension.upper()} ({episode.media_type})'),
        ('Size', f'{episode.media_size_bytes:,} bytes'),
        ('Duration', clock_field(episode.duration_seconds)),
    ]
    if episode.media_bitrate_bps:
        facts.append(('Bitrate', f'{episode.media_bitrate_bps / 1000:.0f} kbit/s'))
    if episode.media_sample_rate_hz:
        facts.append(('Sample rate', f'{episode.media_sample_rate_hz:,} Hz'))
    if episode.media_channels:
        facts.append(
            ('Channels', 'mono' if episode.media_channels == 1 else str(episode.media_channels))
        )
    if episode.media_header_bytes is not None:
        facts.append(('Tags before the audio', f'{episode.media_header_bytes:,} bytes'))
    if episode.media_first_minute_bytes is not None:
        first_minute = f'byte {episode.media_first_minute_bytes:,} (for download counting)'
        facts.append(('First minute ends at', first_minute))
    return facts


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
        uploaded_audio: UploadedAudio | None = None,
    ) -> None:
        super().__init__(form)
        self.uploaded_transcript = uploaded_transcript
        self.uploaded_artwork = uploaded_artwork
        self.uploaded_chapters = uploaded_chapters
        self.audio = uploaded_audio
        self.saved_note = ''
        self.thumbnail_url = thumbnail_url
        self.stored: EpisodeWrite | None = None
        self.media_facts: list[tuple[str, str]] = []
        self.retired_keep_days = RETIRED_KEEP_DAYS
        self.max_upload_mb = current_settings().max_upload_mb
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
            self.stored = await admin_service.episode_for_edit(self.episode_id)
            if self.stored is None:
                self.found = False
                return
            self.media_facts = media_facts(self.stored)
            self.stored_transcript = await admin_service.transcript_for_edit(self.episode_id)
        if self.form:
            return
        if self.stored is None:
            self.form = {
                'number': str(await admin_service.next_episode_number()),
                'status': 'draft',
                'episode_type': 'full',
            }
            return
        episode = self.stored
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
            'duration': clock_field(episode.duration_seconds) if episode.media_url else '',
            'media_url': str(episode.media_url),
            'media_size_bytes': str(episode.media_size_bytes) if episode.media_url else '',
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
        if not self.found:
            return
        artwork = await take_artwork(self, self.uploaded_artwork)
        data = self._validated()
        transcript = self._transcript()
        facts = await self._audio_facts()
        await self._check_references(data)
        if data is None or self.errors:
            if self.audio is not None:
                self.errors.setdefault('audio', FILE_NOT_KEPT)
            return
        folder = current_settings().media_folder
        new_file: str | None = None
        if facts is not None:
            data, new_file = await self._with_uploaded_file(data, facts)
        else:
            data = self._with_kept_media(data)
            if self.errors:
                return
        actor = current_user()
        assert actor is not None
        old_file = self.stored.media_file if self.stored is not None else None
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
        if new_file is None:
            return
        if not self.is_valid:
            if new_file != old_file:
                remove_file(folder, new_file)
            self.errors.setdefault('audio', FILE_NOT_KEPT)
            return
        assert self.saved_id is not None and facts is not None
        if facts.format == 'mp3':
            await media_service.probe_stored_file(episode_id=self.saved_id, path=folder / new_file)
        if old_file is not None and old_file != new_file:
            await asyncio.to_thread(retire_file, folder, old_file)
        await asyncio.to_thread(remove_retired, folder)

    async def _audio_facts(self) -> AudioFacts | None:
        """Reads the uploaded file (off the event loop: mutagen reads and seeks); a file
        that is not publishable audio is refused with what is wrong with it."""
        if self.audio is None:
            return None
        claimed = claimed_format(self.audio.filename, self.audio.content_type)
        try:
            return await asyncio.to_thread(read_audio_facts, self.audio.path, claimed=claimed)
        except AudioFileError as error:
            self.errors['audio'] = f'{self.audio.filename}: {error}'
            return None

    async def _with_uploaded_file(
        self, data: EpisodeWrite, facts: AudioFacts
    ) -> tuple[EpisodeWrite, str]:
        """Moves the upload to its stored name (new content, new name) and takes what was
        read from it in place of anything typed."""
        assert self.audio is not None
        digest = await asyncio.to_thread(content_digest, self.audio.path)
        name = stored_name(
            number=data.number, slug=data.slug, digest=digest, extension=facts.format
        )
        folder = current_settings().media_folder
        await asyncio.to_thread(keep_file, self.audio.path, folder, name)
        download_path = media_download_path(
            data.number, data.slug, media_type=facts.media_type, media_url='', media_file=name
        )
        media_url = absolute(current_settings().public_base_url, download_path)
        updated = with_changes(
            data,
            {
                'media_url': media_url,
                'media_file': name,
                'media_size_bytes': facts.size_bytes,
                'media_type': facts.media_type,
                'duration_seconds': facts.whole_seconds,
                'media_header_bytes': facts.header_bytes,
                'media_bitrate_bps': facts.bitrate_bps,
                'media_sample_rate_hz': facts.sample_rate_hz,
                'media_channels': facts.channels,
            },
        )
        return updated, name

    def _with_kept_media(self, data: EpisodeWrite) -> EpisodeWrite:
        """Without a new file: a stored file stays as it was read (what the form says about
        size and length is not used); audio elsewhere keeps its probed facts while its URL
        stays the same (its size and length are checked with the other fields)."""
        stored = self.stored
        if stored is not None and stored.media_file is not None:
            kept = {field: getattr(stored, field) for field in STORED_MEDIA_FIELDS}
            return with_changes(data, kept)
        if stored is not None and str(stored.media_url) == str(data.media_url):
            return with_changes(
                data,
                {
                    'media_header_bytes': stored.media_header_bytes,
                    'media_bitrate_bps': stored.media_bitrate_bps,
                    'media_first_minute_bytes': stored.media_first_minute_bytes,
                },
            )
        return data

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
        placed = set(self.stored.sponsor_slugs) if self.stored is not None else set()
        archived = {row.slug for row in self.sponsor_rows if row.archived}
        if newly_archived := [
            slug for slug in self.values('sponsors') if slug in archived and slug not in placed
        ]:
            self.errors.setdefault(
                'sponsors',
                f'Archived sponsors cannot be placed on an episode: {", ".join(newly_archived)}. '
                'Restore them in the sponsors list first.',
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
        seconds = parse_clock(self.text('duration') or '0')
        # Lengths are stored in whole seconds; a typed fraction is refused, not dropped.
        duration = int(seconds) if seconds is not None and seconds.is_integer() else None
        if duration is None:
            self.errors['duration'] = 'Write the length as 1:02:03, 62:03 or seconds.'
        media_size = self.text('media_size_bytes')
        if self.text('media_url'):
            # An external file's length and size go into the feed as typed; apps show and
            # download by them, so zero is a mistake, not a value.
            if duration == 0:
                self.errors['duration'] = (
                    'Give the length of the audio at this URL, or upload the file.'
                )
            if media_size in {'', '0'} or media_size.lstrip('0') == '':
                self.errors['media_size_bytes'] = (
                    'Give the size of the file at this URL in bytes, or upload the file.'
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
