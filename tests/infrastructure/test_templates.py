"""Templates are compiled once per process: served workers compile them all before taking
requests, and no page compiles the shared layout again."""

from quart import Quart
from quart.typing import TestClientProtocol as Client

from podsite.infrastructure import templates
from podsite.settings import PACKAGE_DIR

FOLDER = PACKAGE_DIR / 'templates'


async def test_after_compiling_every_template_no_page_compiles_anything(
    app: Quart, client: Client
) -> None:
    templates.compile_all(app, folder=FOLDER)
    compiled = templates.compiled_templates()
    assert compiled >= len(list(FOLDER.rglob('*.pt')))

    for path in ('/', '/episodes/all', '/guests', '/search?q=python', '/account/login', '/nope'):
        await client.get(path)

    assert templates.compiled_templates() == compiled


async def test_a_second_app_reuses_what_the_first_compiled(app: Quart, empty_app: Quart) -> None:
    templates.compile_all(app, folder=FOLDER)
    compiled = templates.compiled_templates()
    templates.compile_all(empty_app, folder=FOLDER)
    assert templates.compiled_templates() == compiled
