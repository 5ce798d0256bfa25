from quart import Blueprint, Response, jsonify, request

from podsite.infrastructure.page_cache import kept_for_anonymous
from podsite.infrastructure.templates import ViewResult, template
from podsite.viewmodels.search.search import SearchViewModel

blueprint = Blueprint('search', __name__)


@blueprint.get('/search')
@kept_for_anonymous(params=('q', 'page'))
@template('search/search.pt')
async def search() -> ViewResult:
    vm = SearchViewModel(request.args.get('q'), request.args.get('page'))
    await vm.load_async()
    return vm.to_dict()


@blueprint.get('/search/api')
async def search_api() -> Response:
    args = request.args
    vm = SearchViewModel(args.get('q'), args.get('page'), limit=args.get('limit'))
    await vm.load_results_async()
    return jsonify(vm.results.model_dump(mode='json'))
