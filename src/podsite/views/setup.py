"""The first-run page of a site with no administrator and no show (see
infrastructure/first_run.py for how every page leads here until then)."""

from quart import Blueprint, redirect, request, url_for

from podsite.infrastructure import auth
from podsite.infrastructure.security_headers import never_store
from podsite.infrastructure.templates import ViewResult, template
from podsite.viewmodels.setup.first_run import FirstRunViewModel

blueprint = Blueprint('setup', __name__)
blueprint.after_request(never_store)


@blueprint.get('/setup')
@template('setup/form.pt')
async def form() -> ViewResult:
    vm = FirstRunViewModel()
    await vm.load_async()
    return vm.to_dict(), 200 if vm.found else 404


@blueprint.post('/setup')
@template('setup/form.pt')
async def create() -> ViewResult:
    vm = FirstRunViewModel(await request.form)
    await vm.load_async()
    await vm.set_up_async()
    if vm.admin is None:
        return vm.to_dict(), 400 if vm.found else 404
    await auth.log_in(vm.admin)
    return redirect(url_for('admin.dashboard'))
