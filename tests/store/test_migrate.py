"""Schema migrations: an empty file is brought to head; a current file is left alone."""

from __future__ import annotations

from sqlalchemy import inspect, select

from gridwalker.store.engine import make_engine
from gridwalker.store.migrate import current_revision, head_revision, open_database, upgrade
from gridwalker.store.tables import SYNCED_TABLES, Device


def test_migration_from_an_empty_file(tmp_path) -> None:
    path = tmp_path / "new.db"
    path.touch()
    engine = open_database(path)
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        tables = set(inspect(conn).get_table_names())
        assert set(SYNCED_TABLES) <= tables
        assert {"audit", "device", "draft", "search_doc", "search_fts"} <= tables
        assert conn.execute(select(Device.change_counter)).scalar_one() == 0
    engine.dispose()


def test_reopening_a_current_database_runs_no_migration(tmp_path) -> None:
    engine = open_database(tmp_path / "a.db")
    device = engine.connect().execute(select(Device.device_id)).scalar_one()
    engine.dispose()
    again = make_engine(tmp_path / "a.db")
    assert upgrade(again) is False
    again.dispose()
    engine = open_database(tmp_path / "a.db")
    with engine.connect() as conn:
        assert conn.execute(select(Device.device_id)).scalar_one() == device
    engine.dispose()


def test_engine_sets_the_pragmas(tmp_path) -> None:
    engine = make_engine(tmp_path / "p.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()
