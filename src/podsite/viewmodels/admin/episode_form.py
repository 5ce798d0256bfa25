import json
from collections.abc import Mapping
from datetime import UTC, datetime

from pydantic import ValidationError

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
from podsite.infrastructure.slugs import slugify
from podsite.schemas.admin import EpisodeWrite
from podsite.services.admin import admin_service
from podsite.viewmodels.shared.form import FormViewModel

STATUSES = ('draft', 'published', 'scheduled')
# Where the form's field names differ from the model's.
FORM_FIELDS = {
    'duration_seconds': 'duration',
    'appearances': 'people',
    'sponsor_slugs': 'sponsors',
    'published_at': 'publish_at',
    'recorded_at': 'recorded_on',
    'is_published': 'status',
}
TRANSCRIPT_FORMATS: tuple[TranscriptFormat, ...] = ('vtt', 'srt', 'text')


def duration_field(seconds: int) -> str:
    return f'{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}'


class EpisodeFormViewModel(FormViewModel):
    """Create or edit an episode; the form keeps whatever was typed until it is right."""

    def __init__(
        self,
        episode_id: int | None,
        form: Mapping[str, str] | None = None,
        uploaded_transcript: bytes | None = None,
    ) -> None:
        super().__init__(form)
        self.uploaded_transcript = uploaded_transcript
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
        if self.form:
            return
        if self.episode_id is None:
            self.form = {
                'number': str(await admin_service.next_episode_number()),
                'status': 'draft',
                'media_type': 'audio/mpeg',
                'episode_type': 'full',
                'duration': '0:00:00',
                'media_size_bytes': '0',
            }
            return
        episode = await admin_service.episode_for_edit(self.episode_id)
        if episode is None:
            self.found = False
            return
        self.form = self._fields_of(episode)

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
            'recorded_on': f'{episode.recorded_at:%Y-%m-%d}' if episode.recorded_at else '',
            'duration': duration_field(episode.duration_seconds),
            'media_url': str(episode.media_url),
            'media_size_bytes': str(episode.media_size_bytes),
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
        data = self._validated()
        transcript = self._transcript()
        if data is None or self.errors:
            return
        actor = current_user()
        assert actor is not None
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
        recorded_at = self._recorded_at(publish_at)
        seconds = parse_clock(self.text('duration'))
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
            'recorded_at': recorded_at,
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
