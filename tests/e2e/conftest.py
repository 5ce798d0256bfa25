"""Browser fixtures (only the browser tests load Playwright), and the site the admin's
browser tests are pointed at: the demo catalogue with an administrator, served."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from quart import Quart

from podsite.app import create_app
from podsite.services.accounts import account_service
from tests.databases import DatabaseFactory, settings_for
from tests.e2e.chromium import BrowserPage, chromium_page
from tests.servers import ServedDemo, ServeDemoWithAdmin, podsite_server


@pytest.fixture
async def chromium() -> AsyncIterator[BrowserPage]:
    """A fresh page in Debian's Chromium, closed after the test."""
    async with chromium_page() as page:
        yield page


@pytest.fixture(scope='session')
def serve_demo_with_admin(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> ServeDemoWithAdmin:
    """`podsite serve` over a fresh copy of the demo catalogue holding an administrator's
    account (`name`, `email`, `password`), with a data and a media folder of its own and the
    `settings` given; `arrange(app)`, if given, adds what else the tests need, in the app's
    context, before the server starts. The database is dropped after."""

    @asynccontextmanager
    async def serve(
        *,
        name: str,
        email: str,
        password: str,
        arrange: Callable[[Quart], Awaitable[Any]] | None = None,
        **settings: str,
    ) -> AsyncIterator[ServedDemo]:
        database_url = await databases.demo()
        try:
            app = create_app(settings_for(database_url))
            async with app.test_app(), app.app_context():
                await account_service.create_user(
                    name=name, email=email, password=password, role='admin'
                )
                arranged = None if arrange is None else await arrange(app)
            folder = tmp_path_factory.mktemp('e2e-admin')
            with podsite_server(
                database_url, folder, media_dir=str(folder / 'media'), **settings
            ) as base:
                yield ServedDemo(base, arranged)
        finally:
            await databases.drop(database_url)

    return serve
