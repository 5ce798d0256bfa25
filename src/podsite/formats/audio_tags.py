"""The tags written into an episode's audio file, so that a player given the file alone
(downloaded, shared, synced) shows the episode: ID3v2.4 in an MP3, iTunes atoms in an M4A.

Title, show, author, episode and season numbers, date, the show notes as plain text, the
artwork, and for MP3 the chapters as ID3 CHAP frames under one CTOC (the ID3v2 Chapter
Frame Addendum), which Apple Podcasts, Overcast and Pocket Casts read from the file.
mutagen rewrites only the tag: an MP3's frames and an M4A's `mdat` stay byte for byte.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import lxml.html
from lxml import etree
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TPE1,
    TPOS,
    TRCK,
    WXXX,
    CTOCFlags,
    Frame,
    PictureType,
)
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, MP4Cover

AudioKind = Literal['mp3', 'm4a']
KINDS_BY_TYPE: dict[str, AudioKind] = {
    'audio/mpeg': 'mp3',
    'audio/mp3': 'mp3',
    'audio/mp4': 'm4a',
    'audio/x-m4a': 'm4a',
    'audio/aac': 'm4a',
}
KINDS_BY_EXTENSION: dict[str, AudioKind] = {'.mp3': 'mp3', '.m4a': 'm4a', '.mp4': 'm4a'}
TABLE_OF_CONTENTS_ID = 'toc'
# ID3 CHAP byte offsets: "not used, go by the times" (the addendum's value for it).
NO_OFFSET = 0xFFFFFFFF
# iTunes' media kind for a podcast episode (`stik`).
MEDIA_KIND_PODCAST = 21


class AudioTagsError(ValueError):
    """The file is not the kind of audio its episode says, or mutagen cannot read it."""


@dataclass(frozen=True)
class ChapterMark:
    start_ms: int
    end_ms: int
    title: str
    url: str = ''
    listed: bool = True
    """In the table of contents; Podcasting 2.0's `toc: false` marks one for players only."""


@dataclass(frozen=True)
class Artwork:
    data: bytes
    mime: str  # image/jpeg or image/png


@dataclass(frozen=True)
class EpisodeTags:
    title: str
    show: str
    author: str
    published_at: datetime
    description: str = ''
    episode_number: int | None = None
    season: int | None = None
    artwork: Artwork | None = None
    chapters: tuple[ChapterMark, ...] = ()


def audio_kind(media_type: str, path: Path) -> AudioKind | None:
    """MP3 or M4A by the episode's media type, else by the file's extension."""
    kind = KINDS_BY_TYPE.get(media_type.split(';')[0].strip().lower())
    return kind or KINDS_BY_EXTENSION.get(path.suffix.lower())


def plain_text(html: str) -> str:
    """Show notes as a tag holds them: the rendered HTML's text, one paragraph a line."""
    if not html.strip():
        return ''
    try:
        root = lxml.html.fragment_fromstring(html, create_parent='div')
    except etree.ParserError:
        return ''
    for block in root.iter('p', 'li', 'br', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre'):
        block.tail = '\n' + (block.tail or '')
    lines = (line.strip() for line in root.text_content().splitlines())
    return '\n'.join(line for line in lines if line)


def chapter_marks(
    document: dict[str, Any] | None, duration_seconds: int
) -> tuple[ChapterMark, ...]:
    """Podcasting 2.0 JSON chapters as ID3 chapters: each ends where the next starts (or at
    its own `endTime`, or at the end of the episode). Entries without a usable start time
    are left out, as on the episode page."""
    listed = (document or {}).get('chapters')
    starts: list[tuple[float, dict[str, Any]]] = []
    for entry in listed if isinstance(listed, list) else []:
        if not isinstance(entry, dict):
            continue
        start = _seconds(entry.get('startTime'))
        if start is not None:
            starts.append((start, entry))
    starts.sort(key=lambda pair: pair[0])
    episode_end = max(duration_seconds, int(starts[-1][0]) + 1 if starts else 0)
    marks = []
    for index, (start, entry) in enumerate(starts):
        following = starts[index + 1][0] if index + 1 < len(starts) else episode_end
        end = _seconds(entry.get('endTime'))
        end = following if end is None or end <= start else min(end, following)
        url = entry.get('url')
        marks.append(
            ChapterMark(
                start_ms=round(start * 1000),
                end_ms=max(round(end * 1000), round(start * 1000)),
                title=str(entry.get('title') or f'Chapter {index + 1}'),
                url=url if isinstance(url, str) and url.startswith(('http://', 'https://')) else '',
                listed=entry.get('toc', True) is not False,
            )
        )
    return tuple(marks)


def _seconds(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and 0 <= seconds < 2**31 / 1000 else None


def write_tags(path: Path, kind: AudioKind, tags: EpisodeTags) -> None:
    """Replaces the file's tag with these, in place; the caller works on a copy."""
    try:
        if kind == 'mp3':
            _write_id3(path, tags)
        else:
            _write_mp4(path, tags)
    except AudioTagsError:
        raise
    except Exception as error:  # mutagen's errors share no base class (MutagenError, struct)
        raise AudioTagsError(f'{type(error).__name__}: {error}') from error


def _write_id3(path: Path, tags: EpisodeTags) -> None:
    MP3(path)  # raises for a file with no MPEG audio frames: no tag is put on it
    tag = ID3()
    tag.add(TIT2(encoding=3, text=[tags.title]))
    tag.add(TALB(encoding=3, text=[tags.show]))
    if tags.author:
        tag.add(TPE1(encoding=3, text=[tags.author]))
    tag.add(TCON(encoding=3, text=['Podcast']))
    tag.add(TDRC(encoding=3, text=[tags.published_at.strftime('%Y-%m-%dT%H:%M:%S')]))
    if tags.episode_number is not None:
        tag.add(TRCK(encoding=3, text=[str(tags.episode_number)]))
    if tags.season is not None:
        tag.add(TPOS(encoding=3, text=[str(tags.season)]))
    if tags.description:
        tag.add(COMM(encoding=3, lang='eng', desc='', text=[tags.description]))
    if tags.artwork is not None:
        tag.add(
            APIC(
                encoding=3,
                mime=tags.artwork.mime,
                type=PictureType.COVER_FRONT,
                desc='Cover',
                data=tags.artwork.data,
            )
        )
    ids = [f'chp{index}' for index in range(len(tags.chapters))]
    for element_id, mark in zip(ids, tags.chapters, strict=True):
        sub_frames: list[Frame] = [TIT2(encoding=3, text=[mark.title])]
        if mark.url:
            sub_frames.append(WXXX(encoding=3, desc='', url=mark.url))
        tag.add(
            CHAP(
                element_id=element_id,
                start_time=mark.start_ms,
                end_time=mark.end_ms,
                start_offset=NO_OFFSET,
                end_offset=NO_OFFSET,
                sub_frames=sub_frames,
            )
        )
    if tags.chapters:
        tag.add(
            CTOC(
                element_id=TABLE_OF_CONTENTS_ID,
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=[
                    element_id
                    for element_id, mark in zip(ids, tags.chapters, strict=True)
                    if mark.listed
                ],
                sub_frames=[TIT2(encoding=3, text=['Chapters'])],
            )
        )
    # Saving a new tag replaces the old one whole: no frame of an earlier edit survives.
    tag.save(path, v2_version=4)


def _write_mp4(path: Path, tags: EpisodeTags) -> None:
    audio = MP4(path)
    if audio.tags is None:
        audio.add_tags()
    assert audio.tags is not None
    audio.tags.clear()
    values: dict[str, Any] = {
        '\xa9nam': [tags.title],
        '\xa9alb': [tags.show],
        '\xa9gen': ['Podcast'],
        '\xa9day': [tags.published_at.strftime('%Y-%m-%dT%H:%M:%SZ')],
        'stik': [MEDIA_KIND_PODCAST],
        'pcst': True,
    }
    if tags.author:
        values['\xa9ART'] = values['aART'] = [tags.author]
    if tags.episode_number is not None:
        values['trkn'] = [(tags.episode_number, 0)]
    if tags.season is not None:
        values['disk'] = [(tags.season, 0)]
    if tags.description:
        values['desc'] = values['\xa9cmt'] = [tags.description]
    if tags.artwork is not None:
        image_format = (
            MP4Cover.FORMAT_PNG if tags.artwork.mime == 'image/png' else MP4Cover.FORMAT_JPEG
        )
        values['covr'] = [MP4Cover(tags.artwork.data, imageformat=image_format)]
    audio.tags.update(values)
    audio.save()
