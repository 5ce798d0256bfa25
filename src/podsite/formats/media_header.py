"""Where the first minute of an MP3's audio ends: the byte offset the IAB rule needs
(v2.3, 5.5 "Minimum one-minute duration": a download counts once the bytes of the file's
header and its first minute of audio have been fetched).

`mutagen` skips the ID3 tags and finds the first MPEG frame a run of frames follows (so a
sync pattern inside a tag or junk is not taken for audio), and gives the stream's
parameters. It has no public way to walk the frames one by one (its `MPEGFrame` is not
part of its API), so the walk is done here: each frame's header gives its length in bytes
and its samples, and the frames are summed until they hold 60 seconds of samples. That is
exact for constant and variable bitrates alike, where an average bitrate is not (on VBR
files it put the line anywhere between 30 and 91 seconds). A Xing, Info or VBRI frame
(the first frame of a VBR file, and of LAME's CBR ones) holds no audio: its bytes count
as header, its samples do not.

MP4 files (M4A/AAC) are read from their sample table (`formats.mp4_minute`). Other formats
give no offset, and the rule then asks for the whole file."""

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mutagen import MutagenError
from mutagen.mp3 import MPEGInfo

from podsite.formats.mp4_minute import is_mp4, read_mp4_minute

ONE_MINUTE_SECONDS = 60
RESYNC_BYTES = 4096
"""How far past a damaged frame the walk looks for the next one before it gives up."""

# Kilobits per second by bitrate index (1 to 14), for MPEG-1 and for MPEG-2 and 2.5.
_BITRATES = {
    (1, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (1, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (1, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (2, 3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
"""By the header's version bits (3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5) and rate index."""
_LAYERS = {3: 1, 2: 2, 1: 3}
_VBR_TAGS = (b'Xing', b'Info', b'VBRI')


@dataclass(frozen=True)
class MediaHeader:
    """What the byte rule needs of an audio file."""

    first_minute_bytes: int | None
    """The bytes a listener needs for the first 60 seconds of audio: for an MP3 the offset
    where they end (so its tags and header are included), for an MP4 the same plus its
    `moov` box when that comes after them; for audio shorter than a minute, the whole
    file's size. None when it cannot be known: another format, or the bytes read ran out
    first."""


@dataclass(frozen=True)
class _Frame:
    length: int
    samples: int
    stream: tuple[int, int, int]
    """Version bits, layer and sample rate: what every frame of one stream shares."""


def read_media_header(path: Path) -> MediaHeader:
    """What the byte rule needs of an audio file on disk; the one call to make once a file
    is in place (an upload, `podsite probe-media`), storing `first_minute_bytes` as the
    episode's `media_first_minute_bytes`. The tags are skipped, and only the frames of the
    first minute (one or two megabytes) are read, never the whole file. Never raises for
    the file's content: what cannot be read gives `first_minute_bytes` None (OSError still
    comes through for a file that cannot be opened)."""
    with path.open('rb') as audio:
        return read_media_header_from(audio, complete=True)


def read_media_header_from(audio: BinaryIO, *, complete: bool) -> MediaHeader:
    """The same from a seekable stream of the file's first bytes; `complete` says whether
    the stream ends where the file does, so that audio ending early is a short file rather
    than the end of what was fetched."""
    if is_mp4(audio.read(8)):
        return MediaHeader(read_mp4_minute(audio, seconds=ONE_MINUTE_SECONDS, complete=complete))
    audio.seek(0)
    try:
        info = MPEGInfo(audio)
    except (MutagenError, OSError):
        return MediaHeader(None)
    audio.seek(info.frame_offset)
    first = audio.read(64)
    frame = _frame(first)
    if frame is None:
        return MediaHeader(None)
    offset, samples = info.frame_offset, 0
    if any(tag in first for tag in _VBR_TAGS):
        offset += frame.length
    size = audio.seek(0, 2)
    wanted = ONE_MINUTE_SECONDS * frame.stream[2]
    while samples < wanted:
        audio.seek(offset)
        found = _next_frame(audio, offset, frame.stream)
        if found is None or found[0] + found[1].length > size:
            # The audio ends (or the last frame is cut short) before a minute.
            return MediaHeader(size if complete else None)
        offset, frame = found
        offset += frame.length
        samples += frame.samples
    return MediaHeader(offset)


def _next_frame(
    audio: BinaryIO, offset: int, stream: tuple[int, int, int]
) -> tuple[int, _Frame] | None:
    """The frame at `offset`, or the next one of the same stream within `RESYNC_BYTES`
    (after a damaged frame); None at the end of the audio."""
    header = audio.read(4)
    frame = _frame(header)
    if frame is not None and frame.stream == stream:
        return offset, frame
    window = header + audio.read(RESYNC_BYTES)
    for skip in range(1, max(len(window) - 3, 1)):
        frame = _frame(window[skip : skip + 4])
        if frame is not None and frame.stream == stream:
            return offset + skip, frame
    return None


def _frame(header: bytes) -> _Frame | None:
    """An MPEG audio frame header's length and samples; None for bytes that are not one
    (or a free-format frame, whose length the header does not give)."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer_bits = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if version == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    layer = _LAYERS[layer_bits]
    padding = (header[2] >> 1) & 1
    bitrate = _BITRATES[(1 if version == 3 else 2, layer)][bitrate_index - 1] * 1000
    sample_rate = _SAMPLE_RATES[version][rate_index]
    if layer == 1:
        return _Frame((12 * bitrate // sample_rate + padding) * 4, 384, (version, 1, sample_rate))
    samples = 1152 if layer == 2 or version == 3 else 576
    length = samples // 8 * bitrate // sample_rate + padding
    return _Frame(length, samples, (version, layer, sample_rate))
