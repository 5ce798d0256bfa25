"""Where the first minute of audio ends in an MP4 file (M4A/AAC), from its sample table:
the audio track's sample durations (`stts`) say how many samples make 60 seconds, and its
sample sizes (`stsz`), chunks (`stsc`) and chunk offsets (`stco`/`co64`) where the last of
them ends. `mutagen` reads MP4 files but keeps its box parser to its internals, so the few
boxes needed are read here (ISO/IEC 14496-12).

A player needs the `moov` box (the sample table itself) to play anything. Written before
the audio ("fast start"), it lies within the bytes up to the first minute's end; written
after it, a player fetches it from the end of the file too, and the threshold is those
bytes plus the `moov` box."""

import struct
from collections.abc import Iterator
from typing import BinaryIO

MOOV_LIMIT = 64 * 1024 * 1024
"""The largest sample table read; a bigger one is no file this site serves."""
SAMPLE_LIMIT = 20_000_000
"""More samples than days of AAC audio: a count past it is a damaged table."""


def is_mp4(start: bytes) -> bool:
    return len(start) >= 8 and start[4:8] == b'ftyp'


def read_mp4_minute(audio: BinaryIO, *, seconds: int, complete: bool) -> int | None:
    """The bytes a listener needs for the first `seconds` of audio, `moov` included; the
    file's size for audio shorter than that. None when the stream does not show it: not an
    MP4 file with an audio track this reads, or (not `complete`) cut short."""
    size = audio.seek(0, 2)
    moov = _top_level(audio, size, b'moov')
    if moov is None or moov[1] > MOOV_LIMIT:
        return None
    moov_start, moov_size, moov_header = moov
    audio.seek(moov_start + moov_header)
    data = audio.read(moov_size - moov_header)
    if len(data) < moov_size - moov_header:
        return None
    try:
        table = _audio_sample_table(data)
        if table is None:
            return None
        chunks, reached = _first_chunks(*table, seconds=seconds)
    except (struct.error, ValueError, IndexError, KeyError, StopIteration):
        return None
    if not chunks:
        return None
    end = max(stop for _, stop in chunks)
    if not reached or end > size:  # shorter than the minute, or cut short
        return size if complete else None
    return end + (moov_size if moov_start >= end else 0)


def _top_level(audio: BinaryIO, size: int, kind: bytes) -> tuple[int, int, int] | None:
    """Where the top-level box of that kind starts, its size, and its header's."""
    position = 0
    while position + 8 <= size:
        audio.seek(position)
        header = audio.read(16)
        if len(header) < 8:
            return None
        box_size, box_kind = struct.unpack('>I4s', header[:8])
        header_size = 8
        if box_size == 1 and len(header) == 16:
            box_size, header_size = struct.unpack('>Q', header[8:16])[0], 16
        elif box_size == 0:
            box_size = size - position
        if box_size < header_size:
            return None
        if box_kind == kind:
            return position, box_size, header_size
        position += box_size
    return None


def _boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    position = 0
    while position + 8 <= len(data):
        box_size, kind = struct.unpack_from('>I4s', data, position)
        header = 8
        if box_size == 1:
            box_size = struct.unpack_from('>Q', data, position + 8)[0]
            header = 16
        elif box_size == 0:
            box_size = len(data) - position
        if box_size < header:
            return
        yield kind, data[position + header : position + box_size]
        position += box_size


def _children(data: bytes) -> dict[bytes, list[bytes]]:
    found: dict[bytes, list[bytes]] = {}
    for kind, body in _boxes(data):
        found.setdefault(kind, []).append(body)
    return found


type SampleTable = tuple[int, list[tuple[int, int]], list[int], list[tuple[int, int]], list[int]]
"""Timescale, (count, duration) runs, sample sizes, (first chunk, samples per chunk) runs,
chunk offsets."""


def _audio_sample_table(moov: bytes) -> SampleTable | None:
    for trak in _children(moov).get(b'trak', []):
        mdia = _children(trak).get(b'mdia', [b''])[0]
        parts = _children(mdia)
        handler = parts.get(b'hdlr', [b''])[0]
        if handler[8:12] != b'soun':
            continue
        mdhd = parts[b'mdhd'][0]
        timescale = struct.unpack_from('>I', mdhd, 20 if mdhd[0] == 1 else 12)[0]
        stbl = _children(_children(parts[b'minf'][0])[b'stbl'][0])
        return (
            timescale,
            _runs(stbl[b'stts'][0]),
            _sizes(stbl[b'stsz'][0]),
            [(first, per_chunk) for first, per_chunk, _ in _entries(stbl[b'stsc'][0], '>III')],
            _offsets(stbl),
        )
    return None


def _entries(body: bytes, layout: str) -> list[tuple[int, ...]]:
    count = struct.unpack_from('>I', body, 4)[0]
    width = struct.calcsize(layout)
    if 8 + count * width > len(body):
        raise ValueError('a table longer than its box')
    return [struct.unpack_from(layout, body, 8 + index * width) for index in range(count)]


def _runs(stts: bytes) -> list[tuple[int, int]]:
    return [(count, duration) for count, duration in _entries(stts, '>II')]


def _sizes(stsz: bytes) -> list[int]:
    fixed, count = struct.unpack_from('>II', stsz, 4)
    if count > SAMPLE_LIMIT:
        raise ValueError('more samples than any episode has')
    if fixed:
        return [fixed] * count
    if 12 + count * 4 > len(stsz):
        raise ValueError('a table longer than its box')
    return list(struct.unpack_from(f'>{count}I', stsz, 12))


def _offsets(stbl: dict[bytes, list[bytes]]) -> list[int]:
    if b'co64' in stbl:
        return [offset for (offset,) in _entries(stbl[b'co64'][0], '>Q')]
    return [offset for (offset,) in _entries(stbl[b'stco'][0], '>I')]


def _first_chunks(
    timescale: int,
    runs: list[tuple[int, int]],
    sizes: list[int],
    chunk_runs: list[tuple[int, int]],
    offsets: list[int],
    *,
    seconds: int,
) -> tuple[list[tuple[int, int]], bool]:
    """Where each chunk's share of the samples of the first `seconds` lies, and whether
    the samples reach that far."""
    wanted, needed, elapsed = seconds * timescale, 0, 0
    for count, duration in runs:
        if duration and elapsed + count * duration >= wanted:
            needed += -(-(wanted - elapsed) // duration)
            break
        elapsed += count * duration
        needed += count
    reached = needed > 0 and _duration_of(runs, needed) >= wanted
    total = min(needed, len(sizes))
    chunks, sample = [], 0
    for chunk, offset in enumerate(offsets, start=1):
        if sample >= total:
            break
        per_chunk = next(per for first, per in reversed(chunk_runs) if first <= chunk)
        taken = min(per_chunk, total - sample)
        chunks.append((offset, offset + sum(sizes[sample : sample + taken])))
        sample += taken
    return chunks, reached and sample == needed


def _duration_of(runs: list[tuple[int, int]], samples: int) -> int:
    total = 0
    for count, duration in runs:
        taken = min(count, samples)
        total += taken * duration
        samples -= taken
        if samples <= 0:
            break
    return total
