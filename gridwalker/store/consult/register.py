"""A consultation's owner register (业主名册): one row per room (专有部分), owner and area.

Imported from the property company's spreadsheet (CSV in UTF-8, UTF-8 with BOM or GB18030, or
XLSX, read by the roster's bounded readers), all or nothing: every line is checked first and
any error writes nothing, each bad line named. A room already in the register is updated
when the file says otherwise; a room is linked to the household of the same unit and room
where the roster has one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from gridwalker.domain import fields
from gridwalker.domain.addresses import natural_key
from gridwalker.domain.consultation import ConsultError, parse_area
from gridwalker.store.consult import ConsultProblem
from gridwalker.store.consult.consultations import ConsultationInfo, ensure_open
from gridwalker.store.roster.checking import (
    building_name,
    cell_text,
    floor_from_room,
    positive_number,
    room_name,
)
from gridwalker.store.roster.columns import RosterError, RowError, in_language
from gridwalker.store.roster.reading import read_rows
from gridwalker.store.tables import ConsultRoom, Household
from gridwalker.store.writes import Writer

REGISTER_COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "building": ("楼栋", "building", ("楼栋号", "楼号")),
    "unit": ("单元", "unit", ("单元号",)),
    "floor": ("楼层", "floor", ()),
    "room": ("房号", "room", ("房间号", "门牌号")),
    "owner": ("业主", "owner", ("业主姓名", "产权人", "权利人")),
    "area": ("面积", "area", ("建筑面积", "面积(m2)", "面积(㎡)", "面积m2", "专有部分面积")),
    "unsold": ("未售", "unsold", ("开发商未售",)),
}
REGISTER_REQUIRED = ("building", "room", "owner", "area")
# What an owner cell says of a room the developer has not sold (all of them count as one owner).
UNSOLD_OWNERS = frozenset({"未售", "开发商未售", "开发商(未售)", "unsold"})
_YES = frozenset({"是", "y", "yes", "true", "1", "√", "✓"})
_NO = frozenset({"", "否", "n", "no", "false", "0"})


@dataclass(frozen=True)
class RegisterRoom:
    """One room of the register as the count and the screens read it."""

    uuid: str
    unit: int | None
    floor: int | None
    room: str
    owner: str
    unsold: bool
    area: str
    household_uuid: str | None
    rev: str


@dataclass
class RegisterResult:
    """What an owner register import did (or, with errors or a dry run, would do)."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    linked: int = 0  # rooms linked to a household of the roster
    errors: list[RowError] = field(default_factory=list)
    written: bool = False


def register_rooms(conn: Connection, consultation_uuid: str) -> list[RegisterRoom]:
    """The live rooms of a consultation's register, by unit and room."""
    stmt = select(ConsultRoom.__table__).where(
        ConsultRoom.consultation_uuid == consultation_uuid, ConsultRoom.deleted.is_(False)
    )
    rows = [
        RegisterRoom(
            r.uuid, r.unit, r.floor, r.room, r.owner, r.unsold, r.area, r.household_uuid, r.rev
        )
        for r in conn.execute(stmt)
    ]
    return sorted(rows, key=lambda r: (r.unit or 0, natural_key(r.room)))


def room_label(unit: int | None, room: str) -> str:
    """A room as people say it: 1单元 302 (or 302 without a unit)."""
    return f"{unit}单元 {room}" if unit else room


def import_owners(
    conn: Connection,
    actor: str,
    consultation: ConsultationInfo,
    path: Path,
    *,
    lang: str = "zh",
    dry_run: bool = False,
) -> RegisterResult:
    """Check every line of an owner register file, then write it all (or nothing)."""
    ensure_open(consultation)
    try:
        keys, _headers, lines, read_errors = read_rows(
            Path(path), lang, REGISTER_COLUMNS, REGISTER_REQUIRED
        )
    except RosterError as exc:
        raise ConsultProblem(str(exc)) from None
    result = RegisterResult(rows=len(lines), errors=list(read_errors))
    checked: list[tuple[int, dict[str, Any]]] = []
    first_line: dict[tuple[int | None, str], int] = {}
    for line, cells in lines:
        data = _check_line(consultation, line, cells, lang, result.errors)
        if data is None:
            continue
        place = (data["unit"], data["room"])
        if place in first_line:
            result.errors.append(
                RowError(
                    line,
                    "room",
                    in_language(
                        lang,
                        f"{room_label(*place)} 与第 {first_line[place]} 行重复",
                        f"{room_label(*place)} is also on line {first_line[place]}",
                    ),
                )
            )
            continue
        first_line[place] = line
        checked.append((line, data))
    if result.errors:
        result.errors.sort(key=lambda e: e.line)
        return result
    households = _households(conn, consultation.building_uuid)
    existing = {(r.unit, r.room): r for r in register_rooms(conn, consultation.uuid)}
    inserts: list[dict[str, Any]] = []
    updates: list[tuple[RegisterRoom, dict[str, Any]]] = []
    for _line, data in checked:
        household = households.get((data["unit"] or 1, data["room"]))
        data["household_uuid"] = household
        result.linked += household is not None
        old = existing.get((data["unit"], data["room"]))
        if old is None:
            inserts.append({**data, "consultation_uuid": consultation.uuid})
            continue
        changes = {
            k: v
            for k, v in data.items()
            if getattr(old, k) != v and not (k == "household_uuid" and v is None)
        }
        if changes:
            updates.append((old, changes))
        else:
            result.unchanged += 1
    result.created, result.updated = len(inserts), len(updates)
    if dry_run:
        return result
    writer = Writer(conn, actor)
    writer.insert_many("consult_room", inserts)
    for old, changes in updates:
        writer.update("consult_room", old.uuid, changes, expect_rev=old.rev)
    result.written = True
    return result


def _households(conn: Connection, building_uuid: str) -> dict[tuple[int, str], str]:
    """The building's live households by (unit, room)."""
    stmt = select(Household.unit, Household.room, Household.uuid).where(
        Household.building_uuid == building_uuid, Household.deleted.is_(False)
    )
    return {(unit, room): uuid for unit, room, uuid in conn.execute(stmt)}


def _check_line(
    consultation: ConsultationInfo,
    line: int,
    cells: dict[str, str],
    lang: str,
    errors: list[RowError],
) -> dict[str, Any] | None:
    """One line's room, checked; None (and its errors noted) when anything is wrong."""
    before = len(errors)

    def error(column: str, zh: str, en: str) -> None:
        errors.append(RowError(line, column, in_language(lang, zh, en)))

    unit = check_scope(consultation, cells, error)
    room = room_name(cells.get("room", ""))
    if not room:
        error("room", "房号为空", "the room is empty")
    floor_text = cell_text(cells.get("floor", ""))
    floor = positive_number(floor_text) if floor_text else (floor_from_room(room) if room else None)
    if floor is None:
        error("floor", f"楼层「{floor_text}」应为正整数", f"floor {floor_text!r}: a whole number")
    owner = " ".join(cell_text(cells.get("owner", "")).split())
    unsold_text = cell_text(cells.get("unsold", "")).casefold()
    unsold = owner.casefold() in UNSOLD_OWNERS or unsold_text in _YES
    if unsold_text not in _YES | _NO:
        error(
            "unsold",
            f"未售应为 是/否，实际为「{unsold_text}」",
            f"unsold: yes or no, not {unsold_text!r}",
        )
    if not owner:
        error(
            "owner",
            "业主为空（开发商未售的房间写“未售”）",
            "the owner is empty (write 未售 for an unsold room)",
        )
    area_text = cell_text(cells.get("area", ""))
    area = None
    try:
        area = str(parse_area(area_text))
    except ConsultError as exc:
        error("area", str(exc), str(exc))
    data = {"unit": unit, "floor": floor, "room": room, "owner": owner, "unsold": unsold}
    for name in ("room", "owner"):
        bad = fields.check_value("consult_room", name, data[name])
        if bad is not None:
            error(name, bad.zh, bad.en)
    if len(errors) > before:
        return None
    return {**data, "area": area}


def check_scope(consultation: ConsultationInfo, cells: dict[str, str], error) -> int | None:  # noqa: ANN001
    """A line's building and unit against the consultation's scope; the unit (the scope's when
    it has one). What is outside the scope is noted through `error`."""
    building = building_name(cells.get("building", ""))
    if building != consultation.building:
        error(
            "building",
            f"楼栋「{building}」不在本次征询范围（{consultation.building}）",
            f"building {building!r} is not the consultation's ({consultation.building})",
        )
    return check_unit(consultation, cells.get("unit", ""), error)


def check_unit(consultation: ConsultationInfo, text: str, error) -> int | None:  # noqa: ANN001
    """A unit cell against the consultation's scope: the scope's unit when it has one."""
    text = cell_text(text)
    unit = positive_number(text) if text else None
    if text and unit is None:
        error("unit", f"单元「{text}」应为正整数", f"unit {text!r}: a whole number")
        return None
    if consultation.unit is not None:
        if unit is not None and unit != consultation.unit:
            error(
                "unit",
                f"{unit}单元 不在本次征询范围（{consultation.unit}单元）",
                f"unit {unit} is not the consultation's (unit {consultation.unit})",
            )
        return consultation.unit
    return unit


def save_room(
    conn: Connection,
    actor: str,
    consultation: ConsultationInfo,
    cells: dict[str, str],
    *,
    room: RegisterRoom | None = None,
    lang: str = "zh",
) -> str:
    """Type one room of the owner register by hand (a new room, or `room` edited over the rev
    it was read at): `cells` hold what the form holds under the import's column keys (unit,
    floor, room, owner, area, unsold), checked by the same rules as an imported line — a room
    within the scope, an owner, an area above 0 with at most two decimals. ConsultProblem
    naming the field and nothing written when anything is wrong. Returns the room's uuid."""
    ensure_open(consultation)
    errors: list[RowError] = []
    data = _check_line(consultation, 0, {**cells, "building": consultation.building}, lang, errors)
    if data is None:
        first = errors[0]
        raise ConsultProblem(first.message, first.column)
    others = {
        (r.unit, r.room): r
        for r in register_rooms(conn, consultation.uuid)
        if room is None or r.uuid != room.uuid
    }
    if (data["unit"], data["room"]) in others:
        label = room_label(data["unit"], data["room"])
        raise ConsultProblem(
            in_language(
                lang,
                f"{label} 已在业主名册中",
                f"{label} is in the owner register already",
            ),
            "room",
        )
    household = _households(conn, consultation.building_uuid).get((data["unit"] or 1, data["room"]))
    writer = Writer(conn, actor)
    if room is None:
        return writer.insert(
            "consult_room",
            {**data, "household_uuid": household, "consultation_uuid": consultation.uuid},
        )
    changes = {**data, "household_uuid": household}
    writer.update("consult_room", room.uuid, changes, expect_rev=room.rev)
    return room.uuid
