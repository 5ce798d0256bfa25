"""Artwork uploaded in the admin: the show's (settings) and each episode's (episode form),
served from `/artwork/` for a year, in the feed's `itunes:image`, on the pages and in their
`og:image`; an image that cannot be the artwork is refused and nothing is stored."""

import io
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image
from quart import Quart
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode, Podcast
from tests.formats.test_artwork import artwork_image, encoded
from tests.visitors import Browser, edit_form

BASE = 'https://podcast.test'
ITUNES_IMAGE = '{http://www.itunes.com/dtds/podcast-1.0.dtd}image'
IMMUTABLE = 'public, max-age=31536000, immutable'


@pytest.fixture
def artwork_folder(media_folder: Path) -> Path:
    return media_folder / 'artwork'


def png(side: int = 1400) -> bytes:
    return encoded(artwork_image(side), 'PNG')


async def post_with_file(
    admin: Browser,
    path: str,
    form: Mapping[str, str | list[str]],
    data: bytes,
    filename: str = 'cover.png',
) -> tuple[int, str]:
    """Posts the form as the page's own multipart form, the image as its artwork."""
    with tempfile.TemporaryDirectory() as folder:
        image = Path(folder) / filename
        image.write_bytes(data)
        response = await admin.upload(path, form, {'artwork': image})
    return response.status_code, await response.get_data(as_text=True)


async def settings_form(admin: Browser) -> dict[str, str]:
    html = await admin.page('/admin/settings')
    fields = dict(re.findall(r'<input id="(\w+)" name="\w+" value="([^"]*)"', html))
    return fields | {'language': 'en', 'locked': 'on'}


def stored_files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def feed_images(feed: bytes) -> tuple[str, list[str]]:
    channel = etree.fromstring(feed).find('channel')
    assert channel is not None
    own = channel.find(ITUNES_IMAGE)
    assert own is not None
    return own.get('href', ''), [
        image.get('href', '') for image in channel.iterfind(f'item/{ITUNES_IMAGE}')
    ]


def og_image(html: str) -> str:
    match = re.search(r'<meta property="og:image" content="([^"]+)"', html)
    assert match is not None
    return match.group(1)


async def test_show_artwork_is_stored_served_and_used_everywhere(
    media_admin: Browser, media_app: Quart, artwork_folder: Path, session: AsyncSession
) -> None:
    status, html = await post_with_file(
        media_admin, '/admin/settings', await settings_form(media_admin), png()
    )
    assert status == 200, html
    assert 'Artwork kept as sent: PNG, 1400 px' in html
    podcast = await session.scalar(select(Podcast))
    assert podcast is not None
    name = podcast.artwork_file
    stem = name.removesuffix('.png')
    assert podcast.artwork_url == f'/artwork/{name}'
    assert stored_files(artwork_folder) == sorted(
        [name, f'{stem}-300.jpg', f'{stem}-600.jpg', f'{stem}-og.jpg']
    )
    public = Browser(media_app.test_client())
    home = await public.page('/')
    assert og_image(home) == f'{BASE}/artwork/{stem}-og.jpg'
    assert f'src="/artwork/{stem}-600.jpg"' in home
    assert f'src="/artwork/{stem}-300.jpg" alt="" width="40"' in home  # the header's icon
    slug = await session.scalar(select(Episode.slug).where(Episode.number == 1))
    episode_page = await public.page(f'/episodes/show/1/{slug}')
    assert og_image(episode_page) == f'{BASE}/artwork/{stem}-og.jpg'
    channel_image, item_images = feed_images(
        await (await public.client.get('/episodes/rss')).get_data()
    )
    assert channel_image == f'{BASE}/artwork/{name}'
    assert item_images and set(item_images) == {f'{BASE}/artwork/{name}'}


async def test_artwork_is_served_with_its_type_and_kept_for_a_year(
    media_admin: Browser, media_app: Quart, session: AsyncSession
) -> None:
    await post_with_file(media_admin, '/admin/settings', await settings_form(media_admin), png())
    name = await session.scalar(select(Podcast.artwork_file))
    assert name
    client = media_app.test_client()
    for path, mimetype in ((name, 'image/png'), (name.replace('.png', '-og.jpg'), 'image/jpeg')):
        response = await client.get(f'/artwork/{path}')
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert response.headers['Cache-Control'] == IMMUTABLE
        Image.open(io.BytesIO(await response.get_data())).verify()
        again = await client.get(
            f'/artwork/{path}', headers={'If-None-Match': response.headers['ETag']}
        )
        assert again.status_code == 304


@pytest.mark.parametrize(
    'path',
    [
        '/artwork/0123456789abcdef.png',  # a name podsite gives, of no stored file
        '/artwork/cover.png',
        '/artwork/0123456789abcdef-900.jpg',
        '/artwork/0123456789abcdef.gif',
        '/artwork/..%2Fpodsite.db',
        '/artwork/' + 'a' * 300 + '.png',
    ],
)
async def test_other_artwork_names_are_not_found(media_app: Quart, path: str) -> None:
    response = await media_app.test_client().get(path)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ('data', 'message'),
    [
        (png(500), '500 x 500 px; Apple Podcasts asks for at least 1400 x 1400 px'),
        (encoded(artwork_image(1600, height=1400), 'PNG'), 'must be square'),
        (b'just some text, not a picture\n', 'not an image podsite can read'),
        (b'\x89PNG' + b'\x00' * (12 * 1024 * 1024), 'larger than 12 MB'),
    ],
    ids=['too-small', 'not-square', 'text-named-png', 'too-large'],
)
async def test_a_refused_image_says_why_and_changes_nothing(
    media_admin: Browser, session: AsyncSession, artwork_folder: Path, data: bytes, message: str
) -> None:
    before = await session.scalar(select(Podcast.artwork_url))
    form = await settings_form(media_admin) | {'title': 'Typed while uploading'}
    status, html = await post_with_file(media_admin, '/admin/settings', form, data)
    assert status == 400
    assert message in html
    assert 'value="Typed while uploading"' in html  # what was typed is kept
    session.expire_all()
    assert await session.scalar(select(Podcast.artwork_url)) == before
    assert await session.scalar(select(Podcast.title)) != 'Typed while uploading'
    assert stored_files(artwork_folder) == []


async def test_an_artwork_url_typed_over_the_upload_takes_its_place(
    media_admin: Browser, media_app: Quart, session: AsyncSession
) -> None:
    await post_with_file(media_admin, '/admin/settings', await settings_form(media_admin), png())
    form = await settings_form(media_admin)
    assert form['artwork_file']
    saved = await media_admin.submit(
        '/admin/settings', form | {'artwork_url': 'https://cdn.example/art.jpg'}
    )
    assert saved.status_code == 200
    session.expire_all()
    podcast = await session.scalar(select(Podcast))
    assert podcast is not None
    assert (podcast.artwork_url, podcast.artwork_file) == ('https://cdn.example/art.jpg', '')
    home = await Browser(media_app.test_client()).page('/')
    assert og_image(home) == 'https://cdn.example/art.jpg'


async def test_episode_artwork_is_on_its_page_and_its_feed_item(
    media_admin: Browser, media_app: Quart, session: AsyncSession
) -> None:
    episode = await session.scalar(select(Episode).where(Episode.number == 1))
    assert episode is not None
    episode_id, slug = episode.id, episode.slug
    path = f'/admin/episodes/{episode_id}'
    data = encoded(artwork_image(1400).convert('CMYK'), 'JPEG')
    status, _ = await post_with_file(
        media_admin, path, await edit_form(media_admin, episode_id), data
    )
    assert status == 302
    after_redirect = await media_admin.page(f'{path}?saved=1')
    assert (
        'Artwork re-encoded as JPEG at quality 85, CMYK converted to RGB, 1400 px' in after_redirect
    )
    session.expire_all()
    stored = await session.get(Episode, episode_id)
    assert stored is not None and stored.artwork_file.endswith('.jpg')
    stem = stored.artwork_file.removesuffix('.jpg')
    assert stored.image_url == f'/artwork/{stored.artwork_file}'
    public = Browser(media_app.test_client())
    page = await public.page(f'/episodes/show/1/{slug}')
    assert og_image(page) == f'{BASE}/artwork/{stem}-og.jpg'
    assert f'src="/artwork/{stem}-600.jpg"' in page
    _, item_images = feed_images(await (await public.client.get('/episodes/rss')).get_data())
    assert f'{BASE}/artwork/{stored.artwork_file}' in item_images


async def test_a_new_episode_can_have_its_artwork_from_the_start(
    media_admin: Browser, session: AsyncSession
) -> None:
    form = {
        'number': '9001', 'title': 'Brand new', 'status': 'draft', 'duration': '45:00',
        'media_url': 'https://media.example.com/9001.mp3', 'media_size_bytes': '1',
        'media_type': 'audio/mpeg', 'episode_type': 'full',
    }  # fmt: skip
    status, _ = await post_with_file(media_admin, '/admin/episodes/new', form, png())
    assert status == 302
    episode = await session.scalar(select(Episode).where(Episode.number == 9001))
    assert episode is not None and episode.image_url == f'/artwork/{episode.artwork_file}'


async def test_an_episode_form_with_another_mistake_keeps_the_uploaded_artwork(
    media_admin: Browser, session: AsyncSession
) -> None:
    episode = await session.scalar(select(Episode).where(Episode.number == 2))
    assert episode is not None
    episode_id = episode.id
    path = f'/admin/episodes/{episode_id}'
    form = await edit_form(media_admin, episode_id)
    status, html = await post_with_file(media_admin, path, form | {'duration': 'forever'}, png())
    assert status == 400
    carried = re.search(r'name="artwork_file" value="([0-9a-f]{16}\.png)"', html)
    assert carried is not None  # the image need not be chosen again
    fixed = await media_admin.submit(path, form | {'artwork_file': carried.group(1)})
    assert fixed.status_code == 302
    session.expire_all()
    assert await session.scalar(
        select(Episode.artwork_file).where(Episode.id == episode_id)
    ) == carried.group(1)


async def test_a_made_up_artwork_name_is_refused(
    media_admin: Browser, session: AsyncSession
) -> None:
    episode = await session.scalar(select(Episode).where(Episode.number == 3))
    assert episode is not None
    form = await edit_form(media_admin, episode.id)
    for name, message in (
        ('0123456789abcdef.png', 'not one stored on the server'),
        ('../../podsite.db', 'not one stored on the server'),
        ('0123456789abcdef-og.jpg', 'not one stored on the server'),
    ):
        response = await media_admin.submit(
            f'/admin/episodes/{episode.id}', form | {'artwork_file': name}
        )
        assert response.status_code == 400
        assert message in await response.get_data(as_text=True)
