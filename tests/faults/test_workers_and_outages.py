"""Under load, a worker killed, the database restarted, the server stopped during an outage:
the site keeps serving (or says 503, come back), the server never hangs, and every download
it answered is stored, once."""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.listeners import Listeners, download_path, stored_downloads, wait_until_stored
from tests.servers import PostgresCluster, serve_podsite, served_podsite

pytestmark = pytest.mark.faults


def assert_none_lost(listeners: Listeners, stored: int) -> None:
    """Every answered download stored; more only by requests whose answer the listener never
    got (the worker died after recording it), never twice."""
    assert stored >= listeners.answered, f'{listeners.answered - stored} answered, not stored'
    assert stored <= listeners.answered + listeners.no_response, 'stored twice'


def wait_for(condition: str, check: Callable[[], bool], *, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f'not {condition} after {timeout} s')
        time.sleep(0.05)


def test_killed_workers_are_replaced_and_what_they_answered_is_stored(
    cluster_database_url: str, folder: Path
) -> None:
    with (
        served_podsite(cluster_database_url, folder, workers=2) as site,
        Listeners(site.base, download_path(cluster_database_url)) as listeners,
    ):
        listeners.wait_for(100)
        first = site.worker_pids()
        os.kill(first[1], signal.SIGKILL)
        listeners.wait_for(50)  # the other worker serves on
        wait_for('respawning worker-1', lambda: site.worker_pids()[1] != first[1])
        # Worker 1 is starting again: worker 2 dies now.
        os.kill(first[2], signal.SIGKILL)
        wait_for('both serving again', lambda: site.started(1) == 2 and site.started(2) == 2)
        listeners.wait_for(100)
        listeners.stop()
        assert site.process.poll() is None, site.log_text()
        assert site.stop(timeout=30) == 0, 'the server stops cleanly, and in time'

    assert set(listeners.statuses) == {302}
    assert_none_lost(listeners, stored_downloads(cluster_database_url))


def test_a_stop_while_a_worker_is_starting_does_not_hang_the_server(
    database_url: str, folder: Path
) -> None:
    site = serve_podsite(database_url, folder)
    try:
        wait_for('spawning the worker', lambda: 'Spawning worker-1' in site.log_text())
        site.process.send_signal(signal.SIGTERM)
        # At once, as a rule; within the stop timeout (20 s) if the signal came in the few
        # instructions before the worker restored the default handlers.
        site.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(site.process.pid, signal.SIGKILL)
        site.process.wait()
        pytest.fail(f'podsite serve hung after SIGTERM: {site.log_text()}')


def test_downloads_answered_around_a_database_restart_are_all_stored(
    cluster: PostgresCluster, cluster_database_url: str, folder: Path
) -> None:
    with (
        served_podsite(cluster_database_url, folder) as site,
        Listeners(site.base, download_path(cluster_database_url)) as listeners,
    ):
        listeners.wait_for(100)
        cluster.stop()
        wait_for('503 during the outage', lambda: listeners.statuses[503] > 20)
        cluster.start()
        listeners.wait_for(100)
        listeners.stop()
        # Recovered while serving: no restart needed for the events to be written.
        stored = wait_until_stored(cluster_database_url, listeners.answered)

    assert set(listeners.statuses) == {302, 503}, 'a 503 that says come back, never a 500'
    assert_none_lost(listeners, stored)


def test_a_clean_stop_during_an_outage_leaves_its_events_to_the_next_start(
    cluster: PostgresCluster, cluster_database_url: str, folder: Path
) -> None:
    path = download_path(cluster_database_url)
    with served_podsite(cluster_database_url, folder, workers=2) as site:
        with Listeners(site.base, path) as listeners:
            listeners.wait_for(100)
            cluster.stop()
            wait_for('503 during the outage', lambda: listeners.statuses[503] > 20)
        assert site.stop(timeout=30) == 0, 'a stop during an outage is quick and clean'
    assert 'stay in' in site.log_text(), 'events were waiting when it stopped'

    cluster.start()
    with served_podsite(cluster_database_url, folder, workers=1):
        stored = wait_until_stored(cluster_database_url, listeners.answered)

    assert set(listeners.statuses) == {302, 503}
    assert_none_lost(listeners, stored)
