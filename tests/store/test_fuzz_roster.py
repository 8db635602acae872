"""Fuzz (issue #14, Proof): mutated valid rosters are imported or refused with a clear error
naming the line (or, for the whole file, the file), never an exception, the database unchanged
on error.

Each test starts from a valid roster built here — a CSV as Excel writes it, an XLSX written by
openpyxl — and mutates it: cell values, quotes and field counts, encodings, raw bytes; for the
workbook, its cells, its sheet's XML and its zip. Every example imports into a fresh copy of the
same small street, through `import_roster` (what `gridwalker roster import` calls).
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gridwalker.domain.validators import make_resident_id
from gridwalker.store.migrate import open_database
from gridwalker.store.roster import RosterError, import_roster
from tests.support.fuzz import FUZZ, byte_edit, db_digest, edit_bytes, edit_header, header_edit

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl on damaged cells

EXAMPLES = 80
GRID = "XH-01-01"
HEADER = ["楼栋", "单元", "楼层", "房号", "姓名", "性别", "出生日期", "身份证号", "联系电话",
          "与户主关系", "人口类型", "关爱标签"]  # fmt: skip
ROWS = [
    ["8栋", "1", "", "1901", "王桂兰", "女", "1948-03-05",
     make_resident_id("420103", date(1948, 3, 5), 124, "female"), "027-85551234", "本人",
     "常住", "独居老人"],
    ["8栋", "1", "", "1902", "刘建国", "男", "",
     make_resident_id("420103", date(1955, 7, 12), 37, "male"), "13871234567", "本人", "", ""],
    ["8栋", "1", "", "1902", "陈秀英", "女", "1957/9/1",
     make_resident_id("420103", date(1957, 9, 1), 58, "female"), "", "配偶", "", ""],
    ["9栋", "2", "19", "1901", "赵磊", "男", "19900115", "", "15907181234", "租户", "流动", ""],
]  # fmt: skip

hostile_cell = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            '"',
            '""',
            '"王"桂兰',
            "王,桂兰",
            "王\n桂兰",
            "王\r桂兰",
            "王\x00兰",
            "王\x1b[31m兰",
            "\u202e兰王",
            "\ufeff王桂兰",
            "x" * 10_001,
            "长" * 300,
            '=HYPERLINK("http://x")',
            "0",
            "-1",
            "1.5",
            "2.0",
            "１２",
            "99999999999999999999",
            "1e400",
            "nan",
            "inf",
            "2026-02-30",
            "2199-12-31",
            "1800-01-01",
            "0000-00-00",
            "20261332",
            "1948年3月5日",
            "未知",
            "男女",
            "独居老人;独居老人;;,",
            "不存在的标签",
            "42010319480305124X",
            "420103194803051240",
            "１３８７１２３４５６７",
            "+86 138 7123 4567",
            "1栋",
            "第8栋",
            "8栋 ",
            "室",
            "1901室",
            "😀",
        ]
    ),
    st.text(max_size=12),
)

csv_edit = st.tuples(
    st.sampled_from(["cell", "add-cell", "drop-cell", "quote", "stray-quote", "blank", "dup-row"]),
    st.integers(0, len(ROWS)),  # which line (0: the header)
    st.integers(0, len(HEADER) - 1),  # which column
    hostile_cell,
)


def edit_rows(rows: list[list[str]], edit: tuple) -> list[list[str]]:
    """One change to the rows of a CSV (the header is row 0)."""
    op, line, col, value = edit
    rows = [list(r) for r in rows]
    row = rows[line % len(rows)]
    col %= max(len(row), 1)
    if op == "cell" and row:
        row[col] = value
    elif op == "add-cell":
        row.insert(col, value)
    elif op == "drop-cell" and row:
        del row[col]
    elif op == "quote" and row:
        row[col] = f'"{row[col]}"'  # written as text: a quote inside a quoted cell
    elif op == "stray-quote" and row:
        row[col] = '"' + row[col]
    elif op == "blank":
        rows[line % len(rows)] = [""] * len(row)
    else:
        rows.insert(line % len(rows), list(row))
    return rows


def csv_text(rows: list[list[str]], raw_quotes: bool) -> str:
    """Rows as a CSV: through csv.writer, or joined as they are (stray quotes stay stray)."""
    if raw_quotes:
        return "".join(",".join(row) + "\r\n" for row in rows)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def encode(text: str, encoding: str) -> bytes:
    """Text in an encoding; lines it cannot hold replaced (`?`), and "mixed": every other line
    in GB18030, the rest in UTF-8."""
    if encoding == "mixed":
        lines = text.splitlines(keepends=True)
        return b"".join(
            line.encode("gb18030" if i % 2 else "utf-8", errors="replace")
            for i, line in enumerate(lines)
        )
    return text.encode(encoding, errors="replace")


# --- the contract --------------------------------------------------------------------------


def import_into_copy(template: Path, path: Path) -> None:
    """Import a roster into a fresh copy of the street and assert the contract."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "gridwalker.db"
        shutil.copy(template, db)
        before = db_digest(db)
        content = path.read_bytes()
        engine = open_database(db)
        try:
            try:
                result = import_roster(
                    engine, path, grid_code=GRID, create=True, dry_run=False, actor="t", lang="en"
                )
            except RosterError as exc:
                message = str(exc)
                assert message and str(path) in message and "Traceback" not in message
                result = None
        finally:
            engine.dispose()
        assert path.read_bytes() == content
        if result is not None and not result.errors:
            return  # imported (or nothing to change)
        if result is not None:
            assert not result.written
            for error in result.errors:
                assert error.line >= 1 and error.message, error
        assert db_digest(db) == before, "a refused roster wrote to the database"


@pytest.fixture
def template(small_street: Path, tmp_path: Path) -> Path:
    """The small street, once more: the file each example copies."""
    return Path(shutil.copy(small_street, tmp_path / "street.db"))


# --- CSV ---------------------------------------------------------------------------------------


@settings(FUZZ, max_examples=EXAMPLES)
@given(
    edits=st.lists(csv_edit, max_size=3),
    raw_quotes=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1", "mixed"]),
    damage=st.lists(byte_edit, max_size=1),
)
@example(edits=[], raw_quotes=False, encoding="utf-8", damage=[])  # the roster as it is
def test_mutated_csv_rosters(
    template: Path, tmp_path: Path, edits: list, raw_quotes: bool, encoding: str, damage: list
) -> None:
    rows = [HEADER, *ROWS]
    for edit in edits:
        rows = edit_rows(rows, edit)
    data = encode(csv_text(rows, raw_quotes), encoding)
    for edit in damage:
        data = edit_bytes(data, edit)
    path = tmp_path / "花名册.csv"
    path.write_bytes(data)
    import_into_copy(template, path)


# --- XLSX --------------------------------------------------------------------------------------

xlsx_cell = st.one_of(
    hostile_cell,
    st.sampled_from(
        [
            None,
            0,
            -1,
            8,
            1.5,
            2.0,
            1e308,
            float("nan"),
            float("inf"),
            10**20,
            True,
            date(1948, 3, 5),
            datetime(2026, 11, 20, 9, 30),
            date(1900, 1, 1),
            date(2199, 12, 31),
        ]
    ),
)
xlsx_edit = st.tuples(st.integers(0, len(ROWS)), st.integers(0, 20), xlsx_cell)
# Edits of the first sheet's XML text (before it is zipped again).
XML_EDITS = [
    ("<sheetData>", '<sheetData><row r="1000000000"><c r="A1000000000" t="inlineStr">'
     "<is><t>x</t></is></c></row>"),
    ('<dimension ref="', '<dimension ref="A1:XFD1048576" x="'),
    ("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>",
     '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'),
    ('r="A2"', 'r="XFD2"'),
    ('r="A2"', 'r="A0"'),
    ('r="B2"', 'r="ZZZZZZZ2"'),
    ("</sheetData>", '<row r="3"><c r="A3"><v>1</v></c></row></sheetData>'),
    ('t="s"', 't="e"'),
    ('t="s"', 't="n"'),
    ('t="n"', 't="b"'),
    ("<v>", "<v>999999999"),
    ("<v>", "<v>x"),
    ("</worksheet>", ""),
]  # fmt: skip


def workbook_bytes(rows: list[list[Any]]) -> bytes:
    """Rows as an XLSX workbook; a value openpyxl refuses to write is written as its repr."""
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = openpyxl.Workbook()
    sheet = book.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            try:
                sheet.cell(row=r, column=c, value=value)
            except (IllegalCharacterError, ValueError, TypeError):
                sheet.cell(row=r, column=c, value=repr(value))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def edit_xml(data: bytes, which: int) -> bytes:
    """One substitution in the first sheet's XML, the workbook zipped again."""
    old, new = XML_EDITS[which % len(XML_EDITS)]
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            part = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                part = part.replace(old.encode(), new.encode(), 1)
            zf.writestr(info.filename, part)
    return out.getvalue()


def drop_part(data: bytes, which: int) -> bytes:
    """The workbook without one of its parts."""
    src = zipfile.ZipFile(io.BytesIO(data))
    infos = src.infolist()
    dropped = infos[which % len(infos)].filename
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in infos:
            if info.filename != dropped:
                zf.writestr(info.filename, src.read(info))
    return out.getvalue()


@settings(FUZZ, max_examples=EXAMPLES)
@given(
    cells=st.lists(xlsx_edit, max_size=3),
    xml=st.lists(st.integers(0, len(XML_EDITS) - 1), max_size=2),
    drop=st.lists(st.integers(0, 20), max_size=1),
    headers=st.lists(header_edit, max_size=1),
    damage=st.lists(byte_edit, max_size=1),
)
@example(cells=[], xml=[], drop=[], headers=[], damage=[])  # the workbook as it is
def test_mutated_xlsx_rosters(
    template: Path,
    tmp_path: Path,
    cells: list,
    xml: list,
    drop: list,
    headers: list,
    damage: list,
) -> None:
    rows: list[list[Any]] = [list(HEADER), *(list(r) for r in ROWS)]
    for line, col, value in cells:
        row = rows[line % len(rows)]
        if col < len(row):
            row[col] = value
        else:
            row.append(value)
    data = workbook_bytes(rows)
    for which in xml:
        data = edit_xml(data, which)
    for which in drop:
        data = drop_part(data, which)
    for edit in headers:
        data = edit_header(data, edit)
    for edit in damage:
        data = edit_bytes(data, edit)
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(data)
    import_into_copy(template, path)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_rosters_the_fuzz_starts_from_import(template: Path, tmp_path: Path, kind: str) -> None:
    """Every mutation starts from a roster that imports whole (else the fuzz proves little)."""
    rows = [HEADER, *ROWS]
    data = encode(csv_text(rows, False), "utf-8") if kind == "csv" else workbook_bytes(rows)
    path = tmp_path / f"花名册.{kind}"
    path.write_bytes(data)
    engine = open_database(template)
    try:
        result = import_roster(engine, path, grid_code=GRID, create=True, dry_run=False, actor="t")
    finally:
        engine.dispose()
    assert result.errors == [] and result.written and result.residents_created == len(ROWS)
