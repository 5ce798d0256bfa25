"""Removing things in the admin: a confirmation page first that names everything that goes
with the row, a POST with the CSRF token to do it, an audit entry naming what was removed,
and archiving instead of deleting where history (reads, clicks) must stay in the reports."""

from datetime import UTC, date, datetime

from quart import Quart
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import AuditEntry, ClickEvent, Guest, ShortLink, Sponsor, SponsorPlacement
from tests.factories import add_episode, add_guest
from tests.visitors import Browser


async def add_sponsor(session: AsyncSession, *, name: str, slug: str) -> Sponsor:
    sponsor = Sponsor(
        name=name, slug=slug, website_url=f'https://{slug}.example', description='Hosting.'
    )
    session.add(sponsor)
    await session.commit()
    return sponsor


async def add_clicks(session: AsyncSession, link: ShortLink, count: int) -> None:
    moment = datetime(2026, 11, 2, 10, tzinfo=UTC)
    session.add_all(
        ClickEvent(
            short_link_id=link.id,
            occurred_at=moment,
            day=date(2026, 11, 2),
            ip_hash='0' * 64,
            user_agent='Firefox/121.0',
            referrer='',
        )
        for _ in range(count)
    )
    await session.commit()


async def gone(
    session: AsyncSession, model: type[Guest | Sponsor | ShortLink], row_id: int
) -> bool:
    """Whether the row is no longer stored, read afresh."""
    session.expunge_all()
    return await session.get(model, row_id) is None


async def latest_audit(session: AsyncSession) -> AuditEntry:
    entry = await session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry is not None
    return entry


async def test_admin_pages_carry_no_inline_scripts_or_handlers(admin: Browser) -> None:
    for path in ('/admin/links', '/admin/sponsors', '/admin/guests', '/admin/policies'):
        html = await admin.page(path)
        assert 'onsubmit=' not in html and 'onclick=' not in html, path
        assert '<script>' not in html, path


async def test_a_guest_is_deleted_after_a_page_that_names_their_episodes(
    admin: Browser, app: Quart, session: AsyncSession
) -> None:
    guest = await add_guest(session, name='Lin Example', slug='lin-example')
    first = await add_episode(session, slug='first-with-lin', guests=(guest,))
    second = await add_episode(session, slug='second-with-lin', guests=(guest,))
    assert f'/admin/guests/{guest.id}/delete' in await admin.page('/admin/guests')

    page = await admin.page(f'/admin/guests/{guest.id}/delete')

    assert 'Lin Example' in page
    assert f'2 episodes lose them from their guests: {first.number}, {second.number}' in page
    done = await admin.submit(f'/admin/guests/{guest.id}/delete', {})
    assert done.status_code == 302
    assert done.headers['Location'] == '/admin/guests'
    assert await gone(session, Guest, guest.id)
    entry = await latest_audit(session)
    assert (entry.action, entry.entity, entry.summary) == ('delete', 'guest', 'Lin Example')
    assert entry.changes['episodes'] == [first.number, second.number]
    audit_page = await admin.page('/admin/audit')
    assert f'<code>episodes</code>: {first.number}, {second.number}' in audit_page
    kept_episode = await app.test_client().get(f'/episodes/show/{first.number}/{first.slug}')
    assert kept_episode.status_code == 200


async def test_a_delete_without_the_csrf_token_is_refused_and_keeps_the_row(
    admin: Browser, session: AsyncSession
) -> None:
    guest = await add_guest(session, name='Kept Guest', slug='kept-guest')
    response = await admin.client.post(f'/admin/guests/{guest.id}/delete', headers=admin.headers)
    assert response.status_code == 400
    assert not await gone(session, Guest, guest.id)


async def test_removing_what_does_not_exist_is_a_404(admin: Browser) -> None:
    for path in ('/admin/guests/999999/delete', '/admin/sponsors/999999/delete',
                 '/admin/policies/999999/delete', '/admin/links/999999/delete',
                 '/admin/sponsors/99999999999/delete'):  # fmt: skip
        shown = await admin.client.get(path, headers=admin.headers)
        assert shown.status_code == 404, path
        assert (await admin.submit(path, {})).status_code == 404, path
    for path in ('/admin/sponsors/999999/restore', '/admin/links/999999/restore'):
        assert (await admin.submit(path, {})).status_code == 404, path


async def test_a_sponsor_that_was_read_is_archived_not_deleted_and_can_be_restored(
    admin: Browser, app: Quart, session: AsyncSession
) -> None:
    sponsor = await add_sponsor(session, name='Acme Hosting', slug='acme-hosting')
    episode = await add_episode(session, slug='read-by-acme', sponsors=(sponsor,))
    public = Browser(app.test_client())
    assert 'Acme Hosting' in await public.page('/friends-of-the-show')
    episode_path = f'/episodes/show/{episode.number}/{episode.slug}'
    assert 'Acme Hosting' in await public.page(episode_path)

    page = await admin.page(f'/admin/sponsors/{sponsor.id}/delete')

    assert f'read in 1 episode ({episode.number})' in page
    assert 'archived rather than deleted' in page
    assert '>Archive</button>' in page
    done = await admin.submit(f'/admin/sponsors/{sponsor.id}/delete', {})
    assert done.status_code == 302
    sponsor_id = sponsor.id
    session.expunge_all()
    kept = await session.get(Sponsor, sponsor_id)
    assert kept is not None and kept.archived_at is not None
    placements = await session.scalar(
        select(func.count()).where(SponsorPlacement.sponsor_id == sponsor_id)
    )
    assert placements == 1
    entry = await latest_audit(session)
    assert (entry.action, entry.entity, entry.summary) == ('archive', 'sponsor', 'Acme Hosting')
    assert entry.changes['episodes'] == [episode.number]
    for path in ('/', '/friends-of-the-show', episode_path, '/episodes/rss'):
        assert 'Acme Hosting' not in await public.page(path), path
    assert 'acme-hosting' not in await admin.page('/admin/links/new')
    listing = await admin.page('/admin/sponsors')
    assert 'archived' in listing and f'/admin/sponsors/{sponsor_id}/restore' in listing
    again = await admin.page(f'/admin/sponsors/{sponsor_id}/delete')
    assert 'already archived' in again and '>Archive</button>' not in again
    entries_before = await session.scalar(select(func.count()).select_from(AuditEntry))
    assert (await admin.submit(f'/admin/sponsors/{sponsor_id}/delete', {})).status_code == 302
    assert await session.scalar(select(func.count()).select_from(AuditEntry)) == entries_before

    restored = await admin.submit(f'/admin/sponsors/{sponsor_id}/restore', {})

    assert restored.status_code == 302
    assert 'Acme Hosting' in await public.page('/friends-of-the-show')
    assert (await latest_audit(session)).action == 'restore'


async def test_a_sponsor_never_read_is_deleted(admin: Browser, session: AsyncSession) -> None:
    sponsor = await add_sponsor(session, name='Never Read', slug='never-read')
    page = await admin.page(f'/admin/sponsors/{sponsor.id}/delete')
    assert 'It was never read.' in page and '>Delete</button>' in page
    assert (await admin.submit(f'/admin/sponsors/{sponsor.id}/delete', {})).status_code == 302
    assert await gone(session, Sponsor, sponsor.id)
    assert (await latest_audit(session)).action == 'delete'


async def test_a_link_with_clicks_is_archived_stops_redirecting_and_stays_in_reports(
    admin: Browser, app: Quart, session: AsyncSession
) -> None:
    link = ShortLink(name='book', target_url='https://books.example/python')
    session.add(link)
    await session.commit()
    await add_clicks(session, link, 3)
    client = app.test_client()
    assert (await client.get('/r/book')).status_code == 302

    page = await admin.page(f'/admin/links/{link.id}/delete')

    assert 'It has 3 clicks, so it is archived rather than deleted' in page
    assert (await admin.submit(f'/admin/links/{link.id}/delete', {})).status_code == 302
    assert (await client.get('/r/book')).status_code == 404
    link_id = link.id
    session.expunge_all()
    clicks = await session.scalar(select(func.count()).where(ClickEvent.short_link_id == link_id))
    assert clicks == 3
    entry = await latest_audit(session)
    assert (entry.action, entry.entity, entry.summary) == ('archive', 'short_link', '/r/book')
    assert entry.changes['clicks'] == 3
    assert '/r/book' in await admin.page('/admin/reports?period=all')
    assert f'/admin/links/{link_id}/restore' in await admin.page('/admin/links')

    assert (await admin.submit(f'/admin/links/{link_id}/restore', {})).status_code == 302
    assert (await client.get('/r/book')).status_code == 302


async def test_a_link_never_clicked_is_deleted(admin: Browser, session: AsyncSession) -> None:
    link = ShortLink(name='unused', target_url='https://unused.example')
    session.add(link)
    await session.commit()
    assert 'It was never clicked.' in await admin.page(f'/admin/links/{link.id}/delete')
    assert (await admin.submit(f'/admin/links/{link.id}/delete', {})).status_code == 302
    assert await gone(session, ShortLink, link.id)
    entry = await latest_audit(session)
    assert (entry.action, entry.changes) == (
        'delete',
        {'clicks': 0, 'target_url': 'https://unused.example'},
    )
