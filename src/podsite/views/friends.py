from quart import Blueprint

from podsite.infrastructure.page_cache import kept_for_anonymous
from podsite.infrastructure.templates import ViewResult, template
from podsite.viewmodels.friends.index import FriendsViewModel

blueprint = Blueprint('friends', __name__)


@blueprint.get('/friends-of-the-show')
@kept_for_anonymous
@template('friends/index.pt')
async def index() -> ViewResult:
    vm = FriendsViewModel()
    await vm.load_async()
    return vm.to_dict()
