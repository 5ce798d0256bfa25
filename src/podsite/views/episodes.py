from quart import Blueprint, abort, redirect
from werkzeug.sansio.response import Response as AnyResponse

from podsite.infrastructure.templates import ViewResult, template
from podsite.viewmodels.episodes.all import AllEpisodesViewModel
from podsite.viewmodels.episodes.details import EpisodeDetailsViewModel

blueprint = Blueprint('episodes', __name__)


@blueprint.get('/episodes/all')
@template('episodes/all.pt')
async def all_episodes() -> ViewResult:
    vm = AllEpisodesViewModel()
    await vm.load_async()
    return vm.to_dict()


@blueprint.get('/episodes/show/<int:number>/<slug>')
@template('episodes/details.pt')
async def details(number: int, slug: str) -> ViewResult:
    vm = EpisodeDetailsViewModel(number, slug)
    await vm.load_async()
    if vm.episode is None:
        abort(404)
    if not vm.is_canonical_url:
        return redirect(vm.episode.details_url, 301)
    return vm.to_dict()


@blueprint.get('/episodes/show/<int:number>')
@blueprint.get('/<int:number>')
async def show_by_number(number: int) -> AnyResponse:
    vm = EpisodeDetailsViewModel(number)
    await vm.load_async()
    if vm.episode is None:
        abort(404)
    return redirect(vm.episode.details_url, 301)
