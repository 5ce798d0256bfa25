"""The template glue: each app has its own template settings, and a view answers a page, the
page with another status (a form shown again), or a response of its own."""

import os
from pathlib import Path

import pytest
from quart import Quart, redirect
from quart.testing.app import LifespanError
from werkzeug.sansio.response import Response as AnyResponse

from podsite.infrastructure import templates
from podsite.infrastructure.templates import ViewResult, template


def app_over(folder: Path, *, auto_reload: bool) -> Quart:
    app = Quart(__name__)
    templates.init_app(app, folder=folder, auto_reload=auto_reload)

    @app.get('/hello/<name>')
    @template('hello.pt')
    async def hello(name: str) -> ViewResult:
        return {'name': name}

    @app.get('/form/<int:status>')
    @template('hello.pt')
    async def form(status: int) -> ViewResult:
        return {'name': 'again'}, status

    @app.get('/away')
    @template('hello.pt')
    async def away() -> ViewResult:
        return redirect('/elsewhere')

    return app


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / 'hello.pt').write_text('<p>Hello, ${name}!</p>\n')
    return tmp_path


async def test_a_view_answers_its_page_another_status_or_its_own_response(folder: Path) -> None:
    app = app_over(folder, auto_reload=False)
    async with app.test_app():
        client = app.test_client()
        page = await client.get('/hello/<you>')
        assert page.status_code == 200
        assert page.headers['Content-Type'] == 'text/html; charset=utf-8'
        assert await page.get_data(as_text=True) == '<p>Hello, &lt;you&gt;!</p>\n'
        for status in (200, 400, 404):
            again = await client.get(f'/form/{status}')
            assert again.status_code == status
            assert again.headers['Content-Type'] == 'text/html; charset=utf-8'
            assert await again.get_data(as_text=True) == '<p>Hello, again!</p>\n'
        away = await client.get('/away')
        assert away.status_code == 302 and away.headers['Location'] == '/elsewhere'


async def test_each_app_keeps_its_own_settings(folder: Path) -> None:
    reloading = app_over(folder, auto_reload=True)
    steady = app_over(folder, auto_reload=False)
    async with reloading.test_app(), steady.test_app():
        for app in (reloading, steady):
            assert await (await app.test_client().get('/hello/a')).get_data(as_text=True) == (
                '<p>Hello, a!</p>\n'
            )
        template_file = folder / 'hello.pt'
        template_file.write_text('<p>Bye, ${name}.</p>\n')
        later = template_file.stat().st_mtime + 10
        os.utime(template_file, (later, later))
        reloaded = await reloading.test_client().get('/hello/a')
        kept = await steady.test_client().get('/hello/a')
    assert await reloaded.get_data(as_text=True) == '<p>Bye, a.</p>\n'
    assert await kept.get_data(as_text=True) == '<p>Hello, a!</p>\n'


async def test_an_app_whose_route_skips_the_template_does_not_start(folder: Path) -> None:
    app = Quart(__name__)
    templates.init_app(app, folder=folder, auto_reload=False)

    @template('hello.pt')
    @app.get('/')
    async def misordered() -> AnyResponse | dict[str, str]:
        return {'name': 'nobody'}

    with pytest.raises(LifespanError, match='@template must be placed below the route'):
        async with app.test_app():
            pass
