"""chameleon-rs renders every page of the site byte for byte as stock Chameleon does.

Every page a visitor, a listener, an advertiser and an administrator can reach is requested
through the app, which renders with chameleon-rs; each render is repeated at once, with the
same template and the same values in the same request, by stock Chameleon (installed for this
test only), and the two outputs are compared. The pages: every URL of the sitemap (nested
sitemaps too), the pages of each role found by following their links, forms sent back with
their problems, error pages and search results.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import unified_diff
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chameleon
import chameleon_rs
import pytest
from chameleon.loader import ModuleLoader
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Sponsor
from podsite.settings import PACKAGE_DIR
from podsite.tools.site_check import page_links, parse_sitemap
from podsite.viewmodels.admin import episodes
from podsite.viewmodels.reports import admin_reports
from tests.clock import MovableClock
from tests.visitors import ADMIN_PASSWORD, Browser, logged_in, turn_on_two_factor

FOLDER = PACKAGE_DIR / 'templates'
# Templates only ever used by other templates, as macros.
MACROS = {
    'shared/_layout.pt',
    'shared/_subscribe.pt',
    'admin/_nav.pt',
    'episodes/_player.pt',
    'episodes/_chapters.pt',
    'shared/_pager.pt',
}
CSRF_TOKEN = re.compile(r'(name="csrf_token" value=")[^"]*"')
# Links followed from a role's own pages, and links never followed: downloads and short links
# count, the rest are files, not pages.
ROLE_AREAS = ('/admin', '/advertiser', '/account')
NOT_PAGES = re.compile(r'^/(static|r)/|^/episodes/download/|\.(csv|ics|txt|vtt|json|xml)$')


@dataclass
class Comparison:
    """What both engines rendered: how often each template, and where they differed."""

    renders: dict[str, int] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)

    def check(self, name: str, ours: str, theirs: str) -> None:
        self.renders[name] = self.renders.get(name, 0) + 1
        ours, theirs = CSRF_TOKEN.sub(r'\1"', ours), CSRF_TOKEN.sub(r'\1"', theirs)
        if ours != theirs:
            diff = unified_diff(
                theirs.splitlines(), ours.splitlines(), 'chameleon', 'chameleon-rs', lineterm=''
            )
            self.differences.append(f'{name}:\n' + '\n'.join(list(diff)[:40]))


@pytest.fixture
def comparison(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Comparison:
    """Every template chameleon-rs renders is rendered by stock Chameleon too, then compared."""

    class SharedCompileTemplateFile(chameleon.PageTemplateFile):
        # Every page loads the layout with a loader of its own: without one store of compiled
        # modules, stock Chameleon would compile the layout again for each page (half a second).
        loader = ModuleLoader(str(tmp_path))

    stock = chameleon.PageTemplateLoader(str(FOLDER), formats={'xml': SharedCompileTemplateFile})
    found = Comparison()
    render: Callable[..., str] = chameleon_rs.PageTemplate.render

    # The integration renders a page with a template's own `render` when the template class
    # has one (synchronously), so this also sees the pages rendered for async views.
    def render_with_both(template: Any, encoding: str | None = None, **values: Any) -> str:
        ours = render(template, encoding, **values)
        name = Path(template.filename).relative_to(FOLDER).as_posix()
        found.check(name, ours, stock[name].render(encoding, **values))
        return ours

    monkeypatch.setattr(chameleon_rs.PageTemplate, 'render', render_with_both)
    return found


async def sitemap_pages(client: Client, path: str = '/sitemap.xml') -> list[str]:
    response = await client.get(path)
    assert response.status_code == 200, path
    sitemap = parse_sitemap(await response.get_data())
    pages: list[str] = []
    for location in sitemap.locations:
        url = urlsplit(location)
        local = url.path + (f'?{url.query}' if url.query else '')
        pages.extend(await sitemap_pages(client, local) if sitemap.is_index else [local])
    return pages


async def visit(browser: Browser, start: list[str], *, follow: tuple[str, ...] = ()) -> int:
    """Requests each page of `start`, and every page linked from one under `follow`; the
    number of pages requested. Every page answers, without a server error."""
    seen = set(start)
    queue = list(start)
    while queue:
        path = queue.pop(0)
        response = await browser.client.get(path, headers=browser.headers)
        assert response.status_code < 500, (path, response.status_code)
        if response.status_code != 200 or response.mimetype != 'text/html':
            continue
        for link, _ in page_links(await response.get_data(), f'http://localhost{path}'):
            url = urlsplit(link)
            local = url.path + (f'?{url.query}' if url.query else '')
            if (
                url.netloc == 'localhost'
                and follow
                and url.path.startswith(follow)
                and not NOT_PAGES.search(url.path)
                and local not in seen
            ):
                seen.add(local)
                queue.append(local)
    return len(seen)


async def send_back(browser: Browser, page: str, path: str, form: dict[str, str]) -> int:
    """Posts `form` to `path` with the CSRF token `page` carries; the status."""
    html = await (await browser.client.get(page, headers=browser.headers)).get_data(as_text=True)
    token = Browser.TOKEN.search(html)
    assert token is not None, page
    response = await browser.client.post(
        path, form={**form, 'csrf_token': token.group(1)}, headers=browser.headers
    )
    return response.status_code


async def test_every_page_renders_the_same_with_chameleon_rs_as_with_chameleon(
    app: Quart,
    session: AsyncSession,
    comparison: Comparison,
    clock: MovableClock,
    empty_client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pages short enough that the admin's lists show their pagers, and are followed.
    monkeypatch.setattr(episodes, 'EPISODES_PER_PAGE', 25)
    monkeypatch.setattr(admin_reports, 'EPISODES_PER_PAGE', 25)
    visitor = Browser(app.test_client())
    public = await sitemap_pages(visitor.client)
    assert len(public) > 100
    others = ['/account/login', '/account/register', '/account/reset', '/account/reset/bad-token',
              '/account/confirm/bad-token', '/account/email/bad-token',
              '/live-stream/confirm/bad-token', '/live-stream/unsubscribe/bad-token',
              '/search?q=python', '/search?q=', '/search?q=%22unclosed', '/no-such-page',
              '/episodes/show/99999', '/analytics-methodology',
              '/account/unsubscribe/bad-token']  # fmt: skip
    episode_page = next(path for path in public if path.startswith('/episodes/show/'))
    others.append(episode_page.replace('/episodes/show/', '/episodes/embed/', 1))
    await visit(visitor, public + others)
    assert await send_back(visitor, '/account/login', '/account/login',
                           {'email': 'nobody@example.com', 'password': 'wrong'}) == 400  # fmt: skip
    assert await send_back(visitor, '/account/register', '/account/register', {}) == 400
    assert await send_back(visitor, '/account/reset', '/account/reset', {'email': 'x'}) == 400
    assert await send_back(visitor, '/live-stream', '/live-stream/notify', {'email': 'x'}) == 400
    assert (await visitor.client.post('/sitemap.xml')).status_code == 405

    listener = await logged_in(app, role='listener', email='listener@example.com')
    await visit(listener, ['/account'], follow=ROLE_AREAS)
    assert await send_back(listener, '/account', '/account/profile', {'name': ''}) == 400
    code_page = '/account/two-factor/sign-in'
    await turn_on_two_factor(listener, clock())
    await listener.submit('/account/logout', {})
    await listener.submit('/account/login', {'email': 'listener@example.com',
                                             'password': ADMIN_PASSWORD})  # fmt: skip
    assert await send_back(listener, code_page, code_page, {'code': 'wrong'}) == 400
    await visit(listener, [code_page])

    sponsor_id = await session.scalar(select(Sponsor.id).order_by(Sponsor.id).limit(1))
    assert sponsor_id is not None
    advertiser = await logged_in(
        app, role='advertiser', email='ads@example.com', sponsor_id=sponsor_id
    )
    await visit(advertiser, ['/advertiser'], follow=ROLE_AREAS)

    admin = await logged_in(app, role='admin', email='admin@example.com')
    assert await visit(admin, ['/admin'], follow=ROLE_AREAS) > 100
    for form_page in ('/admin/episodes/new', '/admin/guests/new', '/admin/links/new',
                      '/admin/streams/new', '/admin/settings'):  # fmt: skip
        assert await send_back(admin, form_page, form_page, {}) in (400, 404), form_page

    newcomer = Browser(empty_client)
    await visit(newcomer, ['/setup'])
    assert await send_back(newcomer, '/setup', '/setup', {}) == 400

    assert not comparison.differences, '\n\n'.join(comparison.differences)
    pages = {path.relative_to(FOLDER).as_posix() for path in FOLDER.rglob('*.pt')}
    assert set(comparison.renders) == pages - MACROS
