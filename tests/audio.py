"""Real MP3 files for the tests, made by `lame` and `ffmpeg` (Debian packages), and where
their first minute ends by `ffprobe`'s own reading of their frames: a reference worked out
apart from podsite's frame walk."""

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import APIC, ID3

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
