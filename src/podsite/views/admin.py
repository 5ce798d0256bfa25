"""The bespoke admin. Every route is for administrators only (a test walks the URL map)."""

from quart import Blueprint, Response, abort, redirect, request, url_for
from werkzeug.sansio.response import Response as AnyResponse

from podsite.formats.markdown import render_markdown
from podsite.infrastructure.auth import current_user, role_required
from podsite.infrastructure.csv_export import csv_response
from podsite.infrastructure.security_headers import never_store
from podsite.infrastructure.templates import ViewResult, template
from podsite.infrastructure.uploads import spooled_path
from podsite.viewmodels.admin import artwork_upload
from podsite.viewmodels.admin.audit import AuditLogViewModel
from podsite.viewmodels.admin.dashboard import DashboardViewModel
from podsite.viewmodels.admin.entities import (
    EntityFormViewModel,
    EntityListViewModel,
    EntityRemovalViewModel,
)
from podsite.viewmodels.admin.episode_delete import EpisodeDeleteViewModel
from podsite.viewmodels.admin.episode_form import EpisodeFormViewModel, UploadedAudio
from podsite.viewmodels.admin.episode_preview import EpisodePreviewViewModel
from podsite.viewmodels.admin.episodes import EpisodeListViewModel
from podsite.viewmodels.admin.links import (
    LinkFormViewModel,
    LinkListViewModel,
    LinkRemovalViewModel,
)
from podsite.viewmodels.admin.settings import SettingsViewModel
from podsite.viewmodels.admin.streams import (
    StreamDeleteViewModel,
    StreamFormViewModel,
    StreamListViewModel,
)
from podsite.viewmodels.admin.users import UsersViewModel
from podsite.viewmodels.reports.admin_reports import AdminReportExport, AdminReportsViewModel
from podsite.viewmodels.two_factor.manage import must_turn_on_two_factor

blueprint = Blueprint('admin', __name__, url_prefix='/admin')
blueprint.after_request(never_store)
admin_only = role_required('admin')
PREVIEW_LIMIT = 200_000


@blueprint.before_request
async def two_factor_in_production() -> AnyResponse | None:
    """Sends an administrator who must turn on two-factor sign-in to do so first.
    (Anonymous visitors and other roles meet `admin_only` as before.)"""
    user = current_user()
    if user is None or not await must_turn_on_two_factor(user):
        return None
    back_to = (
        request.full_path.rstrip('?') if request.method == 'GET' else url_for('admin.dashboard')
    )
    return redirect(url_for('two_factor.manage', next=back_to, required=1))


async def uploaded(field: str, *, limit: int = -1) -> bytes | None:
    """The file sent in `field`, or its first `limit` bytes: one byte past a form's limit is
    enough for it to say the file is too large."""
    upload = (await request.files).get(field)
    if upload is None or not upload.filename:
        return None
    data: bytes = upload.read(limit)
    return data


async def uploaded_audio() -> UploadedAudio | None:
    upload = (await request.files).get('audio')
    if upload is None or not upload.filename:
        return None
    return UploadedAudio(spooled_path(upload.stream), upload.filename, upload.content_type or '')


@blueprint.get('')
@admin_only
@template('admin/dashboard.pt')
async def dashboard() -> ViewResult:
    vm = DashboardViewModel()
    await vm.load_async()
    return vm.to_dict()


@blueprint.get('/episodes')
@admin_only
@template('admin/episodes.pt')
async def episodes() -> ViewResult:
    args = request.args
    vm = EpisodeListViewModel(
        args.get('status'), args.get('q'), page=args.get('page'), deleted='deleted' in args
    )
    await vm.load_async()
    if not vm.found:
        abort(404)
    return vm.to_dict()


@blueprint.get('/episodes/new')
@admin_only
@template('admin/episode_form.pt')
async def episode_new() -> ViewResult:
    vm = EpisodeFormViewModel(None)
    await vm.load_async()
    return vm.to_dict()


@blueprint.post('/episodes/new')
@admin_only
@template('admin/episode_form.pt')
async def episode_create() -> ViewResult:
    vm = EpisodeFormViewModel(
        None,
        await request.form,
        await uploaded('transcript_file'),
        await uploaded('artwork', limit=artwork_upload.UPLOAD_LIMIT),
        uploaded_chapters=await uploaded('chapters_file'),
        uploaded_audio=await uploaded_audio(),
    )
    await vm.load_async()
    await vm.save_async()
    if not vm.is_valid:
        return vm.to_dict(), 400 if vm.found else 404
    return redirect(url_for('.episode_edit', episode_id=vm.saved_id, saved=1))


@blueprint.get('/episodes/<int:episode_id>')
@admin_only
@template('admin/episode_form.pt')
async def episode_edit(episode_id: int) -> ViewResult:
    vm = EpisodeFormViewModel(episode_id)
    await vm.load_async()
    if not vm.found:
        return vm.to_dict(), 404
    if request.args.get('saved'):
        vm.announce_saved()
    return vm.to_dict()


@blueprint.post('/episodes/<int:episode_id>')
@admin_only
@template('admin/episode_form.pt')
async def episode_update(episode_id: int) -> ViewResult:
    vm = EpisodeFormViewModel(
        episode_id,
        await request.form,
        await uploaded('transcript_file'),
        await uploaded('artwork', limit=artwork_upload.UPLOAD_LIMIT),
        uploaded_chapters=await uploaded('chapters_file'),
        uploaded_audio=await uploaded_audio(),
    )
    await vm.load_async()
    await vm.save_async()
    if not vm.is_valid:
        return vm.to_dict(), 400 if vm.found else 404
    return redirect(url_for('.episode_edit', episode_id=vm.saved_id, saved=1))


@blueprint.get('/episodes/<int:episode_id>/preview')
@admin_only
@template('episodes/details.pt')
async def episode_preview(episode_id: int) -> ViewResult:
    vm = EpisodePreviewViewModel(episode_id)
    await vm.load_async()
    if vm.episode is None:
        abort(404)
    return vm.to_dict()


@blueprint.get('/episodes/<int:episode_id>/delete')
@admin_only
@template('admin/episode_delete.pt')
async def episode_delete_confirm(episode_id: int) -> ViewResult:
    vm = EpisodeDeleteViewModel(episode_id)
    await vm.load_async()
    return vm.to_dict(), 200 if vm.removal is not None else 404


@blueprint.post('/episodes/<int:episode_id>/delete')
@admin_only
async def episode_delete(episode_id: int) -> AnyResponse:
    vm = EpisodeDeleteViewModel(episode_id)
    if not await vm.delete_async():
        abort(404)
    return redirect(url_for('.episodes', deleted=1))


@blueprint.post('/preview')
@admin_only
async def preview() -> AnyResponse:
    """The live Markdown preview: exactly what the public page will show."""
    source = (await request.form).get('markdown', '')[:PREVIEW_LIMIT]
    return Response(render_markdown(source), content_type='text/html; charset=utf-8')


@blueprint.get('/audit')
@admin_only
@template('admin/audit.pt')
async def audit() -> ViewResult:
    vm = AuditLogViewModel(request.args.get('page'))
    await vm.load_async()
    if not vm.found:
        abort(404)
    return vm.to_dict()


ENTITY_PATHS = {'guests': 'guest', 'sponsors': 'sponsor', 'policies': 'policy'}


@blueprint.get('/<any(guests, sponsors, policies):kind>')
@admin_only
@template('admin/entities.pt')
async def entity_list(kind: str) -> ViewResult:
    vm = EntityListViewModel(ENTITY_PATHS[kind])
    await vm.load_async()
    return vm.to_dict()


@blueprint.get('/<any(guests, sponsors, policies):kind>/new')
@admin_only
@template('admin/entity_form.pt')
async def entity_new(kind: str) -> ViewResult:
    vm = EntityFormViewModel(ENTITY_PATHS[kind], None)
    await vm.load_async()
    return vm.to_dict()


@blueprint.get('/<any(guests, sponsors, policies):kind>/<int:row_id>')
@admin_only
@template('admin/entity_form.pt')
async def entity_edit(kind: str, row_id: int) -> ViewResult:
    vm = EntityFormViewModel(ENTITY_PATHS[kind], row_id)
    await vm.load_async()
    if request.args.get('saved'):
        vm.message = 'Saved.'
    return vm.to_dict(), 200 if vm.found else 404


@blueprint.post('/<any(guests, sponsors, policies):kind>/new')
@blueprint.post('/<any(guests, sponsors, policies):kind>/<int:row_id>')
@admin_only
@template('admin/entity_form.pt')
async def entity_save(kind: str, row_id: int | None = None) -> ViewResult:
    vm = EntityFormViewModel(ENTITY_PATHS[kind], row_id, await request.form)
    await vm.load_async()
    await vm.save_async()
    if not vm.is_valid:
        return vm.to_dict(), 400 if vm.found else 404
    return redirect(url_for('.entity_edit', kind=kind, row_id=vm.saved_id, saved=1))


@blueprint.get('/<any(guests, sponsors, policies):kind>/<int:row_id>/delete')
@admin_only
@template('admin/confirm.pt')
async def entity_delete_confirm(kind: str, row_id: int) -> ViewResult:
    vm = EntityRemovalViewModel(ENTITY_PATHS[kind], row_id)
    await vm.load_async()
    return vm.to_dict(), 200 if vm.found else 404


@blueprint.post('/<any(guests, sponsors, policies):kind>/<int:row_id>/delete')
@admin_only
async def entity_delete(kind: str, row_id: int) -> AnyResponse:
    vm = EntityRemovalViewModel(ENTITY_PATHS[kind], row_id)
    await vm.load_async()
    if not await vm.confirm_async():
        abort(404)
    return redirect(url_for('.entity_list', kind=kind))


@blueprint.post('/sponsors/<int:row_id>/restore')
@admin_only
async def sponsor_restore(row_id: int) -> AnyResponse:
    if not await EntityRemovalViewModel(ENTITY_PATHS['sponsors'], row_id).restore_async():
        abort(404)
    return redirect(url_for('.entity_list', kind='sponsors'))


@blueprint.get('/links')
@admin_only
@template('admin/links.pt')
async def links() -> ViewResult:
    vm = LinkListViewModel()
    await vm.load_async()
    return vm.to_dict()


@blueprint.get('/links/new')
@blueprint.get('/links/<int:link_id>')
@admin_only
@template('admin/link_form.pt')
async def link_edit(link_id: int | None = None) -> ViewResult:
    vm = LinkFormViewModel(link_id)
    await vm.load_async()
    if request.args.get('saved'):
        vm.message = 'Saved.'
    return vm.to_dict(), 200 if vm.found else 404


@blueprint.post('/links/new')
@blueprint.post('/links/<int:link_id>')
@admin_only
@template('admin/link_form.pt')
async def link_save(link_id: int | None = None) -> ViewResult:
    vm = LinkFormViewModel(link_id, await request.form)
    await vm.load_async()
    await vm.save_async()
    if not vm.is_valid:
        return vm.to_dict(), 400 if vm.found else 404
    return redirect(url_for('.link_edit', link_id=vm.saved_id, saved=1))


@blueprint.get('/links/<int:link_id>/delete')
@admin_only
@template('admin/confirm.pt')
async def link_delete_confirm(link_id: int) -> ViewResult:
    vm = LinkRemovalViewModel(link_id)
    await vm.load_async()
    return vm.to_dict(), 200 if vm.found else 404


@blueprint.post('/links/<int:link_id>/delete')
@admin_only
async def link_delete(link_id: int) -> AnyResponse:
    vm = LinkRemovalViewModel(link_id)
    await vm.load_async()
    if not await vm.confirm_async():
        abort(404)
    return redirect(url_for('.links'))


@blueprint.post('/links/<int:link_id>/restore')
@admin_only
async def link_restore(link_id: int) -> AnyResponse:
    if not await LinkRemovalViewModel(link_id).restore_async():
        abort(404)
    return redirect(url_for('.links'))


@blueprint.get('/reports')
@admin_only
@template('admin/reports.pt')
async def reports() -> ViewResult:
    args = request.args
    vm = AdminReportsViewModel(
        args.get('period'),
        sort=args.get('sort'),
        page=args.get('page'),
        zeros=args.get('zeros'),
        episodes_page=args.get('episodes_page'),
    )
    await vm.load_async()
    if not vm.found:
        abort(404)
    return vm.to_dict()


@blueprint.get('/reports/<any(episodes, daily, apps, platforms, links):table>.csv')
@admin_only
async def report_csv(table: str) -> Response:
    export = AdminReportExport(table, request.args.get('period'))
    await export.load_async()
    return csv_response(export.filename, export.header, export.rows)


@blueprint.get('/users')
@admin_only
@template('admin/users.pt')
async def users() -> ViewResult:
    vm = UsersViewModel()
    await vm.load_async()
    return vm.to_dict()


@blueprint.post('/users/invite')
@admin_only
@template('admin/users.pt')
async def user_invite() -> ViewResult:
    vm = UsersViewModel(await request.form)
    await vm.load_async()
    await vm.invite_async()
    return vm.to_dict(), 200 if vm.is_valid else 400


@blueprint.post('/users/<int:user_id>')
@admin_only
@template('admin/users.pt')
async def user_role(user_id: int) -> ViewResult:
    vm = UsersViewModel(await request.form)
    await vm.load_async()
    await vm.change_role_async(user_id)
    return vm.to_dict(), 200 if vm.is_valid else 400


@blueprint.get('/settings')
@admin_only
@template('admin/settings.pt')
async def settings() -> ViewResult:
    vm = SettingsViewModel()
    await vm.load_async()
    return vm.to_dict()


@blueprint.post('/settings')
@admin_only
@template('admin/settings.pt')
async def settings_save() -> ViewResult:
    vm = SettingsViewModel(
        await request.form,
        await uploaded('artwork', limit=artwork_upload.UPLOAD_LIMIT),
    )
    await vm.load_async()
    await vm.save_async()
    return vm.to_dict(), 200 if vm.is_valid else 400


@blueprint.get('/streams')
@admin_only
@template('admin/streams.pt')
async def streams() -> ViewResult:
    vm = StreamListViewModel()
    await vm.load_async()
    return vm.to_dict()


@blueprint.get('/streams/new')
@admin_only
@template('admin/stream_form.pt')
async def stream_new() -> ViewResult:
    vm = StreamFormViewModel(None)
    await vm.load_async()
    return vm.to_dict()


@blueprint.get('/streams/<int:stream_id>')
@admin_only
@template('admin/stream_form.pt')
async def stream_edit(stream_id: int) -> ViewResult:
    vm = StreamFormViewModel(stream_id)
    await vm.load_async()
    if request.args.get('saved'):
        vm.message = 'Saved. The live stream page, the feed and the calendar show it now.'
    return vm.to_dict(), 200 if vm.found else 404


@blueprint.post('/streams/new')
@blueprint.post('/streams/<int:stream_id>')
@admin_only
@template('admin/stream_form.pt')
async def stream_save(stream_id: int | None = None) -> ViewResult:
    vm = StreamFormViewModel(stream_id, await request.form)
    await vm.load_async()
    await vm.save_async()
    if not vm.is_valid:
        return vm.to_dict(), 400 if vm.found else 404
    return redirect(url_for('.stream_edit', stream_id=vm.saved_id, saved=1))


@blueprint.get('/streams/<int:stream_id>/delete')
@admin_only
@template('admin/stream_delete.pt')
async def stream_delete_confirm(stream_id: int) -> ViewResult:
    vm = StreamDeleteViewModel(stream_id)
    await vm.load_async()
    return vm.to_dict(), 200 if vm.stream is not None else 404


@blueprint.post('/streams/<int:stream_id>/delete')
@admin_only
async def stream_delete(stream_id: int) -> AnyResponse:
    vm = StreamDeleteViewModel(stream_id)
    await vm.load_async()
    if not await vm.delete_async():
        abort(404)
    return redirect(url_for('.streams'))
