"""Tags written into real MP3 (CBR and VBR) and M4A files read back as players read them,
chapters included, while the audio bytes stay exactly as they were."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp4 import MP4, MP4Cover

from podsite.formats.audio_tags import (
    Artwork,
    AudioTagsError,
    ChapterMark,
    EpisodeTags,
    audio_kind,
    chapter_marks,
    plain_text,
    write_tags,
)
from tests.audio import audio_hash
from tests.formats.test_artwork import artwork_image, encoded

CHAPTERS = (
    ChapterMark(start_ms=0, end_ms=1500, title='Welcome'),
    ChapterMark(start_ms=1500, end_ms=3200, title='The sponsor', url='https://sponsor.example/'),
    ChapterMark(start_ms=3200, end_ms=5000, title='Hidden marker', listed=False),
)


@pytest.fixture(scope='module')
def cover() -> Artwork:
    return Artwork(data=encoded(artwork_image(1400), 'JPEG'), mime='image/jpeg')


@pytest.fixture
def tags(cover: Artwork) -> EpisodeTags:
    return EpisodeTags(
        title='Episode 42: Tagging files',
        show='The Traceback',
        author='Robin Calloway',
        published_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        description='What tags are for.\nAnd where players look.',
        episode_number=42,
        season=3,
        artwork=cover,
        chapters=CHAPTERS,
    )


def sample_copy(audio_samples: dict[str, Path], kind: str, folder: Path) -> Path:
    source = audio_samples[kind]
    target = folder / source.name
    shutil.copyfile(source, target)
    return target


@pytest.mark.parametrize('kind', ['cbr', 'vbr'])
def test_mp3_gets_every_frame_and_keeps_its_audio(
    audio_samples: dict[str, Path], tmp_path: Path, tags: EpisodeTags, cover: Artwork, kind: str
) -> None:
    path = sample_copy(audio_samples, kind, tmp_path)
    before = audio_hash(path)
    write_tags(path, 'mp3', tags)
    tag = ID3(path)
    assert tag.version == (2, 4, 0)
    assert tag['TIT2'].text == ['Episode 42: Tagging files']
    assert tag['TALB'].text == ['The Traceback']
    assert tag['TPE1'].text == ['Robin Calloway']
    assert tag['TRCK'].text == ['42']
    assert tag['TPOS'].text == ['3']
    assert str(tag['TDRC'].text[0]) == '2026-12-01 09:30:00'  # mutagen's way to show it
    assert b'2026-12-01T09:30:00' in path.read_bytes()  # ID3v2.4's way to store it
    assert tag.getall('COMM')[0].text == ['What tags are for.\nAnd where players look.']
    (picture,) = tag.getall('APIC')
    assert (picture.mime, picture.type, picture.data) == ('image/jpeg', 3, cover.data)
    chapters = sorted(tag.getall('CHAP'), key=lambda frame: frame.start_time)
    assert [(c.element_id, c.start_time, c.end_time) for c in chapters] == [
        ('chp0', 0, 1500),
        ('chp1', 1500, 3200),
        ('chp2', 3200, 5000),
    ]
    assert [c.sub_frames['TIT2'].text[0] for c in chapters] == [
        'Welcome',
        'The sponsor',
        'Hidden marker',
    ]
    assert chapters[1].sub_frames.getall('WXXX')[0].url == 'https://sponsor.example/'
    assert not chapters[0].sub_frames.getall('WXXX')
    (toc,) = tag.getall('CTOC')
    assert toc.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    assert toc.child_element_ids == ['chp0', 'chp1']  # the marker is not listed
    assert audio_hash(path) == before


@pytest.mark.parametrize('kind', ['cbr', 'vbr'])
def test_retagging_replaces_the_old_tag_and_leaves_the_audio(
    audio_samples: dict[str, Path], tmp_path: Path, tags: EpisodeTags, kind: str
) -> None:
    path = sample_copy(audio_samples, kind, tmp_path)
    before = audio_hash(path)
    write_tags(path, 'mp3', tags)
    edited = EpisodeTags(
        title='Renamed', show='The Traceback', author='', published_at=tags.published_at
    )
    write_tags(path, 'mp3', edited)
    tag = ID3(path)
    assert tag['TIT2'].text == ['Renamed']
    for gone in ('CHAP', 'CTOC', 'APIC', 'TRCK', 'TPOS', 'COMM', 'TPE1'):
        assert not tag.getall(gone), gone
    assert audio_hash(path) == before


def test_m4a_gets_its_atoms_and_keeps_its_audio(
    audio_samples: dict[str, Path], tmp_path: Path, tags: EpisodeTags, cover: Artwork
) -> None:
    path = sample_copy(audio_samples, 'm4a', tmp_path)
    before = audio_hash(path)
    write_tags(path, 'm4a', tags)
    atoms = MP4(path).tags
    assert atoms is not None
    assert atoms['\xa9nam'] == ['Episode 42: Tagging files']
    assert atoms['\xa9alb'] == ['The Traceback']
    assert atoms['\xa9ART'] == ['Robin Calloway']
    assert atoms['trkn'] == [(42, 0)]
    assert atoms['disk'] == [(3, 0)]
    assert atoms['\xa9day'] == ['2026-12-01T09:30:00Z']
    assert atoms['desc'] == ['What tags are for.\nAnd where players look.']
    assert atoms['stik'] == [21]
    (picture,) = atoms['covr']
    assert bytes(picture) == cover.data
    assert picture.imageformat == MP4Cover.FORMAT_JPEG
    assert audio_hash(path) == before
    write_tags(
        path, 'm4a', EpisodeTags(title='Again', show='S', author='', published_at=tags.published_at)
    )
    again = MP4(path).tags
    assert again is not None and 'covr' not in again and again['\xa9nam'] == ['Again']
    assert audio_hash(path) == before


def test_a_file_that_is_not_audio_is_refused_untouched(tmp_path: Path, tags: EpisodeTags) -> None:
    path = tmp_path / 'notes.mp3'
    path.write_bytes(b'These are show notes, saved under the wrong name.\n' * 20)
    original = path.read_bytes()
    for kind in ('mp3', 'm4a'):
        with pytest.raises(AudioTagsError):
            write_tags(path, kind, tags)  # type: ignore[arg-type]
        assert path.read_bytes() == original


def test_an_mp3_is_not_tagged_as_m4a(
    audio_samples: dict[str, Path], tmp_path: Path, tags: EpisodeTags
) -> None:
    path = sample_copy(audio_samples, 'cbr', tmp_path)
    original = path.read_bytes()
    with pytest.raises(AudioTagsError):
        write_tags(path, 'm4a', tags)
    assert path.read_bytes() == original


def test_chapters_end_where_the_next_begins() -> None:
    document = {
        'version': '1.2.0',
        'chapters': [
            {'startTime': 60, 'title': 'Second', 'url': 'https://example.com/2'},
            {'startTime': 0, 'title': 'First', 'endTime': 30},
            {'startTime': 'soon', 'title': 'Unreadable start'},
            {'startTime': 120.5, 'toc': False, 'url': 'javascript:alert(1)'},
            'not a chapter',
        ],
    }
    assert chapter_marks(document, duration_seconds=300) == (
        ChapterMark(start_ms=0, end_ms=30_000, title='First'),
        ChapterMark(start_ms=60_000, end_ms=120_500, title='Second', url='https://example.com/2'),
        ChapterMark(start_ms=120_500, end_ms=300_000, title='Chapter 3', listed=False),
    )


@pytest.mark.parametrize(
    'document', [None, {}, {'chapters': 'none'}, {'chapters': [{'startTime': float('nan')}]}]
)
def test_no_usable_chapters_means_none(document: dict[str, object] | None) -> None:
    assert chapter_marks(document, duration_seconds=60) == ()


def test_a_chapter_past_the_stated_duration_still_has_a_length() -> None:
    (mark,) = chapter_marks({'chapters': [{'startTime': 90, 'title': 'Late'}]}, 60)
    assert mark.end_ms > mark.start_ms == 90_000


def test_show_notes_become_plain_text() -> None:
    html = '<h2>Links</h2><ul><li><a href="https://a.example">A &amp; B</a></li><li>C</li></ul>'
    assert plain_text(html + '<p>Thanks<br>for listening</p>') == (
        'Links\nA & B\nC\nThanks\nfor listening'
    )
    assert plain_text('') == ''


def test_the_kind_comes_from_the_type_then_the_extension() -> None:
    assert audio_kind('audio/mpeg', Path('x.bin')) == 'mp3'
    assert audio_kind('audio/x-m4a', Path('x.mp3')) == 'm4a'
    assert audio_kind('application/octet-stream', Path('x.M4A')) == 'm4a'
    assert audio_kind('audio/ogg', Path('x.ogg')) is None
