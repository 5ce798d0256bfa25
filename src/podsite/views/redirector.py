"""`/r/<name>` and `/<name>`: tracked short links. Registered last, and at the root a link
answers only where no route does (a 404), so it can never shadow a page; the admin refuses
names a page has or may have (`infrastructure/root_names.py`)."""

from quart import Blueprint, abort, redirect, request
from werkzeug.exceptions import NotFound
from werkzeug.sansio.response import Response as AnyResponse

from podsite.viewmodels.redirector.short_link import ShortLinkViewModel
from podsite.views.error import error_page

blueprint = Blueprint('redirector', __name__)


@blueprint.get('/r/<name>')
async def follow(name: str) -> AnyResponse:
    vm = ShortLinkViewModel(name)
    await vm.load_async()
    if vm.link is None:
        abort(404)
    return _redirect(vm)


@blueprint.app_errorhandler(NotFound)
async def follow_at_root(error: NotFound) -> AnyResponse:
    """`/htmx` as well as `/r/htmx`. Any other method, or path, is the site's 404 page as
    before; a name no link can have (`.php`, capitals) is one without a query."""
    vm = ShortLinkViewModel.at_root(request.method, request.path)
    await vm.load_async()
    if vm.link is None:
        return await error_page(404)
    return _redirect(vm)


def _redirect(vm: ShortLinkViewModel) -> AnyResponse:
    assert vm.link is not None
    vm.record_click()
    response = redirect(vm.link.target_url, 302)
    # Each click must reach the site to be counted; a cached redirect would skip it.
    response.headers['Cache-Control'] = 'no-store'
    return response
