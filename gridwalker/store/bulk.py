"""Bulk inserts for the import paths: rows go to the driver as tuples, made once per column.

SQLAlchemy Core's executemany spends most of a big import in its per-row, per-value
machinery (parameter dicts, type decorators), more than SQLite spends writing the rows. Here
SQLAlchemy still compiles the statement for the connection's dialect and supplies every
column's bind processor, but the rows go to the driver as tuples: the processor of each
column is looked up once per statement, and the two that cost most per value (aware
date-times, JSON) are replaced on SQLite by direct equivalents that store the same text
(tests/store/test_bulk.py checks that against SQLAlchemy's own path for every table).

PostgreSQL (psycopg 3) loads by COPY (`copy_rows`; through a staging table and one
INSERT … SELECT where row-level security applies): psycopg's executemany of an INSERT goes
through insertmanyvalues, a few times slower, and COPY has no parameter limit to stay under.
The columns are the rows' own keys, whatever the table holds: a new column flows through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlmodel.sql.sqltypes import UTCDateTime

from gridwalker.store.engine import json_text

# From this many rows on, PostgreSQL inserts go by COPY (a COPY costs more round trips than
# one INSERT, which a handful of rows does not repay).
COPY_FROM = 100
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
    if dialect.name == "postgresql" and isinstance(kind, JSON):
        # COPY's text format: the document as JSON text, which the server reads into JSONB
        # (None as JSON null, as Core stores it without none_as_null).
        serialize = getattr(dialect, "_json_serializer", None) or json_text
        if kind.none_as_null:
            return lambda value: None if value is None else serialize(value)
        return serialize
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
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        if len(rows) >= COPY_FROM:
            copy_rows(conn, table, rows)
        else:  # a form's row or a few: one INSERT is fewer round trips than a COPY
            conn.execute(insert(table), list(rows))
        return
    if conn.dialect.name != "sqlite" or conn.dialect.paramstyle != "qmark":
        conn.execute(insert(table), list(rows))
        return
    sql, make = _plan(table, tuple(rows[0]), conn.dialect)
    conn.exec_driver_sql(sql, list(map(make, rows)))


# Below this many rows an index kept in place costs less than dropping and building it again.
DEFER_INDEXES_FROM = 2000


def _droppable_indexes(conn: Connection, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of a SQLite table's plain secondary indexes.

    Not the primary key's or a UNIQUE constraint's automatic index (no SQL of their own), and
    not a unique index: a duplicate must fail on the row that makes it, as without deferral.
    """
    unique = {row[1] for row in conn.exec_driver_sql(f'PRAGMA index_list("{table}")') if row[2]}
    return [
        (name, sql)
        for name, sql in conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL ORDER BY name",
            (table,),
        )
        if name not in unique
    ]


@contextmanager
def indexes_after_load(conn: Connection, table: Table, rows: int) -> Iterator[None]:
    """Load an empty table's rows first and build its secondary indexes afterwards (SQLite).

    Inserting under random uuids updates every index at a random page per row; building an
    index once over the loaded rows is a sort. Worth it for a first full import of a big
    bundle (`rows` at least DEFER_INDEXES_FROM) into a table that is empty: the caller says
    so. Inside the caller's transaction: the indexes are dropped and made again in it, so a
    failure rolls both back and readers never see the table without them. PostgreSQL loads
    through COPY (store/bulk.copy_rows) and keeps its indexes: dropping one there would lock
    the table against the desk's readers until the commit.
    """
    if conn.dialect.name != "sqlite" or rows < DEFER_INDEXES_FROM:
        yield
        return
    # Python's sqlite3 opens a transaction only before a row is written: DDL before that
    # would run in autocommit and survive a rollback. Open it here, as the caller's.
    if not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")
    dropped = _droppable_indexes(conn, table.name)
    for name, _sql in dropped:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _name, sql in dropped:
        conn.exec_driver_sql(sql)


def _copy_plan(table: Table, names: tuple[str, ...], dialect: Dialect) -> tuple[str, RowMaker]:
    """The quoted column list of a COPY of `names` into `table`, and its row maker."""
    key = (dialect.name + "+copy", table, names)
    if key not in _PLANS:
        unknown = sorted(set(names) - set(table.c.keys()))
        if unknown:
            raise ValueError(f"{table.name}: no column {', '.join(unknown)}")
        required = {
            c.name
            for c in table.columns
            if not c.nullable
            and c.default is None
            and c.server_default is None
            and c is not table.autoincrement_column  # the server numbers it (SERIAL/IDENTITY)
        }
        missing = sorted(required - set(names))
        if missing:
            raise ValueError(f"{table.name}: every row needs a value for {', '.join(missing)}")
        quote = dialect.identifier_preparer.quote
        _PLANS[key] = (", ".join(map(quote, names)), _row_maker(table, names, dialect))
    return _PLANS[key]


def copy_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows on PostgreSQL by COPY, in the caller's transaction on its connection.

    Straight into the table when no row-level security applies to this session: COPY checks
    every constraint and fires every trigger as INSERT does. Where row-level security does
    apply (a street's role; FORCE on the owner), PostgreSQL refuses COPY FROM, so the rows
    go by COPY into a temporary staging table and one INSERT … SELECT, which the policies
    check. No ON CONFLICT: these are rows the apply decided are new (under the device's
    lock); a row another import inserted meanwhile fails this bundle (refused whole, nothing
    written), as before; it is never skipped while counted as applied.
    """
    if not rows:
        return
    names = tuple(rows[0])
    cols, make = _copy_plan(table, names, conn.dialect)
    quote = conn.dialect.identifier_preparer.quote
    target = quote(table.name)
    raw = conn.connection.driver_connection
    sql = f"COPY {target} ({cols}) FROM STDIN"
    try:
        with raw.cursor() as cursor:
            cursor.execute("SELECT row_security_active(%s::regclass)", (table.name,))
            guarded = cursor.fetchone()[0]
            if guarded:
                stage = quote(f"gw_stage_{table.name}")
                # Only the copied columns, without constraints: the INSERT checks them all.
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "  # noqa: S608
                    f"SELECT {cols} FROM {target} WITH NO DATA"
                )
                sql = f"COPY {stage} ({cols}) FROM STDIN"
            with cursor.copy(sql) as copy:
                write = copy.write_row
                for row in rows:
                    write(make(row))
            if guarded:
                sql = f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {stage}"  # noqa: S608
                cursor.execute(sql)
                cursor.execute(f"DROP TABLE {stage}")
    except conn.dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy's own statements raise them (IntegrityError, OperationalError …),
        # so callers read a lock timeout or a duplicate the same on either path.
        raise DBAPIError.instance(
            sql, None, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
        ) from exc
