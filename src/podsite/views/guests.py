from quart import Blueprint, abort

from podsite.infrastructure.page_cache import kept_for_anonymous
from podsite.infrastructure.templates import ViewResult, template
from podsite.viewmodels.guests.details import GuestDetailsViewModel
from podsite.viewmodels.guests.index import GuestsIndexViewModel

blueprint = Blueprint('guests', __name__)


@blueprint.get('/guests')
@kept_for_anonymous
@template('guests/index.pt')
async def index() -> ViewResult:
    vm = GuestsIndexViewModel()
    await vm.load_async()
    return vm.to_dict()


@blueprint.get('/guests/<slug>')
@kept_for_anonymous
@template('guests/details.pt')
async def details(slug: str) -> ViewResult:
    vm = GuestDetailsViewModel(slug)
    await vm.load_async()
    if vm.guest is None:
        abort(404)
    return vm.to_dict()
