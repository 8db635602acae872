"""A save never silently overwrites a change made meanwhile (issue #14, point 13).

Every edit carries the rev it started from; when the row moved on since (another window, a
command), the write is refused with StaleWrite and nothing at all is written: not the row,
not the audit trail, not the change counter.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, false, select

from gridwalker.domain.choices import IssueStatus, Role
from gridwalker.domain.workflow import IssueAction
from gridwalker.store import census, rounds
from gridwalker.store import issues as store_issues
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import (
    Audit,
    CensusRecord,
    Device,
    Enterprise,
    Issue,
    IssueEvent,
    Resident,
    Street,
)
from gridwalker.store.writes import StaleWrite, WriteError, Writer

THIS_YEAR = 2026  # the frozen clock's year (tests/conftest.py)
WATCHED = (Street, Resident, Enterprise, CensusRecord, Issue, IssueEvent, Audit, Device)


def digest(conn: Connection) -> str:
    """A digest of every row a save could touch (rows, events, audit, change counter)."""
    h = hashlib.sha256()
    for table in WATCHED:
        cols = table.__table__.c  # type: ignore[attr-defined]
        pk = next(iter(table.__table__.primary_key.columns))  # type: ignore[attr-defined]
        for row in conn.execute(select(cols).order_by(pk)):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def counter(conn: Connection) -> int:
    return conn.execute(select(Device.change_counter)).scalar_one()


def rev_of(conn: Connection, table: Any, uuid: str) -> str:
    return conn.execute(select(table.rev).where(table.uuid == uuid)).scalar_one()


@pytest.fixture
def engine(tmp_path):
    engine = open_database(tmp_path / "w.db")
    yield engine
    engine.dispose()


def make_street(engine: Engine) -> tuple[str, str]:
    with engine.begin() as conn:
        uuid = Writer(conn, "tester").insert("street", {"name": "新华街", "area_code": "420103"})
        return uuid, rev_of(conn, Street, uuid)


# -- the Writer ---------------------------------------------------------------------------------


def test_update_over_a_stale_rev_raises_and_writes_nothing(engine: Engine) -> None:
    uuid, loaded = make_street(engine)
    with engine.begin() as conn:  # the other window's save
        theirs = Writer(conn, "other").update("street", uuid, {"area_code": "420104"})
    with engine.connect() as conn:
        before = digest(conn)
    with pytest.raises(StaleWrite) as caught, engine.begin() as conn:
        Writer(conn, "me").update("street", uuid, {"name": "新华街道"}, expect_rev=loaded)
    err = caught.value
    assert isinstance(err, WriteError)  # callers that know only WriteError still catch it
    assert (err.entity, err.uuid, err.expected, err.rev) == ("street", uuid, loaded, theirs)
    assert err.current["area_code"] == "420104" and err.current["name"] == "新华街"
    assert not err.deleted
    assert "修改" in err.invalid.zh and "changed elsewhere" in err.invalid.en
    with engine.connect() as conn:
        assert digest(conn) == before  # row, audit and change counter as they were


def test_stale_rev_is_refused_even_when_the_change_would_make_no_difference(
    engine: Engine,
) -> None:
    uuid, loaded = make_street(engine)
    with engine.begin() as conn:
        Writer(conn, "other").update("street", uuid, {"name": "新华街道"})
    with engine.connect() as conn:
        before = digest(conn)
    with pytest.raises(StaleWrite), engine.begin() as conn:
        Writer(conn, "me").update("street", uuid, {"name": "新华街道"}, expect_rev=loaded)
    with engine.connect() as conn:
        assert digest(conn) == before


def test_update_over_the_current_rev_is_written(engine: Engine) -> None:
    uuid, loaded = make_street(engine)
    with engine.begin() as conn:
        before = counter(conn)
        rev = Writer(conn, "me").update("street", uuid, {"name": "新华街道"}, expect_rev=loaded)
        assert rev is not None and rev_of(conn, Street, uuid) == rev
        assert counter(conn) == before + 1


def test_delete_over_a_stale_rev_raises_and_writes_nothing(engine: Engine) -> None:
    uuid, loaded = make_street(engine)
    with engine.begin() as conn:
        Writer(conn, "other").update("street", uuid, {"name": "新华街道"})
    with engine.connect() as conn:
        before = digest(conn)
    with pytest.raises(StaleWrite), engine.begin() as conn:
        Writer(conn, "me").delete("street", uuid, expect_rev=loaded)
    with engine.connect() as conn:
        assert digest(conn) == before
        assert conn.execute(select(Street.deleted).where(Street.uuid == uuid)).scalar_one() is False


def test_an_edit_of_a_row_deleted_meanwhile_says_deleted(engine: Engine) -> None:
    uuid, loaded = make_street(engine)
    with engine.begin() as conn:
        Writer(conn, "other").delete("street", uuid)
    with engine.connect() as conn:
        before = digest(conn)
    with pytest.raises(StaleWrite) as caught, engine.begin() as conn:
        Writer(conn, "me").update("street", uuid, {"name": "x"}, expect_rev=loaded)
    assert caught.value.deleted
    assert "删除" in caught.value.invalid.zh and "deleted" in caught.value.invalid.en
    with engine.connect() as conn:
        assert digest(conn) == before


def test_a_write_landing_between_read_and_write_is_not_overwritten(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite reads outside the write transaction: the update itself holds to the rev read."""
    uuid, _loaded = make_street(engine)
    with engine.connect() as conn:
        as_read = Writer(conn, "me").current("street", uuid)
    with engine.begin() as conn:  # the other side writes after our read
        Writer(conn, "other").update("street", uuid, {"name": "其他街"})
    with engine.connect() as conn:
        before = digest(conn)
    monkeypatch.setattr(Writer, "current", lambda self, entity, uuid, expect_rev=None: as_read)
    with pytest.raises(StaleWrite) as caught, engine.begin() as conn:
        Writer(conn, "me").update("street", uuid, {"name": "我的街"})
    assert caught.value.current["name"] == "其他街"
    with engine.connect() as conn:
        assert digest(conn) == before  # the counter reserved for it was rolled back too


# -- residents ------------------------------------------------------------------------------------


def a_resident(conn: Connection) -> rounds.ResidentRow:
    uuid = conn.execute(
        select(Resident.household_uuid)
        .where(Resident.deleted == false(), Resident.moved_out == false())
        .order_by(Resident.uuid)
        .limit(1)
    ).scalar_one()
    return next(r for r in rounds.residents_of(conn, uuid) if not r.moved_out)


def test_residents_carry_their_rev(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        person = a_resident(conn)
        assert person.rev == rev_of(conn, Resident, person.uuid)
        assert rounds.resident_row(conn, person.uuid) == person


def test_update_resident_over_a_stale_rev_refuses(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        person = a_resident(conn)
    with demo_engine.begin() as conn:  # the other window changes the phone
        other = replace(person.as_input(), phone="13900001111")
        rounds.update_resident(conn, "other", person.uuid, other)
    with demo_engine.connect() as conn:
        before = digest(conn)
    mine = replace(person.as_input(), name=person.name + "某")
    with pytest.raises(StaleWrite), demo_engine.begin() as conn:
        rounds.update_resident(conn, "me", person.uuid, mine, expect_rev=person.rev)
    with demo_engine.connect() as conn:
        assert digest(conn) == before
        assert rounds.resident_row(conn, person.uuid).phone == "13900001111"  # type: ignore[union-attr]


def test_update_resident_over_its_rev_is_saved(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        person = a_resident(conn)
    mine = replace(person.as_input(), phone="13900002222")
    with demo_engine.begin() as conn:
        rev = rounds.update_resident(conn, "me", person.uuid, mine, expect_rev=person.rev)
        assert rev == rev_of(conn, Resident, person.uuid)


def test_move_out_over_a_stale_rev_refuses(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        person = a_resident(conn)
    with demo_engine.begin() as conn:  # the other window already moved them out
        rounds.move_out(conn, "other", person.uuid, True)
    with demo_engine.connect() as conn:
        before = digest(conn)
    with pytest.raises(StaleWrite), demo_engine.begin() as conn:
        rounds.move_out(conn, "me", person.uuid, True, expect_rev=person.rev)
    with demo_engine.connect() as conn:
        assert digest(conn) == before


# -- the census -----------------------------------------------------------------------------------


def enterprise_with_record(conn: Connection, *, this_year: bool) -> str:
    """A present enterprise that has (or has not) this year's census record."""
    has = select(CensusRecord.enterprise_uuid).where(
        CensusRecord.year == THIS_YEAR, CensusRecord.deleted == false()
    )
    condition = Enterprise.uuid.in_(has) if this_year else Enterprise.uuid.not_in(has)
    return conn.execute(
        select(Enterprise.uuid)
        .where(Enterprise.deleted == false(), Enterprise.operating_status == "normal", condition)
        .order_by(Enterprise.uuid)
        .limit(1)
    ).scalar_one()


def save(conn: Connection, form: census.CensusForm, uuid: str, actor: str, *, expect: bool) -> Any:
    revs = (form.enterprise_rev, form.record_rev) if expect else None
    return census.save_census(
        conn,
        form,
        year=THIS_YEAR,
        actor=actor,
        member_uuid=None,
        enterprise_uuid=uuid,
        expect_revs=revs,  # type: ignore[arg-type]
    )


def valid(form: census.CensusForm, **changes: Any) -> census.CensusForm:
    """A form that passes the census's rules (the demo's answers may lack some), changed."""
    base = {
        "party_org_status": "none",
        "party_org_kind": None,
        "party_members": 0,
        "employees": 12,
        "operating_status": "normal",
    }
    return replace(form, **{**base, **changes})


@pytest.mark.parametrize(
    "meanwhile",
    [
        "enterprise edited",
        "record edited",
        "record entered",
        "record deleted",
        "enterprise deleted",
    ],
)
def test_census_save_over_stale_revs_refuses(demo_engine: Engine, meanwhile: str) -> None:
    this_year = meanwhile in ("record edited", "record deleted")
    with demo_engine.connect() as conn:
        uuid = enterprise_with_record(conn, this_year=this_year)
        loaded = census.census_prefill(conn, uuid, THIS_YEAR)
    assert loaded.enterprise_rev and (loaded.record_rev is not None) == this_year
    with demo_engine.begin() as conn:  # what the other window or a command does meanwhile
        if meanwhile == "enterprise edited":
            Writer(conn, "other").update("enterprise", uuid, {"room": "9999"})
        elif meanwhile == "record entered":
            save(conn, valid(loaded, employees=40), uuid, "other", expect=False)
        elif meanwhile == "record edited":
            assert loaded.record_uuid is not None
            Writer(conn, "other").update("census_record", loaded.record_uuid, {"employees": 77})
        elif meanwhile == "record deleted":
            assert loaded.record_uuid is not None
            Writer(conn, "other").delete("census_record", loaded.record_uuid)
        else:
            Writer(conn, "other").delete("enterprise", uuid)
    with demo_engine.connect() as conn:
        before = digest(conn)
    with pytest.raises(StaleWrite), demo_engine.begin() as conn:
        save(conn, valid(loaded, employees=13), uuid, "me", expect=True)
    with demo_engine.connect() as conn:
        assert digest(conn) == before


@pytest.mark.parametrize("this_year", [True, False])
def test_census_save_over_its_revs_is_saved(demo_engine: Engine, this_year: bool) -> None:
    with demo_engine.connect() as conn:
        uuid = enterprise_with_record(conn, this_year=this_year)
        loaded = census.census_prefill(conn, uuid, THIS_YEAR)
    with demo_engine.begin() as conn:
        _ent, record = save(conn, valid(loaded, employees=13), uuid, "me", expect=True)
        assert (
            conn.execute(
                select(CensusRecord.employees).where(CensusRecord.uuid == record)
            ).scalar_one()
            == 13
        )


# -- issue transitions ----------------------------------------------------------------------------


def a_reported_issue(conn: Connection) -> store_issues.IssueDetail:
    uuid = conn.execute(
        select(Issue.uuid)
        .where(Issue.status == IssueStatus.REPORTED.value, Issue.deleted == false())
        .order_by(Issue.uuid)
        .limit(1)
    ).scalar_one()
    return store_issues.issue_detail(conn, uuid)


def test_issue_detail_carries_its_rev(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        shown = a_reported_issue(conn)
        assert shown.rev == rev_of(conn, Issue, shown.uuid)


def test_a_transition_from_a_stale_rev_is_refused_even_when_allowed(
    demo_engine: Engine,
) -> None:
    """Two windows on one accepted issue: one starts work; the other's hold, allowed from
    "in progress" too, would hold from a state its screen never showed."""
    with demo_engine.begin() as conn:
        uuid = a_reported_issue(conn).uuid
        store_issues.transition(conn, uuid, IssueAction.ACCEPT, role=Role.SUPERVISOR, actor="t")
    with demo_engine.connect() as conn:
        shown = store_issues.issue_detail(conn, uuid)
    assert IssueAction.HOLD in shown.actions(Role.SUPERVISOR)
    with demo_engine.begin() as conn:  # the other window starts work on it
        store_issues.transition(conn, uuid, IssueAction.START, role=Role.SUPERVISOR, actor="o")
    with demo_engine.connect() as conn:
        before = digest(conn)
        assert IssueAction.HOLD in store_issues.issue_detail(conn, uuid).actions(Role.SUPERVISOR)
    with pytest.raises(StaleWrite), demo_engine.begin() as conn:
        store_issues.transition(
            conn,
            uuid,
            IssueAction.HOLD,
            role=Role.SUPERVISOR,
            actor="me",
            note="等待业主回复",
            expect_rev=shown.rev,
        )
    with demo_engine.connect() as conn:
        assert digest(conn) == before
        assert store_issues.issue_detail(conn, uuid).status is IssueStatus.IN_PROGRESS


def test_a_transition_from_the_shown_rev_is_taken(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        shown = a_reported_issue(conn)
    with demo_engine.begin() as conn:
        new = store_issues.transition(
            conn,
            shown.uuid,
            IssueAction.ACCEPT,
            role=Role.SUPERVISOR,
            actor="me",
            expect_rev=shown.rev,
        )
    assert new is IssueStatus.ACCEPTED
