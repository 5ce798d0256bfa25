from quart import Blueprint, redirect, request, url_for
from werkzeug.sansio.response import Response as AnyResponse

from podsite.infrastructure import auth, csrf, two_factor_state
from podsite.infrastructure.client_ip import request_client_ip
from podsite.infrastructure.safe_redirect import safe_next
from podsite.infrastructure.security_headers import never_store
from podsite.infrastructure.templates import ViewResult, template
from podsite.viewmodels.account.confirm import ConfirmAccountViewModel
from podsite.viewmodels.account.email_change import EmailChangeViewModel
from podsite.viewmodels.account.index import AccountViewModel
from podsite.viewmodels.account.login import LoginViewModel
from podsite.viewmodels.account.register import RegisterViewModel
from podsite.viewmodels.account.reset import ResetPasswordViewModel, ResetRequestViewModel
from podsite.viewmodels.account.unsubscribe import UnsubscribeViewModel

blueprint = Blueprint('account', __name__, url_prefix='/account')
blueprint.after_request(never_store)


def _next() -> str:
    return safe_next(request.args.get('next'), url_for('account.index'))


def _asked_next() -> str:
    """The `next=` target the login was asked for; empty when none, so that the login can
    land each role where it works."""
    return safe_next(request.args.get('next'), '')


def _status(vm: RegisterViewModel | ResetRequestViewModel) -> int:
    return 429 if vm.limited else 200 if vm.is_valid else 400


@blueprint.get('/register')
@template('account/register.pt')
async def register_get() -> ViewResult:
    vm = RegisterViewModel(next_url=_next())
    await vm.load_async()
    return vm.to_dict()


@blueprint.post('/register')
@template('account/register.pt')
async def register_post() -> ViewResult:
    vm = RegisterViewModel(await request.form, next_url=_next(), ip=request_client_ip())
    await vm.load_async()
    await vm.register_async()
    return vm.to_dict(), _status(vm)


@blueprint.get('/confirm/<token>')
@template('account/confirm.pt')
async def confirm_get(token: str) -> ViewResult:
    vm = ConfirmAccountViewModel(token)
    await vm.load_async()
    return vm.to_dict()


@blueprint.post('/confirm/<token>')
@template('account/confirm.pt')
async def confirm_post(token: str) -> ViewResult:
    vm = ConfirmAccountViewModel(token, await request.form)
    await vm.load_async()
    await vm.confirm_async()
    if vm.user is not None:
        await auth.log_in(vm.user)
    return vm.to_dict(), 200 if vm.is_valid else 400


@blueprint.get('/login')
@template('account/login.pt')
async def login_get() -> ViewResult:
    vm = LoginViewModel(next_url=_asked_next())
    await vm.load_async()
    return vm.to_dict()


@blueprint.post('/login')
@template('account/login.pt')
async def login_post() -> ViewResult:
    vm = LoginViewModel(await request.form, next_url=_asked_next(), ip=request_client_ip())
    await vm.load_async()
    await vm.log_in_async()
    if vm.user is None:
        return vm.to_dict(), 400
    if vm.needs_code:
        two_factor_state.begin_sign_in(vm.user.id)
        return redirect(url_for('two_factor.sign_in_get', next=vm.next_url))
    await auth.log_in(vm.user)
    return redirect(vm.next_url)


@blueprint.post('/logout')
async def logout() -> AnyResponse:
    await auth.log_out()
    return redirect(url_for('home.index'))


@blueprint.get('')
@auth.login_required
@template('account/index.pt')
async def index() -> ViewResult:
    user = auth.current_user()
    assert user is not None
    vm = AccountViewModel(user)
    await vm.load_async()
    return vm.to_dict()


@blueprint.post('/profile')
@auth.login_required
@template('account/index.pt')
async def profile_post() -> ViewResult:
    user = auth.current_user()
    assert user is not None
    vm = AccountViewModel(user, await request.form)
    await vm.load_async()
    await vm.update_profile_async()
    return vm.to_dict(), 200 if vm.is_valid else 400


@blueprint.post('/password')
@auth.login_required
@template('account/index.pt')
async def password_post() -> ViewResult:
    user = auth.current_user()
    assert user is not None
    vm = AccountViewModel(user, await request.form, session_token=auth.session_token())
    await vm.load_async()
    await vm.change_password_async()
    return vm.to_dict(), 200 if vm.is_valid else 400


@blueprint.get('/email/<token>')
@template('account/email_change.pt')
async def email_change_get(token: str) -> ViewResult:
    vm = EmailChangeViewModel(token)
    await vm.load_async()
    return vm.to_dict()


@blueprint.post('/email/<token>')
@template('account/email_change.pt')
async def email_change_post(token: str) -> ViewResult:
    vm = EmailChangeViewModel(token, await request.form)
    await vm.load_async()
    if not vm.problem:
        await vm.change_async()
    return vm.to_dict(), 200 if vm.is_valid else 400


@blueprint.get('/reset')
@template('account/reset_request.pt')
async def reset_request_get() -> ViewResult:
    vm = ResetRequestViewModel()
    await vm.load_async()
    return vm.to_dict()


@blueprint.post('/reset')
@template('account/reset_request.pt')
async def reset_request_post() -> ViewResult:
    vm = ResetRequestViewModel(await request.form, ip=request_client_ip())
    await vm.load_async()
    await vm.request_async()
    return vm.to_dict(), _status(vm)


@blueprint.get('/reset/<token>')
@template('account/reset.pt')
async def reset_get(token: str) -> ViewResult:
    vm = ResetPasswordViewModel(token)
    await vm.load_async()
    return vm.to_dict()


@blueprint.post('/reset/<token>')
@template('account/reset.pt')
async def reset_post(token: str) -> ViewResult:
    vm = ResetPasswordViewModel(token, await request.form)
    await vm.load_async()
    if not vm.problem:
        await vm.reset_async()
    return vm.to_dict(), 200 if vm.is_valid else 400


@blueprint.get('/unsubscribe/<token>')
@template('account/unsubscribe.pt')
async def unsubscribe_get(token: str) -> ViewResult:
    vm = UnsubscribeViewModel(token)
    await vm.load_async()
    return vm.to_dict(), 200 if vm.found else 404


@blueprint.post('/unsubscribe/<token>')
@csrf.exempt
@template('account/unsubscribe.pt')
async def unsubscribe_post(token: str) -> ViewResult:
    vm = UnsubscribeViewModel(token)
    await vm.load_async()
    await vm.unsubscribe_async()
    return vm.to_dict(), 200 if vm.found else 404
