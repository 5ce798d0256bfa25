from quart import Blueprint, abort

from podsite.infrastructure.page_cache import kept_for_anonymous
from podsite.infrastructure.templates import ViewResult, template
from podsite.viewmodels.analytics.methodology import MethodologyViewModel
from podsite.viewmodels.policies.policy import PolicyViewModel

blueprint = Blueprint('policies', __name__)


@blueprint.get('/privacy')
@kept_for_anonymous
@template('policies/policy.pt')
async def privacy() -> ViewResult:
    return await _policy('privacy')


@blueprint.get('/terms')
@kept_for_anonymous
@template('policies/policy.pt')
async def terms() -> ViewResult:
    return await _policy('terms')


@blueprint.get('/analytics-methodology')
@kept_for_anonymous
@template('analytics/methodology.pt')
async def analytics_methodology() -> ViewResult:
    vm = MethodologyViewModel()
    await vm.load_async()
    return vm.to_dict()


@blueprint.get('/policies/<slug>')
@kept_for_anonymous
@template('policies/policy.pt')
async def other(slug: str) -> ViewResult:
    return await _policy(slug)


async def _policy(slug: str) -> ViewResult:
    vm = PolicyViewModel(slug)
    await vm.load_async()
    if vm.policy is None:
        abort(404)
    return vm.to_dict()
