"""`/advertiser`: sponsors' own numbers, for accounts with the advertiser role only."""

from quart import Blueprint, Response, abort, request

from podsite.infrastructure.auth import role_required
from podsite.infrastructure.csv_export import csv_response
from podsite.infrastructure.security_headers import never_store
from podsite.infrastructure.templates import ViewResult, template
from podsite.viewmodels.reports.advertiser import AdvertiserViewModel

blueprint = Blueprint('advertiser', __name__, url_prefix='/advertiser')
blueprint.after_request(never_store)
advertiser_only = role_required('advertiser')


@blueprint.get('')
@advertiser_only
@template('advertiser/campaign.pt')
async def campaign() -> ViewResult:
    vm = AdvertiserViewModel(request.args.get('period'))
    await vm.load_async()
    return vm.to_dict()


@blueprint.get('/episodes/<int:number>')
@advertiser_only
@template('advertiser/campaign.pt')
async def episode(number: int) -> ViewResult:
    vm = AdvertiserViewModel(request.args.get('period'), episode_number=number)
    await vm.load_async()
    if not vm.found:
        abort(404)  # another sponsor's episode looks exactly like no episode
    return vm.to_dict()


@blueprint.get('/report.csv')
@advertiser_only
async def report_csv() -> Response:
    vm = AdvertiserViewModel(request.args.get('period'))
    await vm.load_async()
    if vm.sponsor is None:
        abort(404)
    return csv_response(
        f'{vm.sponsor.slug}-{vm.period.key}.csv',
        ['day', 'episode', 'downloads', 'clicks', 'impressions'],
        vm.csv_rows,
    )
