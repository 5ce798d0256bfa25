"""The app as every request meets it."""

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from quart import Quart

from podsite.app import create_app
from tests.databases import settings_for


def request_functions(app: Quart) -> Iterator[tuple[str, Callable[..., Any]]]:
    hooks = {
        'before_request': app.before_request_funcs,
        'after_request': app.after_request_funcs,
        'teardown_request': app.teardown_request_funcs,
        'teardown_appcontext': {None: app.teardown_appcontext_funcs},
    }
    for kind, by_blueprint in hooks.items():
        for functions in by_blueprint.values():
            for function in functions:
                yield kind, function
    yield from app.view_functions.items()
    for by_code in app.error_handler_spec[None].values():
        for handler in by_code.values():
            yield 'error handler', handler


def test_no_view_or_request_hook_runs_in_a_thread(tmp_path: Any) -> None:
    # Quart runs a plain function in its thread pool: a hop to a thread and back on every
    # request that reaches it.
    app = create_app(settings_for(f'sqlite+aiosqlite:///{tmp_path / "site.db"}'))

    plain = [
        f'{kind}: {function.__module__}.{function.__qualname__}'
        for kind, function in request_functions(app)
        if not inspect.iscoroutinefunction(function)
    ]

    assert plain == []
