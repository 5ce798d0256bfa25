"""Real audio files for the tests, made by Debian's `lame` and `ffmpeg` (`.ci/run` installs
them): MP3s whose first minute `ffprobe` locates from its own reading of their frames (a
reference worked out apart from podsite's frame walk); a few seconds of a tone in each
format podsite publishes, and the broken files hosts upload by mistake; and the hashes that
show a retag left the audio itself alone."""

import hashlib
import json
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from mutagen.id3 import APIC, ID3

# ID3v2 header flags: a footer (another 10 bytes) follows the tag.
ID3_FOOTER_FLAG = 0x10

ARTWORK_BYTES = 600_000
"""Cover art larger than any probe of a file's first bytes."""


@dataclass(frozen=True)
class Mp3:
    """A test audio file (MP3 or M4A)."""

    path: Path
    size: int
    first_minute_bytes: int
    """By ffprobe; the file's size when it is shorter than a minute."""


def varying_signal(folder: Path, *, seconds: int, sample_rate: int) -> Path:
    """Noise and a tone, loud for 30 s and silent after, so that a VBR encoder's bitrate really
    varies."""
    wav = folder / f'signal-{seconds}-{sample_rate}.wav'
    subprocess.run(
        ['/usr/bin/ffmpeg', '-v', 'error', '-y',
         '-f', 'lavfi', '-i', f'anoisesrc=d={seconds}:c=pink:a=0.3',
         '-f', 'lavfi', '-i', f'sine=f=440:d={seconds}', '-filter_complex',
         "[0][1]amix,volume='if(lt(t,30),1,0)':eval=frame",
         '-ac', '1', '-ar', str(sample_rate), str(wav)],
        check=True,
    )  # fmt: skip
    return wav


def encode(wav: Path, target: Path, *lame_options: str, artwork: bool = False) -> Mp3:
    subprocess.run(['/usr/bin/lame', '--quiet', *lame_options, str(wav), str(target)], check=True)
    if artwork:
        tag = ID3()
        tag.add(
            APIC(mime='image/png', type=3, desc='cover', data=b'\x89PNG' * (ARTWORK_BYTES // 4))
        )
        tag.save(target)
    return Mp3(target, target.stat().st_size, first_minute_by_ffprobe(target))


def encode_m4a(wav: Path, target: Path, *, fast_start: bool) -> Mp3:
    """AAC in MP4, its `moov` box before the audio (`fast_start`) or after it; the bytes a
    listener needs include that box either way."""
    flags = ['-movflags', '+faststart'] if fast_start else []
    subprocess.run(
        ['/usr/bin/ffmpeg', '-v', 'error', '-y', '-i', str(wav), '-c:a', 'aac', '-b:a', '96k',
         *flags, str(target)],
        check=True,
    )  # fmt: skip
    minute_end = first_minute_by_ffprobe(target)
    moov_start, moov_size = top_level_box(target, b'moov')
    needed = (
        minute_end
        if minute_end == target.stat().st_size
        else minute_end + (moov_size if moov_start >= minute_end else 0)
    )
    return Mp3(target, target.stat().st_size, needed)


def top_level_box(path: Path, kind: bytes) -> tuple[int, int]:
    data = path.read_bytes()
    position = 0
    while position < len(data):
        size = int.from_bytes(data[position : position + 4])
        if data[position + 4 : position + 8] == kind:
            return position, size
        position += size
    raise LookupError(kind)


def first_minute_by_ffprobe(path: Path) -> int:
    """The end of the packet (MPEG frame) that brings ffprobe's sum of packet durations to
    60 s; the file's size when they never get there."""
    probe = subprocess.run(
        ['/usr/bin/ffprobe', '-v', 'error', '-select_streams', 'a', '-show_entries',
         'stream=time_base:packet=pos,size,duration', '-of', 'json', str(path)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    found = json.loads(probe.stdout)
    numerator, denominator = map(int, found['streams'][0]['time_base'].split('/'))
    total = 0
    for packet in found['packets']:
        total += int(packet['duration']) * numerator
        if total >= 60 * denominator:
            return int(packet['pos']) + int(packet['size'])
    return path.stat().st_size


SECONDS = 5


@dataclass(frozen=True)
class AudioSamples:
    mp3_cbr: Path
    """64 kbit/s mono, 44.1 kHz, with an ID3v2 tag."""
    mp3_vbr: Path
    """LAME VBR (-q:a 4), stereo, 44.1 kHz."""
    m4a: Path
    """AAC in MP4, 96 kbit/s stereo, 48 kHz, index at the start (faststart)."""
    truncated_mp3: Path
    truncated_m4a: Path
    png_named_mp3: Path
    mp3_named_m4a: Path


def _ffmpeg(target: Path, *arguments: str, rate: int = 44100, channels: int = 2) -> Path:
    ffmpeg = shutil.which('ffmpeg')
    assert ffmpeg is not None
    subprocess.run(
        [ffmpeg, '-loglevel', 'error', '-y', '-f', 'lavfi',
         '-i', f'sine=frequency=440:duration={SECONDS}:sample_rate={rate}',
         '-ac', str(channels), *arguments, str(target)],
        check=True,
    )  # fmt: skip
    return target


def _png(target: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
        )

    header = struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0)
    target.write_bytes(
        b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', header)
        + chunk(b'IDAT', zlib.compress(b'\x00\x00\x00\x00'))
        + chunk(b'IEND', b'')
    )
    return target


def _first_half(source: Path, target: Path) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return target


def make_audio_samples(folder: Path) -> AudioSamples:
    if shutil.which('ffmpeg') is None:
        pytest.skip('ffmpeg is not installed (Debian package ffmpeg)')
    folder.mkdir(parents=True, exist_ok=True)
    cbr = _ffmpeg(
        folder / 'cbr.mp3', '-c:a', 'libmp3lame', '-b:a', '64k',
        '-metadata', 'title=A tone', channels=1,
    )  # fmt: skip
    vbr = _ffmpeg(folder / 'vbr.mp3', '-c:a', 'libmp3lame', '-q:a', '4')
    m4a = _ffmpeg(
        folder / 'tone.m4a', '-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart', rate=48000
    )
    lying = folder / 'really-an-mp3.m4a'
    shutil.copyfile(cbr, lying)
    return AudioSamples(
        mp3_cbr=cbr,
        mp3_vbr=vbr,
        m4a=m4a,
        truncated_mp3=_first_half(cbr, folder / 'cut.mp3'),
        truncated_m4a=_first_half(m4a, folder / 'cut.m4a'),
        png_named_mp3=_png(folder / 'cover.mp3'),
        mp3_named_m4a=lying,
    )


def audio_hash(path: Path) -> str:
    """A hash of the audio alone: an MP3's frames (after the ID3v2 tag, before an ID3v1 or
    APE tag at the end), an M4A's `mdat` payload."""
    data = path.read_bytes()
    audio = mdat_payload(data) if path.suffix == '.m4a' else mp3_frames(data)
    return hashlib.sha256(audio).hexdigest()


def mp3_frames(data: bytes) -> bytes:
    start = 0
    if data[:3] == b'ID3':
        size = sum((byte & 0x7F) << (7 * (3 - index)) for index, byte in enumerate(data[6:10]))
        start = 10 + size + (10 if data[5] & ID3_FOOTER_FLAG else 0)
    end = len(data)
    if data[end - 128 : end - 125] == b'TAG':
        end -= 128
    if data[end - 32 : end - 24] == b'APETAGEX':
        tag_size = int.from_bytes(data[end - 20 : end - 16], 'little')
        has_header = data[end - 9] & 0x80
        end -= tag_size + (32 if has_header else 0)
    return data[start:end]


def mdat_payload(data: bytes) -> bytes:
    position = 0
    while position + 8 <= len(data):
        size = int.from_bytes(data[position : position + 4], 'big')
        kind = data[position + 4 : position + 8]
        header = 8
        if size == 1:
            size = int.from_bytes(data[position + 8 : position + 16], 'big')
            header = 16
        elif size == 0:
            size = len(data) - position
        if kind == b'mdat':
            return data[position + header : position + size]
        position += size
    raise AssertionError('no mdat box in the file')
