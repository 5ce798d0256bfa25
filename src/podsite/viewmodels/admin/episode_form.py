import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from podsite.formats.audio_facts import (
    AudioFacts,
    AudioFileError,
    claimed_format,
    read_audio_facts,
)
from podsite.formats.chapters import ChaptersError, parse_chapters
from podsite.formats.durations import parse_clock
from podsite.formats.moments import LATEST, parse_iso_moment
from podsite.formats.transcript_formats import (
    ParsedTranscript,
    TranscriptFormat,
    TranscriptFormatError,
    parse_transcript,
)
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
from podsite.schemas.admin import EpisodeWrite
from podsite.services.admin import admin_service
from podsite.services.publishing import media_service
from podsite.settings import current_settings
from podsite.urls import media_download_path
from podsite.viewmodels.shared.form import FormViewModel

STATUSES = ('draft', 'published', 'scheduled')
# Where the form's field names differ from the model's.
FORM_FIELDS = {
    'duration_seconds': 'duration',
    'appearances': 'people',
    'sponsor_slugs': 'sponsors',
    'published_at': 'publish_at',
    'is_published': 'status',
}
TRANSCRIPT_FORMATS: tuple[TranscriptFormat, ...] = ('vtt', 'srt', 'text')
FILE_NOT_KEPT = 'The file was not kept because of the problems above: choose it again.'
STORED_MEDIA_FIELDS = (
    'media_url',
    'media_file',
    'media_size_bytes',
    'media_type',
    'duration_seconds',
    'media_header_bytes',
    'media_bitrate_bps',
    'media_sample_rate_hz',
    'media_channels',
)


def duration_field(seconds: int) -> str:
    return f'{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}'


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
        ('Duration', duration_field(episode.duration_seconds)),
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
    return facts


class EpisodeFormViewModel(FormViewModel):
    """Create or edit an episode; the form keeps whatever was typed until it is right."""

    def __init__(
        self,
        episode_id: int | None,
        form: Mapping[str, str] | None = None,
        uploaded_transcript: bytes | None = None,
        audio: UploadedAudio | None = None,
    ) -> None:
        super().__init__(form)
        self.uploaded_transcript = uploaded_transcript
        self.audio = audio
        self.stored: EpisodeWrite | None = None
        self.media_facts: list[tuple[str, str]] = []
        self.retired_keep_days = RETIRED_KEEP_DAYS
        self.max_upload_mb = current_settings().max_upload_mb
        self.episode_id = episode_id
        self.saved_id: int | None = None
        self.guest_slugs: list[str] = []
        self.sponsor_slugs: list[str] = []
        self.statuses = STATUSES
        self.transcript_formats = TRANSCRIPT_FORMATS
        self.page_title = 'New episode' if episode_id is None else 'Edit episode'

    async def load_page_async(self) -> None:
        self.guest_slugs = await admin_service.guest_slugs()
        self.sponsor_slugs = await admin_service.sponsor_slugs()
        if self.episode_id is not None:
            self.stored = await admin_service.episode_for_edit(self.episode_id)
            if self.stored is None:
                self.found = False
                return
            self.media_facts = media_facts(self.stored)
        if self.form:
            return
        if self.stored is None:
            self.form = {
                'number': str(await admin_service.next_episode_number()),
                'status': 'draft',
                'episode_type': 'full',
            }
            return
        self.form = self._fields_of(self.stored)

    @staticmethod
    def _fields_of(episode: EpisodeWrite) -> dict[str, str]:
        if not episode.is_published:
            status = 'draft'
        elif episode.published_at > datetime.now(UTC):
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
            'publish_at': f'{episode.published_at:%Y-%m-%dT%H:%M}',
            'duration': duration_field(episode.duration_seconds) if episode.media_url else '',
            'media_url': str(episode.media_url),
            'media_size_bytes': str(episode.media_size_bytes) if episode.media_url else '',
            'media_type': episode.media_type,
            'youtube_id': episode.youtube_id or '',
            'season': '' if episode.season is None else str(episode.season),
            'episode_type': episode.episode_type,
            'explicit': 'on' if episode.explicit else '',
            'people': '\n'.join(
                a.guest_slug + (' host' if a.role == 'host' else '') for a in episode.appearances
            ),
            'sponsors': ' '.join(episode.sponsor_slugs),
            'chapters': json.dumps(episode.chapters, indent=2) if episode.chapters else '',
        }

    async def save_async(self) -> None:
        if not self.found:
            return
        data = self._validated()
        transcript = self._transcript()
        facts = await self._audio_facts()
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
        except admin_service.UnknownReferenceError as error:
            field = 'people' if error.kind == 'guests' else 'sponsors'
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
        media_url = current_settings().public_base_url + media_download_path(
            data.number, data.slug, media_type=facts.media_type, media_url='', media_file=name
        )
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
        size and length is not used); audio elsewhere needs its real size and length, and
        keeps its probed header facts while its URL stays the same."""
        stored = self.stored
        if stored is not None and stored.media_file is not None:
            kept = {field: getattr(stored, field) for field in STORED_MEDIA_FIELDS}
            return with_changes(data, kept)
        if str(data.media_url):
            if data.media_size_bytes <= 0:
                self.errors['media_size_bytes'] = (
                    'Give the size of the file at this URL in bytes, or upload the file.'
                )
            if data.duration_seconds <= 0:
                self.errors['duration'] = (
                    'Give the length of the audio at this URL, or upload the file.'
                )
        if stored is not None and str(stored.media_url) == str(data.media_url):
            return with_changes(
                data,
                {
                    'media_header_bytes': stored.media_header_bytes,
                    'media_bitrate_bps': stored.media_bitrate_bps,
                },
            )
        return data

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
        try:
            return parse_transcript(source, transcript_format=transcript_format)
        except TranscriptFormatError as error:
            self.errors['transcript'] = f'The transcript could not be read: {error}.'
            return None

    def _validated(self) -> EpisodeWrite | None:
        raw = self._raw_values()
        if self.errors:
            return None
        try:
            return EpisodeWrite.model_validate(raw)
        except ValidationError as error:
            self.add_validation_errors(error, FORM_FIELDS)
            return None

    def _raw_values(self) -> dict[str, object]:
        status = self.text('status')
        if status not in STATUSES:
            self.errors['status'] = 'Choose draft, published or scheduled.'
        publish_at = self._publish_at(status)
        seconds = parse_clock(self.text('duration') or '0')
        # Lengths are stored in whole seconds; a typed fraction is refused, not dropped.
        duration = int(seconds) if seconds is not None and seconds.is_integer() else None
        if duration is None:
            self.errors['duration'] = 'Write the length as 1:02:03, 62:03 or seconds.'
        people = []
        for line in self.text('people').splitlines():
            words = line.replace(',', ' ').split()
            if words:
                role = 'host' if len(words) > 1 and words[1].lower() == 'host' else 'guest'
                people.append({'guest_slug': words[0], 'role': role})
        chapters = None
        if self.text('chapters'):
            try:
                chapters = parse_chapters(self.text('chapters'))
            except ChaptersError as error:
                self.errors['chapters'] = str(error)
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
            'duration_seconds': duration or 0,
            'media_url': self.text('media_url'),
            'media_size_bytes': self.text('media_size_bytes') or '0',
            'media_type': self.text('media_type') or 'audio/mpeg',
            'youtube_id': self.text('youtube_id') or None,
            'season': self.text('season') or None,
            'episode_type': self.text('episode_type') or 'full',
            'explicit': self.checked('explicit'),
            'appearances': people,
            'sponsor_slugs': self.text('sponsors').replace(',', ' ').split(),
            'chapters': chapters,
        }

    def _publish_at(self, status: str) -> datetime:
        now = datetime.now(UTC)
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
