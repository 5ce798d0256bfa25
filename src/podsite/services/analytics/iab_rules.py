"""Counting downloads the way the IAB Tech Lab Podcast Measurement Guidelines (v2.3) say.

Pure functions over raw download events, so the rules can be tested event by event:

1. Filter: only GET requests that got media (200, 206, 302); no HEAD, no 304, no
   `Range: bytes=0-1` probes, no bots (those the OPAWG user-agent list names, and
   self-declared ones), no malformed user agents, and no Apple Watch duplicates (the phone
   already downloaded the episode).
2. Group by listener (hashed IP + user agent) and episode, request by request in time
   order (`DownloadCounter`).
3. A download counts when the bytes its requests got, overlapping ranges merged, reach
   the file's header plus one minute of audio (5.5, "Minimum one-minute duration"; the
   whole file when it is shorter than a minute, or when the end of its first minute is not
   known). Bytes podsite served itself are those really sent (a client that hung up
   counts for what it received); a redirect's are the Range asked for, all that is known.
   The request that reaches it dates the download and opens its window (5.5.1):
   calendar day, 24 hours from it (first touch), or 24 hours from the latest request
   (last touch); requests inside the window are the same download. Requests below the
   threshold open nothing and wait 24 hours for others to complete them (5.5.4 scenario 2,
   play-pause-play); so does, in calendar days, a download resumed after midnight.

Two more filters of step 1.2 (`TrafficFilters`, on unless switched off in the settings)
leave out requests from data-centre and VPN networks (item 2: marked when stored, see
`datacenters`) and every request of an address that asked for more downloads in a day
than people behind one address plausibly make (item 1).
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import groupby

from podsite.schemas.analytics import Window
from podsite.services.analytics import agents

COUNTED_STATUSES = frozenset({200, 206, 302})
ONE_MINUTE = 60
WINDOW = timedelta(hours=24)

_CONTROL = re.compile(r'[\x00-\x1f\x7f]')
_RANGE = re.compile(r'^\s*bytes\s*=\s*(.+)$', re.IGNORECASE)


@dataclass(frozen=True)
class RawDownload:
    occurred_at: datetime
    episode_id: int
    ip_hash: str
    user_agent: str
    range_header: str | None
    method: str
    status: int
    from_datacenter: bool = False
    """The address was in a data-centre or VPN network (see `datacenters`)."""
    served: tuple[int, int] | None = None
    """The bytes podsite really sent, when it served the file itself; None for a redirect,
    whose bytes are the ones asked for."""


HIGH_VOLUME_LIMIT = 50
"""Downloads (different app and episode pairs) one address may ask for in a UTC day before
all of its requests that day are taken for invalid traffic (IAB v2.3, 5.5.2, step 1.2,
item 1, which sets no number). The guideline's own example of a busy address is six
listeners (5.5.4); fifty is a household of several listeners each fetching many
episodes with several apps, or a small office, and far below the hundreds a download
farm or a misbehaving proxy makes. A listener's back-catalogue catch-up of more than fifty
episodes in one day is more audio than one person can hear in it."""


@dataclass(frozen=True)
class TrafficFilters:
    """The filters of IAB v2.3 5.5.2 step 1.2 that the settings can switch off."""

    datacenters: bool = True
    """Item 2: leave out requests from data-centre and VPN networks."""
    high_volume_limit: int = HIGH_VOLUME_LIMIT
    """Item 1: the most downloads an address may ask for in a UTC day; 0 switches it off."""


@dataclass(frozen=True)
class MediaFacts:
    """What the byte rule needs to know of an episode's file."""

    size_bytes: int
    first_minute_bytes: int | None
    """Where the first minute of audio ends, the header included, as read from the file
    (`formats.media_header`); None when podsite could not read it."""

    @property
    def bytes_for_a_minute(self) -> int:
        """The guideline's threshold (5.5, "Minimum one-minute duration"); a file whose
        first minute is not known must be fetched whole: an estimate from its size and
        duration could count a download that did not get a minute."""
        if self.first_minute_bytes is None:
            return self.size_bytes
        return min(self.size_bytes, self.first_minute_bytes)


def is_bot(user_agent: str) -> bool:
    """A bot by the OPAWG list, or one that calls itself a bot (see `agents`)."""
    return agents.identify(user_agent).is_bot


def is_malformed(user_agent: str) -> bool:
    """Empty, too short to name anything, or with control characters. Letters outside
    ASCII are no sign: apps name themselves in their users' languages."""
    stripped = user_agent.strip()
    return len(stripped) < 4 or _CONTROL.search(user_agent) is not None


def is_watch_duplicate(user_agent: str) -> bool:
    return (user_agent.startswith('atc/') and 'watchOS' in user_agent) or (
        '(null)/(null) watchOS' in user_agent
    )


class AgentRefusal(StrEnum):
    """Why a user agent's requests are never counted (IAB v2.3, 5.5.2, step 1.2)."""

    MALFORMED = 'malformed'
    """Item 4: a missing or malformed user agent."""
    BOT = 'bot'
    """Items 2 and 5: a bot the OPAWG list names, or one that calls itself a bot."""
    WATCH_DUPLICATE = 'watch duplicate'
    """Item 7: the copy a paired Apple Watch fetches of what its iPhone downloaded."""


def agent_refusal(user_agent: str) -> AgentRefusal | None:
    """Why requests from this agent are not counted; None when they can be."""
    if is_malformed(user_agent):
        return AgentRefusal.MALFORMED
    if is_watch_duplicate(user_agent):  # before bots: the list names this agent a bot too
        return AgentRefusal.WATCH_DUPLICATE
    if is_bot(user_agent):
        return AgentRefusal.BOT
    return None


def is_countable_request(event: RawDownload) -> bool:
    if event.method != 'GET' or event.status not in COUNTED_STATUSES:
        return False
    if (event.range_header or '').replace(' ', '').lower() == 'bytes=0-1':
        return False
    return agent_refusal(event.user_agent) is None


def requested_ranges(range_header: str | None, size: int) -> list[tuple[int, int]]:
    """Half-open byte spans a request asked for; no (or an unreadable) Range is the file.

    Read part by part, keeping every readable one: these are the bytes of a request that a
    media host or nginx answered (a redirect, `X-Accel-Redirect`), and those serve
    overlapping and unsorted ranges, which werkzeug's `parse_range_header` refuses whole
    (podsite's own file responses use it, and answer such a request with the whole file)."""
    if not range_header:
        return [(0, size)]
    match = _RANGE.match(range_header)
    if match is None:
        return [(0, size)]
    spans = []
    for part in match.group(1).split(','):
        first, _, last = part.strip().partition('-')
        try:
            if not first:
                start, stop = max(size - int(last), 0), size
            else:
                start = int(first)
                stop = size if not last else min(int(last) + 1, size)
        except ValueError:
            continue
        if start < stop:
            spans.append((start, stop))
    return spans


def received_spans(event: RawDownload, size: int) -> list[tuple[int, int]]:
    """The bytes a request got: those sent, when podsite served the file (a request cut
    short counts what it received, 5.3 "Byte-range requests"), else those asked for."""
    if event.served is None:
        return requested_ranges(event.range_header, size)
    start, stop = event.served
    return [(start, min(stop, size))] if start < min(stop, size) else []


def covered_bytes(spans: Iterable[tuple[int, int]]) -> int:
    total, reach = 0, 0
    for start, stop in sorted(spans):
        start = max(start, reach)
        if stop > start:
            total += stop - start
            reach = stop
    return total


type Span = tuple[int, int]
"""A half-open byte range of the file."""

type ListenerKey = tuple[str, str, int]
"""A listener (hashed address and user agent) and an episode: the guideline's uniques (5.5.4)."""


def _overlaps(fetched: list[Span], spans: list[Span]) -> bool:
    return any(
        start < stop_ and start_ < stop for start, stop in spans for start_, stop_ in fetched
    )


def _merged(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, stop in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged


@dataclass
class ListenerState:
    """Where one listener's requests for one episode stand, between two requests.

    The windows of 5.5.1 open at "the timestamp of a qualifying download request": a
    request that does not reach the threshold opens nothing; it waits in `pending` for 24
    hours, and the request that brings the waiting bytes to the threshold (play-pause-play,
    5.5.4 scenario 2) makes the download count, dates it, and opens its window."""

    pending: list[tuple[datetime, list[Span]]] = field(default_factory=list)
    """Requests outside any window that have not reached the threshold yet."""
    opened_at: datetime | None = None
    """The request that made the last counted download count."""
    last_at: datetime | None = None
    """The last request inside that download's window."""
    fetched: list[Span] = field(default_factory=list)
    """The bytes that download asked for, merged: a calendar-day download resumed after
    midnight only asks for bytes it has not fetched yet."""

    def last_request_at(self) -> datetime | None:
        times = [at for at, _ in self.pending] + ([self.last_at] if self.last_at else [])
        return max(times, default=None)

    def matters_after(self, moment: datetime) -> bool:
        """Whether a request at `moment` or later could be counted differently because of
        this state: every rule looks back less than 24 hours from a request."""
        last = self.last_request_at()
        return last is not None and last > moment - WINDOW

    def _inside_window(self, at: datetime, spans: list[Span], window: Window) -> bool:
        if self.opened_at is None or self.last_at is None:
            return False
        if window is Window.ROLLING_FIRST_TOUCH:
            return at < self.opened_at + WINDOW
        if window is Window.LAST_TOUCH:
            return at < self.last_at + WINDOW
        same_day = at.date() == self.opened_at.date()
        resumed = at < self.last_at + WINDOW and not _overlaps(self.fetched, spans)
        return same_day or resumed

    def observe(self, at: datetime, spans: list[Span], threshold: int, window: Window) -> bool:
        """Adds a countable request (requests come in time order); True when it is the one
        that makes a download count."""
        if self._inside_window(at, spans, window):
            self.last_at = at
            self.fetched = _merged([*self.fetched, *spans])
            return False
        self.pending = [(moment, asked) for moment, asked in self.pending if at - moment < WINDOW]
        self.pending.append((at, spans))
        asked = [span for _, request in self.pending for span in request]
        if covered_bytes(asked) < threshold:
            return False
        self.opened_at = self.last_at = at
        self.fetched = _merged(asked)
        self.pending = []
        return True


@dataclass(frozen=True)
class CountedDownload:
    episode_id: int
    day: date
    """The UTC day of the request that made it count."""
    user_agent: str


def high_volume_addresses(events: Iterable[RawDownload], limit: int) -> set[tuple[date, str]]:
    """(day, address) of the addresses that asked for more than `limit` downloads (app and
    episode pairs) on a UTC day. A day at a time, so that each day's counts depend on that
    day's requests only, whichever window is in use."""
    if limit <= 0:
        return set()
    downloads: dict[tuple[date, str], set[tuple[str, int]]] = defaultdict(set)
    for event in events:
        downloads[(event.occurred_at.date(), event.ip_hash)].add(
            (event.user_agent, event.episode_id)
        )
    return {address for address, asked in downloads.items() if len(asked) > limit}


def filtered_day(
    events: Iterable[RawDownload], media: dict[int, MediaFacts], filters: TrafficFilters
) -> list[RawDownload]:
    """The requests of one UTC day that step 1 leaves to count: countable requests for known
    media, without those from data-centre networks or from high-volume addresses."""
    countable = [
        event
        for event in events
        if event.episode_id in media
        and is_countable_request(event)
        and not (filters.datacenters and event.from_datacenter)
    ]
    too_many = high_volume_addresses(countable, filters.high_volume_limit)
    return [
        event for event in countable if (event.occurred_at.date(), event.ip_hash) not in too_many
    ]


class DownloadCounter:
    """The rules applied request by request, in time order, keeping each listener's state
    so that counting can stop at any moment and go on later from `states`."""

    def __init__(self, window: Window, states: dict[ListenerKey, ListenerState] | None = None):
        self.window = window
        self.states: dict[ListenerKey, ListenerState] = states if states is not None else {}

    def observe(self, event: RawDownload, facts: MediaFacts) -> CountedDownload | None:
        """The download `event` makes count, if it makes one count."""
        if not is_countable_request(event):
            return None
        key = (event.ip_hash, event.user_agent, event.episode_id)
        state = self.states.setdefault(key, ListenerState())
        spans = received_spans(event, facts.size_bytes)
        if not state.observe(event.occurred_at, spans, facts.bytes_for_a_minute, self.window):
            return None
        return CountedDownload(event.episode_id, event.occurred_at.date(), event.user_agent)


def counted_downloads(
    events: Iterable[RawDownload],
    media: dict[int, MediaFacts],
    *,
    window: Window,
    filters: TrafficFilters = TrafficFilters(),
) -> list[CountedDownload]:
    """One entry per download that reached the byte threshold, in time order."""
    counter = DownloadCounter(window)
    counted = []
    in_order = sorted(events, key=lambda e: e.occurred_at)
    for _, day in groupby(in_order, key=lambda e: e.occurred_at.date()):
        for event in filtered_day(day, media, filters):
            if download := counter.observe(event, media[event.episode_id]):
                counted.append(download)
    return counted


def count_downloads(
    events: Iterable[RawDownload],
    media: dict[int, MediaFacts],
    *,
    window: Window,
    filters: TrafficFilters = TrafficFilters(),
) -> dict[tuple[int, date], int]:
    """Counted downloads per (episode, day of the request that made each count)."""
    counts: dict[tuple[int, date], int] = defaultdict(int)
    for download in counted_downloads(events, media, window=window, filters=filters):
        counts[(download.episode_id, download.day)] += 1
    return dict(counts)
