"""Chameleon page templates for Quart views, through chameleon-rs's Flask and Quart integration
(`chameleon_rs.flask`): it finds, compiles and renders the templates and builds the response.

This module adds only what podsite needs beyond that integration:

- `init_app` gives each app its own configuration (`configure(app=...)`, kept in the app's
  extensions) rather than the process-wide one, so two apps with different settings, as the
  tests build, do not share a loader or its auto-reload setting. The integration then also
  refuses, when the app starts, a route registered before `@template` wrapped its view.
- `template` lets a view answer `(model, status)`, as a form shown again with its problems does
  (400). The integration's decorator takes a status only when decorating, or by its error page:
  any status but 200 is handed to it as the error page of the same template and model.

Templates compile on their first use, in about a millisecond each (all 36 pages in 25 ms, the
shared layout in 2 ms, 2026-12-06); Chameleon took a few hundred milliseconds a template, which
made served workers compile them all before taking requests and share one compiled layout.
"""

from collections.abc import Awaitable, Callable, Mapping
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec

import chameleon_rs.flask as chameleon_flask
from quart import Quart
from werkzeug.sansio.response import Response as AnyResponse

P = ParamSpec('P')
# Redirects come back typed as Werkzeug's base response, and pages as Flask's (the
# integration's), which Quart sends as any Werkzeug response; so accept any response.
ViewResult = Mapping[str, Any] | AnyResponse | tuple[Mapping[str, Any], int]


def init_app(app: Quart, *, folder: Path, auto_reload: bool) -> None:
    chameleon_flask.configure(folder, auto_reload=auto_reload, app=app)


def template(
    template_file: str,
) -> Callable[[Callable[P, Awaitable[ViewResult]]], Callable[P, Awaitable[AnyResponse]]]:
    """Renders the dict an async view returns, with the status it gives beside it, if any;
    responses (redirects) pass through."""

    def decorator(view: Callable[P, Awaitable[ViewResult]]) -> Callable[P, Awaitable[AnyResponse]]:
        @wraps(view)
        async def with_status(*args: P.args, **kwargs: P.kwargs) -> Mapping[str, Any] | AnyResponse:
            result = await view(*args, **kwargs)
            if not isinstance(result, tuple):
                return result
            model, status = result
            if status != 200:
                chameleon_flask.generic_error(template_file, status, model)
            return model

        return chameleon_flask.template(template_file)(with_status)

    return decorator
