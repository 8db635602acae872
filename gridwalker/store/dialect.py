"""The SQL that differs between SQLite and PostgreSQL, in one place (DESIGN.md).

Store code writes SQLAlchemy expressions both engines run; where the engines need different
SQL for the same meaning, the expression is built here and compiled per dialect:

- `json_list_has(column, value)`: a JSON list column holds the value (a resident seen on a
  visit). SQLite walks the list with `json_each`; PostgreSQL asks JSONB containment (`@>`).
- `json_list_has_any(column, values)`: the list holds any of these strings (a care tag).
- `named_lock(engine, name, wait_seconds)`: one holder at a time of a named lock across every
  connection to the database, on other machines too: a PostgreSQL advisory lock. SQLite has
  one writer at a time and a hub whose file sits in its home, so there it takes nothing
  (the hub's import lock file serves, `sync.hub.lock.hub_lock`).
- `upsert_where(conn, table, values, keys, update, where)`: insert a row, or update the one
  with the same key only when `where` holds of it, in one statement (`INSERT … ON CONFLICT
  … DO UPDATE … WHERE`): PostgreSQL locks the row it met, SQLite has one writer. Both
  dialects spell it alike in SQLAlchemy, but each from its own module.
- `db_now(conn)`: the time by the database's clock: the server's on PostgreSQL (desks on
  several machines measure leases by one clock), this machine's on SQLite (the file is here).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Connection, Engine, Table, literal, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import String


def _expression(value: Any) -> ClauseElement:
    """A column (a model's attribute too) or expression as it is; a Python value as a bound string."""
    if hasattr(value, "__clause_element__"):
        return value.__clause_element__()
    return value if isinstance(value, ClauseElement) else literal(value, String)


class json_list_has(ColumnElement[bool]):  # noqa: N801 - read as a SQL function
    """True when the JSON list in `column` holds `value` (a string expression or value)."""

    type = Boolean()
    inherit_cache = True
    # What the statement cache keys on: both parts (a cached statement is reused only when
    # they are the same).
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("value", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: Any, value: Any) -> None:
        self.column = _expression(column)
        self.value = _expression(value)


class json_list_has_any(ColumnElement[bool]):  # noqa: N801 - read as a SQL function
    """True when the JSON list in `column` holds any of the strings `values`."""

    type = Boolean()
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_string_list),
    ]

    def __init__(self, column: Any, values: Iterable[str]) -> None:
        self.column = _expression(column)
        self.values = tuple(sorted(values))  # the domain's fixed tag names, written inline


def _inline(compiler: Any, values: tuple[str, ...]) -> str:
    """Fixed strings as SQL literals (quoted by the dialect), part of the cached statement."""
    return ", ".join(compiler.process(literal(v, String), literal_binds=True) for v in values)


@compiles(json_list_has, "sqlite")
def _has_sqlite(element: json_list_has, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    value = compiler.process(element.value, **kw)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {value})"


@compiles(json_list_has, "postgresql")
def _has_postgresql(element: json_list_has, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    value = compiler.process(element.value, **kw)
    return f"({column} @> jsonb_build_array(CAST({value} AS TEXT)))"


@compiles(json_list_has_any, "sqlite")
def _any_sqlite(element: json_list_has_any, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    values = _inline(compiler, element.values)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value IN ({values}))"


@compiles(json_list_has_any, "postgresql")
def _any_postgresql(element: json_list_has_any, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    values = _inline(compiler, element.values)
    # jsonb_exists_any is the function behind `?|` (the operator would read as a parameter mark).
    return f"jsonb_exists_any({column}, ARRAY[{values}]::text[])"


def lock_key(name: str) -> int:
    """The 64-bit key of a named advisory lock (stable across processes and machines)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def named_lock(engine: Engine, name: str, wait_seconds: float) -> Iterator[None]:
    """Hold the lock `name` for the block, waiting up to `wait_seconds` for another holder.

    PostgreSQL: a session advisory lock on a connection of its own (the server frees it if
    the process dies); a wait beyond the bound fails with lock_not_available (55P03), which
    the caller reads as "busy". Elsewhere: nothing to take.
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    key = lock_key(name)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(
            text("SELECT set_config('lock_timeout', :ms, false)"),
            {"ms": f"{max(1, int(wait_seconds * 1000))}ms"},
        )
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


def upsert_where(
    conn: Connection,
    table: Table,
    values: dict[str, Any],
    keys: Iterable[str],
    update: dict[str, Any],
    where: ColumnElement[bool],
) -> None:
    """Insert `values`, or, when a row with the same `keys` exists and `where` holds of it,
    set its columns as `update` says (values, or expressions of the row's columns);
    otherwise leave that row as it is."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the hub runs on these two
        raise NotImplementedError(f"no upsert for {conn.dialect.name}")
    stmt = insert(table).values(**values)
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=update, where=where))


def db_now(conn: Connection) -> datetime:
    """Now, timezone-aware in UTC, by the database's clock (the server's on PostgreSQL).

    Wall-clock time on purpose, never the app's clock (domain.clock), which tests and the
    demo freeze: a lease measured by a frozen clock would never run out.
    """
    if conn.dialect.name == "postgresql":
        # clock_timestamp(): the time now, not the start of the transaction as now() gives.
        at = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
        return at.astimezone(UTC)
    return datetime.now(UTC)
