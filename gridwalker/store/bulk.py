"""Bulk inserts for the import paths, with the values made ready for the driver once per column.

SQLAlchemy Core's executemany spends most of a big import in its per-row, per-value
machinery (parameter dicts, type decorators), more than SQLite spends writing the rows. Here
SQLAlchemy still compiles the statement for the connection's dialect and supplies every
column's bind processor, but the rows go to the driver as tuples: the processor of each
column is looked up once per statement, and the two that cost most per value (aware
date-times, JSON) are replaced on SQLite by direct equivalents that store the same text
(tests/store/test_bulk.py checks that against SQLAlchemy's own path for every table).
Other dialects take the plain Core path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Table, insert
from sqlalchemy.engine import Dialect
from sqlmodel.sql.sqltypes import UTCDateTime

from gridwalker.store.engine import json_text

Convert = Callable[[Any], Any] | None
RowMaker = Callable[[dict[str, Any]], tuple[Any, ...]]
_PLANS: dict[tuple[str, Table, tuple[str, ...]], tuple[str, RowMaker]] = {}


def _utc_text(value: datetime | None) -> str | None:
    """SQLite's DATETIME text of an aware date-time in UTC (as UTCDateTime + DATETIME store it)."""
    if value is None:
        return None
    if value.tzinfo is not UTC:  # records and the clock give UTC: no conversion then
        if value.tzinfo is None:
            raise ValueError("date-times must carry their UTC offset")
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:-6]  # without "+00:00"


_BOOLS = frozenset((None, True, False))


def _strict_bool(value: Any) -> Any:
    """Booleans as they are (the driver stores 1/0), anything else refused as Core does."""
    if value not in _BOOLS:
        raise TypeError(f"Not a boolean value: {value!r}")
    return value


def _converter(column: Any, dialect: Dialect) -> Convert:
    kind = column.type
    if dialect.name == "sqlite":
        if isinstance(kind, UTCDateTime):
            return _utc_text
        if isinstance(kind, Boolean):
            return _strict_bool
        if isinstance(kind, JSON) and not kind.none_as_null:
            # Python None is stored as JSON null, as Core does without none_as_null.
            return getattr(dialect, "_json_serializer", None) or json_text
    return kind._cached_bind_processor(dialect)  # noqa: SLF001 - SQLAlchemy's own processor


def _plan(table: Table, names: tuple[str, ...], dialect: Dialect) -> tuple[str, RowMaker]:
    key = (dialect.name, table, names)
    if key not in _PLANS:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(names))
        order = tuple(compiled.positiontup or ())
        if sorted(order) != sorted(names):
            missing = sorted(set(order) - set(names))
            raise ValueError(f"{table.name}: every row needs a value for {', '.join(missing)}")
        _PLANS[key] = (str(compiled), _row_maker(table, order, dialect))
    return _PLANS[key]


def _row_maker(table: Table, order: tuple[str, ...], dialect: Dialect) -> RowMaker:
    """A function from a row dict to the driver's parameters (C-speed look-ups, few conversions)."""
    converters = [(i, _converter(table.c[name], dialect)) for i, name in enumerate(order)]
    converted = [(i, convert) for i, convert in converters if convert is not None]
    get = itemgetter(*order)
    if len(order) == 1:
        one = converters[0][1] or (lambda value: value)
        return lambda row: (one(get(row)),)
    if not converted:
        return get

    def make(row: dict[str, Any]) -> tuple[Any, ...]:
        values = list(get(row))
        for i, convert in converted:
            values[i] = convert(values[i])
        return tuple(values)

    return make


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (dicts with the same keys, Python values) in one executemany."""
    if not rows:
        return
    if conn.dialect.name != "sqlite" or conn.dialect.paramstyle != "qmark":
        conn.execute(insert(table), list(rows))
        return
    sql, make = _plan(table, tuple(rows[0]), conn.dialect)
    conn.exec_driver_sql(sql, list(map(make, rows)))
