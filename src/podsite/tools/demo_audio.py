"""Short audio files for the demo's episodes, made on the machine: a fresh `make run` plays,
downloads and counts episodes with no media host and no network.

Each track is a few notes of a sine-wave melody (a different one per track, so a listener
hears which file plays), encoded to MP3 by `lameenc` (LAME compiled into the wheel: no
system encoder needed). The same tracks come out on every run.
"""

import math
from array import array
from dataclasses import dataclass
from pathlib import Path

import lameenc

SAMPLE_RATE = 16_000
BIT_RATE_KBPS = 32
NOTE_SECONDS = 0.5
# Seconds of each track, and the notes its melody cycles through (semitones above A3).
TRACKS = ((30, (0, 4, 7, 12)), (45, (0, 3, 7, 10)), (60, (0, 5, 9, 12)), (90, (0, 2, 4, 7)))


@dataclass(frozen=True)
class DemoTrack:
    name: str
    """The file's name, and the last path segment of the media URLs that point at it."""
    seconds: int
    mp3: bytes

    @property
    def size_bytes(self) -> int:
        return len(self.mp3)


def demo_tracks() -> tuple[DemoTrack, ...]:
    return tuple(
        DemoTrack(f'demo-tone-{index}.mp3', seconds, _mp3(_melody(seconds, notes)))
        for index, (seconds, notes) in enumerate(TRACKS, start=1)
    )


def write_tracks(folder: Path, tracks: tuple[DemoTrack, ...]) -> None:
    """Into the media folder, leaving a file already there as it is (it may be in use)."""
    folder.mkdir(parents=True, exist_ok=True)
    for track in tracks:
        path = folder / track.name
        if not path.exists():
            path.write_bytes(track.mp3)


def _melody(seconds: int, notes: tuple[int, ...]) -> array[int]:
    per_note = int(SAMPLE_RATE * NOTE_SECONDS)
    fade = per_note // 10  # soft edges: no click between notes
    samples = array('h')
    for index in range(int(seconds / NOTE_SECONDS)):
        frequency = 220 * 2 ** (notes[index % len(notes)] / 12)
        step = 2 * math.pi * frequency / SAMPLE_RATE
        samples.extend(
            int(6000 * min(1, i / fade, (per_note - i) / fade) * math.sin(step * i))
            for i in range(per_note)
        )
    return samples


def _mp3(samples: array[int]) -> bytes:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BIT_RATE_KBPS)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(5)
    return bytes(encoder.encode(samples.tobytes()) + encoder.flush())
