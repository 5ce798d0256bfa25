"""Lists podsite ships and refreshes without a release (`podsite update-agents`,
`podsite update-datacenters`): read from the source the operator names, then put in the
data folder whole, or not at all."""

import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import httpx


class ReadList[List](Protocol):
    def __call__(self, source: Path | bytes, *, label: str | None = None) -> List: ...


def read_source[List](source: str, read: ReadList[List], error: type[ValueError]) -> List:
    """The list at `source`: an archive's URL, or the path of an archive or a folder. A
    source that cannot be had raises `error`, as `read` does for one that is not the list."""
    if not source.startswith(('https://', 'http://')):
        path = Path(source)
        if not path.exists():
            raise error(f'{source}: no such file or folder')
        return read(path)
    try:
        response = httpx.get(source, follow_redirects=True, timeout=60)
        response.raise_for_status()
    except httpx.HTTPError as problem:
        raise error(f'could not fetch {source}: {problem}') from problem
    return read(response.content, label=source)


def install(data_dir: Path, folder: str, write: Callable[[Path], None], *, provenance: str) -> None:
    """Writes the list (`write` fills a folder) into `data_dir/folder`, replacing the one
    there only once it is complete, with a `SOURCE.md` that says `provenance` and when."""
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f'.{folder}-', dir=data_dir))
    try:
        write(staging)
        (staging / 'SOURCE.md').write_text(
            f'{provenance}, on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.\n'
        )
        target = data_dir / folder
        if target.exists():
            replaced = staging.with_name(f'{staging.name}-old')
            target.rename(replaced)
            staging.rename(target)
            shutil.rmtree(replaced)
        else:
            staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
