"""Transcripts as podcasts publish them (timestamped plain text, WebVTT, SRT, Markdown with
`**Speaker:**` turns), read into timed cues with speakers, and written back out as WebVTT and
readable text. Pure: no database.

One bad cue does not lose a file: a cue that ends before it starts is kept with its end left
unknown (it runs to the next cue), and `ParsedTranscript.warnings` names its line. Captions'
`>>` speaker-change markers (YouTube's) become turns of speech with no name.
"""

import html
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel

from podsite.formats.durations import parse_clock
from podsite.formats.xml_text import clean_text
from podsite.schemas.catalogue import TranscriptCue

# One frozen cue model for parsing, storage and the pages: cues read back from the database
# (as `TranscriptCue`) render to WebVTT with no conversion in between.
Cue = TranscriptCue

TranscriptFormat = Literal['text', 'vtt', 'srt', 'markdown']
FORMAT_BY_SUFFIX: dict[str, TranscriptFormat] = {
    '.txt': 'text', '.vtt': 'vtt', '.srt': 'srt', '.md': 'markdown', '.markdown': 'markdown',
}  # fmt: skip
FORMAT_BY_MEDIA_TYPE: dict[str, TranscriptFormat] = {
    'text/vtt': 'vtt',
    'application/x-subrip': 'srt',
    'application/srt': 'srt',
    'text/srt': 'srt',
    'text/plain': 'text',
    'text/markdown': 'markdown',
}
# When an episode has several files, timed formats first: they give turns and timestamps.
FORMAT_PREFERENCE: tuple[TranscriptFormat, ...] = ('vtt', 'srt', 'text', 'markdown')

# Where a cue has no end (timestamped text ends at the next cue; the last one has none).
DEFAULT_CUE_SECONDS = 5.0
# Paragraphs of cues with no known speaker end at a sentence once they are this long.
PARAGRAPH_CHARACTERS = 400

# Nearly every timing line looks like this; reading it in one match halves the parsing time.
_USUAL_TIMING = re.compile(
    r'(\d{2}):([0-5]\d):([0-5]\d)[.,](\d{3}) --> (\d{2}):([0-5]\d):([0-5]\d)[.,](\d{3})(?:[ \t]|$)'
)
_TEXT_STAMP = re.compile(
    r'[\[(]?(?P<stamp>(?:\d{1,3}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)[\])]?(?:\s+(?P<rest>.*))?'
)
# A cheap look at the first character spares the timestamp pattern most lines of prose.
_STAMP_OPENERS = frozenset('0123456789[(')
_CONTROL = re.compile(r'[\x00-\x08\x0e-\x1f\x7f]')
_VTT_HEADER = re.compile(r'WEBVTT(?:[ \t].*)?')
_VTT_SKIPPED_BLOCK = re.compile(r'(?:NOTE|STYLE|REGION)(?:[ \t].*)?')
_VOICE = re.compile(r'<v(?:\.[^\s>]*)?(?:[ \t]+(?P<name>[^>]*))?>')
# Class, italic, bold, underline, ruby, language and voice spans, and karaoke timestamps. A `<`
# followed by a space is text, which WebVTT should have escaped but SRT may not.
_VTT_TAG = re.compile(r'</?(?:[A-Za-z][^<>]*|\d[\d:.]*)>')
_SRT_TAG = re.compile(r'</?(?:b|i|u|s|font)(?:\s[^<>]*)?>|\{\\[^{}]*\}', re.IGNORECASE)
_LABEL = re.compile(r'(?P<label>[^\W\d_][^:\n]{0,39}):\s+(?P<rest>\S.*)', re.DOTALL)
# Apostrophes (straight and typographic), initials and double-barrelled names.
_NAME_PUNCTUATION = frozenset("'\u2019.-")
_SENTENCE_END = re.compile(r'[.?!…]["\')\]]?$')
# `>>` where captions mark a change of speaker (at the start of a cue, or inside one).
_TURN_MARK = re.compile(r'(?:^|\s)>>+\s*')
# `**Ada Lovelace:** words` or `**Ada Lovelace**: words`, optionally with a time after the name.
_MARKDOWN_TURN = re.compile(
    r'\*\*(?P<label>[^*:\n]{1,40}?)(?P<inner>:)?\*\*'
    r'(?:\s*[\[(](?P<stamp>(?:\d{1,3}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)[\])])?'
    r'(?P<outer>:)?\s*(?P<rest>.*)',
    re.DOTALL,
)
_MARKDOWN_LINK = re.compile(r'\[([^\]]*)\]\([^)]*\)')
# Bold is how Markdown transcripts mark names; single `*` and `_` are left (`M*A*S*H`).
_MARKDOWN_BOLD = re.compile(r'\*\*|__')
_MARKDOWN_HEADING = re.compile(r'#{1,6}\s+')
# A line that opens with a name (after a timestamp, if any): `[00:01:02] Ada: words`.
_LINE_LABEL = re.compile(
    r'(?:[\[(]?(?:\d{1,3}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?[\])]?\s+)?'
    r'(?P<label>[^\W\d_][^:\n]{0,39}):\s+\S'
)
# Lower-case words that sit inside names: Guido van Rossum, Ana de Armas.
_NAME_PARTICLES = frozenset(
    {'al', 'bin', 'da', 'das', 'de', 'del', 'della', 'der', 'di', 'dos', 'du', 'la', 'le', 'van',
     'von', 'ten', 'ter'}
)  # fmt: skip
# Labels that open a line of prose or notes rather than name a person.
_NOT_NAMES = frozenset(
    {'answer', 'caution', 'chapter', 'correction', 'date', 'disclaimer', 'edit', 'episode',
     'example', 'http', 'https', 'important', 'intro', 'link', 'links', 'location', 'music',
     'note', 'outro', 'ps', 'question', 'source', 'sponsor', 'summary', 'time', 'tip', 'title',
     'transcript', 'update', 'warning'}
)  # fmt: skip
_TIMING_EXAMPLE = {'vtt': '00:00:01.000 --> 00:00:04.000', 'srt': '00:00:01,000 --> 00:00:04,000'}


class ParsedTranscript(BaseModel):
    """Plain text (paragraphs separated by blank lines, `Speaker: words` when the speaker is
    known) and the timed cues, empty when the source had no timing."""

    text: str
    cues: list[Cue]
    warnings: list[str] = []
    """Problems worked around, each naming its line: the rest of the file was read."""


class TranscriptFormatError(ValueError):
    """The source cannot be read as the format it claims; `line` is 1-based when known."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message if line is None else f'line {line}: {message}')
        self.message = message
        self.line = line


class _RawCue(NamedTuple):
    """A cue while parsing: plain tuples, so the model is validated once per cue at the end."""

    start: float
    end: float | None
    speaker: str | None
    text: str
    new_turn: bool = False


def parse_transcript(source: str, *, transcript_format: TranscriptFormat) -> ParsedTranscript:
    """Reads a transcript, or raises `TranscriptFormatError` naming the first bad line."""
    lines = _lines(source)
    warnings: list[str] = []
    if transcript_format == 'markdown':
        return _markdown_transcript(lines)
    if transcript_format == 'text':
        raw = _text_cues(lines)
        if not raw:
            return ParsedTranscript(text=_plain_paragraphs(lines), cues=[])
        raw = _labelled(_split_turns(raw), carry_forward=False)
    elif transcript_format == 'vtt':
        raw = _split_turns(_timed_cues(lines, vtt=True, warnings=warnings))
    else:
        # SRT names a speaker when the voice changes (`Travis: ...`), so later cues are theirs.
        raw = _timed_cues(lines, vtt=False, warnings=warnings)
        raw = _labelled(_split_turns(raw), carry_forward=True)
    return _transcript(raw, warnings)


def _transcript(raw: list[_RawCue], warnings: list[str]) -> ParsedTranscript:
    cues = [
        Cue(start=c.start, end=c.end, speaker=c.speaker, text=c.text, new_turn=c.new_turn)
        for c in raw
    ]
    text = '\n\n'.join(_speaker_paragraph(paragraph) for paragraph in _paragraphs(cues))
    return ParsedTranscript(text=text, cues=cues, warnings=warnings)


def _split_turns(cues: list[_RawCue]) -> list[_RawCue]:
    """A cue with `>>` in it becomes a cue per turn; those after a `>>` start a new turn. A
    cue of nothing but `>>` passes its turn to the next cue."""
    split: list[_RawCue] = []
    pending = False
    for cue in cues:
        pieces = _TURN_MARK.split(cue.text) if '>>' in cue.text else [cue.text]
        turns = [(pending, pieces[0].strip())] + [(True, piece.strip()) for piece in pieces[1:]]
        pending = False
        for new_turn, words in turns:
            if words:
                split.append(cue._replace(text=words, new_turn=new_turn))
            else:
                pending = pending or new_turn
    return split


def _markdown_transcript(lines: list[str]) -> ParsedTranscript:
    """One paragraph per turn, `**Ada Lovelace:** words`, a time after the name if the file
    has them (`**Ada** [00:01:02]: ...`). Timed when every turn has a time; else text."""
    turns: list[tuple[str | None, float | None, str]] = []
    for _, block in _blocks(lines, 0):
        paragraph = ' '.join(line.strip() for line in block)
        paragraph = _MARKDOWN_HEADING.sub('', paragraph) if paragraph.startswith('#') else paragraph
        match = _markdown_turn(paragraph)
        speaker, stamp, words = (None, None, paragraph)
        if match is not None:
            speaker, stamp, words = match['label'].strip(), match['stamp'], match['rest']
        words = ' '.join(_MARKDOWN_BOLD.sub('', _MARKDOWN_LINK.sub(r'\1', words)).split())
        if words:
            start = None if stamp is None else _clock_seconds(stamp)
            turns.append((speaker, start, words))
    if turns and all(start is not None for _, start, _ in turns):
        raw = [_RawCue(start or 0.0, None, speaker, words) for speaker, start, words in turns]
        return _transcript(raw, [])
    text = '\n\n'.join(f'{speaker}: {words}' if speaker else words for speaker, _, words in turns)
    return ParsedTranscript(text=text, cues=[])


def _markdown_turn(paragraph: str) -> re.Match[str] | None:
    """A bold name with a colon inside or after the bold (and maybe a time before it)."""
    match = _MARKDOWN_TURN.match(paragraph)
    return match if match is not None and (match['inner'] or match['outer']) else None


def speaker_count(source: str, transcript_format: TranscriptFormat) -> int:
    """How many turns the source gives a speaker's name: a cheap look, for choosing between
    several files of one episode (the one with names wins)."""
    if transcript_format == 'vtt':
        return sum(1 for voice in _VOICE.finditer(source) if (voice['name'] or '').strip())
    if transcript_format == 'markdown':
        paragraphs = re.split(r'\n\s*\n', source)
        return sum(1 for paragraph in paragraphs if _markdown_turn(paragraph.strip()))
    labels = Counter(
        match['label'] for line in source.splitlines() if (match := _LINE_LABEL.match(line.strip()))
    )
    return sum(n for label, n in labels.items() if n >= 2 and _looks_like_name(label))


def _lines(source: str) -> list[str]:
    """The source's lines, checked to be text; numbered as an editor numbers them."""
    text = source.removeprefix('\ufeff').replace('\r\n', '\n').replace('\r', '\n')
    control = _CONTROL.search(text)
    if control is not None:
        raise TranscriptFormatError(
            f'binary data (control character U+{ord(control.group()):04X}) is not a transcript',
            line=text.count('\n', 0, control.start()) + 1,
        )
    # What else XML does not allow (a vertical tab or form feed from a word processor) is
    # only left out: it is no sign of binary data.
    text = clean_text(text)
    if not text.strip():
        raise TranscriptFormatError('the transcript is empty', line=1)
    return text.split('\n')


def _clock_seconds(stamp: str) -> float | None:
    """`01:02:03.500`, `02:03,5` or `1:02:03` in seconds; a bare number is no cue time."""
    return parse_clock(stamp) if ':' in stamp else None


def _text_cues(lines: list[str]) -> list[_RawCue]:
    """Lines that begin with a timestamp start cues; lines without one continue the cue before.
    Each cue ends where the next begins, unless crosstalk makes the next one begin earlier.

    A text counts as timed only when at least half its paragraphs start with a timestamp, so a
    paragraph of prose that opens with a time of day (`10:30 was too late`) stays prose.
    """
    cues: list[tuple[float, list[str]]] = []
    preamble: list[str] = []
    paragraphs = 0
    after_blank = True
    for line in lines:
        stripped = line.strip()
        if not stripped:
            after_blank = True
            continue
        paragraphs += after_blank
        after_blank = False
        match = _TEXT_STAMP.fullmatch(stripped) if stripped[0] in _STAMP_OPENERS else None
        seconds = None if match is None else _clock_seconds(match['stamp'])
        if match is not None and seconds is not None:
            cues.append((seconds, [match['rest']] if match['rest'] else []))
        else:
            (cues[-1][1] if cues else preamble).append(stripped)
    if len(cues) * 2 < max(paragraphs, 1):
        return []
    # Words before the first timestamp (a title, an introduction) are kept, at the beginning.
    worded = [(start, words) for start, words in cues if words]
    if preamble:
        worded.insert(0, (0.0, preamble))
    following = [start for start, _ in worded[1:]] + [None]
    return [
        _RawCue(start, end if end is not None and end >= start else None, None, ' '.join(words))
        for (start, words), end in zip(worded, following, strict=True)
    ]


def _timed_cues(lines: list[str], *, vtt: bool, warnings: list[str]) -> list[_RawCue]:
    first_block = 0
    if vtt:
        if _VTT_HEADER.fullmatch(lines[0]) is None:
            raise TranscriptFormatError('a WebVTT file must start with "WEBVTT"', line=1)
        # Header metadata (`Kind: captions`) runs to the first blank line or the first timing.
        first_block = 1
        while first_block < len(lines) and lines[first_block].strip():
            if '-->' in lines[first_block]:
                break
            first_block += 1
    example = _TIMING_EXAMPLE['vtt' if vtt else 'srt']
    cues: list[_RawCue] = []
    for first, block in _blocks(lines, first_block):
        if vtt and _VTT_SKIPPED_BLOCK.fullmatch(block[0]):
            continue
        if '-->' in block[0]:
            timing = 0
        elif len(block) > 1 and '-->' in block[1]:
            timing = 1  # a cue identifier (SRT numbers its cues) comes first
        else:
            expected_at = first + (2 if len(block) > 1 else 1)
            raise TranscriptFormatError(f'expected a cue timing like "{example}"', line=expected_at)
        # A timing line inside a cue's text starts the next cue, as WebVTT players read it.
        while timing < len(block):
            payload_end = timing + 1
            while payload_end < len(block) and '-->' not in block[payload_end]:
                payload_end += 1
            start, end = _timing(block[timing], line=first + timing + 1, warnings=warnings)
            payload = ' '.join(line.strip() for line in block[timing + 1 : payload_end])
            cues += _vtt_payload(start, end, payload) if vtt else _srt_payload(start, end, payload)
            timing = payload_end
    if not cues:
        raise TranscriptFormatError(f'no cues: expected cue timings like "{example}"')
    return cues


def _blocks(lines: list[str], start: int) -> Iterator[tuple[int, list[str]]]:
    """Runs of non-blank lines, each with the index of its first line."""
    block: list[str] = []
    first = start
    for index in range(start, len(lines)):
        if lines[index].strip():
            if not block:
                first = index
            block.append(lines[index])
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _timing(text: str, *, line: int, warnings: list[str]) -> tuple[float, float | None]:
    """A cue's start and end; an end before the start is dropped (the cue runs to the next one)
    with a warning, since one such slip in a real file of a thousand cues is not worth it."""
    usual = _USUAL_TIMING.match(text)
    if usual is not None:
        h1, m1, s1, f1, h2, m2, s2, f2 = map(int, usual.groups())
        start_ms = ((h1 * 60 + m1) * 60 + s1) * 1000 + f1
        end_ms = ((h2 * 60 + m2) * 60 + s2) * 1000 + f2
        if start_ms <= end_ms:
            return start_ms / 1000, end_ms / 1000
    left, _, right = text.partition('-->')
    # Cue settings (`align:start position:10%`) may follow the end time; they are not kept.
    fields = right.split(maxsplit=1)
    start = _clock_seconds(left.strip())
    end = _clock_seconds(fields[0]) if fields else None
    shown = text.strip() if len(text.strip()) <= 60 else text.strip()[:57] + '...'
    if start is None or end is None:
        raise TranscriptFormatError(f'cue timing "{shown}" is not a valid timestamp', line=line)
    if end < start:
        warnings.append(
            f'line {line}: cue timing "{shown}" ends before it starts; '
            'the cue now runs to the next one'
        )
        return start, None
    return start, end


def _vtt_payload(start: float, end: float | None, payload: str) -> list[_RawCue]:
    """One cue per voice: `<v Ada>Hi</v> <v Bo>Hello</v>` is two people at the same moment."""
    if '<' not in payload and '&' not in payload:
        return [_RawCue(start, end, None, ' '.join(payload.split()))] if payload.strip() else []
    voices = list(_VOICE.finditer(payload))
    bounds = [voice.start() for voice in voices] + [len(payload)]
    pieces: list[tuple[str | None, str]] = [(None, payload[: bounds[0]])]
    pieces += [
        (' '.join(html.unescape(voice['name'] or '').split()) or None,
         payload[voice.end() : bounds[index + 1]])
        for index, voice in enumerate(voices)
    ]  # fmt: skip
    cues = []
    for speaker, raw in pieces:
        words = ' '.join(html.unescape(_VTT_TAG.sub('', raw)).split())
        if words:
            cues.append(_RawCue(start, end, speaker, words))
    return cues


def _srt_payload(start: float, end: float | None, payload: str) -> list[_RawCue]:
    words = ' '.join(_SRT_TAG.sub('', payload).split())
    return [_RawCue(start, end, None, words)] if words else []


def _labelled(cues: list[_RawCue], *, carry_forward: bool) -> list[_RawCue]:
    """`Name: words` at the start of a cue names its speaker, when the label looks like a name
    and opens at least two cues: a one-off `Note:` or `BBC Micro:` is prose, not a person."""
    labels = Counter(
        match['label']
        for cue in cues
        if cue.speaker is None and (match := _LABEL.fullmatch(cue.text))
    )
    speakers = {label for label, n in labels.items() if n >= 2 and _looks_like_name(label)}
    if not speakers:
        return cues
    labelled: list[_RawCue] = []
    current: str | None = None
    for cue in cues:
        match = _LABEL.fullmatch(cue.text) if cue.speaker is None else None
        if match is not None and match['label'] in speakers:
            current = match['label']
            labelled.append(cue._replace(speaker=current, text=match['rest']))
        elif cue.new_turn:
            current = None  # someone unnamed speaks now: the last name no longer carries
            labelled.append(cue)
        elif carry_forward and cue.speaker is None and current is not None:
            labelled.append(cue._replace(speaker=current))
        else:
            labelled.append(cue)
    return labelled


def _looks_like_name(label: str) -> bool:
    """One to four capitalised words (`Ada`, `Guido van Rossum`, `LAURENCE MORONEY`), or a
    numbered voice (`Speaker 1`)."""
    words = label.split(' ')
    if not 1 <= len(words) <= 4 or words[0].lower() in _NOT_NAMES:
        return False
    for position, word in enumerate(words):
        last = position == len(words) - 1
        if position and last and word.isdigit() and len(word) <= 2:
            continue
        if position and not last and word in _NAME_PARTICLES:
            continue
        if not (word[:1].isupper() and all(c.isalpha() or c in _NAME_PUNCTUATION for c in word)):
            return False
    return True


def _plain_paragraphs(lines: list[str]) -> str:
    return '\n\n'.join('\n'.join(line.rstrip() for line in block) for _, block in _blocks(lines, 0))


def _paragraphs(cues: Sequence[Cue]) -> list[tuple[Cue, str]]:
    """Turns of speech, each with its first cue: a known speaker's consecutive cues make one
    paragraph. Cues with no known speaker are often pieces of sentences, so they are joined too,
    but a new paragraph starts after a sentence once the current one is long enough to read."""
    paragraphs: list[tuple[Cue, list[str]]] = []
    length = 0
    for cue in cues:
        if paragraphs and not cue.new_turn:
            first, words = paragraphs[-1]
            if first.speaker == cue.speaker and (
                cue.speaker is not None
                or length < PARAGRAPH_CHARACTERS
                or not _SENTENCE_END.search(words[-1])
            ):
                words.append(cue.text)
                length += len(cue.text) + 1
                continue
        paragraphs.append((cue, [cue.text]))
        length = len(cue.text)
    return [(first, ' '.join(words)) for first, words in paragraphs]


def _speaker_paragraph(paragraph: tuple[Cue, str]) -> str:
    first, words = paragraph
    return f'{first.speaker}: {words}' if first.speaker else words


def _vtt_stamp(seconds: float) -> str:
    milliseconds = round(seconds * 1000)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f'{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}'


def render_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT with a `<v Speaker>` voice where the speaker is known. A cue without an end runs
    to the next cue's start, or for five seconds when nothing follows it later."""
    blocks = ['WEBVTT']
    for index, cue in enumerate(cues):
        end = cue.end
        if end is None:
            following = cues[index + 1].start if index + 1 < len(cues) else cue.start
            end = following if following > cue.start else cue.start + DEFAULT_CUE_SECONDS
        # Escaping `<`, `>` and `&` keeps `-->` and tags in the words from breaking the file.
        words = html.escape(' '.join(cue.text.split()), quote=False)
        speaker = ' '.join((cue.speaker or '').split())
        # A change of speaker with no name is written as captions mark it; `>` needs no escape.
        voice = f'<v {html.escape(speaker, quote=False)}>' if speaker else ''
        voice = voice or ('>> ' if cue.new_turn else '')
        blocks.append(f'{_vtt_stamp(cue.start)} --> {_vtt_stamp(end)}\n{voice}{words}')
    return '\n\n'.join(blocks) + '\n'


def render_text(transcript: ParsedTranscript) -> str:
    """Readable text: one paragraph per turn, `[HH:MM:SS]` before each when there are cues."""
    if not transcript.cues:
        return transcript.text.strip() + '\n'
    return (
        '\n\n'.join(
            f'[{_vtt_stamp(first.start).partition(".")[0]}] {_speaker_paragraph((first, words))}'
            for first, words in _paragraphs(transcript.cues)
        )
        + '\n'
    )


def cues_to_json(cues: Sequence[Cue]) -> list[dict[str, Any]]:
    """As the database keeps them; `new_turn` only where it is set, as few cues have it."""
    return [cue.model_dump(exclude=None if cue.new_turn else {'new_turn'}) for cue in cues]
