"""Transcript pages with timestamps into the player, and Podcasting 2.0 JSON chapters."""

import json

import pytest
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode, Transcript
from podsite.viewmodels.episodes.details import table_of_contents
from tests.factories import add_episode

CUES = [
    {'start': 0.0, 'end': 4.0, 'speaker': 'Robin', 'text': 'Welcome to the show.'},
    {'start': 4.0, 'end': 9.5, 'speaker': 'Robin', 'text': 'Today: <async> & friends.'},
    {'start': 65.2, 'end': 70.0, 'speaker': 'Ada', 'text': 'Thanks for having me.'},
]
CHAPTERS = {
    'version': '1.2.0',
    'chapters': [
        {'startTime': 0, 'title': 'Intro'},
        {'startTime': 125.5, 'title': 'Async & await'},
        {'startTime': 300, 'title': 'Ad break', 'toc': False},
        {'startTime': 'soon', 'title': 'Broken import'},
    ],
}


@pytest.fixture
async def episode_with_extras(session: AsyncSession) -> Episode:
    episode = await add_episode(session, title='Talking async', slug='talking-async')
    episode.chapters = CHAPTERS
    session.add(Transcript(episode_id=episode.id, text='Robin: Welcome.', cues=CUES))
    await session.commit()
    return episode


async def test_transcript_page_shows_speaker_turns_linked_to_the_player(
    client: Client, episode_with_extras: Episode
) -> None:
    number = episode_with_extras.number
    response = await client.get(f'/episodes/transcript/{number}/talking-async')
    html = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('class="turn"') == 2  # Robin's two cues are one turn
    assert f'href="/episodes/show/{number}/talking-async#t=0"' in html
    assert f'href="/episodes/show/{number}/talking-async#t=65"' in html
    assert '>01:05<' in html
    assert 'Today: &lt;async&gt; &amp; friends.' in html
    assert f'href="/episodes/transcript/{number}/talking-async.vtt"' in html


async def test_transcript_without_timing_is_shown_as_paragraphs(
    client: Client, session: AsyncSession
) -> None:
    episode = await add_episode(session, slug='plain')
    session.add(Transcript(episode_id=episode.id, text='First part.\n\nSecond part.', cues=None))
    await session.commit()
    html = await (await client.get(f'/episodes/transcript/{episode.number}/plain')).get_data(
        as_text=True
    )
    assert '<p>First part.</p>' in html and '<p>Second part.</p>' in html


async def test_transcript_urls_redirect_or_404_like_episode_urls(
    client: Client, session: AsyncSession, episode_with_extras: Episode
) -> None:
    number = episode_with_extras.number
    for path in (
        f'/episodes/transcript/{number}/old-slug',
        f'/episodes/transcript/0{number}/talking-async',
    ):
        stale = await client.get(path)
        assert stale.status_code == 301
        assert stale.headers['Location'] == f'/episodes/transcript/{number}/talking-async'
    without = await add_episode(session, slug='no-transcript')
    for path in (
        f'/episodes/transcript/{without.number}/no-transcript',
        '/episodes/transcript/99999/x',
        '/episodes/transcript/99999999999999999999/x',
    ):
        assert (await client.get(path)).status_code == 404


async def test_episode_page_lists_chapters_and_links_the_transcript(
    client: Client, episode_with_extras: Episode
) -> None:
    number = episode_with_extras.number
    html = await (await client.get(f'/episodes/show/{number}/talking-async')).get_data(as_text=True)
    # Each chapter seeks the player: its start for the seek bar's marks, its link for a click.
    assert '<li data-chapter-start="125">' in html
    assert 'href="#t=125" aria-label="Play from 02:05: Async &amp; await">02:05</a>' in html
    assert 'Async &amp; await' in html
    assert 'Ad break' not in html and 'Broken import' not in html
    assert f'href="/episodes/transcript/{number}/talking-async">Read the transcript' in html
    assert 'js/player.js' in html and 'data-player' in html


async def test_chapters_json_is_served_with_its_type_and_cors(
    client: Client, episode_with_extras: Episode, session: AsyncSession
) -> None:
    response = await client.get(f'/episodes/chapters/{episode_with_extras.number}.json')
    assert response.status_code == 200
    assert response.headers['Content-Type'].startswith('application/json+chapters')
    assert response.headers['Access-Control-Allow-Origin'] == '*'
    assert json.loads(await response.get_data()) == CHAPTERS
    plain = await session.scalar(select(Episode).where(Episode.chapters.is_(None)).limit(1))
    assert plain is not None
    assert (await client.get(f'/episodes/chapters/{plain.number}.json')).status_code == 404
    assert (await client.get('/episodes/chapters/abc.json')).status_code == 404


def test_chapters_with_a_start_no_page_can_show_are_left_out_of_the_contents() -> None:
    stored = {'chapters': [{'startTime': float('inf')}, {'startTime': 'nan'}, {'startTime': 5}]}
    assert [chapter.seconds for chapter in table_of_contents(stored)] == [5]
