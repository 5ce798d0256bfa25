"""Reading sitemaps and pages for `podsite check-site`, without a server."""

import gzip

import pytest

from podsite.tools.site_check import (
    SiteCheckError,
    SitemapError,
    base_url_of,
    page_links,
    parse_sitemap,
)

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://podcast.test/</loc><lastmod>2026-01-01</lastmod></url>
  <url><loc>
    https://podcast.test/episodes/show/1/welcome
  </loc></url>
  <url><loc></loc></url>
</urlset>
"""
INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://podcast.test/sitemap-1.xml</loc></sitemap>
  <sitemap><loc>https://podcast.test/sitemap-2.xml</loc></sitemap>
</sitemapindex>
"""


def test_a_urlset_lists_its_pages_trimmed_and_skips_empty_locations() -> None:
    sitemap = parse_sitemap(URLSET)
    assert not sitemap.is_index
    assert sitemap.locations == [
        'https://podcast.test/',
        'https://podcast.test/episodes/show/1/welcome',
    ]


def test_a_sitemap_index_lists_sitemaps() -> None:
    sitemap = parse_sitemap(INDEX)
    assert sitemap.is_index
    assert sitemap.locations == [
        'https://podcast.test/sitemap-1.xml',
        'https://podcast.test/sitemap-2.xml',
    ]


def test_a_gzipped_sitemap_is_read_like_a_plain_one() -> None:
    assert parse_sitemap(gzip.compress(URLSET)) == parse_sitemap(URLSET)


def test_a_sitemap_without_the_namespace_is_still_read() -> None:
    sitemap = parse_sitemap(b'<urlset><url><loc>http://a.test/x</loc></url></urlset>')
    assert sitemap.locations == ['http://a.test/x']


@pytest.mark.parametrize(
    ('document', 'message'),
    [
        (b'', 'not well-formed XML'),
        (b'<urlset><url><loc>http://a.test/</loc></url>', 'not well-formed XML'),
        (b'\x1f\x8bnot really gzip', 'broken gzip data'),
        (b'<html><body>Not found</body></html>', 'not a sitemap: the root element is <html>'),
    ],
)
def test_what_is_not_a_sitemap_is_refused_with_the_reason(document: bytes, message: str) -> None:
    with pytest.raises(SitemapError, match=message):
        parse_sitemap(document)


def test_entities_are_never_expanded_nor_files_read() -> None:
    document = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/passwd"><!ENTITY host "evil.test">]>
<urlset><url><loc>&secret;</loc></url><url><loc>http://&host;/</loc></url></urlset>"""
    locations = parse_sitemap(document).locations
    assert not any('root:' in location or 'evil.test' in location for location in locations)


def test_page_links_are_absolute_without_fragments_each_once() -> None:
    page = b"""<html><head>
      <link rel="stylesheet" href="/static/site.css?v=1">
      <link rel="canonical" href="https://podcast.test/episodes/show/1/welcome">
      <script src="js/player.js"></script>
      <link rel="alternate" type="application/json+oembed" href="/oembed?url=x&amp;format=json">
      <meta property="og:audio" content="/episodes/download/1/welcome.mp3">
      <meta name="twitter:player" content="https://podcast.test/episodes/embed/1/welcome">
      <meta name="description" content="https://not.a.link/">
    </head><body>
      <a href="/guests#top">Guests</a> <a href="/guests">again</a>
      <a href="mailto:host@podcast.test">mail</a> <a href="javascript:void(0)">x</a>
      <a href="#">top</a> <a>no href</a> <img src="/static/img/a.png">
      <audio controls><source src="/episodes/download/1/welcome.mp3"></audio>
      <audio src="/media/two.mp3"></audio>
      <iframe src="/episodes/embed/2/other"></iframe>
    </body></html>"""
    links = dict(page_links(page, 'http://127.0.0.1:8000/episodes/show/1/welcome'))
    assert links == {
        'http://127.0.0.1:8000/static/site.css?v=1': False,
        'https://podcast.test/episodes/show/1/welcome': False,
        'http://127.0.0.1:8000/episodes/show/1/js/player.js': False,
        'http://127.0.0.1:8000/oembed?url=x&format=json': False,
        'https://podcast.test/episodes/embed/1/welcome': False,
        'http://127.0.0.1:8000/guests': False,
        'http://127.0.0.1:8000/episodes/show/1/welcome': False,
        'http://127.0.0.1:8000/static/img/a.png': False,
        'http://127.0.0.1:8000/episodes/download/1/welcome.mp3': True,
        'http://127.0.0.1:8000/media/two.mp3': True,
        'http://127.0.0.1:8000/episodes/embed/2/other': False,
    }


def test_page_links_follow_the_base_element() -> None:
    page = b'<html><head><base href="/docs/"></head><body><a href="intro">i</a></body></html>'
    assert page_links(page, 'http://a.test/x/y') == [('http://a.test/docs/intro', False)]


def test_a_page_that_is_not_html_has_no_links() -> None:
    assert page_links(b'', 'http://a.test/') == []


@pytest.mark.parametrize(
    ('given', 'expected'),
    [
        ('http://127.0.0.1:8000', 'http://127.0.0.1:8000'),
        ('HTTPS://Podcast.Test/', 'https://podcast.test'),
        ('http://a.test/site/', 'http://a.test/site'),
    ],
)
def test_a_base_url_is_kept_without_its_trailing_slash(given: str, expected: str) -> None:
    assert base_url_of(given) == expected


@pytest.mark.parametrize(
    'given', ['127.0.0.1:8000', 'ftp://a.test', 'http://', 'not a url', 'http://a.test:port']
)
def test_a_base_url_that_is_not_http_is_refused(given: str) -> None:
    with pytest.raises(SiteCheckError):
        base_url_of(given)
