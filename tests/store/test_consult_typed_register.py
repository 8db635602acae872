"""The owner register typed in by hand (one room at a time, as the field app's form does):
the import's rules for every field — a room within the scope, an owner, an area above 0 with
at most two decimals — each refusal naming its field with nothing written; an edit made over
the rev it was read at; nothing once the consultation is closed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from gridwalker.store.consult import ConsultProblem
from gridwalker.store.consult.consultations import create_consultation, find_consultation
from gridwalker.store.consult.register import register_rooms, save_room
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Audit, Consultation, ConsultRoom
from gridwalker.store.writes import StaleWrite

SCOPE = "新华街/邮三社区/第1网格/1栋/1单元"
ACTOR = "测试员"


@pytest.fixture
def engine(small_street: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "lap.db"
    shutil.copy(small_street, path)
    e = open_database(path)
    yield e
    e.dispose()


@pytest.fixture
def ident(engine: Engine) -> str:
    with engine.begin() as conn:
        return create_consultation(
            conn, ACTOR, title="加装电梯", scope=SCOPE, kind="decision", matter="major"
        )


def rows_and_audits(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(ConsultRoom)).scalar_one(),
            conn.execute(select(func.count()).select_from(Audit)).scalar_one(),
        )


def save(engine: Engine, ident: str, lang: str = "zh", **cells: str) -> str:
    with engine.begin() as conn:
        return save_room(conn, ACTOR, find_consultation(conn, ident), cells, lang=lang)


def test_a_typed_room_is_checked_like_an_imported_line_and_linked(
    engine: Engine, ident: str
) -> None:
    uuid = save(engine, ident, unit="1", room="301", owner="  王  五 ", area="85.30")
    with engine.connect() as conn:
        (room,) = register_rooms(conn, ident)
    assert room.uuid == uuid
    assert (room.unit, room.floor, room.room, room.owner, room.area) == (
        1,
        3,
        "301",
        "王 五",
        "85.30",
    )
    assert room.household_uuid is not None  # 1栋 1-301 is a household of the roster
    # a unit-scoped consultation takes the scope's unit when the form leaves it empty
    save(engine, ident, room="302", owner="赵六", area="90")
    with engine.connect() as conn:
        assert [(r.unit, r.room) for r in register_rooms(conn, ident)] == [(1, "301"), (1, "302")]


BAD = [
    ({"area": "0"}, "area", "应为大于 0"),
    ({"area": "-12"}, "area", "应为大于 0"),
    ({"area": "85.305"}, "area", "最多两位小数"),
    ({"area": "八十"}, "area", "面积"),
    ({"area": ""}, "area", "面积"),
    ({"owner": "  "}, "owner", "业主为空"),
    ({"room": ""}, "room", "房号为空"),
    ({"unit": "2"}, "unit", "不在本次征询范围"),
    ({"unit": "一"}, "unit", "应为正整数"),
    ({"floor": "0"}, "floor", "正整数"),
    ({"owner": "王\u202e五"}, "owner", "不可见的控制字符"),
]


@pytest.mark.parametrize(("bad", "column", "words"), BAD)
def test_a_bad_field_is_refused_by_name_and_nothing_is_written(
    engine: Engine, ident: str, bad: dict[str, str], column: str, words: str
) -> None:
    before = rows_and_audits(engine)
    cells = {"unit": "1", "room": "301", "owner": "王五", "area": "85.3", **bad}
    with pytest.raises(ConsultProblem, match=words) as caught:
        save(engine, ident, **cells)
    assert caught.value.column == column
    assert rows_and_audits(engine) == before


def test_refusals_come_in_the_form_language(engine: Engine, ident: str) -> None:
    with pytest.raises(ConsultProblem) as caught:
        save(engine, ident, "en", room="301", owner="王五", area="0")
    assert caught.value.in_language("en").startswith("area '0': expected m² above 0")


def test_a_room_typed_twice_is_refused_and_an_edit_keeps_its_place(
    engine: Engine, ident: str
) -> None:
    save(engine, ident, room="301", owner="王五", area="85.3")
    before = rows_and_audits(engine)
    with pytest.raises(ConsultProblem, match="1单元 301 已在业主名册中"):
        save(engine, ident, room="301", owner="别人", area="70")
    assert rows_and_audits(engine) == before
    with engine.begin() as conn:
        info = find_consultation(conn, ident)
        (room,) = register_rooms(conn, ident)
        save_room(
            conn, ACTOR, info, {"room": "301", "owner": "王五、李梅", "area": "86"}, room=room
        )
        (edited,) = register_rooms(conn, ident)
    assert (edited.uuid, edited.owner, edited.area) == (room.uuid, "王五、李梅", "86.00")
    # an edit over a rev read before another change writes nothing
    before = rows_and_audits(engine)
    with engine.begin() as conn, pytest.raises(StaleWrite):
        save_room(conn, ACTOR, info, {"room": "301", "owner": "旧的", "area": "86"}, room=room)
    assert rows_and_audits(engine) == before


def test_a_closed_consultation_takes_no_typed_room(engine: Engine, ident: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(Consultation).values(status="closed"))
    before = rows_and_audits(engine)
    with pytest.raises(ConsultProblem, match="结果已固定"):
        save(engine, ident, room="301", owner="王五", area="85.3")
    assert rows_and_audits(engine) == before
