"""`report consultation`: a consultation as a spreadsheet for the community and the owners.

XLSX: three sheets — every room with its latest vote (owner masked unless asked), the totals
against the thresholds, and a printable 意见征询表 laid out for A4 (building, unit, room,
owner, area, cost share, the question, boxes to tick, a signature line) to take door to door.
CSV (one table only): the rooms, then the totals below them. The file is 0600 and appears only
when complete (a temporary file next to it replaces it).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from gridwalker.config import private_file
from gridwalker.domain.consultation import (
    MAJOR,
    ORDINARY,
    PARTICIPATION,
    ConsultKind,
    VoteChoice,
    area_text,
)
from gridwalker.domain.masking import mask_name
from gridwalker.store.consult.counting import Count, shares
from gridwalker.store.consult.register import RegisterRoom
from gridwalker.store.consult.votes import Vote
from gridwalker.store.sheets import FORMULA_START, csv_text, report_suffix


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


@dataclass(frozen=True)
class RoomLine:
    """One room of the report."""

    room: RegisterRoom
    vote: Vote | None
    share: Decimal | None


ROOM_HEADERS = (
    ("楼栋", "Building", 10),
    ("单元", "Unit", 6),
    ("房号", "Room", 8),
    ("楼层", "Floor", 6),
    ("业主", "Owner", 16),
    ("面积（㎡）", "Area (m²)", 11),
    ("分摊费用（元）", "Cost share (yuan)", 14),
    ("意见", "Choice", 12),
    ("方式", "How", 12),
    ("表单编号", "Form no.", 10),
    ("委托人", "Proxy", 10),
    ("日期", "Date", 12),
    ("记录人", "Recorded by", 10),
)


def _choice(found: Count, vote: Vote | None, lang: str) -> str:
    if vote is None:
        return _t(lang, "未征询", "Not asked")
    if found.consultation.kind is ConsultKind.DECISION:
        return VoteChoice(vote.choice).label(lang)
    return vote.choice


def _owner(room: RegisterRoom, full: bool, lang: str) -> str:
    if room.unsold:
        return _t(lang, "开发商（未售）", "Developer (unsold)")
    return room.owner if full else mask_name(room.owner)


def _room_cells(found: Count, line: RoomLine, lang: str, full: bool) -> list[Any]:
    r, v = line.room, line.vote
    return [
        found.consultation.building,
        r.unit or "",
        r.room,
        r.floor or "",
        _owner(r, full, lang),
        float(Decimal(r.area)),
        float(line.share) if line.share is not None else "",
        _choice(found, v, lang),
        v.way.label(lang) if v else "",
        (v.form_no or "") if v else "",
        ((v.proxy_name or "") if full else mask_name(v.proxy_name)) if v else "",
        v.voted_on.isoformat() if v else "",
        (v.recorded_by or "") if v else "",
    ]


def _pct(ratio: Any) -> str:
    return "—" if ratio is None else f"{ratio.numerator}/{ratio.denominator} ({float(ratio):.2%})"


def _yes(value: bool | None, lang: str) -> str:
    if value is None:
        return ""
    return _t(lang, "是", "Yes") if value else _t(lang, "否", "No")


def totals(found: Count, lang: str) -> list[tuple[str, str]]:
    """The count against the thresholds, as (label, value) lines."""
    c, t = found.consultation, found.tally
    kind = c.kind.label(lang) + (f" · {c.matter.label(lang)}" if c.matter else "")
    out = [
        (_t(lang, "征询事项", "Consultation"), c.title),
        (_t(lang, "范围", "Scope"), c.scope),
        (_t(lang, "类别", "Kind"), kind),
        (_t(lang, "房间数", "Rooms"), str(t.rooms)),
        (
            _t(lang, "业主人数（一人多套计一人）", "Owners (one per owner of several rooms)"),
            str(t.owners),
        ),
        (_t(lang, "总面积（㎡）", "Total area (m²)"), area_text(t.area_total)),
        (
            _t(lang, "参与表决人数", "Owners who took part"),
            f"{t.participation.owners}  {_pct(t.participation.owners_ratio)}",
        ),
        (
            _t(lang, "参与表决面积（㎡）", "Area that took part (m²)"),
            f"{area_text(t.participation.area)}  {_pct(t.participation.area_ratio)}",
        ),
        (_t(lang, "未征询房间", "Rooms not yet asked"), str(len(t.not_asked))),
    ]
    if t.agree is not None and c.matter is not None:
        rule = _t(
            lang,
            f"参与表决人数和面积均 ≥ {PARTICIPATION}（以上含本数）",
            f"Owners and area taking part both ≥ {PARTICIPATION}",
        )
        agree_rule = (
            _t(
                lang,
                f"同意人数和面积均 ≥ 参与表决的 {MAJOR}",
                f"Agreeing owners and area both ≥ {MAJOR} of those taking part",
            )
            if not c.matter.strict
            else _t(
                lang,
                f"同意人数和面积均过参与表决的 {ORDINARY}（过半数不含本数）",
                f"Agreeing owners and area both > {ORDINARY} of those taking part",
            )
        )
        out += [
            (_t(lang, "参与门槛", "Participation threshold"), rule),
            (_t(lang, "参与达到门槛", "Participation met"), _yes(t.participation.met, lang)),
            (
                _t(lang, "同意人数", "Owners agreeing"),
                f"{t.agree.owners}  {_pct(t.agree.owners_ratio)}",
            ),
            (
                _t(lang, "同意面积（㎡）", "Area agreeing (m²)"),
                f"{area_text(t.agree.area)}  {_pct(t.agree.area_ratio)}",
            ),
            (_t(lang, "通过门槛", "Passing threshold"), agree_rule),
            (_t(lang, "同意达到门槛", "Agreement met"), _yes(t.agree.met, lang)),
            (
                _t(lang, "结果", "Result"),
                _t(lang, "通过", "Passed") if t.passed else _t(lang, "未通过", "Not passed"),
            ),
        ]
        if not t.passed and t.missing is not None:
            out.append(
                (
                    _t(lang, "尚需同意", "Still needed to pass"),
                    _t(
                        lang,
                        f"{t.missing.owners} 位业主 / {area_text(t.missing.area)} ㎡",
                        f"{t.missing.owners} owners / {area_text(t.missing.area)} m²",
                    ),
                )
            )
    for o in t.options:
        out.append(
            (
                _t(lang, f"选项：{o.option}", f"Option: {o.option}"),
                f"{o.owners} {_t(lang, '人', 'owners')} {_pct(o.owners_ratio)} · {area_text(o.area)} ㎡ {_pct(o.area_ratio)}",
            )
        )
    if c.cost is not None:
        out += [
            (_t(lang, "总造价（元）", "Total cost (yuan)"), str(c.cost)),
            (_t(lang, "补贴（元）", "Subsidy (yuan)"), str(c.subsidy or Decimal("0.00"))),
            (
                _t(lang, "业主分摊合计（元）", "Shared by the owners (yuan)"),
                str(c.cost - (c.subsidy or 0)),
            ),
            (
                _t(lang, "楼层系数", "Floor coefficients"),
                "  ".join(f"{f}: {v}" for f, v in sorted(c.coefficients.items())),
            ),
        ]
    return out


def write_consultation_report(
    found: Count, out: Path, *, with_contacts: bool, lang: str = "zh"
) -> int:
    """Write the report of a consultation's count to `out` (.xlsx or .csv); returns the rooms."""
    lang = "en" if lang == "en" else "zh"
    suffix = report_suffix(Path(out))
    split = shares(found.consultation, found.rooms)
    lines = [RoomLine(r, found.latest.get(r.uuid), split.get(r.uuid)) for r in found.rooms]
    out = Path(out)
    tmp = out.with_name(f".{out.name}.part")
    try:
        private_file(tmp)
        if suffix == ".csv":
            _write_csv(tmp, found, lines, lang, with_contacts)
        else:
            _write_xlsx(tmp, found, lines, lang, with_contacts)
        tmp.replace(out)
    except BaseException:
        if tmp.is_file():
            tmp.unlink()
        raise
    return len(lines)


def _write_csv(path: Path, found: Count, lines: list[RoomLine], lang: str, full: bool) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([_t(lang, zh, en) for zh, en, _w in ROOM_HEADERS])
        for line in lines:
            writer.writerow([csv_text(v) for v in _room_cells(found, line, lang, full)])
        writer.writerow([])
        for label, value in totals(found, lang):
            writer.writerow([csv_text(label), csv_text(value)])


def _text_cell(cell: Any) -> None:
    """Typed text stays text: never a formula Excel would run."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
        cell.data_type = "s"


def _write_xlsx(path: Path, found: Count, lines: list[RoomLine], lang: str, full: bool) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    rooms = book.active
    rooms.title = _t(lang, "逐户意见", "Rooms")
    bold = Font(bold=True)
    rooms.append([_t(lang, zh, en) for zh, en, _w in ROOM_HEADERS])
    for i, (_zh, _en, width) in enumerate(ROOM_HEADERS, start=1):
        rooms.column_dimensions[get_column_letter(i)].width = width
        rooms.cell(1, i).font = bold
    for line in lines:
        rooms.append(_room_cells(found, line, lang, full))
    rooms.freeze_panes = "A2"
    for row in rooms.iter_rows(min_row=2):
        for cell in row:
            _text_cell(cell)

    sums = book.create_sheet(_t(lang, "统计与门槛", "Totals"))
    sums.column_dimensions["A"].width = 34
    sums.column_dimensions["B"].width = 60
    for label, value in totals(found, lang):
        sums.append([label, value])
    for row in sums.iter_rows():
        row[0].font = bold
        for cell in row:
            _text_cell(cell)

    _printable(
        book.create_sheet(_t(lang, "意见征询表", "Consultation form")), found, lines, lang, full
    )
    book.save(path)


def _printable(sheet: Any, found: Count, lines: list[RoomLine], lang: str, full: bool) -> None:
    """The form to take door to door, laid out for A4 portrait."""
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.worksheet.page import PageMargins

    c = found.consultation
    if c.kind is ConsultKind.DECISION:
        boxes = "  ".join(f"□{choice.label(lang)}" for choice in VoteChoice)
    else:
        boxes = "  ".join(f"□{option}" for option in c.options)
    headers = [
        (_t(lang, "单元", "Unit"), 6),
        (_t(lang, "房号", "Room"), 7),
        (_t(lang, "业主", "Owner"), 12),
        (_t(lang, "面积（㎡）", "Area (m²)"), 9),
        (_t(lang, "分摊（元）", "Share (yuan)"), 11),
        (_t(lang, "意见（请勾选）", "Choice (tick one)"), 24),
        (_t(lang, "签字", "Signature"), 14),
        (_t(lang, "日期", "Date"), 10),
    ]
    last = chr(ord("A") + len(headers) - 1)
    title = f"{c.title} · " + _t(lang, "意见征询表", "consultation form")
    place = f"{c.building}" + (f" {c.unit}单元" if c.unit else "")
    sheet.append([title])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([_t(lang, f"范围：{c.scope}", f"Scope: {c.scope}")])
    sheet.merge_cells(f"A2:{last}2")
    question = _t(lang, f"征询事项：{c.title}", f"Question: {c.title}")
    if c.matter is not None:
        question += f"（{c.matter.label(lang)}）" if lang != "en" else f" ({c.matter.label(lang)})"
    sheet.append([question])
    sheet.merge_cells(f"A3:{last}3")
    sheet.append([_t(lang, f"楼栋：{place}", f"Building: {place}")])
    sheet.merge_cells(f"A4:{last}4")
    sheet.append([h for h, _w in headers])
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for i, (_h, width) in enumerate(headers, start=1):
        sheet.column_dimensions[chr(ord("A") + i - 1)].width = width
        cell = sheet.cell(5, i)
        cell.font = Font(bold=True)
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for line in lines:
        r = line.room
        sheet.append(
            [
                r.unit or "",
                r.room,
                _owner(r, full, lang),
                float(Decimal(r.area)),
                float(line.share) if line.share is not None else "",
                boxes,
                "",
                "",
            ]
        )
        row = sheet.max_row
        sheet.row_dimensions[row].height = 30  # room to sign
        for i in range(1, len(headers) + 1):
            cell = sheet.cell(row, i)
            cell.border = border
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            _text_cell(cell)
    for row in range(1, 5):
        _text_cell(sheet.cell(row, 1))
    sheet.append([])
    note = _t(
        lang,
        "说明：依据《民法典》第二百七十八条，表决须由专有部分面积占比三分之二以上且人数占比三分之二以上的业主参与；"
        "重大事项须经参与表决面积四分之三以上且人数四分之三以上的业主同意，一般事项须过半数同意。"
        "一人拥有多套房屋按一人计（最高法建筑物区分所有权解释第九条）。",
        "Civil Code art. 278: owners holding at least two thirds of the area and two thirds of the "
        "owners take part; a major matter needs three quarters of the participating area and "
        "owners, an ordinary one more than half. An owner of several rooms counts once (SPC "
        "interpretation art. 9).",
    )
    sheet.append([note])
    sheet.merge_cells(f"A{sheet.max_row}:{last}{sheet.max_row}")
    sheet.row_dimensions[sheet.max_row].height = 48
    sheet.cell(sheet.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.append(
        [_t(lang, "征询人（签字）：            日期：", "Asked by (signature):            Date:")]
    )
    sheet.merge_cells(f"A{sheet.max_row}:{last}{sheet.max_row}")
    # A4 portrait, one page wide, the table header repeated on every page.
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "5:5"
    sheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.print_options.horizontalCentered = True
