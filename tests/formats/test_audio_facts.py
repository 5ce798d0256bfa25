"""Reading an uploaded file: what it is comes from its bytes, and a file that is not
publishable audio is refused with what is wrong with it."""

from pathlib import Path

import pytest

from podsite.formats.audio_facts import AudioFileError, claimed_format, read_audio_facts
from tests.audio import SECONDS, AudioSamples


def test_a_constant_bitrate_mp3_is_read_exactly(audio: AudioSamples) -> None:
    facts = read_audio_facts(audio.mp3_cbr, claimed='mp3')
    assert facts.format == 'mp3' and facts.media_type == 'audio/mpeg'
    assert facts.size_bytes == audio.mp3_cbr.stat().st_size
    assert facts.bitrate_bps == 64_000
    assert (facts.sample_rate_hz, facts.channels) == (44_100, 1)
    assert facts.whole_seconds == SECONDS
    assert facts.header_bytes > 10  # the ID3 tag with the title


def test_a_variable_bitrate_mp3_gives_its_average_bitrate(audio: AudioSamples) -> None:
    facts = read_audio_facts(audio.mp3_vbr, claimed='mp3')
    assert facts.channels == 2
    assert facts.whole_seconds == SECONDS
    expected = audio.mp3_vbr.stat().st_size * 8 / SECONDS
    assert abs(facts.bitrate_bps - expected) / expected < 0.1


def test_an_m4a_is_read_as_aac_audio(audio: AudioSamples) -> None:
    facts = read_audio_facts(audio.m4a, claimed='m4a')
    assert (facts.format, facts.media_type) == ('m4a', 'audio/x-m4a')
    assert (facts.sample_rate_hz, facts.channels) == (48_000, 2)
    assert facts.whole_seconds == SECONDS
    assert 80_000 < facts.bitrate_bps < 110_000


def test_without_a_claim_the_bytes_decide(audio: AudioSamples) -> None:
    assert read_audio_facts(audio.m4a, claimed=None).format == 'm4a'
    assert read_audio_facts(audio.mp3_vbr, claimed=None).format == 'mp3'


@pytest.mark.parametrize(
    ('sample', 'claimed', 'message'),
    [
        ('truncated_mp3', 'mp3', 'The MP3 is cut short'),
        ('truncated_m4a', 'm4a', 'The M4A file is cut short'),
        ('png_named_mp3', 'mp3', 'The file is a PNG image, not MP3 or M4A audio.'),
        ('mp3_named_m4a', 'm4a', 'The file is MP3 audio but its name or type says M4A'),
    ],
)
def test_broken_and_lying_files_are_refused_with_the_reason(
    audio: AudioSamples, sample: str, claimed: str, message: str
) -> None:
    with pytest.raises(AudioFileError, match=message):
        read_audio_facts(getattr(audio, sample), claimed=claimed)  # type: ignore[arg-type]


def test_text_and_empty_files_are_not_audio(tmp_path: Path) -> None:
    text = tmp_path / 'notes.mp3'
    text.write_text('Show notes, not audio.\n' * 200)
    with pytest.raises(AudioFileError, match='not MP3 or M4A audio'):
        read_audio_facts(text, claimed='mp3')
    empty = tmp_path / 'empty.mp3'
    empty.write_bytes(b'')
    with pytest.raises(AudioFileError, match='empty'):
        read_audio_facts(empty, claimed='mp3')


@pytest.mark.parametrize(
    ('filename', 'content_type', 'claimed'),
    [
        ('Episode 12.MP3', '', 'mp3'),
        ('episode.m4a', 'application/octet-stream', 'm4a'),
        ('episode', 'audio/mpeg', 'mp3'),
        ('episode.wav', 'audio/wav', None),
    ],
)
def test_the_claimed_format_comes_from_the_name_then_the_type(
    filename: str, content_type: str, claimed: str | None
) -> None:
    assert claimed_format(filename, content_type) == claimed
