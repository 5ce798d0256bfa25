"""Recording on the request path only queues: nothing here touches a database."""

import contextlib

from podsite.services.analytics.recording import Recorder

FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'
BOT = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)'


def recorder(*, enabled: bool = True) -> Recorder:
    return Recorder(context=contextlib.nullcontext, enabled=enabled)


def test_a_page_view_is_queued_as_one_impression_of_each_placement() -> None:
    recording = recorder()

    recording.record_impressions([3, 5], FIREFOX)

    assert recording.impressions.pending == 1


def test_bots_and_pages_without_sponsors_record_no_impression() -> None:
    recording = recorder()

    recording.record_impressions([3, 5], BOT)
    recording.record_impressions([], FIREFOX)

    assert recording.impressions.pending == 0


def test_with_recording_off_nothing_is_queued() -> None:
    recording = recorder(enabled=False)

    recording.record_impressions([3], FIREFOX)

    assert [writer.pending for writer in recording.writers] == [0, 0, 0]
