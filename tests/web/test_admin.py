"""The admin: only administrators get in, every form checks its input, and a change shows
on the public pages, in the feed and in search at once, with an audit entry."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from quart import Quart
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from werkzeug.datastructures import FileStorage

from podsite.data import AuditEntry, Episode, Podcast
from podsite.viewmodels.admin import audit, episodes
from tests.clock import MovableClock
from tests.factories import is_public
from tests.visitors import Browser, edit_form, logged_in


def admin_paths(app: Quart) -> list[tuple[str, str]]:
    """Every admin route in the URL map, with sample values for its arguments."""
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith('/admin'):
            continue
        path = re.sub(r'<any\((\w+)[^>]*>', r'\1', rule.rule)
        path = re.sub(r'<int:\w+>', '1', path)
        for method in sorted((rule.methods or set()) - {'HEAD', 'OPTIONS'}):
            paths.append((method, path))
    return paths


async def test_every_admin_route_needs_the_admin_role(app: Quart) -> None:
    routes = admin_paths(app)
    assert len(routes) >= 8
    anonymous = app.test_client()
    listener = await logged_in(app, role='listener', email='listener@example.com')
    for method, path in routes:
        response = await anonymous.open(path, method=method)
        if method == 'GET':
            assert response.status_code == 302, (method, path)
            assert response.headers['Location'].startswith('/account/login?next=')
        else:
            assert response.status_code in {302, 400}, (method, path)  # no CSRF token: 400
        token_page = await listener.page('/account')
        token = Browser.TOKEN.search(token_page)
        assert token is not None
        response = await listener.client.open(
            path, method=method, form={'csrf_token': token.group(1)}
        )
        assert response.status_code == 403, (method, path)


async def test_admin_pages_render(admin: Browser) -> None:
    for path in ('/admin', '/admin/episodes', '/admin/episodes?status=draft&q=a',
                 '/admin/episodes?status=bogus&q=%00', '/admin/episodes?q=%C2%B2',
                 '/admin/episodes?q=99999999999999999999', '/admin/episodes/new',
                 '/admin/episodes/1', '/admin/audit'):  # fmt: skip
        await admin.page(path)
    missing = await admin.client.get('/admin/episodes/999999')
    assert missing.status_code == 404


def numbers_listed(html: str) -> list[int]:
    return [int(number) for number in re.findall(r'<td class="num">(\d+)</td>', html)]


async def test_the_episode_list_pages_through_the_whole_catalogue_with_its_filter(
    admin: Browser, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(episodes, 'EPISODES_PER_PAGE', 4)
    numbers = list(await session.scalars(select(Episode.number).order_by(Episode.number.desc())))
    assert len(numbers) > 8
    pages = -(-len(numbers) // 4)

    first = await admin.page('/admin/episodes')
    assert numbers_listed(first) == numbers[:4]
    assert f'Page 1 of {pages} ({len(numbers)} episodes)' in first
    assert 'href="/admin/episodes?page=2" rel="next"' in first
    assert 'rel="prev"' not in first
    second = await admin.page('/admin/episodes?page=2')
    assert numbers_listed(second) == numbers[4:8]
    assert 'href="/admin/episodes" rel="prev"' in second
    last = await admin.page(f'/admin/episodes?page={pages}')
    assert numbers_listed(last) == numbers[(pages - 1) * 4 :]
    assert 'rel="next"' not in last
    assert (await admin.client.get(f'/admin/episodes?page={pages + 1}')).status_code == 404
    for odd in ('abc', '0', '-1', '9' * 40):
        assert numbers_listed(await admin.page(f'/admin/episodes?page={odd}')) == numbers[:4]

    # The next page keeps the filter; a filter matching few needs no pager.
    published = await admin.page('/admin/episodes?status=published')
    assert 'href="/admin/episodes?status=published&amp;page=2" rel="next"' in published
    only = await admin.page(f'/admin/episodes?q={numbers[0]}')
    assert numbers_listed(only)[0] == numbers[0]
    assert 'class="pager"' not in only


async def test_the_audit_log_pages_back_to_its_first_entry(
    admin: Browser, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, 'ENTRIES_PER_PAGE', 2)
    session.add_all(
        AuditEntry(
            user_email='admin@example.com',
            action='update',
            entity='episode',
            entity_id=n,
            summary=f'change {n}',
        )
        for n in range(5)
    )
    await session.commit()
    total = len(list(await session.scalars(select(AuditEntry.id))))
    first = await admin.page('/admin/audit')
    assert 'change 4' in first and 'change 3' in first and 'change 2' not in first
    assert f'Page 1 of {-(-total // 2)} ({total} entries)' in first
    second = await admin.page('/admin/audit?page=2')
    assert 'change 2' in second and 'change 4' not in second
    assert (await admin.client.get('/admin/audit?page=999')).status_code == 404


async def test_editing_a_title_shows_everywhere_at_once_and_is_audited(
    admin: Browser, app: Quart, session: AsyncSession
) -> None:
    episode = await session.scalar(
        select(Episode).where(is_public()).order_by(Episode.number.desc())
    )
    assert episode is not None
    public = Browser(app.test_client())
    await public.page('/episodes/rss')  # warm the feed cache
    form = await edit_form(admin, episode.id)
    form['title'] = 'A title fresh from the admin'
    form['slug'] = episode.slug
    response = await admin.submit(f'/admin/episodes/{episode.id}', form)
    assert response.status_code == 302
    page = await public.page(f'/episodes/show/{episode.number}/{episode.slug}')
    assert 'A title fresh from the admin' in page
    assert 'A title fresh from the admin' in await public.page('/episodes/rss')
    results = await (await public.client.get('/search/api?q=fresh+admin')).get_json()
    assert results['episodes'][0]['number'] == episode.number
    entry = await session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert entry is not None
    assert (entry.user_email, entry.action, entry.entity) == (
        'admin@example.com',
        'update',
        'episode',
    )
    assert entry.changes['title'][1] == 'A title fresh from the admin'
    assert 'A title fresh from the admin' in await admin.page('/admin/audit')


VALID = {
    'number': '9001', 'title': 'Brand new', 'status': 'published', 'duration': '45:00',
    'media_url': 'https://media.example.com/9001.mp3', 'media_size_bytes': '43200000',
    'media_type': 'audio/mpeg', 'episode_type': 'full', 'show_notes': 'Hello **world**',
}  # fmt: skip


async def test_creating_an_episode_publishes_it(admin: Browser, app: Quart) -> None:
    response = await admin.submit('/admin/episodes/new', VALID | {'hosts': 'robin-calloway'})
    assert response.status_code == 302
    public = Browser(app.test_client())
    assert '<strong>world</strong>' in await public.page('/episodes/show/9001/brand-new')


async def test_the_recording_date_is_kept_and_shown(admin: Browser, app: Quart) -> None:
    response = await admin.submit(
        '/admin/episodes/new',
        VALID | {'publish_at': '2026-11-30T09:00', 'recorded_on': '2026-11-27'},
    )
    assert response.status_code == 302
    html = await Browser(app.test_client()).page('/episodes/show/9001/brand-new')
    assert 'Recorded <time datetime="2026-11-27T00:00:00+00:00">' in html


@pytest.mark.parametrize(
    ('changes', 'field', 'message'),
    [
        ({'title': ''}, 'title', 'at least 1 character'),
        ({'number': 'abc'}, 'number', 'valid integer'),
        ({'number': '1'}, 'number', 'Another episode has this number.'),
        ({'duration': 'forever'}, 'duration', 'Write the length'),
        ({'media_url': 'ftp://x'}, 'media_url', 'URL'),
        ({'chapter_time_0': '1:99', 'chapter_title_0': 'Intro'}, 'chapter_time_0', 'H:MM:SS'),
        ({'guests': 'nobody-at-all'}, 'guests', 'No guests with these slugs: nobody-at-all'),
        ({'sponsors': 'no-such-sponsor'}, 'sponsors', 'No sponsors with these slugs'),
        ({'status': 'scheduled', 'publish_at': '2001-01-01T10:00'}, 'publish_at', 'future'),
        ({'status': 'scheduled'}, 'publish_at', 'needs a date and time'),
        ({'publish_at': 'yesterday'}, 'publish_at', 'like 2026-12-01T09:00'),
        # Past the end of Python's calendar once in UTC, or so close that what follows is.
        ({'publish_at': '9999-12-31T23:59-05:00'}, 'publish_at', 'before the year 9000'),
        ({'publish_at': '0001-01-01T00:00+05:00'}, 'publish_at', 'before the year 9000'),
        ({'publish_at': '9999-12-31T23:59'}, 'publish_at', 'before the year 9000'),
        ({'media_size_bytes': '9' * 30}, 'media_size_bytes', 'less than or equal to'),
        ({'status': 'hidden'}, 'status', 'Choose draft'),
        ({'youtube_id': '<script>'}, 'youtube_id', 'String should match pattern'),
        ({'slug': 'Not A Slug!'}, 'slug', 'String should match pattern'),
        ({'recorded_on': '27/11/2026'}, 'recorded_on', 'Use a date like 2026-11-27.'),
        (
            {'publish_at': '2026-11-30T09:00', 'recorded_on': '2026-12-01'},
            'recorded_on',
            'recorded before it is published',
        ),
    ],
)
async def test_bad_episode_forms_say_what_is_wrong_and_store_nothing(
    admin: Browser, session: AsyncSession, changes: dict[str, str], field: str, message: str
) -> None:
    before = len((await session.scalars(select(Episode.id))).all())
    response = await admin.submit('/admin/episodes/new', VALID | changes)
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html, field
    assert 'Please correct the fields marked below.' in html
    assert len((await session.scalars(select(Episode.id))).all()) == before


async def test_scheduled_episodes_stay_hidden_until_their_time(admin: Browser, app: Quart) -> None:
    response = await admin.submit(
        '/admin/episodes/new', VALID | {'status': 'scheduled', 'publish_at': '2099-01-01T09:00'}
    )
    assert response.status_code == 302
    public = app.test_client()
    assert (await public.get('/episodes/show/9001/brand-new')).status_code == 404
    assert 'scheduled' in await admin.page('/admin/episodes?status=scheduled')


async def test_the_admin_calls_a_scheduled_episode_published_when_the_site_does(
    admin: Browser, app: Quart, clock: MovableClock, session: AsyncSession
) -> None:
    publish_at = (clock() + timedelta(days=2)).strftime('%Y-%m-%dT%H:%M')
    response = await admin.submit(
        '/admin/episodes/new', VALID | {'status': 'scheduled', 'publish_at': publish_at}
    )
    assert response.status_code == 302
    listed = await admin.page('/admin/episodes?q=9001')
    assert 'status-scheduled' in listed
    assert '9001' in await admin.page('/admin/episodes?status=scheduled')
    episode_id = await session.scalar(select(Episode.id).where(Episode.number == 9001))
    assert 'Preview: scheduled for' in await admin.page(f'/admin/episodes/{episode_id}/preview')

    clock.advance(timedelta(days=3))
    assert (await app.test_client().get('/episodes/show/9001/brand-new')).status_code == 200
    listed = await admin.page('/admin/episodes?q=9001')
    assert 'status-published' in listed
    assert '9001' not in await admin.page('/admin/episodes?status=scheduled')
    assert '9001' in await admin.page('/admin/episodes?status=published')
    preview = await admin.page(f'/admin/episodes/{episode_id}/preview')
    assert 'Preview: this episode is published' in preview


async def test_markdown_preview_is_sanitised(admin: Browser) -> None:
    html = await admin.page('/admin')
    token = Browser.TOKEN.search(html)
    assert token is not None
    response = await admin.client.post(
        '/admin/preview',
        form={'markdown': '## Hi\n\n<script>alert(1)</script>', 'csrf_token': token.group(1)},
    )
    body = await response.get_data(as_text=True)
    assert '<h2>Hi</h2>' in body and '<script' not in body


@pytest.mark.parametrize(
    ('path', 'form'),
    [
        ('/admin/episodes/999999', VALID),
        ('/admin/guests/999999', {'name': 'Nobody Here'}),
        ('/admin/links/999999', {'name': 'gone', 'target_url': 'https://example.com'}),
        ('/admin/streams/999999', {'title': 'Gone', 'starts_at': '2030-01-01T10:00',
                                   'duration': '60', 'youtube_id': 'abcdefghijk'}),
    ],
)  # fmt: skip
async def test_saving_a_row_that_does_not_exist_is_a_404(
    admin: Browser, path: str, form: dict[str, str]
) -> None:
    response = await admin.submit(path, form)
    assert response.status_code == 404
    assert 'with this id' in await response.get_data(as_text=True)


async def test_guests_and_sponsors_are_managed_with_checked_forms(
    admin: Browser, app: Quart, session: AsyncSession
) -> None:
    response = await admin.submit(
        '/admin/guests/new',
        {'name': 'Lin Example', 'bio': 'Writes *parsers*.', 'photo_url': '',
         'website_url': 'https://lin.example', 'social_links': 'GitHub https://github.com/lin'},
    )  # fmt: skip
    assert response.status_code == 302
    assert 'Lin Example' in await admin.page('/admin/guests')
    duplicate = await admin.submit('/admin/guests/new', {'name': 'Lin Example'})
    assert 'Another guest uses this slug.' in await duplicate.get_data(as_text=True)
    bad = await admin.submit(
        '/admin/sponsors/new',
        {'name': '', 'website_url': 'javascript:alert(1)', 'logo_url': 'data:x'},
    )
    html = await bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert html.count('class="field-error"') >= 2
    created = await admin.submit('/admin/sponsors/new', {'name': 'Acme Hosting'})
    assert created.status_code == 302
    listing = await admin.page('/admin/sponsors')
    assert 'Acme Hosting' in listing
    entries = (await session.scalars(select(AuditEntry.entity))).all()
    assert {'guest', 'sponsor'} <= set(entries)


async def test_roles_are_changed_by_admins_only_with_a_sponsor_for_advertisers(
    admin: Browser, app: Quart
) -> None:
    listener = await logged_in(app, role='listener', email='fan@example.com')
    html = await admin.page('/admin/users')
    user_id = re.search(
        r'action="/admin/users/(\d+)"[^>]*>(?:(?!</form>).)*fan@example', html, re.S
    )
    ids = re.findall(r'action="/admin/users/(\d+)"', html)
    fan = ids[-1] if user_id is None else user_id.group(1)
    refused = await admin.submit(f'/admin/users/{fan}', {'role': 'advertiser', 'sponsor_id': ''})
    assert 'needs the sponsor' in await refused.get_data(as_text=True)
    for odd_number in ('²', '99999999999999999999', '9' * 5000):
        odd = await admin.submit(
            f'/admin/users/{fan}', {'role': 'advertiser', 'sponsor_id': odd_number}
        )
        assert 'needs the sponsor' in await odd.get_data(as_text=True)
    made_admin = await admin.submit(f'/admin/users/{fan}', {'role': 'admin', 'sponsor_id': ''})
    assert made_admin.status_code == 200
    assert (await listener.client.get('/admin')).status_code == 200


VTT = 'WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Robin>Pasted into the admin.\n'


async def test_a_pasted_transcript_is_stored_with_the_episode(admin: Browser, app: Quart) -> None:
    response = await admin.submit(
        '/admin/episodes/new', VALID | {'transcript': VTT, 'transcript_format': 'vtt'}
    )
    assert response.status_code == 302
    page = await Browser(app.test_client()).page('/episodes/transcript/9001/brand-new')
    assert 'Pasted into the admin.' in page and '<strong>Robin</strong>' in page


async def test_an_uploaded_transcript_file_is_stored(admin: Browser, app: Quart) -> None:
    html = await admin.page('/admin/episodes/new')
    token = Browser.TOKEN.search(html)
    assert token is not None
    upload = FileStorage(BytesIO(VTT.encode()), filename='9001.vtt', content_type='text/vtt')
    response = await admin.client.post(
        '/admin/episodes/new',
        form=VALID | {'csrf_token': token.group(1), 'transcript_format': 'vtt'},
        files={'transcript_file': upload},
    )
    assert response.status_code == 302
    assert 'Pasted into the admin.' in await Browser(app.test_client()).page(
        '/episodes/transcript/9001/brand-new'
    )


async def test_a_broken_transcript_is_reported_and_nothing_is_saved(
    admin: Browser, session: AsyncSession
) -> None:
    response = await admin.submit(
        '/admin/episodes/new',
        VALID | {'transcript': 'WEBVTT\n\n00:00:0x --> 1\nbad', 'transcript_format': 'vtt'},
    )
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'The transcript could not be read: line 3' in html
    assert await session.scalar(select(Episode).where(Episode.number == 9001)) is None


async def test_podcast_settings_change_the_site_and_the_feed(admin: Browser, app: Quart) -> None:
    html = await admin.page('/admin/settings')
    assert 'value="The Traceback"' in html
    form = {
        'title': 'The Renamed Show', 'language': 'en', 'owner_email': 'owner@example.com',
        'category_1': 'Technology', 'category_2': 'Education > Courses', 'locked': 'on',
        'artwork_url': '/static/img/demo/artwork.png', 'funding_url': 'https://fund.example',
    }  # fmt: skip
    saved = await admin.submit('/admin/settings', form)
    assert saved.status_code == 200
    public = Browser(app.test_client())
    assert '<title>The Renamed Show</title>' in await public.page('/')
    assert '<title>The Renamed Show</title>' in await public.page('/episodes/rss')
    bad = await admin.submit('/admin/settings', form | {'owner_email': 'nope', 'title': ''})
    assert bad.status_code == 400
    assert (await bad.get_data(as_text=True)).count('class="field-error"') == 2


@pytest.mark.parametrize(
    ('choices', 'field', 'message'),
    [
        ({'category_1': 'Nonsense Category'}, 'category_1', 'not one of Apple'),
        ({'category_1': 'Technology > Gadgets'}, 'category_1', 'not one of Apple'),
        ({'category_1': 'technology'}, 'category_1', 'not one of Apple'),
        ({'category_1': 'Arts > Books > Poetry'}, 'category_1', 'not one of Apple'),
        ({'category_1': 'Technology', 'category_2': 'Technology'}, 'category_2', 'chosen above'),
    ],
)
async def test_categories_come_from_apples_list(
    admin: Browser, app: Quart, choices: dict[str, str], field: str, message: str
) -> None:
    form = {'title': 'The Traceback', 'language': 'en', 'locked': 'on'}
    refused = await admin.submit('/admin/settings', form | choices)
    html = await refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert re.search(rf'<p class="field-error" id="{field}-error">[^<]*{message}', html)
    assert 'Nonsense' not in await Browser(app.test_client()).page('/episodes/rss')
    page = await admin.page('/admin/settings')
    assert '<option value="Technology" selected="selected">' in page  # still the stored one


async def test_categories_are_chosen_from_grouped_menus(admin: Browser, app: Quart) -> None:
    page = await admin.page('/admin/settings')
    assert '<optgroup label="Education">' in page
    assert '<option value="Education &gt; Courses" selected="selected">Courses</option>' in page
    form = {'title': 'The Traceback', 'language': 'en', 'category_1': 'Leisure > Video Games'}
    assert (await admin.submit('/admin/settings', form)).status_code == 200
    feed = await Browser(app.test_client()).page('/episodes/rss')
    assert re.search(
        r'<itunes:category text="Leisure">\s*<itunes:category text="Video Games"', feed
    )
    assert 'Courses' not in feed


async def test_a_stored_category_apple_does_not_know_is_shown_and_must_be_replaced(
    admin: Browser, session: AsyncSession
) -> None:
    await session.execute(update(Podcast).values(categories=[['Nonsense Category']]))
    await session.commit()
    page = await admin.page('/admin/settings')
    assert (
        '<option value="Nonsense Category" selected="selected">'
        "Nonsense Category (not in Apple's list)</option>"
    ) in page
    resaved = await admin.submit(
        '/admin/settings',
        {'title': 'The Traceback', 'language': 'en', 'category_1': 'Nonsense Category'},
    )
    assert resaved.status_code == 400
    assert 'is not one of Apple' in await resaved.get_data(as_text=True)
