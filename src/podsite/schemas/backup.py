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

    @property
    def total_rows(self) -> int:
        return sum(table.rows for table in self.tables)


class TableCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    rows: int
