"""The first run: a site with no administrator and no show leads every page to `/setup`,
which names the show and creates the first administrator, then is gone for good."""

import pytest
from quart import Quart, Response
from quart.typing import TestClientProtocol as Client
from sqlalchemy import func, select

from podsite.data import AuditEntry, Podcast, User
from podsite.infrastructure import db
from tests.databases import QueryCounter
from tests.visitors import Browser

FIRST_RUN_CHECK = 'user_account.role ='
"""Part of the first-run check's SQL: whether an administrator exists."""
GOOD = {
    'title': 'Night Shift Radio', 'subtitle': 'Talk after dark', 'author': 'Sam Night',
    'language': 'en', 'name': 'Sam Night', 'email': 'sam@example.com',
    'password': 'a long password 1', 'confirm': 'a long password 1',
}  # fmt: skip


async def setup_token(visitor: Browser) -> str:
    match = Browser.TOKEN.search(await visitor.page('/setup'))
    assert match is not None
    return match.group(1)


async def post_setup(visitor: Browser, form: dict[str, str]) -> Response:
    token = await setup_token(visitor)
    return await visitor.client.post('/setup', form={**form, 'csrf_token': token})


async def stored(app: Quart) -> tuple[int, int]:
    async with app.app_context():
        session = db.session()
        admins = await session.scalar(select(func.count()).where(User.role == 'admin'))
        shows = await session.scalar(select(func.count()).select_from(Podcast))
        return admins or 0, shows or 0


@pytest.mark.parametrize('path', ['/', '/episodes/all', '/admin', '/account/login', '/guests'])
async def test_every_page_of_an_empty_site_leads_to_setup(empty_client: Client, path: str) -> None:
    response = await empty_client.get(path)
    assert response.status_code == 302
    assert response.headers['Location'] == '/setup'


async def test_files_and_the_health_check_answer_before_setup(empty_client: Client) -> None:
    assert (await empty_client.get('/health')).status_code != 302
    assert (await empty_client.get('/wp-login.php')).status_code == 404
    assert (await empty_client.get('/nowhere/at/all/x')).status_code in {302, 404}


async def test_setup_creates_the_show_and_the_admin_and_signs_them_in(empty_app: Quart) -> None:
    visitor = Browser(empty_app.test_client())
    page = await visitor.page('/setup')
    assert "The show's name" in page and 'name="csrf_token"' in page

    response = await post_setup(visitor, GOOD)

    assert response.status_code == 302
    assert response.headers['Location'] == '/admin'
    assert 'Dashboard' in await visitor.page('/admin')
    assert '<title>Night Shift Radio</title>' in await visitor.page('/')
    assert '<title>Night Shift Radio</title>' in await visitor.page('/episodes/rss')
    assert await stored(empty_app) == (1, 1)
    async with empty_app.app_context():
        entry = await db.session().scalar(select(AuditEntry))
    assert entry is not None
    assert (entry.user_email, entry.entity, entry.summary) == (
        'sam@example.com', 'podcast', 'Night Shift Radio',
    )  # fmt: skip
    assert '<code>first_admin</code>: sam@example.com' in await visitor.page('/admin/audit')
    assert (await visitor.client.get('/setup')).status_code == 404
    assert (await Browser(empty_app.test_client()).client.get('/setup')).status_code == 404


async def test_setup_is_refused_once_an_admin_exists(empty_app: Quart) -> None:
    first = Browser(empty_app.test_client())
    second = Browser(empty_app.test_client())
    token = await setup_token(second)  # the page was open before the first one finished
    assert (await post_setup(first, GOOD)).status_code == 302

    late = await second.client.post(
        '/setup', form=GOOD | {'email': 'intruder@example.com', 'csrf_token': token}
    )

    assert late.status_code == 404
    assert await stored(empty_app) == (1, 1)


async def test_setup_without_the_csrf_token_is_refused(empty_app: Quart) -> None:
    response = await empty_app.test_client().post('/setup', form=GOOD)
    assert response.status_code == 400
    assert await stored(empty_app) == (0, 0)


@pytest.mark.parametrize(
    ('changes', 'message'),
    [
        ({'title': ''}, "The show's name"),
        ({'title': 'x' * 201}, 'at most 200'),
        ({'email': 'not an address'}, 'email'),
        ({'password': 'short', 'confirm': 'short'}, '10 characters'),
        ({'confirm': 'something else entirely'}, 'The two passwords differ.'),
        ({'language': 'not a language!'}, 'String should match pattern'),
        ({'name': ''}, 'Your name'),
    ],
)
async def test_bad_setup_forms_are_shown_again_with_what_was_typed_and_store_nothing(
    empty_app: Quart, changes: dict[str, str], message: str
) -> None:
    visitor = Browser(empty_app.test_client())
    response = await post_setup(visitor, GOOD | changes)
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'Please correct the fields marked below.' in html
    assert 'value="Sam Night"' in html or changes.get('name') == ''
    assert 'a long password' not in html  # passwords are never echoed
    assert await stored(empty_app) == (0, 0)


async def test_a_set_up_site_has_no_setup_page(client: Client) -> None:
    assert (await client.get('/setup')).status_code == 404
    assert (await client.post('/setup', form=GOOD)).status_code == 400  # no CSRF token
    visitor = Browser(client)
    token = Browser.TOKEN.search(await visitor.page('/account/login'))
    assert token is not None
    late = await client.post('/setup', form=GOOD | {'csrf_token': token.group(1)})
    assert late.status_code == 404


async def test_a_set_up_site_asks_nothing_more_per_request(
    client: Client, queries: QueryCounter
) -> None:
    """The app asked once as it started; its first page already runs no check."""
    assert (await client.get('/privacy')).status_code == 200
    assert not any(FIRST_RUN_CHECK in statement for statement in queries.statements)
