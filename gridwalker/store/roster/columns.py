"""The roster's columns (headers in zh and en) and what an import reports: errors, result."""

from __future__ import annotations

from dataclasses import dataclass, field

# canonical key -> (Chinese header, English header, further accepted spellings)
COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "street": ("街道", "street", ()),
    "community": ("社区", "community", ()),
    "grid": ("网格", "grid", ("网格编号", "网格编码", "gridcode")),
    "building": ("楼栋", "building", ("楼栋号", "楼号")),
    "unit": ("单元", "unit", ("单元号",)),
    "floor": ("楼层", "floor", ()),
    "room": ("房号", "room", ("房间号", "门牌号")),
    "name": ("姓名", "name", ()),
    "sex": ("性别", "sex", ("gender",)),
    "birth_date": ("出生日期", "birth_date", ("dateofbirth", "birthday")),
    "id_number": ("身份证号", "id_number", ("身份证号码", "公民身份号码", "idno", "id")),
    "phone": ("联系电话", "phone", ("电话", "手机", "手机号", "mobile")),
    "relation": ("与户主关系", "relation", ()),
    "residence_type": ("人口类型", "residence_type", ()),
    "care_tags": ("关爱标签", "care_tags", ()),
}
REQUIRED = ("building", "room", "name")
SUPPORTED = (".csv", ".xlsx")


def in_language(lang: str, zh: str, en: str) -> str:
    """Pick the message for `lang` ("en", else Chinese)."""
    return en if lang == "en" else zh


def column_label(key: str, lang: str) -> str:
    """The standard header of a column in `lang`."""
    zh, en, _ = COLUMNS[key]
    return en if lang == "en" else zh


@dataclass
class RowError:
    """One problem in one row: line as the spreadsheet shows it (header is line 1)."""

    line: int
    column: str | None
    message: str


@dataclass
class RosterResult:
    """What an import did (or, with errors or a dry run, would do)."""

    rows: int = 0
    households_created: int = 0
    residents_created: int = 0
    residents_updated: int = 0
    unchanged: int = 0
    places_created: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    written: bool = False  # True only when rows were actually written to the database


class RosterError(Exception):
    """A problem with the whole file: unreadable, unknown encoding, missing columns, empty."""
