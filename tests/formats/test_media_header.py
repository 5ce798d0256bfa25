"""Where the first minute of audio ends (IAB v2.3, 5.5 "Minimum one-minute duration"), on
real MP3s, against ffprobe's own reading of their frames."""

from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mutagen.mp3 import MP3, BitrateMode

from podsite.formats.media_header import read_media_header, read_media_header_from
from tests.audio import ARTWORK_BYTES, Mp3


@pytest.mark.parametrize('name', ['cbr', 'vbr', 'mpeg2', 'artwork', 'm4a', 'm4a_moov_last'])
def test_the_first_minute_ends_where_the_frames_hold_sixty_seconds(
    mp3s: dict[str, Mp3], name: str
) -> None:
    mp3 = mp3s[name]

    assert read_media_header(mp3.path).first_minute_bytes == mp3.first_minute_bytes


def test_on_a_vbr_file_the_average_bitrate_would_put_the_line_elsewhere(
    mp3s: dict[str, Mp3],
) -> None:
    """Why the frames are walked: the average of a file whose bitrate varies is not the
    bitrate of its first minute."""
    vbr = mp3s['vbr']
    info = MP3(vbr.path).info
    assert info is not None and info.bitrate_mode == BitrateMode.VBR
    by_average = info.bitrate // 8 * 60  # give or take the few hundred bytes before the audio

    assert abs(by_average - vbr.first_minute_bytes) > 10_000


def test_tags_before_the_audio_count_in_full(mp3s: dict[str, Mp3]) -> None:
    """The same audio behind a tag with large cover art: the line moves by the tag's size,
    as its header declares it."""
    plain, tagged = mp3s['vbr'], mp3s['artwork']
    head = tagged.path.read_bytes()[:10]
    synchsafe = zip(head[6:], (21, 14, 7, 0), strict=True)
    tag_size = 10 + sum((byte & 0x7F) << shift for byte, shift in synchsafe)
    assert tag_size > ARTWORK_BYTES

    with_tag = read_media_header(tagged.path).first_minute_bytes
    without = read_media_header(plain.path).first_minute_bytes

    assert with_tag is not None and without is not None
    assert with_tag - without == tag_size


@pytest.mark.parametrize('name', ['short', 'm4a_short'])
def test_a_file_shorter_than_a_minute_must_be_fetched_whole(
    mp3s: dict[str, Mp3], name: str
) -> None:
    short = mp3s[name]

    assert read_media_header(short.path).first_minute_bytes == short.size


def test_an_mp4_whose_sample_table_comes_last_needs_it_as_well(mp3s: dict[str, Mp3]) -> None:
    """A player fetches the `moov` box from the end of the file before it plays anything;
    fetched from the start only, the sample table is not there to read."""
    fast, last = mp3s['m4a'], mp3s['m4a_moov_last']
    start = last.path.read_bytes()[: last.size - 1000]  # the file but the end of its moov

    assert read_media_header(last.path).first_minute_bytes == fast.first_minute_bytes
    assert read_media_header_from(BytesIO(start), complete=False).first_minute_bytes is None


def test_bytes_that_run_out_before_a_minute_give_no_offset(mp3s: dict[str, Mp3]) -> None:
    """A remote file's first bytes: their audio ending early says nothing of the file."""
    start = mp3s['cbr'].path.read_bytes()[:500_000]

    assert read_media_header_from(BytesIO(start), complete=False).first_minute_bytes is None
    assert read_media_header_from(BytesIO(start), complete=True).first_minute_bytes == 500_000


def test_a_stream_read_from_memory_gives_the_same_offset(mp3s: dict[str, Mp3]) -> None:
    vbr = mp3s['vbr']
    header = read_media_header_from(BytesIO(vbr.path.read_bytes()), complete=False)

    assert header.first_minute_bytes == vbr.first_minute_bytes


def test_something_that_is_neither_mpeg_audio_nor_mp4_gives_no_offset(tmp_path: Path) -> None:
    broken = tmp_path / 'episode.m4a'
    broken.write_bytes(b'\x00\x00\x00\x20ftypM4A ' + b'\x00' * 2000)
    ogg = tmp_path / 'episode.ogg'
    ogg.write_bytes(b'OggS' + b'\x00' * 2000)

    assert read_media_header(ogg).first_minute_bytes is None
    assert read_media_header(broken).first_minute_bytes is None


def test_truncated_or_empty_files_do_not_break_the_reader(tmp_path: Path) -> None:
    empty = tmp_path / 'empty.mp3'
    empty.write_bytes(b'')
    truncated_tag = tmp_path / 'tag.mp3'
    truncated_tag.write_bytes(b'ID3\x04\x00')

    assert read_media_header(empty).first_minute_bytes is None
    assert read_media_header(truncated_tag).first_minute_bytes is None


def test_junk_between_frames_is_skipped_to_the_next_frame(mp3s: dict[str, Mp3]) -> None:
    data = mp3s['cbr'].path.read_bytes()
    # Damage one frame's header a few seconds in; the walk finds the frame after it.
    damaged = data[:100_000] + b'\x00' * 4 + data[100_004:]

    header = read_media_header_from(BytesIO(damaged), complete=True)

    assert header.first_minute_bytes is not None
    assert abs(header.first_minute_bytes - mp3s['cbr'].first_minute_bytes) < 1_000


@given(
    start=st.sampled_from(
        [b'', b'ID3\x04\x00\x00', b'\xff\xfb\x90\x64', b'\xff\xf3\x48\xc4', b'\x00\x00\x00\x10ftyp']
    ),
    rest=st.binary(max_size=3000),
    complete=st.booleans(),
)
def test_any_bytes_give_an_answer_never_an_error(start: bytes, rest: bytes, complete: bool) -> None:
    header = read_media_header_from(BytesIO(start + rest), complete=complete)

    assert header.first_minute_bytes is None or header.first_minute_bytes <= len(start + rest)
