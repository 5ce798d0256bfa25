"""Real audio for the tag tests, made by Debian's encoders (lame, ffmpeg; `.ci/run` installs
them), and the hashes that show a retag left the audio itself alone."""

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

SAMPLE_SECONDS = 5
# ID3v2 header flags: a footer (another 10 bytes) follows the tag.
ID3_FOOTER_FLAG = 0x10


def make_audio_samples(folder: Path) -> dict[str, Path]:
    """A CBR MP3, a VBR MP3 and an AAC M4A of a 440 Hz tone."""
    lame, ffmpeg = shutil.which('lame'), shutil.which('ffmpeg')
    if lame is None or ffmpeg is None:
        pytest.skip('lame and ffmpeg are not installed (apt-get install lame ffmpeg)')
    wav = folder / 'tone.wav'
    tone = f'sine=frequency=440:duration={SAMPLE_SECONDS}'
    quiet = ['-hide_banner', '-loglevel', 'error', '-y']
    subprocess.run([ffmpeg, *quiet, '-f', 'lavfi', '-i', tone, str(wav)], check=True)
    samples = {'cbr': folder / 'cbr.mp3', 'vbr': folder / 'vbr.mp3', 'm4a': folder / 'tone.m4a'}
    subprocess.run([lame, '--quiet', '-b', '128', str(wav), str(samples['cbr'])], check=True)
    subprocess.run([lame, '--quiet', '-V', '2', str(wav), str(samples['vbr'])], check=True)
    subprocess.run(
        [ffmpeg, *quiet, '-f', 'lavfi', '-i', tone, '-c:a', 'aac', str(samples['m4a'])],
        check=True,
    )
    return samples


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
