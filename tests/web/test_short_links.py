"""Tracked short links: `/r/<name>` and `/<name>` redirect, every click is recorded off the request
path, and the admin keeps the links."""

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from podsite.app import create_app
from podsite.data import AuditEntry, ClickEvent, ShortLink, Sponsor
from podsite.infrastructure import root_names
from podsite.infrastructure.event_recorder import recorder_of
from podsite.services.analytics.storage import hash_address
from tests.databases import QueryCounter, settings_for
from tests.factories import add_episode
from tests.visitors import Browser, edit_form


async def add_link(session: AsyncSession, name: str = 'book', target: str = '') -> ShortLink:
    link = ShortLink(name=name, target_url=target or 'https://books.example/python')
    session.add(link)
    await session.commit()
    return link


async def clicks(database_url: str) -> list[ClickEvent]:
    engine = create_async_engine(database_url)
    try:
        async with AsyncSession(engine) as reading:
            return list((await reading.scalars(select(ClickEvent).order_by(ClickEvent.id))).all())
    finally:
        await engine.dispose()


async def test_a_short_link_redirects_and_its_click_is_recorded_without_the_address(
    app: Quart, client: Client, session: AsyncSession, database_url: str
) -> None:
    await add_link(session)

    response = await client.get(
        '/r/book',
        headers={'User-Agent': 'Firefox/121.0', 'Referer': 'https://social.example/post/1',
                 'X-Forwarded-For': '198.51.100.9'},
    )  # fmt: skip
    await recorder_of(app).clicks.flush()

    assert response.status_code == 302
    assert response.headers['Location'] == 'https://books.example/python'
    assert response.headers['Cache-Control'] == 'no-store'
    [click] = await clicks(database_url)
    assert click.user_agent == 'Firefox/121.0'
    assert click.referrer == 'https://social.example/post/1'
    assert click.day == click.occurred_at.date()
    assert len(click.ip_hash) == 64
    assert '127.0.0.1' not in click.ip_hash
    assert click.ip_hash != hash_address('127.0.0.1', '')


@pytest.mark.parametrize(
    'path', ['/r/nothing-here', '/r/UPPER', '/r/%00', '/r/a%2Fb', '/r/' + 'x' * 300, '/r/']
)
async def test_unknown_and_malformed_names_are_404(client: Client, path: str) -> None:
    assert (await client.get(path)).status_code == 404


async def test_a_head_request_redirects_but_is_not_a_click(
    app: Quart, client: Client, session: AsyncSession, database_url: str
) -> None:
    await add_link(session)

    response = await client.head('/r/book')
    await recorder_of(app).clicks.flush()

    assert response.status_code == 302
    assert await clicks(database_url) == []


async def test_no_click_is_lost_across_a_clean_restart(
    database_url: str, session: AsyncSession
) -> None:
    await add_link(session)
    app = create_app(settings_for(database_url))
    async with app.test_app():
        client = app.test_client()
        for _ in range(40):
            await client.get('/r/book')
    assert len(await clicks(database_url)) == 40


async def test_with_recording_off_links_still_redirect(
    database_url: str, session: AsyncSession
) -> None:
    await add_link(session)
    app = create_app(settings_for(database_url, record_events=False))
    async with app.test_app():
        response = await app.test_client().get('/r/book')
    assert response.status_code == 302
    assert await clicks(database_url) == []


def test_the_redirector_is_registered_last(app: Quart) -> None:
    assert list(app.blueprints)[-1] == 'redirector'


async def test_the_admin_creates_edits_and_deletes_links_with_checked_forms(
    admin: Browser, app: Quart, session: AsyncSession
) -> None:
    created = await admin.submit(
        '/admin/links/new',
        {'name': 'newsletter', 'target_url': 'https://news.example/', 'episode_number': '1'},
    )
    assert created.status_code == 302
    link = await session.scalar(select(ShortLink).where(ShortLink.name == 'newsletter'))
    assert link is not None
    assert link.episode_id is not None
    assert (await admin.client.get('/r/newsletter')).headers['Location'] == 'https://news.example/'

    edited = await admin.submit(
        f'/admin/links/{link.id}', {'name': 'letter', 'target_url': 'https://news.example/2'}
    )
    assert edited.status_code == 302
    assert (await admin.client.get('/r/newsletter')).status_code == 404
    assert (await admin.client.get('/r/letter')).headers['Location'] == 'https://news.example/2'
    assert '/r/letter' in await admin.page('/admin/links')

    deleted = await admin.submit(f'/admin/links/{link.id}/delete', {})
    assert deleted.status_code == 302
    assert (await admin.client.get('/r/letter')).status_code == 404
    actions = (
        await session.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == 'short_link')
            .order_by(AuditEntry.id)
        )
    ).all()  # fmt: skip
    assert actions == ['create', 'update', 'delete']


@pytest.mark.parametrize(
    ('form', 'message'),
    [
        ({'name': 'ok', 'target_url': 'javascript:alert(1)'}, 'http:// or https://'),
        ({'name': 'ok', 'target_url': 'ftp://files.example/'}, 'http:// or https://'),
        ({'name': 'Has Spaces', 'target_url': 'https://a.example/'}, 'lowercase letters'),
        ({'name': '', 'target_url': 'https://a.example/'}, 'Name is required'),
        ({'name': 'ok', 'target_url': 'https://a.example/', 'episode_number': '999999'},
         'There is no episode 999999'),
        ({'name': 'ok', 'target_url': 'https://a.example/', 'episode_number': 'two'},
         'valid integer'),
        ({'name': 'ok', 'target_url': 'https://a.example/', 'sponsor_slug': 'nobody'},
         'There is no sponsor nobody'),
    ],
)  # fmt: skip
async def test_bad_link_forms_say_what_is_wrong_and_store_nothing(
    admin: Browser, session: AsyncSession, form: dict[str, str], message: str
) -> None:
    response = await admin.submit('/admin/links/new', form)

    assert response.status_code == 400
    assert message in await response.get_data(as_text=True)
    assert await session.scalar(select(func.count()).select_from(ShortLink).where(
        ShortLink.name == 'ok')) == 0  # fmt: skip


async def test_a_taken_name_is_refused_and_the_old_link_is_kept(
    admin: Browser, session: AsyncSession
) -> None:
    await add_link(session, 'book')
    response = await admin.submit(
        '/admin/links/new', {'name': 'book', 'target_url': 'https://other.example/'}
    )
    assert response.status_code == 400
    assert 'already used' in await response.get_data(as_text=True)
    assert (await admin.client.get('/r/book')).headers['Location'] == 'https://books.example/python'


async def test_sponsor_placements_get_a_tracked_link_per_episode_that_survives_edits(
    admin: Browser, app: Quart, session: AsyncSession, database_url: str
) -> None:
    sponsor = Sponsor(name='Acme', slug='acme', website_url='https://acme.example/?ref=show')
    session.add(sponsor)
    await session.commit()
    episode = await add_episode(session, number=777, slug='sponsored')
    form = await edit_form(admin, episode.id)
    form['sponsors'] = 'acme'

    assert (await admin.submit(f'/admin/episodes/{episode.id}', form)).status_code == 302
    assert (await admin.client.get('/r/acme-777')).headers['Location'] == sponsor.website_url
    await recorder_of(app).clicks.flush()

    form['title'] = 'Renamed, sponsor kept'
    assert (await admin.submit(f'/admin/episodes/{episode.id}', form)).status_code == 302
    [link] = await session.scalars(
        select(ShortLink).where(
            ShortLink.sponsor_id == sponsor.id, ShortLink.placement_id.is_not(None)
        )
    )
    assert (link.name, link.episode_id) == ('acme-777', episode.id)
    assert len(await clicks(database_url)) == 1

    form['sponsors'] = ''
    assert (await admin.submit(f'/admin/episodes/{episode.id}', form)).status_code == 302
    assert (await admin.client.get('/r/acme-777')).status_code == 404


async def test_a_short_link_answers_at_the_root_and_is_counted_there_too(
    app: Quart, client: Client, session: AsyncSession, database_url: str
) -> None:
    await add_link(session, 'htmx', 'https://htmx.example/course')

    at_root = await client.get('/htmx', headers={'User-Agent': 'Firefox/121.0'})
    under_r = await client.get('/r/htmx', headers={'User-Agent': 'Firefox/121.0'})
    await recorder_of(app).clicks.flush()

    for response in (at_root, under_r):
        assert response.status_code == 302
        assert response.headers['Location'] == 'https://htmx.example/course'
        assert response.headers['Cache-Control'] == 'no-store'
    assert len(await clicks(database_url)) == 2


@pytest.mark.parametrize(
    'path', ['/nothing-here', '/UPPER', '/%00', '/' + 'x' * 300, '/htmx/', '/a.b']
)
async def test_unknown_root_names_get_the_site_404_page(client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert 'Page not found' in await response.get_data(as_text=True)


async def test_only_a_get_or_head_follows_a_link_at_the_root(
    client: Client, session: AsyncSession
) -> None:
    await add_link(session, 'htmx', 'https://htmx.example/course')
    assert (await client.head('/htmx')).status_code == 302
    assert (await client.post('/htmx')).status_code == 404
    assert (await client.get('/htmx/more')).status_code == 404


async def test_pages_win_over_links_of_the_same_name(client: Client, session: AsyncSession) -> None:
    """Links named so before the rule: the site's own pages still answer at their address."""
    for name in ('guests', '7'):
        await add_link(session, name, 'https://elsewhere.example/')
    assert (await client.get('/guests')).status_code == 200
    assert (await client.get('/7')).headers['Location'].startswith('/episodes/show/7/')


async def test_junk_at_the_root_reads_no_links(client: Client, queries: QueryCounter) -> None:
    """A name no link could have is not looked up, and a probe goes to the trap; the 404
    page reads only the show's layout (kept, so once), as every page does."""
    await client.get('/no-such-page')  # the layout, kept for the pages after it
    queries.reset()
    assert (await client.get('/Not-A-Name')).status_code == 404
    assert (await client.get('/wp-login.php')).status_code == 404
    assert queries.page_count == 0


@pytest.mark.parametrize(
    ('name', 'message'),
    [
        ('guests', '/guests is an address of the site itself'),
        ('episodes', '/episodes is an address of the site itself'),
        ('admin', '/admin is an address of the site itself'),
        ('static', '/static is an address of the site itself'),
        ('r', '/r is an address of the site itself'),
        ('about', '/about is an address of the site itself'),
        ('2024', '/2024 is the address of episode 2024'),
        ('wp-admin', 'looks like an address attackers probe'),
        ('owasp-top-ten', 'looks like an address attackers probe'),
    ],
)
async def test_a_name_a_page_has_or_may_have_is_refused(
    admin: Browser, session: AsyncSession, name: str, message: str
) -> None:
    response = await admin.submit(
        '/admin/links/new', {'name': name, 'target_url': 'https://a.example/'}
    )
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and f'value="{name}"' in html
    assert await session.scalar(select(ShortLink).where(ShortLink.name == name)) is None


async def test_every_first_segment_of_the_url_map_is_taken(app: Quart) -> None:
    taken = root_names.taken_names(app)
    for rule in app.url_map.iter_rules():
        first = rule.rule.lstrip('/').split('/')[0]
        assert '<' in first or first in taken or not first, rule.rule


async def test_a_link_named_before_the_rule_can_still_be_edited(
    admin: Browser, session: AsyncSession
) -> None:
    link = await add_link(session, 'about', 'https://about.example/')
    response = await admin.submit(
        f'/admin/links/{link.id}', {'name': 'about', 'target_url': 'https://about.example/2'}
    )
    assert response.status_code == 302


async def test_a_sponsor_saved_in_the_admin_gets_its_own_tracked_link(
    admin: Browser, session: AsyncSession
) -> None:
    created = await admin.submit(
        '/admin/sponsors/new', {'name': 'Zephyr Hosting', 'website_url': 'https://zephyr.example/'}
    )
    assert created.status_code == 302
    followed = await admin.client.get('/r/zephyr-hosting')
    assert followed.headers['Location'] == 'https://zephyr.example/'
    friends = await (await admin.client.get('/friends-of-the-show')).get_data(as_text=True)
    assert 'href="/r/zephyr-hosting"' in friends
    quiet = await admin.submit('/admin/sponsors/new', {'name': 'No Website'})
    assert quiet.status_code == 302
    links = await session.scalars(select(ShortLink.name).where(ShortLink.name.like('no-website%')))
    assert links.all() == []
