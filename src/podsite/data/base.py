"""Declarative base shared by every model, with stable constraint names for migrations."""

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ColumnElement, DateTime, MetaData, bindparam, literal_column
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    'ix': 'ix_%(column_0_label)s',
    'uq': 'uq_%(table_name)s_%(column_0_name)s',
    'ck': 'ck_%(table_name)s_%(constraint_name)s',
    'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s',
    'pk': 'pk_%(table_name)s',
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back an aware datetime, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError('naive datetimes are ambiguous; pass an aware datetime')
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NOW = bindparam('now', type_=UTCDateTime())
"""The moment a statement built once (at import) is run for: each run passes `now`."""


class JsonRows(FunctionElement[Any]):
    """Aggregates a subquery's rows into one JSON array of objects; see `json_rows`."""

    type = JSON()
    inherit_cache = True


def json_rows(**columns: ColumnElement[Any] | QueryableAttribute[Any]) -> JsonRows:
    """A JSON array with an object per row, keyed by the given names: a page's lists (an
    episode's people, its sponsors) come in the statement that reads the page's item, so
    it costs one round trip, not one per list. The array's order is unspecified (SQLite
    before 3.44 cannot order an aggregate): select a position and sort by it. No rows give
    an empty array on SQLite and NULL on PostgreSQL."""
    keyed: list[ColumnElement[Any] | QueryableAttribute[Any]] = []
    for name, column in columns.items():
        if not name.isidentifier():
            raise ValueError(f'not a plain key: {name!r}')
        keyed += [literal_column(f"'{name}'"), column]
    return JsonRows(*keyed)


@compiles(JsonRows, 'sqlite')
def _json_rows_on_sqlite(element: JsonRows, compiler: SQLCompiler, **kw: Any) -> str:
    return f'json_group_array(json_object({compiler.process(element.clauses, **kw)}))'


@compiles(JsonRows, 'postgresql')
def _json_rows_on_postgresql(element: JsonRows, compiler: SQLCompiler, **kw: Any) -> str:
    return f'json_agg(json_build_object({compiler.process(element.clauses, **kw)}))'


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}
