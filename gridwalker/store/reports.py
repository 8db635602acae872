"""Report files for the sub-district: the census information base as CSV or XLSX.

Rows are streamed page by page from the store (never a whole table in memory) into a
temporary file next to the target, which replaces the target only when complete.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from gridwalker.domain.census import CensusFlag
from gridwalker.domain.choices import (
    Choice,
    Industry,
    OperatingStatus,
    Ownership,
    PartyOrgKind,
    PartyOrgStatus,
    Scale,
)
from gridwalker.domain.masking import mask_phone
from gridwalker.store.census import InfoFilter, InfoRow, infobase_page

PAGE_SIZE = 500
REPORT_SUFFIXES = (".csv", ".xlsx")
FLAG_SEPARATOR = "；"
CENSUS_SHEET = {"zh": "楼宇企业普查", "en": "Enterprise census"}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a report: headers, a spreadsheet width and how to read a row."""

    zh: str
    en: str
    width: int
    value: Callable[[InfoRow, str, bool], Any]

    def header(self, lang: str) -> str:
        """The column's header in `lang` ("en", else Chinese)."""
        return self.en if lang == "en" else self.zh


def _label(choice: type[Choice], code: str | None, lang: str) -> str:
    """A stored code as its label; an unknown code as itself, None as empty."""
    if not code:
        return ""
    try:
        return choice(code).label(lang)
    except ValueError:
        return code


def _yes_no(value: bool | None, lang: str) -> str:
    """是/否 (Yes/No); empty when unknown (never censused)."""
    if value is None:
        return ""
    if lang == "en":
        return "Yes" if value else "No"
    return "是" if value else "否"


def _flags(flags: list[CensusFlag], lang: str) -> str:
    """Flag labels joined by a full-width semicolon."""
    return FLAG_SEPARATOR.join(flag.label(lang) for flag in flags)


def _phone(row: InfoRow, with_contacts: bool) -> str:
    """The contact phone, masked unless full contacts were asked for."""
    if with_contacts:
        return row.contact_phone or ""
    return mask_phone(row.contact_phone)


CENSUS_COLUMNS: tuple[Column, ...] = (
    Column("楼宇", "Tower", 18, lambda r, _l, _c: r.tower),
    Column("楼层", "Floor", 6, lambda r, _l, _c: r.floor),
    Column("房间", "Room", 8, lambda r, _l, _c: r.room or ""),
    Column("企业名称", "Enterprise", 36, lambda r, _l, _c: r.name),
    Column("统一社会信用代码", "Credit code", 22, lambda r, _l, _c: r.uscc or ""),
    Column("行业", "Industry", 30, lambda r, lang, _c: _label(Industry, r.industry, lang)),
    Column("企业性质", "Ownership", 12, lambda r, lang, _c: _label(Ownership, r.ownership, lang)),
    Column("规模", "Scale", 8, lambda r, lang, _c: _label(Scale, r.scale, lang)),
    Column("从业人数", "Employees", 10, lambda r, _l, _c: r.employees),
    Column(
        "经营状态",
        "Operating status",
        14,
        lambda r, lang, _c: _label(OperatingStatus, r.operating_status, lang),
    ),
    Column("普查年度", "Census year", 10, lambda r, _l, _c: r.census_year),
    Column(
        "党组织建立情况",
        "Party organisation",
        16,
        lambda r, lang, _c: _label(PartyOrgStatus, r.party_org_status, lang),
    ),
    Column(
        "党组织类型",
        "Kind of organisation",
        14,
        lambda r, lang, _c: _label(PartyOrgKind, r.party_org_kind, lang),
    ),
    Column("党员人数", "Party members", 10, lambda r, _l, _c: r.party_members),
    Column(
        "党建指导员",
        "Instructor assigned",
        10,
        lambda r, lang, _c: _yes_no(r.instructor_assigned, lang),
    ),
    Column("工会", "Union", 6, lambda r, lang, _c: _yes_no(r.has_union, lang)),
    Column("团组织", "Youth league", 8, lambda r, lang, _c: _yes_no(r.has_youth_league, lang)),
    Column("提示", "Flags", 30, lambda r, lang, _c: _flags(r.flags, lang)),
    Column("联系人", "Contact", 10, lambda r, _l, _c: r.contact_name or ""),
    Column("联系电话", "Contact phone", 15, lambda r, _l, with_c: _phone(r, with_c)),
)


def _cells(text: str) -> int:
    """Display width of text: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _census_rows(conn: Connection, flt: InfoFilter) -> Iterator[InfoRow]:
    """Every row of the information base for a filter, fetched one page at a time."""
    offset = 0
    while True:
        page = infobase_page(conn, flt, offset, PAGE_SIZE)
        yield from page
        if len(page) < PAGE_SIZE:
            return
        offset += len(page)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: object) -> object:
    """A cell value for CSV; typed text that Excel would run as a formula is quoted with '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _write_csv(
    path: Path, rows: Iterator[InfoRow], columns: tuple[Column, ...], lang: str, full: bool
) -> int:
    """Write rows as CSV in UTF-8 with a BOM (so Excel in China reads it as UTF-8)."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.header(lang) for c in columns])
        for row in rows:
            writer.writerow(
                [
                    "" if v is None else _csv_text(v)
                    for v in (c.value(row, lang, full) for c in columns)
                ]
            )
            count += 1
    return count


def _write_xlsx(
    path: Path,
    rows: Iterator[InfoRow],
    columns: tuple[Column, ...],
    lang: str,
    full: bool,
    title: str,
) -> int:
    """Write rows as an XLSX sheet (write-only, streamed) with a bold header row."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for i, column in enumerate(columns, start=1):
        width = max(column.width, _cells(column.header(lang)) + 2)
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header(lang))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        cells = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column.value(row, lang, full))
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"  # typed text, never a formula Excel would run
            cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(path)
    return count


def _check_suffix(out: Path) -> str:
    """The report format from the file name; ValueError for one we cannot write."""
    suffix = out.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ValueError(
            f"无法写入「{out.name}」：报表文件名须以 .csv 或 .xlsx 结尾 / "
            f"cannot write {out.name!r}: a report file name must end in .csv or .xlsx"
        )
    return suffix


def write_census_report(
    conn: Connection, out: Path, flt: InfoFilter, *, with_contacts: bool, lang: str = "zh"
) -> int:
    """Write the census information base to `out` (.csv or .xlsx); returns the rows written.

    Headers and value labels are Chinese (English for lang "en"); contact phones are masked
    unless `with_contacts`. The file appears only when complete.
    """
    out = Path(out)
    suffix = _check_suffix(out)
    lang = "en" if lang == "en" else "zh"
    tmp = out.with_name(f".{out.name}.part")
    rows = _census_rows(conn, flt)
    try:
        if suffix == ".csv":
            count = _write_csv(tmp, rows, CENSUS_COLUMNS, lang, with_contacts)
        else:
            count = _write_xlsx(tmp, rows, CENSUS_COLUMNS, lang, with_contacts, CENSUS_SHEET[lang])
        tmp.replace(out)
    except BaseException:
        if tmp.is_file():
            tmp.unlink()
        raise
    return count
