"""Checking one roster row: its fields, dates, ID number, choices and place."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from gridwalker.domain import clock, fields
from gridwalker.domain.choices import CareTag, Choice, Relation, ResidenceType, Sex
from gridwalker.domain.validators import (
    check_phone,
    check_resident_id,
    normalize_phone,
    normalize_resident_id,
    sex_from_id,
)
from gridwalker.store.roster.columns import COLUMNS, REQUIRED, RowError, column_label, in_language

_TAG_SPLIT = re.compile(r"[;；、,，]")
_POSITIVE = re.compile(r"(\d+)(?:\.0+)?\s*(?:单元|层|楼)?")
_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


@dataclass
class CheckedRow:
    """One checked row: normalized values and the fields the file gave."""

    line: int
    grid: str | None
    street: str
    community: str
    building: str
    unit: int
    floor: int
    room: str
    data: dict[str, Any]  # resident fields given by the file (non-empty cells)
    ok: bool = True  # False when the row has errors (its place is still checked)


def _fold(text: str) -> str:
    """NFKC-fold and trim a cell."""
    return unicodedata.normalize("NFKC", text).strip()


def _building_name(text: str) -> str:
    """A building cell as a name: a bare number becomes "N栋" (as buildings are named)."""
    name = _fold(text)
    return f"{int(name)}栋" if name.isdigit() else name


def _room(text: str) -> str:
    """A room cell without a trailing 室/号."""
    room = _fold(text)
    return room[:-1].strip() if len(room) > 1 and room[-1] in "室号" else room


def _floor_from_room(room: str) -> int:
    """The floor a room number implies: 302 → 3, 1502 → 15; short numbers → 1."""
    match = re.match(r"\D*(\d+)", room)
    if not match or len(match.group(1)) < 3:
        return 1
    return max(1, int(match.group(1)[:-2]))


def parse_date(text: str) -> date | None:
    """Parse YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日 or YYYYMMDD (a time part is ignored)."""
    value = _fold(text).split(" ")[0].split("T")[0]
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(value)
        if match:
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None


class RowChecker:
    """Checks the fields of single rows and collects errors."""

    def __init__(self, headers: dict[str, str], default_grid: str | None, lang: str) -> None:
        """Remember the file's header texts, the --grid code and the message language."""
        self.headers = headers
        self.default_grid = _fold(default_grid).upper() if default_grid else None
        self.lang = lang
        self.errors: list[RowError] = []

    def error(self, line: int, key: str | None, zh: str, en: str) -> None:
        """Record one error for a row."""
        column = self.headers.get(key, column_label(key, self.lang)) if key else None
        self.errors.append(RowError(line, column, in_language(self.lang, zh, en)))

    def positive(self, line: int, key: str, text: str) -> int | None:
        """A positive integer cell (e.g. "2", "2.0", "2单元"), else an error."""
        match = _POSITIVE.fullmatch(_fold(text))
        if match and int(match.group(1)) > 0:
            return int(match.group(1))
        zh, en, _ = COLUMNS[key]
        self.error(
            line,
            key,
            f"{zh}应为正整数，实际为「{text}」",
            f"{en} must be a positive whole number, not {text!r}",
        )
        return None

    def choice(self, line: int, key: str, cls: type[Choice], text: str) -> str | None:
        """A value-list cell as its code, else an error."""
        value = _fold(text)
        if cls is ResidenceType and value.endswith("人口"):
            value = value[:-2]
        try:
            return cls.parse(value).value
        except ValueError:
            zh, en, _ = COLUMNS[key]
            self.error(line, key, *_choice_parts(cls, text, zh, en))
            return None

    def check(self, line: int, raw: dict[str, str]) -> CheckedRow | None:
        """Check one row; returns it normalized, or None when not even its place is usable."""
        before = len(self.errors)
        get = raw.get
        for key in REQUIRED:
            if not _fold(get(key, "")):
                zh, en, _ = COLUMNS[key]
                self.error(line, key, f"缺少{zh}", f"{en} is missing")
        grid = _fold(get("grid", "")).upper() or self.default_grid
        if grid is None:
            self.error(
                line,
                "grid",
                "没有网格：请用 --grid 指定或在表中加「网格」列",
                "no grid: give --grid or a 网格 column",
            )
        unit = self.positive(line, "unit", get("unit", "")) if _fold(get("unit", "")) else 1
        room = _room(get("room", ""))
        if _fold(get("floor", "")):
            floor = self.positive(line, "floor", get("floor", ""))
        else:
            floor = _floor_from_room(room)
        data: dict[str, Any] = {"name": _fold(get("name", ""))}
        id_number = normalize_resident_id(get("id_number", ""))
        id_ok = False
        if id_number:
            invalid = check_resident_id(id_number)
            if invalid:
                self.error(line, "id_number", invalid.zh, invalid.en)
            else:
                id_ok = True
                data["id_number"] = id_number
        phone = _fold(get("phone", ""))
        if phone:
            invalid = check_phone(phone)
            if invalid:
                self.error(line, "phone", invalid.zh, invalid.en)
            else:
                data["phone"] = normalize_phone(phone)
        self._sex(line, get("sex", ""), id_number if id_ok else None, data)
        self._birth(line, get("birth_date", ""), id_number if id_ok else None, data)
        for key, cls in (("relation", Relation), ("residence_type", ResidenceType)):
            if _fold(get(key, "")):
                code = self.choice(line, key, cls, get(key, ""))
                if code is not None:
                    data[key] = code
        tags_text = _fold(get("care_tags", ""))
        if tags_text:
            tags: list[str] = []
            for part in _TAG_SPLIT.split(tags_text):
                part = part.strip()
                if not part:
                    continue
                try:
                    tag = CareTag.parse(part).value
                except ValueError:
                    self.error(
                        line, "care_tags", *_choice_parts(CareTag, part, "关爱标签", "care tag")
                    )
                    continue
                if tag not in tags:
                    tags.append(tag)
            data["care_tags"] = tags
        building = _building_name(get("building", ""))
        street, community = _fold(get("street", "")), _fold(get("community", ""))
        for name, value in data.items():
            self._within_rules(line, "resident", name, name, value)
        for key, entity, name, value in (
            ("building", "building", "name", building),
            ("room", "household", "room", room),
            ("street", "street", "name", street),
            ("community", "community", "name", community),
        ):
            self._within_rules(line, entity, name, key, value)
        if grid is None or unit is None or floor is None or not building or not room:
            return None
        return CheckedRow(
            line=line,
            grid=grid,
            street=street,
            community=community,
            building=building,
            unit=unit,
            floor=floor,
            room=room,
            data=data,
            ok=len(self.errors) == before,
        )

    def _within_rules(self, line: int, entity: str, name: str, key: str, value: Any) -> None:
        """A value the write path (and the hub) would refuse is an error of this row
        (`domain.fields`: one set of rules for forms, rosters and bundles)."""
        bad = fields.check_value(entity, name, value)
        if bad is not None:
            self.error(line, key if key in COLUMNS else None, bad.zh, bad.en)

    def _sex(self, line: int, text: str, id_number: str | None, data: dict[str, Any]) -> None:
        """Sex from its cell (checked against the ID), else from the ID number."""
        from_id = sex_from_id(id_number) if id_number else None
        if _fold(text):
            code = self.choice(line, "sex", Sex, text)
            if code is not None and from_id is not None and code != from_id:
                given, implied = Sex(code), Sex(from_id)
                self.error(
                    line,
                    "sex",
                    f"性别「{given.zh}」与身份证号（{implied.zh}）不符",
                    f"sex {given.en} does not match the ID number ({implied.en})",
                )
            elif code is not None:
                data["sex"] = code
        elif from_id is not None:
            data["sex"] = from_id

    def _birth(self, line: int, text: str, id_number: str | None, data: dict[str, Any]) -> None:
        """Birth date from its cell (checked against the ID), else from the ID number."""
        from_id = _id_birth(id_number) if id_number else None
        if not _fold(text):
            if from_id is not None:
                data["birth_date"] = from_id
            return
        born = parse_date(text)
        if born is None:
            self.error(
                line,
                "birth_date",
                f"出生日期「{text}」不是有效日期（格式如 1948-03-05、1948/3/5 或 19480305）",
                f"birth date {text!r} is not a valid date (write 1948-03-05, 1948/3/5 or 19480305)",
            )
        elif born > clock.today():
            self.error(
                line,
                "birth_date",
                f"出生日期 {born} 晚于今天",
                f"birth date {born} is in the future",
            )
        elif from_id is not None and born != from_id:
            self.error(
                line,
                "birth_date",
                f"出生日期 {born} 与身份证号中的出生日期 {from_id} 不一致",
                f"birth date {born} does not match the birth date in the ID number, {from_id}",
            )
        else:
            data["birth_date"] = born


def _choice_parts(cls: type[Choice], value: str, what_zh: str, what_en: str) -> tuple[str, str]:
    """(zh, en) messages for a value not in a value list."""
    return (
        f"{what_zh}「{value}」无效，可选：{'、'.join(m.zh for m in cls)}",
        f"invalid {what_en} {value!r}; allowed: {', '.join(m.en for m in cls)}",
    )


def _id_birth(id_number: str) -> date:
    """The birth date of a valid ID number."""
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


# -- the cell readings other tables share (a consultation's owner register and votes) ---------


def cell_text(text: str) -> str:
    """A cell NFKC-folded and trimmed (as the roster reads every cell)."""
    return _fold(text)


def building_name(text: str) -> str:
    """A building cell as a name (a bare number becomes "N栋")."""
    return _building_name(text)


def room_name(text: str) -> str:
    """A room cell without a trailing 室/号."""
    return _room(text)


def floor_from_room(room: str) -> int:
    """The floor a room number implies: 302 → 3, 1502 → 15; short numbers → 1."""
    return _floor_from_room(room)


def positive_number(text: str) -> int | None:
    """A positive whole number as written in a unit or floor cell (2, 2.0, 2单元), else None."""
    match = _POSITIVE.fullmatch(_fold(text))
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None
