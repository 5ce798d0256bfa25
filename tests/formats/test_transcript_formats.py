"""Reading transcripts as podcasts publish them, and writing WebVTT and text back."""

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podsite.formats.transcript_formats import (
    FORMAT_BY_MEDIA_TYPE,
    FORMAT_BY_SUFFIX,
    Cue,
    ParsedTranscript,
    TranscriptFormat,
    TranscriptFormatError,
    cues_to_json,
    parse_transcript,
    render_text,
    render_vtt,
    speaker_count,
)
from podsite.schemas.catalogue import TranscriptCue

VTT = """\ufeffWEBVTT - an interview
Kind: captions

NOTE a comment
that spans lines

STYLE
::cue { color: yellow }

intro
00:00:01.000 --> 00:00:04.500 align:start position:10%
<v Robin>Welcome &amp; hello, <i>everyone</i> &lt;3.</v>

00:00:04.500 --> 00:00:09.000
<v.loud Ada Lovelace>Thanks
for <c.highlight>having</c> me.

00:00:09.000 --> 00:00:11.000
<v.first.loud Ada Lovelace>Where <00:00:10.000>shall we start?

00:10.000 --> 00:12.250
<v Robin>At the start.</v> <v Ada Lovelace>Fine!
"""


def cue_tuples(parsed: ParsedTranscript) -> list[tuple[float, float | None, str | None, str]]:
    return [(cue.start, cue.end, cue.speaker, cue.text) for cue in parsed.cues]


def parse_error(source: str, transcript_format: TranscriptFormat) -> TranscriptFormatError:
    with pytest.raises(TranscriptFormatError) as raised:
        parse_transcript(source, transcript_format=transcript_format)
    return raised.value


def test_webvtt_voices_tags_entities_and_skipped_blocks() -> None:
    parsed = parse_transcript(VTT, transcript_format='vtt')
    assert cue_tuples(parsed) == [
        (1.0, 4.5, 'Robin', 'Welcome & hello, everyone <3.'),
        (4.5, 9.0, 'Ada Lovelace', 'Thanks for having me.'),
        (9.0, 11.0, 'Ada Lovelace', 'Where shall we start?'),
        (10.0, 12.25, 'Robin', 'At the start.'),
        (10.0, 12.25, 'Ada Lovelace', 'Fine!'),
    ]
    # A speaker's consecutive cues stay separate cues but make one paragraph.
    assert parsed.text == (
        'Robin: Welcome & hello, everyone <3.\n\n'
        'Ada Lovelace: Thanks for having me. Where shall we start?\n\n'
        'Robin: At the start.\n\n'
        'Ada Lovelace: Fine!'
    )


def test_webvtt_without_blank_lines_between_cues_and_with_windows_line_ends() -> None:
    source = (
        'WEBVTT\r\n00:00:00.000 --> 00:00:01.000\r\nOne\r\n00:00:01.000 --> 00:00:02.000\r\nTwo'
    )
    assert cue_tuples(parse_transcript(source, transcript_format='vtt')) == [
        (0.0, 1.0, None, 'One'),
        (1.0, 2.0, None, 'Two'),
    ]


def test_webvtt_cues_without_words_are_dropped() -> None:
    source = (
        'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<i></i>\n\n00:00:01.000 --> 00:00:02.000\nHi\n'
    )
    assert [cue.text for cue in parse_transcript(source, transcript_format='vtt').cues] == ['Hi']


def test_srt_numbered_cues_formatting_and_speakers_named_when_the_voice_changes() -> None:
    srt = (
        '1\n00:00:00,500 --> 00:00:02,000\n<i>Travis:</i> Hi there, x < y\n\n'
        '2\n00:00:02,000 --> 00:00:03,250\n{\\an8}<font color="#fff">and more</font>\n\n'
        '3\n00:00:03,250 --> 00:00:05,000\nSarah: Bye\nfor now.\n\n'
        '4\n00:00:05,000 --> 00:00:06,000\nTravis: See you.\n\n'
        '5\n00:00:06,000 --> 00:00:07,000\nSarah: Bye.\n'
    )
    parsed = parse_transcript(srt, transcript_format='srt')
    assert cue_tuples(parsed) == [
        (0.5, 2.0, 'Travis', 'Hi there, x < y'),
        (2.0, 3.25, 'Travis', 'and more'),
        (3.25, 5.0, 'Sarah', 'Bye for now.'),
        (5.0, 6.0, 'Travis', 'See you.'),
        (6.0, 7.0, 'Sarah', 'Bye.'),
    ]
    assert parsed.text.split('\n\n')[:2] == [
        'Travis: Hi there, x < y and more',
        'Sarah: Bye for now.',
    ]


def test_timestamped_text_lines_paragraphs_and_what_comes_before_the_first_stamp() -> None:
    text = (
        'Episode 12, as spoken\n\n'
        '00:00:00 Hello and welcome.\n'
        '00:00:04 A line of its own.\n\n'
        '[01:05] Second part\ncontinues here.\n\n'
        'Loose words.\n\n'
        '1:02:03.5 An hour in.'
    )
    parsed = parse_transcript(text, transcript_format='text')
    assert cue_tuples(parsed) == [
        (0.0, 0.0, None, 'Episode 12, as spoken'),
        (0.0, 4.0, None, 'Hello and welcome.'),
        (4.0, 65.0, None, 'A line of its own.'),
        (65.0, 3723.5, None, 'Second part continues here. Loose words.'),
        (3723.5, None, None, 'An hour in.'),
    ]


def test_timestamped_text_speakers_are_names_that_recur() -> None:
    text = (
        '00:00:01 Joe Pyshko: Thank you.\n\n'
        '00:00:03 Note: this part was cut.\n\n'
        '00:00:05 Mido and Mido: Yes.\n\n'
        '00:00:06 Mido and Mido: Okay.\n\n'
        '00:00:07 Guido van Rossum: Hello.\n\n'
        '00:00:08 Joe Pyshko: Exactly.\n\n'
        '00:00:09 Guido van Rossum: Indeed.\n\n'
        '00:00:10 And back to the host.\n\n'
        '00:00:12 BBC Micro: a computer, named once.'
    )
    parsed = parse_transcript(text, transcript_format='text')
    assert [(cue.speaker, cue.text) for cue in parsed.cues] == [
        ('Joe Pyshko', 'Thank you.'),
        (None, 'Note: this part was cut.'),
        (None, 'Mido and Mido: Yes.'),
        (None, 'Mido and Mido: Okay.'),
        ('Guido van Rossum', 'Hello.'),
        ('Joe Pyshko', 'Exactly.'),
        ('Guido van Rossum', 'Indeed.'),
        (None, 'And back to the host.'),
        (None, 'BBC Micro: a computer, named once.'),
    ]
    assert parsed.text.startswith('Joe Pyshko: Thank you.\n\nNote: this part was cut.')


def test_timestamps_that_go_back_in_time_leave_the_end_unknown() -> None:
    source = '00:28:23 One.\n\n00:28:17 Two.\n\n00:28:30 Three.'
    parsed = parse_transcript(source, transcript_format='text')
    assert [(cue.start, cue.end) for cue in parsed.cues] == [
        (1703.0, None),
        (1697.0, 1710.0),
        (1710.0, None),
    ]


def test_text_without_timestamps_stays_plain() -> None:
    untimed = parse_transcript(
        'Just words.\r\n\r\n\r\n10:30 was too late to start.\nMore words.  \n\nEnd.',
        transcript_format='text',
    )
    assert untimed.cues == []
    assert untimed.text == 'Just words.\n\n10:30 was too late to start.\nMore words.\n\nEnd.'


def test_vertical_tabs_and_form_feeds_are_left_out_not_taken_for_binary_data() -> None:
    parsed = parse_transcript(
        'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nSoft\x0bbreak\x0c and \ufffeodd\n',
        transcript_format='vtt',
    )
    assert [cue.text for cue in parsed.cues] == ['Softbreak and odd']
    assert parsed.text == 'Softbreak and odd'


@pytest.mark.parametrize(
    ('source', 'transcript_format', 'line', 'message'),
    [
        ('', 'vtt', 1, 'the transcript is empty'),
        ('\ufeff  \n\n', 'text', 1, 'the transcript is empty'),
        ('00:00:01.000 --> 00:00:02.000\nno header', 'vtt', 1, 'must start with "WEBVTT"'),
        ('WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nx', 'vtt', 1, 'must start with "WEBVTT"'),
        (
            'WEBVTT\n\n00:00:0x.000 --> 00:00:02.000\nbroken',
            'vtt',
            3,
            'cue timing "00:00:0x.000 --> 00:00:02.000" is not a valid timestamp',
        ),
        ('WEBVTT\n\n00:00:01.000 --> \nno end', 'vtt', 3, 'is not a valid timestamp'),
        ('WEBVTT\n\n00:61:01.000 --> 00:62:00.000\nx', 'vtt', 3, 'is not a valid timestamp'),
        ('WEBVTT\n\nintro\njust words\n', 'vtt', 4, 'expected a cue timing'),
        ('1\nno timing at all\n', 'srt', 2, 'expected a cue timing like "00:00:01,000 --> '),
        ('1\n00:00:01,000 --> 00:00:02,000\nok\n\nstray words\n', 'srt', 5, 'expected a cue'),
        ('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\x00\x01binary', 'vtt', 4, 'U+0000'),
        ('00:00:00 fine\n00:00:01 \x1b[31mterminal colours', 'text', 2, 'binary data'),
    ],
)
def test_bad_transcripts_are_refused_with_their_line(
    source: str, transcript_format: TranscriptFormat, line: int, message: str
) -> None:
    error = parse_error(source, transcript_format)
    assert error.line == line
    assert str(error).startswith(f'line {line}: ')
    assert message in str(error)


@pytest.mark.parametrize('source', ['WEBVTT\n', 'WEBVTT\n\nNOTE only a note\n'])
def test_webvtt_without_cues_is_refused(source: str) -> None:
    error = parse_error(source, 'vtt')
    assert error.line is None
    assert str(error) == 'no cues: expected cue timings like "00:00:01.000 --> 00:00:04.000"'


def test_webvtt_written_out_reads_back_the_same() -> None:
    parsed = parse_transcript(VTT, transcript_format='vtt')
    assert parse_transcript(render_vtt(parsed.cues), transcript_format='vtt').cues == parsed.cues


def test_webvtt_gives_cues_without_an_end_the_next_start_or_five_seconds() -> None:
    cues = [Cue(start=0, text='a'), Cue(start=3, text='b'), Cue(start=3, text='c')]
    written = parse_transcript(render_vtt(cues), transcript_format='vtt')
    assert [(cue.start, cue.end) for cue in written.cues] == [(0.0, 3.0), (3.0, 8.0), (3.0, 8.0)]
    assert render_vtt([]) == 'WEBVTT\n'


cue_text = st.text(st.characters(exclude_categories=['Cc', 'Cs']), min_size=1).map(
    lambda text: ' '.join(text.split())
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 10 * 3600 * 1000),
            st.integers(0, 600_000),
            st.none() | cue_text,
            cue_text,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_cues_survive_a_webvtt_round_trip(
    generated: list[tuple[int, int, str | None, str]],
) -> None:
    cues = [
        Cue(start=start / 1000, end=(start + length) / 1000, speaker=speaker or None, text=text)
        for start, length, speaker, text in generated
        if text
    ]
    if not cues:
        return
    assert parse_transcript(render_vtt(cues), transcript_format='vtt').cues == cues


def test_text_rendering_has_a_timestamp_per_paragraph() -> None:
    parsed = parse_transcript(VTT, transcript_format='vtt')
    assert render_text(parsed).split('\n\n')[:2] == [
        '[00:00:01] Robin: Welcome & hello, everyone <3.',
        '[00:00:04] Ada Lovelace: Thanks for having me. Where shall we start?',
    ]
    assert render_text(ParsedTranscript(text='Plain.\n', cues=[])) == 'Plain.\n'
    # What podsite writes as text, it reads back with the same speakers and moments.
    again = parse_transcript(render_text(parsed), transcript_format='text')
    assert [(c.start, c.speaker) for c in again.cues] == [
        (1.0, 'Robin'),
        (4.0, 'Ada Lovelace'),
        (10.0, 'Robin'),
        (10.0, 'Ada Lovelace'),
    ]


def test_cues_as_the_database_stores_them() -> None:
    cues = parse_transcript(VTT, transcript_format='vtt').cues
    stored = cues_to_json(cues)
    assert stored[0] == {'start': 1.0, 'end': 4.5, 'speaker': 'Robin', 'text': cues[0].text}
    assert stored_cues(stored) == cues
    assert stored_cues(None) == []


def test_formats_by_suffix_and_media_type() -> None:
    assert FORMAT_BY_SUFFIX == {
        '.txt': 'text', '.vtt': 'vtt', '.srt': 'srt', '.md': 'markdown', '.markdown': 'markdown'
    }  # fmt: skip
    assert FORMAT_BY_MEDIA_TYPE['text/markdown'] == 'markdown'
    assert FORMAT_BY_MEDIA_TYPE['text/vtt'] == 'vtt'
    assert FORMAT_BY_MEDIA_TYPE['application/x-subrip'] == 'srt'
    assert FORMAT_BY_MEDIA_TYPE['text/plain'] == 'text'
    assert 'application/json' not in FORMAT_BY_MEDIA_TYPE


def test_every_real_transcript_parses(shared_data: Path) -> None:
    folder = shared_data / 'talkpython-transcripts' / 'transcripts'
    files = sorted(path for path in folder.rglob('*') if path.suffix in {'.vtt', '.txt'})
    assert len(files) > 1000
    failures = []
    for path in files:
        try:
            parsed = parse_transcript(
                path.read_text('utf-8'), transcript_format=FORMAT_BY_SUFFIX[path.suffix]
            )
        except TranscriptFormatError as error:
            failures.append(f'{path.name}: {error}')
            continue
        if not parsed.cues or not parsed.text:
            failures.append(f'{path.name}: no cues')
    assert failures == []


def test_real_timestamped_text_reads_like_its_webvtt(shared_data: Path) -> None:
    folder = shared_data / 'talkpython-transcripts' / 'transcripts'
    name = '005_mike_bayer_SQLAlchemy_and_data_access_in_Python'
    text = parse_transcript((folder / f'{name}.txt').read_text('utf-8'), transcript_format='text')
    vtt = parse_transcript((folder / f'{name}.vtt').read_text('utf-8'), transcript_format='vtt')
    assert text.cues[2] == Cue(start=40.0, end=41.0, text='This is your host, Michael Kennedy.')
    assert vtt.cues[3].text == 'This is your host, Michael Kennedy.'
    assert text.text.split()[:40] == vtt.text.split()[:40]


def test_podcasting_2_0_srt_example(shared_data: Path) -> None:
    path = shared_data / 'podcast-namespace' / 'transcripts-example.srt'
    parsed = parse_transcript(path.read_text('utf-8'), transcript_format='srt')
    assert len(parsed.cues) == 222
    assert parsed.cues[0].start == 0.179
    assert parsed.cues[-1].end == 754.769
    assert {cue.speaker for cue in parsed.cues} == {'Travis', 'Sarah', 'Gilon'}
    first_turn = parsed.text.split('\n\n')[0]
    assert first_turn.startswith("Travis: When you first get started in podcasting, it's almost")
    assert first_turn.endswith('that much faster')


def test_podcasting_2_0_webvtt_example(shared_data: Path) -> None:
    path = shared_data / 'podcast-namespace' / 'transcripts-example.vtt'
    parsed = parse_transcript(path.read_text('utf-8'), transcript_format='vtt')
    assert [cue.speaker for cue in parsed.cues] == ['Sarah'] * 5 + ['Gillian'] * 2
    assert 'Welcome to Podcasting Q&A, where' in parsed.text
    assert parsed.text.count('\n\n') == 1


def stored_cues(stored: list[dict[str, Any]] | None) -> list[TranscriptCue]:
    """Cues as the database keeps them (JSON), read back."""
    return [TranscriptCue.model_validate(cue) for cue in stored or []]


def test_a_cue_that_ends_before_it_starts_is_repaired_and_the_rest_is_read() -> None:
    cues = [f'00:00:{n:02d}.000 --> 00:00:{n + 1:02d}.000\nCue {n}.' for n in range(0, 40, 2)]
    cues[7] = '00:00:14.000 --> 00:00:11.500\nCue 14.'
    parsed = parse_transcript('WEBVTT\n\n' + '\n\n'.join(cues), transcript_format='vtt')
    assert len(parsed.cues) == 20
    assert (parsed.cues[7].start, parsed.cues[7].end, parsed.cues[7].text) == (
        14.0,
        None,
        'Cue 14.',
    )
    (warning,) = parsed.warnings
    assert warning.startswith('line 24: cue timing "00:00:14.000 --> 00:00:11.500" ends before')
    # Written out again, it runs to the next cue.
    assert '00:00:14.000 --> 00:00:16.000\nCue 14.' in render_vtt(parsed.cues)


def test_caption_speaker_changes_become_turns_never_escaped_markers() -> None:
    source = (
        'WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n>> Welcome to the show.\n\n'
        '00:00:03.000 --> 00:00:05.000\nGlad you are here. >> Thanks for\n\n'
        '00:00:05.000 --> 00:00:07.000\nhaving me.\n'
    )
    parsed = parse_transcript(source, transcript_format='vtt')
    assert [(c.text, c.new_turn) for c in parsed.cues] == [
        ('Welcome to the show.', True),
        ('Glad you are here.', False),
        ('Thanks for', True),
        ('having me.', False),
    ]
    assert parsed.text == 'Welcome to the show. Glad you are here.\n\nThanks for having me.'
    written = render_vtt(parsed.cues)
    assert '&gt;' not in written and '>> Thanks for' in written
    assert parse_transcript(written, transcript_format='vtt').cues == parsed.cues
    assert '&gt;' not in render_text(parsed)
    # Stored cues carry the mark only where it is set.
    assert cues_to_json(parsed.cues)[1] == {
        'start': 3.0, 'end': 5.0, 'speaker': None, 'text': 'Glad you are here.'
    }  # fmt: skip


def test_a_speaker_change_with_a_name_names_the_speaker(shared_data: Path) -> None:
    srt = (
        '1\n00:00:00,000 --> 00:00:01,000\n>> Ada: Hello.\n\n'
        '2\n00:00:01,000 --> 00:00:02,000\nand welcome.\n\n'
        '3\n00:00:02,000 --> 00:00:03,000\n>> Hi!\n\n'
        '4\n00:00:03,000 --> 00:00:04,000\n>> Ada: Bye.\n'
    )
    parsed = parse_transcript(srt, transcript_format='srt')
    assert [(c.speaker, c.text) for c in parsed.cues] == [
        ('Ada', 'Hello.'), ('Ada', 'and welcome.'), (None, 'Hi!'), ('Ada', 'Bye.')
    ]  # fmt: skip
    real = shared_data / 'talkpython-transcripts' / 'transcripts'
    for path in real.glob('49[4-7]-*.vtt'):
        source = path.read_text('utf-8')
        flet = parse_transcript(source, transcript_format='vtt')
        assert sum(cue.new_turn for cue in flet.cues) == source.count('>>') > 5, path.name
        assert not any('>>' in cue.text for cue in flet.cues), path.name
        assert '&gt;' not in flet.text


MARKDOWN = """# Episode 12: Moving house

**Ada Lovelace:** Welcome, everyone. See [our notes](https://example.org/12)
for the links.

**Grace Hopper**: Thanks, Ada. I watched M*A*S*H with @_grace_ fans.

A paragraph nobody is named for.

**Ada Lovelace:** Bye!
"""


def test_markdown_transcripts_with_bold_speaker_names() -> None:
    parsed = parse_transcript(MARKDOWN, transcript_format='markdown')
    assert parsed.cues == []
    assert parsed.text.split('\n\n') == [
        'Episode 12: Moving house',
        'Ada Lovelace: Welcome, everyone. See our notes for the links.',
        'Grace Hopper: Thanks, Ada. I watched M*A*S*H with @_grace_ fans.',
        'A paragraph nobody is named for.',
        'Ada Lovelace: Bye!',
    ]
    assert speaker_count(MARKDOWN, 'markdown') == 3


def test_markdown_transcripts_with_a_time_per_turn_are_timed() -> None:
    source = '**Ada** [00:00:05]: Hello.\n\n**Grace** (01:02:03): Hi.\n\n**Ada** [1:02:10]: Bye.'
    parsed = parse_transcript(source, transcript_format='markdown')
    assert [(c.start, c.speaker, c.text) for c in parsed.cues] == [
        (5.0, 'Ada', 'Hello.'), (3723.0, 'Grace', 'Hi.'), (3730.0, 'Ada', 'Bye.')
    ]  # fmt: skip


def test_speaker_names_are_counted_in_every_format() -> None:
    assert speaker_count(VTT, 'vtt') == 5
    assert speaker_count('WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n', 'vtt') == 0
    text = '00:00:01 Ada: Hi.\n\n00:00:02 Bo: Hey.\n\n00:00:03 Ada: Bye.\n\n00:00:04 Bo: Bye.'
    assert speaker_count(text, 'text') == 4
    assert speaker_count('00:00:01 Note: one label is prose.\n', 'text') == 0
