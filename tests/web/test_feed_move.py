"""Moving the feed: the admin names the new address, the feed announces it with
`itunes:new-feed-url`, and when asked the old address answers 301 to the new one."""

from html import unescape

import feedparser
import pytest
from lxml import etree
from quart.typing import TestClientProtocol as Client
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import AuditEntry, Podcast, SiteState
from tests.visitors import Browser
from tests.web.feed_check import NS, problems

NEW_FEED = 'https://feeds.example.com/the-traceback.xml'
SETTINGS = {
    'title': 'The Traceback', 'language': 'en', 'owner_email': 'owner@example.com',
    'category_1': 'Technology', 'locked': 'on', 'artwork_url': '/static/img/demo/artwork.png',
}  # fmt: skip


async def save_settings(admin: Browser, **fields: str) -> str:
    response = await admin.submit('/admin/settings', SETTINGS | fields)
    return unescape(await response.get_data(as_text=True))


async def announced(client: Client) -> str | None:
    response = await client.get('/episodes/rss')
    assert response.status_code == 200
    body = await response.get_data()
    assert problems(body) == []
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.bozo_exception
    channel = etree.fromstring(body).find('channel')
    assert channel is not None
    return channel.findtext('itunes:new-feed-url', namespaces=NS)


async def stored(session: AsyncSession) -> tuple[str, bool]:
    session.expire_all()
    row = (await session.execute(select(Podcast.new_feed_url, Podcast.redirect_feed))).one()
    return row.new_feed_url, row.redirect_feed


async def test_the_feed_announces_its_new_address_from_the_next_request(
    admin: Browser, client: Client, session: AsyncSession
) -> None:
    assert await announced(client) is None
    version = await session.scalar(select(SiteState.content_version))

    page = await save_settings(admin, new_feed_url=NEW_FEED)

    assert 'Saved.' in page
    assert f'value="{NEW_FEED}"' in page
    assert await announced(client) == NEW_FEED
    assert await session.scalar(select(SiteState.content_version)) > (version or 0)
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.entity == 'podcast').order_by(AuditEntry.id.desc())
    )
    assert entry is not None and entry.user_email == 'admin@example.com'
    assert entry.changes['new_feed_url'] == ['', NEW_FEED]

    await save_settings(admin, new_feed_url='')
    assert await announced(client) is None
    assert await stored(session) == ('', False)


async def test_the_old_feed_redirects_only_when_asked(
    admin: Browser, client: Client, session: AsyncSession
) -> None:
    await save_settings(admin, new_feed_url=NEW_FEED, redirect_feed='on')
    moved = await client.get('/episodes/rss')
    assert moved.status_code == 301
    assert moved.headers['Location'] == NEW_FEED
    assert await stored(session) == (NEW_FEED, True)

    await save_settings(admin, new_feed_url=NEW_FEED)
    assert await announced(client) == NEW_FEED


@pytest.mark.parametrize(
    ('fields', 'message'),
    [({'new_feed_url': 'feeds.example.com/show.xml'}, 'starting with https://'),
     ({'new_feed_url': 'ftp://feeds.example.com/show.xml'}, 'starting with https://'),
     ({'new_feed_url': 'https://'}, 'starting with https://'),
     ({'new_feed_url': 'https://[::1/feed'}, 'starting with https://'),  # urlsplit raises
     ({'new_feed_url': 'https://feeds.example.com:99999/rss'}, 'starting with https://'),
     ({'new_feed_url': 'https://feeds.example.com:/rss'}, 'starting with https://'),
     ({'new_feed_url': 'https://feeds.example.com/' + 'a' * 2000}, 'at most 2000 characters'),
     ({'new_feed_url': 'https://podcast.test/episodes/rss'}, "this site's own feed"),
     ({'new_feed_url': 'http://PODCAST.test/episodes/rss/'}, "this site's own feed"),
     ({'redirect_feed': 'on'}, 'Redirecting needs the new feed URL')],
)  # fmt: skip
async def test_a_bad_new_address_is_refused_and_nothing_stored(
    admin: Browser, client: Client, session: AsyncSession, fields: dict[str, str], message: str
) -> None:
    audits = await session.scalar(select(func.count()).select_from(AuditEntry))
    response = await admin.submit('/admin/settings', SETTINGS | fields)
    assert response.status_code == 400
    page = unescape(await response.get_data(as_text=True))
    assert message in page
    assert fields.get('new_feed_url', '') in page
    assert await stored(session) == ('', False)
    assert await session.scalar(select(func.count()).select_from(AuditEntry)) == audits
    assert await announced(client) is None
