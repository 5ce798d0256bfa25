"""Where a served worker's log goes: standard error, written in blocks at most a second
apart rather than a system call per line, as nginx's `access_log ... buffer= flush=` does.

At thousands of requests a second, a log record and a write per request line cost as much
as serving a kept page. Buffered, a line still shows within a second, and what is left is
written out when the worker exits. Request lines and other log records go through the
same buffer, so they stay in order.
"""

import atexit
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

FLUSH_INTERVAL_SECONDS = 1.0
BUFFER_BYTES = 64 * 1024


class BufferedLines:
    """Lines written to a buffered stream, flushed once `interval` has passed since the
    last flush, and by a daemon thread when no lines come."""

    def __init__(self, stream: TextIO, *, interval: float = FLUSH_INTERVAL_SECONDS) -> None:
        self.stream = stream
        self.interval = interval
        self._lock = threading.Lock()
        self._flushed_at = time.monotonic()
        threading.Thread(target=self._flush_regularly, name='log flush', daemon=True).start()

    def write(self, line: str) -> None:
        with self._lock:
            self.stream.write(line + '\n')
            if time.monotonic() - self._flushed_at >= self.interval:
                self._flush_locked()

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        self._flushed_at = time.monotonic()
        if not self.stream.closed:
            self.stream.flush()

    def _flush_regularly(self) -> None:
        while not self.stream.closed:
            time.sleep(self.interval)
            self.flush()


class LinesHandler(logging.Handler):
    """Log records, formatted, into `BufferedLines`."""

    def __init__(self, lines: BufferedLines) -> None:
        super().__init__()
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.write(self.format(record))
        except Exception:  # a log line must never fail a request
            self.handleError(record)

    def flush(self) -> None:
        self.lines.flush()


def configure_served_logging() -> Callable[[str], None]:
    """INFO and up to standard error through one buffer; returns the writer for request
    lines, which skip the logging machinery (record, caller frame, handler chain)."""
    stream = open(  # noqa: SIM115 (lives as long as the process)
        sys.stderr.fileno(),
        'w',
        buffering=BUFFER_BYTES,
        encoding='utf-8',
        errors='backslashreplace',
        closefd=False,
    )
    lines = BufferedLines(stream)
    atexit.register(lines.flush)
    handler = LinesHandler(lines)
    handler.setFormatter(logging.Formatter('%(message)s'))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    return lines.write
