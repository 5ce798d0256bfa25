"""Live streams in the admin: the list, one form for new and existing streams, and a
confirmation page before anything is deleted."""

import re
from collections.abc import Mapping
from datetime import datetime

from pydantic import ValidationError

from podsite.formats.moments import LATEST, parse_iso_moment
from podsite.formats.numbers import whole_number
from podsite.infrastructure import clock
from podsite.infrastructure.auth import current_user
from podsite.schemas.live_stream import (
    MAX_DURATION_MINUTES,
    YOUTUBE_ID_PATTERN,
    LiveStreamCard,
    LiveStreamWrite,
)
from podsite.services.streams import live_stream_service
from podsite.viewmodels.shared.form import FormViewModel
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase
from podsite.viewmodels.stream.index import moment_text

FORM_FIELDS = {'duration_minutes': 'duration', 'episode_number': 'episode'}


class StreamListViewModel(ViewModelBase):
    page_title = 'Live streams · Admin'

    def __init__(self) -> None:
        super().__init__()
        self.streams: list[LiveStreamCard] = []
        self.moment_text = moment_text
        self.now = clock.now()

    async def load_page_async(self) -> None:
        self.streams = await live_stream_service.admin_rows()


class StreamFormViewModel(FormViewModel):
    """Create or edit a stream; whatever was typed stays in the form until it is right."""

    def __init__(self, stream_id: int | None, form: Mapping[str, str] | None = None) -> None:
        super().__init__(form)
        self.stream_id = stream_id
        self.saved_id: int | None = None
        self.page_title = 'New live stream' if stream_id is None else 'Edit live stream'

    async def load_page_async(self) -> None:
        if self.form:
            return
        if self.stream_id is None:
            self.form = {'duration': '60'}
            return
        stream = await live_stream_service.for_edit(self.stream_id)
        if stream is None:
            self.found = False
            return
        self.form = {
            'title': stream.title,
            'description': stream.description,
            'starts_at': f'{stream.starts_at:%Y-%m-%dT%H:%M}',
            'duration': str(stream.duration_minutes),
            'youtube_id': stream.youtube_id,
            'episode': '' if stream.episode_number is None else str(stream.episode_number),
        }

    async def save_async(self) -> None:
        data = self._validated()
        if data is None:
            return
        actor = current_user()
        assert actor is not None
        try:
            self.saved_id = await live_stream_service.save(
                stream_id=self.stream_id, data=data, actor=actor
            )
        except live_stream_service.UnknownEpisodeError:
            self.errors['episode'] = f'There is no episode number {data.episode_number}.'
            return
        if self.saved_id is None:
            self.found = False

    def _validated(self) -> LiveStreamWrite | None:
        title = self.require('title', 'Title', max_length=200)
        starts_at = self._starts_at()
        duration = whole_number(self.text('duration'))
        if duration is None or not 1 <= duration <= MAX_DURATION_MINUTES:
            self.errors['duration'] = (
                f'Write the expected length in whole minutes, from 1 to {MAX_DURATION_MINUTES}.'
            )
        youtube_id = self.text('youtube_id')
        if not re.fullmatch(YOUTUBE_ID_PATTERN, youtube_id):
            self.errors['youtube_id'] = (
                'A YouTube video id is 11 letters, digits, - or _: the part after "v=" in '
                "the video's address."
            )
        episode = self.text('episode')
        episode_number = whole_number(episode)
        if episode and episode_number is None:
            self.errors['episode'] = 'Write an episode number, or leave it empty.'
        if self.errors or starts_at is None:
            return None
        try:
            return LiveStreamWrite.model_validate(
                {
                    'title': title,
                    'description': self.text_as_written('description'),
                    'starts_at': starts_at,
                    'duration_minutes': duration,
                    'youtube_id': youtube_id,
                    'episode_number': episode_number,
                }
            )
        except ValidationError as error:
            self.add_validation_errors(error, FORM_FIELDS)
            return None

    def _starts_at(self) -> datetime | None:
        text = self.text('starts_at')
        if not text:
            self.errors['starts_at'] = 'A stream needs a start date and time.'
            return None
        moment = parse_iso_moment(text)
        if moment is None:
            self.errors['starts_at'] = (
                f'Use a date and time like 2026-12-01T17:00, before the year {LATEST.year}.'
            )
        return moment


class StreamDeleteViewModel(ViewModelBase):
    page_title = 'Delete live stream · Admin'

    def __init__(self, stream_id: int) -> None:
        super().__init__()
        self.stream_id = stream_id
        self.stream: LiveStreamCard | None = None
        self.moment_text = moment_text

    async def load_page_async(self) -> None:
        self.stream = await live_stream_service.for_edit(self.stream_id)

    async def delete_async(self) -> bool:
        actor = current_user()
        assert actor is not None
        return await live_stream_service.remove(stream_id=self.stream_id, actor=actor)
