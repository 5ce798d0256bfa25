from dataclasses import dataclass, field

from quart import request

from podsite.formats.durations import clock_text
from podsite.formats.transcript_formats import ParsedTranscript, render_text, render_vtt
from podsite.schemas.catalogue import EpisodeTranscript
from podsite.schemas.catalogue import TranscriptCue as Cue
from podsite.services.catalogue import episode_service
from podsite.viewmodels.shared.formatting import date_text
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


@dataclass(frozen=True)
class Line:
    """One cue; its id lets search results and shared links point at the moment."""

    anchor: str
    text: str


@dataclass
class Turn:
    """One speaker's uninterrupted stretch, linked to its moment in the audio."""

    speaker: str | None
    start: float
    listen_url: str
    lines: list[Line] = field(default_factory=list)

    @property
    def clock(self) -> str:
        return clock_text(self.start)


class TranscriptViewModel(ViewModelBase):
    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number
        self.transcript: EpisodeTranscript | None = None
        self.turns: list[Turn] = []
        self.paragraphs: list[str] = []
        self.date_text = date_text

    async def load_page_async(self) -> None:
        self.transcript = await episode_service.transcript(self.number)
        if self.transcript is None:
            return
        self.page_title = f'Transcript of #{self.transcript.number}: {self.transcript.title}'
        self.description = f'Full transcript of episode {self.transcript.number}.'
        if self.transcript.cues:
            self.turns = self._turns(self.transcript)
        else:
            self.paragraphs = [p.strip() for p in self.transcript.text.split('\n\n') if p.strip()]

    @staticmethod
    def _turns(transcript: EpisodeTranscript) -> list[Turn]:
        turns: list[Turn] = []
        for cue in transcript.cues:
            if not turns or cue.speaker != turns[-1].speaker or cue.new_turn:
                listen = f'{transcript.details_url}#t={int(cue.start)}'
                turns.append(Turn(speaker=cue.speaker, start=cue.start, listen_url=listen))
            turns[-1].lines.append(Line(anchor=f't{int(cue.start)}', text=cue.text))
        return turns

    @property
    def is_canonical_url(self) -> bool:
        """The slug, and the number spelt as it is too, as on the episode page."""
        return self.transcript is not None and request.path == self.transcript.transcript_url

    @property
    def canonical_path(self) -> str:
        return self.transcript.transcript_url if self.transcript else super().canonical_path

    def download(self, extension: str) -> tuple[str, str]:
        """The transcript as `.txt` or `.vtt`, with its content type."""
        assert self.transcript is not None
        cues = list(self.transcript.cues)
        if extension == 'vtt':
            if not cues:
                cues = [Cue(start=0, text=self.transcript.text)]
            return render_vtt(cues), 'text/vtt; charset=utf-8'
        parsed = ParsedTranscript(text=self.transcript.text, cues=cues)
        return render_text(parsed), 'text/plain; charset=utf-8'
