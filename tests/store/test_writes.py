"""The write path: change counter, revs, tombstones and the audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from gridwalker.store.migrate import open_database
from gridwalker.store.revs import generation, next_rev
from gridwalker.store.tables import Audit, Device, Household, Resident, Street
from gridwalker.store.writes import WriteError, Writer
from tests.support.hubs import Hub, both_engines


@pytest.fixture
def engine(tmp_path):
    engine = open_database(tmp_path / "w.db")
    yield engine
    engine.dispose()


def counter(conn) -> int:
    return conn.execute(select(Device.change_counter)).scalar_one()


def make_street(conn) -> str:
    return Writer(conn, "tester").insert("street", {"name": "新华街", "area_code": "420103"})


def test_insert_stamps_sync_columns(engine) -> None:
    with engine.begin() as conn:
        uuid = make_street(conn)
        row = conn.execute(select(Street).where(Street.uuid == uuid)).mappings().one()
    assert row["change"] == 1
    assert row["rev"].startswith("1-") and row["base_rev"] is None
    assert row["updated_by"] == "tester"
    assert row["deleted"] is False
    assert row["updated_at"].date() == date(2026, 11, 20)


def test_counter_and_rev_advance_on_every_write_not_on_reads(engine) -> None:
    with engine.begin() as conn:
        uuid = make_street(conn)
        before = counter(conn)
        conn.execute(select(Street)).all()  # a read
        assert counter(conn) == before
        w = Writer(conn, "tester")
        rev1 = w.current("street", uuid)["rev"]
        rev2 = w.update("street", uuid, {"name": "新华街道"})
        assert counter(conn) == before + 1
        row = w.current("street", uuid)
        assert row["rev"] == rev2 and row["base_rev"] == rev1 and generation(rev2) == 2
        assert row["change"] == before + 1


def test_update_without_difference_writes_nothing(engine) -> None:
    with engine.begin() as conn:
        uuid = make_street(conn)
        before = counter(conn)
        assert Writer(conn, "t").update("street", uuid, {"name": "新华街"}) is None
        assert counter(conn) == before


def test_same_edit_gives_same_rev_everywhere() -> None:
    data = {"name": "新华街", "area_code": "420103"}
    assert next_rev(None, data) == next_rev(None, dict(reversed(list(data.items()))))
    assert next_rev(None, data) != next_rev(None, {**data, "name": "x"})
    assert next_rev("1-a", data) != next_rev("1-b", data)
    assert next_rev("1-a", data, deleted=True) != next_rev("1-a", data)


def test_delete_is_a_tombstone(engine) -> None:
    with engine.begin() as conn:
        uuid = make_street(conn)
        w = Writer(conn, "t")
        rev = w.delete("street", uuid)
        row = conn.execute(select(Street).where(Street.uuid == uuid)).mappings().one()
        assert row["deleted"] is True and row["rev"] == rev and generation(rev) == 2
        with pytest.raises(WriteError, match="was deleted"):
            w.update("street", uuid, {"name": "x"})


def test_unknown_fields_and_rows_are_refused(engine) -> None:
    with engine.begin() as conn:
        w = Writer(conn, "t")
        with pytest.raises(WriteError, match="unknown field"):
            w.insert("street", {"name": "x", "area_code": "1", "colour": "red"})
        with pytest.raises(WriteError, match="does not exist"):
            w.update("street", "no-such-uuid", {"name": "x"})
    with engine.connect() as conn:
        assert counter(conn) == 0


def test_audit_trail_records_who_and_which_fields(engine) -> None:
    with engine.begin() as conn:
        uuid = make_street(conn)
        Writer(conn, "网格员甲").update("street", uuid, {"area_code": "420104"})
        rows = conn.execute(select(Audit).order_by(Audit.id)).mappings().all()
    assert [(r["op"], r["actor"], r["fields"]) for r in rows] == [
        ("insert", "tester", ["area_code", "name"]),
        ("update", "网格员甲", ["area_code"]),
    ]


@both_engines
def test_audit_trail_is_append_only(hub: Hub) -> None:
    engine = hub.engine
    with engine.begin() as conn:
        make_street(conn)
    with engine.begin() as conn, pytest.raises(DatabaseError, match="append-only"):
        conn.execute(text("UPDATE audit SET actor = 'someone else'"))
    with engine.begin() as conn, pytest.raises(DatabaseError, match="append-only"):
        conn.execute(text("DELETE FROM audit"))


def test_a_failed_transaction_leaves_counter_and_rows_as_they_were(engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        make_street(conn)
        raise RuntimeError("power cut")
    with engine.connect() as conn:
        assert counter(conn) == 0
        assert conn.execute(select(Street)).first() is None


def test_bulk_insert_gives_each_row_its_own_change(demo_engine) -> None:
    with demo_engine.connect() as conn:
        changes = conn.execute(select(Resident.change)).scalars().all()
        assert len(changes) == len(set(changes))
        top = conn.execute(select(Device.change_counter)).scalar_one()
        assert max(changes) <= top


def test_household_update_reindexes_search(demo_engine) -> None:
    from gridwalker.store import search

    with demo_engine.begin() as conn:
        hh = conn.execute(select(Household.uuid).limit(1)).scalar_one()
        Writer(conn, "t").update("household", hh, {"head_name": "欧阳娜娜"})
        hits = search.search(conn, "欧阳娜娜")
    assert any(h.uuid == hh for h in hits)


def test_values_the_hub_would_refuse_are_never_written(engine) -> None:
    """The write path applies the intake's rules (domain.fields): no poison for a bundle."""
    with engine.begin() as conn:
        street = make_street(conn)
        before = counter(conn)
        w = Writer(conn, "t")
        with pytest.raises(WriteError, match="longer than 200 characters"):
            w.insert("street", {"name": "新" * 201, "area_code": "420103"})
        with pytest.raises(WriteError, match="longer than 200 characters"):
            w.update("street", street, {"name": "x" * 10_000})
        assert counter(conn) == before
        assert conn.execute(select(Street.name)).scalars().all() == ["新华街"]
        # at the limit is fine
        w.update("street", street, {"name": "新" * 200})
        assert counter(conn) == before + 1
