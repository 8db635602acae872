"""Roster import: residents from a CSV or XLSX file into the places they live in.

Every row is checked first (fields, places, duplicates within the file, matches in the
database); with any error nothing is written. Otherwise all inserts and updates go through
one `Writer` in one transaction. A resident already in the database is matched within their
household by ID number, else by name; only fields the file gives (non-empty cells) are
compared, so an import never erases data, and a row that changes nothing writes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from gridwalker.domain import clock
from gridwalker.domain.choices import CareTag, Choice, Relation, ResidenceType, Sex
from gridwalker.domain.validators import (
    check_phone,
    check_resident_id,
    normalize_phone,
    normalize_resident_id,
    sex_from_id,
)
from gridwalker.store import search
from gridwalker.store.tables import Building, Community, Grid, Household, Resident, Street
from gridwalker.store.writes import Writer, new_uuid

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
_TAG_SPLIT = re.compile(r"[;；、,，]")
_POSITIVE = re.compile(r"(\d+)(?:\.0+)?\s*(?:单元|层|楼)?")
_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_BATCH = 5000


def _header_key(text: str) -> str:
    """Fold a header for lookup: NFKC, case-folded, without spaces, _, -, * markers."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s_\-*]", "", folded)


_ALIASES: dict[str, str] = {}
for _key, (_zh, _en, _more) in COLUMNS.items():
    for _spelling in (_zh, _en, *_more):
        _ALIASES[_header_key(_spelling)] = _key


def _msg(lang: str, zh: str, en: str) -> str:
    """Pick the message for `lang` ("en", else Chinese)."""
    return en if lang == "en" else zh


def _label(key: str, lang: str) -> str:
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


# --- reading ------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as trimmed text: dates ISO, whole floats without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _decode(path: Path, data: bytes, lang: str) -> str:
    """Decode CSV bytes: a UTF-8 BOM, else strict UTF-8, else GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RosterError(
                _msg(
                    lang,
                    f"{path}：文件标明为UTF-8但含有无效字节（{exc}）",
                    f"{path}: marked as UTF-8 but holds invalid bytes ({exc})",
                )
            ) from None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError(
        _msg(
            lang,
            f"{path}：无法识别文件编码（支持UTF-8、带BOM的UTF-8和GB18030）",
            f"{path}: unknown text encoding (UTF-8, UTF-8 with BOM and GB18030 are supported)",
        )
    )


def _csv_records(path: Path, lang: str) -> Iterable[tuple[int, list[str]]]:
    """(line, cells) of every record of a CSV file, blank ones included."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterError(
            _msg(
                lang,
                f"{path}：无法读取文件（{exc.strerror or exc}）",
                f"{path}: cannot read the file ({exc.strerror or exc})",
            )
        ) from None
    text = _decode(path, data, lang)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise RosterError(
            _msg(lang, f"{path}：CSV格式错误（{exc}）", f"{path}: malformed CSV ({exc})")
        ) from None
    return [(i, [c.strip() for c in record]) for i, record in enumerate(records, start=1)]


def _xlsx_records(path: Path, lang: str) -> Iterable[tuple[int, list[str]]]:
    """(line, cells) of every row of the first sheet of an XLSX workbook."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise RosterError(
            _msg(
                lang,
                f"{path}：无法读取Excel文件（{exc}）",
                f"{path}: cannot read the Excel workbook ({exc})",
            )
        ) from None
    try:
        if not workbook.worksheets:
            return []
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=1, values_only=True)
        return [(i, [_cell_text(v) for v in row]) for i, row in enumerate(rows, start=1)]
    finally:
        workbook.close()


def _read(path: Path, lang: str) -> tuple[list[str], dict[str, str], list[tuple[int, dict]]]:
    """Canonical keys, the header text each key had in the file, and the data rows."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise RosterError(
            _msg(
                lang,
                f"{path}：不支持的文件类型「{path.suffix or '无扩展名'}」，请用 .csv 或 .xlsx",
                f"{path}: unsupported file type {path.suffix or '(none)'!r}; use .csv or .xlsx",
            )
        )
    if not path.is_file():
        raise RosterError(_msg(lang, f"{path}：文件不存在", f"{path}: no such file"))
    records = _csv_records(path, lang) if suffix == ".csv" else _xlsx_records(path, lang)
    filled = [(line, cells) for line, cells in records if any(cells)]
    if not filled:
        raise RosterError(_msg(lang, f"{path}：文件为空", f"{path}: the file is empty"))
    _header_line, header = filled[0]
    positions: dict[str, int] = {}
    originals: dict[str, str] = {}
    for pos, text in enumerate(header):
        key = _ALIASES.get(_header_key(text)) if text else None
        if key is None:
            continue
        if key in positions:
            raise RosterError(
                _msg(
                    lang,
                    f"{path}：列「{originals[key]}」和「{text}」重复",
                    f"{path}: columns {originals[key]!r} and {text!r} are the same column",
                )
            )
        positions[key] = pos
        originals[key] = text
    missing = [key for key in REQUIRED if key not in positions]
    if missing:
        raise RosterError(
            _msg(
                lang,
                f"{path}：缺少必填列：{'、'.join(COLUMNS[k][0] for k in missing)}",
                f"{path}: missing required columns: {', '.join(COLUMNS[k][1] for k in missing)}",
            )
        )
    rows = []
    for line, cells in filled[1:]:
        rows.append((line, {k: cells[p] if p < len(cells) else "" for k, p in positions.items()}))
    if not rows:
        raise RosterError(
            _msg(lang, f"{path}：只有表头，没有数据行", f"{path}: a header but no data rows")
        )
    keys = [k for k in COLUMNS if k in positions]
    return keys, originals, rows


def read_roster(
    path: Path, *, lang: str = "zh"
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Read a roster file: its canonical column keys and (line, row) pairs of non-blank rows."""
    keys, _originals, rows = _read(Path(path), lang)
    return keys, rows


# --- checking one row ---------------------------------------------------------------------


@dataclass
class _Row:
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


class _RowChecker:
    """Checks the fields of single rows and collects errors."""

    def __init__(self, headers: dict[str, str], default_grid: str | None, lang: str) -> None:
        """Remember the file's header texts, the --grid code and the message language."""
        self.headers = headers
        self.default_grid = _fold(default_grid).upper() if default_grid else None
        self.lang = lang
        self.errors: list[RowError] = []

    def error(self, line: int, key: str | None, zh: str, en: str) -> None:
        """Record one error for a row."""
        column = self.headers.get(key, _label(key, self.lang)) if key else None
        self.errors.append(RowError(line, column, _msg(self.lang, zh, en)))

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

    def check(self, line: int, raw: dict[str, str]) -> _Row | None:
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
        if grid is None or unit is None or floor is None or not building or not room:
            return None
        return _Row(
            line=line,
            grid=grid,
            street=_fold(get("street", "")),
            community=_fold(get("community", "")),
            building=building,
            unit=unit,
            floor=floor,
            room=room,
            data=data,
            ok=len(self.errors) == before,
        )

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


# --- places -------------------------------------------------------------------------------


@dataclass
class _Planned:
    """A place or household to create."""

    entity: str
    uuid: str
    data: dict[str, Any]


class _Places:
    """Streets, communities, grids and buildings of the database plus those to create."""

    def __init__(self, conn: Connection, create: bool, checker: _RowChecker) -> None:
        """Load the live places of the database."""
        self.create = create
        self.checker = checker
        self.lang = checker.lang
        self.planned: list[_Planned] = []
        self.created: list[str] = []
        self.street_name: dict[str, str] = {}
        for uuid, name in conn.execute(
            select(Street.uuid, Street.name).where(Street.deleted.is_(False))
        ):
            self.street_name[uuid] = name
        self.communities: list[tuple[str, str, str]] = []  # (uuid, name, street uuid)
        for uuid, name, street in conn.execute(
            select(Community.uuid, Community.name, Community.street_uuid).where(
                Community.deleted.is_(False)
            )
        ):
            self.communities.append((uuid, name, street))
        self.community_name = {u: n for u, n, _ in self.communities}
        self.community_street = {u: s for u, _, s in self.communities}
        self.grids: dict[str, tuple[str, str]] = {}  # code -> (uuid, community uuid)
        for uuid, code, community in conn.execute(
            select(Grid.uuid, Grid.code, Grid.community_uuid).where(Grid.deleted.is_(False))
        ):
            self.grids[code.upper()] = (uuid, community)
        self.buildings: dict[tuple[str, str], str] = {}
        self.next_seq: dict[str, int] = {}
        for uuid, grid, name, seq, kind in conn.execute(
            select(
                Building.uuid, Building.grid_uuid, Building.name, Building.seq, Building.kind
            ).where(Building.deleted.is_(False))
        ):
            self.buildings[(grid, name)] = uuid
            if kind != "commercial":
                self.next_seq[grid] = max(self.next_seq.get(grid, 1), seq + 1)

    def _plan(self, entity: str, data: dict[str, Any], zh: str, en: str) -> str:
        """Register a place to create; returns its new uuid."""
        uuid = new_uuid()
        self.planned.append(_Planned(entity, uuid, data))
        self.created.append(_msg(self.lang, zh, en))
        return uuid

    def street(self, row: _Row) -> str | None:
        """The street of a community to create: named, or the only one there is."""
        if row.street:
            for uuid, name in self.street_name.items():
                if name == row.street:
                    return uuid
            if not self.create:
                self.checker.error(
                    row.line,
                    "street",
                    f"未知街道「{row.street}」（加 --create 可新建）",
                    f"unknown street {row.street!r} (add --create to create it)",
                )
                return None
            uuid = self._plan(
                "street",
                {"name": row.street, "area_code": ""},
                f"街道 {row.street}",
                f"street {row.street}",
            )
            self.street_name[uuid] = row.street
            return uuid
        if len(self.street_name) == 1:
            return next(iter(self.street_name))
        self.checker.error(
            row.line,
            "street",
            f"新建社区「{row.community}」需要填写街道",
            f"a new community, {row.community!r}, needs its street",
        )
        return None

    def community(self, row: _Row) -> str | None:
        """The community a new grid goes into (created with --create)."""
        if not row.community:
            self.checker.error(
                row.line,
                "community",
                f"新建网格 {row.grid} 需要填写所属社区",
                f"a new grid, {row.grid}, needs its community",
            )
            return None
        found = [(u, s) for u, n, s in self.communities if n == row.community]
        if row.street:
            found = [(u, s) for u, s in found if self.street_name.get(s) == row.street]
        if len(found) == 1:
            return found[0][0]
        if len(found) > 1:
            self.checker.error(
                row.line,
                "street",
                f"有多个「{row.community}」，请填写街道",
                f"more than one community is called {row.community!r}; give the street",
            )
            return None
        if not self.create:
            self.checker.error(
                row.line,
                "community",
                f"未知社区「{row.community}」（加 --create 可新建）",
                f"unknown community {row.community!r} (add --create to create it)",
            )
            return None
        street = self.street(row)
        if street is None:
            return None
        street_name = self.street_name[street]
        uuid = self._plan(
            "community",
            {"street_uuid": street, "name": row.community},
            f"社区 {row.community} ({street_name})",
            f"community {row.community} ({street_name})",
        )
        self.communities.append((uuid, row.community, street))
        self.community_name[uuid] = row.community
        self.community_street[uuid] = street
        return uuid

    def grid(self, row: _Row) -> str | None:
        """The grid of a row (created with --create), checked against its 社区/街道 cells."""
        assert row.grid is not None
        found = self.grids.get(row.grid)
        if found is None:
            if not self.create:
                self.checker.error(
                    row.line,
                    "grid",
                    f"未知网格 {row.grid}（加 --create 可新建）",
                    f"unknown grid {row.grid} (add --create to create it)",
                )
                return None
            community = self.community(row)
            if community is None:
                return None
            tail = row.grid.rsplit("-", 1)[-1]
            name = f"第{int(tail)}网格" if tail.isdigit() else row.grid
            community_name = self.community_name[community]
            uuid = self._plan(
                "grid",
                {"community_uuid": community, "code": row.grid, "name": name},
                f"网格 {row.grid} ({community_name})",
                f"grid {row.grid} ({community_name})",
            )
            self.grids[row.grid] = (uuid, community)
            return uuid
        uuid, community = found
        if row.community and self.community_name.get(community) != row.community:
            actual = self.community_name.get(community, "?")
            self.checker.error(
                row.line,
                "community",
                f"网格 {row.grid} 属于{actual}，不是「{row.community}」",
                f"grid {row.grid} is in {actual}, not {row.community!r}",
            )
            return None
        street = self.street_name.get(self.community_street.get(community, ""), "?")
        if row.street and street != row.street:
            self.checker.error(
                row.line,
                "street",
                f"网格 {row.grid} 属于{street}，不是「{row.street}」",
                f"grid {row.grid} is in {street}, not {row.street!r}",
            )
            return None
        return uuid

    def building(self, row: _Row) -> str | None:
        """The building of a row (created with --create), or None after an error."""
        grid = self.grid(row)
        if grid is None:
            return None
        uuid = self.buildings.get((grid, row.building))
        if uuid is not None:
            return uuid
        if not self.create:
            self.checker.error(
                row.line,
                "building",
                f"网格 {row.grid} 中没有楼栋「{row.building}」（加 --create 可新建）",
                f"grid {row.grid} has no building {row.building!r} (add --create to create it)",
            )
            return None
        seq = self.next_seq.get(grid, 1)
        self.next_seq[grid] = seq + 1
        uuid = self._plan(
            "building",
            {"grid_uuid": grid, "name": row.building, "seq": seq, "kind": "residential"},
            f"楼栋 {row.building} ({row.grid})",
            f"building {row.building} ({row.grid})",
        )
        self.buildings[(grid, row.building)] = uuid
        return uuid


# --- the import ---------------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    """Slices of at most `size` items."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _changes(existing: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The given fields that differ from the stored resident (care tags compared as sets)."""
    out = {}
    for key, value in data.items():
        old = existing[key]
        if key == "care_tags":
            if set(old or []) != set(value):
                out[key] = value
        elif old != value:
            out[key] = value
    return out


def _insert_data(household: str, data: dict[str, Any]) -> dict[str, Any]:
    """A new resident's row: the given fields plus defaults."""
    return {
        "household_uuid": household,
        "relation": Relation.SELF.value,
        "residence_type": ResidenceType.PERMANENT.value,
        "care_tags": [],
        **data,
    }


def import_roster(
    engine: Engine,
    path: Path,
    *,
    grid_code: str | None,
    create: bool,
    dry_run: bool,
    actor: str,
    lang: str = "zh",
) -> RosterResult:
    """Check a roster file and, when every row is fine and it is no dry run, apply it at once."""
    _keys, headers, raw_rows = _read(Path(path), lang)
    checker = _RowChecker(headers, grid_code, lang)
    result = RosterResult(rows=len(raw_rows))
    rows = [row for line, raw in raw_rows if (row := checker.check(line, raw)) is not None]
    _duplicates(rows, checker)

    with engine.begin() as conn:
        places = _Places(conn, create, checker)
        placed = [(row, b) for row in rows if (b := places.building(row)) is not None]
        result.places_created = places.created

        planned_ids = {p.uuid for p in places.planned}
        known = sorted({b for _, b in placed if b not in planned_ids})
        households: dict[tuple[str, int, str], str] = {}
        for chunk in _chunks(known):
            for uuid, building, unit, room in conn.execute(
                select(
                    Household.uuid, Household.building_uuid, Household.unit, Household.room
                ).where(Household.building_uuid.in_(chunk), Household.deleted.is_(False))
            ):
                households.setdefault((building, unit, str(room)), uuid)
        residents: dict[str, list[dict[str, Any]]] = {}
        ids = sorted(set(households.values()))
        for chunk in _chunks(ids):
            for r in conn.execute(
                select(Resident.__table__).where(
                    Resident.household_uuid.in_(chunk), Resident.deleted.is_(False)
                )
            ).mappings():
                residents.setdefault(r["household_uuid"], []).append(dict(r))

        new_households: dict[tuple[str, int, str], _Planned] = {}
        inserts: list[dict[str, Any]] = []
        updates: list[tuple[str, dict[str, Any]]] = []
        claimed: dict[str, int] = {}
        for row, building in placed:
            if not row.ok:
                continue
            key = (building, row.unit, row.room)
            household = households.get(key)
            if household is None:
                planned = new_households.get(key)
                if planned is None:
                    planned = _Planned(
                        "household",
                        new_uuid(),
                        {
                            "building_uuid": building,
                            "unit": row.unit,
                            "floor": row.floor,
                            "room": row.room,
                        },
                    )
                    new_households[key] = planned
                if row.data.get("relation", "self") == "self" and "head_name" not in planned.data:
                    planned.data["head_name"] = row.data["name"]
                    if "phone" in row.data:
                        planned.data["phone"] = row.data["phone"]
                inserts.append(_insert_data(planned.uuid, row.data))
                continue
            match = _match(residents.get(household, []), row.data)
            if match is None:
                inserts.append(_insert_data(household, row.data))
                continue
            if match["uuid"] in claimed:
                first = claimed[match["uuid"]]
                checker.error(
                    row.line,
                    "name",
                    f"与第{first}行匹配到同一位居民",
                    f"matches the same resident as line {first}",
                )
                continue
            claimed[match["uuid"]] = row.line
            changes = _changes(match, row.data)
            if changes:
                updates.append((match["uuid"], changes))
            else:
                result.unchanged += 1

        result.households_created = len(new_households)
        result.residents_created = len(inserts)
        result.residents_updated = len(updates)
        result.errors = sorted(checker.errors, key=lambda e: e.line)
        if result.errors or dry_run or not (inserts or updates or places.planned):
            return result

        writer = Writer(conn, actor, index=False)
        for entity in ("street", "community", "grid", "building"):
            chosen = [p for p in places.planned if p.entity == entity]
            writer.insert_many(entity, [p.data for p in chosen], [p.uuid for p in chosen])
        planned_households = list(new_households.values())
        for chunk in _chunks(planned_households, _BATCH):
            writer.insert_many("household", [p.data for p in chunk], [p.uuid for p in chunk])
        resident_ids: list[str] = []
        for chunk in _chunks(inserts, _BATCH):
            resident_ids += writer.insert_many("resident", chunk)
        for uuid, changes in updates:
            writer.update("resident", uuid, changes)
            resident_ids.append(uuid)
        search.index_rows(conn, "household", [p.uuid for p in planned_households])
        search.index_rows(conn, "resident", resident_ids)
        result.written = True
    return result


def _match(candidates: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any] | None:
    """The stored resident a row is: same ID number, else same name (without a different ID)."""
    id_number = data.get("id_number")
    if id_number:
        for resident in candidates:
            if resident["id_number"] == id_number:
                return resident
    for resident in candidates:
        if resident["name"] == data["name"] and not (id_number and resident["id_number"]):
            return resident
    return None


def _duplicates(rows: list[_Row], checker: _RowChecker) -> None:
    """Flag the second and later rows of a person already in the file (same ID or address+name)."""
    by_id: dict[str, int] = {}
    by_place: dict[tuple[Any, ...], int] = {}
    for row in rows:
        if not row.data["name"]:
            continue
        id_number = row.data.get("id_number")
        if id_number and id_number in by_id:
            first = by_id[id_number]
            checker.error(
                row.line,
                "id_number",
                f"与第{first}行重复：身份证号相同",
                f"duplicate of line {first}: same ID number",
            )
            row.ok = False
            continue
        place = (row.grid, row.building, row.unit, row.room, row.data["name"])
        if place in by_place:
            first = by_place[place]
            checker.error(
                row.line,
                "name",
                f"与第{first}行重复：同一房屋中的同一姓名",
                f"duplicate of line {first}: same name at the same address",
            )
            row.ok = False
            continue
        if id_number:
            by_id[id_number] = row.line
        by_place[place] = row.line
