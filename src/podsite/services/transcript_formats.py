"""Transcripts as podcasts publish them (plain text with timestamps, WebVTT, SRT), read
into timed cues with speakers, and written back out as WebVTT and text."""

import html
import re
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, Literal

from pydantic import BaseModel

from podsite.schemas.catalogue import TranscriptCue as Cue

TranscriptFormat = Literal['text', 'vtt', 'srt']
FORMAT_BY_SUFFIX: dict[str, TranscriptFormat] = {'.txt': 'text', '.vtt': 'vtt', '.srt': 'srt'}
FORMAT_BY_MEDIA_TYPE: dict[str, TranscriptFormat] = {
    'text/vtt': 'vtt',
    'application/x-subrip': 'srt',
    'application/srt': 'srt',
    'text/srt': 'srt',
    'text/plain': 'text',
}
_TIMING = re.compile(
    r'^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*'
    r'(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})(?:\s+.*)?$'
)
_TEXT_STAMP = re.compile(r'^\s*\[?(?P<stamp>(?:\d{1,2}:)?\d{1,2}:\d{2})\]?\s+(?P<text>.*)$')
_VOICE = re.compile(r'<v(?:\.[\w.-]+)?\s+([^>]+)>')
_TAG = re.compile(r'</?[^>]+>')


class ParsedTranscript(BaseModel):
    text: str
    cues: list[Cue]


class TranscriptFormatError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f'line {line}: {message}' if line is not None else message)
        self.line = line


def seconds_of(stamp: str) -> float:
    """`01:02:03.500`, `02:03,5` or `1:02:03` in seconds."""
    parts = stamp.replace(',', '.').split(':')
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def parse_transcript(source: str, *, transcript_format: TranscriptFormat) -> ParsedTranscript:
    if '\x00' in source:
        raise TranscriptFormatError('binary data (NUL bytes) is not a transcript')
    text = source.lstrip('\ufeff').replace('\r\n', '\n').replace('\r', '\n')
    if not text.strip():
        raise TranscriptFormatError('the transcript is empty')
    if transcript_format == 'text':
        cues = _text_cues(text)
        plain = joined_text(cues) if cues else text.strip()
        return ParsedTranscript(text=plain, cues=cues)
    cues = _timed_cues(text, vtt=transcript_format == 'vtt')
    return ParsedTranscript(text=joined_text(cues), cues=cues)


def _text_cues(text: str) -> list[Cue]:
    """Paragraphs that begin with a timestamp become cues; text without any has none."""
    cues: list[Cue] = []
    for paragraph in re.split(r'\n\s*\n', text):
        match = _TEXT_STAMP.match(paragraph.strip().replace('\n', ' '))
        if match:
            body = match.group('text').strip()
            cues.append(Cue(start=seconds_of(match.group('stamp')), text=body))
        elif paragraph.strip() and cues:
            last = cues[-1]
            cues[-1] = last.model_copy(update={'text': f'{last.text} {paragraph.strip()}'})
    return [
        cue.model_copy(update={'end': following.start}) for cue, following in pairwise(cues)
    ] + cues[-1:]


def _timed_cues(text: str, *, vtt: bool) -> list[Cue]:
    lines = text.split('\n')
    if vtt and not lines[0].startswith('WEBVTT'):
        raise TranscriptFormatError('a WebVTT file must start with WEBVTT', 1)
    cues: list[Cue] = []
    index = 1 if vtt else 0
    while index < len(lines):
        line = lines[index]
        if vtt and line.startswith(('NOTE', 'STYLE', 'REGION')):
            while index < len(lines) and lines[index].strip():
                index += 1
            continue
        if '-->' not in line:
            index += 1
            continue
        match = _TIMING.match(line)
        if match is None:
            raise TranscriptFormatError(f'cue timing "{line.strip()[:80]}" is not valid', index + 1)
        start, end = seconds_of(match.group('start')), seconds_of(match.group('end'))
        if end < start:
            raise TranscriptFormatError('a cue ends before it starts', index + 1)
        body: list[str] = []
        index += 1
        while index < len(lines) and lines[index].strip():
            body.append(lines[index].strip())
            index += 1
        raw = ' '.join(body)
        voice = _VOICE.search(raw)
        words = html.unescape(_TAG.sub('', raw)).strip()
        if words:
            speaker = voice.group(1).strip() if voice else None
            cues.append(Cue(start=start, end=end, speaker=speaker, text=words))
    if not cues:
        raise TranscriptFormatError('no cues with timings were found')
    return cues


def joined_text(cues: Sequence[Cue]) -> str:
    """One paragraph per speaker turn, `Speaker: words` when the speaker is known."""
    paragraphs: list[str] = []
    speaker: str | None = None
    for cue in cues:
        if paragraphs and cue.speaker == speaker:
            paragraphs[-1] += ' ' + cue.text
            continue
        speaker = cue.speaker
        paragraphs.append(f'{speaker}: {cue.text}' if speaker else cue.text)
    return '\n\n'.join(paragraphs)


def _vtt_stamp(seconds: float) -> str:
    milliseconds = round(seconds * 1000)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f'{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}'


def render_vtt(cues: Sequence[Cue]) -> str:
    blocks = ['WEBVTT']
    for number, cue in enumerate(cues):
        following = cues[number + 1].start if number + 1 < len(cues) else cue.start + 5
        end = cue.end if cue.end is not None else max(following, cue.start + 0.001)
        words = html.escape(cue.text, quote=False)
        voice = f'<v {html.escape(cue.speaker, quote=False)}>' if cue.speaker else ''
        blocks.append(f'{_vtt_stamp(cue.start)} --> {_vtt_stamp(end)}\n{voice}{words}')
    return '\n\n'.join(blocks) + '\n'


def render_text(transcript: ParsedTranscript) -> str:
    if not transcript.cues:
        return transcript.text.strip() + '\n'
    paragraphs: list[str] = []
    speaker: str | None = None
    for cue in transcript.cues:
        if paragraphs and cue.speaker == speaker:
            paragraphs[-1] += ' ' + cue.text
            continue
        speaker = cue.speaker
        stamp = _vtt_stamp(cue.start)[:8]
        paragraphs.append(f'[{stamp}] ' + (f'{speaker}: ' if speaker else '') + cue.text)
    return '\n\n'.join(paragraphs) + '\n'


def cues_to_json(cues: Sequence[Cue]) -> list[dict[str, Any]]:
    return [cue.model_dump() for cue in cues]
