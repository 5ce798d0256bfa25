"""Reads what the IAB byte rule needs from the start of an MP3: the bytes before the audio
(ID3 tags and any padding after them) and the audio bitrate, both found by `mutagen`. The
first few hundred kilobytes are enough, so remote files cost one range request."""

from dataclasses import dataclass
from io import BytesIO

from mutagen import MutagenError
from mutagen.mp3 import MPEGInfo, skip_id3

PROBE_BYTES = 256 * 1024


@dataclass(frozen=True)
class MediaHeader:
    header_bytes: int
    """Bytes before the first audio frame: ID3 tags and any padding after them."""
    bitrate_bps: int | None
    """The average bitrate (from a Xing/Info frame when the file is VBR); None when no
    MP3 frame was found."""


def read_media_header(data: bytes) -> MediaHeader:
    audio = BytesIO(data)
    try:
        # mutagen skips the tags, then takes the first frame that a run of frames follows,
        # so a sync pattern inside a tag or junk is not taken for audio.
        info = MPEGInfo(audio)
    except MutagenError:
        # No audio within the probe (another format, or tags longer than the probe, as
        # large cover art makes them): what comes before the audio is still the tags.
        audio.seek(0)
        skip_id3(audio)
        return MediaHeader(audio.tell(), None)
    return MediaHeader(info.frame_offset, info.bitrate)
