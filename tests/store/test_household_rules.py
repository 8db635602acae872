"""Household rules applied by the store: one 本人 per household (resident form and roster
import), moving out with a day and where to; a refusal writes nothing."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from gridwalker.domain.forms import ResidentInput
from gridwalker.store import rounds
from gridwalker.store.roster import import_roster
from gridwalker.store.tables import Device, Household, Resident
from tests.support.demo import GRID_CODE


def counter(conn) -> int:
    return conn.execute(select(Device.change_counter)).scalar_one()


def family(conn) -> tuple[str, rounds.ResidentRow, rounds.ResidentRow]:
    """A household of the demo with a head and someone else living there: (uuid, head, other)."""
    for hh in conn.execute(select(Household.uuid).order_by(Household.uuid)).scalars():
        people = [r for r in rounds.residents_of(conn, hh) if not r.moved_out]
        heads = [r for r in people if r.relation == "self"]
        others = [r for r in people if r.relation != "self"]
        if len(heads) == 1 and others:
            return hh, heads[0], others[0]
    raise AssertionError("no family in the demo")


def test_a_second_head_is_refused_with_nothing_written(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        hh, head, other = family(conn)
        before = counter(conn)
        with pytest.raises(rounds.FormError) as err:
            rounds.add_resident(conn, "t", hh, ResidentInput(name="李四", relation="self"))
        assert set(err.value.problems) == {"relation"}
        assert f"本户已有本人（户主）：{head.name}" in err.value.problems["relation"].zh
        edited = other.as_input()
        edited.relation = "self"
        with pytest.raises(rounds.FormError) as err:
            rounds.update_resident(conn, "t", other.uuid, edited, expect_rev=other.rev)
        assert err.value.problems["relation"].code == "resident.second_head"
        assert counter(conn) == before
        assert len([r for r in rounds.residents_of(conn, hh) if r.relation == "self"]) == 1
        # The head edits as before; someone else is added under another relation.
        kept = head.as_input()
        kept.phone = "13912345678"
        assert rounds.update_resident(conn, "t", head.uuid, kept, expect_rev=head.rev)
        assert rounds.add_resident(conn, "t", hh, ResidentInput(name="李四", relation="tenant"))


def test_the_head_moved_out_makes_room_for_a_new_one(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        hh, head, other = family(conn)
        rounds.move_out(conn, "t", head.uuid, on="2026-11-01", moved_to="武昌区积玉桥街")
        edited = other.as_input()
        edited.relation = "self"
        assert rounds.update_resident(conn, "t", other.uuid, edited, expect_rev=other.rev)
        # Back in, the old head would be a second one: refused until a relation is changed.
        before = counter(conn)
        with pytest.raises(rounds.FormError) as err:
            rounds.move_out(conn, "t", head.uuid, False)
        assert err.value.problems["relation"].code == "resident.second_head"
        assert other.name in err.value.problems["relation"].zh
        assert counter(conn) == before
        assert rounds.resident_row(conn, head.uuid).moved_out


def test_moving_out_keeps_the_day_and_where_to(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        hh, _head, other = family(conn)
        assert rounds.move_out(
            conn,
            "t",
            other.uuid,
            on="2026-11-03",
            moved_to=" 武昌区积玉桥街 ",
            expect_rev=other.rev,
        )
        row = rounds.resident_row(conn, other.uuid)
        assert (row.moved_out, row.moved_out_on, row.moved_to) == (
            True,
            date(2026, 11, 3),
            "武昌区积玉桥街",
        )
        rounds.move_out(conn, "t", other.uuid, False)
        row = rounds.resident_row(conn, other.uuid)
        assert (row.moved_out, row.moved_out_on, row.moved_to) == (False, None, None)
        rounds.move_out(conn, "t", other.uuid)  # no day given: today
        assert rounds.resident_row(conn, other.uuid).moved_out_on == date(2026, 11, 20)


@pytest.mark.parametrize(
    ("day", "where", "field", "code"),
    [
        ("2026-11-21", "", "moved_out_on", "resident.moved_out_future"),
        ("1900-01-01", "", "moved_out_on", "resident.moved_out_before_birth"),
        ("2026/11/03", "", "moved_out_on", "resident.moved_out_on_format"),
        ("2026-11-03", "x" * 5001, "moved_to", "resident.moved_to"),
        ("2026-11-03", "a\x1b[2Jb", "moved_to", "resident.moved_to"),
    ],
)
def test_a_bad_move_out_writes_nothing(
    demo_engine: Engine, day: str, where: str, field: str, code: str
) -> None:
    with demo_engine.begin() as conn:
        _hh, _head, other = family(conn)
        assert other.birth_date is not None
        before = counter(conn)
        with pytest.raises(rounds.FormError) as err:
            rounds.move_out(conn, "t", other.uuid, on=day, moved_to=where)
        assert set(err.value.problems) == {field}
        assert err.value.problems[field].code == code
        assert counter(conn) == before
        assert rounds.resident_row(conn, other.uuid) == other


# -- the roster import: the same rule ---------------------------------------------------------

HEADER = ["楼栋", "单元", "楼层", "房号", "姓名", "出生日期", "与户主关系"]


def roster(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "roster.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def run(engine: Engine, path: Path):
    return import_roster(engine, path, grid_code=GRID_CODE, create=False, dry_run=False, actor="t")


def residents(engine: Engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(Resident.uuid)).all())


def test_roster_refuses_two_heads_in_one_new_household(demo_engine: Engine, tmp_path) -> None:
    before = residents(demo_engine)
    path = roster(
        tmp_path,
        [
            ["1栋", "1", "", "9901", "王一", "1970-01-01", "本人"],
            ["1栋", "1", "", "9901", "王二", "1972-01-01", "本人"],
        ],
    )
    result = run(demo_engine, path)
    assert not result.written
    assert [(e.line, e.column) for e in result.errors] == [(3, "与户主关系")]
    assert "本户已有本人（户主）：王一" in result.errors[0].message
    assert residents(demo_engine) == before


def test_roster_refuses_a_head_where_one_is_stored(demo_engine: Engine, tmp_path) -> None:
    with demo_engine.connect() as conn:
        hh, head, _other = family(conn)
        info = rounds.household_info(conn, hh)
    before = residents(demo_engine)
    place = [info.building, str(info.unit), "", info.room]
    result = run(demo_engine, roster(tmp_path, [[*place, "新户主", "1980-05-05", "本人"]]))
    assert not result.written and len(result.errors) == 1
    assert f"本户已有本人（户主）：{head.name}" in result.errors[0].message
    assert residents(demo_engine) == before
    # The stored head's own row is no second head; a row without a relation is not either.
    result = run(
        demo_engine,
        roster(tmp_path, [[*place, head.name, "", "本人"], [*place, "新租客", "1990-01-01", ""]]),
    )
    assert result.written, result.errors
    with demo_engine.connect() as conn:
        added = next(r for r in rounds.residents_of(conn, hh) if r.name == "新租客")
    assert added.relation == "other"


def test_roster_rows_without_relation_get_one_head(demo_engine: Engine, tmp_path) -> None:
    path = roster(
        tmp_path,
        [
            ["1栋", "1", "", "9902", "赵一", "1960-01-01", ""],
            ["1栋", "1", "", "9902", "赵二", "1962-01-01", ""],
        ],
    )
    assert run(demo_engine, path).written
    with demo_engine.connect() as conn:
        rows = conn.execute(
            select(Resident.name, Resident.relation).where(Resident.name.in_(["赵一", "赵二"]))
        ).all()
    assert sorted(rows) == [("赵一", "self"), ("赵二", "other")]
