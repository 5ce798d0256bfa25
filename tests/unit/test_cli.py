"""The `podsite` command, run the way a newcomer runs it."""

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podsite.cli import cli


@pytest.fixture
def runner(clean_environment: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('PODSITE_DATABASE_URL', f'sqlite+aiosqlite:///{tmp_path / "cli.db"}')
    return CliRunner()


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


@pytest.mark.parametrize('arguments', [['demo', '--episodes', '0'], ['demo', '--episodes', 'many']])
def test_bad_arguments_get_a_clear_message(runner: CliRunner, arguments: list[str]) -> None:
    result = runner.invoke(cli, arguments)
    assert result.exit_code == 2
    assert 'Invalid value' in result.output


def test_unsafe_production_settings_are_refused(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv('PODSITE_ENVIRONMENT', 'production')
    result = runner.invoke(cli, ['db', 'upgrade'])
    assert result.exit_code == 2
    assert 'PODSITE_SECRET_KEY' in result.output


def test_create_admin_reads_the_password_from_stdin(runner: CliRunner) -> None:
    assert runner.invoke(cli, ['db', 'upgrade']).exit_code == 0
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
def test_create_admin_refuses_bad_input(
    runner: CliRunner, email: str, password: str, message: str
) -> None:
    result = runner.invoke(cli, ['create-admin', email, '--password-stdin'], input=password + '\n')
    assert result.exit_code == 2
    assert message in result.output


def test_create_admin_asks_for_the_password_twice(runner: CliRunner) -> None:
    assert runner.invoke(cli, ['db', 'upgrade']).exit_code == 0
    result = runner.invoke(
        cli, ['create-admin', 'ops@example.com'], input='a strong password\na strong password\n'
    )
    assert result.exit_code == 0, result.output


def test_notify_stream_queues_each_alert_once_and_refuses_unknown_streams(
    runner: CliRunner, tmp_path: Path
) -> None:
    assert runner.invoke(cli, ['db', 'upgrade']).exit_code == 0
    assert runner.invoke(cli, ['demo', '--episodes', '12']).exit_code == 0
    with closing(sqlite3.connect(tmp_path / 'cli.db')) as database:
        moment = '2026-01-01 10:00:00.000000'
        database.executemany(
            'INSERT INTO stream_subscriber (email, consent_at, confirmed_at, token_hash, '
            'token_expires_at, confirmation_sent_at) VALUES (?, ?, ?, ?, ?, ?)',
            [
                ('ada@example.com', moment, moment, 'a' * 64, moment, moment),
                ('pending@example.com', moment, None, 'b' * 64, moment, moment),
            ],
        )
        database.commit()
        stream_id = database.execute('SELECT max(id) FROM live_stream').fetchone()[0]
    first = runner.invoke(cli, ['notify-stream', str(stream_id)])
    assert first.exit_code == 0, first.output
    assert '1 emails queued, 0 subscribers had been told before' in ' '.join(first.output.split())
    second = runner.invoke(cli, ['notify-stream', str(stream_id)])
    assert second.exit_code == 0
    assert '0 emails queued, 1 subscribers had been told before' in ' '.join(second.output.split())
    with closing(sqlite3.connect(tmp_path / 'cli.db')) as database:
        bodies = [row[0] for row in database.execute('SELECT body FROM outbox_message')]
    assert len(bodies) == 1 and '/live-stream/unsubscribe/' in bodies[0]

    unknown = runner.invoke(cli, ['notify-stream', '999'])
    assert unknown.exit_code == 1
    assert 'There is no live stream with id 999.' in unknown.output
    assert runner.invoke(cli, ['notify-stream', 'abc']).exit_code == 2
