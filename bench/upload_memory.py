"""`python bench/upload_memory.py`: a 1 GB audio upload must not grow the worker.

Serves a small demo site (SQLite) with one Granian worker on loopback, logs in as an
administrator, and posts the episode form with a generated MP3 of `--size-mb` MiB (default
1024): constant-bitrate frames made by ffmpeg, repeated, streamed from a generator so the
client never holds the body either. A thread samples the worker's resident memory every
0.1 s through the upload; prints it before, at its peak and after, with the time taken, and
checks that the file was stored whole. Fails when the peak is more than `--max-growth-mb`
above the start.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from catalogue import build_demo, served, worker_rss_mb
from run import BIN

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = 'bench admin password'  # noqa: S105 (a throwaway site on loopback)
BOUNDARY = 'podsite-bench-boundary'
CHUNK_COPIES = 64


def frames(work: Path) -> bytes:
    """A few seconds of 128 kbit/s MP3 frames with no tag and no Xing frame: copies of it
    back to back are one longer, valid MP3 stream."""
    ffmpeg = shutil.which('ffmpeg')
    if ffmpeg is None:
        sys.exit('ffmpeg is needed (apt-get install ffmpeg)')
    target = work / 'frames.mp3'
    subprocess.run(
        [ffmpeg, '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=duration=4',
         '-c:a', 'libmp3lame', '-b:a', '128k', '-write_xing', '0', '-id3v2_version', '0',
         str(target)],
        check=True,
    )  # fmt: skip
    return target.read_bytes()


def multipart(fields: dict[str, str], audio: bytes, size: int) -> tuple[int, Iterator[bytes]]:
    """The form's body and its length: the fields, then `size` bytes of audio (whole copies
    of `audio`), generated chunk by chunk."""
    head = b''.join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="audio"; '
        'filename="long.mp3"\r\nContent-Type: audio/mpeg\r\n\r\n'
    ).encode()
    tail = f'\r\n--{BOUNDARY}--\r\n'.encode()
    chunk = audio * CHUNK_COPIES
    chunks = max(1, size // len(chunk))

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(chunks):
            yield chunk
        yield tail

    return len(head) + chunks * len(chunk) + len(tail), body()


class PeakSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = worker_rss_mb(pid)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.1):
            self.peak = max(self.peak, worker_rss_mb(self.pid))


def log_in(client: httpx.Client, email: str) -> str:
    page = client.get('/account/login')
    token = TOKEN.search(page.text)
    assert token is not None
    answer = client.post(
        '/account/login', data={'email': email, 'password': PASSWORD, 'csrf_token': token.group(1)}
    )
    assert answer.status_code == 302, answer.text[:500]
    form = TOKEN.search(client.get('/admin/episodes/new').text)
    assert form is not None
    return form.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--size-mb', type=int, default=1024, help='size of the upload in MiB')
    parser.add_argument('--max-growth-mb', type=float, default=16.0)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='podsite-upload-') as folder:
        work = Path(folder)
        env = build_demo(work, 20)
        # Not production: there administrators must sign in with a second factor.
        env['PODSITE_ENVIRONMENT'] = 'test'
        email = 'bench@example.com'
        subprocess.run(
            [str(BIN / 'podsite'), 'create-admin', email, '--password-stdin'],
            input=f'{PASSWORD}\n', text=True, env=env, check=True, capture_output=True,
        )  # fmt: skip
        media = work / 'media'
        audio = frames(work)
        with (
            served(env, work / 'server.log', media_dir=str(media)) as (base, pid),
            httpx.Client(base_url=base, timeout=600) as client,
        ):
            token = log_in(client, email)
            client.get('/admin/episodes/new')  # the worker's memory after a form page
            before = worker_rss_mb(pid)
            fields = {'csrf_token': token, 'number': '9001', 'title': 'A long one',
                          'status': 'draft', 'episode_type': 'full'}  # fmt: skip
            length, body = multipart(fields, audio, options.size_mb * 2**20)
            sampler = PeakSampler(pid)
            sampler.start()
            started = time.monotonic()
            answer = client.post(
                    '/admin/episodes/new',
                    content=body,
                    headers={'Content-Type': f'multipart/form-data; boundary={BOUNDARY}',
                             'Content-Length': str(length)},
                )  # fmt: skip
            seconds = time.monotonic() - started
            sampler.stopped.set()
            sampler.join()
            after = worker_rss_mb(pid)
        stored = list(media.glob('9001-*.mp3')) if answer.status_code == 302 else []
        stored_bytes = stored[0].stat().st_size if stored else 0
    growth = sampler.peak - before
    print(f'upload of {length / 2**20:,.0f} MiB: HTTP {answer.status_code} in {seconds:.1f} s '
          f'({length / 2**20 / seconds:,.0f} MiB/s)')  # fmt: skip
    print(f'worker RSS: {before:.1f} MB before, {sampler.peak:.1f} MB at the peak '
          f'(+{growth:.1f} MB), {after:.1f} MB after')  # fmt: skip
    print(f'stored: {stored_bytes:,} bytes')
    if answer.status_code != 302 or not stored_bytes:
        sys.exit(f'the upload was not stored: {answer.text[:500]}')
    if growth > options.max_growth_mb:
        sys.exit(f'the worker grew by {growth:.1f} MB, more than {options.max_growth_mb} MB')


if __name__ == '__main__':
    main()
