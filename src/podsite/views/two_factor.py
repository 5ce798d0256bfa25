"""Two-factor sign-in: the code asked after the password, and the account's page to turn it
on and off. None of these pages may be stored anywhere (they show secrets and recovery
codes), so every response says `Cache-Control: no-store`."""

from collections.abc import Mapping

from quart import Blueprint, Response, redirect, request, url_for

from podsite.infrastructure import auth, two_factor_state
from podsite.infrastructure.client_ip import request_client_ip
from podsite.infrastructure.safe_redirect import safe_next
from podsite.infrastructure.templates import ViewResult, template
from podsite.viewmodels.two_factor.manage import TwoFactorViewModel
from podsite.viewmodels.two_factor.sign_in import TwoFactorSignInViewModel

blueprint = Blueprint('two_factor', __name__, url_prefix='/account/two-factor')


@blueprint.after_request
async def never_stored(response: Response) -> Response:
    response.headers['Cache-Control'] = 'no-store'
    return response


def _next() -> str:
    return safe_next(request.args.get('next'), url_for('account.index'))


@blueprint.get('/sign-in')
@template('two_factor/sign_in.pt')
async def sign_in_get() -> ViewResult:
    vm = TwoFactorSignInViewModel(two_factor_state.signing_in_user_id(), next_url=_next())
    await vm.load_async()
    if vm.user_id is None:
        return redirect(url_for('account.login_get', next=vm.next_url))
    return vm.to_dict()


@blueprint.post('/sign-in')
@template('two_factor/sign_in.pt')
async def sign_in_post() -> ViewResult:
    user_id, form = two_factor_state.signing_in_user_id(), await request.form
    vm = TwoFactorSignInViewModel(user_id, form, next_url=_next(), ip=request_client_ip())
    await vm.load_async()
    await vm.verify_async()
    if vm.user_id is None:
        return redirect(url_for('account.login_get', next=vm.next_url))
    if vm.user is None:
        return vm.to_dict(), 400
    await auth.log_in(vm.user)
    return redirect(vm.next_url)


def _manage_view_model(form: Mapping[str, str] | None = None) -> TwoFactorViewModel:
    user = auth.current_user()
    assert user is not None
    return TwoFactorViewModel(
        user,
        two_factor_state.enrolment_secret,
        form,
        next_url=_next(),
        required=request.args.get('required') == '1',
    )


@blueprint.get('')
@auth.login_required
@template('two_factor/manage.pt')
async def manage() -> ViewResult:
    vm = _manage_view_model()
    await vm.load_async()
    return vm.to_dict()


@blueprint.post('/enrol')
@auth.login_required
@template('two_factor/manage.pt')
async def enrol() -> ViewResult:
    vm = _manage_view_model(await request.form)
    await vm.load_async()
    await vm.enrol_async()
    if vm.is_valid:  # two-factor sign-in is on now, so the session's enrolment is over
        two_factor_state.end_enrolment()
    return vm.to_dict(), 200 if vm.is_valid else 400


@blueprint.post('/disable')
@auth.login_required
@template('two_factor/manage.pt')
async def disable() -> ViewResult:
    vm = _manage_view_model(await request.form)
    await vm.load_async()
    await vm.disable_async()
    return vm.to_dict(), 200 if vm.is_valid else 400


@blueprint.post('/recovery-codes')
@auth.login_required
@template('two_factor/manage.pt')
async def recovery_codes() -> ViewResult:
    vm = _manage_view_model(await request.form)
    await vm.load_async()
    await vm.replace_recovery_codes_async()
    return vm.to_dict(), 200 if vm.is_valid else 400
