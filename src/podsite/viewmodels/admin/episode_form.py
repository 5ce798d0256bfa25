import json
from collections.abc import Mapping
from datetime import datetime, timedelta

from pydantic import ValidationError

from podsite.formats.chapters import ChaptersError, parse_chapters
from podsite.formats.durations import parse_clock
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
    'is_published': 'status',
}
TRANSCRIPT_FORMATS: tuple[TranscriptFormat, ...] = ('vtt', 'srt', 'text')
FIELD_LABELS = {
    'number': 'Number', 'status': 'Status', 'publish_at': 'Publish at', 'title': 'Title',
    'slug': 'Slug', 'subtitle': 'Subtitle', 'summary': 'Summary', 'show_notes': 'Show notes',
    'duration': 'Duration', 'season': 'Season', 'episode_type': 'Type',
    'media_url': 'Media URL', 'media_size_bytes': 'Media size', 'media_type': 'Media type',
    'youtube_id': 'YouTube id', 'people': 'People', 'sponsors': 'Sponsors',
    'transcript': 'Transcript', 'chapters': 'Chapters',
}  # fmt: skip


def time_until(wait: timedelta) -> str:
    """`in 6 days`, `in 3 hours`, `in 12 minutes`: the largest unit, rounded down."""
    for unit, length in (('day', 86_400), ('hour', 3_600), ('minute', 60)):
        count = int(wait.total_seconds() // length)
        if count >= 1:
            return f'in {count} {unit}{"s" if count > 1 else ""}'
    return 'in less than a minute'


def duration_field(seconds: int) -> str:
    return f'{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}'


class EpisodeFormViewModel(FormViewModel):
    """Create or edit an episode; the form keeps whatever was typed until it is right."""

    field_labels = FIELD_LABELS

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
        self.stored_transcript: tuple[str, TranscriptFormat] | None = None
        self.sent_people: list[dict[str, str]] = []
        self.sent_sponsors: list[str] = []

    async def load_page_async(self) -> None:
        self.guest_slugs = await admin_service.guest_slugs()
        self.sponsor_slugs = await admin_service.sponsor_slugs()
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
        except admin_service.UnknownReferenceError as error:
            field = 'people' if error.kind == 'guests' else 'sponsors'
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
        guests = [person['guest_slug'] for person in self.sent_people]
        if missing := await admin_service.unknown_slugs('guests', guests):
            self.errors.setdefault('people', f'No guests with these slugs: {", ".join(missing)}.')
        if missing := await admin_service.unknown_slugs('sponsors', self.sent_sponsors):
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
        people = self.sent_people = []
        for line in self.text('people').splitlines():
            words = line.replace(',', ' ').split()
            if words:
                role = 'host' if len(words) > 1 and words[1].lower() == 'host' else 'guest'
                people.append({'guest_slug': words[0], 'role': role})
        self.sent_sponsors = self.text('sponsors').replace(',', ' ').split()
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
            'media_size_bytes': media_size or '0',
            'media_type': self.text('media_type') or 'audio/mpeg',
            'youtube_id': self.text('youtube_id') or None,
            'season': self.text('season') or None,
            'episode_type': self.text('episode_type') or 'full',
            'explicit': self.checked('explicit'),
            'appearances': people,
            'sponsor_slugs': self.sent_sponsors,
            'chapters': chapters,
        }

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
