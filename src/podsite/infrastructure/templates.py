"""Chameleon page templates for Quart views.

We keep this small module instead of using chameleon-flask: that package holds one
process-global template loader (so two apps with different settings, as in tests, would
share it) and depends on Flask itself. Here the loader lives on the app built by
`create_app`, and views return Quart responses.
"""

import os
from collections.abc import Awaitable, Callable, Mapping
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec

from chameleon import PageTemplateFile, PageTemplateLoader
from chameleon.loader import MemoryLoader
from quart import Quart, Response, current_app
from werkzeug.sansio.response import Response as AnyResponse

EXTENSION_KEY = 'podsite.templates'
HTML = 'text/html; charset=utf-8'

P = ParamSpec('P')
# Redirects come back typed as Werkzeug's base response, so accept any response.
ViewResult = Mapping[str, Any] | AnyResponse | tuple[Mapping[str, Any], int]


class CompiledOnceLoader(MemoryLoader):
    """Keeps each compiled template module, by the path and source digest Chameleon names it
    with, for the life of the process.

    Chameleon's in-memory loader keeps nothing, and every page template loads the layout
    (`load: ../shared/_layout.pt`) through a loader of its own, so each page compiled its own
    copy of the layout on its first request: half a second of CPU each, seconds per fresh
    worker. The digest covers the template's source, so an edited template compiles anew.
    """

    def __init__(self) -> None:
        self.modules: dict[str, dict[str, Any]] = {}

    def get(self, filename: str) -> dict[str, Any] | None:  # type: ignore[override]
        return self.modules.get(os.path.normpath(filename))

    def build(self, source: str, filename: str) -> dict[str, Any]:
        module = super().build(source, filename)
        self.modules[os.path.normpath(filename)] = module
        return module


class _PageTemplateFile(PageTemplateFile):
    # Templates loaded from a template (macros) are of the loading template's class.
    loader = CompiledOnceLoader()


def compiled_templates() -> int:
    """How many template modules this process has compiled."""
    return len(_PageTemplateFile.loader.modules)


def init_app(app: Quart, *, folder: Path, auto_reload: bool) -> None:
    app.extensions[EXTENSION_KEY] = PageTemplateLoader(
        str(folder),
        auto_reload=auto_reload,
        restricted_namespace=True,
        formats={'xml': _PageTemplateFile, 'text': PageTemplateLoader.formats['text']},
    )


def compile_all(app: Quart, *, folder: Path) -> int:
    """Compiles every template now; the number compiled.

    Left to its first request, a template costs a few hundred milliseconds of CPU, and a
    fresh worker taking a burst of traffic compiles them all at once: its event loop stalls
    for seconds, long enough for PostgreSQL connects to time out into 503 pages (seen under
    `make load`). Served workers therefore compile before taking requests.
    """
    loader: PageTemplateLoader = app.extensions[EXTENSION_KEY]
    names = sorted(str(path.relative_to(folder)) for path in folder.rglob('*.pt'))
    for name in names:
        loader[name].cook_check()
    return len(names)


def render(template_file: str, model: Mapping[str, Any]) -> str:
    loader: PageTemplateLoader = current_app.extensions[EXTENSION_KEY]
    html: str = loader[template_file](**model)
    return html


def response(template_file: str, model: Mapping[str, Any], status: int = 200) -> Response:
    return Response(render(template_file, model), status=status, content_type=HTML)


def template(
    template_file: str,
) -> Callable[[Callable[P, Awaitable[ViewResult]]], Callable[P, Awaitable[AnyResponse]]]:
    """Renders the dict an async view returns; responses (redirects) pass through."""

    def decorator(view: Callable[P, Awaitable[ViewResult]]) -> Callable[P, Awaitable[AnyResponse]]:
        @wraps(view)
        async def rendered(*args: P.args, **kwargs: P.kwargs) -> AnyResponse:
            result = await view(*args, **kwargs)
            if isinstance(result, AnyResponse):
                return result
            if isinstance(result, tuple):
                model, status = result
                return response(template_file, model, status)
            return response(template_file, result)

        return rendered

    return decorator
