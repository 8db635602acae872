"""The hub's bulk import paths (#15): a first full import builds the indexes after the load
(SQLite), PostgreSQL loads through COPY; both store exactly what the row-by-row path stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, select

from gridwalker.store import bulk
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import SYNCED_TABLES
from gridwalker.sync.hub import apply
from tests.support import postgres
from tests.support.hubs import Hub, both_engines, make_hub, snapshot
from tests.support.laptops import make_laptop


def _index_sql(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return sorted(
            conn.exec_driver_sql(
                "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index'"
            ).all()
        )


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _log(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        seen.append(statement)

    return seen


def test_a_first_full_import_builds_the_indexes_after_the_load(
    tmp_path: Path, small_street: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = make_hub(tmp_path / "hub")
    lap = make_laptop(tmp_path / "lap", small_street, "lap-1", hub)
    hub.enroll(lap)
    before = _index_sql(hub.engine)
    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 1)
    statements = _statements(hub.engine)
    bundle = lap.export(full=True).path
    outcome = hub.one(bundle)
    assert outcome.status == "applied", outcome.summary()
    dropped = [s for s in statements if s.startswith("DROP INDEX")]
    assert any('"ix_household_walk"' in s for s in dropped)
    assert not any("uq_census_record_live" in s for s in dropped)  # unique: kept in place
    assert _index_sql(hub.engine) == before  # every index back, with the same definition
    # The same rows as an import that keeps its indexes in place.
    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 10**9)
    other = Hub(hub.home, open_database(tmp_path / "other.db"), hub.recipient)
    other.enroll(lap)
    assert other.one(bundle).status == "applied"
    assert snapshot(other.engine) == snapshot(hub.engine)
    with hub.engine.connect() as conn:  # the planner finds the rebuilt index
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT * FROM household WHERE building_uuid = 'x' AND unit = 1"
        ).all()
    assert "ix_household_walk" in str(plan)
    hub.engine.dispose()
    other.engine.dispose()


def test_a_failed_first_import_leaves_every_index_and_no_row(
    tmp_path: Path, small_street: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub: Hub = make_hub(tmp_path / "hub")
    lap = make_laptop(tmp_path / "lap", small_street, "lap-1", hub)
    hub.enroll(lap)
    before = _index_sql(hub.engine)
    monkeypatch.setattr(bulk, "DEFER_INDEXES_FROM", 1)
    real = apply._apply_batch
    calls = []

    def failing(conn, entity, *args):  # noqa: ANN001, ANN002, ANN202
        calls.append(entity)
        if entity == "resident":  # after household's indexes were dropped and rebuilt
            raise RuntimeError("disk full")
        return real(conn, entity, *args)

    monkeypatch.setattr(apply, "_apply_batch", failing)
    outcome = hub.one(lap.export(full=True).path)
    assert outcome.status == "refused" and outcome.reason == "apply-failed", outcome.summary()
    assert "household" in calls
    assert _index_sql(hub.engine) == before
    with hub.engine.connect() as conn:
        for entity, model in SYNCED_TABLES.items():
            count = conn.execute(select(func.count()).select_from(model)).scalar_one()
            assert count == 0, entity
    hub.engine.dispose()


@both_engines
def test_a_bundle_checked_beside_its_apply_makes_the_same_hub(
    hub: Hub, hub_db: str | None, tmp_path: Path, small_street: Path, monkeypatch
) -> None:
    """A big bundle is applied converted unchecked while another process checks it: the
    hub it makes is the hub the in-line checks make, on either engine."""
    from gridwalker.sync import reading

    lap = make_laptop(tmp_path / "lap", small_street, "lap-1", hub)
    hub.enroll(lap)
    bundle = lap.export(full=True).path
    spawned = []
    real = reading.CheckBeside.__init__

    def counted(self, *args) -> None:  # noqa: ANN001
        spawned.append(args)
        real(self, *args)

    monkeypatch.setattr(reading.CheckBeside, "__init__", counted)
    monkeypatch.setattr(reading, "BESIDE_FROM", 10**9)
    first = hub.one(bundle)
    assert first.status == "applied" and spawned == []
    second = postgres.new_database() if hub_db else tmp_path / "other.db"
    other = Hub(hub.home, open_database(second), hub.recipient)
    other.enroll(lap)
    monkeypatch.setattr(reading, "BESIDE_FROM", 1)
    outcome = other.one(bundle)
    assert outcome.status == "applied" and len(spawned) == 1, outcome.summary()
    assert (outcome.records, outcome.applied) == (first.records, first.applied)
    assert snapshot(other.engine) == snapshot(hub.engine)
    other.engine.dispose()
    if hub_db:
        postgres.drop_database(str(second))
    lap.engine.dispose()
