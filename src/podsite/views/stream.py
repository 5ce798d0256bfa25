from quart import Blueprint, Response, abort, request

from podsite.infrastructure.client_ip import request_client_ip
from podsite.infrastructure.templates import ViewResult, template
from podsite.settings import current_settings
from podsite.viewmodels.stream.calendar import CalendarViewModel
from podsite.viewmodels.stream.confirm import ConfirmViewModel
from podsite.viewmodels.stream.index import LiveStreamViewModel
from podsite.viewmodels.stream.unsubscribe import UnsubscribeViewModel

blueprint = Blueprint('stream', __name__, url_prefix='/live-stream')
CALENDAR = 'text/calendar; charset=utf-8'


def _base_url() -> str:
    settings = current_settings()
    return settings.public_base_url


@blueprint.get('')
@template('stream/index.pt')
async def index() -> ViewResult:
    vm = LiveStreamViewModel()
    await vm.load_async()
    return vm.to_dict()


@blueprint.post('/notify')
@template('stream/index.pt')
async def notify_post() -> ViewResult:
    vm = LiveStreamViewModel(await request.form, ip=request_client_ip(), base_url=_base_url())
    await vm.load_async()
    await vm.sign_up_async()
    return vm.to_dict(), 200 if vm.is_valid else 400


@blueprint.get('/confirm/<token>')
@template('stream/confirm.pt')
async def confirm(token: str) -> ViewResult:
    vm = ConfirmViewModel(token)
    await vm.load_async()
    return vm.to_dict(), 200 if vm.is_valid else 400


@blueprint.get('/unsubscribe/<token>')
@template('stream/unsubscribe.pt')
async def unsubscribe(token: str) -> ViewResult:
    vm = UnsubscribeViewModel(token)
    await vm.load_async()
    return vm.to_dict(), 200 if vm.is_valid else 400


@blueprint.post('/unsubscribe/<token>')
@template('stream/unsubscribe.pt')
async def unsubscribe_post(token: str) -> ViewResult:
    vm = UnsubscribeViewModel(token)
    await vm.load_async()
    await vm.unsubscribe_async()
    return vm.to_dict(), 200 if vm.is_valid else 400


@blueprint.get('/upcoming.ics')
async def upcoming_calendar() -> Response:
    vm = CalendarViewModel(_base_url())
    await vm.load_async()
    return _calendar_response(vm)


@blueprint.get('/<int:stream_id>.ics')
async def stream_calendar(stream_id: int) -> Response:
    vm = CalendarViewModel(_base_url(), stream_id)
    await vm.load_async()
    return _calendar_response(vm)


def _calendar_response(vm: CalendarViewModel) -> Response:
    if vm.body is None:
        abort(404)
    response = Response(vm.body, content_type=CALENDAR)
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
