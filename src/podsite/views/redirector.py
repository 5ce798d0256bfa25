"""`/r/<name>` and `/<name>`: tracked short links. Registered last, and the admin refuses
names that are the first part of a page's address (`infrastructure/root_names.py`), so no
page is shadowed: werkzeug also tries fixed paths before this catch-all."""

from quart import Blueprint, abort, redirect
from werkzeug.sansio.response import Response as AnyResponse

from podsite.viewmodels.redirector.short_link import ShortLinkViewModel

blueprint = Blueprint('redirector', __name__)


# Registered after `/r/<name>` (decorators apply from the bottom up): `url_for` builds the
# first, the address sponsor reads and reports have always given.
@blueprint.get('/<name>')
@blueprint.get('/r/<name>')
async def follow(name: str) -> AnyResponse:
    vm = ShortLinkViewModel(name)
    await vm.load_async()
    if vm.link is None:
        abort(404)
    vm.record_click()
    response = redirect(vm.link.target_url, 302)
    # Each click must reach the site to be counted; a cached redirect would skip it.
    response.headers['Cache-Control'] = 'no-store'
    return response
