"""Believable listening for the demo: downloads that fade after each release, short-link
clicks and sponsor impressions, from a seed, so a fresh demo's reports have something to
show. Pure generation; `demo_service` stores it through the same code as real traffic."""

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from podsite.schemas.analytics import PendingDownload, PendingImpression
from podsite.schemas.links import PendingClick

RELEASE_DAYS = 45
TAIL_DAYS = 60
# (share of listeners, user agent): roughly the app mix podcast hosts report, as the OPAWG
# list names them (Apple Podcasts; AppleCoreMedia, the system player, here on a HomePod).
AGENTS: tuple[tuple[float, str], ...] = (
    (0.42, 'Podcasts/1720.1 CFNetwork/1474 Darwin/23.0.0'),
    (0.05, 'AppleCoreMedia/1.0.0.21J354 (HomePod; U; CPU OS 17_0 like Mac OS X; en_us)'),
    (0.22, 'Spotify/8.8.74 Android/34 (Pixel 8)'),
    (0.07, 'Overcast/3.0 (+http://overcast.fm/; iOS podcast app)'),
    (0.06, 'Pocket Casts'),
    (0.04, 'PodcastAddict/v5 (+https://podcastaddict.com/; Android podcast app)'),
    (0.03, 'AntennaPod/3.4.0'),
    (0.06, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) '
           'Chrome/126.0.0.0 Safari/537.36'),
    (0.03, 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0'),
    (0.02, 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)'),
)  # fmt: skip


class ReleasedEpisode(NamedTuple):
    episode_id: int
    published_at: datetime
    size_bytes: int
    placement_ids: tuple[int, ...]
    link_ids: tuple[int, ...]


class Listening(NamedTuple):
    downloads: list[PendingDownload]
    clicks: list[PendingClick]
    impressions: list[PendingImpression]


def generate_listening(
    episodes: Sequence[ReleasedEpisode], *, seed: int, today: date, audience: int = 80
) -> Listening:
    """About `audience` listeners on release day, fading over the following weeks, and the
    back catalogue's trickle over the last weeks before `today`."""
    rng = random.Random(seed)
    weights = [share for share, _ in AGENTS]
    agents = [agent for _, agent in AGENTS]
    downloads: list[PendingDownload] = []
    clicks: list[PendingClick] = []
    impressions: list[PendingImpression] = []
    for episode in episodes:
        released = episode.published_at.date()
        release = {released + timedelta(days=n): n for n in range(RELEASE_DAYS)}
        tail = {today - timedelta(days=n) for n in range(TAIL_DAYS)}
        for day in sorted((release.keys() | tail) - {d for d in release if d > today}):
            if day in release:
                listeners = int(audience / (1 + release[day] * 0.6) * rng.uniform(0.7, 1.3))
            else:
                listeners = rng.randrange(0, 5)
            start = datetime.combine(day, time(), UTC)
            for _ in range(listeners):
                at = start + timedelta(seconds=rng.randrange(86_400))
                downloads.extend(_requests(rng, episode, at, rng.choices(agents, weights)[0]))
                if episode.placement_ids and rng.random() < 0.4:
                    impressions.append(
                        PendingImpression(occurred_at=at, placement_ids=list(episode.placement_ids))
                    )
                if episode.link_ids and rng.random() < 0.03:
                    clicks.append(
                        PendingClick(
                            occurred_at=at + timedelta(minutes=rng.randrange(1, 50)),
                            short_link_id=rng.choice(episode.link_ids),
                            client_ip=_address(rng),
                            user_agent=agents[7],
                            referrer='',
                        )
                    )
    return Listening(downloads, clicks, impressions)


def _address(rng: random.Random) -> str:
    # Documentation ranges only (RFC 5737): the demo must not name real hosts.
    return f'{rng.choice(("192.0.2", "198.51.100", "203.0.113"))}.{rng.randrange(1, 255)}'


def _requests(
    rng: random.Random, episode: ReleasedEpisode, at: datetime, agent: str
) -> list[PendingDownload]:
    """A whole-file request, or a few ranges as players stream, sometimes stopping early."""
    address = _address(rng)

    def request(range_header: str | None, offset: int) -> PendingDownload:
        return PendingDownload(
            occurred_at=at + timedelta(seconds=offset), episode_id=episode.episode_id,
            client_ip=address, user_agent=agent, range_header=range_header,
            bytes_served=None, method='GET', status=302,
        )  # fmt: skip

    if rng.random() < 0.6:
        return [request(None, 0)]
    requests = [request('bytes=0-1', 0)]
    chunk = episode.size_bytes // 8
    for index in range(rng.randrange(1, 9)):
        requests.append(request(f'bytes={index * chunk}-{(index + 1) * chunk - 1}', index * 30))
    return requests
