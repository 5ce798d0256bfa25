from podsite.formats.media_header import PROBE_BYTES, read_media_header

FRAME_128K = bytes([0xFF, 0xFB, 0x90, 0x64])  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz
FRAME_LENGTH = 144 * 128_000 // 44_100


def id3_tag(body_size: int) -> bytes:
    size = bytes((body_size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b'ID3\x04\x00\x00' + size + b'\x00' * body_size


def frames(count: int, first: bytes = b'') -> bytes:
    frame = FRAME_128K + first
    return (frame + b'\x00' * (FRAME_LENGTH - len(frame))) + (
        FRAME_128K + b'\x00' * (FRAME_LENGTH - 4)
    ) * (count - 1)


def test_the_header_is_the_id3_tag_and_the_bitrate_comes_from_the_first_frame() -> None:
    header = read_media_header(id3_tag(5000) + frames(10))

    assert header.header_bytes == 5010
    assert header.bitrate_bps == 128_000


def test_padding_after_the_tag_belongs_to_the_header() -> None:
    header = read_media_header(id3_tag(100) + b'\x00' * 300 + frames(3))

    assert header.header_bytes == 410


def test_a_file_without_tags_has_no_header() -> None:
    assert read_media_header(frames(3)).header_bytes == 0


def test_a_vbr_file_reports_its_average_bitrate_from_the_xing_frame() -> None:
    # 1,000 frames of 1,152 samples at 44.1 kHz are 26.12 s; the 1,600,000 bytes counted
    # include the Xing frame itself, which holds no audio and is not among the 1,000.
    xing = b'\x00' * 32 + b'Xing' + (3).to_bytes(4, 'big') + (1000).to_bytes(4, 'big')
    xing += (1_600_000).to_bytes(4, 'big')

    header = read_media_header(frames(3, first=xing))

    assert header.bitrate_bps == round((1_600_000 - FRAME_LENGTH) * 8 / (1000 * 1152 / 44_100))


def test_a_sync_pattern_inside_junk_is_not_taken_for_a_frame() -> None:
    junk = FRAME_128K + b'\x01' * 50
    header = read_media_header(id3_tag(10) + junk + frames(3))

    assert header.header_bytes == 20 + len(junk)


def test_something_that_is_not_an_mp3_has_no_bitrate() -> None:
    header = read_media_header(b'\x00\x00\x00\x20ftypM4A ' + b'\x00' * 2000)

    assert header.bitrate_bps is None
    assert header.header_bytes == 0


def test_a_truncated_tag_does_not_break_the_reader() -> None:
    assert read_media_header(b'ID3\x04\x00').header_bytes == 0
    assert read_media_header(b'').bitrate_bps is None


def test_tags_longer_than_the_probe_are_still_the_header() -> None:
    # Large cover art puts the first frame past the bytes read: no bitrate, but the header
    # is still known from the tag's declared size.
    header = read_media_header((id3_tag(400_000) + frames(3))[:PROBE_BYTES])

    assert header.header_bytes == 400_010
    assert header.bitrate_bps is None
