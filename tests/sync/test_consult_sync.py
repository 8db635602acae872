"""Consultations travel like every other record: two laptops and the hub count the same.

Laptop A starts the elevator consultation, imports the owner register and a first round of
votes; the hub imports A's bundle and sends the consultation to laptop B (same grid); B records
more votes, one of them replacing an owner's earlier vote given at A; after the next round
trip A, B and the hub hold the same rows and give the same count.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from gridwalker.store.consult.consultations import create_consultation, find_consultation
from gridwalker.store.consult.counting import count, tally_json
from gridwalker.store.consult.register import import_owners, register_rooms
from gridwalker.store.consult.votes import import_votes, record_vote
from gridwalker.store.tables import ConsultVote
from tests.support.demo import MEMBER
from tests.support.hubs import Desk
from tests.support.laptops import Field, make_field

SCOPE = "新华街/邮三社区/第1网格/1栋/1单元"
ROOMS = [f"{floor}0{n}" for floor in range(1, 9) for n in (1, 2)]


@pytest.fixture
def field_b(tmp_path: Path, small_street: Path, desk: Desk) -> Iterator[Field]:
    lap = make_field(tmp_path / "lap-b", small_street, "lap-b", desk)
    yield lap
    lap.engine.dispose()


def csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8-sig")
    return path


def tally_of(engine: Engine, ident: str) -> dict:
    with engine.connect() as conn:
        return tally_json(count(conn, find_consultation(conn, ident)))


def votes_of(engine: Engine) -> set[tuple[str, str, str]]:
    with engine.connect() as conn:
        return set(conn.execute(select(ConsultVote.uuid, ConsultVote.rev, ConsultVote.choice)))


def test_two_laptops_and_the_hub_count_the_same(
    desk: Desk, field_a: Field, field_b: Field, tmp_path: Path
) -> None:
    # both laptops' first bundles: the street they share
    assert desk.one(field_a.export().path).status == "applied"
    assert desk.one(field_b.export().path).status == "applied"

    with field_a.engine.begin() as conn:
        ident = create_consultation(
            conn, MEMBER, title="1栋1单元加装电梯", scope=SCOPE, kind="decision", matter="major",
            opens=date(2026, 10, 1),
        )  # fmt: skip
        info = find_consultation(conn, ident)
        owners = [["楼栋", "单元", "房号", "业主", "面积"]]
        owners += [
            ["1栋", "1", r, "张三" if r in ("801", "802") else f"业主{r}", "88.5"] for r in ROOMS
        ]
        assert import_owners(conn, MEMBER, info, csv(tmp_path / "o.csv", owners)).written
        votes = [["楼栋", "单元", "房号", "意见", "方式", "表单编号", "日期"]]
        votes += [["1栋", "1", r, "同意", "在场签字", f"A-{r}", "2026-10-10"] for r in ROOMS[:6]]
        votes += [["1栋", "1", "401", "不同意", "书面送达", "", "2026-10-11"]]
        assert import_votes(conn, MEMBER, info, csv(tmp_path / "v.csv", votes)).recorded == 7
    assert desk.one(field_a.export().path).status == "applied"
    assert tally_of(desk.engine, ident) == tally_of(field_a.engine, ident)

    # the hub sends A's consultation to B (same grid), not back to A (A holds it)
    to_b = desk.export_to("lap-b")
    # (B's copies of the demo street's own consultation may come along once: B sent the
    # same revs as A, which the hub skipped without noting that B holds them too)
    assert to_b.counts.get("consult_vote", 0) >= 7 and to_b.counts.get("consult_room", 0) >= 16
    assert field_b.apply(to_b.paths[0]).status == "applied"
    assert votes_of(field_b.engine) == votes_of(desk.engine)
    assert tally_of(field_b.engine, ident) == tally_of(desk.engine, ident)
    assert "consult_vote" not in desk.export_to("lap-a").counts

    # B asks more owners; 401 changes its mind at B's door
    with field_b.engine.begin() as conn:
        info_b = find_consultation(conn, ident)
        rooms = {r.room: r for r in register_rooms(conn, ident)}
        for room in ("402", "501", "502", "601", "602", "401"):
            record_vote(
                conn, "李四", info_b, rooms[room], choice="agree", way="signed",
                voted_on=date(2026, 11, 1), form_no=f"B-{room}",
            )  # fmt: skip
    assert desk.one(field_b.export().path).status == "applied"
    to_a = desk.export_to("lap-a")
    assert to_a.counts.get("consult_vote") == 6
    assert field_a.apply(to_a.paths[0]).status == "applied"

    counts = [tally_of(e, ident) for e in (desk.engine, field_a.engine, field_b.engine)]
    assert counts[0] == counts[1] == counts[2]
    assert votes_of(desk.engine) == votes_of(field_a.engine) == votes_of(field_b.engine)
    final = counts[0]
    assert (final["rooms"], final["owners"]) == (16, 15)  # 张三's two rooms count once
    assert final["participation"]["owners_ratio"] == "4/5"  # 12 of 15 owners
    assert final["participation"]["area_ratio"] == "3/4"  # 12 of 16 equal rooms
    assert final["agree"]["owners_ratio"] == "1/1"  # 401's later vote replaced its "no"
    assert final["passed"] is True
