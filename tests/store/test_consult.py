"""Consultations in the store: made over a scope, the owner register and the votes imported
all or nothing (errors by line), a later vote replacing an earlier one (both kept), the count."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from gridwalker.store.consult import ConsultProblem
from gridwalker.store.consult.consultations import (
    create_consultation,
    find_consultation,
    list_consultations,
)
from gridwalker.store.consult.counting import count, shares, tally_json
from gridwalker.store.consult.register import import_owners, register_rooms
from gridwalker.store.consult.votes import import_votes, record_vote, vote_history
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Audit, ConsultRoom, ConsultVote, Device, Household

SCOPE = "新华街/邮三社区/第1网格/1栋/1单元"
ROOMS = [f"{floor}0{n}" for floor in range(1, 9) for n in (1, 2)]  # 16 rooms, 101 … 802


@pytest.fixture
def engine(small_street: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "lap.db"
    shutil.copy(small_street, path)
    e = open_database(path)
    yield e
    e.dispose()


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    path.write_bytes("\n".join(",".join(r) for r in rows).encode(encoding))
    return path


def register_file(tmp_path: Path, encoding: str = "utf-8-sig") -> Path:
    rows = [["楼栋", "单元", "房号", "业主", "面积"]]
    for i, room in enumerate(ROOMS):
        owner = "张三" if room in ("701", "702", "801") else f"业主{i}"
        rows.append(["1栋", "1", room, owner, "80.5" if i % 2 else "100"])
    return write_csv(tmp_path / "owners.csv", rows, encoding)


def elevator(engine: Engine, **extra) -> str:
    with engine.begin() as conn:
        return create_consultation(
            conn, "测试员", title="加装电梯", scope=SCOPE, kind="decision", matter="major", **extra
        )


def test_a_consultation_is_made_over_a_building_unit(engine: Engine) -> None:
    uuid = elevator(engine, opens=date(2026, 10, 1))
    with engine.connect() as conn:
        info = find_consultation(conn, uuid[:8])
        assert (info.title, info.unit, info.building) == ("加装电梯", 1, "1栋")
        assert info.scope == SCOPE
        assert uuid in [c.uuid for c in list_consultations(conn)]  # beside the demo's own
        # written by the one write path: a rev, an audit line, the change counter
        assert conn.execute(select(Audit.op).where(Audit.uuid == uuid)).scalars().all() == [
            "insert"
        ]
    with engine.begin() as conn:
        by_code = create_consultation(
            conn, "测试员", title="停车", scope="XH-01-01/2栋", kind="survey", options=["A", "B"]
        )
        assert find_consultation(conn, by_code).unit is None


@pytest.mark.parametrize(
    ("scope", "kind", "matter", "options", "message"),
    [
        ("新华街/邮三社区/第1网格/9栋", "decision", "major", [], "no building '9栋'"),
        ("新华街/邮三社区/第1网格", "decision", "major", [], "street/community/grid/building"),
        ("新华街/邮三社区/第1网格/1栋/x单元", "decision", "major", [], "unit 'x单元'"),
        (SCOPE, "decision", None, [], "--matter"),
        (SCOPE, "decision", "major", ["A", "B"], "no --option"),
        (SCOPE, "survey", None, ["A"], "at least two"),
        (SCOPE, "survey", None, ["A", "A"], "at least two"),
        (SCOPE, "vote", None, [], "invalid value 'vote'"),
    ],
)
def test_a_bad_consultation_is_refused_and_nothing_written(
    engine: Engine, scope: str, kind: str, matter: str | None, options: list[str], message: str
) -> None:
    with engine.connect() as conn:
        before = list_consultations(conn)
    with engine.begin() as conn, pytest.raises(ConsultProblem, match=message):
        create_consultation(
            conn, "x", title="t", scope=scope, kind=kind, matter=matter, options=options
        )
    with engine.connect() as conn:
        assert list_consultations(conn) == before


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_the_owner_register_is_imported_and_linked_to_households(
    engine: Engine, tmp_path: Path, encoding: str
) -> None:
    uuid = elevator(engine)
    with engine.begin() as conn:
        info = find_consultation(conn, uuid)
        result = import_owners(conn, "测试员", info, register_file(tmp_path, encoding))
    assert (result.created, result.linked, result.written, result.errors) == (16, 16, True, [])
    with engine.connect() as conn:
        rooms = register_rooms(conn, uuid)
        assert [r.room for r in rooms] == ROOMS
        assert rooms[1].area == "80.50" and rooms[1].floor == 1
        household = conn.execute(
            select(Household.room).where(Household.uuid == rooms[0].household_uuid)
        ).scalar_one()
        assert household == "101"
        t = count(conn, info).tally
    assert (t.rooms, t.owners) == (16, 14)  # 张三 holds three rooms and counts once
    assert t.area_total == Decimal("1444.00")
    # the same file again changes nothing
    with engine.begin() as conn:
        again = import_owners(conn, "测试员", info, register_file(tmp_path, encoding))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 16)


def test_the_owner_register_from_xlsx(engine: Engine, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["楼栋", "单元", "房号", "业主", "建筑面积"])
    sheet.append(["1栋", 1, 101, "甲", 88.25])
    sheet.append(["1栋", 1, 102, "未售", 90])
    book.save(tmp_path / "owners.xlsx")
    uuid = elevator(engine)
    with engine.begin() as conn:
        result = import_owners(conn, "x", find_consultation(conn, uuid), tmp_path / "owners.xlsx")
    assert result.created == 2, result.errors
    with engine.connect() as conn:
        rooms = register_rooms(conn, uuid)
    assert [(r.room, r.area, r.unsold) for r in rooms] == [
        ("101", "88.25", False),
        ("102", "90.00", True),
    ]


def test_a_bad_register_writes_nothing_and_names_every_bad_line(
    engine: Engine, tmp_path: Path
) -> None:
    uuid = elevator(engine)
    rows = [
        ["楼栋", "单元", "房号", "业主", "面积"],
        ["1栋", "1", "101", "甲", "80"],
        ["2栋", "1", "102", "乙", "80"],  # line 3: another building
        ["1栋", "2", "103", "丙", "80"],  # line 4: another unit
        ["1栋", "1", "104", "", "80"],  # line 5: no owner
        ["1栋", "1", "105", "丁", "八十"],  # line 6: not a number
        ["1栋", "1", "101", "戊", "70"],  # line 7: 101 again
        ["1栋", "1", "106", "己", "-5"],  # line 8: negative
    ]
    with engine.connect() as conn:
        counter = conn.execute(select(Device.change_counter)).scalar_one()
    with engine.begin() as conn:
        result = import_owners(
            conn,
            "x",
            find_consultation(conn, uuid),
            write_csv(tmp_path / "bad.csv", rows),
            lang="en",
        )
    assert not result.written
    assert [(e.line, e.column) for e in result.errors] == [
        (3, "building"),
        (4, "unit"),
        (5, "owner"),
        (6, "area"),
        (7, "room"),
        (8, "area"),
    ]
    assert "line 2" in result.errors[4].message
    with engine.connect() as conn:
        rooms = select(func.count()).where(ConsultRoom.consultation_uuid == uuid)
        assert conn.execute(rooms).scalar_one() == 0
        assert conn.execute(select(Device.change_counter)).scalar_one() == counter


def test_a_register_missing_a_column_is_refused(engine: Engine, tmp_path: Path) -> None:
    uuid = elevator(engine)
    path = write_csv(tmp_path / "x.csv", [["楼栋", "房号", "业主"], ["1栋", "101", "甲"]])
    with engine.begin() as conn, pytest.raises(ConsultProblem, match="面积"):
        import_owners(conn, "x", find_consultation(conn, uuid), path)


def votes_file(tmp_path: Path, rows: list[list[str]], name: str = "votes.csv") -> Path:
    header = ["楼栋", "单元", "房号", "意见", "方式", "表单编号", "日期", "委托人"]
    return write_csv(tmp_path / name, [header, *rows])


@pytest.fixture
def registered(engine: Engine, tmp_path: Path) -> str:
    uuid = elevator(engine, opens=date(2026, 10, 1))
    with engine.begin() as conn:
        import_owners(conn, "x", find_consultation(conn, uuid), register_file(tmp_path))
    return uuid


def test_a_later_vote_replaces_the_earlier_and_both_are_kept(
    engine: Engine, registered: str, tmp_path: Path
) -> None:
    rows = [
        ["1栋", "1", "101", "不同意", "在场签字", "F-001", "2026-10-05", ""],
        ["1栋", "1", "102", "同意", "委托", "", "2026-10-06", "李某"],
        ["1栋", "1", "101", "同意", "书面送达", "", "2026-10-20", ""],  # 101 changes its mind
    ]
    with engine.begin() as conn:
        info = find_consultation(conn, registered)
        result = import_votes(conn, "x", info, votes_file(tmp_path, rows))
    assert (result.recorded, result.errors) == (3, [])
    with engine.connect() as conn:
        found = count(conn, info)
        history = vote_history(conn, registered)
    assert len(history) == 3
    by_room = {r.uuid: r.room for r in found.rooms}
    assert {by_room[k]: v.choice for k, v in found.latest.items()} == {
        "101": "agree",
        "102": "agree",
    }
    assert found.tally.agree.owners == 2
    # a vote at the door, later still, replaces it again, whatever the clock's resolution
    with engine.begin() as conn:
        room = next(r for r in found.rooms if r.room == "101")
        record_vote(
            conn,
            "x",
            info,
            room,
            choice="弃权",
            way="signed",
            voted_on=date(2026, 10, 20),
            form_no="F-9",
        )
    with engine.connect() as conn:
        again = count(conn, info)
    assert again.latest[room.uuid].choice == "abstain"
    assert len(again.history) == 4
    # the same file again records nothing new
    with engine.begin() as conn:
        repeat = import_votes(conn, "x", info, votes_file(tmp_path, rows, "again.csv"))
    assert (repeat.recorded, repeat.unchanged) == (0, 3)
    with engine.connect() as conn:
        assert len(vote_history(conn, registered)) == 4


def test_bad_votes_write_nothing_and_name_every_bad_line(
    engine: Engine, registered: str, tmp_path: Path
) -> None:
    rows = [
        ["1栋", "1", "101", "同意", "在场签字", "F-1", "2026-10-05", ""],
        ["1栋", "1", "909", "同意", "在场签字", "F-2", "2026-10-05", ""],  # 3: not in the register
        ["1栋", "1", "102", "也许", "在场签字", "F-3", "2026-10-05", ""],  # 4: no such choice
        ["1栋", "1", "201", "同意", "电话", "F-4", "2026-10-05", ""],  # 5: no such way
        ["1栋", "1", "202", "同意", "在场签字", "", "2026-10-05", ""],  # 6: no form number
        ["1栋", "1", "301", "同意", "委托", "", "2026-10-05", ""],  # 7: no proxy
        ["1栋", "1", "302", "同意", "书面送达", "", "2026-09-01", ""],  # 8: before it opened
        ["1栋", "1", "401", "同意", "书面送达", "", "明天", ""],  # 9: not a date
        ["1栋", "1", "101", "不同意", "书面送达", "", "2026-10-05", ""],  # 10: 101 twice that day
    ]
    with engine.begin() as conn:
        result = import_votes(
            conn, "x", find_consultation(conn, registered), votes_file(tmp_path, rows), lang="en"
        )
    assert not result.written
    assert [(e.line, e.column) for e in result.errors] == [
        (3, "room"),
        (4, "choice"),
        (5, "way"),
        (6, "form_no"),
        (7, "proxy"),
        (8, "date"),
        (9, "date"),
        (10, "date"),
    ]
    assert "not in the owner register" in result.errors[0].message
    with engine.connect() as conn:
        votes = select(func.count()).where(ConsultVote.consultation_uuid == registered)
        assert conn.execute(votes).scalar_one() == 0


def test_the_count_through_the_store(engine: Engine, registered: str, tmp_path: Path) -> None:
    # 12 of 16 rooms (11 of 14 owners: 张三's three rooms count once) agree
    rows = [
        ["1栋", "1", room, "同意", "书面送达", "", "2026-10-10", ""]
        for room in ROOMS[:10] + ["701", "702"]
    ]
    with engine.begin() as conn:
        info = find_consultation(conn, registered)
        import_votes(conn, "x", info, votes_file(tmp_path, rows))
        out = tally_json(count(conn, info))
    assert out["owners"] == 14 and out["rooms"] == 16
    assert out["participation"]["owners"] == 11
    assert out["participation"]["owners_ratio"] == "11/14"
    assert Fraction(out["participation"]["area_ratio"]) >= Fraction(2, 3)
    assert out["agree"]["owners_ratio"] == "1/1"
    assert out["passed"] is True
    assert out["missing"] == {"owners": 0, "area": "0.00"}


def test_cost_shares_of_the_register(engine: Engine, tmp_path: Path) -> None:
    coefs = {floor: str(Decimal("0.2") * (floor - 1)) for floor in range(1, 9)}
    uuid = elevator(engine, cost="600000", subsidy="200000", coefficients=coefs)
    with engine.begin() as conn:
        info = find_consultation(conn, uuid)
        import_owners(conn, "x", info, register_file(tmp_path))
        split = shares(info, register_rooms(conn, uuid))
    assert sum(split.values()) == Decimal("400000.00")
    assert len(split) == 16


def test_a_survey_option_matches_however_the_cell_folds_it(engine: Engine, tmp_path: Path) -> None:
    options = ["方案A：划线停车", "方案B：错时共享"]
    with engine.begin() as conn:
        uuid = create_consultation(
            conn, "x", title="停车", scope="XH-01-01/1栋/1单元", kind="survey", options=options
        )
        info = find_consultation(conn, uuid)
        import_owners(conn, "x", info, register_file(tmp_path))
        rows = [["1栋", "1", "101", "方案A:划线停车", "书面送达", "", "2026-10-05", ""]]
        result = import_votes(conn, "x", info, votes_file(tmp_path, rows))
        assert result.recorded == 1, result.errors
        [vote] = vote_history(conn, uuid)
    assert vote.choice == "方案A：划线停车"  # the option as the community wrote it
