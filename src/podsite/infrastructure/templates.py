"""Chameleon page templates for Quart views.

We keep this small module instead of using chameleon-flask: that package holds one
process-global template loader (so two apps with different settings, as in tests, would
share it) and depends on Flask itself. Here the loader lives on the app built by
`create_app`, and views return Quart responses.
"""

from collections.abc import Awaitable, Callable, Mapping
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec

from chameleon import PageTemplateLoader
from quart import Quart, Response, current_app
from werkzeug.sansio.response import Response as AnyResponse

EXTENSION_KEY = 'podsite.templates'
HTML = 'text/html; charset=utf-8'

P = ParamSpec('P')
# Redirects come back typed as Werkzeug's base response, so accept any response.
ViewResult = Mapping[str, Any] | AnyResponse | tuple[Mapping[str, Any], int]


def init_app(app: Quart, *, folder: Path, auto_reload: bool) -> None:
    app.extensions[EXTENSION_KEY] = PageTemplateLoader(
        str(folder), auto_reload=auto_reload, restricted_namespace=True
    )


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
