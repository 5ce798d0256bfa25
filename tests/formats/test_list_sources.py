import io
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from podsite.formats.list_sources import texts_by_place


def wanted(path: PurePosixPath) -> str | None:
    return path.stem if path.parts[:-1] == ('lists',) and path.suffix == '.txt' else None


def test_a_folder_gives_the_files_its_list_names_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / 'lists').mkdir()
    (tmp_path / 'lists' / 'b.txt').write_text('second')
    (tmp_path / 'lists' / 'a.txt').write_text('first')
    (tmp_path / 'lists' / 'notes.md').write_text('not the list')
    (tmp_path / 'b.txt').write_text('not in its place')
    assert texts_by_place(tmp_path, wanted) == [('a', 'first'), ('b', 'second')]


def test_an_archive_is_read_with_or_without_githubs_top_folder() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, 'w') as written:
        written.writestr('repo-main/lists/a.txt', 'from the top folder')
        written.writestr('lists/b.txt', 'at the top')
        written.writestr('repo-main/README.md', 'not the list')
    found = texts_by_place(archive.getvalue(), wanted)
    assert found == [('a', 'from the top folder'), ('b', 'at the top')]


def test_a_source_that_is_neither_folder_nor_archive_raises(tmp_path: Path) -> None:
    with pytest.raises(zipfile.BadZipFile):
        texts_by_place(b'not a zip archive', wanted)
    with pytest.raises(FileNotFoundError):
        texts_by_place(tmp_path / 'missing.zip', wanted)
