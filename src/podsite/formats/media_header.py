"""Reads what the IAB byte rule needs from the start of an MP3: the ID3 tag's size and the
audio bitrate. The first few hundred kilobytes are enough, so remote files cost one range
request."""

from dataclasses import dataclass

PROBE_BYTES = 256 * 1024
_SYNC_SEARCH_BYTES = 64 * 1024
_ID3_HEADER = 10

# Kilobits per second by bitrate index, for Layer III: MPEG-1, and MPEG-2/2.5.
_LAYER3_KBPS = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {1: (44100, 48000, 32000), 2: (22050, 24000, 16000), 25: (11025, 12000, 8000)}


@dataclass(frozen=True)
class MediaHeader:
    header_bytes: int
    """Bytes before the first audio frame: ID3 tags and any padding after them."""
    bitrate_bps: int | None
    """The average bitrate (from a Xing/Info frame when the file is VBR); None when no
    MP3 frame was found."""


@dataclass(frozen=True)
class _Frame:
    version: int
    bitrate_bps: int
    sample_rate: int
    length: int
    mono: bool

    @property
    def samples(self) -> int:
        return 1152 if self.version == 1 else 576


def read_media_header(data: bytes) -> MediaHeader:
    tags_end = _id3_end(data)
    search_end = min(len(data) - 4, tags_end + _SYNC_SEARCH_BYTES)
    for offset in range(tags_end, max(search_end, tags_end)):
        frame = _frame_at(data, offset)
        if frame is None:
            continue
        following = offset + frame.length
        if following + 4 <= len(data) and _frame_at(data, following) is None:
            continue  # a stray sync pattern inside a tag or junk, not a frame
        return MediaHeader(offset, _xing_bitrate(data, offset, frame) or frame.bitrate_bps)
    return MediaHeader(tags_end, None)


def _id3_end(data: bytes) -> int:
    """End of the ID3v2 tags at the start (files sometimes carry more than one)."""
    end = 0
    while data[end : end + 3] == b'ID3' and len(data) >= end + _ID3_HEADER:
        size_bytes = data[end + 6 : end + 10]
        if any(byte & 0x80 for byte in size_bytes):
            break  # not a synchsafe size: not a tag
        size = 0
        for byte in size_bytes:
            size = size << 7 | byte
        has_footer = data[end + 5] & 0x10
        end += _ID3_HEADER + size + (_ID3_HEADER if has_footer else 0)
    return end


def _frame_at(data: bytes, offset: int) -> _Frame | None:
    if offset + 4 > len(data) or data[offset] != 0xFF or data[offset + 1] & 0xE0 != 0xE0:
        return None
    version_bits = (data[offset + 1] >> 3) & 0b11
    layer_bits = (data[offset + 1] >> 1) & 0b11
    bitrate_index = data[offset + 2] >> 4
    rate_index = (data[offset + 2] >> 2) & 0b11
    if version_bits == 0b01 or layer_bits != 0b01 or bitrate_index in (0, 15) or rate_index == 3:
        return None  # reserved values, free format, or not Layer III
    version = {0b11: 1, 0b10: 2, 0b00: 25}[version_bits]
    bitrate = _LAYER3_KBPS[1 if version == 1 else 2][bitrate_index] * 1000
    sample_rate = _SAMPLE_RATES[version][rate_index]
    padding = (data[offset + 2] >> 1) & 1
    coefficient = 144 if version == 1 else 72
    length = coefficient * bitrate // sample_rate + padding
    mono = data[offset + 3] >> 6 == 0b11
    return _Frame(version, bitrate, sample_rate, length, mono)


def _xing_bitrate(data: bytes, offset: int, frame: _Frame) -> int | None:
    """A VBR file's first frame holds a Xing (or Info) header with its frame and byte
    counts; the bitrate of the first frame alone says little about the rest."""
    side_info = (17 if frame.mono else 32) if frame.version == 1 else (9 if frame.mono else 17)
    at = offset + 4 + side_info
    if data[at : at + 4] not in (b'Xing', b'Info'):
        return None
    flags = int.from_bytes(data[at + 4 : at + 8], 'big')
    if flags & 0b11 != 0b11:
        return None
    frames = int.from_bytes(data[at + 8 : at + 12], 'big')
    size = int.from_bytes(data[at + 12 : at + 16], 'big')
    if not frames or not size:
        return None
    seconds = frames * frame.samples / frame.sample_rate
    return round(size * 8 / seconds)
