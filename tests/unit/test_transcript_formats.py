"""Reading transcripts as podcasts publish them, and writing WebVTT and text back."""

from pathlib import Path

import pytest

from podsite.services.transcript_formats import (
    FORMAT_BY_SUFFIX,
    ParsedTranscript,
    TranscriptFormatError,
    parse_transcript,
    render_text,
    render_vtt,
)

VTT = """\ufeffWEBVTT

NOTE a comment
that spans lines

intro
00:00:01.000 --> 00:00:04.500 align:start
<v Robin>Welcome &amp; hello, <i>everyone</i>.

00:00:04.500 --> 00:00:09.000
<v.loud Ada>Thanks
for having me.
"""


def test_webvtt_cues_speakers_tags_and_entities() -> None:
    parsed = parse_transcript(VTT, transcript_format='vtt')
    assert [(c.start, c.end, c.speaker, c.text) for c in parsed.cues] == [
        (1.0, 4.5, 'Robin', 'Welcome & hello, everyone.'),
        (4.5, 9.0, 'Ada', 'Thanks for having me.'),
    ]
    assert parsed.text == 'Robin: Welcome & hello, everyone.\n\nAda: Thanks for having me.'


def test_srt_and_timestamped_text() -> None:
    srt = (
        '1\n00:00:00,500 --> 00:00:02,000\n<i>Hi</i> there\n\n'
        '2\n00:00:02,000 --> 00:00:03,250\nBye\n'
    )
    assert [c.text for c in parse_transcript(srt, transcript_format='srt').cues] == [
        'Hi there',
        'Bye',
    ]
    text = '00:00:00 Hello and welcome.\n\n00:01:05 Second part\ncontinues here.\n\nLoose words.'
    parsed = parse_transcript(text, transcript_format='text')
    assert [(c.start, c.end, c.text) for c in parsed.cues] == [
        (0.0, 65.0, 'Hello and welcome.'),
        (65.0, None, 'Second part continues here. Loose words.'),
    ]
    untimed = parse_transcript('Just words.\n\nMore words.', transcript_format='text')
    assert untimed.cues == [] and untimed.text == 'Just words.\n\nMore words.'


@pytest.mark.parametrize(
    ('source', 'transcript_format', 'line'),
    [
        ('', 'vtt', None),
        ('   \n\n', 'text', None),
        ('00:00:01.000 --> 00:00:02.000\nno header', 'vtt', 1),
        ('WEBVTT\n\n00:00:0x.000 --> 00:00:02.000\nbroken', 'vtt', 3),
        ('WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nbackwards', 'vtt', 3),
        ('1\nno timing at all\n', 'srt', None),
        ('WEBVTT\n\x00\x01binary', 'vtt', None),
    ],
)
def test_bad_transcripts_are_refused_with_their_line(
    source: str, transcript_format: str, line: int | None
) -> None:
    with pytest.raises(TranscriptFormatError) as raised:
        parse_transcript(source, transcript_format=transcript_format)  # type: ignore[arg-type]
    assert raised.value.line == line
    if line is not None:
        assert str(raised.value).startswith(f'line {line}: ')


def test_webvtt_written_out_reads_back_the_same() -> None:
    parsed = parse_transcript(VTT, transcript_format='vtt')
    assert parse_transcript(render_vtt(parsed.cues), transcript_format='vtt').cues == parsed.cues
    assert render_text(parsed).startswith('[00:00:01] Robin: Welcome & hello, everyone.')
    assert render_text(ParsedTranscript(text='Plain.', cues=[])) == 'Plain.\n'


def test_real_transcripts_all_parse(shared_data: Path) -> None:
    folder = shared_data / 'talkpython-transcripts' / 'transcripts'
    failures = []
    files = [p for p in folder.rglob('*') if p.suffix in FORMAT_BY_SUFFIX]
    assert len(files) > 1000
    for path in files:
        try:
            parsed = parse_transcript(
                path.read_text('utf-8'), transcript_format=FORMAT_BY_SUFFIX[path.suffix]
            )
        except TranscriptFormatError as error:
            failures.append(f'{path.name}: {error}')
            continue
        if not parsed.cues:
            failures.append(f'{path.name}: no cues')
    assert failures == []


@pytest.mark.parametrize(('name', 'cues'), [('transcripts-example.srt', 222),
                                             ('transcripts-example.vtt', 7)])  # fmt: skip
def test_podcasting_2_0_examples(shared_data: Path, name: str, cues: int) -> None:
    path = shared_data / 'podcast-namespace' / name
    parsed = parse_transcript(
        path.read_text('utf-8'), transcript_format=FORMAT_BY_SUFFIX[path.suffix]
    )
    assert len(parsed.cues) == cues
