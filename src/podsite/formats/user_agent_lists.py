"""The Open Podcast Analytics Working Group's user-agent list (v2): its pattern files read
from a folder or a zip archive, checked, and written back in their runtime shape.

The list is five files of `entries` (name, pattern, optional category): bots, apps,
libraries and browsers, asked in that order, and devices, asked apart. Its repository keeps
them as `src/NAME.json` (with examples and comments) and builds `build/NAME.runtime.json`;
either layout is read, from a checkout, an archive of it, or a folder of plain `NAME.json`.
"""

import json
import zipfile
from pathlib import Path, PurePosixPath
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from podsite.formats.list_sources import texts_by_place

KINDS = ('bots', 'apps', 'libraries', 'browsers')
"""The files naming what made a request, in the order the list says to ask them."""
FILES = (*KINDS, 'devices')


class AgentListError(ValueError):
    """The source is not a usable copy of the list; the message says why."""


class AgentEntry(BaseModel):
    model_config = ConfigDict(extra='ignore', frozen=True)

    name: str = Field(min_length=1)
    pattern: str = Field(min_length=1)
    category: str | None = None


class AgentFile(BaseModel):
    model_config = ConfigDict(extra='ignore', frozen=True)

    entries: tuple[AgentEntry, ...] = Field(min_length=1)


class AgentLists(BaseModel):
    model_config = ConfigDict(frozen=True)

    bots: AgentFile
    apps: AgentFile
    libraries: AgentFile
    browsers: AgentFile
    devices: AgentFile

    @classmethod
    def read(cls, source: Path | bytes, *, label: str | None = None) -> Self:
        """From a folder, a zip archive's path, or a zip archive's bytes."""
        if label is None:
            label = str(source) if isinstance(source, Path) else 'the download'
        try:
            found = texts_by_place(source, _wanted)
        except (OSError, zipfile.BadZipFile) as error:
            raise AgentListError(
                f'{label} is neither a folder nor a zip archive of the OPAWG user-agent list'
            ) from error
        texts: dict[str, str] = {}
        for name, text in found:
            texts.setdefault(name, text)
        missing = [name for name in FILES if name not in texts]
        if missing:
            raise AgentListError(
                f'{label} is not the OPAWG user-agent list: '
                f'no {", ".join(f"{name}.json" for name in missing)} in it'
            )
        files = {}
        for name in FILES:
            try:
                files[name] = AgentFile.model_validate_json(texts[name])
            except ValidationError as error:
                problem = error.errors()[0]
                where = '.'.join(str(part) for part in problem['loc'])
                raise AgentListError(
                    f'{name}.json in {label} is not a pattern file: {where}: {problem["msg"]}'
                ) from error
        return cls.model_validate(files)

    def write(self, folder: Path) -> None:
        """As `NAME.json` runtime files, the shape `read` takes back."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            entries = getattr(self, name).model_dump(exclude_none=True)
            (folder / f'{name}.json').write_text(json.dumps(entries, indent=2, ensure_ascii=False))


def _wanted(path: PurePosixPath) -> str | None:
    """Which file of the list a path (from the list's top) is: `NAME.json` at the top or in
    `src/`, or `NAME.runtime.json` in `build/`."""
    match path.parts:
        case (file,) | ('src', file) if file.endswith('.json'):
            name = file.removesuffix('.json')
        case ('build', file) if file.endswith('.runtime.json'):
            name = file.removesuffix('.runtime.json')
        case _:
            return None
    return name if name in FILES else None
