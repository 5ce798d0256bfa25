"""Recording on the request path only appends to the spool: nothing here touches a
database."""

import contextlib
from pathlib import Path

from podsite.services.analytics.recording import Recorder, spool_folder
from tests.databases import settings_for

FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'
BOT = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)'


def recorder(folder: Path, *, enabled: bool = True) -> Recorder:
    return Recorder(context=contextlib.nullcontext, enabled=enabled, spool_folder=folder)


def test_a_page_view_is_queued_as_one_impression_of_each_placement(tmp_path: Path) -> None:
    recording = recorder(tmp_path)

    recording.record_impressions([3, 5], FIREFOX)

    assert recording.impressions.pending == 1


def test_a_pages_views_are_added_up_in_memory_not_spooled_one_by_one(tmp_path: Path) -> None:
    recording = recorder(tmp_path)

    for _ in range(1000):
        recording.record_impressions([3, 5], FIREFOX)
    recording.record_impressions([7], FIREFOX)

    assert recording.impressions.pending == 2
    assert recording.impressions.spool.unsealed == 0
    taken = recording.impression_tally.take()
    assert sorted((event.placement_ids, event.views) for event in taken) == [
        ([3, 5], 1000),
        ([7], 1),
    ]
    assert recording.impressions.pending == 0


def test_bots_and_pages_without_sponsors_record_no_impression(tmp_path: Path) -> None:
    recording = recorder(tmp_path)

    recording.record_impressions([3, 5], BOT)
    recording.record_impressions([], FIREFOX)

    assert recording.impressions.pending == 0


def test_with_recording_off_nothing_is_queued(tmp_path: Path) -> None:
    recording = recorder(tmp_path, enabled=False)

    recording.record_impressions([3], FIREFOX)

    assert [writer.pending for writer in recording.writers] == [0, 0, 0]
    assert list(tmp_path.iterdir()) == []


def test_each_database_has_a_spool_of_its_own(tmp_path: Path) -> None:
    def folder(database_url: str) -> Path:
        return spool_folder(settings_for(database_url, data_dir=tmp_path))

    first = folder('postgresql+asyncpg://podsite:secret@db.example/podsite')
    assert first.parent == tmp_path / 'spool'
    assert folder('postgresql+asyncpg://podsite:changed@db.example/podsite') == first
    assert folder('postgresql+asyncpg://podsite:secret@db.example/other') != first
    assert folder('sqlite+aiosqlite:////srv/a.db') != folder('sqlite+aiosqlite:////srv/b.db')
