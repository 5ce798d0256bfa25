"""Two podsite instances on one PostgreSQL database and one Redis, behind nginx with the
shipped configuration (deploy/nginx/podsite.conf): they behave as one site."""

import asyncio
import grp
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from podsite.app import create_app
from podsite.data import DownloadCount, DownloadEvent, Episode
from podsite.schemas.analytics import Window
from podsite.services.accounts import account_service
from podsite.services.analytics import counting
from podsite.settings import PACKAGE_DIR
from tests.audio import AudioSamples, audio_hash
from tests.databases import Backend, DatabaseFactory, settings_for
from tests.servers import free_port, podsite_server

REPO = Path(__file__).resolve().parents[2]
NGINX = shutil.which('nginx') or '/usr/sbin/nginx'
HAS_NGINX = Path(NGINX).exists()
REDIS_URL = 'redis://127.0.0.1:6379/14'
ADMIN_EMAIL = 'ops@example.com'
ADMIN_PASSWORD = 'an operator password'
IPHONE = 'AppleCoreMedia/1.0.0.20E247 (iPhone; U; CPU OS 16_4 like Mac OS X; en_us)'
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Cluster:
    database_url: str
    a: str
    b: str
    nginx: str
    media: Path


@contextmanager
def nginx_in_front(folder: Path, port: int, upstreams: list[str], media: Path) -> Iterator[str]:
    """nginx on loopback with the shipped site config, pointed at the instances and their
    shared media folder."""
    site = (REPO / 'deploy' / 'nginx' / 'podsite.conf').read_text()
    site = re.sub(r'upstream podsite \{.*?\n\}', 'upstream podsite {\n' + ''.join(
        f'    server {upstream.removeprefix("http://")};\n' for upstream in upstreams
    ) + '    keepalive 8;\n}', site, flags=re.S)  # fmt: skip
    site = site.replace('listen 80;', f'listen 127.0.0.1:{port};')
    site = site.replace('alias /opt/podsite/static/;', f'alias {PACKAGE_DIR / "static"}/;')
    site = site.replace('alias /var/lib/podsite/media/;', f'alias {media}/;')
    temporary = folder / 'temporary'
    temporary.mkdir()
    config = folder / 'nginx.conf'
    # Workers under our own account, as the media folder is a private temporary folder.
    user = f'user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n'
    config.write_text(
        f'{user}worker_processes 1;\ndaemon off;\npid {folder}/nginx.pid;\n'
        f'error_log {folder}/error.log;\nevents {{ worker_connections 256; }}\n'
        f'http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n'
        + ''.join(f'  {kind}_temp_path {temporary};\n'
                  for kind in ('client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'))
        + site + '\n}\n'
    )  # fmt: skip
    process = subprocess.Popen([NGINX, '-p', str(folder), '-c', str(config)])
    base = f'http://127.0.0.1:{port}'
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f'{base}/health', timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((folder / 'error.log').read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope='module')
async def cluster(
    backend: Backend, databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cluster]:
    if backend.server_url is None:
        pytest.skip('several instances share a PostgreSQL database: set PODSITE_DATABASE_URL')
    if not HAS_NGINX:
        pytest.skip('nginx is not installed (apt-get install nginx-light)')
    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.ping()
    except (RedisError, OSError) as error:
        pytest.skip(f'Redis is not reachable at {REDIS_URL}: {error}')
    finally:
        await redis.aclose()
    database_url = await databases.demo()
    app = create_app(settings_for(database_url))
    async with app.test_app(), app.app_context():
        await account_service.create_user(
            name='Ops', email=ADMIN_EMAIL, password=ADMIN_PASSWORD, role='admin'
        )
    nginx_port = free_port()
    media = tmp_path_factory.mktemp('media')
    shared = {
        'media_dir': str(media),
        'accel_redirect_prefix': '/_media/',
        'redis_url': REDIS_URL,
        'base_url': f'http://127.0.0.1:{nginx_port}',
        'trusted_proxies': '["127.0.0.1/32"]',
        'probe_limit': '3',
        'analytics_interval_seconds': '0',
    }
    with ExitStack() as stack:
        a, b = (
            stack.enter_context(
                podsite_server(database_url, tmp_path_factory.mktemp(name), **shared)
            )
            for name in ('a', 'b')
        )
        front = stack.enter_context(
            nginx_in_front(tmp_path_factory.mktemp('nginx'), nginx_port, [a, b], media)
        )
        yield Cluster(database_url, a, b, front, media)
    await databases.drop(database_url)


@asynccontextmanager
async def logged_in_client(base: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        page = await client.get('/account/login')
        token = TOKEN.search(page.text)
        assert token is not None
        response = await client.post(
            '/account/login',
            data={'email': ADMIN_EMAIL, 'password': ADMIN_PASSWORD, 'csrf_token': token.group(1)},
        )
        assert response.status_code == 302, response.text
        yield client


def listener() -> dict[str, str]:
    """A client address of its own (the instances believe X-Forwarded-For from loopback)."""
    octets = uuid.uuid4().bytes
    return {'X-Forwarded-For': f'10.{octets[0]}.{octets[1]}.{octets[2] or 1}'}


async def test_pages_and_static_files_come_through_nginx(cluster: Cluster) -> None:
    async with httpx.AsyncClient(base_url=cluster.nginx, timeout=10) as client:
        home = await client.get('/', headers={'Accept-Encoding': 'gzip'})
        assert home.status_code == 200
        assert home.headers['Content-Encoding'] == 'gzip'
        stylesheet = re.search(r'href="(/static/css/site\.css\?v=\w+)"', home.text)
        assert stylesheet is not None
        css = await client.get(stylesheet.group(1))
        assert css.status_code == 200
        assert 'immutable' in css.headers['Cache-Control']
        assert 'Server' in css.headers and 'nginx' in css.headers['Server']


async def test_a_login_on_one_instance_holds_on_the_other(cluster: Cluster) -> None:
    async with (
        logged_in_client(cluster.a) as client,
        httpx.AsyncClient(base_url=cluster.b, timeout=10) as other,
    ):
        other.cookies = client.cookies
        response = await other.get('/admin')
        assert response.status_code == 200
        assert 'Dashboard' in response.text


async def test_an_admin_edit_on_one_instance_shows_on_the_other_at_once(
    cluster: Cluster,
) -> None:
    name = f'ops-{uuid.uuid4().hex[:8]}'
    async with httpx.AsyncClient(base_url=cluster.b, timeout=10) as b:
        assert (await b.get('/friends-of-the-show')).status_code == 200  # B's cache is warm
        assert (await b.get(f'/r/{name}')).status_code == 404
        async with logged_in_client(cluster.a) as admin:
            form = await admin.get('/admin/links/new')
            token = TOKEN.search(form.text)
            assert token is not None
            created = await admin.post(
                '/admin/links/new',
                data={'name': name, 'target_url': 'https://example.org/ops',
                      'csrf_token': token.group(1)},
            )  # fmt: skip
            assert created.status_code == 302, created.text
            policies = await admin.get('/admin/policies')
            privacy = re.search(r'href="/admin/policies/(\d+)">Privacy', policies.text)
            assert privacy is not None
            edit = await admin.get(f'/admin/policies/{privacy.group(1)}')
            token = TOKEN.search(edit.text)
            assert token is not None
            saved = await admin.post(
                f'/admin/policies/{privacy.group(1)}',
                data={'title': 'Privacy', 'slug': 'privacy', 'body': 'Edited on instance A.',
                      'csrf_token': token.group(1)},
            )  # fmt: skip
            assert saved.status_code == 302, saved.text
        assert (await b.get(f'/r/{name}')).headers['Location'] == 'https://example.org/ops'
        assert 'Edited on instance A.' in (await b.get('/privacy')).text


async def test_probe_bans_are_shared_between_instances(cluster: Cluster) -> None:
    prober = listener()
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(4):
            await client.get(f'{cluster.a}/wp-login.php', headers=prober)
        banned = await client.get(f'{cluster.b}/', headers=prober)
        assert banned.status_code == 429
        assert (await client.get(f'{cluster.b}/', headers=listener())).status_code == 200


async def test_login_limits_are_shared_between_instances(cluster: Cluster) -> None:
    email = f'guess-{uuid.uuid4().hex[:8]}@example.com'  # its own counter, whatever ran before
    async with httpx.AsyncClient(timeout=10) as client:
        messages = []
        for attempt in range(6):  # five per account, split over both instances
            base = (cluster.a, cluster.b)[attempt % 2]
            page = await client.get(f'{base}/account/login', headers=listener())
            token = TOKEN.search(page.text)
            assert token is not None
            answer = await client.post(
                f'{base}/account/login',
                data={'email': email, 'password': 'wrong guess', 'csrf_token': token.group(1)},
                headers=listener(),
            )
            messages.append('Too many attempts' in answer.text)
    assert messages == [False] * 5 + [True]


async def test_downloads_through_both_instances_count_once(cluster: Cluster) -> None:
    engine = create_async_engine(cluster.database_url)
    try:
        async with AsyncSession(engine) as session:
            episode = await session.scalar(
                select(Episode).where(Episode.is_published.is_(True)).order_by(Episode.number)
            )
            assert episode is not None
            path = f'/episodes/download/{episode.number}/{episode.slug}.mp3'
            agent = f'{IPHONE} run/{uuid.uuid4().hex[:8]}'
            headers = {**listener(), 'User-Agent': agent}
            async with httpx.AsyncClient(timeout=10) as client:
                for base in (cluster.a, cluster.b):
                    assert (await client.get(base + path, headers=headers)).status_code == 302
        assert await stored_events(engine, agent, 2) == 2
        assert await counted_downloads(cluster.database_url, engine, episode.id) == 1
    finally:
        await engine.dispose()


async def counted_downloads(database_url: str, engine: AsyncEngine, episode_id: int) -> int:
    """The episode's counted downloads once the events so far are counted."""
    app = create_app(settings_for(database_url))
    async with app.test_app(), app.app_context():
        await counting.aggregate_downloads(Window.ROLLING_FIRST_TOUCH)
    async with AsyncSession(engine) as session:
        counted = await session.scalar(
            select(func.sum(DownloadCount.downloads)).where(DownloadCount.episode_id == episode_id)
        )
    return counted or 0


async def stored_events(engine: AsyncEngine, agent: str, expected: int) -> int:
    """Download events of `agent` in the database, once the instances wrote `expected`
    (each writes its batch within a few seconds)."""
    stored = 0
    async with AsyncSession(engine) as session:
        for _ in range(50):
            stored = await session.scalar(
                select(func.count()).select_from(DownloadEvent)
                .where(DownloadEvent.user_agent == agent)
            ) or 0  # fmt: skip
            if stored >= expected:
                break
            await asyncio.sleep(0.2)
    return stored


async def test_uploaded_audio_is_sent_by_nginx_and_counted_once(
    cluster: Cluster, audio: AudioSamples
) -> None:
    number = 50_000 + uuid.uuid4().int % 10_000
    async with logged_in_client(cluster.nginx) as admin:
        form = await admin.get('/admin/episodes/new')
        token = TOKEN.search(form.text)
        assert token is not None
        created = await admin.post(
            '/admin/episodes/new',
            data={'number': str(number), 'title': f'Uploaded {number}', 'status': 'published',
                  'episode_type': 'full', 'csrf_token': token.group(1)},
            files={'audio': ('tone.mp3', audio.mp3_cbr.read_bytes(), 'audio/mpeg')},
        )  # fmt: skip
        assert created.status_code == 302, created.text
    engine = create_async_engine(cluster.database_url)
    try:
        async with AsyncSession(engine) as session:
            episode = await session.scalar(select(Episode).where(Episode.number == number))
        assert episode is not None and episode.media_file is not None
        stored = cluster.media / episode.media_file
        # Stored with the episode's tags written in, the audio itself as uploaded.
        assert audio_hash(stored) == audio_hash(audio.mp3_cbr)
        content = stored.read_bytes()
        path = f'/episodes/download/{number}/{episode.media_file}'
        agent = f'{IPHONE} run/{uuid.uuid4().hex[:8]}'
        headers = {**listener(), 'User-Agent': agent}
        async with httpx.AsyncClient(timeout=10) as client:
            behind = await client.get(cluster.a + path, headers={'User-Agent': 'curl/8'})
            assert behind.headers['X-Accel-Redirect'] == f'/_media/{episode.media_file}'
            assert behind.content == b''  # podsite records; nginx sends the bytes
            first = await client.get(
                cluster.nginx + path, headers={**headers, 'Range': 'bytes=0-99'}
            )
            assert first.status_code == 206 and first.content == content[:100]
            assert first.headers['Content-Range'] == f'bytes 0-99/{len(content)}'
            rest = await client.get(
                cluster.nginx + path, headers={**headers, 'Range': 'bytes=100-'}
            )
            assert rest.status_code == 206 and rest.content == content[100:]
            assert rest.headers['Content-Type'] == 'audio/mpeg'
            hidden = await client.get(f'{cluster.nginx}/_media/{episode.media_file}')
            assert hidden.status_code == 404  # only through a recorded download
        assert await stored_events(engine, agent, 2) == 2
        assert await counted_downloads(cluster.database_url, engine, episode.id) == 1
    finally:
        await engine.dispose()


def test_the_crawler_finds_nothing_broken_through_nginx(cluster: Cluster) -> None:
    podsite = str(Path(sys.executable).parent / 'podsite')
    result = subprocess.run(
        [podsite, 'check-site', cluster.nginx, '--quiet'],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
