"""Real audio files for the tests, made by Debian's ffmpeg (with LAME and its AAC encoder):
a few seconds of a sine tone in each format podsite publishes, and the broken files hosts
upload by mistake."""

import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

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
