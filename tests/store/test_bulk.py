"""The bulk insert path stores exactly what SQLAlchemy's own executemany stores."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from gridwalker.store import bulk as bulk_module
from gridwalker.store.bulk import insert_rows
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import SYNCED_TABLES
from gridwalker.store.tables.hub import HubRev
from tests.support import postgres


def _raw(engine, table: str) -> list[tuple]:  # noqa: ANN001 - an Engine
    """Every row as the database holds it (text, integers), without SQLAlchemy's types."""
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2")).all()  # noqa: S608


@pytest.mark.parametrize("entity", sorted(SYNCED_TABLES))
def test_every_synced_table_matches_sqlalchemy(demo_engine, tmp_path: Path, entity: str) -> None:
    table = SYNCED_TABLES[entity].__table__
    with demo_engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(table)).mappings()]
    assert rows, f"the demo has no {entity} rows"
    core, bulk = open_database(tmp_path / "core.db"), open_database(tmp_path / "bulk.db")
    with core.begin() as conn:
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        conn.execute(insert(table), rows)
    with bulk.begin() as conn:
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        insert_rows(conn, table, rows)
    assert _raw(bulk, entity) == _raw(core, entity)
    core.dispose()
    bulk.dispose()


def test_versions_with_json_offsets_and_nulls_match(tmp_path: Path) -> None:
    table = HubRev.__table__
    shanghai = timezone(timedelta(hours=8))
    rows = [
        {
            "entity": "visit",
            "uuid": f"u{i}",
            "rev": f"1-{i:024x}",
            "base_rev": None if i % 2 else f"1-{i + 1:024x}",
            "origin": None,
            "deleted": bool(i % 3 == 0),
            "data": {"名字": "张三", "list": [1, 2.5, None, True], "n": i},
            "updated_at": datetime(
                2026, 11, 20, 8, 0, i, 1234 * i, tzinfo=shanghai if i % 2 else UTC
            ),
            "updated_by": "王芳",
            "device_id": None,
            "head": False,
        }
        for i in range(20)
    ]
    core, bulk = open_database(tmp_path / "core.db"), open_database(tmp_path / "bulk.db")
    with core.begin() as conn:
        conn.execute(insert(table), rows)
    with bulk.begin() as conn:
        insert_rows(conn, table, rows)
    assert _raw(bulk, "hub_rev") == _raw(core, "hub_rev")
    with bulk.connect() as conn:
        back = conn.execute(select(table).where(table.c.uuid == "u3")).mappings().one()
    assert back["updated_at"] == rows[3]["updated_at"]
    assert back["data"] == rows[3]["data"]


def test_a_naive_date_time_is_refused(tmp_path: Path) -> None:
    engine = open_database(tmp_path / "bulk.db")
    row = {
        "entity": "visit",
        "uuid": "u",
        "rev": "1-" + "0" * 24,
        "base_rev": None,
        "origin": None,
        "deleted": False,
        "data": {},
        "updated_at": datetime(2026, 11, 20, 8, 0),
        "updated_by": "x",
        "device_id": None,
        "head": False,
    }
    with pytest.raises(ValueError, match="UTC offset"), engine.begin() as conn:
        insert_rows(conn, HubRev.__table__, [row])
    assert _raw(engine, "hub_rev") == []
    engine.dispose()


def test_a_value_that_is_not_a_boolean_is_refused_as_core_refuses_it(tmp_path: Path) -> None:
    engine = open_database(tmp_path / "bulk.db")
    row = {
        "entity": "visit",
        "uuid": "u",
        "rev": "1-" + "0" * 24,
        "base_rev": None,
        "origin": None,
        "deleted": "false",
        "data": {},
        "updated_at": datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
        "updated_by": "x",
        "device_id": None,
        "head": False,
    }
    with pytest.raises(TypeError, match="Not a boolean"), engine.begin() as conn:
        insert_rows(conn, HubRev.__table__, [row])
    with pytest.raises(StatementError, match="Not a boolean"), engine.begin() as conn:
        conn.execute(insert(HubRev.__table__), [row])
    assert _raw(engine, "hub_rev") == []
    engine.dispose()


@pytest.fixture
def two_pg_databases() -> Iterator[tuple[Engine, Engine]]:
    """Two fresh migrated PostgreSQL databases: one for Core's path, one for COPY."""
    urls = [postgres.new_database(), postgres.new_database()]
    engines = [open_database(url) for url in urls]
    yield engines[0], engines[1]
    for engine, url in zip(engines, urls, strict=True):
        engine.dispose()
        postgres.drop_database(url)


def _pg_raw(engine: Engine, table: str) -> list[tuple]:
    """Every row as PostgreSQL holds it, as text (JSONB as the server prints it)."""
    with engine.connect() as conn:
        return conn.execute(
            text(f"SELECT t::text FROM {table} AS t ORDER BY 1")  # noqa: S608
        ).all()


def test_copy_stores_what_core_stores_on_postgresql(
    demo_engine, two_pg_databases: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    core, bulk = two_pg_databases
    monkeypatch.setattr(bulk_module, "COPY_FROM", 1)  # every table by COPY, the one-row ones too
    tables = []
    with demo_engine.connect() as conn:
        for model in SYNCED_TABLES.values():  # parents before children (foreign keys)
            table = model.__table__
            tables.append((table, [dict(r) for r in conn.execute(select(table)).mappings()]))
    statements = []

    @event.listens_for(bulk, "before_cursor_execute")
    def _log(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    with core.begin() as conn:
        for table, rows in tables:
            if rows:
                conn.execute(insert(table), rows)
    with bulk.begin() as conn:
        for table, rows in tables:
            insert_rows(conn, table, rows)
    # Nothing through SQLAlchemy's statements: the rows went by COPY on the raw connection.
    assert not [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    for table, _rows in tables:
        assert _pg_raw(bulk, table.name) == _pg_raw(core, table.name), table.name


def test_copy_of_versions_with_json_offsets_and_nulls_matches_core(
    two_pg_databases: tuple[Engine, Engine],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bulk_module, "COPY_FROM", 1)  # by COPY, however few
    core, bulk = two_pg_databases
    shanghai = timezone(timedelta(hours=8))
    rows = [
        {
            "entity": "visit",
            "uuid": f"u{i}",
            "rev": f"1-{i:024x}",
            "base_rev": None if i % 2 else f"1-{i + 1:024x}",
            "origin": None,
            "deleted": bool(i % 3 == 0),
            "data": {"名字": "张三\t\\N", "list": [1, 2.5, None, True], "n": i, "q": "a\nb"},
            "updated_at": datetime(
                2026, 11, 20, 8, 0, i, 1234 * i, tzinfo=shanghai if i % 2 else UTC
            ),
            "updated_by": "王芳\\",
            "device_id": None,
            "head": False,
        }
        for i in range(20)
    ]
    with core.begin() as conn:
        conn.execute(insert(HubRev.__table__), rows)
    with bulk.begin() as conn:
        insert_rows(conn, HubRev.__table__, rows)
    assert _pg_raw(bulk, "hub_rev") == _pg_raw(core, "hub_rev")
    with bulk.connect() as conn:
        back = conn.execute(select(HubRev.__table__).where(HubRev.uuid == "u3")).mappings().one()
    assert back["updated_at"] == rows[3]["updated_at"]
    assert back["data"] == rows[3]["data"] and back["updated_by"] == "王芳\\"


def test_copy_of_a_row_already_there_fails_and_writes_nothing(
    two_pg_databases: tuple[Engine, Engine],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bulk_module, "COPY_FROM", 1)  # by COPY, however few
    _core, bulk = two_pg_databases
    row = {
        "entity": "visit",
        "uuid": "u",
        "rev": "1-" + "0" * 24,
        "base_rev": None,
        "origin": None,
        "deleted": False,
        "data": {},
        "updated_at": datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
        "updated_by": "x",
        "device_id": None,
        "head": False,
    }
    with bulk.begin() as conn:
        insert_rows(conn, HubRev.__table__, [row])
    other = {**row, "uuid": "v"}
    with pytest.raises(IntegrityError), bulk.begin() as conn:
        insert_rows(conn, HubRev.__table__, [other, row])  # never skipped as if applied
    rows = _pg_raw(bulk, "hub_rev")
    assert len(rows) == 1 and rows[0][0].startswith("(visit,u,")
    with pytest.raises(ValueError, match="every row needs a value for rev"), bulk.begin() as conn:
        insert_rows(conn, HubRev.__table__, [{k: v for k, v in row.items() if k != "rev"}])


def test_a_few_rows_go_by_one_insert_and_many_by_copy(
    two_pg_databases: tuple[Engine, Engine],
) -> None:
    _core, engine = two_pg_databases
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _log(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    def rows(prefix: str, n: int) -> list[dict]:
        return [
            {
                "entity": "visit",
                "uuid": f"{prefix}{i}",
                "rev": "1-" + "0" * 24,
                "base_rev": None,
                "origin": None,
                "deleted": False,
                "data": {"i": i},
                "updated_at": datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
                "updated_by": "x",
                "device_id": None,
                "head": False,
            }
            for i in range(n)
        ]

    with engine.begin() as conn:
        insert_rows(conn, HubRev.__table__, rows("few", bulk_module.COPY_FROM - 1))
    assert [s for s in statements if s.startswith("INSERT INTO hub_rev")]
    statements.clear()
    with engine.begin() as conn:
        insert_rows(conn, HubRev.__table__, rows("many", bulk_module.COPY_FROM))
    assert not [s for s in statements if s.startswith("INSERT")]
    assert len(_pg_raw(engine, "hub_rev")) == 2 * bulk_module.COPY_FROM - 1


def test_under_row_level_security_the_rows_go_through_the_policies(
    two_pg_databases: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL refuses COPY FROM into a table whose policies apply to the session (a
    street's role): the rows then go by a staging table and an INSERT the policies check."""
    monkeypatch.setattr(bulk_module, "COPY_FROM", 1)
    _core, engine = two_pg_databases
    role = f"gw_bulk_rls_{os.getpid()}"
    with engine.begin() as conn:  # a role that only visit versions may be written by
        conn.execute(text(f"CREATE ROLE {role} NOLOGIN"))
        conn.execute(text(f"GRANT SELECT, INSERT ON hub_rev TO {role}"))
        # The hub's own policy on hub_rev (store.rls) reads the record tables, and passes no
        # row for a role without a hub_user row: this test's policy is the one that admits.
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
        conn.execute(text("ALTER TABLE hub_rev ENABLE ROW LEVEL SECURITY"))
        conn.execute(
            text(
                f"CREATE POLICY visits_only ON hub_rev TO {role} "
                "USING (true) WITH CHECK (entity = 'visit')"
            )
        )

    def row(entity: str, uuid: str) -> dict:
        return {
            "entity": entity,
            "uuid": uuid,
            "rev": "1-" + "0" * 24,
            "base_rev": None,
            "origin": None,
            "deleted": False,
            "data": {"n": 1},
            "updated_at": datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
            "updated_by": "x",
            "device_id": None,
            "head": False,
        }

    try:
        with engine.begin() as conn:  # plain COPY is refused to this role …
            conn.execute(text(f"SET LOCAL ROLE {role}"))
            cursor = conn.connection.driver_connection.cursor()
            with pytest.raises(Exception, match="row-level security"):
                with cursor.copy("COPY hub_rev (entity) FROM STDIN") as copy:
                    copy.write_row(("visit",))
        with engine.begin() as conn:  # … so insert_rows goes by the staging table
            conn.execute(text(f"SET LOCAL ROLE {role}"))
            insert_rows(conn, HubRev.__table__, [row("visit", "a"), row("visit", "b")])
        with pytest.raises(DBAPIError, match="row-level security"), engine.begin() as conn:
            conn.execute(text(f"SET LOCAL ROLE {role}"))
            insert_rows(conn, HubRev.__table__, [row("visit", "c"), row("household", "d")])
        assert [r[0][:9] for r in _pg_raw(engine, "hub_rev")] == ["(visit,a,", "(visit,b,"]
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
