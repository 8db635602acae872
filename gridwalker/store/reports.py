"""Report files for the sub-district: the census information base as CSV or XLSX.

Rows are streamed page by page from the store (never a whole table in memory) into a
temporary file next to the target (`sheets.write_sheet`), which replaces it when complete.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
from gridwalker.store.sheets import Column, write_sheet

PAGE_SIZE = 500
FLAG_SEPARATOR = "；"
CENSUS_SHEET = {"zh": "楼宇企业普查", "en": "Enterprise census"}


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


def _census_rows(conn: Connection, flt: InfoFilter) -> Iterator[InfoRow]:
    """Every row of the information base for a filter, fetched one page at a time."""
    offset = 0
    while True:
        page = infobase_page(conn, flt, offset, PAGE_SIZE)
        yield from page
        if len(page) < PAGE_SIZE:
            return
        offset += len(page)


def write_census_report(
    conn: Connection, out: Path, flt: InfoFilter, *, with_contacts: bool, lang: str = "zh"
) -> int:
    """Write the census information base to `out` (.csv or .xlsx); returns the rows written.

    Headers and value labels are Chinese (English for lang "en"); contact phones are masked
    unless `with_contacts`. The file appears only when complete.
    """
    lang = "en" if lang == "en" else "zh"
    rows = _census_rows(conn, flt)
    return write_sheet(out, rows, CENSUS_COLUMNS, lang, with_contacts, CENSUS_SHEET[lang])
