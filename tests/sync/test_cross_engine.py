"""The same bundles give the same hub on SQLite and on PostgreSQL (#15): every table's content
compared, after imports, a conflict, a held and a refused bundle, arrivals and decisions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import SQLModel

from gridwalker.store.desk.decisions import approve, return_item
from gridwalker.store.tables import Household
from gridwalker.sync.hub.enrol import enroll
from tests.support import postgres
from tests.support.demo import MEMBER, SUPERVISOR
from tests.support.hubs import Desk, make_desk, make_twin_desk
from tests.support.laptops import make_field, make_laptop, visit_uuids

# Columns that name where a home is on disk: the two hubs live in two folders.
HOME_COLUMNS = {("hub_ledger", "path"), ("hub_backlog", "path"), ("hub_quarantine", "path")}


@pytest.fixture
def twins(tmp_path: Path) -> Iterator[tuple[Desk, Desk]]:
    """Two desks with one identity: hub.db on SQLite, a database of its own on PostgreSQL."""
    lite = make_desk(tmp_path / "lite")
    url = postgres.new_database()
    pg = make_twin_desk(lite, tmp_path / "pg", url)
    yield lite, pg
    lite.engine.dispose()
    pg.engine.dispose()
    postgres.drop_database(url)


def _value(value: Any, roots: tuple[str, ...]) -> Any:
    if isinstance(value, datetime):  # the same instant, whichever way the driver gives it
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, dict | list):  # JSONB keeps a document's keys in an order of its own
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, str):
        for root in roots:
            value = value.replace(root, "<home>")
    return value


def contents(engine: Engine, roots: tuple[str, ...]) -> dict[str, list[tuple]]:
    """Every table's rows (home folders written as <home>), sorted, the hub's own device id aside."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            cols = [
                c
                for c in table.columns
                if (table.name, c.name) not in HOME_COLUMNS
                and not (table.name == "device" and c.name == "device_id")
            ]
            rows = conn.execute(select(*cols)).all()
            out[table.name] = sorted(
                (tuple(repr(_value(v, roots)) for v in row) for row in rows), key=str
            )
    return out


def _both(twins: tuple[Desk, Desk], path: Path) -> str:
    """Import one bundle into both hubs; their outcome (the same on both)."""
    lite, pg = twins
    a, b = lite.one(path), pg.one(path)
    assert (a.status, a.applied, a.conflicts) == (b.status, b.applied, b.conflicts), a.summary()
    return a.status


def test_the_same_bundles_make_the_same_hub(
    twins: tuple[Desk, Desk], tmp_path: Path, small_street: Path
) -> None:
    lite, pg = twins
    field_a = make_field(tmp_path / "lap-a", small_street, "lap-a", lite)
    field_b = make_field(tmp_path / "lap-b", small_street, "lap-b", lite)
    stranger = make_laptop(tmp_path / "lap-c", small_street, "lap-c", lite)
    for lap in (field_a, field_b):
        enroll(pg.engine, lap.pub, MEMBER, lap.recipient)
    with field_a.engine.connect() as conn:
        conflicted, held = conn.execute(
            select(Household.uuid).order_by(Household.uuid).limit(2)
        ).scalars()

    assert _both(twins, field_a.export().path) == "applied"
    assert _both(twins, field_b.export().path) == "applied"
    field_a.edit("household", conflicted, phone="13900000001", head_name="甲")
    field_b.edit("household", conflicted, phone="18600000002", head_name="乙")
    assert _both(twins, field_a.export().path) == "applied"
    _both(twins, field_b.export().path)  # a conflict on both
    field_a.edit("household", held, phone="13900000003")
    field_a.export()  # stays on the laptop: the next one waits for it
    field_a.edit("household", held, phone="13900000004")
    assert _both(twins, field_a.export().path) == "held"
    assert _both(twins, stranger.export().path) == "refused"

    first, second, third = visit_uuids(field_a, 3)
    for desk in twins:
        desk.arrivals()
        with desk.engine.begin() as conn:
            approve(conn, [("visit", first), ("visit", second)], SUPERVISOR)
            return_item(conn, "visit", third, "请补充", SUPERVISOR)

    roots = (str(tmp_path / "lite"), str(tmp_path / "pg"))
    left, right = contents(lite.engine, roots), contents(pg.engine, roots)
    assert sum(map(len, left.values())) > 500  # a real hub's worth, not two empty ones
    for name in left:
        assert left[name] == right[name], name
    for lap in (field_a, field_b, stranger):
        lap.engine.dispose()
