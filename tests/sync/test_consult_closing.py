"""A supervisor closes a consultation at the hub: its result is fixed, signed into the next hub
bundle, shown closed on the laptop (which refuses new votes), and a vote that reaches the hub
after the closing is kept but reported as after closing, never counted. On both engines."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from gridwalker.cli import main
from gridwalker.cli.lines import hub_import_line
from gridwalker.domain.i18n import language, set_language
from gridwalker.store.consult import ConsultProblem
from gridwalker.store.consult.consultations import create_consultation, find_consultation
from gridwalker.store.consult.counting import count, tally_json
from gridwalker.store.consult.register import import_owners, register_rooms, save_room
from gridwalker.store.consult.votes import import_votes, record_vote
from gridwalker.store.desk.consultations import (
    close_consultation,
    consultation_count,
    street_consultations,
)
from gridwalker.store.tables import Consultation, ConsultVote
from tests.support.demo import MEMBER
from tests.support.hubs import Desk, both_engines
from tests.support.laptops import Field

SCOPE = "新华街/邮三社区/第1网格/1栋/1单元"
ROOMS = [f"{floor}0{n}" for floor in range(1, 5) for n in (1, 2)]  # 8 rooms, 80 m² each
SUPERVISOR = "王主任"

pytestmark = both_engines


def csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8-sig")
    return path


def tally_of(engine: Engine, ident: str) -> dict:
    """The fixed result (what every database agrees on; how many votes came after closing
    depends on what each one holds)."""
    with engine.connect() as conn:
        out = tally_json(count(conn, find_consultation(conn, ident)))
    out.pop("after_closing")
    return out


def start(field: Field, tmp_path: Path, agreeing: int) -> str:
    """An elevator decision on the laptop with its register and `agreeing` votes for."""
    with field.engine.begin() as conn:
        ident = create_consultation(
            conn, MEMBER, title="1单元加装电梯", scope=SCOPE, kind="decision", matter="major",
            opens=date(2026, 10, 1),
        )  # fmt: skip
        info = find_consultation(conn, ident)
        owners = [["楼栋", "单元", "房号", "业主", "面积"]]
        owners += [["1栋", "1", r, f"业主{r}", "80"] for r in ROOMS]
        assert import_owners(conn, MEMBER, info, csv(tmp_path / "o.csv", owners)).written
        votes = [["楼栋", "单元", "房号", "意见", "方式", "表单编号", "日期"]]
        votes += [
            ["1栋", "1", r, "同意", "在场签字", f"A-{r}", "2026-10-10"] for r in ROOMS[:agreeing]
        ]
        assert import_votes(conn, MEMBER, info, csv(tmp_path / "v.csv", votes)).recorded
    return ident


def vote_at(field: Field, ident: str, room: str) -> None:
    with field.engine.begin() as conn:
        info = find_consultation(conn, ident)
        target = next(r for r in register_rooms(conn, ident) if r.room == room)
        record_vote(
            conn, MEMBER, info, target, choice="agree", way="signed",
            voted_on=date(2026, 11, 1), form_no=f"L-{room}",
        )  # fmt: skip


def test_closing_fixes_the_result_and_the_laptop_shows_it_and_refuses_votes(
    desk: Desk, field_a: Field, tmp_path: Path
) -> None:
    assert desk.one(field_a.export().path).status == "applied"
    ident = start(field_a, tmp_path, agreeing=5)  # 5 of 8 took part: under 2/3
    assert desk.one(field_a.export().path).status == "applied"

    with desk.engine.begin() as conn:
        listed = {d.found.consultation.uuid: d for d in street_consultations(conn)}
        assert listed[ident].found.tally.participation.owners == 5
        closed = close_consultation(conn, SUPERVISOR, ident)
    assert closed.consultation.closed and closed.consultation.closed_by == SUPERVISOR
    assert closed.tally.passed is False and closed.tally.participation.owners == 5
    fixed = tally_of(desk.engine, ident)
    assert (fixed["status"], fixed["closed_by"]) == ("closed", SUPERVISOR)
    with desk.engine.begin() as conn, pytest.raises(ConsultProblem, match="already"):
        close_consultation(conn, "另一位主任", ident)

    # the closing travels in the next hub bundle, signed like every hub bundle
    to_a = desk.export_to("lap-a")
    assert to_a.counts.get("consultation") == 1
    assert field_a.apply(to_a.paths[0]).status == "applied"
    with field_a.engine.connect() as conn:
        info = find_consultation(conn, ident)
        assert info.closed and info.closed_by == SUPERVISOR and info.closed_at is not None
        assert info.counted == closed.consultation.counted and len(info.counted) == 5
    assert tally_of(field_a.engine, ident) == fixed

    # the laptop refuses a new vote with the reason, and writes nothing
    with field_a.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(ConsultVote)).scalar_one()
    with pytest.raises(ConsultProblem, match="closed on .* by 王主任: its result is fixed"):
        vote_at(field_a, ident, "301")
    with field_a.engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(ConsultVote)).scalar_one()
    assert after == before
    # nor does its owner register change any more
    owners = [["楼栋", "单元", "房号", "业主", "面积"], ["1栋", "1", "101", "新业主", "80"]]
    with field_a.engine.begin() as conn, pytest.raises(ConsultProblem, match="result is fixed"):
        import_owners(conn, MEMBER, find_consultation(conn, ident), csv(tmp_path / "x.csv", owners))


def test_a_vote_reaching_the_hub_after_closing_is_kept_and_reported_not_counted(
    desk: Desk, field_a: Field, tmp_path: Path
) -> None:
    assert desk.one(field_a.export().path).status == "applied"
    ident = start(field_a, tmp_path, agreeing=5)
    before_closing = desk.one(field_a.export().path)
    assert (before_closing.status, before_closing.after_closing) == ("applied", 0)
    with desk.engine.begin() as conn:
        close_consultation(conn, SUPERVISOR, ident)
    fixed = tally_of(desk.engine, ident)

    # the laptop, not yet told, asks one more owner, corrects an area and types a new room;
    # its bundle reaches the closed hub
    vote_at(field_a, ident, "301")
    with field_a.engine.begin() as conn:
        info = find_consultation(conn, ident)
        room = next(r for r in register_rooms(conn, ident) if r.room == "101")
        save_room(conn, MEMBER, info, {"room": "101", "owner": "业主101", "area": "120"}, room=room)
        save_room(conn, MEMBER, info, {"room": "501", "owner": "新业主", "area": "80"})
    late = desk.one(field_a.export().path)
    # the import says so: the line a supervisor reads, its --json object
    assert (late.status, late.after_closing) == ("applied", 1), late.summary()
    assert "1 votes arrived after closing: kept, not counted" in late.summary()
    assert late.as_json()["after_closing"] == 1
    before = language()
    set_language("en")
    try:
        assert "; 1 votes arrived after closing: kept, not counted." in hub_import_line(late)
    finally:
        set_language(before)
    with desk.engine.connect() as conn:
        held = conn.execute(
            select(func.count())
            .select_from(ConsultVote)
            .where(ConsultVote.consultation_uuid == ident)
        ).scalar_one()
        found = consultation_count(conn, ident)
    assert held == 6  # kept
    assert len(found.rooms) == 9  # the typed room is kept too, but the count is as closed:
    assert (found.tally.rooms, found.tally.area_total) == (8, 640)
    assert [v.form_no for v in found.late] == ["L-301"]  # reported as after closing
    assert found.tally.participation.owners == 5  # not counted
    assert tally_of(desk.engine, ident) == fixed
    # and so says the command line at the hub
    db = str(desk.db or desk.home.hub_db)
    result = CliRunner().invoke(main, ["consult", "tally", ident, "--json", "--hub", "--db", db])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["status"], out["closed_by"], out["after_closing"]) == ("closed", SUPERVISOR, 1)
    assert out["participation"]["owners"] == 5
    result = CliRunner().invoke(
        main, ["--lang", "en", "consult", "tally", ident, "--hub", "--db", db]
    )
    assert f"by {SUPERVISOR}: the result is fixed." in result.stdout
    assert "1 votes arrived after closing: kept, not counted." in result.stdout

    # the laptop, once told, counts the same fixed result (its own late vote left out)
    assert field_a.apply(desk.export_to("lap-a").paths[0]).status == "applied"
    assert tally_of(field_a.engine, ident) == fixed
    with field_a.engine.connect() as conn:
        assert [v.form_no for v in count(conn, find_consultation(conn, ident)).late] == ["L-301"]
        status = conn.execute(
            select(Consultation.status).where(Consultation.uuid == ident)
        ).scalar_one()
    assert status == "closed"
