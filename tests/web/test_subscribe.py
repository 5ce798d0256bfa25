"""Being found and subscribed to: the apps' buttons on the home and episode pages, the
feed's address to copy, and the feed announced to browsers on every page."""

import re

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Podcast
from podsite.tools.demo_content import DEMO_APPLE_PODCASTS_URL
from tests.factories import first_published_episode
from tests.visitors import Browser

FEED_URL = 'https://podcast.test/episodes/rss'
ALTERNATE = (
    f'<link rel="alternate" type="application/rss+xml" title="The Traceback" href="{FEED_URL}">'
)


def subscribe_buttons(html: str) -> dict[str, str]:
    section = html[html.index('class="subscribe"') :]
    section = section[: section.index('</section>')]
    links = re.findall(r'<a class="button" href="([^"]+)"[^>]*>(.*?)</a>', section)
    return {re.sub(r'<svg.*</svg>', '', name).strip(): url for url, name in links}


async def test_the_home_page_offers_the_apps_the_show_lists(client: Client) -> None:
    html = await (await client.get('/')).get_data(as_text=True)
    assert subscribe_buttons(html) == {
        'Apple Podcasts': DEMO_APPLE_PODCASTS_URL,
        'Spotify': 'https://open.spotify.com/show/0TracebackDemoShow00',
        'YouTube': 'https://www.youtube.com/@thetracebackdemo',
        'Overcast': 'https://overcast.fm/itunes1000000001',
        'Pocket Casts': 'https://pca.st/itunes/1000000001',
        'AntennaPod': 'https://antennapod.org/deeplink/subscribe?url='
        'https%3A%2F%2Fpodcast.test%2Fepisodes%2Frss',
        'Podcast Index': 'https://podcastindex.org/podcast/920000',
        'RSS feed': FEED_URL,
    }
    assert f'href="{FEED_URL}" type="application/rss+xml"><svg aria-hidden="true"' in html


async def test_the_episode_page_offers_them_too(client: Client, session: AsyncSession) -> None:
    episode = await first_published_episode(session)
    response = await client.get(f'/episodes/show/{episode.number}/{episode.slug}')
    html = await response.get_data(as_text=True)
    assert (
        subscribe_buttons(html)['Spotify'] == 'https://open.spotify.com/show/0TracebackDemoShow00'
    )
    assert 'Castro' not in subscribe_buttons(html)


async def test_without_javascript_the_feed_address_is_there_to_select(client: Client) -> None:
    html = await (await client.get('/')).get_data(as_text=True)
    assert f'<input id="feed-address" type="text" readonly value="{FEED_URL}"' in html
    # The copy button only appears once its script runs (no inline script: the CSP).
    assert re.search(r'<button type="button"[^>]*data-copy="feed-address"[^>]*hidden>', html)
    assert re.search(r'<script src="/static/js/copy\.js\?v=\w+" defer></script>', html)


async def test_a_show_listing_no_app_shows_only_its_feed(
    client: Client, session: AsyncSession
) -> None:
    podcast = await session.scalar(select(Podcast))
    assert podcast is not None
    podcast.subscribe_urls = {}
    await session.commit()
    html = await (await client.get('/')).get_data(as_text=True)
    assert subscribe_buttons(html) == {'RSS feed': FEED_URL}


@pytest.mark.parametrize(
    'path',
    ['/', '/episodes/all', '/guests', '/live-stream', '/search?q=python', '/friends-of-the-show',
     '/privacy', '/account/login'],
)  # fmt: skip
async def test_every_page_announces_the_feed(client: Client, path: str) -> None:
    html = await (await client.get(path)).get_data(as_text=True)
    assert html.count(ALTERNATE) == 1


async def test_error_pages_announce_the_feed(client: Client, session: AsyncSession) -> None:
    title = await session.scalar(select(Podcast.title))
    response = await client.get('/no-such-page')
    assert response.status_code == 404
    html = await response.get_data(as_text=True)
    assert f'type="application/rss+xml" title="{title}" href="{FEED_URL}"' in html


async def test_episode_and_guest_pages_announce_the_feed(
    client: Client, session: AsyncSession
) -> None:
    episode = await first_published_episode(session)
    episode_page = await client.get(f'/episodes/show/{episode.number}/{episode.slug}')
    guest_page = await client.get('/guests/robin-calloway')
    for response in (episode_page, guest_page):
        assert ALTERNATE in await response.get_data(as_text=True)


async def test_the_admin_lists_apps_and_suggests_derived_urls(admin: Browser, app: Quart) -> None:
    html = await admin.page('/admin/settings')
    assert f'type="url" value="{DEMO_APPLE_PODCASTS_URL}"' in html
    assert 'Suggested: <code>https://overcast.fm/itunes1000000001</code>' in html

    form = settings_form(html) | {
        'subscribe_castro': 'https://castro.fm/podcast/0b5c4b5e',
        'subscribe_spotify': '',
    }
    saved = await admin.submit('/admin/settings', form)
    assert saved.status_code == 200
    buttons = subscribe_buttons(await Browser(app.test_client()).page('/'))
    assert buttons['Castro'] == 'https://castro.fm/podcast/0b5c4b5e'
    assert 'Spotify' not in buttons


async def test_an_app_address_that_is_not_a_web_address_is_refused_by_name(
    admin: Browser, app: Quart
) -> None:
    form = settings_form(await admin.page('/admin/settings'))
    bad = await admin.submit(
        '/admin/settings',
        form | {'subscribe_castro': 'castro.fm/podcast', 'subscribe_youtube': 'javascript:alert(1)',
                'subscribe_spotify': 'https://open.spotify.com/show/' + 'x' * 2000},
    )  # fmt: skip
    html = await bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert 'the show in Castro, starting with https://' in html
    assert 'the show in YouTube, starting with https://' in html
    assert 'The address can be at most 2000 characters.' in html
    assert 'value="castro.fm/podcast"' in html  # kept for correcting
    buttons = subscribe_buttons(await Browser(app.test_client()).page('/'))
    assert 'Castro' not in buttons
    assert buttons['YouTube'] == 'https://www.youtube.com/@thetracebackdemo'


def settings_form(html: str) -> dict[str, str]:
    """The settings form as the page fills it in."""
    fields = dict(re.findall(r'<input id="(\w+)" name="\w+"(?: type="url")? value="([^"]*)"', html))
    fields['locked'] = 'on'
    return fields
