"""`python bench/page_cost.py`: what one page costs the app itself, with no server.

Builds a fresh SQLite demo database, then calls the app's ASGI entry point directly (the
request log and the page cache middleware included) and times, per request: the episode
page kept (hot) and rendered (cold, page cache off), the home page cold, and `/robots.txt`
(the floor: Quart and the app's hooks with no query), next to a bare Quart app answering
the same path with a string (Quart's own floor). Then the parts of a cold episode page: its
statements (episode, people, sponsors and the layout's) and its render.
"""

import argparse
import asyncio
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import chameleon_rs.flask as chameleon_flask
from quart import Quart

from podsite.app import create_app
from podsite.services.catalogue import episode_service, podcast_service
from podsite.settings import Settings
from podsite.viewmodels.episodes.details import EpisodeDetailsViewModel
from run import load_demo


def http_scope(path: str) -> dict[str, Any]:
    return {
        'type': 'http', 'asgi': {'version': '3.0'}, 'http_version': '1.1', 'method': 'GET',
        'scheme': 'http', 'path': path, 'raw_path': path.encode(), 'query_string': b'',
        'root_path': '', 'headers': [(b'host', b'127.0.0.1'), (b'user-agent', b'bench')],
        'client': ('127.0.0.1', 50000), 'server': ('127.0.0.1', 80),
    }  # fmt: skip


async def request(app: Any, path: str) -> int:
    """One request through the app's ASGI entry point; returns the status. As a server does,
    `receive` tells of the disconnect only once the response has gone out (Quart cancels a
    request whose client has gone)."""
    status = 0
    delivered = False
    sent = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {'type': 'http.request', 'body': b'', 'more_body': False}
        await sent.wait()
        return {'type': 'http.disconnect'}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message['type'] == 'http.response.start':
            status = message['status']
        elif message['type'] == 'http.response.body' and not message.get('more_body', False):
            sent.set()

    await app(http_scope(path), receive, send)
    return status


async def per_call_us(
    work: Callable[[], Awaitable[object]], runs: int, clock: Callable[[], float]
) -> float:
    """Median of five rounds of `runs` calls, in microseconds per call by `clock`."""
    for _ in range(max(10, runs // 20)):
        await work()
    rounds = []
    for _ in range(5):
        started = clock()
        for _ in range(runs):
            await work()
        rounds.append((clock() - started) / runs * 1e6)
    return statistics.median(rounds)


async def render(template: str, model: dict[str, Any]) -> str:
    return await chameleon_flask.render_async(template, **model)


async def cold_episode_statements(number: int) -> None:
    await episode_service.episode_by_number(number)
    await podcast_service.layout_info()


def bare_quart() -> Quart:
    bare = Quart(__name__)

    @bare.get('/robots.txt')
    async def robots() -> str:
        return 'User-agent: *\n'

    return bare


async def measure(
    database_url: str, number: int, runs: int, clock: Callable[[], float]
) -> list[tuple[str, float]]:
    results: list[tuple[str, float]] = []
    for page_cache in (True, False):
        app = create_app(Settings(database_url=database_url, page_cache=page_cache))
        async with app.test_app():
            async with app.app_context():
                found = await episode_service.episode_by_number(number)
            assert found is not None, number
            episode = f'/episodes/show/{number}/{found.slug}'
            assert await request(app, episode) == 200
            mode = 'hot' if page_cache else 'cold'
            results.append(
                (
                    f'episode page, {mode}',
                    await per_call_us(partial(request, app, episode), runs, clock),
                )
            )
            if page_cache:
                continue
            for name, path in (('home page, cold', '/'), ('/robots.txt', '/robots.txt')):
                results.append((name, await per_call_us(partial(request, app, path), runs, clock)))
            async with app.test_request_context(episode):
                statements = partial(cold_episode_statements, number)
                results.append(('  its statements', await per_call_us(statements, runs, clock)))
                view = EpisodeDetailsViewModel(number)
                await view.load_async()
                rendering = partial(render, 'episodes/details.pt', view.to_dict())
                results.append(('  its render', await per_call_us(rendering, runs, clock)))
    bare = bare_quart()
    async with bare.test_app():
        assert await request(bare, '/robots.txt') == 200
        robots = partial(request, bare, '/robots.txt')
        results.append(('  bare Quart, same path', await per_call_us(robots, runs, clock)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--episodes', type=int, default=300)
    parser.add_argument('--runs', type=int, default=1000, help='calls per round (5 rounds)')
    parser.add_argument(
        '--cpu',
        action='store_true',
        help="time by the process's CPU time rather than the wall clock: steadier while other "
        'work shares the cores',
    )
    options = parser.parse_args()
    logging.getLogger('podsite.request').setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix='podsite-page-cost-') as folder:
        database_url = f'sqlite+aiosqlite:///{Path(folder) / "bench.db"}'
        env = {**os.environ, 'PODSITE_DATABASE_URL': database_url}
        load_demo(env, options.episodes)
        clock = time.process_time if options.cpu else time.perf_counter
        results = asyncio.run(measure(database_url, options.episodes // 2, options.runs, clock))
    print(
        f'\nIn-process cost per request ({"CPU" if options.cpu else "wall"} time), SQLite, '
        f'{options.episodes} episodes'
    )
    print(f'{"what":<24}{"us":>10}')
    for name, microseconds in results:
        print(f'{name:<24}{microseconds:>10.0f}')


if __name__ == '__main__':
    main()
