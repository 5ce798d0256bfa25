"""Golden tests of download counting: each IAB v2.3 rule, event by event, in each window."""

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from podsite.schemas.analytics import Window
from podsite.services.analytics.iab_rules import (
    HIGH_VOLUME_LIMIT,
    MediaFacts,
    RawDownload,
    TrafficFilters,
    count_downloads,
    counted_downloads,
    covered_bytes,
    is_bot,
    is_countable_request,
    requested_ranges,
)

APP = 'AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4 like Mac OS X; en_us)'
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# A minute of audio (read from the file's frames) ends 490,000 bytes into it.
EPISODE = MediaFacts(size_bytes=30_000_000, first_minute_bytes=490_000)
MEDIA = {1: EPISODE}
MINUTE_BYTES = 490_000


def event(minutes: float = 0, **changes: object) -> RawDownload:
    values: dict[str, object] = {
        'occurred_at': START + timedelta(minutes=minutes), 'episode_id': 1, 'ip_hash': 'a',
        'user_agent': APP, 'range_header': None, 'method': 'GET', 'status': 302,
    }  # fmt: skip
    return RawDownload(**(values | changes))  # type: ignore[arg-type]


def counted(events: list[RawDownload], window: Window = Window.CALENDAR_DAY) -> int:
    return sum(count_downloads(events, MEDIA, window=window).values())


@pytest.mark.parametrize(
    ('changes', 'counts'),
    [
        ({}, True),
        ({'method': 'HEAD'}, False),
        ({'status': 304}, False),
        ({'status': 404}, False),
        ({'status': 206}, True),
        ({'range_header': 'bytes=0-1'}, False),
        ({'user_agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://google.com/bot.html)'},
         False),
        ({'user_agent': 'python-requests/2.31'}, False),
        ({'user_agent': ''}, False),
        ({'user_agent': 'ab'}, False),
        ({'user_agent': 'Overcast/3.0\x00'}, False),
        ({'user_agent': 'البودكاست/1530.3 CFNetwork/1209 Darwin/20.2.0'}, True),  # not malformed
        ({'user_agent': 'atc/1.0 watchOS/10.4 model/Watch6,2'}, False),
        ({'user_agent': 'AppleCoreMedia (null)/(null) watchOS/9.1'}, False),
    ],
)  # fmt: skip
def test_request_filters(changes: dict[str, object], counts: bool) -> None:
    assert is_countable_request(event(**changes)) is counts


def test_overlapping_and_unsorted_ranges_count_the_bytes_asked_for() -> None:
    assert covered_bytes(requested_ranges('bytes=0-99,50-149', 1000)) == 150
    assert covered_bytes(requested_ranges('bytes=500-599,0-99', 1000)) == 200
    assert requested_ranges('bytes=0-99,x-y', 1000) == [(0, 100)]
    assert requested_ranges('bytes=-0', 1000) == []


def test_ranges_are_read_and_merged() -> None:
    assert requested_ranges('bytes=0-99', 1000) == [(0, 100)]
    assert requested_ranges('bytes=900-', 1000) == [(900, 1000)]
    assert requested_ranges('bytes=-100', 1000) == [(900, 1000)]
    assert requested_ranges('bytes=0-9,20-29', 1000) == [(0, 10), (20, 30)]
    assert requested_ranges('bytes=5000-6000', 1000) == []
    assert requested_ranges('items=0-5', 1000) == [(0, 1000)]
    assert requested_ranges('bytes=-5000', 1000) == [(0, 1000)]
    assert covered_bytes([(0, 100), (50, 150), (300, 400)]) == 250


def test_the_byte_threshold_merges_overlapping_ranges() -> None:
    half = MINUTE_BYTES // 2
    too_little = [
        event(0, range_header=f'bytes=0-{half}'),
        event(1, range_header=f'bytes=0-{half}'),
    ]
    assert counted(too_little) == 0  # the same bytes twice are not more bytes
    enough = [
        event(0, range_header=f'bytes=0-{half}'),
        event(1, range_header=f'bytes={half}-{MINUTE_BYTES}'),
    ]
    assert counted(enough) == 1
    assert counted([event(0, range_header=f'bytes=0-{MINUTE_BYTES - 2}')]) == 0
    assert counted([event(0, range_header=f'bytes=0-{MINUTE_BYTES - 1}')]) == 1


def test_short_episodes_must_be_fetched_whole() -> None:
    short = {1: MediaFacts(size_bytes=200_000, first_minute_bytes=200_000)}
    partial = [event(0, range_header='bytes=0-150000')]
    assert sum(count_downloads(partial, short, window=Window.CALENDAR_DAY).values()) == 0
    whole = [event(0)]
    assert sum(count_downloads(whole, short, window=Window.CALENDAR_DAY).values()) == 1


def test_a_file_whose_first_minute_is_unknown_must_be_fetched_whole() -> None:
    """IAB v2.3, 5.5 "Minimum one-minute duration": without the end of the first minute
    (a file never probed, or not MPEG audio), no estimate stands in for it."""
    unknown = {1: MediaFacts(size_bytes=30_000_000, first_minute_bytes=None)}
    almost = [event(0, range_header='bytes=0-29999998')]
    assert sum(count_downloads(almost, unknown, window=Window.CALENDAR_DAY).values()) == 0
    assert sum(count_downloads([event(0)], unknown, window=Window.CALENDAR_DAY).values()) == 1


def test_bytes_podsite_sent_count_rather_than_the_range_asked_for() -> None:
    """IAB v2.3, 5.3 "Byte-range requests": a client that asked for the whole file and
    hung up after 64 KB got 64 KB; one answered with the whole file for several ranges got
    the whole file."""
    hung_up = event(0, status=200, served=(0, 65_536))
    assert counted([hung_up]) == 0
    several = event(0, status=200, range_header='bytes=0-9,20-29', served=(0, MINUTE_BYTES))
    assert counted([several]) == 1
    resumed = event(1, status=206, range_header='bytes=65536-', served=(65_536, MINUTE_BYTES))
    assert counted([hung_up, resumed]) == 1


def test_listeners_are_ip_and_user_agent_together() -> None:
    events = [
        event(0),
        event(1, ip_hash='b'),
        event(2, user_agent='Overcast/3.0 (+http://overcast.fm/; iOS podcast app)'),
        event(3),
    ]
    assert counted(events) == 3


# Requests of one listener at 09:00, 23:30, next day 08:00 and 10:00, and a day later 11:00.
TIMELINE = [0, 14 * 60 + 30, 23 * 60, 25 * 60, 50 * 60]


@pytest.mark.parametrize(
    ('window', 'downloads', 'days'),
    [
        # Calendar days: 2 March, 3 March and 4 March each count once.
        (Window.CALENDAR_DAY, 3, [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]),
        # First touch: 09:00 opens a day (to 09:00 next morning: 23:30 and 08:00 inside);
        # 10:00 opens the next (to 10:00 on the 4th: 11:00 is outside); 11:00 the third.
        (Window.ROLLING_FIRST_TOUCH, 3, [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]),
        # Last touch: every request within 24 hours of the one before extends the window,
        # so 09:00 to 10:00 next day is one download; 11:00 on the 4th is 25 hours later.
        (Window.LAST_TOUCH, 2, [date(2026, 3, 2), date(2026, 3, 4)]),
    ],
)
def test_the_three_windows(window: Window, downloads: int, days: list[date]) -> None:
    events = [event(minutes) for minutes in TIMELINE]
    result = count_downloads(events, MEDIA, window=window)
    assert sum(result.values()) == downloads
    assert sorted(day for _, day in result) == days


# 5.5.1's example: requests at 10:00 PM Monday, 3:00 AM and 10:15 PM Tuesday, 11:15 PM
# Wednesday (2 March 2026 is a Monday), and its table's columns, request by request.
MONDAY_10_PM = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)
GUIDELINE_EXAMPLE = [timedelta(0), timedelta(hours=5), timedelta(hours=24, minutes=15),
                     timedelta(hours=49, minutes=15)]  # fmt: skip


@pytest.mark.parametrize(
    ('window', 'column'),
    [
        (Window.CALENDAR_DAY, [1, 1, 0, 1]),  # "Calendar"
        (Window.ROLLING_FIRST_TOUCH, [1, 0, 1, 1]),  # "Rolling"
        (Window.LAST_TOUCH, [1, 0, 0, 1]),  # "Extending"
    ],
)
def test_the_guideline_example_of_the_three_windows(window: Window, column: list[int]) -> None:
    """5.5.1 Measurement Windows, its example table, request by request."""
    requests = [event(occurred_at=MONDAY_10_PM + offset) for offset in GUIDELINE_EXAMPLE]
    counted_by_each = [
        len(counted_downloads(requests[: index + 1], MEDIA, window=window))
        - len(counted_downloads(requests[:index], MEDIA, window=window))
        for index in range(len(requests))
    ]
    assert counted_by_each == column


A_MINUTE_FROM_THE_START = f'bytes=0-{MINUTE_BYTES - 1}'
TEN_SECONDS = f'bytes=0-{10_000 + 10 * 8_000 - 1}'


@pytest.mark.parametrize('window', list(Window))
def test_a_request_below_the_threshold_opens_no_window(window: Window) -> None:
    """5.5.1: a rolling window "begins at the timestamp of a qualifying download request";
    a ten-second preview on day one does not swallow the whole downloads of day two, which
    count on day two."""
    preview = event(0, range_header=TEN_SECONDS)
    next_morning = event(23 * 60)  # 08:00 next day, inside 24 hours of the preview
    next_evening = event(33 * 60)  # 18:00 next day, more than 24 hours after the preview
    result = count_downloads([preview, next_morning, next_evening], MEDIA, window=window)
    assert result == {(1, date(2026, 3, 3)): 1}


@pytest.mark.parametrize('window', list(Window))
def test_a_download_is_dated_by_the_request_that_made_it_count(window: Window) -> None:
    """5.5.3 and 5.5.4 scenario 2: two half-minute plays an hour apart, across midnight,
    are one download of the day the second made it reach the threshold."""
    half = MINUTE_BYTES // 2
    first_half = event(14 * 60 + 30, range_header=f'bytes=0-{half - 1}')  # 23:30
    second_half = event(15 * 60 + 30, range_header=f'bytes={half}-{MINUTE_BYTES - 1}')  # 00:30
    assert count_downloads([first_half, second_half], MEDIA, window=window) == {
        (1, date(2026, 3, 3)): 1
    }


@pytest.mark.parametrize('window', list(Window))
def test_a_download_resumed_after_midnight_is_not_counted_again(window: Window) -> None:
    """5.5.4 scenario 2, in calendar days too: a listener plays the first half before
    midnight, pauses, and resumes an hour later asking for the rest: "that counts as one
    unique download"."""
    middle = EPISODE.size_bytes // 2
    first_half = event(14 * 60, range_header=f'bytes=0-{middle - 1}')  # 23:00
    rest = event(15 * 60, range_header=f'bytes={middle}-')  # 00:00 next day
    assert count_downloads([first_half, rest], MEDIA, window=window) == {(1, date(2026, 3, 2)): 1}


def test_a_new_download_after_midnight_counts_on_the_calendar() -> None:
    """5.5.1: "A subsequent download request on the next calendar day should be counted as
    unique": one that asks again for bytes the listener already fetched is a new download,
    not a resumed one."""
    evening = event(14 * 60, range_header=A_MINUTE_FROM_THE_START)  # 23:00
    again = event(15 * 60, range_header=A_MINUTE_FROM_THE_START)  # 00:00 next day
    assert count_downloads([evening, again], MEDIA, window=Window.CALENDAR_DAY) == {
        (1, date(2026, 3, 2)): 1,
        (1, date(2026, 3, 3)): 1,
    }


@pytest.mark.parametrize('window', list(Window))
def test_short_requests_more_than_a_day_apart_are_not_added_up(window: Window) -> None:
    """Requests below the threshold wait for others to reach it for 24 hours, the length
    of the guideline's windows (5.5.1), not for ever."""
    half = MINUTE_BYTES // 2
    monday = event(0, range_header=f'bytes=0-{half - 1}')
    wednesday = event(48 * 60, range_header=f'bytes={half}-{MINUTE_BYTES - 1}')
    assert count_downloads([monday, wednesday], MEDIA, window=window) == {}


def test_the_bot_list_recognises_real_bots_and_spares_real_apps(shared_data: Path) -> None:
    folder = shared_data / 'user-agents' / 'build'

    def examples(name: str) -> list[str]:
        entries = json.loads((folder / f'{name}.examples.json').read_text())['entries']
        return [example for entry in entries for example in entry['examples']]

    bots = examples('bots')
    apps = examples('apps')
    # The OPAWG list is the bot list (services/analytics/agents.py): every bot it gives an
    # example of is refused, and no app is.
    assert [agent for agent in bots if not is_bot(agent)] == []
    assert [agent for agent in apps if is_bot(agent)] == []


def test_requests_from_data_centres_are_not_counted() -> None:
    """IAB v2.3, 5.5.2, step 1.2, item 2: "IP addresses that are identified from sources
    that are not actual podcast consumers, such as ... data centers, VPN traffic"."""
    assert counted([event(from_datacenter=True)]) == 0
    assert counted([event(from_datacenter=True), event(5, ip_hash='b')]) == 1
    unfiltered = TrafficFilters(datacenters=False)
    assert count_downloads([event(from_datacenter=True)], MEDIA, window=Window.CALENDAR_DAY,
                           filters=unfiltered) == {(1, START.date()): 1}  # fmt: skip


def agents_from_one_address(agents: int, *, minutes_apart: float = 0.2) -> list[RawDownload]:
    return [
        event(index * minutes_apart, user_agent=f'Podcatcher{index}/1.0 (iPhone; iOS 17.4)')
        for index in range(agents)
    ]


def test_an_address_with_more_downloads_in_a_day_than_people_make_is_not_counted() -> None:
    """IAB v2.3, 5.5.2, step 1.2, item 1: "IP addresses that account for a large number of
    downloads in the measurement window"; the limit is podsite's (HIGH_VOLUME_LIMIT)."""
    assert counted(agents_from_one_address(150)) == 0  # 150 agents in half an hour
    assert counted(agents_from_one_address(HIGH_VOLUME_LIMIT)) == HIGH_VOLUME_LIMIT
    assert counted(agents_from_one_address(HIGH_VOLUME_LIMIT + 1)) == 0
    # Other addresses that day, and the same address the next day, still count.
    busy = agents_from_one_address(HIGH_VOLUME_LIMIT + 1)
    assert counted([*busy, event(ip_hash='b'), event(24 * 60, ip_hash='a')]) == 2


def test_one_app_fetching_more_episodes_in_a_day_than_anyone_can_hear_is_not_counted() -> None:
    media = dict.fromkeys(range(1, HIGH_VOLUME_LIMIT + 2), EPISODE)
    catch_up = [event(number, episode_id=number) for number in media]
    assert count_downloads(catch_up, media, window=Window.CALENDAR_DAY) == {}
    assert len(count_downloads(catch_up[:-1], media, window=Window.CALENDAR_DAY)) == len(media) - 1


def test_the_high_volume_rule_can_be_switched_off_and_ignores_what_is_filtered_anyway() -> None:
    off = TrafficFilters(high_volume_limit=0)
    many = agents_from_one_address(150)
    assert (
        sum(count_downloads(many, MEDIA, window=Window.CALENDAR_DAY, filters=off).values()) == 150
    )
    # Bots and HEAD requests from an address are no downloads it asked for.
    bots = [event(user_agent=f'Crawler{index}bot/1.0') for index in range(100)]
    heads = [event(method='HEAD', user_agent=f'App{index}/1.0') for index in range(100)]
    assert counted([*bots, *heads, event()]) == 1
