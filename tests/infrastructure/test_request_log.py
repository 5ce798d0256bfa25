"""The one-line-per-request log and the client address behind proxies."""

import ipaddress
import logging
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from quart.typing import TestClientProtocol as Client

from podsite.infrastructure.client_ip import client_ip
from podsite.infrastructure.log_output import BufferedLines
from podsite.infrastructure.request_log import format_line

LINE = re.compile(
    r'^\d+ms HTTP \d{3} => "[A-Z]+ \S+" \d+\.\d{2} KB '
    r'at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} from \S+ via .+$'
)


def test_line_matches_the_documented_format() -> None:
    line = format_line(
        duration_ms=8.4,
        status=200,
        method='GET',
        target='/episodes/show/268/analyzing-dozens-of-notebook-environments',
        size_bytes=28_774,
        at=datetime(2024, 11, 14, 10, 33, 18, tzinfo=UTC),
        ip='80.22.100.101',
        user_agent='Mozilla/5.0 (X11; Linux x86_64)',
    )
    assert line == (
        '8ms HTTP 200 => "GET /episodes/show/268/analyzing-dozens-of-notebook-environments" '
        '28.10 KB at 2024-11-14 10:33:18 from 80.22.100.101 via Mozilla/5.0 (X11; Linux x86_64)'
    )


async def test_every_request_is_logged_in_one_line(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger='podsite.request'):
        await client.get('/episodes/all', headers={'User-Agent': 'TestAgent/1.0'})
        await client.get('/no-such-page')
    lines = [record.getMessage() for record in caplog.records if record.name == 'podsite.request']
    assert len(lines) == 2
    assert all(LINE.match(line) for line in lines), lines
    assert ' HTTP 200 => "GET /episodes/all" ' in lines[0] and lines[0].endswith(
        'via TestAgent/1.0'
    )
    assert ' HTTP 404 => "GET /no-such-page" ' in lines[1]


PROXY = [ipaddress.ip_network('10.0.0.0/8')]


@pytest.mark.parametrize(
    ('remote', 'forwarded', 'trusted', 'expected'),
    [
        ('80.22.100.101', None, PROXY, '80.22.100.101'),
        ('80.22.100.101', '1.2.3.4', PROXY, '80.22.100.101'),  # not from our proxy: ignored
        ('10.0.0.5', '1.2.3.4', PROXY, '1.2.3.4'),
        ('10.0.0.5', '6.6.6.6, 1.2.3.4', PROXY, '1.2.3.4'),  # the client cannot forge its hop
        ('10.0.0.5', '1.2.3.4, 10.0.0.9', PROXY, '1.2.3.4'),
        ('10.0.0.5', 'garbage', PROXY, '10.0.0.5'),
        ('10.0.0.5', '1.2.3.4', [], '10.0.0.5'),
        ('10.0.0.5', '2001:db8::1', PROXY, '2001:db8::1'),
    ],
)
def test_client_ip_believes_forwarded_for_only_from_trusted_proxies(
    remote: str, forwarded: str | None, trusted: list[ipaddress.IPv4Network], expected: str
) -> None:
    assert client_ip(remote, forwarded, list(trusted)) == expected


def test_a_served_worker_writes_request_lines_in_blocks_that_still_show_within_a_second(
    tmp_path: Path,
) -> None:
    log = tmp_path / 'worker.log'
    with log.open('w', buffering=64 * 1024) as stream:
        lines = BufferedLines(stream, interval=0.2)
        lines.write('first')
        lines.write('second')
        deadline = time.monotonic() + 5
        while log.read_text() != 'first\nsecond\n' and time.monotonic() < deadline:
            time.sleep(0.05)  # the flushing thread's turn

        assert log.read_text() == 'first\nsecond\n'
        lines.write('last')
        lines.flush()  # what the worker does on exit
        assert log.read_text().endswith('last\n')
