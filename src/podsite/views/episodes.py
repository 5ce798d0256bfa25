import gzip

from quart import Blueprint, Response, abort, jsonify, redirect, request
from werkzeug.sansio.response import Response as AnyResponse

from podsite.infrastructure.page_cache import kept_for_anonymous
from podsite.infrastructure.security_headers import frameable
from podsite.infrastructure.templates import ViewResult, template
from podsite.viewmodels.episodes.all import AllEpisodesViewModel
from podsite.viewmodels.episodes.by_feed_number import ByFeedNumberViewModel
from podsite.viewmodels.episodes.chapters import ChaptersViewModel
from podsite.viewmodels.episodes.details import EpisodeDetailsViewModel
from podsite.viewmodels.episodes.download import DownloadViewModel
from podsite.viewmodels.episodes.embed import EmbedViewModel
from podsite.viewmodels.episodes.oembed import OEmbedViewModel
from podsite.viewmodels.episodes.rss import RssViewModel
from podsite.viewmodels.episodes.transcript import TranscriptViewModel

blueprint = Blueprint('episodes', __name__)


@blueprint.get('/episodes/all')
@kept_for_anonymous
@template('episodes/all.pt')
async def all_episodes() -> ViewResult:
    vm = AllEpisodesViewModel()
    await vm.load_async()
    return vm.to_dict()


@blueprint.get('/episodes/show/<int:number>/<slug>')
@kept_for_anonymous
@template('episodes/details.pt')
async def details(number: int, slug: str) -> ViewResult:
    """A stale slug, or the number spelt otherwise, is sent to the page's one address."""
    vm = EpisodeDetailsViewModel(number)
    await vm.load_async()
    if vm.episode is None:
        abort(404)
    if not vm.is_canonical_url:
        return redirect(vm.episode.details_url, 301)
    vm.record_impressions()
    return vm.to_dict()


@blueprint.get('/episodes/show/<int:number>')
@blueprint.get('/<int:number>')
async def show_by_number(number: int) -> AnyResponse:
    vm = EpisodeDetailsViewModel(number)
    await vm.load_async()
    if vm.episode is None:
        abort(404)
    return redirect(vm.episode.details_url, 301)


@blueprint.get('/episodes/embed/<int:number>/<slug>')
@kept_for_anonymous
@frameable
@template('episodes/embed.pt')
async def embed(number: int, slug: str) -> ViewResult:
    """The player for other sites' frames; a stale slug is sent to its one address."""
    vm = EmbedViewModel(number)
    await vm.load_async()
    if vm.episode is None:
        abort(404)
    if not vm.is_canonical_url:
        return redirect(vm.own_path, 301)
    return vm.to_dict()


@blueprint.get('/episodes/embed/<int:number>')
async def embed_by_number(number: int) -> AnyResponse:
    vm = EmbedViewModel(number)
    await vm.load_async()
    if vm.episode is None:
        abort(404)
    return redirect(vm.own_path, 301)


@blueprint.get('/oembed')
async def oembed() -> AnyResponse:
    vm = OEmbedViewModel(request.args.to_dict())
    await vm.load_async()
    if vm.problem:
        return Response(vm.problem, 400, content_type='text/plain; charset=utf-8')
    if vm.unsupported_format:
        return Response(
            'Only format=json is offered.', 501, content_type='text/plain; charset=utf-8'
        )
    if vm.episode is None:
        abort(404)
    response = jsonify(vm.answer())
    response.headers['Access-Control-Allow-Origin'] = '*'
    return response


@blueprint.get('/episodes/show/s<int:season>e<int:episode>')
@blueprint.get('/episodes/show/s<int:season>e<int:episode>/<slug>')
@blueprint.get('/episodes/show/e<int:episode>')
@blueprint.get('/episodes/show/e<int:episode>/<slug>')
async def show_by_feed_number(
    episode: int, season: int | None = None, slug: str | None = None
) -> AnyResponse:
    """Season 2, episode 5 as the show numbers it, whatever its site number: 301 to it."""
    vm = ByFeedNumberViewModel(season, episode)
    await vm.load_async()
    if vm.details_url is None:
        abort(404)
    return redirect(vm.details_url, 301)


@blueprint.get('/episodes/rss')
async def rss() -> AnyResponse:
    vm = RssViewModel()
    await vm.load_async()
    if vm.feed is None:
        abort(404)
    if vm.feed.moved_to:
        return redirect(vm.feed.moved_to, 301)
    if request.accept_encodings['gzip']:
        response = Response(vm.feed.gzipped, content_type='application/rss+xml; charset=utf-8')
        response.content_encoding = 'gzip'
        response.set_etag(f'{vm.feed.etag}-gzip')  # each encoding is its own representation
    else:
        body = gzip.decompress(vm.feed.gzipped)
        response = Response(body, content_type='application/rss+xml; charset=utf-8')
        response.set_etag(vm.feed.etag)
    response.vary.add('Accept-Encoding')
    response.last_modified = vm.feed.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return await response.make_conditional(request)


@blueprint.route('/episodes/download/<int:number>/<slug>.<extension>', methods=['GET', 'HEAD'])
async def download(number: int, slug: str, extension: str) -> AnyResponse:
    """Any slug and extension are served: apps keep old enclosure URLs after a title
    changes, and every `.mp3` URL given out before videos got their own extension works."""
    vm = DownloadViewModel(number, f'{slug}.{extension}')
    await vm.load_async()
    if vm.media is None:
        abort(404)
    return await vm.respond()


@blueprint.get('/episodes/chapters/<int:number>.json')
async def chapters(number: int) -> Response:
    vm = ChaptersViewModel(number)
    await vm.load_async()
    if vm.chapters is None:
        abort(404)
    response = jsonify(vm.chapters)
    response.content_type = 'application/json+chapters'
    response.headers['Access-Control-Allow-Origin'] = '*'
    return response


@blueprint.get('/episodes/transcript/<int:number>/<slug>.<any(txt, vtt):extension>')
async def transcript_file(number: int, slug: str, extension: str) -> Response:
    """Plain text or WebVTT captions, readable by players on other sites (CORS)."""
    vm = TranscriptViewModel(number)
    await vm.load_async()
    if vm.transcript is None:
        abort(404)
    body, content_type = vm.download(extension)
    response = Response(body, content_type=content_type)
    response.headers['Access-Control-Allow-Origin'] = '*'
    return response


@blueprint.get('/episodes/transcript/<int:number>/<slug>')
@kept_for_anonymous
@template('episodes/transcript.pt')
async def transcript(number: int, slug: str) -> ViewResult:
    """A stale slug, or the number spelt otherwise, is sent to the page's one address."""
    vm = TranscriptViewModel(number)
    await vm.load_async()
    if vm.transcript is None:
        abort(404)
    if not vm.is_canonical_url:
        return redirect(vm.transcript.transcript_url, 301)
    return vm.to_dict()
