"""Security headers on every response, static files and error pages included; and
`never_store` for answers meant for one person."""

from collections.abc import Awaitable, Callable
from functools import wraps

from quart import Quart, Response, make_response
from werkzeug.sansio.response import Response as AnyResponse

from podsite.settings import Settings

POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    "media-src 'self' https:",
    'frame-src https://www.youtube-nocookie.com',
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)
CONTENT_SECURITY_POLICY = '; '.join((*POLICY, "frame-ancestors 'none'"))
FRAMEABLE_CONTENT_SECURITY_POLICY = '; '.join((*POLICY, 'frame-ancestors *'))


def init_app(app: Quart, settings: Settings) -> None:
    headers = {
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'strict-origin-when-cross-origin',
        'X-Frame-Options': 'DENY',
        'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
        'Cross-Origin-Opener-Policy': 'same-origin',
    }
    if settings.base_url.startswith('https'):
        headers['Strict-Transport-Security'] = 'max-age=31536000; includeSubDomains'

    @app.after_request
    async def add_security_headers(response: Response) -> Response:
        # A view that set its own (an embeddable player's frame rules) keeps it. One pass
        # over the response's headers, rather than a lookup per name: this runs on every
        # response the app makes.
        present = {name.lower() for name, _ in response.headers}
        if 'content-security-policy' in present:
            # Its frame-ancestors decides who may frame it; browsers that read both
            # headers follow a CSP's frame-ancestors and would ignore X-Frame-Options, but
            # older ones would refuse every frame.
            present.add('x-frame-options')
        response.headers.extend(
            [(name, value) for name, value in headers.items() if name.lower() not in present]
        )
        return response


def frameable[**P](
    view: Callable[P, Awaitable[AnyResponse]],
) -> Callable[P, Awaitable[AnyResponse]]:
    """For a page made to be framed by other sites (the embeddable player): any site may
    frame it, while every other page refuses to be framed (`frame-ancestors 'none'` and
    `X-Frame-Options: DENY`). Put it under `@kept_for_anonymous`, so kept copies carry it."""

    @wraps(view)
    async def with_frame_rules(*args: P.args, **kwargs: P.kwargs) -> AnyResponse:
        response = await make_response(await view(*args, **kwargs))
        response.headers['Content-Security-Policy'] = FRAMEABLE_CONTENT_SECURITY_POLICY
        return response

    return with_frame_rules


async def never_store(response: Response) -> Response:
    """For an answer meant for one person (their account, the admin, a sponsor's numbers,
    a page with their session's CSRF token): no browser or shared cache may keep it, so no
    one later at the same computer or behind the same proxy is shown it. An after-request
    function: the account, admin and advertiser blueprints use it, and the CSRF check for
    pages that carry a token."""
    response.headers['Cache-Control'] = 'no-store'
    return response
