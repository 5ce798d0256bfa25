"""`podsite backup` and `podsite restore`: a whole site moves between databases intact, and
a restore that cannot be trusted changes nothing."""

import asyncio
import hashlib
import json
import sqlite3
import zipfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from lxml import etree
from quart import Quart
from sqlalchemy import make_url, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner, Result

from podsite.app import create_app
from podsite.cli import cli
from podsite.data import Base, Episode, Podcast
from podsite.infrastructure import db
from podsite.infrastructure.passwords import hash_password
from podsite.services.accounts import account_service
from podsite.services.operations import schema_service
from podsite.tools import backup_service
from tests.databases import Snapshot, run_on, settings_for, snapshot


def podsite(runner: CliRunner, database_url: str, *arguments: str, **settings: str) -> Result:
    """Runs `podsite` with the database and any other `PODSITE_` settings given by name."""
    env = {'PODSITE_DATABASE_URL': database_url}
    env |= {f'PODSITE_{name.upper()}': value for name, value in settings.items()}
    return runner.invoke(cli, list(arguments), env=env)


def succeeds(runner: CliRunner, database_url: str, *arguments: str, **settings: str) -> Result:
    result = podsite(runner, database_url, *arguments, **settings)
    assert result.exit_code == 0, result.output
    return result


async def content_version(database_url: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            version = await connection.scalar(
                select(Base.metadata.tables['site_state'].c.content_version)
            )
    finally:
        await engine.dispose()
    assert isinstance(version, int)
    return version


async def add_accounts(database_url: str) -> None:
    """A listener logged in with a pending password reset link, another reset asked for and
    not yet mailed, and mail in the outbox."""
    app = create_app(settings_for(database_url))
    db.open_database_for(app, settings_for(database_url))
    try:
        async with app.app_context():
            user = await account_service.create_user(
                name='Listener', email='listener@example.com', password='a long password'
            )
            await account_service.start_session(user_id=user.id)
            await account_service.request_password_reset(email='listener@example.com')
            await account_service.issue_requested_resets(base_url='https://podcast.test')
            await account_service.request_password_reset(email='listener@example.com')
    finally:
        await db.close_database_for(app)


async def search(database_url: str, words: str) -> list[str]:
    app = create_app(settings_for(database_url))
    async with app.test_app():
        response = await app.test_client().get('/search/api', query_string={'q': words})
        assert response.status_code == 200
        results = await response.get_json()
    return [hit['title'] for hit in results['episodes']]


async def add_guest(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                Base.metadata.tables['guest'].insert().values(
                    name='Added Later', slug='added-later', bio='', photo_url='',
                    website_url='', social_links={},
                )
            )  # fmt: skip
    finally:
        await engine.dispose()


def test_round_trip_sqlite_postgresql_sqlite_keeps_catalogue_users_and_analytics(
    runner: CliRunner, tmp_path: Path, blank_postgres_url: str
) -> None:
    # Built by the commands, not copied from a template: the source is SQLite whichever
    # database the suite runs on, and it needs the listening the templates do not have.
    source = f'sqlite+aiosqlite:///{tmp_path / "source.db"}'
    succeeds(runner, source, 'db', 'upgrade')
    succeeds(runner, source, 'demo', '--episodes', '12', '--listening')
    result = runner.invoke(
        cli,
        ['create-admin', 'boss@example.com', '--password-stdin'],
        input='a strong password\n',
        env={'PODSITE_DATABASE_URL': source},
    )
    assert result.exit_code == 0, result.output
    asyncio.run(add_accounts(source))
    final = f'sqlite+aiosqlite:///{tmp_path / "final.db"}'

    backed_up = succeeds(runner, source, 'backup', 'first.zip')
    assert 'download_event' in backed_up.output
    succeeds(runner, blank_postgres_url, 'restore', 'first.zip')
    succeeds(runner, blank_postgres_url, 'backup', 'second.zip')
    restored = succeeds(runner, final, 'restore', 'second.zip')
    assert 'Restored from second.zip' in restored.output

    original, on_postgresql, back_on_sqlite = (
        asyncio.run(snapshot(url)) for url in (source, blank_postgres_url, final)
    )
    for name in ('user_account', 'download_event', 'download_count', 'short_link', 'click_event'):
        assert original[name], f'the source should have {name} rows to compare'
    left_out = {'user_session': [], 'password_reset': [], 'password_reset_request': []}
    assert original['user_session'] and original['password_reset']
    assert original['password_reset_request']
    assert on_postgresql == original | left_out
    assert back_on_sqlite == original | left_out
    assert asyncio.run(content_version(final)) > asyncio.run(content_version(source))


def test_the_search_index_is_rebuilt_on_restore(
    runner: CliRunner, database_url: str, blank_postgres_url: str, tmp_path: Path
) -> None:
    succeeds(runner, database_url, 'backup', 'site.zip')
    with zipfile.ZipFile('site.zip') as archive:
        episode = json.loads(archive.read('episode.jsonl').splitlines()[0])
        assert 'search_document.jsonl' not in archive.namelist()
    for target in (blank_postgres_url, f'sqlite+aiosqlite:///{tmp_path / "fresh.db"}'):
        succeeds(runner, target, 'restore', 'site.zip')
        assert episode['title'] in asyncio.run(search(target, episode['title']))


def test_values_are_written_portably(runner: CliRunner, database_url: str) -> None:
    succeeds(runner, database_url, 'backup', 'site.zip')
    with zipfile.ZipFile('site.zip') as archive:
        manifest = json.loads(archive.read('manifest.json'))
        episode = json.loads(archive.read('episode.jsonl').splitlines()[0])
        rows = {entry['name']: entry for entry in manifest['tables']}
        for name, entry in rows.items():
            data = archive.read(entry['file'])
            assert hashlib.sha256(data).hexdigest() == entry['sha256'], name
            assert data.count(b'\n') == entry['rows'], name
    assert manifest['format'] == 'podsite-backup'
    assert manifest['schema_revision'] == schema_service.head_revision()
    assert rows['episode']['rows'] == 40
    assert set(manifest['left_out']) == {
        'search_document',
        'user_session',
        'password_reset',
        'rate_limit_counter',
        'password_reset_request',
        'spooled_segment',
    }
    assert datetime.fromisoformat(episode['published_at']).utcoffset() is not None
    assert isinstance(episode['is_published'], bool)
    assert isinstance(episode['soundbites'], list)


def test_force_replaces_everything_and_refreshes_caches(
    runner: CliRunner, database_url: str
) -> None:
    succeeds(runner, database_url, 'backup', 'site.zip')
    before = asyncio.run(snapshot(database_url))
    asyncio.run(add_guest(database_url))
    version = asyncio.run(content_version(database_url))

    refused = podsite(runner, database_url, 'restore', 'site.zip')
    assert refused.exit_code == 1
    assert 'already has content' in refused.output and '--force' in refused.output

    succeeds(runner, database_url, 'restore', 'site.zip', '--force')
    assert asyncio.run(snapshot(database_url)) == before
    assert asyncio.run(content_version(database_url)) > version


def rewrite(archive_path: Path, change: dict[str, bytes | None]) -> None:
    """Writes the archive again with some members replaced (or, given None, removed)."""
    with zipfile.ZipFile(archive_path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(archive_path, 'w') as archive:
        for name, data in (members | change).items():
            if data is not None:
                archive.writestr(name, data)


def manifest_with(archive_path: Path, **fields: Any) -> bytes:
    with zipfile.ZipFile(archive_path) as archive:
        manifest = json.loads(archive.read('manifest.json'))
    return json.dumps(manifest | fields).encode()


def tamper_with_episodes(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        episodes = archive.read('episode.jsonl')
    rewrite(path, {'episode.jsonl': episodes.replace(b'"title":"', b'"title":"Changed ', 1)})


def drop_an_episode_and_fix_its_checksum(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read('manifest.json'))
        episodes = archive.read('episode.jsonl').split(b'\n', 1)[1]
    for entry in manifest['tables']:
        if entry['name'] == 'episode':
            entry['sha256'] = hashlib.sha256(episodes).hexdigest()
    rewrite(path, {'episode.jsonl': episodes, 'manifest.json': json.dumps(manifest).encode()})


def change_first_row(path: Path, table: str, **values: Any) -> None:
    """Gives the first row of a table's file other values, with its checksum made to match:
    an archive made by something else than podsite, or by a podsite that stored them."""
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read('manifest.json'))
        first, rest = archive.read(f'{table}.jsonl').split(b'\n', 1)
    # ASCII JSON: a lone surrogate can only be written as an escape.
    rows = json.dumps(json.loads(first) | values).encode() + b'\n' + rest
    for entry in manifest['tables']:
        if entry['name'] == table:
            entry['sha256'] = hashlib.sha256(rows).hexdigest()
    rewrite(path, {f'{table}.jsonl': rows, 'manifest.json': json.dumps(manifest).encode()})


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


DAMAGE = {
    'another schema revision': (
        lambda path: rewrite(path, {'manifest.json': manifest_with(path, schema_revision='0001')}),
        'schema revision 0001',
    ),
    'a changed table file': (tamper_with_episodes, 'does not match its checksum'),
    'a missing row': (drop_an_episode_and_fix_its_checksum, 'has 39 rows, the manifest says 40'),
    'no manifest': (lambda path: rewrite(path, {'manifest.json': None}), 'no manifest.json'),
    'another kind of manifest': (
        lambda path: rewrite(path, {'manifest.json': b'{"format": "something-else"}'}),
        'of another format',
    ),
    'a newer format': (
        lambda path: rewrite(path, {'manifest.json': manifest_with(path, format_version=2)}),
        'format version 2',
    ),
    'a missing table': (lambda path: rewrite(path, {'guest.jsonl': None}), 'guest.jsonl'),
    'not a zip file': (lambda path: path.write_text('episode,title\n1,Hello\n'), 'not a readable'),
    'a truncated file': (truncate, 'not a readable'),
}


@pytest.mark.parametrize('damage', DAMAGE.keys())
def test_a_damaged_archive_changes_nothing_even_with_force_and_trust(
    runner: CliRunner, database_url: str, damage: str
) -> None:
    """Trusting an unsigned archive waives its signature, none of the other checks."""
    succeeds(runner, database_url, 'backup', 'site.zip')
    spoil, message = DAMAGE[damage]
    spoil(Path('site.zip'))
    before = asyncio.run(snapshot(database_url))
    version = asyncio.run(content_version(database_url))

    result = podsite(runner, database_url, 'restore', 'site.zip', '--force', '--trust-unsigned')

    assert result.exit_code == 1
    assert 'Cannot restore site.zip' in result.output
    assert message in ' '.join(result.output.split())
    assert asyncio.run(snapshot(database_url)) == before
    assert asyncio.run(content_version(database_url)) == version


def test_a_database_at_another_revision_is_refused(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    succeeds(runner, database_url, 'backup', 'site.zip')
    target = f'sqlite+aiosqlite:///{tmp_path / "old.db"}'

    async def migrate_to_first_revision() -> None:
        def upgrade(connection: Connection) -> None:
            config = schema_service.alembic_config()
            config.attributes['connection'] = connection
            command.upgrade(config, '0001')

        engine = create_async_engine(target)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(upgrade)
        finally:
            await engine.dispose()

    asyncio.run(migrate_to_first_revision())
    result = podsite(runner, target, 'restore', 'site.zip')
    assert result.exit_code == 1
    assert 'database is at schema revision 0001' in ' '.join(result.output.split())


@pytest.mark.parametrize(
    ('arguments', 'message'),
    [(['restore', 'missing.zip'], 'does not exist'),
     (['backup', 'site.zip'], 'exists; choose another name'),
     (['backup', 'no/such/folder/site.zip'], 'does not exist')],
)  # fmt: skip
def test_bad_arguments_exit_2_with_a_clear_message(
    runner: CliRunner, empty_database_url: str, arguments: list[str], message: str
) -> None:
    Path('site.zip').write_bytes(b'')
    result = podsite(runner, empty_database_url, *arguments)
    assert result.exit_code == 2
    assert message in ' '.join(result.output.split())
    assert Path('site.zip').read_bytes() == b''


def test_a_backup_can_replace_a_file_when_asked(runner: CliRunner, empty_database_url: str) -> None:
    Path('site.zip').write_bytes(b'old')
    succeeds(runner, empty_database_url, 'backup', 'site.zip', '--overwrite')
    with zipfile.ZipFile('site.zip') as archive:
        created = json.loads(archive.read('manifest.json'))['created_at']
    assert datetime.fromisoformat(created) <= datetime.now(UTC)


async def test_a_backup_is_one_snapshot_while_the_site_goes_on_writing(
    app: Quart, database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith('sqlite'):
        pytest.skip('PostgreSQL reads in REPEATABLE READ; this checks the SQLite path')
    writes: list[str] = []

    def write_meanwhile(table: str, _rows: int) -> None:
        # A guest written once episodes are in the archive and guests are not yet.
        if not writes:
            with closing(sqlite3.connect(make_url(database_url).database or '')) as other:
                other.execute(
                    'INSERT INTO guest (name, slug, bio, photo_url, website_url, social_links) '
                    "VALUES ('Meanwhile', 'meanwhile', '', '', '', '{}')"
                )
                other.commit()
            writes.append(table)

    async with app.app_context():
        manifest = await backup_service.write_backup(
            tmp_path / 'site.zip',
            key=backup_service.SigningKey.of(settings_for(database_url)),
            on_progress=write_meanwhile,
        )
    assert writes == ['episode']
    with zipfile.ZipFile(tmp_path / 'site.zip') as archive:
        assert b'meanwhile' not in archive.read('guest.jsonl')
    with closing(sqlite3.connect(make_url(database_url).database or '')) as other:
        (now,) = other.execute('SELECT count(*) FROM guest').fetchone()
    guests = next(entry for entry in manifest.tables if entry.name == 'guest')
    assert guests.rows == now - 1


# Signatures

BACKUP_KEY = 'a backup key of at least thirty-two characters'
OTHER_KEY = 'another backup key, just as long as the first'
CHANGED_AFTER_SIGNING = 'its signature does not match its content'


def restorable(original: Snapshot) -> Snapshot:
    """A snapshot without the tables a backup leaves out (logins, reset links, counters)."""
    return {name: rows for name, rows in original.items() if name not in backup_service.LEFT_OUT}


def add_an_admin_and_recompute_the_manifest(path: Path) -> None:
    """What someone who can write the archive would do: add an administrator they know the
    password of, and make every checksum and count in the manifest agree again."""
    columns = [column.name for column in Base.metadata.tables['user_account'].columns]
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read('manifest.json'))
        accounts = archive.read('user_account.jsonl')
    intruder = dict.fromkeys(columns) | {
        'id': 9_999, 'email': 'intruder@example.com', 'name': 'Intruder', 'role': 'admin',
        'password_hash': asyncio.run(hash_password('intruder password')),
        'wants_episode_emails': False,
        'created_at': datetime.now(UTC).isoformat(),
    }  # fmt: skip
    accounts += json.dumps(intruder).encode() + b'\n'
    for entry in manifest['tables']:
        if entry['name'] == 'user_account':
            entry['sha256'] = hashlib.sha256(accounts).hexdigest()
            entry['rows'] += 1
    rewrite(path, {'user_account.jsonl': accounts, 'manifest.json': json.dumps(manifest).encode()})


def test_a_signed_backup_restores_exactly(
    runner: CliRunner, database_url: str, empty_database_url: str
) -> None:
    made = succeeds(runner, database_url, 'backup', 'site.zip', backup_key=BACKUP_KEY)
    key = backup_service.SigningKey.of(settings_for(database_url, backup_key=BACKUP_KEY))
    assert f'Signed with the key from PODSITE_BACKUP_KEY (key {key.key_id})' in made.output
    with zipfile.ZipFile('site.zip') as archive:
        signature = json.loads(archive.read('signature.json'))
    assert signature['algorithm'] == 'HMAC-SHA256' and signature['key_id'] == key.key_id

    restored = succeeds(runner, empty_database_url, 'restore', 'site.zip', backup_key=BACKUP_KEY)

    assert 'Signature good' in restored.output
    assert restorable(asyncio.run(snapshot(empty_database_url))) == restorable(
        asyncio.run(snapshot(database_url))
    )


def test_an_added_admin_with_a_recomputed_manifest_is_refused(
    runner: CliRunner, database_url: str, empty_database_url: str
) -> None:
    succeeds(runner, database_url, 'backup', 'site.zip')
    add_an_admin_and_recompute_the_manifest(Path('site.zip'))
    before = asyncio.run(snapshot(empty_database_url))

    refused = podsite(runner, empty_database_url, 'restore', 'site.zip')

    assert refused.exit_code == 1
    message = ' '.join(refused.output.split())
    assert 'Cannot restore site.zip' in message and CHANGED_AFTER_SIGNING in message
    assert '--trust-unsigned' in message
    assert asyncio.run(snapshot(empty_database_url)) == before

    # Told to trust it, the operator gets what the file holds, and a warning.
    trusted = succeeds(runner, empty_database_url, 'restore', 'site.zip', '--trust-unsigned')
    assert 'Restoring an untrusted backup' in trusted.output
    accounts = asyncio.run(snapshot(empty_database_url))['user_account']
    assert any('intruder@example.com' in row for row in accounts)


def test_an_unsigned_backup_is_refused_unless_trusted(
    runner: CliRunner, database_url: str, empty_database_url: str
) -> None:
    succeeds(runner, database_url, 'backup', 'site.zip')
    rewrite(Path('site.zip'), {'signature.json': None})  # as podsite wrote them before

    refused = podsite(runner, empty_database_url, 'restore', 'site.zip')
    assert refused.exit_code == 1
    message = ' '.join(refused.output.split())
    assert 'it is not signed' in message and 'pass --trust-unsigned' in message

    trusted = succeeds(runner, empty_database_url, 'restore', 'site.zip', '--trust-unsigned')
    assert 'Restoring an untrusted backup (--trust-unsigned): it is not signed' in ' '.join(
        trusted.output.split()
    )
    assert restorable(asyncio.run(snapshot(empty_database_url))) == restorable(
        asyncio.run(snapshot(database_url))
    )


@pytest.mark.parametrize(
    ('signature', 'message'),
    [(b'{"algorithm": "none"}', CHANGED_AFTER_SIGNING),
     (b'not json', CHANGED_AFTER_SIGNING),
     (json.dumps({'algorithm': 'HMAC-SHA256', 'signed_file': 'manifest.json',
                  'key_id': '0123456789abcdef', 'mac': '0' * 64}).encode(),
      "signed with another key than this site's (from PODSITE_SECRET_KEY)")],
)  # fmt: skip
def test_a_forged_signature_is_refused(
    runner: CliRunner, database_url: str, empty_database_url: str, signature: bytes, message: str
) -> None:
    succeeds(runner, database_url, 'backup', 'site.zip')
    rewrite(Path('site.zip'), {'signature.json': signature})
    refused = podsite(runner, empty_database_url, 'restore', 'site.zip')
    assert refused.exit_code == 1
    assert message in ' '.join(refused.output.split())


def test_the_backup_key_is_needed_to_restore_and_outlives_the_secret_key(
    runner: CliRunner, database_url: str, empty_database_url: str
) -> None:
    succeeds(runner, database_url, 'backup', 'keyed.zip', backup_key=BACKUP_KEY)
    succeeds(runner, database_url, 'backup', 'unkeyed.zip')

    for archive, settings in (
        ('keyed.zip', {'backup_key': OTHER_KEY}),
        ('keyed.zip', {}),
        ('unkeyed.zip', {'secret_key': OTHER_KEY}),
    ):
        refused = podsite(runner, empty_database_url, 'restore', archive, **settings)
        assert refused.exit_code == 1, (archive, settings)
        assert 'signed with another key' in ' '.join(refused.output.split())
    succeeds(
        runner, empty_database_url, 'restore', 'keyed.zip',
        backup_key=BACKUP_KEY, secret_key=OTHER_KEY,
    )  # fmt: skip


def test_a_short_backup_key_is_a_configuration_error(
    runner: CliRunner, empty_database_url: str
) -> None:
    result = podsite(runner, empty_database_url, 'backup', 'site.zip', backup_key='short')
    assert result.exit_code == 2
    message = ' '.join(result.output.split())
    assert 'PODSITE_BACKUP_KEY must be a random value of at least 32 characters' in message
    assert not Path('site.zip').exists()


async def feed_titles(database_url: str) -> list[str]:
    """The show's title and its episodes' titles, read from its feed by a strict parser."""
    app = create_app(settings_for(database_url))
    async with app.test_app():
        response = await app.test_client().get('/episodes/rss')
        assert response.status_code == 200
        channel = etree.fromstring(await response.get_data()).find('channel')
    assert channel is not None
    return [title.text or '' for title in channel.iterfind('.//title')]


def test_text_with_characters_xml_refuses_is_restored_clean(
    runner: CliRunner, database_url: str, blank_postgres_url: str, tmp_path: Path
) -> None:
    """The feed works after the restore, on PostgreSQL too, which refuses NUL in text."""
    succeeds(runner, database_url, 'backup', 'site.zip')
    hostile = 'Vertical\x0btab, NUL\x00, surrogate\ud800 and U+FFFE\ufffe'
    change_first_row(Path('site.zip'), 'podcast', title=f'Show {hostile}')
    change_first_row(
        Path('site.zip'),
        'episode',
        title=f'Episode {hostile}',
        chapters={'chapters': [{'startTime': 0, 'title': f'Intro {hostile}'}]},
    )
    clean = 'Verticaltab, NUL, surrogate and U+FFFE'
    for target in (blank_postgres_url, f'sqlite+aiosqlite:///{tmp_path / "fresh.db"}'):
        # Rewriting rows breaks the signature; the cleaning is what is checked here.
        succeeds(runner, target, 'restore', 'site.zip', '--trust-unsigned')
        titles = asyncio.run(feed_titles(target))
        assert f'Show {clean}' in titles and f'Episode {clean}' in titles
        rows = run_on(target, select(Episode.chapters).where(Episode.title == f'Episode {clean}'))
        assert rows[0].chapters == {'chapters': [{'startTime': 0, 'title': f'Intro {clean}'}]}


def test_uploaded_artwork_and_its_copies_go_with_the_backup(
    runner: CliRunner, database_url: str, empty_database_url: str, tmp_path: Path
) -> None:
    site_media, new_media = tmp_path / 'media', tmp_path / 'restored-media'
    (site_media / 'artwork').mkdir(parents=True)
    show, episode = '0123456789abcdef.png', 'fedcba9876543210.jpg'
    files = [show, '0123456789abcdef-300.jpg', '0123456789abcdef-600.jpg',
             '0123456789abcdef-og.jpg', episode]  # fmt: skip
    for name in files:
        (site_media / 'artwork' / name).write_bytes(name.encode())
    (site_media / 'artwork' / 'ffffffffffffffff.jpg').write_bytes(b'named by nothing')
    run_on(database_url, update(Podcast).values(artwork_file=show))
    run_on(database_url, update(Episode).where(Episode.number == 1).values(artwork_file=episode))

    succeeds(runner, database_url, 'backup', 'site.zip', media_dir=str(site_media))
    succeeds(runner, empty_database_url, 'restore', 'site.zip', media_dir=str(new_media))

    restored = sorted(path.name for path in (new_media / 'artwork').iterdir())
    assert restored == sorted(files)
    assert all((new_media / 'artwork' / name).read_bytes() == name.encode() for name in files)


def test_stored_audio_goes_with_the_backup_and_comes_back_checked(
    runner: CliRunner, database_url: str, empty_database_url: str, tmp_path: Path
) -> None:
    site_media, new_media = tmp_path / 'media', tmp_path / 'restored-media'
    site_media.mkdir()
    audio = bytes(range(256)) * 4096  # 1 MiB standing in for an episode's file
    name = '1-first-episode-0123456789.mp3'
    (site_media / name).write_bytes(audio)
    (site_media / 'by-hand.mp3').write_bytes(b'not stored by podsite')
    run_on(database_url, update(Episode).where(Episode.number == 1).values(media_file=name))

    backed_up = succeeds(runner, database_url, 'backup', 'site.zip', media_dir=str(site_media))
    said = ' '.join(backed_up.output.split())  # Rich wraps lines at the terminal's width
    assert 'Media: 1 stored files' in said and 'copy them yourself' in said
    with zipfile.ZipFile('site.zip') as archive:
        assert archive.getinfo(f'media/{name}').compress_type == zipfile.ZIP_STORED
        assert 'media/by-hand.mp3' not in archive.namelist()

    restored = succeeds(runner, empty_database_url, 'restore', 'site.zip', media_dir=str(new_media))
    assert 'Media: 1 files (1.0 MiB)' in ' '.join(restored.output.split())
    assert (new_media / name).read_bytes() == audio
    assert sorted(p.name for p in new_media.iterdir()) == [name]  # no partial file left


def test_a_changed_audio_file_in_the_archive_restores_nothing(
    runner: CliRunner, database_url: str, empty_database_url: str, tmp_path: Path
) -> None:
    site_media, new_media = tmp_path / 'media', tmp_path / 'restored-media'
    site_media.mkdir()
    name = '1-first-episode-0123456789.mp3'
    (site_media / name).write_bytes(b'\xff\xfb' * 1000)
    run_on(database_url, update(Episode).where(Episode.number == 1).values(media_file=name))
    succeeds(runner, database_url, 'backup', 'site.zip', media_dir=str(site_media))
    rewrite(Path('site.zip'), {f'media/{name}': b'\xff\xfb' * 999 + b'!!'})

    result = podsite(runner, empty_database_url, 'restore', 'site.zip', media_dir=str(new_media))
    assert result.exit_code == 1
    assert f'media/{name} does not match its checksum' in ' '.join(result.output.split())
    assert not new_media.exists()
    assert asyncio.run(snapshot(empty_database_url))['episode'] == []
