"""Gaps in seq wait in the backlog; concurrent edits merge or queue, and nothing is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from gridwalker.store.tables import Household
from gridwalker.store.tables.hub import HubBacklog, HubConflict, HubRev
from gridwalker.store.writes import Writer
from tests.support.hubs import Hub, both_engines, make_hub, snapshot
from tests.support.laptops import Laptop, make_laptop


def _edit(lap: Laptop, uuid: str, **changes: object) -> str:
    with lap.engine.begin() as conn:
        return Writer(lap.engine and conn, "李晓梅").update("household", uuid, changes)


def _first_household(lap: Laptop) -> str:
    with lap.engine.connect() as conn:
        return conn.execute(select(Household.uuid).order_by(Household.uuid).limit(1)).scalar_one()


def test_gap_is_held_then_applied(laptop: Laptop, hub: Hub) -> None:
    uuid = _first_household(laptop)
    one = laptop.export().path
    _edit(laptop, uuid, phone="13900000001")
    two = laptop.export().path
    _edit(laptop, uuid, phone="13900000002")
    three = laptop.export().path
    assert hub.one(one).status == "applied"
    held = hub.one(three)
    assert held.status == "held" and held.seq == 3
    with hub.engine.connect() as conn:
        assert conn.execute(select(HubBacklog.seq)).scalars().all() == [3]
        assert (
            conn.execute(select(Household.phone).where(Household.uuid == uuid)).scalar_one()
            != "13900000002"
        )
    assert hub.one(three).status == "held"  # a repeat of a held bundle is a no-op too
    outcomes = hub.import_(two)
    assert [(o.seq, o.status) for o in outcomes] == [(2, "applied"), (3, "applied")]
    assert outcomes[1].from_backlog
    with hub.engine.connect() as conn:
        assert conn.execute(select(HubBacklog)).all() == []
        assert (
            conn.execute(select(Household.phone).where(Household.uuid == uuid)).scalar_one()
            == "13900000002"
        )
    before = snapshot(hub.engine)
    for path in (one, two):
        assert hub.one(path).status == "already"
    assert snapshot(hub.engine) == before


def test_a_held_bundle_left_by_an_interrupted_run_applies_on_the_next_import(
    laptop: Laptop, hub: Hub
) -> None:
    """A run cut short after applying seq 2 but before draining the backlog."""
    from gridwalker.sync.hub.intake import import_file
    from gridwalker.sync.keys import load_hub_identity

    uuid = _first_household(laptop)
    one = laptop.export().path
    _edit(laptop, uuid, phone="13900000001")
    two = laptop.export().path
    _edit(laptop, uuid, phone="13900000002")
    three = laptop.export().path
    assert hub.one(one).status == "applied"
    assert hub.one(three).status == "held"
    identity, recipient = load_hub_identity(hub.home)
    assert import_file(hub.engine, hub.home, two, [identity], recipient).status == "applied"
    outcomes = hub.import_(one, two, three)  # the operator runs the import again
    assert (3, "applied") in [(o.seq, o.status) for o in outcomes]  # drained after seq 1
    with hub.engine.connect() as conn:
        assert conn.execute(select(HubBacklog)).all() == []
        phone = conn.execute(select(Household.phone).where(Household.uuid == uuid)).scalar_one()
        assert phone == "13900000002"


def test_several_local_edits_between_bundles_are_no_conflict(laptop: Laptop, hub: Hub) -> None:
    uuid = _first_household(laptop)
    assert hub.one(laptop.export().path).status == "applied"
    _edit(laptop, uuid, phone="13900000001")
    _edit(laptop, uuid, phone="13900000002")
    outcome = hub.one(laptop.export().path)
    assert outcome.applied == 1 and outcome.conflicts == 0
    with hub.engine.connect() as conn:
        assert conn.execute(select(HubConflict)).all() == []


@pytest.fixture
def two_laptops(tmp_path: Path, small_street: Path, hub: Hub) -> tuple[Laptop, Laptop]:
    """Two laptops of the same street (the same place uuids), each with its own device id."""
    a = make_laptop(tmp_path / "a", small_street, "lap-a", hub)
    b = make_laptop(tmp_path / "b", small_street, "lap-b", hub)
    hub.enroll(a, "李晓梅")
    hub.enroll(b, "王建国")
    yield a, b
    a.engine.dispose()
    b.engine.dispose()


def _conflict_bundles(a: Laptop, b: Laptop, uuid: str) -> list[Path]:
    paths = [a.export().path, b.export().path]  # the shared street, as both laptops have it
    _edit(a, uuid, phone="13800000001")  # different fields: merge
    _edit(b, uuid, head_name="王小二")
    paths += [a.export().path, b.export().path]
    _edit(a, uuid, room="901")  # the same field: the conflict queue
    _edit(b, uuid, room="902")
    paths += [a.export().path, b.export().path]
    return paths


def test_concurrent_edits_merge_or_queue(
    tmp_path: Path, two_laptops: tuple[Laptop, Laptop], hub: Hub
) -> None:
    a, b = two_laptops
    uuid = _first_household(a)
    paths = _conflict_bundles(a, b, uuid)
    for path in paths:
        assert hub.one(path).status == "applied"
    with hub.engine.connect() as conn:
        row = conn.execute(select(Household).where(Household.uuid == uuid)).one()
        conflicts = conn.execute(select(HubConflict)).all()
        versions = set(conn.execute(select(HubRev.rev).where(HubRev.uuid == uuid)).scalars())
    assert row.phone == "13800000001" and row.head_name == "王小二"  # both edits kept
    assert row.room in ("901", "902")
    assert [(c.entity, c.uuid, c.field, c.status) for c in conflicts] == [
        ("household", uuid, "room", "open")
    ]
    assert {c["value"] for c in conflicts[0].candidates} == {"901", "902"}
    for lap in (a, b):  # nothing lost: every laptop's version is on the hub
        with lap.engine.connect() as conn:
            assert (
                conn.execute(select(Household.rev).where(Household.uuid == uuid)).scalar_one()
                in versions
            )

    # The same outcome in another order.
    other = make_hub(tmp_path / "hub-reversed")
    other.enroll(a)
    other.enroll(b)
    from gridwalker.sync.keys import trust_hub  # noqa: F401 - bundles of `hub` are re-read below

    for path in [paths[1], paths[3], paths[5], paths[0], paths[2], paths[4]]:
        outcome = import_with_identity(other, path, hub)
        assert outcome in ("applied", "already"), outcome
    assert _live(other) == _live(hub)


def _live(h: Hub) -> dict:
    snap = snapshot(h.engine)
    return {k: v for k, v in snap.items() if k not in ("hub_ledger",)}


def import_with_identity(target: Hub, path: Path, source: Hub) -> str:
    """Import a bundle encrypted to `source` into `target` (a copy of the hub with its key)."""
    from gridwalker.sync.hub.intake import import_file
    from gridwalker.sync.keys import load_hub_identity

    identity, recipient = load_hub_identity(source.home)
    return import_file(target.engine, target.home, path, [identity], recipient).status


@both_engines
def test_a_row_the_import_updates_or_merges_is_written_with_its_places_street(
    two_laptops: tuple[Laptop, Laptop], hub: Hub
) -> None:
    """The import writes each row with the street of its place: a fast-forward update and a
    merge each give the row its street again (here after it was cleared at the hub)."""
    a, b = two_laptops
    uuid = _first_household(a)
    paths = _conflict_bundles(a, b, uuid)
    for path in paths[:2]:
        assert hub.one(path).status == "applied"
    with hub.engine.connect() as conn:
        street = conn.execute(select(Household.street_uuid).where(Household.uuid == uuid)).scalar()
    assert street is not None

    def cleared_then_imported(path: Path) -> str | None:
        with hub.engine.begin() as conn:
            conn.execute(update(Household).where(Household.uuid == uuid).values(street_uuid=None))
        assert hub.one(path).status == "applied"
        with hub.engine.connect() as conn:
            return conn.execute(
                select(Household.street_uuid).where(Household.uuid == uuid)
            ).scalar()

    assert cleared_then_imported(paths[2]) == street  # a's edit: a fast-forward update
    assert cleared_then_imported(paths[3]) == street  # b's edit beside it: merged
    with hub.engine.connect() as conn:
        versions = conn.execute(
            select(HubRev.head).where(HubRev.entity == "household", HubRev.uuid == uuid)
        ).scalars()
        assert any(versions)  # the merge path it was meant to take
