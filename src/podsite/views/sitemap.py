from quart import Blueprint, Response, abort, redirect, url_for
from werkzeug.sansio.response import Response as AnyResponse

from podsite.infrastructure.static_files import static_url
from podsite.settings import current_settings
from podsite.urls import absolute
from podsite.viewmodels.sitemap.sitemap import SitemapViewModel

blueprint = Blueprint('sitemap', __name__)
XML = 'application/xml; charset=utf-8'


@blueprint.get('/sitemap.xml')
async def sitemap() -> Response:
    return await _sitemap_page(0)


@blueprint.get('/sitemap-<int:page>.xml')
async def sitemap_page(page: int) -> Response:
    return await _sitemap_page(page)


async def _sitemap_page(page: int) -> Response:
    vm = SitemapViewModel(page)
    await vm.load_async()
    if vm.document is None:
        abort(404)
    return Response(vm.document, content_type=XML)


@blueprint.get('/robots.txt')
async def robots() -> Response:
    sitemap = absolute(current_settings().public_base_url, url_for('sitemap.sitemap'))
    body = (
        'User-agent: *\n'
        'Disallow: /admin/\n'
        'Disallow: /account/\n'
        'Disallow: /episodes/download/\n'
        f'\nSitemap: {sitemap}\n'
    )
    return Response(body, content_type='text/plain; charset=utf-8')


@blueprint.get('/favicon.ico')
async def favicon() -> AnyResponse:
    """Browsers and feed readers ask for /favicon.ico where no page names an icon (the feed
    itself): they get the site's icon instead of a 404 and a rendered error page."""
    return redirect(static_url('img/favicon.svg'), 301)
