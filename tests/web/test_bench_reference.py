"""The Flask reference in bench/ serves the same episode page as podsite, so the benchmark
compares two ways of building one page, not two pages."""

import importlib.util
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode
from tests.databases import settings_for
from tests.factories import add_live_stream, first_published_episode

REFERENCE_APP = Path(__file__).resolve().parents[2] / 'bench' / 'reference' / 'app.py'

CHAPTERS = {
    'version': '1.2.0',
    'chapters': [
        {'startTime': 0, 'title': 'Hello & welcome'},
        {'startTime': 95.5, 'title': 'For players only', 'toc': False},
        {'startTime': 3725, 'title': "The listener's questions"},
    ],
}


@pytest.fixture
def reference_app(database_url: str) -> Iterator[Flask]:
    """The benchmarks' Flask reference (bench/reference/app.py) over the same database."""
    spec = importlib.util.spec_from_file_location('bench_reference_app', REFERENCE_APP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reference: Flask = module.create_app(settings_for(database_url))
    yield reference
    reference.extensions['engine'].dispose()


class PageStructure(HTMLParser):
    """Tags with their attributes and the text between them, whitespace collapsed: what a
    browser shows, without the template engines' differences in spacing and escaping."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.parts: list[tuple[str, ...]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(('<', tag, *sorted(f'{name}={value}' for name, value in attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(('>', tag))

    def handle_data(self, data: str) -> None:
        if text := ' '.join(data.split()):
            self.parts.append(('text', text))


async def test_every_episode_page_is_the_same_page_from_the_reference(
    client: Client, reference_app: Flask, session: AsyncSession
) -> None:
    await add_live_stream(session, title='Live <now>', starts_in=timedelta(minutes=-5))
    with_chapters = await first_published_episode(session)
    with_chapters.chapters = CHAPTERS
    await session.commit()
    reference = reference_app.test_client()
    episodes = (await session.execute(select(Episode.number, Episode.slug))).all()
    compared = 0
    for number, slug in episodes:
        path = f'/episodes/show/{number}/{slug}'
        ours = await client.get(path)
        theirs = reference.get(path)
        assert theirs.status_code == ours.status_code, path
        if ours.status_code == 200:
            page = PageStructure(theirs.text).parts
            assert page == PageStructure(await ours.get_data(as_text=True)).parts, path
            assert ('text', 'Live <now>') in page
            if number == with_chapters.number:
                assert ('text', "The listener's questions") in page
            compared += 1
    assert compared >= 30


async def test_the_reference_redirects_a_stale_slug_and_refuses_a_missing_episode(
    client: Client, reference_app: Flask
) -> None:
    reference = reference_app.test_client()
    moved = reference.get('/episodes/show/1/not-its-slug')
    assert moved.status_code == 301
    assert moved.headers['Location'].startswith('/episodes/show/1/')
    assert reference.get('/episodes/show/99999/missing').status_code == 404
