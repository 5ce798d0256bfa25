"""Live streams: the page with its countdown and archive, the "live now" banner on every
page at no query's cost, the feed's live items, the calendar, notify-me emails with double
opt-in, the command that sends them, and the admin's checked forms."""

import hashlib
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import feedparser
import icalendar
import pytest
from lxml import etree
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import (
    AuditEntry,
    LiveStream,
    OutboxMessage,
    Podcast,
    StreamNotification,
    StreamSubscriber,
)
from podsite.services.streams import stream_subscriber_service
from tests.clock import MovableClock
from tests.databases import QueryCounter
from tests.factories import add_live_stream, first_published_episode
from tests.visitors import Browser
from tests.web.feed_check import NS, problems

BASE = 'https://podcast.test'
LINK = re.compile(r'https://podcast\.test(/live-stream/(?:confirm|unsubscribe)/\S+)')


async def html_of(client: Client, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, path
    return await response.get_data(as_text=True)


async def messages_to(session: AsyncSession, address: str) -> list[OutboxMessage]:
    found = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)
    )
    return list(found.all())


def links_in(message: OutboxMessage) -> dict[str, str]:
    """The confirm and unsubscribe paths of a message, by kind."""
    return {path.split('/')[2]: path for path in LINK.findall(message.body)}


async def sign_up(browser: Browser, email: str) -> tuple[int, str]:
    response = await browser.submit('/live-stream/notify', {'email': email})
    return response.status_code, unescape(await response.get_data(as_text=True))


async def confirmed_subscriber(browser: Browser, session: AsyncSession, email: str) -> None:
    status, _ = await sign_up(browser, email)
    assert status == 200
    confirm = links_in((await messages_to(session, email))[-1])['confirm']
    assert (await browser.client.get(confirm)).status_code == 200


# The page


async def test_the_page_shows_the_next_stream_in_text_with_its_embed_and_the_archive(
    client: Client, session: AsyncSession
) -> None:
    episode = await first_published_episode(session)
    await add_live_stream(
        session, title='Recorded long ago', starts_in=-timedelta(days=400), episode=episode
    )
    html = unescape(await html_of(client, '/live-stream'))
    upcoming = await session.scalar(
        select(LiveStream).where(LiveStream.starts_at > datetime.now(UTC))
    )
    assert upcoming is not None
    assert 'Next live stream' in html and upcoming.title in html
    start_text = f'at {upcoming.starts_at:%H:%M} UTC'
    assert start_text in html  # readable before (and without) the countdown script
    assert f'datetime="{upcoming.starts_at.isoformat()}" data-countdown' in html
    assert '/static/js/countdown.' in html
    assert f'https://www.youtube-nocookie.com/embed/{upcoming.youtube_id}' in html
    assert f'/live-stream/{upcoming.id}.ics' in html
    assert 'Past streams' in html
    assert f'<a href="/episodes/show/{episode.number}/{episode.slug}">Recorded long ago</a>' in html
    assert 'Live now' not in html


async def test_the_embed_is_allowed_by_the_content_security_policy(client: Client) -> None:
    response = await client.get('/live-stream')
    assert (
        'frame-src https://www.youtube-nocookie.com' in response.headers['Content-Security-Policy']
    )


async def test_a_stream_is_live_by_the_clock_and_every_page_shows_the_banner(
    client: Client, session: AsyncSession, clock: MovableClock
) -> None:
    for path in ('/', '/episodes/all', '/guests'):
        assert 'class="live-banner"' not in await html_of(client, path)
    await add_live_stream(session, title='Soon on air', starts_in=timedelta(minutes=10))
    assert 'class="live-banner"' not in await html_of(client, '/')
    # Nothing is written when a stream starts: only time passes.
    clock.advance(timedelta(minutes=10, seconds=1))
    for path in ('/', '/episodes/all', '/guests', '/privacy', '/live-stream'):
        html = await html_of(client, path)
        assert 'class="live-banner"' in html and 'Soon on air' in html, path
    page = await html_of(client, '/live-stream')
    assert 'Live now' in page and 'id="live"' in page


async def test_the_admin_calls_a_stream_live_when_the_site_does(
    admin: Browser, session: AsyncSession, clock: MovableClock
) -> None:
    await add_live_stream(session, title='Soon on air', starts_in=timedelta(minutes=10))

    async def status_in_the_admin() -> str:
        rows = (await admin.page('/admin/streams')).split('<tr')
        (row,) = [row for row in rows if 'Soon on air' in row and 'status-' in row]
        found = re.search(r'status-(\w+)', row)
        assert found is not None
        return found.group(1)

    assert await status_in_the_admin() == 'upcoming'
    clock.advance(timedelta(minutes=10, seconds=1))
    assert 'class="live-banner"' in await html_of(admin.client, '/')
    assert await status_in_the_admin() == 'live'


async def test_a_stream_that_ended_leaves_no_banner(client: Client, session: AsyncSession) -> None:
    await add_live_stream(session, starts_in=-timedelta(hours=2), duration_minutes=60)
    assert 'class="live-banner"' not in await html_of(client, '/')


async def test_the_banner_costs_no_query(
    client: Client, session: AsyncSession, queries: QueryCounter
) -> None:
    counts = []
    for starts_in in (None, -timedelta(minutes=5)):
        if starts_in is not None:
            await add_live_stream(session, title='On air', starts_in=starts_in)
        for path in ('/', '/episodes/all'):
            await client.get(path)  # any cache of the page warmed first
        queries.reset()
        for path in ('/', '/episodes/all'):
            html = await html_of(client, path)
            assert ('On air' in html) is (starts_in is not None)
        counts.append(queries.count)
    assert counts[0] == counts[1]


# The feed


async def feed_root(client: Client) -> etree._Element:
    response = await client.get('/episodes/rss')
    assert response.status_code == 200
    xml = await response.get_data()
    assert problems(xml) == []
    return etree.fromstring(xml)


async def test_the_feed_announces_upcoming_and_live_streams_but_not_past_ones(
    client: Client, session: AsyncSession
) -> None:
    await add_live_stream(session, title='Live right now', starts_in=-timedelta(minutes=10))
    await add_live_stream(session, title='Long over', starts_in=-timedelta(days=3))
    root = await feed_root(client)
    live_items = root.findall('channel/podcast:liveItem', NS)
    by_title = {item.findtext('title'): item for item in live_items}
    assert 'Long over' not in by_title
    live = by_title['Live right now']
    assert live.get('status') == 'live'
    assert (
        live.findtext('content:encoded', namespaces=NS) == '<p>We talk <strong>live</strong>.</p>\n'
    )
    upcoming = [item for item in live_items if item.get('status') == 'pending']
    assert len(upcoming) == 1
    for item in live_items:
        start = datetime.fromisoformat(item.get('start', ''))
        end = datetime.fromisoformat(item.get('end', ''))
        assert start.utcoffset() == timedelta(0) and end > start
        assert item.findtext('guid') and item.findtext('description')
        links = [link.get('href') for link in item.findall('podcast:contentLink', NS)]
        assert links[0] is not None and re.fullmatch(
            r'https://www\.youtube\.com/watch\?v=[A-Za-z0-9_-]{11}', links[0]
        )
    parsed = feedparser.parse(etree.tostring(root))
    assert not parsed.bozo
    # Live items do not take over the show's own title, link and description.
    assert parsed.feed.title == await session.scalar(select(Podcast.title))
    assert parsed.feed.link == f'{BASE}/'
    assert parsed.feed.description == root.findtext('channel/description')
    assert all(entry.title not in by_title for entry in parsed.entries)


def live_statuses(root: etree._Element) -> dict[str | None, str | None]:
    return {
        i.findtext('title'): i.get('status') for i in root.iterfind('channel/podcast:liveItem', NS)
    }


async def test_the_feed_follows_stream_edits_and_the_clock_at_once(
    client: Client, session: AsyncSession, clock: MovableClock
) -> None:
    stream = await add_live_stream(session, title='First title', starts_in=timedelta(minutes=10))
    assert live_statuses(await feed_root(client))['First title'] == 'pending'
    clock.advance(timedelta(minutes=10, seconds=1))  # the kept feed expires at the start
    assert live_statuses(await feed_root(client))['First title'] == 'live'
    await session.execute(
        update(LiveStream).where(LiveStream.id == stream.id).values(title='Second title')
    )
    await session.commit()
    statuses = live_statuses(await feed_root(client))
    assert 'Second title' in statuses and 'First title' not in statuses


# The calendar


def unfold(body: str) -> list[str]:
    return body.replace('\r\n ', '').split('\r\n')


async def calendar_text(client: Client, path: str = '/live-stream/upcoming.ics') -> str:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'text/calendar; charset=utf-8'
    return await response.get_data(as_text=True)


async def test_the_calendar_has_one_event_per_upcoming_or_live_stream(
    client: Client, session: AsyncSession
) -> None:
    title = 'Q&A; packaging, wheels \\ and\nmore — «ünïcödé» ' + 'long words ' * 8
    stream = await add_live_stream(session, title=title, starts_in=-timedelta(minutes=5))
    await add_live_stream(session, title='Over', starts_in=-timedelta(days=2))
    body = await calendar_text(client)
    assert body.endswith('\r\n') and '\n' not in body.replace('\r\n', '')
    assert all(len(line.encode()) <= 75 for line in body.split('\r\n'))
    lines = unfold(body)
    for expected in ('BEGIN:VCALENDAR', 'VERSION:2.0', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH'):
        assert expected in lines
    assert any(line.startswith('PRODID:') for line in lines)
    assert lines.count('BEGIN:VEVENT') == 2  # the live one and the demo's upcoming one
    assert 'SUMMARY:Over' not in lines
    escaped = title.replace('\\', '\\\\').replace(';', '\\;').replace(',', '\\,')
    assert f'SUMMARY:{escaped.replace(chr(10), chr(92) + "n")}' in lines
    assert f'DTSTART:{stream.starts_at:%Y%m%dT%H%M%SZ}' in lines
    assert f'DTEND:{stream.ends_at:%Y%m%dT%H%M%SZ}' in lines
    assert f'URL:{BASE}/live-stream' in lines
    assert any(line.startswith('DTSTAMP:') and line.endswith('Z') for line in lines)
    uid = f'UID:{stream.guid}@podcast.test'
    assert uid in lines
    [read] = [
        event
        for event in icalendar.Calendar.from_ical(body).events
        if event['UID'] == f'{stream.guid}@podcast.test'
    ]
    assert str(read['SUMMARY']) == title
    assert read.start == stream.starts_at and read.end == stream.ends_at
    assert str(read['URL']) == f'{BASE}/live-stream'
    await session.execute(update(LiveStream).where(LiveStream.id == stream.id).values(title='New'))
    await session.commit()
    assert uid in unfold(await calendar_text(client))  # stable across edits


MARKDOWN_DESCRIPTION = 'We set up **pyproject.toml** live; see [our guests](/guests).'


async def test_feed_and_calendar_give_plain_text_where_markup_is_not_read(
    client: Client, session: AsyncSession
) -> None:
    stream = await add_live_stream(
        session, title='Packaging live', description=MARKDOWN_DESCRIPTION
    )
    root = await feed_root(client)
    [item] = [
        item
        for item in root.findall('channel/podcast:liveItem', NS)
        if item.findtext('title') == 'Packaging live'
    ]
    plain = 'We set up pyproject.toml live; see our guests.'
    assert item.findtext('description') == plain
    notes = item.findtext('content:encoded', namespaces=NS) or ''
    assert f'href="{BASE}/guests"' in notes and 'href="/guests"' not in notes
    [event] = icalendar.Calendar.from_ical(
        await calendar_text(client, f'/live-stream/{stream.id}.ics')
    ).events
    assert str(event['DESCRIPTION']) == f'{plain}\n\nWatch: {stream_watch_url(stream)}'


def stream_watch_url(stream: LiveStream) -> str:
    return f'https://www.youtube.com/watch?v={stream.youtube_id}'


async def test_one_stream_has_its_own_calendar_file(client: Client, session: AsyncSession) -> None:
    stream = await add_live_stream(session, title='Just this one')
    lines = unfold(await calendar_text(client, f'/live-stream/{stream.id}.ics'))
    assert lines.count('BEGIN:VEVENT') == 1 and 'SUMMARY:Just this one' in lines


@pytest.mark.parametrize(
    'path',
    [
        '/live-stream/999999.ics',
        '/live-stream/0.ics',
        '/live-stream/-1.ics',
        '/live-stream/99999999999999999999.ics',
        '/live-stream/abc.ics',
        '/live-stream/1.ics.ics',
        '/live-stream/%00.ics',
    ],
)
async def test_calendar_requests_for_no_stream_are_404(client: Client, path: str) -> None:
    assert (await client.get(path)).status_code == 404


# Notify me


async def test_signing_up_confirming_and_unsubscribing(
    browser: Browser, session: AsyncSession
) -> None:
    status, html = await sign_up(browser, 'Ada@Example.com')
    assert status == 200 and 'Check your inbox' in html
    subscriber = await session.scalar(select(StreamSubscriber))
    assert subscriber is not None and subscriber.email == 'ada@example.com'
    assert subscriber.confirmed_at is None and subscriber.consent_at is not None
    (message,) = await messages_to(session, 'ada@example.com')
    links = links_in(message)
    token = links['confirm'].rsplit('/', 1)[1]
    assert subscriber.token_hash == hashlib.sha256(token.encode()).hexdigest()  # never the token

    confirmed = await browser.client.get(links['confirm'])
    assert confirmed.status_code == 200
    assert 'Confirmed' in await confirmed.get_data(as_text=True)
    replayed = await browser.client.get(links['confirm'])
    assert 'already confirmed' in await replayed.get_data(as_text=True)
    await session.refresh(subscriber)
    assert subscriber.confirmed_at is not None

    page = await browser.page(links['unsubscribe'])
    assert 'Unsubscribe' in page
    token_page = await browser.page('/live-stream')
    csrf = Browser.TOKEN.search(token_page)
    assert csrf is not None
    left = await browser.client.post(links['unsubscribe'], form={'csrf_token': csrf.group(1)})
    assert left.status_code == 200
    assert 'your address is deleted' in await left.get_data(as_text=True)
    assert await session.scalar(select(func.count()).select_from(StreamSubscriber)) == 0
    again = await browser.client.post(links['unsubscribe'], form={'csrf_token': csrf.group(1)})
    assert 'not signed up' in await again.get_data(as_text=True)


@pytest.mark.parametrize(
    ('email', 'message'),
    [
        ('', 'Email is required.'),
        ('not-an-address', 'Enter an email address like name@example.com.'),
        ('a@b', 'Enter an email address like name@example.com.'),
        ('x' * 400 + '@example.com', 'Enter an email address like name@example.com.'),
    ],
)
async def test_bad_addresses_are_refused_with_a_message_and_nothing_is_stored(
    browser: Browser, session: AsyncSession, email: str, message: str
) -> None:
    status, html = await sign_up(browser, email)
    assert status == 400 and message in html
    assert await session.scalar(select(func.count()).select_from(StreamSubscriber)) == 0
    assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_signing_up_again_reveals_nothing_and_resends_at_a_sane_rate(
    browser: Browser, session: AsyncSession
) -> None:
    first = await sign_up(browser, 'grace@example.com')
    again = await sign_up(browser, 'GRACE@example.com')
    assert first == again  # same page, whether the address is new or known
    assert len(await messages_to(session, 'grace@example.com')) == 1
    await session.execute(
        update(StreamSubscriber).values(
            confirmation_sent_at=datetime.now(UTC) - timedelta(minutes=11)
        )
    )
    await session.commit()
    await sign_up(browser, 'grace@example.com')
    messages = await messages_to(session, 'grace@example.com')
    assert len(messages) == 2
    old, new = (links_in(m)['confirm'] for m in messages)
    assert 'not valid' in await (await browser.client.get(old)).get_data(as_text=True)
    assert (await browser.client.get(new)).status_code == 200
    confirmed = await sign_up(browser, 'grace@example.com')
    assert confirmed == first
    assert len(await messages_to(session, 'grace@example.com')) == 2
    assert await session.scalar(select(func.count()).select_from(StreamSubscriber)) == 1


async def test_expired_forged_and_garbled_links_get_clear_messages(
    browser: Browser, session: AsyncSession
) -> None:
    await sign_up(browser, 'linus@example.com')
    links = links_in((await messages_to(session, 'linus@example.com'))[0])
    await session.execute(
        update(StreamSubscriber).values(token_expires_at=datetime.now(UTC) - timedelta(hours=1))
    )
    await session.commit()
    expired = await browser.client.get(links['confirm'])
    assert expired.status_code == 400
    assert 'expired' in await expired.get_data(as_text=True)
    for path in ('/live-stream/confirm/forged', '/live-stream/confirm/' + 'x' * 5000):
        response = await browser.client.get(path)
        assert response.status_code == 400
        assert 'not valid' in await response.get_data(as_text=True)
    forged = links['unsubscribe'][:-3] + 'abc'
    response = await browser.client.get(forged)
    assert response.status_code == 400
    assert 'not valid' in await response.get_data(as_text=True)
    assert (await browser.client.get('/live-stream/unsubscribe/%00')).status_code == 400


async def test_signups_are_rate_limited_per_address_of_the_visitor(browser: Browser) -> None:
    for number in range(10):
        status, _ = await sign_up(browser, f'person{number}@example.com')
        assert status == 200
    status, html = await sign_up(browser, 'one-more@example.com')
    assert status == 400 and 'Too many signups from here. Try again in' in html


async def test_the_form_needs_its_csrf_token(client: Client) -> None:
    response = await client.post('/live-stream/notify', form={'email': 'a@example.com'})
    assert response.status_code == 400


async def test_notifying_sends_once_per_confirmed_subscriber_with_a_working_unsubscribe_link(
    app: Quart, browser: Browser, session: AsyncSession
) -> None:
    stream = await add_live_stream(session, title='Packaging live')
    for name in ('ada', 'grace'):
        await confirmed_subscriber(browser, session, f'{name}@example.com')
    await sign_up(browser, 'pending@example.com')
    async with app.app_context():
        first = await stream_subscriber_service.notify(stream_id=stream.id, base_url=BASE)
        second = await stream_subscriber_service.notify(stream_id=stream.id, base_url=BASE)
        missing = await stream_subscriber_service.notify(stream_id=987654, base_url=BASE)
    assert first is not None and (first.queued, first.already_notified) == (2, 0)
    assert second is not None and (second.queued, second.already_notified) == (0, 2)
    assert missing is None
    alerts = [
        m
        for m in await session.scalars(select(OutboxMessage))
        if m.subject == 'Going live soon: Packaging live'
    ]
    assert sorted(m.to_address for m in alerts) == ['ada@example.com', 'grace@example.com']
    assert await session.scalar(select(func.count()).select_from(StreamNotification)) == 2
    unsubscribe = links_in(alerts[0])['unsubscribe']
    csrf = Browser.TOKEN.search(await browser.page(unsubscribe))
    assert csrf is not None
    await browser.client.post(unsubscribe, form={'csrf_token': csrf.group(1)})
    remaining = await session.scalars(select(StreamSubscriber.email))
    assert alerts[0].to_address not in remaining.all()


# The admin


async def test_admins_create_edit_link_and_delete_streams_with_audit_entries(
    admin: Browser, client: Client, session: AsyncSession
) -> None:
    episode = await first_published_episode(session)
    created = await admin.submit(
        '/admin/streams/new',
        {
            'title': 'Admin made this',
            'description': 'Come **along**.',
            'starts_at': '2031-05-04T17:30',
            'duration': '90',
            'youtube_id': 'abcDEF123_-',
            'episode': '',
        },
    )
    assert created.status_code == 302
    location = created.headers['Location']
    stream_id = int(location.split('/')[3].split('?')[0])
    stream = await session.get(LiveStream, stream_id)
    assert stream is not None
    assert stream.starts_at == datetime(2031, 5, 4, 17, 30, tzinfo=UTC)
    assert stream.ends_at == datetime(2031, 5, 4, 19, 0, tzinfo=UTC)
    assert '<strong>along</strong>' in stream.description_html
    assert 'Admin made this' in await admin.page('/admin/streams')
    assert 'Admin made this' in await html_of(client, '/live-stream')

    edited = await admin.submit(
        f'/admin/streams/{stream_id}',
        {
            'title': 'Admin made this',
            'description': '',
            'starts_at': '2031-05-04T17:30',
            'duration': '90',
            'youtube_id': 'abcDEF123_-',
            'episode': str(episode.number),
        },
    )
    assert edited.status_code == 302
    form = await admin.page(f'/admin/streams/{stream_id}')
    assert f'value="{episode.number}"' in form
    assert f'podsite notify-stream {stream_id}' in form

    confirm = await admin.page(f'/admin/streams/{stream_id}/delete')
    assert 'cannot be undone' in confirm
    deleted = await admin.submit(f'/admin/streams/{stream_id}/delete', {})
    assert deleted.status_code == 302
    session.expunge_all()
    assert await session.get(LiveStream, stream_id) is None
    actions = (
        await session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == 'live_stream', AuditEntry.entity_id == stream_id)
            .order_by(AuditEntry.id)
        )
    ).all()
    assert actions == ['create', 'update', 'delete']
    removal = await session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert removal is not None and set(removal.changes) == {
        'starts_at',
        'youtube_id',
        'notifications',
    }
    missing = await admin.client.get(f'/admin/streams/{stream_id}/delete', headers=admin.headers)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ('field', 'value', 'message'),
    [
        ('title', '', 'Title is required.'),
        ('title', 'x' * 201, 'Title can be at most 200 characters.'),
        ('starts_at', '', 'A stream needs a start date and time.'),
        ('starts_at', 'next tuesday', 'Use a date and time like 2026-12-01T17:00'),
        ('duration', '0', 'whole minutes, from 1 to 1440'),
        ('duration', '90 min', 'whole minutes, from 1 to 1440'),
        ('duration', '99999', 'whole minutes, from 1 to 1440'),
        ('youtube_id', 'https://youtu.be/abc', 'A YouTube video id is 11 letters'),
        ('youtube_id', 'abcDEF123_', 'A YouTube video id is 11 letters'),
        ('youtube_id', 'abcDEF123_!', 'A YouTube video id is 11 letters'),
        ('episode', 'seven', 'Write an episode number, or leave it empty.'),
        ('episode', '99999999999999', 'Write an episode number, or leave it empty.'),
        ('episode', '999999', 'There is no episode number 999999.'),
        ('duration', '²', 'whole minutes, from 1 to 1440'),  # a digit to isdigit(), not to int()
        ('episode', '²', 'Write an episode number, or leave it empty.'),
        ('episode', '9' * 5000, 'Write an episode number, or leave it empty.'),
        ('starts_at', '9999-12-31T23:59-05:00', 'before the year 9000'),
        ('starts_at', '0001-01-01T00:00+05:00', 'before the year 9000'),
        ('starts_at', '9999-12-31T23:59', 'before the year 9000'),
    ],
)
async def test_bad_stream_forms_say_what_is_wrong_keep_the_input_and_store_nothing(
    admin: Browser, session: AsyncSession, field: str, value: str, message: str
) -> None:
    before = await session.scalar(select(func.count()).select_from(LiveStream))
    form = {
        'title': 'Kept title',
        'description': 'Kept *description*',
        'starts_at': '2031-05-04T17:30',
        'duration': '60',
        'youtube_id': 'abcDEF123_-',
        'episode': '',
    } | {field: value}
    response = await admin.submit('/admin/streams/new', form)
    assert response.status_code == 400
    html = unescape(await response.get_data(as_text=True))
    assert message in html
    assert 'Kept *description*' in html
    if field != 'title':
        assert 'value="Kept title"' in html
    assert await session.scalar(select(func.count()).select_from(LiveStream)) == before


async def test_editing_or_deleting_a_stream_that_is_gone_is_404(admin: Browser) -> None:
    assert (await admin.client.get('/admin/streams/999999')).status_code == 404
    form = {'title': 'T', 'starts_at': '2031-05-04T17:30', 'duration': '60',
            'youtube_id': 'abcDEF123_-'}  # fmt: skip
    assert (await admin.submit('/admin/streams/999999', form)).status_code == 404
    assert (await admin.submit('/admin/streams/999999/delete', {})).status_code == 404
    assert (await admin.client.get('/admin/streams/99999999999999')).status_code == 404


# Around the site


async def test_the_page_is_in_the_nav_the_footer_and_the_sitemap(client: Client) -> None:
    html = await html_of(client, '/')
    assert html.count('href="/live-stream"') >= 2
    sitemap = await html_of(client, '/sitemap.xml')
    assert f'<loc>{BASE}/live-stream</loc>' in sitemap


async def test_the_privacy_policy_says_what_notify_me_keeps(client: Client) -> None:
    html = await html_of(client, '/privacy')
    assert 'Live stream alerts' in html and 'consent' in html


async def test_the_demo_has_a_past_stream_that_became_an_episode_and_one_ahead(
    session: AsyncSession,
) -> None:
    streams = (await session.scalars(select(LiveStream).order_by(LiveStream.starts_at))).all()
    assert len(streams) == 2
    past, upcoming = streams
    now = datetime.now(UTC)
    assert past.ends_at < now and past.episode_id is not None
    assert upcoming.starts_at > now and upcoming.episode_id is None
