"""The `podsite` command, run the way a newcomer runs it.

Commands that build a site themselves (`db upgrade`, `demo`) start from a database file
not created yet; the others run over a copy of a migrated test database.
"""

import json
import os
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import granian.server
import pytest
from granian.constants import Loops
from mutagen.mp3 import MP3
from sqlalchemy import delete, func, insert, select
from typer.testing import CliRunner

from podsite.cli import cli
from podsite.data import (
    AuditEntry,
    DownloadEvent,
    Episode,
    FeedAnnouncement,
    FeedNotification,
    LiveStream,
    OutboxMessage,
    PasswordResetRequest,
    RecoveryCode,
    StreamSubscriber,
    TotpCredential,
    User,
    UserSession,
)
from podsite.formats.user_agent_lists import FILES
from podsite.services.analytics import agents, datacenters
from tests.databases import run_on
from tests.servers import free_port


@pytest.fixture
def no_database(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The commands' database is a file that does not exist yet."""
    monkeypatch.setenv('PODSITE_DATABASE_URL', f'sqlite+aiosqlite:///{tmp_path / "cli.db"}')


@pytest.fixture
def empty_site(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, empty_database_url: str) -> str:
    monkeypatch.setenv('PODSITE_DATABASE_URL', empty_database_url)
    return empty_database_url


@pytest.mark.usefixtures('no_database')
def test_upgrade_then_demo_builds_a_site_and_refuses_to_load_twice(runner: CliRunner) -> None:
    upgraded = runner.invoke(cli, ['db', 'upgrade'])
    assert upgraded.exit_code == 0, upgraded.output
    assert 'revision' in upgraded.output

    loaded = runner.invoke(cli, ['demo', '--episodes', '12'])
    assert loaded.exit_code == 0, loaded.output
    assert 'Loaded 12 episodes' in loaded.output

    again = runner.invoke(cli, ['demo', '--episodes', '12'])
    assert again.exit_code == 1
    assert 'already has episodes' in again.output

    skipped = runner.invoke(cli, ['demo', '--if-empty'])
    assert skipped.exit_code == 0
    assert 'not loaded' in skipped.output


@pytest.mark.usefixtures('no_database')
def test_the_demo_makes_its_episode_audio_in_the_media_folder(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    media = tmp_path / 'media'
    monkeypatch.setenv('PODSITE_MEDIA_DIR', str(media))
    assert runner.invoke(cli, ['db', 'upgrade']).exit_code == 0
    loaded = runner.invoke(cli, ['demo', '--episodes', '12'])
    assert loaded.exit_code == 0, loaded.output

    files = {path.name: path for path in media.iterdir()}
    assert 3 <= len(files) <= 5
    episodes = run_on(
        os.environ['PODSITE_DATABASE_URL'],
        select(Episode.media_url, Episode.media_size_bytes, Episode.duration_seconds),
    )
    assert {url.rsplit('/', 1)[-1] for url, _, _ in episodes} == set(files)
    for url, size, seconds in episodes:
        audio = files[url.rsplit('/', 1)[-1]]
        assert size == audio.stat().st_size
        assert 30 <= seconds <= 90
        assert abs(MP3(audio).info.length - seconds) < 0.5


@pytest.mark.parametrize('arguments', [['demo', '--episodes', '0'], ['demo', '--episodes', 'many']])
@pytest.mark.usefixtures('no_database')
def test_bad_arguments_get_a_clear_message(runner: CliRunner, arguments: list[str]) -> None:
    result = runner.invoke(cli, arguments)
    assert result.exit_code == 2
    assert 'Invalid value' in result.output


@pytest.mark.usefixtures('no_database')
def test_unsafe_production_settings_are_refused(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv('PODSITE_ENVIRONMENT', 'production')
    result = runner.invoke(cli, ['db', 'upgrade'])
    assert result.exit_code == 2
    assert 'PODSITE_SECRET_KEY' in result.output


@pytest.mark.usefixtures('empty_site')
def test_create_admin_reads_the_password_from_stdin(runner: CliRunner) -> None:
    created = runner.invoke(
        cli, ['create-admin', 'Boss@Example.com', '--password-stdin'], input='a strong password\n'
    )
    assert created.exit_code == 0, created.output
    assert 'Administrator boss@example.com created.' in created.output
    again = runner.invoke(
        cli, ['create-admin', 'boss@example.com', '--password-stdin'], input='a strong password\n'
    )
    assert again.exit_code == 1
    assert 'exists already' in again.output


@pytest.mark.parametrize(
    ('email', 'password', 'message'),
    [('not-an-email', 'a strong password', 'like name@example.com'),
     ('boss@example.com', 'short', 'at least 10')],
)  # fmt: skip
@pytest.mark.usefixtures('no_database')
def test_create_admin_refuses_bad_input(
    runner: CliRunner, email: str, password: str, message: str
) -> None:
    result = runner.invoke(cli, ['create-admin', email, '--password-stdin'], input=password + '\n')
    assert result.exit_code == 2
    assert message in result.output


def test_create_admin_stores_the_name_and_address_without_control_characters(
    runner: CliRunner, empty_site: str
) -> None:
    created = runner.invoke(
        cli,
        ['create-admin', 'ops\x01@example.com', '--name', 'Ops\x1b Lead\x0b', '--password-stdin'],
        input='a strong password\n',
    )
    assert created.exit_code == 0, created.output
    (user,) = run_on(empty_site, select(User.name, User.email))
    assert tuple(user) == ('Ops Lead', 'ops@example.com')


@pytest.mark.usefixtures('empty_site')
def test_create_admin_asks_for_the_password_twice(runner: CliRunner) -> None:
    result = runner.invoke(
        cli, ['create-admin', 'ops@example.com'], input='a strong password\na strong password\n'
    )
    assert result.exit_code == 0, result.output


def test_reset_two_factor_lets_a_locked_out_admin_in_with_the_password_again(
    runner: CliRunner, empty_site: str
) -> None:
    created = runner.invoke(
        cli, ['create-admin', 'boss@example.com', '--password-stdin'], input='a strong password\n'
    )
    assert created.exit_code == 0, created.output
    [(user_id,)] = run_on(empty_site, select(User.id))
    enrolled_and_logged_in = (
        insert(TotpCredential).values(user_id=user_id, secret='A' * 32, last_used_step=1),
        insert(RecoveryCode).values(user_id=user_id, code_hash='$argon2id$...'),
        insert(UserSession).values(
            token_hash='t', user_id=user_id, expires_at=datetime(2100, 1, 1, tzinfo=UTC)
        ),
    )
    for statement in enrolled_and_logged_in:
        run_on(empty_site, statement)

    reset = runner.invoke(cli, ['reset-two-factor', 'Boss@Example.com'])
    assert reset.exit_code == 0, reset.output
    assert 'Two-factor sign-in of boss@example.com is off' in reset.output
    for table in (TotpCredential, RecoveryCode, UserSession):
        assert run_on(empty_site, select(func.count()).select_from(table)) == [(0,)], table
    [audit] = run_on(empty_site, select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id))
    assert tuple(audit) == ('reset', 'two-factor', user_id)

    again = runner.invoke(cli, ['reset-two-factor', 'boss@example.com'])
    assert again.exit_code == 0
    assert 'does not use two-factor sign-in; nothing changed' in again.output
    unknown = runner.invoke(cli, ['reset-two-factor', 'nobody@example.com'])
    assert unknown.exit_code == 1
    assert 'There is no account with the email nobody@example.com' in unknown.output


@pytest.mark.usefixtures('demo_site')
def test_aggregate_and_stats_summarise_counted_downloads(runner: CliRunner) -> None:
    counted = runner.invoke(cli, ['aggregate'])
    assert counted.exit_code == 0, counted.output
    assert 'No new download events' in counted.output

    summary = runner.invoke(cli, ['stats', '--days', '7'])
    assert summary.exit_code == 0, summary.output
    assert 'Counted downloads: 0 in all, 0 in the last 7 days' in summary.output
    assert 'Top episodes' in summary.output
    assert runner.invoke(cli, ['stats', '--days', '0']).exit_code == 2


@pytest.mark.usefixtures('no_database')
def test_the_demo_can_come_with_listening_for_its_reports(runner: CliRunner) -> None:
    assert runner.invoke(cli, ['db', 'upgrade']).exit_code == 0
    loaded = runner.invoke(cli, ['demo', '--episodes', '4', '--listening'])
    assert loaded.exit_code == 0, loaded.output
    counted = int(re.search(r'Added listening: (\d+) counted downloads', loaded.output).group(1))  # type: ignore[union-attr]
    assert counted > 100

    summary = runner.invoke(cli, ['stats', '--days', '30'])
    assert f'Counted downloads: {counted} in all' in summary.output
    assert 'Apple Podcasts' in summary.output
    assert 'Short-link clicks in the last 30 days' in summary.output


def test_probe_media_reads_local_files_and_reports_the_rest(
    runner: CliRunner, demo_site: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    media = tmp_path / 'media'
    media.mkdir()
    frame = bytes([0xFF, 0xFB, 0x90, 0x64]) + bytes(413)  # MPEG-1 Layer III, 128 kbit/s
    tag = b'ID3\x04\x00\x00\x00\x00\x08\x00' + bytes(1024)
    monkeypatch.setenv('PODSITE_MEDIA_DIR', str(media))
    [(name,)] = run_on(demo_site, select(Episode.media_url).where(Episode.number == 1))
    [(others,)] = run_on(demo_site, select(func.count()).where(Episode.number != 1))
    (media / name.rsplit('/', 1)[-1]).write_bytes(tag + frame * 5)

    probed = runner.invoke(cli, ['probe-media'])

    assert probed.exit_code == 0, probed.output
    assert f'1 probed, {others} skipped, 0 failed' in probed.output
    facts = run_on(
        demo_site,
        select(Episode.media_first_minute_bytes).where(Episode.number == 1),
    )
    # Five frames are less than a minute: the whole file is the threshold.
    assert [tuple(row) for row in facts] == [(1034 + 5 * 417,)]
    again = runner.invoke(cli, ['probe-media'])
    assert f'0 probed, {others} skipped' in again.output


def test_notify_stream_queues_each_alert_once_and_refuses_unknown_streams(
    runner: CliRunner, demo_site: str
) -> None:
    moment = datetime(2026, 1, 1, 10, tzinfo=UTC)
    run_on(
        demo_site,
        insert(StreamSubscriber).values([
            {'email': 'ada@example.com', 'consent_at': moment, 'confirmed_at': moment,
             'token_hash': 'a' * 64, 'token_expires_at': moment, 'confirmation_sent_at': moment},
            {'email': 'pending@example.com', 'consent_at': moment, 'confirmed_at': None,
             'token_hash': 'b' * 64, 'token_expires_at': moment, 'confirmation_sent_at': moment},
        ]),
    )  # fmt: skip
    [(stream_id,)] = run_on(demo_site, select(func.max(LiveStream.id)))
    first = runner.invoke(cli, ['notify-stream', str(stream_id)])
    assert first.exit_code == 0, first.output
    assert '1 emails queued, 0 subscribers had been told before' in ' '.join(first.output.split())
    second = runner.invoke(cli, ['notify-stream', str(stream_id)])
    assert second.exit_code == 0
    assert '0 emails queued, 1 subscribers had been told before' in ' '.join(second.output.split())
    # Queued, then sent on the spot (here: logged, with no SMTP server configured).
    assert '0 emails sent, 1 logged' in ' '.join(first.output.split())
    bodies = [body for (body,) in run_on(demo_site, select(OutboxMessage.body))]
    assert len(bodies) == 1 and '/live-stream/unsubscribe/' in bodies[0]

    unknown = runner.invoke(cli, ['notify-stream', '999'])
    assert unknown.exit_code == 1
    assert 'There is no live stream with id 999.' in unknown.output
    assert runner.invoke(cli, ['notify-stream', 'abc']).exit_code == 2


def test_send_mail_makes_the_reset_links_asked_for_and_sends_what_is_due(
    runner: CliRunner, demo_site: str
) -> None:
    created = runner.invoke(
        cli, ['create-admin', 'boss@example.com', '--password-stdin'], input='a strong password\n'
    )
    assert created.exit_code == 0, created.output
    run_on(
        demo_site,
        insert(PasswordResetRequest).values(
            [{'email': 'boss@example.com'}, {'email': 'nobody@example.com'}]
        ),
    )
    sent = runner.invoke(cli, ['send-mail'])
    assert sent.exit_code == 0, sent.output
    assert '1 reset links made; 0 emails sent, 1 logged' in ' '.join(sent.output.split())
    [(to, subject)] = run_on(demo_site, select(OutboxMessage.to_address, OutboxMessage.subject))
    assert (to, subject) == ('boss@example.com', 'Reset your password')
    again = runner.invoke(cli, ['send-mail'])
    assert '0 reset links made; 0 emails sent, 0 logged' in ' '.join(again.output.split())


def test_send_mail_fails_with_exit_1_when_the_smtp_server_is_unreachable(
    runner: CliRunner, demo_site: str
) -> None:
    run_on(
        demo_site, insert(OutboxMessage).values(to_address='a@example.com', subject='S', body='B')
    )
    failed = runner.invoke(
        cli,
        ['send-mail'],
        env={'PODSITE_SMTP_HOST': '127.0.0.1', 'PODSITE_SMTP_PORT': str(free_port())},
    )
    assert failed.exit_code == 1
    assert '0 emails sent, 0 logged (no SMTP server configured), 1 failed' in ' '.join(
        failed.output.split()
    )
    assert 'tried again later' in failed.output


def test_notify_feed_announces_once_and_fails_with_exit_1_when_a_hub_is_unreachable(
    runner: CliRunner, demo_site: str
) -> None:
    run_on(demo_site, delete(FeedAnnouncement))  # as if the demo's episodes were all new
    hub = f'http://127.0.0.1:{free_port()}/hub'
    failed = runner.invoke(cli, ['notify-feed'], env={'PODSITE_WEBSUB_HUBS': f'["{hub}"]'})
    assert failed.exit_code == 1, failed.output
    assert 'episodes announced; 0 notices sent, 1 failed' in ' '.join(failed.output.split())
    assert 'tried again later' in failed.output
    again = runner.invoke(cli, ['notify-feed'], env={'PODSITE_WEBSUB_HUBS': f'["{hub}"]'})
    assert again.exit_code == 0, again.output
    assert '0 episodes announced; 0 notices sent, 0 failed' in ' '.join(again.output.split())
    [(target, attempts)] = run_on(
        demo_site, select(FeedNotification.target_url, FeedNotification.attempts)
    )
    assert (target, attempts) == (hub, 1)  # not due again before its back-off


@pytest.mark.usefixtures('no_database')
def test_update_agents_installs_a_checked_list_and_refuses_a_foreign_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    source = tmp_path / 'opawg.zip'
    with zipfile.ZipFile(source, 'w') as archive:
        for name in FILES:
            archive.write(agents.SHIPPED / f'{name}.json', f'user-agents-v2-master/src/{name}.json')
    installed = tmp_path / 'podsite-data' / 'user-agents'

    updated = runner.invoke(cli, ['update-agents', str(source)])
    assert updated.exit_code == 0, updated.output
    assert '295 bots, 558 apps' in updated.output
    assert (
        agents.load_matcher(tmp_path / 'podsite-data').identify('Overcast/3.0').name == 'Overcast'
    )
    before = {path.name: path.read_bytes() for path in installed.iterdir()}

    foreign = tmp_path / 'feed.zip'
    with zipfile.ZipFile(foreign, 'w') as archive:
        archive.writestr('feed.xml', '<rss/>')
    for bad in (foreign, tmp_path / 'missing.zip', tmp_path / 'cli.db'):
        refused = runner.invoke(cli, ['update-agents', str(bad)])
        assert refused.exit_code == 1, refused.output
        assert 'Nothing changed' in refused.output
    refused = runner.invoke(cli, ['update-agents', str(foreign)])
    assert 'is not the OPAWG user-agent list' in ' '.join(refused.output.split())
    assert {path.name: path.read_bytes() for path in installed.iterdir()} == before


def test_agent_info_says_per_agent_whether_it_counts_and_why_not(runner: CliRunner) -> None:
    asked = [
        'Overcast/3.0 (+http://overcast.fm/; iOS podcast app)',
        'AppleCoreMedia/1.0.0.20L563 (HomePod; U; CPU OS 16_6 like Mac OS X; en_us)',
        'Spotify/1.0',
        'atc/1.0 watchOS/10.0',
        'x',
    ]
    result = runner.invoke(cli, ['agent-info', *asked, '--json'])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines == [
        {'user_agent': asked[0], 'counted': True, 'reason': None, 'app': 'Overcast',
         'device': 'Apple iPhone', 'platform': 'mobile'},
        {'user_agent': asked[1], 'counted': True, 'reason': None, 'app': 'AppleCoreMedia',
         'device': 'Apple HomePod', 'platform': 'smart_speaker'},
        {'user_agent': asked[2], 'counted': False, 'reason': 'bot',
         'app': 'Spotify cache service', 'device': 'Other', 'platform': None},
        {'user_agent': asked[3], 'counted': False, 'reason': 'watch duplicate',
         'app': 'Apple Podcasts (Watch)', 'device': 'Apple Watch', 'platform': 'watch'},
        {'user_agent': 'x', 'counted': False, 'reason': 'malformed', 'app': 'Other',
         'device': 'Other', 'platform': None},
    ]  # fmt: skip

    table = runner.invoke(cli, ['agent-info', 'Spotify/1.0'])
    assert table.exit_code == 0
    assert 'Spotify cache service' in table.output and 'bot' in table.output
    assert runner.invoke(cli, ['agent-info']).exit_code == 2


def test_stats_json_gives_the_counted_downloads_for_scripts(
    runner: CliRunner, demo_site: str
) -> None:
    ids = dict(run_on(demo_site, select(Episode.number, Episode.id).where(Episode.number < 3)))
    overcast = 'Overcast/3.0 (+http://overcast.fm/; iOS podcast app)'
    homepod = 'AppleCoreMedia/1.0.0.20L563 (HomePod; U; CPU OS 16_6 like Mac OS X; en_us)'
    downloads = [
        (datetime(2026, 3, 2, 8, tzinfo=UTC), 1, 'a', overcast),
        (datetime(2026, 3, 2, 9, tzinfo=UTC), 1, 'b', homepod),
        (datetime(2026, 3, 3, 9, tzinfo=UTC), 2, 'a', overcast),
        (datetime(2026, 3, 3, 9, tzinfo=UTC), 2, 'c', 'Spotify/1.0'),  # a bot: not counted
    ]
    run_on(
        demo_site,
        insert(DownloadEvent).values([
            {'occurred_at': moment, 'episode_id': ids[number], 'ip_hash': address * 64,
             'user_agent': agent, 'method': 'GET', 'status': 302}
            for moment, number, address, agent in downloads
        ]),
    )  # fmt: skip

    result = runner.invoke(cli, ['stats', '--json'])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        'window': 'rolling-first-touch',
        'total': 3,
        'per_episode': {'1': 2, '2': 1},
        'per_day': {'2026-03-02': 2, '2026-03-03': 1},
        'per_app': {'Overcast': 2, 'AppleCoreMedia': 1},
        'per_platform': {'Apple iPhone': 2, 'Apple HomePod': 1},
    }


@pytest.mark.usefixtures('no_database')
def test_update_datacenters_installs_a_checked_list_and_refuses_a_foreign_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    source = tmp_path / 'lists_vpn.zip'
    with zipfile.ZipFile(source, 'w') as archive:
        for family in ('ipv4', 'ipv6'):
            archive.write(
                datacenters.SHIPPED / f'{family}.txt',
                f'lists_vpn-main/output/datacenter/{family}.txt',
            )
        # The VPN-only list beside it is not the one wanted.
        archive.writestr('lists_vpn-main/output/vpn/ipv4.txt', '198.51.100.0/24\n')
    installed = tmp_path / 'podsite-data' / 'datacenters'

    updated = runner.invoke(cli, ['update-datacenters', str(source)])
    assert updated.exit_code == 0, updated.output
    assert 'IPv4 and' in updated.output and 'restart the site' in updated.output
    refreshed = datacenters.load_matcher(tmp_path / 'podsite-data')
    assert refreshed.contains('52.95.110.1') and not refreshed.contains('198.51.100.7')
    before = {path.name: path.read_bytes() for path in installed.iterdir()}

    foreign = tmp_path / 'few.zip'
    with zipfile.ZipFile(foreign, 'w') as archive:
        archive.writestr('ipv4.txt', '198.51.100.0/24\n')
        archive.writestr('ipv6.txt', '2001:db8::/32\n')
    for bad in (foreign, tmp_path / 'missing.zip', tmp_path / 'cli.db'):
        refused = runner.invoke(cli, ['update-datacenters', str(bad)])
        assert refused.exit_code == 1, refused.output
        assert 'Nothing changed' in refused.output
    refused = runner.invoke(cli, ['update-datacenters', str(foreign)])
    assert 'too few to be the list' in ' '.join(refused.output.split())
    assert {path.name: path.read_bytes() for path in installed.iterdir()} == before


@pytest.mark.usefixtures('no_database')
def test_serve_runs_its_workers_on_uvloop_whatever_else_is_installed(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Granian's `auto` takes rloop where it is installed, on whose transports asyncpg
    cannot start TLS: every worker of a PostgreSQL site would die at its first query."""
    asked: dict[str, object] = {}

    class Recorded:
        def __init__(self, target: str, **options: object) -> None:
            asked.update(options, target=target)

        def serve(self) -> None:
            pass

    monkeypatch.setattr(granian.server, 'Server', Recorded)
    result = runner.invoke(cli, ['serve', '--workers', '2'])
    assert result.exit_code == 0, result.output
    assert asked['loop'] == Loops.uvloop
    assert (asked['target'], asked['workers']) == ('podsite.app:create_served_app', 2)
