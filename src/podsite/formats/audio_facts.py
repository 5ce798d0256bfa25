"""What an uploaded audio file is, read from its bytes rather than from its name: format,
exact size, duration, bitrate, sample rate, channels and the size of the tags before the
audio. `mutagen` reads the streams; this module adds the checks it leaves to its callers
(a file cut short, a name that says another format than the bytes). Pure: a path in, facts
or a message out, no database and no web request."""

import os
import struct
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO, Literal

from mutagen import MutagenError
from mutagen.mp3 import MP3, MPEGInfo, skip_id3
from mutagen.mp4 import MP4, MP4Info

START_BYTES = 256 * 1024
"""The start of a file read for its kind and its tags: enough for tags with cover art."""
AudioFormat = Literal['mp3', 'm4a']
MEDIA_TYPES: dict[AudioFormat, str] = {'mp3': 'audio/mpeg', 'm4a': 'audio/x-m4a'}
"""The types Apple's podcast specification names for these files."""
FORMAT_NAMES: dict[AudioFormat, str] = {'mp3': 'MP3', 'm4a': 'M4A (AAC)'}
# What a name or a browser's declared type says the file is.
CLAIMED_FORMATS: dict[str, AudioFormat] = {
    '.mp3': 'mp3',
    '.m4a': 'm4a',
    '.mp4': 'm4a',
    '.aac': 'm4a',
    'audio/mpeg': 'mp3',
    'audio/mp3': 'mp3',
    'audio/mp4': 'm4a',
    'audio/x-m4a': 'm4a',
    'audio/m4a': 'm4a',
    'audio/aac': 'm4a',
}
# Files hosts pick by mistake, named by their first bytes, so the message can say what it is.
OTHER_SIGNATURES = (
    (b'\x89PNG\r\n\x1a\n', 'a PNG image'),
    (b'\xff\xd8\xff', 'a JPEG image'),
    (b'GIF8', 'a GIF image'),
    (b'%PDF', 'a PDF document'),
    (b'PK\x03\x04', 'a zip archive'),
    (b'OggS', 'an Ogg file'),
    (b'fLaC', 'a FLAC file'),
    (b'RIFF', 'a WAV (RIFF) file'),
)
MP4_TOP_LEVEL_BOXES = frozenset(
    {b'ftyp', b'moov', b'mdat', b'free', b'skip', b'wide', b'udta', b'uuid', b'meta', b'pdin'}
)


class AudioFileError(ValueError):
    """The file is not MP3 or M4A audio podsite can publish; the message says why, for the
    host to read."""


@dataclass(frozen=True)
class AudioFacts:
    format: AudioFormat
    media_type: str
    size_bytes: int
    duration_seconds: float
    bitrate_bps: int
    sample_rate_hz: int
    channels: int
    header_bytes: int
    """Bytes before the first audio frame (ID3 tags of an MP3); 0 for an M4A, whose
    header is not a fixed prefix the byte rule could use."""

    @property
    def format_name(self) -> str:
        return FORMAT_NAMES[self.format]

    @property
    def whole_seconds(self) -> int:
        return max(1, round(self.duration_seconds))


def claimed_format(filename: str, content_type: str = '') -> AudioFormat | None:
    """The format a file's name says (its extension), else its declared type; None when
    neither names MP3 or M4A."""
    extension = os.path.splitext(filename.lower())[1]
    declared = content_type.split(';')[0].strip().lower()
    return CLAIMED_FORMATS.get(extension) or CLAIMED_FORMATS.get(declared)


def read_audio_facts(path: Path, *, claimed: AudioFormat | None) -> AudioFacts:
    """Reads the file at `path`. Raises `AudioFileError` when it is not audio, is cut short,
    or is another format than `claimed` (what its name said)."""
    size = path.stat().st_size
    if size == 0:
        raise AudioFileError('The file is empty.')
    with path.open('rb') as audio:
        start = audio.read(START_BYTES)
        actual: AudioFormat = 'm4a' if start[4:8] == b'ftyp' else 'mp3'
        for signature, what in OTHER_SIGNATURES:
            if start.startswith(signature):
                raise AudioFileError(f'The file is {what}, not MP3 or M4A audio.')
        if claimed is not None and claimed != actual:
            raise AudioFileError(
                f'The file is {FORMAT_NAMES[actual]} audio but its name or type says '
                f'{FORMAT_NAMES[claimed]}: rename it to .{actual} and upload it again.'
            )
        facts = _m4a_facts(audio, size) if actual == 'm4a' else _mp3_facts(audio, size, start)
    if facts.duration_seconds <= 0 or facts.sample_rate_hz <= 0:
        raise AudioFileError('The file holds no audio (its length reads as zero).')
    return facts


def _tags_size(start: bytes) -> int:
    """The bytes before the first audio frame (ID3 tags and their padding): mutagen takes
    the first frame that a run of frames follows, so a sync pattern inside a tag is not
    taken for audio; with no frame in `start` (tags longer than it), the tags' own size."""
    audio = BytesIO(start)
    try:
        return int(MPEGInfo(audio).frame_offset)
    except MutagenError:
        audio.seek(0)
        skip_id3(audio)
        return audio.tell()


def _mp3_facts(audio: BinaryIO, size: int, start: bytes) -> AudioFacts:
    audio.seek(0)
    try:
        info = MP3(audio).info
    except MutagenError:
        info = None
    if not isinstance(info, MPEGInfo):
        raise AudioFileError('The file is not MP3 or M4A audio (no MPEG audio frames).')
    header_bytes = _tags_size(start)
    stream_bytes = _declared_mp3_bytes(start, header_bytes)
    if stream_bytes is not None and header_bytes + stream_bytes > size:
        raise AudioFileError(
            f'The MP3 is cut short: its header announces {header_bytes + stream_bytes:,} bytes '
            f'and {size:,} arrived. Upload the whole file.'
        )
    return AudioFacts(
        format='mp3',
        media_type=MEDIA_TYPES['mp3'],
        size_bytes=size,
        duration_seconds=info.length,
        bitrate_bps=info.bitrate,
        sample_rate_hz=info.sample_rate,
        channels=info.channels,
        header_bytes=header_bytes,
    )


def _declared_mp3_bytes(start: bytes, header_bytes: int) -> int | None:
    """The stream length a Xing or Info frame (which LAME and ffmpeg write first, for CBR
    files too) declares, when it is there and gives one: the way to tell a cut-short MP3
    from a short one."""
    first_frame = start[header_bytes : header_bytes + 200]
    for tag in (b'Xing', b'Info'):
        at = first_frame.find(tag)
        if at < 0 or len(first_frame) < at + 16:
            continue
        (flags,) = struct.unpack('>I', first_frame[at + 4 : at + 8])
        if not flags & 0b10:
            return None
        offset = at + 8 + (4 if flags & 0b01 else 0)
        (declared,) = struct.unpack('>I', first_frame[offset : offset + 4])
        return int(declared) or None
    return None


def _m4a_facts(audio: BinaryIO, size: int) -> AudioFacts:
    _check_mp4_boxes(audio, size)
    audio.seek(0)
    try:
        info = MP4(audio).info
    except MutagenError:
        info = None
    if not isinstance(info, MP4Info):
        raise AudioFileError('The M4A file cannot be read (its index is damaged).')
    if not info.codec.startswith('mp4a'):
        raise AudioFileError(f'The M4A file holds {info.codec or "no"} audio, not AAC.')
    return AudioFacts(
        format='m4a',
        media_type=MEDIA_TYPES['m4a'],
        size_bytes=size,
        duration_seconds=info.length,
        bitrate_bps=info.bitrate,
        sample_rate_hz=info.sample_rate,
        channels=info.channels,
        header_bytes=0,
    )


def _check_mp4_boxes(audio: BinaryIO, size: int) -> None:
    """Walks the top-level boxes: each must fit in the file, and the file must hold an
    index (`moov`) and audio (`mdat`). mutagen reads the index alone, so a file cut inside
    its audio would otherwise pass."""
    position = 0
    seen: set[bytes] = set()
    while position < size:
        audio.seek(position)
        head = audio.read(16)
        if len(head) < 8:
            break
        box_size, kind = struct.unpack('>I4s', head[:8])
        if box_size == 1 and len(head) == 16:
            (box_size,) = struct.unpack('>Q', head[8:16])
        elif box_size == 0:
            box_size = size - position
        if kind not in MP4_TOP_LEVEL_BOXES or box_size < 8:
            raise AudioFileError('The M4A file is damaged (an unknown box at the top level).')
        if position + box_size > size:
            raise AudioFileError(
                f'The M4A file is cut short: its {kind.decode("latin-1")} box needs '
                f'{position + box_size:,} bytes and {size:,} arrived. Upload the whole file.'
            )
        seen.add(kind)
        position += box_size
    missing = {b'moov', b'mdat'} - seen
    if missing:
        raise AudioFileError('The M4A file is cut short or damaged (it has no index or audio).')
