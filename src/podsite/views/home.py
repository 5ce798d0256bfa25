from quart import Blueprint, Response, jsonify

from podsite.infrastructure.page_cache import kept_for_anonymous
from podsite.infrastructure.templates import ViewResult, template
from podsite.viewmodels.home.health import HealthViewModel
from podsite.viewmodels.home.index import IndexViewModel

blueprint = Blueprint('home', __name__)


@blueprint.get('/')
@kept_for_anonymous
@template('home/index.pt')
async def index() -> ViewResult:
    vm = IndexViewModel()
    await vm.load_async()
    return vm.to_dict()


@blueprint.get('/health')
async def health() -> tuple[Response, int]:
    vm = HealthViewModel()
    await vm.load_async()
    return jsonify(vm.answer()), 200 if vm.database_ok else 503
