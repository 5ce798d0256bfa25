"""Episode pages: details, canonical redirects, the full list, and what must 404."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from lxml import html as lxml_html
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode, EpisodeGuest, Sponsor, SponsorPlacement
from tests.clock import MovableClock
from tests.databases import DEMO_EPISODES, QueryCounter
from tests.factories import (
    add_episode,
    add_guest,
    add_live_stream,
    first_published_episode,
    is_public,
)


async def test_episode_page_shows_everything_about_the_episode(
    client: Client, session: AsyncSession
) -> None:
    episode = await first_published_episode(session)
    response = await client.get(f'/episodes/show/{episode.number}/{episode.slug}')
    assert response.status_code == 200
    html = await response.get_data(as_text=True)
    assert f'<title>#{episode.number}: ' in html
    # The web player plays through the counted download, so its listens are counted too;
    # it loads nothing before the listener presses play, so a view is not a download.
    # Without JavaScript it is the browser's own player.
    page = lxml_html.fromstring(html)
    (audio,) = page.xpath('//section[@data-player-root]/audio[@data-player]')
    assert audio.get('src') == f'/episodes/download/{episode.number}/{episode.slug}.mp3'
    assert audio.get('preload') == 'none' and audio.get('controls') is not None
    assert audio.get('data-episode') == str(episode.number)
    assert audio.get('data-duration') == str(episode.duration_seconds)
    scripts = page.xpath('//script/@src')
    assert any(src.startswith('/static/js/player.js?v=') for src in scripts)
    assert not page.xpath('//script[not(@src)][not(@type="application/ld+json")]')  # CSP
    assert f'href="https://podcast.test/episodes/show/{episode.number}/{episode.slug}"' in html
    assert 'class="prose"' in html and '<a href="https://' in html
    assert '/guests/' in html


async def test_youtube_embed_only_when_the_episode_has_a_video(
    client: Client, session: AsyncSession
) -> None:
    with_video = await session.scalar(
        select(Episode).where(Episode.youtube_id.is_not(None), is_public())
    )
    without = await session.scalar(select(Episode).where(Episode.youtube_id.is_(None), is_public()))
    assert with_video is not None and without is not None
    html = await (
        await client.get(f'/episodes/show/{with_video.number}/{with_video.slug}')
    ).get_data(as_text=True)
    assert f'youtube-nocookie.com/embed/{with_video.youtube_id}' in html
    html = await (await client.get(f'/episodes/show/{without.number}/{without.slug}')).get_data(
        as_text=True
    )
    assert 'youtube-nocookie.com' not in html


@pytest.mark.parametrize('path', ['/episodes/show/{n}', '/{n}', '/episodes/show/{n}/not-the-slug'])
async def test_short_and_stale_urls_redirect_permanently_to_the_canonical_url(
    client: Client, session: AsyncSession, path: str
) -> None:
    episode = await first_published_episode(session)
    response = await client.get(path.format(n=episode.number))
    assert response.status_code == 301
    assert response.headers['Location'] == f'/episodes/show/{episode.number}/{episode.slug}'


def with_zero(zero: str, number: int) -> str:
    """`number` in the digits of another script, whose zero is `zero`."""
    return ''.join(chr(ord(zero) + int(digit)) for digit in str(number))


@pytest.mark.parametrize('spell', [lambda number: f'0{number}', lambda number: f'000000{number}'])
async def test_a_number_spelt_another_way_redirects_to_the_canonical_url(
    client: Client, session: AsyncSession, spell: Callable[[int], str]
) -> None:
    """Not a page of its own: each spelling would be kept apart in the page cache."""
    episode = await first_published_episode(session)
    number = spell(episode.number)
    canonical = f'/episodes/show/{episode.number}/{episode.slug}'
    for path in (f'/episodes/show/{number}/{episode.slug}', f'/episodes/show/{number}/stale'):
        response = await client.get(quote(path))
        assert response.status_code == 301
        assert response.headers['Location'] == canonical


@pytest.mark.parametrize('zero', ['\u0660', '\uff10'])  # Arabic-Indic, fullwidth digits
async def test_a_number_in_the_digits_of_another_script_is_no_page(
    client: Client, session: AsyncSession, zero: str
) -> None:
    """The URL converter reads ASCII digits only: another script's are a 404, never kept."""
    episode = await first_published_episode(session)
    response = await client.get(quote(f'/episodes/show/{with_zero(zero, episode.number)}'))
    assert response.status_code == 404


@pytest.mark.parametrize(
    'path',
    [
        '/episodes/show/abc',
        '/episodes/show/-1',
        '/episodes/show/0',
        '/episodes/show/99999999999999999999',
        '/episodes/show/99999999999999999999/slug',
        '/episodes/show/2147483648',
        '/episodes/show/123456',
        '/99999999999999999999',
        '/episodes/show/abc/def',
    ],
)
async def test_malformed_or_unknown_episode_urls_are_404(client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert 'Page not found' in await response.get_data(as_text=True)


@pytest.mark.parametrize('slug', ['épisode-ünïcode-✓', 'x' * 5000, '%F0%9F%8E%99', '%00', '%FF%FE'])
async def test_odd_slugs_redirect_to_the_canonical_url(
    client: Client, session: AsyncSession, slug: str
) -> None:
    episode = await first_published_episode(session)
    response = await client.get(f'/episodes/show/{episode.number}/{slug}')
    assert response.status_code == 301
    assert response.headers['Location'] == f'/episodes/show/{episode.number}/{episode.slug}'


async def test_unpublished_and_scheduled_episodes_are_404_everywhere(
    client: Client, session: AsyncSession
) -> None:
    draft = await add_episode(session, title='Secret draft', slug='secret-draft', published=False)
    scheduled = await add_episode(
        session,
        title='Coming soon',
        slug='coming-soon',
        published_at=datetime.now(UTC) + timedelta(days=3),
    )
    for episode in (draft, scheduled):
        for path in (f'/episodes/show/{episode.number}/{episode.slug}', f'/{episode.number}'):
            assert (await client.get(path)).status_code == 404
    listing = await (await client.get('/episodes/all')).get_data(as_text=True)
    assert 'Secret draft' not in listing and 'Coming soon' not in listing


async def test_all_episodes_lists_every_public_episode_with_date_and_guests(
    client: Client, session: AsyncSession
) -> None:
    public = (await session.scalars(select(Episode).where(is_public()))).all()
    response = await client.get('/episodes/all')
    html = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('<tr>') == len(public) + 1  # one header row
    assert len(public) == DEMO_EPISODES - 2  # the demo keeps one scheduled, one draft
    assert '<time datetime=' in html and '/guests/' in html


async def test_script_in_names_and_show_notes_is_rendered_inert(
    client: Client, session: AsyncSession
) -> None:
    guest = await add_guest(session, name='<script>alert("guest")</script>', slug='mallory')
    episode = await add_episode(
        session,
        title='<script>alert("title")</script>',
        slug='xss',
        show_notes=(
            'Hi <script>alert("notes")</script> [x](javascript:alert(1)) '
            '<img src=x onerror=alert(2)> <a href="javascript:alert(3)">y</a>'
        ),
        guests=(guest,),
    )
    html = await (await client.get(f'/episodes/show/{episode.number}/xss')).get_data(as_text=True)
    assert '<script>alert' not in html
    assert 'href="javascript' not in html and 'onerror=' not in html
    assert '<span class="name">&lt;script&gt;alert("guest")&lt;/script&gt;</span>' in html


async def test_episode_page_lists_people_and_sponsors_in_their_set_order(
    client: Client, session: AsyncSession
) -> None:
    guests = [await add_guest(session, name=f'Person {name}', slug=name) for name in 'abc']
    sponsors = (await session.scalars(select(Sponsor).order_by(Sponsor.name).limit(3))).all()
    episode = await add_episode(session, guests=tuple(guests), sponsors=tuple(sponsors))
    # Reordered after they were added, so the stored order is not the order of the rows.
    for guest, position in zip(guests, (2, 3, 1), strict=True):
        await session.execute(
            update(EpisodeGuest)
            .where(EpisodeGuest.episode_id == episode.id, EpisodeGuest.guest_id == guest.id)
            .values(position=position)
        )
    for sponsor, position in zip(sponsors, (3, 1, 2), strict=True):
        await session.execute(
            update(SponsorPlacement)
            .where(SponsorPlacement.episode_id == episode.id)
            .where(SponsorPlacement.sponsor_id == sponsor.id)
            .values(position=position)
        )
    await session.commit()
    html = await (await client.get(f'/episodes/show/{episode.number}/{episode.slug}')).get_data(
        as_text=True
    )
    people = [html.index(f'Person {name}') for name in 'cab']
    reads = [html.index(f'<strong>{sponsors[index].name}</strong>') for index in (1, 2, 0)]
    assert people == sorted(people)
    assert reads == sorted(reads)


async def test_episode_page_runs_a_fixed_number_of_queries(
    client: Client, session: AsyncSession, queries: QueryCounter
) -> None:
    small = await add_episode(session, slug='small', show_notes='One [link](https://a.test).')
    guests = [await add_guest(session, name=f'Guest {i}', slug=f'guest-{i}') for i in range(6)]
    sponsors = (await session.scalars(select(Sponsor).limit(3))).all()
    links = '\n'.join(f'- [link {i}](https://example.test/{i})' for i in range(60))
    big = await add_episode(
        session, slug='big', show_notes=links, guests=tuple(guests), sponsors=tuple(sponsors)
    )
    counts = []
    for episode in (small, big):
        queries.reset()
        response = await client.get(f'/episodes/show/{episode.number}/{episode.slug}')
        assert response.status_code == 200
        counts.append(queries.page_count)
    # The episode with its people and sponsors; and the layout's, which later pages reuse
    # until a change.
    assert counts == [2, 1]


async def test_all_episodes_query_count_does_not_grow_with_the_catalogue(
    client: Client, session: AsyncSession, queries: QueryCounter
) -> None:
    queries.reset()
    await client.get('/episodes/all')
    before = queries.page_count
    guest = await add_guest(session, name='Frequent Guest', slug='frequent-guest')
    for index in range(30):
        await add_episode(session, slug=f'more-{index}', guests=(guest,))
    queries.reset()
    response = await client.get('/episodes/all')
    assert response.status_code == 200
    assert queries.page_count == before == 3


async def page_of(client: Client, episode: Episode) -> str:
    response = await client.get(f'/episodes/show/{episode.number}/{episode.slug}')
    assert response.status_code == 200
    return await response.get_data(as_text=True)


async def test_neighbours_are_the_public_episodes_just_before_and_after(
    client: Client, session: AsyncSession
) -> None:
    now = datetime.now(UTC)
    earlier = await add_episode(session, number=9001, title='Earlier one', slug='earlier')
    await add_episode(session, number=9002, slug='draft', published=False)
    await add_episode(session, number=9003, slug='soon', published_at=now + timedelta(days=2))
    later = await add_episode(session, number=9004, title='Later one', slug='later')

    html = await page_of(client, earlier)
    assert '<a rel="next" href="/episodes/show/9004/later">Next: Later one →</a>' in html
    assert 'rel="prev"' in html  # the demo's last episode
    html = await page_of(client, later)
    assert '<a rel="prev" href="/episodes/show/9001/earlier">← Previous: Earlier one</a>' in html
    assert 'rel="next"' not in html  # neither the draft nor the one not yet due


async def test_the_first_episode_has_no_previous_one(client: Client, session: AsyncSession) -> None:
    html = await page_of(client, await first_published_episode(session))
    assert 'rel="prev"' not in html
    assert 'rel="next"' in html


async def test_a_scheduled_episode_becomes_the_next_one_when_it_is_due(
    client: Client, session: AsyncSession, clock: MovableClock
) -> None:
    last = await add_episode(session, number=9001, slug='last')
    await add_episode(
        session, number=9002, title='Due', slug='due',
        published_at=datetime.now(UTC) + timedelta(hours=1),
    )  # fmt: skip
    assert 'rel="next"' not in await page_of(client, last)
    clock.advance(timedelta(hours=2))
    assert 'href="/episodes/show/9002/due">Next: Due →' in await page_of(client, last)


async def test_the_page_shows_when_the_episode_was_recorded(
    client: Client, session: AsyncSession
) -> None:
    episode = await first_published_episode(session)
    assert episode.recorded_at is not None and episode.recorded_at < episode.published_at
    html = await page_of(client, episode)
    assert f'Recorded <time datetime="{episode.recorded_at.isoformat()}">' in html
    unrecorded = await add_episode(session, slug='no-recording-date')
    assert 'Recorded' not in await page_of(client, unrecorded)


async def test_an_episode_recorded_live_links_the_stream_recording(
    client: Client, session: AsyncSession
) -> None:
    episode = await add_episode(session, slug='recorded-live')
    await add_live_stream(session, starts_in=-timedelta(days=3), youtube_id='Abc123_-xyz',
                          episode=episode)  # fmt: skip
    html = await page_of(client, episode)
    assert '<a href="https://www.youtube.com/watch?v=Abc123_-xyz" rel="noopener">' in html
    assert 'www.youtube.com/watch' not in await page_of(
        client, await add_episode(session, slug='studio-only')
    )
    # And the stream page links the episode it became.
    streams = await (await client.get('/live-stream')).get_data(as_text=True)
    assert '/episodes/show/' + str(episode.number) + '/recorded-live' in streams
