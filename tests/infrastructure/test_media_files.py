"""Stored audio on disk: a replaced file is kept for the stated days, then deleted; a
deleted episode's files go at once; a name from an older feed finds only its episode's."""

import time
from pathlib import Path

from podsite.infrastructure.media_files import (
    RETIRED_KEEP_DAYS,
    remove_episode_files,
    remove_retired,
    retire_file,
    retired_file,
    stored_name,
)

OLD = stored_name(number=7, slug='seven', digest='a' * 64, extension='mp3')
OTHER = stored_name(number=8, slug='eight', digest='b' * 64, extension='mp3')


def test_a_stored_name_changes_with_the_content() -> None:
    assert OLD == '7-seven-aaaaaaaaaa.mp3'
    assert stored_name(number=7, slug='seven', digest='c' * 64, extension='mp3') != OLD


def test_a_retired_file_is_kept_for_the_stated_days_then_deleted(tmp_path: Path) -> None:
    (tmp_path / OLD).write_bytes(b'old audio')
    retire_file(tmp_path, OLD)
    assert not (tmp_path / OLD).exists()
    assert retired_file(tmp_path, 7, OLD) == tmp_path / 'retired' / OLD
    assert retired_file(tmp_path, 8, OLD) is None  # another episode's URL cannot reach it
    assert retired_file(tmp_path, 7, '../7-seven-aaaaaaaaaa.mp3') is None
    now = time.time()
    assert remove_retired(tmp_path, now=now + (RETIRED_KEEP_DAYS - 1) * 86400) == []
    assert remove_retired(tmp_path, now=now + (RETIRED_KEEP_DAYS + 1) * 86400) == [OLD]
    assert retired_file(tmp_path, 7, OLD) is None


def test_retiring_a_file_that_is_gone_does_nothing(tmp_path: Path) -> None:
    retire_file(tmp_path, OLD)
    assert list(tmp_path.iterdir()) == []


def test_a_deleted_episode_takes_its_kept_files_and_no_others(tmp_path: Path) -> None:
    current = stored_name(number=7, slug='seven', digest='d' * 64, extension='mp3')
    for name in (OLD, OTHER, current):
        (tmp_path / name).write_bytes(b'audio')
    retire_file(tmp_path, OLD)
    retire_file(tmp_path, OTHER)
    removed = remove_episode_files(tmp_path, number=7, name=current)
    assert sorted(removed) == sorted([current, f'retired/{OLD}'])
    assert sorted(p.name for p in tmp_path.rglob('*') if p.is_file()) == [OTHER]
