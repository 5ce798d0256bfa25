"""Privacy, terms and other policy pages: written in Markdown in the admin, public at once."""

import re
from pathlib import Path

from quart.typing import TestClientProtocol as Client

from podsite.app import create_app
from tests.databases import settings_for
from tests.visitors import Browser


async def test_privacy_and_terms_exist_from_the_start(client: Client) -> None:
    privacy = await (await client.get('/privacy')).get_data(as_text=True)
    assert '<h1>Privacy</h1>' in privacy
    assert 'keyed hash' in privacy and 'never stored' in privacy
    terms = await client.get('/terms')
    assert terms.status_code == 200
    home = await (await client.get('/')).get_data(as_text=True)
    assert 'href="/privacy"' in home and 'href="/terms"' in home


async def test_admin_edits_a_policy_and_adds_another(admin: Browser, client: Client) -> None:
    listing = await admin.page('/admin/policies')
    assert 'Privacy' in listing
    found = re.search(r'href="/admin/policies/(\d+)">Privacy<', listing)
    assert found is not None
    privacy_id = found.group(1)
    saved = await admin.submit(
        f'/admin/policies/{privacy_id}',
        {'title': 'Privacy', 'slug': 'privacy', 'body': '## Short version\n\nWe keep *little*.'},
    )
    assert saved.status_code == 302, await saved.get_data(as_text=True)
    page = await (await client.get('/privacy')).get_data(as_text=True)
    assert '<em>little</em>' in page
    created = await admin.submit(
        '/admin/policies/new',
        {'title': 'Cookies', 'slug': '', 'body': 'One cookie. <script>x</script>'},
    )
    assert created.status_code == 302
    cookies = await (await client.get('/policies/cookies')).get_data(as_text=True)
    assert 'One cookie.' in cookies and '<script>x' not in cookies
    sitemap = await (await client.get('/sitemap.xml')).get_data(as_text=True)
    assert '/privacy</loc>' in sitemap and '/policies/cookies</loc>' in sitemap


async def test_unknown_policies_are_404(client: Client) -> None:
    for path in ('/policies/nothing', '/policies/%FF', '/policies/' + 'x' * 500):
        assert (await client.get(path)).status_code == 404


async def test_the_analytics_methodology_is_public(client: Client) -> None:
    html = await (await client.get('/analytics-methodology')).get_data(as_text=True)
    assert 'IAB Tech Lab Podcast Measurement' in html
    assert 'bytes=0-1' in html and '60 seconds' in html
    for window in ('calendar-day', 'rolling-first-touch', 'last-touch'):
        assert f'<code>{window}</code>' in html


async def test_the_methodology_states_the_window_rules_with_their_sections(
    client: Client,
) -> None:
    html = await (await client.get('/analytics-methodology')).get_data(as_text=True)
    assert '5.5.1' in html
    assert 'qualifying download request' in html
    assert "reported on that request's day" in html
    assert '5.5.4, scenario 2' in html
    assert 'recount of every stored request' in html


async def test_the_methodology_names_the_window_the_site_uses(database_url: str) -> None:
    app = create_app(settings_for(database_url, analytics_window='calendar-day'))
    async with app.test_app():
        html = await (await app.test_client().get('/analytics-methodology')).get_data(as_text=True)
    assert '<strong><code>calendar-day</code></strong>' in html
    assert "previous day's key" in html


async def test_the_privacy_policy_covers_short_links_and_links_the_methodology(
    client: Client,
) -> None:
    html = await (await client.get('/privacy')).get_data(as_text=True)
    assert 'Links and sponsors' in html
    assert 'rel="noopener nofollow">the methodology page</a>' in html


async def test_the_methodology_states_the_must_filter_rules_in_use(client: Client) -> None:
    """IAB v2.3, 5.5.2, step 1.2, items 1 and 2, with the numbers the site applies."""
    html = await (await client.get('/analytics-methodology')).get_data(as_text=True)
    text = ' '.join(re.sub(r'<[^>]+>', ' ', html).split())
    assert (
        'Downloads from data centres, hosting and cloud providers and VPNs are not counted' in text
    )
    assert 'section 5.5.2, step 1.2, item 2' in text and "X4BNet's data-centre list" in text
    assert re.search(r'\(\d{5,} IPv4 and IPv6 networks in use\)', text)
    assert 'asks for more than 50 downloads (different app and episode pairs)' in text
    assert 'section 5.5.2, step 1.2, item 1' in text
    assert '::ffff:198.51.100.7' in text and 'Forwarded' in text


async def test_the_methodology_says_when_the_must_filter_rules_are_off(database_url: str) -> None:
    settings = settings_for(
        database_url, analytics_datacenter_filter=False, analytics_high_volume_limit=0
    )
    app = create_app(settings)
    async with app.test_app():
        html = await (await app.test_client().get('/analytics-methodology')).get_data(as_text=True)
    text = ' '.join(re.sub(r'<[^>]+>', ' ', html).split())
    assert 'does not leave out downloads from data centres and VPNs' in text
    assert 'does not limit the downloads one address may make' in text


async def test_the_methodology_states_revalidations_bytes_and_the_first_minute(
    database_url: str, tmp_path: Path
) -> None:
    """IAB v2.3, 5.3 "Byte-range requests" and 5.5 "Minimum one-minute duration": what the
    site knows of the bytes received, served itself, by nginx or redirected, and where the
    line is."""
    texts = {}
    for serves, settings in (
        ('nginx', {'accel_redirect_prefix': '/_media/'}),
        ('serves', {'media_dir': tmp_path}),
    ):
        app = create_app(settings_for(database_url, **settings))
        async with app.test_app():
            html = await (await app.test_client().get('/analytics-methodology')).get_data(
                as_text=True
            )
        texts[serves] = ' '.join(re.sub(r'<[^>]+>', ' ', html).split())
    for text in texts.values():
        assert 'gets a 304 without the audio' in text and 'never counted' in text
        assert 'lengths of its audio frames are added up' in text
        assert 'must be received whole to count' in text and 'M4A (AAC in MP4)' in text
        assert 'not what the listener received' in text
    assert 'a client that hangs up after 64 KB counts for 64 KB' in texts['serves']
    assert 'what it received is not known and it counts for nothing' in texts['serves']
    assert 'hangs up' not in texts['nginx']
    assert 'sent by its web server (nginx)' in texts['nginx']
    assert 'nginx' not in texts['serves']
