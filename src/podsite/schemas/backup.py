"""What a backup archive says about itself, and what backing up and restoring report."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

BACKUP_FORMAT = 'podsite-backup'
BACKUP_FORMAT_VERSION = 1


class TableEntry(BaseModel):
    """One table's file in the archive: its rows as JSON lines, and how to check them."""

    model_config = ConfigDict(frozen=True)

    name: str
    file: str
    rows: int = Field(ge=0)
    sha256: str = Field(pattern=r'^[0-9a-f]{64}$')


class MediaEntry(BaseModel):
    """One file of the media folder in the archive (under `media/`), stored as it is: an
    episode's stored audio, or uploaded artwork (`artwork/NAME`)."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=r'^(?:artwork/)?[A-Za-z0-9][A-Za-z0-9._-]*$', max_length=300)
    file: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r'^[0-9a-f]{64}$')


class BackupManifest(BaseModel):
    """`manifest.json`. Tables are listed in the order a restore inserts them."""

    model_config = ConfigDict(frozen=True)

    format: Literal['podsite-backup']
    format_version: Literal[1]
    schema_revision: str
    podsite_version: str
    created_at: datetime
    tables: tuple[TableEntry, ...]
    left_out: tuple[str, ...] = ()
    """Tables deliberately not backed up (derived or short-lived data)."""
    media: tuple[MediaEntry, ...] = ()
    """The audio files podsite stores (uploads, fetched imports); archives made before
    podsite stored audio have none."""

    @property
    def total_rows(self) -> int:
        return sum(table.rows for table in self.tables)


class BackupSignature(BaseModel):
    """`signature.json`: the HMAC of `manifest.json`'s bytes, which holds every table
    file's sha256, so it vouches for the whole archive. `key_id` names the key (an HMAC of
    a constant under it, never the key), so that a restore can tell "signed with another
    key" from "changed since it was signed"."""

    model_config = ConfigDict(frozen=True)

    algorithm: Literal['HMAC-SHA256']
    signed_file: Literal['manifest.json']
    key_id: str = Field(pattern=r'^[0-9a-f]{16}$')
    mac: str = Field(pattern=r'^[0-9a-f]{64}$')


class TableCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    rows: int
