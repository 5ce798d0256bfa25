"""Backing up the whole site into one portable file, and restoring it on any database.

The archive is a zip file holding one JSON-lines file per table and `manifest.json`. Zip
rather than tar.gz because its members are written and read as streams of unknown length
(a table of millions of download events never sits whole in memory or in a temporary
file), its manifest is read without decompressing the tables before it, each member
carries its own CRC on top of our sha256, and every system opens it
(`unzip -p backup.zip episode.jsonl`).

Every archive is signed: `signature.json` holds an HMAC-SHA256 of `manifest.json`'s bytes,
and the manifest holds every table file's sha256, so the key vouches for all of it. The key
is `PODSITE_BACKUP_KEY`, or one derived from `PODSITE_SECRET_KEY` when that is unset (see
`SigningKey`). A checksum alone proves nothing against someone who can write the file: they
add an administrator to `user_account.jsonl` and compute the manifest again. A restore
therefore refuses an archive that is unsigned, signed with another key or changed since,
unless told to trust it.

Tables come from the models (`Base.metadata.sorted_tables`), so a table added later is
backed up without changes here. Values are written by column type, the same way on SQLite
and PostgreSQL: datetimes as ISO 8601 with their offset, dates as ISO 8601, bytes as base64,
JSON columns, booleans and integers of any size as JSON itself.
"""

import base64
import hashlib
import hmac
import io
import json
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from importlib.metadata import version
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    LargeBinary,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator, TypeEngine

from podsite.data import Base, Episode, Podcast, SiteState
from podsite.formats.artwork import VARIANTS, variant_file_name
from podsite.formats.xml_text import clean_json, clean_text
from podsite.infrastructure import db
from podsite.infrastructure.artwork_files import ARTWORK_FOLDER
from podsite.schemas.backup import (
    BACKUP_FORMAT,
    BACKUP_FORMAT_VERSION,
    BackupManifest,
    BackupSignature,
    MediaEntry,
    TableCount,
    TableEntry,
)
from podsite.services.operations import schema_service
from podsite.settings import Settings

MANIFEST = 'manifest.json'
MEDIA_PREFIX = 'media/'
SIGNATURE = 'signature.json'
BATCH_ROWS = 1000

LEFT_OUT = {
    # Derived: the search triggers rebuild it as the episodes, guests and transcripts go in.
    'search_document': 'rebuilt from the catalogue on restore',
    # Short-lived and tied to the server they were issued on: a restored site starts with
    # everyone logged out and no reset link pending, as a site moved to a new host should.
    'user_session': 'logins; everyone logs in again',
    'password_reset': 'pending reset links; they expire within hours anyway',
    # Rate-limit windows of the last quarter hour or so: a moved site starts counting anew.
    'rate_limit_counter': 'rate-limit counters; they expire within the hour',
    'password_reset_request': 'reset requests not yet mailed; asked again in a minute',
    # How far each local spool file of events is stored: tied to the files of the machine
    # that recorded them, which a backup does not carry.
    'spooled_segment': 'spool progress; it belongs with the spool files of its machine',
}

# Rows the migrations themselves write (the state row, the default policies): a freshly
# migrated database has them and still counts as empty.
SEEDED_BY_MIGRATIONS = frozenset({'site_state', 'policy'})

Progress = Callable[[str, int], None]
"""Told the table being worked on and how many more of its rows are done."""

Codec = Callable[[Any], Any]


class BackupError(Exception):
    """The file is not a podsite backup this version can trust and restore."""


class RevisionMismatchError(BackupError):
    """The archive, or the target database, has another schema than this podsite."""


class UntrustedBackupError(BackupError):
    """The archive's signature is missing or does not hold, and it was not to be trusted
    anyway (`--trust-unsigned`)."""


class SignatureCheck(StrEnum):
    GOOD = 'good'
    MISSING = 'missing'
    OTHER_KEY = 'other key'
    CHANGED = 'changed'


@dataclass(frozen=True)
class SigningKey:
    """The key backups are signed and checked with. Derived (HMAC) from the setting rather
    than the setting itself, so that a backup's MAC can never pass for a cookie's signature
    made with the same secret, nor the other way round."""

    secret: bytes = field(repr=False)
    source: str
    """The setting it comes from, for messages."""

    @classmethod
    def of(cls, settings: Settings) -> 'SigningKey':
        if settings.backup_key is not None:
            material, source = settings.backup_key, 'PODSITE_BACKUP_KEY'
        else:
            material, source = settings.secret_key, 'PODSITE_SECRET_KEY'
        secret = hmac.new(material.encode(), b'podsite backup signing key', hashlib.sha256)
        return cls(secret.digest(), source)

    @property
    def key_id(self) -> str:
        return hmac.new(self.secret, b'podsite backup key id', hashlib.sha256).hexdigest()[:16]

    def sign(self, manifest: bytes) -> BackupSignature:
        return BackupSignature(
            algorithm='HMAC-SHA256',
            signed_file=MANIFEST,
            key_id=self.key_id,
            mac=hmac.new(self.secret, manifest, hashlib.sha256).hexdigest(),
        )

    def check(self, manifest: bytes, signature: BackupSignature) -> SignatureCheck:
        if hmac.compare_digest(self.sign(manifest).mac, signature.mac):
            return SignatureCheck.GOOD
        if signature.key_id != self.key_id:
            return SignatureCheck.OTHER_KEY
        return SignatureCheck.CHANGED


@dataclass(frozen=True)
class CheckedBackup:
    manifest: BackupManifest
    signature: SignatureCheck


class DatabaseNotEmptyError(Exception):
    def __init__(self, tables: Sequence[str]) -> None:
        super().__init__(f'the database already has content (in {", ".join(tables)})')
        self.tables = tuple(tables)


def backed_up_tables() -> list[Table]:
    """Every modelled table but the derived and short-lived ones, parents before children."""
    return [table for table in Base.metadata.sorted_tables if table.name not in LEFT_OUT]


async def write_backup(
    path: Path,
    *,
    key: SigningKey,
    media_folder: Path | None = None,
    on_progress: Progress | None = None,
) -> BackupManifest:
    """Writes the archive, signed with `key`, next to `path` and moves it into place only
    once it is complete, so a failed backup never leaves a half file under the name asked
    for. With `media_folder`, the audio files the episodes of the snapshot store are in it
    too, streamed, with the artwork uploaded for the show and its episodes and its copies
    (files put in the folder by hand for episodes whose audio is elsewhere are the
    operator's own, and are not)."""
    revision = await _revision_matching_code()
    session = db.session()
    # One snapshot for every table: a row written meanwhile is in no file rather than in a
    # child table's file without its parent.
    if session.get_bind().dialect.name == 'postgresql':
        await session.connection(execution_options={'isolation_level': 'REPEATABLE READ'})
    else:
        # SQLite's driver opens transactions only for writes; an explicit one keeps the first
        # read's snapshot until the end (in WAL mode the site goes on writing meanwhile).
        await session.execute(text('BEGIN'))
    partial = path.with_name(f'.{path.name}.partial')
    try:
        with zipfile.ZipFile(partial, 'w', compression=zipfile.ZIP_DEFLATED) as archive:
            entries = [
                await _write_table(session, archive, table, on_progress)
                for table in backed_up_tables()
            ]
            media = []
            if media_folder is not None:
                names = await session.scalars(
                    select(Episode.media_file).where(Episode.media_file.is_not(None))
                )
                for name in sorted(n for n in names if n):
                    if (media_folder / name).is_file():
                        media.append(_write_media(archive, media_folder, name))
                        if on_progress is not None:
                            on_progress(f'media/{name}', 0)
                for name in await _artwork_files(media_folder):
                    media.append(_write_media(archive, media_folder, name))
            manifest = BackupManifest(
                format=BACKUP_FORMAT,
                format_version=BACKUP_FORMAT_VERSION,
                schema_revision=revision,
                podsite_version=version('podsite'),
                created_at=datetime.now(UTC),
                tables=tuple(entries),
                left_out=tuple(LEFT_OUT),
                media=tuple(media),
            )
            manifest_bytes = manifest.model_dump_json(indent=2).encode()
            archive.writestr(MANIFEST, manifest_bytes)
            archive.writestr(SIGNATURE, key.sign(manifest_bytes).model_dump_json(indent=2))
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        await session.rollback()
    return manifest


async def _write_table(
    session: AsyncSession, archive: zipfile.ZipFile, table: Table, on_progress: Progress | None
) -> TableEntry:
    names = [column.name for column in table.columns]
    encoders = [_encoder(column.type) for column in table.columns]
    statement = select(table).order_by(*table.primary_key.columns)
    result = await session.stream(statement.execution_options(yield_per=BATCH_ROWS))
    digest = hashlib.sha256()
    rows = 0
    file = f'{table.name}.jsonl'
    info = zipfile.ZipInfo(file, date_time=datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    # Zip64 from the start: the size of a streamed member is unknown until it is written.
    with archive.open(info, 'w', force_zip64=True) as member:
        async for batch in result.partitions():
            lines = ''.join(
                json.dumps(
                    {
                        name: None if value is None else encode(value)
                        for name, encode, value in zip(names, encoders, row, strict=True)
                    },
                    ensure_ascii=False,
                    separators=(',', ':'),
                )
                + '\n'
                for row in batch
            ).encode()
            digest.update(lines)
            member.write(lines)
            rows += len(batch)
            if on_progress is not None:
                on_progress(table.name, len(batch))
    return TableEntry(name=table.name, file=file, rows=rows, sha256=digest.hexdigest())


async def _artwork_files(media_folder: Path) -> list[str]:
    """The uploaded artwork the show and its episodes name, and the copies made of each,
    as paths within the media folder."""
    session = db.session()
    names = set(await session.scalars(select(Podcast.artwork_file))) | set(
        await session.scalars(select(Episode.artwork_file))
    )
    files = [
        f'{ARTWORK_FOLDER}/{file_name}'
        for name in sorted(name for name in names if name)
        for file_name in (name, *(variant_file_name(name, variant) for variant in VARIANTS))
    ]
    return [file for file in files if (media_folder / file).is_file()]


def _write_media(archive: zipfile.ZipFile, media_folder: Path, name: str) -> MediaEntry:
    """Streams one file of the media folder into the archive, stored as it is (audio and
    images are compressed already)."""
    source = media_folder / name
    file = f'{MEDIA_PREFIX}{name}'
    info = zipfile.ZipInfo(file, date_time=datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    digest = hashlib.sha256()
    size = 0
    with source.open('rb') as audio, archive.open(info, 'w', force_zip64=True) as member:
        while chunk := audio.read(1 << 20):
            digest.update(chunk)
            member.write(chunk)
            size += len(chunk)
    return MediaEntry(name=name, file=file, size=size, sha256=digest.hexdigest())


def restore_media(path: Path, manifest: BackupManifest, media_folder: Path) -> int:
    """Puts the archive's audio files (checked by `check_archive`) into `media_folder`,
    each written beside its name first and moved into place when complete. Returns the
    bytes written."""
    media_folder.mkdir(parents=True, exist_ok=True)
    written = 0
    with zipfile.ZipFile(path) as archive:
        for entry in manifest.media:
            target = media_folder / entry.name
            target.parent.mkdir(exist_ok=True)
            partial = target.with_name(f'.{target.name}.partial')
            try:
                with archive.open(entry.file) as member, partial.open('wb') as audio:
                    while chunk := member.read(1 << 20):
                        audio.write(chunk)
                partial.chmod(0o644)
                partial.replace(target)
            finally:
                partial.unlink(missing_ok=True)
            written += entry.size
    return written


def check_archive(path: Path, *, key: SigningKey, trust_unsigned: bool = False) -> CheckedBackup:
    """Reads the whole archive once and checks its signature, then every file against the
    manifest, and the manifest against this podsite, before any database is touched: a
    damaged, foreign or untrusted file changes nothing. With `trust_unsigned`, a missing
    or failing signature is reported rather than refused; every other check still holds."""
    try:
        with zipfile.ZipFile(path) as archive:
            raw_manifest, manifest = _read_manifest(archive)
            signature = _check_signature(archive, raw_manifest, key)
            if signature is not SignatureCheck.GOOD and not trust_unsigned:
                raise UntrustedBackupError(
                    f'{untrusted_reason(signature, key)}. {UNTRUSTED_ADVICE[signature]}'
                )
            head = schema_service.head_revision()
            if manifest.schema_revision != head:
                raise RevisionMismatchError(
                    f'the backup has schema revision {manifest.schema_revision} (podsite '
                    f'{manifest.podsite_version}), this podsite expects revision {head}; '
                    'restore it with the podsite version that made it'
                )
            _check_tables(manifest)
            for entry in manifest.tables:
                _check_file(archive, entry)
            for media in manifest.media:
                _check_media(archive, media)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, UnicodeDecodeError) as error:
        raise BackupError(f'not a readable podsite backup ({error})') from error
    return CheckedBackup(manifest, signature)


def untrusted_reason(signature: SignatureCheck, key: SigningKey) -> str:
    """Why an archive whose signature is not good cannot be trusted."""
    if signature is SignatureCheck.MISSING:
        return (
            'it is not signed, so nothing shows that your site made it or that it is '
            'unchanged (podsite signs every backup it makes; older versions did not)'
        )
    if signature is SignatureCheck.OTHER_KEY:
        return f"it is signed with another key than this site's (from {key.source})"
    return 'its signature does not match its content: it was changed after it was signed'


UNTRUSTED_ADVICE = {
    SignatureCheck.MISSING: (
        'If you know where this file has been, pass --trust-unsigned to restore it anyway.'
    ),
    SignatureCheck.OTHER_KEY: (
        'Set PODSITE_BACKUP_KEY (or PODSITE_SECRET_KEY, if the site that made it had no '
        'backup key) as on that site; or, if you know where this file has been, pass '
        '--trust-unsigned.'
    ),
    SignatureCheck.CHANGED: (
        'Restore it only if you know who changed it and why (then pass --trust-unsigned).'
    ),
}


def _check_signature(archive: zipfile.ZipFile, manifest: bytes, key: SigningKey) -> SignatureCheck:
    try:
        raw = archive.read(SIGNATURE)
    except KeyError:
        return SignatureCheck.MISSING
    try:
        signature = BackupSignature.model_validate_json(raw)
    except ValidationError:
        return SignatureCheck.CHANGED  # podsite writes it well-formed: something changed it
    return key.check(manifest, signature)


def _read_manifest(archive: zipfile.ZipFile) -> tuple[bytes, BackupManifest]:
    """The manifest as stored (what the signature covers) and as read."""
    try:
        raw = archive.read(MANIFEST)
    except KeyError:
        raise BackupError(f'not a podsite backup: it has no {MANIFEST}') from None
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise BackupError(f'not a podsite backup: {MANIFEST} is not JSON ({error})') from error
    if not isinstance(data, dict) or data.get('format') != BACKUP_FORMAT:
        raise BackupError(f'not a podsite backup: {MANIFEST} is of another format')
    if data.get('format_version') != BACKUP_FORMAT_VERSION:
        raise BackupError(
            f'backup format version {data.get("format_version")} is not one this podsite '
            f'reads (it reads version {BACKUP_FORMAT_VERSION})'
        )
    try:
        return raw, BackupManifest.model_validate(data)
    except ValidationError as error:
        raise BackupError(f'not a podsite backup: {MANIFEST} is malformed ({error})') from error


def _check_tables(manifest: BackupManifest) -> None:
    expected = {table.name for table in backed_up_tables()}
    found = {entry.name for entry in manifest.tables}
    if found != expected:
        missing = ', '.join(sorted(expected - found)) or 'none'
        unknown = ', '.join(sorted(found - expected)) or 'none'
        raise BackupError(f'the backup has other tables (missing: {missing}; unknown: {unknown})')


def _check_media(archive: zipfile.ZipFile, entry: MediaEntry) -> None:
    digest = hashlib.sha256()
    try:
        with archive.open(entry.file) as member:
            while chunk := member.read(1 << 20):
                digest.update(chunk)
    except KeyError:
        raise BackupError(f'{entry.file} is listed in the manifest but missing') from None
    if digest.hexdigest() != entry.sha256:
        raise BackupError(f'{entry.file} does not match its checksum: it was changed or damaged')


def _check_file(archive: zipfile.ZipFile, entry: TableEntry) -> None:
    digest = hashlib.sha256()
    rows = 0
    try:
        with archive.open(entry.file) as member:
            while chunk := member.read(1 << 20):
                digest.update(chunk)
                rows += chunk.count(b'\n')
    except KeyError:
        raise BackupError(f'{entry.file} is listed in the manifest but missing') from None
    if digest.hexdigest() != entry.sha256:
        raise BackupError(f'{entry.file} does not match its checksum: it was changed or damaged')
    if rows != entry.rows:
        raise BackupError(f'{entry.file} has {rows} rows, the manifest says {entry.rows}')


async def prepare_schema() -> None:
    """Migrates a database that has no schema yet; one at another revision is refused rather
    than migrated, since refusing must leave it as it was."""
    engine = db.database().engine
    current = await schema_service.current_revision(engine)
    if current is None:
        await schema_service.upgrade_to_head(engine)
        return
    head = schema_service.head_revision()
    if current != head:
        raise RevisionMismatchError(
            f'the database is at schema revision {current}, this podsite at {head}; '
            'run podsite db upgrade first'
        )


async def _revision_matching_code() -> str:
    current = await schema_service.current_revision(db.database().engine)
    head = schema_service.head_revision()
    if current is None or current != head:
        raise RevisionMismatchError(
            f'the database is at schema revision {current or "none"}, this podsite at {head}; '
            'run podsite db upgrade first'
        )
    return current


async def tables_with_content() -> list[str]:
    """Backed-up tables holding rows, besides those a fresh migration fills."""
    session = db.session()
    populated = []
    for table in backed_up_tables():
        if table.name in SEEDED_BY_MIGRATIONS:
            continue
        if await session.scalar(select(1).select_from(table).limit(1)) is not None:
            populated.append(table.name)
    return populated


async def restore_backup(
    path: Path,
    manifest: BackupManifest,
    *,
    force: bool = False,
    on_progress: Progress | None = None,
) -> tuple[TableCount, ...]:
    """Replaces every table's rows with the archive's, in one transaction: on any failure
    the database is left as it was. Without `force`, only an empty database is filled."""
    session = db.session()
    try:
        if not force and (populated := await tables_with_content()):
            raise DatabaseNotEmptyError(populated)
        version_before = await session.scalar(select(func.max(SiteState.content_version)))
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))
        with zipfile.ZipFile(path) as archive:
            counts = tuple(
                [
                    await _restore_table(session, archive, entry, on_progress)
                    for entry in manifest.tables
                ]
            )
        if session.get_bind().dialect.name == 'postgresql':
            await _advance_sequences(session)
        await _bump_content_version(session, version_before or 0)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return counts


async def _restore_table(
    session: AsyncSession, archive: zipfile.ZipFile, entry: TableEntry, on_progress: Progress | None
) -> TableCount:
    table = Base.metadata.tables[entry.name]
    decoders = {column.name: _decoder(column.type) for column in table.columns}
    rows = 0
    try:
        with archive.open(entry.file) as member:
            batch: list[dict[str, Any]] = []
            for line in io.TextIOWrapper(member, encoding='utf-8'):
                record = json.loads(line)
                batch.append(
                    {
                        name: None if value is None else decoders[name](value)
                        for name, value in record.items()
                    }
                )
                if len(batch) == BATCH_ROWS:
                    rows += await _insert(session, table, batch, on_progress)
                    batch = []
            rows += await _insert(session, table, batch, on_progress)
    except (KeyError, ValueError, SQLAlchemyError) as error:
        raise BackupError(f'{entry.file} could not be restored ({error})') from error
    return TableCount(name=entry.name, rows=rows)


async def _insert(
    session: AsyncSession, table: Table, batch: list[dict[str, Any]], on_progress: Progress | None
) -> int:
    if batch:
        await session.execute(insert(table), batch)
        if on_progress is not None:
            on_progress(table.name, len(batch))
    return len(batch)


async def _advance_sequences(session: AsyncSession) -> None:
    """Rows went in with their ids, so PostgreSQL's sequences must move past them."""
    for table in Base.metadata.sorted_tables:
        key = table.autoincrement_column
        if key is None:
            continue
        next_id = select(func.coalesce(func.max(key), 0) + 1).scalar_subquery()
        sequence = func.pg_get_serial_sequence(table.name, key.name)
        await session.execute(select(func.setval(sequence, next_id, False)))


async def _bump_content_version(session: AsyncSession, version_before: int) -> None:
    """Past both the archive's version and the one this database had: a cache filled from
    the replaced content, by any worker, can never match the restored content."""
    restored = await session.scalar(select(func.max(SiteState.content_version)))
    await session.execute(
        update(SiteState).values(content_version=max(version_before, restored or 0) + 1)
    )


def _kind(column_type: TypeEngine[Any]) -> TypeEngine[Any]:
    if isinstance(column_type, TypeDecorator):
        return _kind(column_type.impl_instance)
    return column_type


def _encoder(column_type: TypeEngine[Any]) -> Codec:
    kind = _kind(column_type)
    if isinstance(kind, DateTime | Date):
        return _isoformat
    if isinstance(kind, LargeBinary):
        return _base64
    return _unchanged


def _decoder(column_type: TypeEngine[Any]) -> Codec:
    kind = _kind(column_type)
    if isinstance(kind, DateTime):
        return datetime.fromisoformat
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, LargeBinary):
        return base64.b64decode
    # Text comes back without the characters XML does not allow, like text typed in: one
    # stored before they were refused would break the feed again, and PostgreSQL refuses
    # NUL, which SQLite kept.
    if isinstance(kind, String):
        return _clean_text
    if isinstance(kind, JSON):
        return clean_json
    return _unchanged


def _isoformat(value: date) -> str:
    return value.isoformat()


def _base64(value: bytes) -> str:
    return base64.b64encode(value).decode('ascii')


def _unchanged(value: Any) -> Any:
    return value


def _clean_text(value: Any) -> Any:
    """A text column's value; anything else is left for the database to refuse."""
    return clean_text(value) if isinstance(value, str) else value
