"""One control character must not take the feed down: text typed into any form is stored
without the characters XML does not allow, and text stored with them before (or written into
the database around podsite) still gives a well-formed feed, sitemap and calendar, and pages
that answer. On SQLite and on PostgreSQL, which refuses NUL in text."""

from datetime import UTC, datetime, timedelta

import icalendar
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lxml import etree
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import String, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode, EpisodeGuest, Guest, LiveStream, Podcast, Sponsor, User
from podsite.data.base import Base
from podsite.formats.xml_text import NOT_IN_XML, clean_text
from tests.databases import Backend
from tests.factories import add_live_stream, first_published_episode, sponsored_episode
from tests.strategies import any_text
from tests.visitors import Browser, edit_form, logged_in

# No lone surrogate here: a browser cannot send one (UTF-8 has no bytes for it).
TYPED = 'Vertical\x0btab, NUL\x00, form feed\x0c, U+FFFF\uffff and escape\x1b'
STORED = 'Verticaltab, NUL, form feed, U+FFFF and escape'
STRICT = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
NS = {'podcast': 'https://podcastindex.org/namespace/1.0'}
# A few examples of many requests each; shrinking one that fails would take minutes of
# requests, so it is reported as found.
BOUNDED = settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def well_formed_feed(visitor: Browser) -> etree._Element:
    response = await visitor.client.get('/episodes/rss')
    assert response.status_code == 200
    channel = etree.fromstring(await response.get_data(), STRICT).find('channel')
    assert channel is not None
    return channel


async def readable_calendar(visitor: Browser) -> icalendar.Calendar:
    response = await visitor.client.get('/live-stream/upcoming.ics')
    assert response.status_code == 200
    text = await response.get_data(as_text=True)
    assert NOT_IN_XML.search(text) is None
    return icalendar.Calendar.from_ical(text)


async def every_output_whole(visitor: Browser, *pages: str) -> etree._Element:
    """The feed and the sitemap are well-formed XML, the calendar reads, the pages answer."""
    channel = await well_formed_feed(visitor)
    sitemap = await visitor.client.get('/sitemap.xml')
    assert sitemap.status_code == 200
    etree.fromstring(await sitemap.get_data(), STRICT)
    await readable_calendar(visitor)
    for path in ('/', '/episodes/all', '/guests', '/friends-of-the-show', '/live-stream', *pages):
        response = await visitor.client.get(path)
        assert response.status_code == 200, path
        (await response.get_data()).decode('utf-8')
    return channel


async def guest_of(session: AsyncSession, episode: Episode) -> Guest:
    guest = await session.scalar(
        select(Guest).join(EpisodeGuest).where(EpisodeGuest.episode_id == episode.id).limit(1)
    )
    assert guest is not None
    return guest


# Each field where one control character answered /episodes/rss with a 500 for every app.


async def test_an_episode_title_and_show_notes(admin: Browser, session: AsyncSession) -> None:
    episode = await first_published_episode(session)
    form = await edit_form(admin, episode.id)
    saved = await admin.submit(
        f'/admin/episodes/{episode.id}', form | {'title': TYPED, 'show_notes': f'_{TYPED}_'}
    )
    assert saved.status_code == 302
    channel = await well_formed_feed(admin)
    item = next(i for i in channel.iter('item') if i.findtext('guid') == episode.guid)
    assert item.findtext('title') == STORED
    assert f'<em>{STORED}</em>' in item.findtext('{*}encoded', '')
    await session.refresh(episode)
    assert (episode.title, episode.show_notes) == (STORED, f'_{STORED}_')


async def test_a_guest_name(admin: Browser, session: AsyncSession) -> None:
    guest = await guest_of(session, await first_published_episode(session))
    saved = await admin.submit(f'/admin/guests/{guest.id}', {'name': TYPED, 'slug': guest.slug})
    assert saved.status_code == 302
    channel = await well_formed_feed(admin)
    assert STORED in [person.text for person in channel.iterfind('.//podcast:person', NS)]


async def test_a_sponsor_description(admin: Browser, session: AsyncSession) -> None:
    _, link = await sponsored_episode(session)
    sponsor = await session.get(Sponsor, link.sponsor_id)
    assert sponsor is not None
    saved = await admin.submit(
        f'/admin/sponsors/{sponsor.id}',
        {'name': sponsor.name, 'slug': sponsor.slug, 'description': TYPED},
    )
    assert saved.status_code == 302
    channel = await well_formed_feed(admin)
    assert any(STORED in item.findtext('{*}encoded', '') for item in channel.iter('item'))


async def test_the_podcast_title(admin: Browser) -> None:
    saved = await admin.submit('/admin/settings', {'title': TYPED, 'language': 'en'})
    assert saved.status_code == 200
    assert (await well_formed_feed(admin)).findtext('title') == STORED


async def test_a_live_stream_title(admin: Browser) -> None:
    starts = datetime.now(UTC) + timedelta(days=3)
    saved = await admin.submit(
        '/admin/streams/new',
        {'title': TYPED, 'description': TYPED, 'starts_at': f'{starts:%Y-%m-%dT%H:%M}',
         'duration': '60', 'youtube_id': 'abcDEF123_-'},
    )  # fmt: skip
    assert saved.status_code == 302
    live = (await well_formed_feed(admin)).find('podcast:liveItem', NS)
    assert live is not None and live.findtext('title') == STORED
    assert str((await readable_calendar(admin)).events[0]['SUMMARY']) == STORED


async def test_an_account_name_and_address(app: Quart, session: AsyncSession) -> None:
    visitor = Browser(app.test_client())
    registered = await visitor.submit(
        '/account/register',
        {'name': f'Ada {TYPED}', 'email': 'ada\x01@example.com', 'password': 'correct horse 1',
         'confirm': 'correct horse 1'},
    )  # fmt: skip
    assert registered.status_code == 200
    user = await session.scalar(select(User).where(User.email == 'ada@example.com'))
    assert user is not None and user.name == f'Ada {STORED}'

    listener = await logged_in(app, role='listener', email='grace@example.com')
    changed = await listener.submit(
        '/account/profile', {'name': f'\x0b{TYPED}', 'email': 'grace@example.com'}
    )
    assert changed.status_code == 200
    renamed = await session.scalar(select(User).where(User.email == 'grace@example.com'))
    assert renamed is not None and renamed.name == STORED


async def test_a_name_of_nothing_but_control_characters_is_refused_as_empty(
    admin: Browser,
) -> None:
    refused = await admin.submit('/admin/guests/new', {'name': '\x0b\x00\x1f'})
    assert refused.status_code == 400
    assert 'at least 1 character' in await refused.get_data(as_text=True)


async def test_a_slug_written_around_podsite_leaves_the_sitemap_and_the_feed_well_formed(
    client: Client, session: AsyncSession
) -> None:
    """Forms and imports only make slugs of `a-z0-9-`; a database edited by hand may not."""
    guest = await guest_of(session, await first_published_episode(session))
    guest.slug = 'hand\x0bedited'
    await session.commit()
    response = await client.get('/sitemap.xml')
    assert response.status_code == 200
    sitemap = etree.fromstring(await response.get_data(), STRICT)
    assert 'https://podcast.test/guests/handedited' in [loc.text for loc in sitemap.iter('{*}loc')]
    await well_formed_feed(Browser(client))


# Any text typed into every form whose text the feed, the sitemap, the calendar or the
# pages show.


@BOUNDED
@given(typed=st.lists(any_text(max_size=40, surrogates=False), min_size=16, max_size=16))
async def test_any_typed_text_leaves_every_output_whole(
    admin: Browser, session: AsyncSession, typed: list[str]
) -> None:
    episode = await first_published_episode(session)
    guest = await guest_of(session, episode)
    sponsor = await session.scalar(select(Sponsor).order_by(Sponsor.id).limit(1))
    assert sponsor is not None
    stream = await session.scalar(select(LiveStream).order_by(LiveStream.id).limit(1))
    stream = stream or await add_live_stream(session)
    starts = datetime.now(UTC) + timedelta(days=3)
    show = {'title': typed[0], 'subtitle': typed[1], 'author': typed[2], 'owner_name': typed[3],
            'copyright': typed[4], 'funding_text': typed[5], 'description': typed[6],
            'categories': typed[7], 'language': 'en'}  # fmt: skip
    notes = {'title': typed[8], 'subtitle': typed[9], 'summary': typed[10],
             'show_notes': typed[11]}  # fmt: skip
    forms = [
        ('/admin/settings', show),
        (f'/admin/episodes/{episode.id}', await edit_form(admin, episode.id) | notes),
        (f'/admin/guests/{guest.id}', {'name': typed[12], 'slug': guest.slug, 'bio': typed[13]}),
        (f'/admin/sponsors/{sponsor.id}',
         {'name': typed[14], 'slug': sponsor.slug, 'description': typed[15]}),
        (f'/admin/streams/{stream.id}',
         {'title': typed[14], 'description': typed[15], 'starts_at': f'{starts:%Y-%m-%dT%H:%M}',
          'duration': '60', 'youtube_id': 'abcDEF123_-'}),
    ]  # fmt: skip
    answers = [(await admin.submit(path, fields)).status_code for path, fields in forms]
    # Saved, or refused with messages (a title of nothing but control characters is empty).
    assert set(answers) <= {200, 302, 400}, answers
    channel = await every_output_whole(
        admin, f'/episodes/show/{episode.number}/{episode.slug}', f'/guests/{guest.slug}'
    )
    if answers[0] == 200:
        assert channel.findtext('title') == clean_text(typed[0]).strip()


# Any text stored before it was cleaned on the way in, or written around podsite.


def text_columns(model: type[Base]) -> list[str]:
    """Every text column of the model but the slug and the YouTube id, which addresses are
    built from and forms check against a pattern."""
    columns = model.__table__.columns
    return [
        c.key for c in columns if isinstance(c.type, String) and c.key not in {'slug', 'youtube_id'}
    ]


def storable(backend: Backend) -> st.SearchStrategy[str]:
    """Text a database driver can store: no lone surrogate and, on PostgreSQL, no NUL."""
    text = any_text(max_size=40, surrogates=False)
    return text.map(lambda t: t.replace('\x00', '')) if backend.name == 'postgresql' else text


@BOUNDED
@given(data=st.data())
async def test_any_stored_text_leaves_every_output_whole(
    app: Quart, session: AsyncSession, backend: Backend, data: st.DataObject
) -> None:
    text = storable(backend)

    def texts(model: type[Base]) -> dict[str, str]:
        columns = model.__table__.columns
        return {
            name: data.draw(text, label=f'{model.__name__}.{name}')[: columns[name].type.length]
            for name in text_columns(model)
        }

    episode = await first_published_episode(session)
    guest = await guest_of(session, episode)
    stream = await add_live_stream(session)  # upcoming: in the feed and the calendar
    in_json = data.draw(text, label='text in JSON columns')
    podcast = texts(Podcast)
    await session.execute(
        update(Podcast).values(
            **podcast, categories=[[in_json]], extra_elements=[f'<x>{in_json}</x>']
        )
    )
    await session.execute(
        update(Episode)
        .where(Episode.id == episode.id)
        .values(**texts(Episode), soundbites=[{'start': 1, 'duration': 9, 'title': in_json}])
    )
    await session.execute(update(Guest).where(Guest.id == guest.id).values(**texts(Guest)))
    await session.execute(update(Sponsor).values(**texts(Sponsor)))
    stream_texts = texts(LiveStream)
    stream_texts['guid'] += f' {stream.id}'  # unique, as the earlier examples' streams stay
    await session.execute(
        update(LiveStream).where(LiveStream.id == stream.id).values(**stream_texts)
    )
    await session.commit()
    channel = await every_output_whole(
        Browser(app.test_client()),
        f'/episodes/show/{episode.number}/{episode.slug}',
        f'/guests/{guest.slug}',
    )
    assert channel.findtext('title') == clean_text(podcast['title'])
