from quart import Blueprint, Response, jsonify

from podsite.infrastructure.page_cache import kept_for_anonymous
from podsite.infrastructure.templates import ViewResult, template
from podsite.services.operations import health_service
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
    database_ok = await health_service.database_answers()
    body = {'status': 'ok' if database_ok else 'unavailable', 'database': database_ok}
    return jsonify(body), 200 if database_ok else 503
