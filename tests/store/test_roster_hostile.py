"""Hostile rosters (issue #14, points 10 and 11): each test builds its own bad file.

Every refusal is checked through the store function and through `gridwalker roster import`
(exit 1): the reason names the line or the limit, no traceback, the database is unchanged
(a digest of every row), and the file is still in place.
"""

from __future__ import annotations

import csv
import hashlib
import io
import sqlite3
import struct
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from gridwalker.cli import main
from gridwalker.domain.validators import make_resident_id
from gridwalker.store.migrate import open_database
from gridwalker.store.roster import RosterError, csv_file, import_roster, workbook

GRID = "XH-01-01"
WANG_ID = make_resident_id("420103", date(1948, 3, 5), 124, "female")
LIU_ID = make_resident_id("420103", date(1955, 7, 12), 37, "male")
CHEN_ID = make_resident_id("420103", date(1957, 9, 1), 58, "female")
HEADER = ["楼栋", "单元", "楼层", "房号", "姓名", "性别", "身份证号", "联系电话"]
WANG = ["8栋", "1", "", "1901", "王桂兰", "女", WANG_ID, "027-85551234"]
LIU = ["8栋", "1", "", "1902", "刘建国", "男", LIU_ID, "13871234567"]
CHEN = ["8栋", "1", "", "1903", "陈秀英", "女", CHEN_ID, "13871234568"]
VIAS = ["store", "cli"]


def csv_line(cells: list[str]) -> str:
    """One CSV line as Excel writes it."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


def digest(db: Path) -> str:
    """A digest of every row of every table."""
    h = hashlib.sha256()
    with sqlite3.connect(db) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for name in sorted(names):
            h.update(name.encode())
            for row in conn.execute(f'SELECT * FROM "{name}" ORDER BY 1'):
                h.update(repr(row).encode())
    return h.hexdigest()


def refused(via: str, db: Path, path: Path, lang: str = "en") -> str:
    """Import `path` and return the reason it was refused; asserts the refusal's contract."""
    before = digest(db)
    content = path.read_bytes()
    if via == "store":
        engine = open_database(db)
        try:
            result = import_roster(
                engine, path, grid_code=GRID, create=True, dry_run=False, actor="t", lang=lang
            )
            text = "\n".join(f"{path}:{e.line}: {e.message}" for e in result.errors)
            assert result.errors and not result.written
        except RosterError as exc:
            text = str(exc)
        finally:
            engine.dispose()
    else:
        args = ["roster", "import", str(path), "--grid", GRID, "--create", "--db", str(db)]
        result = CliRunner().invoke(main, [*args, "--lang", lang])
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit)
        text = result.output
    assert "Traceback" not in text
    assert digest(db) == before
    assert path.read_bytes() == content
    return text


def imports(db: Path, path: Path) -> int:
    """Import `path` for real; the residents it created."""
    engine = open_database(db)
    try:
        result = import_roster(engine, path, grid_code=GRID, create=True, dry_run=False, actor="t")
    finally:
        engine.dispose()
    assert result.errors == [] and result.written
    return result.residents_created


# --- CSV: quotes and field counts -----------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
def test_stray_quote_is_an_error_on_its_own_line(via: str, demo_db: Path, tmp_path: Path) -> None:
    # Line 3 opens a quote it never closes; today lines 3 and 4 became one resident's name.
    stray = '8栋,1,,1902,"刘建国,男,' + LIU_ID + ",13871234567\r\n"
    path = tmp_path / "花名册.csv"
    path.write_text(csv_line(HEADER) + csv_line(WANG) + stray + csv_line(CHEN), encoding="utf-8")
    text = refused(via, demo_db, path)
    assert f"{path}:3" in text and "unbalanced or misplaced quote" in text
    assert f"{path}:2" not in text and f"{path}:4" not in text
    # The same file with line 3 written properly imports all three.
    path.write_text(
        csv_line(HEADER) + csv_line(WANG) + csv_line(LIU) + csv_line(CHEN), encoding="utf-8"
    )
    assert imports(demo_db, path) == 3


def test_text_after_a_closing_quote_is_an_error(demo_db: Path, tmp_path: Path) -> None:
    bad = '8栋,1,,1902,"刘"建国,男,' + LIU_ID + ",13871234567\r\n"
    path = tmp_path / "r.csv"
    path.write_text(csv_line(HEADER) + bad + csv_line(CHEN), encoding="utf-8")
    text = refused("store", demo_db, path, lang="zh")
    assert f"{path}:2" in text and "引号不成对" in text


@pytest.mark.parametrize("via", VIAS)
def test_wrong_field_counts_are_all_listed(via: str, demo_db: Path, tmp_path: Path) -> None:
    extra = "8栋,1,,1902,刘,建国,男," + LIU_ID + ",13871234567\r\n"  # a comma in the name
    missing = "8栋,1,1903,陈秀英,女," + CHEN_ID + ",13871234568\r\n"  # the floor left out
    path = tmp_path / "r.csv"
    path.write_text(csv_line(HEADER) + csv_line(WANG) + extra + missing, encoding="utf-8")
    text = refused(via, demo_db, path)
    assert f"{path}:3: this line has 9 fields but the header has 8" in text
    assert f"{path}:4: this line has 7 fields but the header has 8" in text


def test_field_count_error_in_chinese(demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(csv_line(HEADER) + "8栋,1,1903,陈秀英\r\n", encoding="utf-8")
    assert "本行有4个字段，表头有8个" in refused("store", demo_db, path, lang="zh")


def test_a_header_with_a_stray_quote_stops_the_file(demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text('楼栋,"房号,姓名\r\n' + "8栋,1901,王桂兰\r\n", encoding="utf-8")
    assert "unbalanced or misplaced quote" in refused("cli", demo_db, path)


# --- CSV: encodings -------------------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
def test_a_gb18030_line_in_a_utf8_file(via: str, demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(
        (csv_line(HEADER) + csv_line(WANG)).encode("utf-8")
        + csv_line(LIU).encode("gb18030")
        + csv_line(CHEN).encode("utf-8")
    )
    text = refused(via, demo_db, path)
    assert f"{path}:3: this line is in GB18030 but the file is UTF-8" in text
    assert f"{path}:4" not in text


@pytest.mark.parametrize("via", VIAS)
def test_a_utf8_line_in_a_gb18030_file(via: str, demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(
        (csv_line(HEADER) + csv_line(WANG)).encode("gb18030")
        + csv_line(LIU).encode("utf-8")
        + csv_line(CHEN).encode("gb18030")
    )
    text = refused(via, demo_db, path)
    assert f"{path}:3: this line is in UTF-8 but the file is GB18030" in text
    assert f"{path}:4" not in text


def test_a_gb18030_line_after_a_utf8_bom(demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(
        (csv_line(HEADER) + csv_line(WANG)).encode("utf-8-sig") + csv_line(LIU).encode("gb18030")
    )
    assert f"{path}:3: the file is marked as UTF-8 (BOM)" in refused("store", demo_db, path)


@pytest.mark.parametrize("via", VIAS)
def test_undecodable_bytes_name_their_line(via: str, demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(
        (csv_line(HEADER) + csv_line(WANG)).encode("utf-8")
        + b"8\xff\xff,1,,1902,\xfe\xff,,,\r\n"
        + csv_line(CHEN).encode("utf-8")
    )
    text = refused(via, demo_db, path)
    assert f"{path}:3: this line holds bytes that are neither UTF-8 nor GB18030" in text


def test_undecodable_header_is_an_unknown_encoding(demo_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("楼栋,房号,姓名\r\n".encode("utf-16-le") + b"\r\n")
    assert "unknown text encoding" in refused("cli", demo_db, path)


# --- CSV: sizes -----------------------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
def test_csv_rows_and_columns_are_limited(
    via: str, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_file, "MAX_ROWS", 3)
    path = tmp_path / "r.csv"
    path.write_text(
        csv_line(HEADER) + csv_line(WANG) + csv_line(LIU) + csv_line(CHEN), encoding="utf-8"
    )
    assert "more than 3 rows" in refused(via, demo_db, path)
    monkeypatch.setattr(csv_file, "MAX_ROWS", 10)
    monkeypatch.setattr(csv_file, "MAX_COLUMNS", 10)
    path.write_text(csv_line(HEADER) + csv_line(WANG + ["x"] * 5), encoding="utf-8")
    assert "line 2 has more than 10 columns" in refused(via, demo_db, path)


def test_csv_file_size_and_cell_length_are_limited(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.csv"
    path.write_text(csv_line(HEADER) + csv_line(WANG[:4] + ["王" * 20_000] + WANG[5:]))
    assert f"{path}:2: a cell is longer than" in refused("store", demo_db, path)
    monkeypatch.setattr(csv_file, "MAX_BYTES", 100)
    path.write_text(csv_line(HEADER) + csv_line(WANG) + csv_line(LIU), encoding="utf-8")
    assert "larger than 0 MB" in refused("cli", demo_db, path)


# --- XLSX -----------------------------------------------------------------------------------


def make_xlsx(path: Path, rows: list[list[object]]) -> Path:
    """A plain workbook with the header and `rows`."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def rewrite_zip(path: Path, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> None:
    """Rewrite the workbook's zip with some parts replaced and others added (deflated)."""
    with zipfile.ZipFile(path) as old:
        parts = {name: old.read(name) for name in old.namelist()}
    parts.update(replace)
    parts.update(add or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in parts.items():
            new.writestr(name, data)


SHEET = "xl/worksheets/sheet1.xml"


@pytest.mark.parametrize("via", VIAS)
def test_xml_entities_are_refused(via: str, demo_db: Path, tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "r.xlsx", [WANG])
    with zipfile.ZipFile(path) as z:
        sheet = z.read(SHEET).decode()
    levels = "".join(
        f'<!ENTITY {c} "{f"&{p};" * 8}">' for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )  # &i; is 8**8 times "lol"
    laughs = f'<!DOCTYPE worksheet [<!ENTITY a "lol">{levels}]>'
    assert not sheet.startswith("<?xml") and "王桂兰" in sheet
    body = sheet.replace("王桂兰", "&i;", 1)
    rewrite_zip(path, {SHEET: (laughs + body).encode()})
    text = refused(via, demo_db, path)
    assert "Excel workbook refused: its XML declares entities" in text


@pytest.mark.parametrize("via", VIAS)
def test_a_zip_bomb_part_is_refused_before_it_inflates(
    via: str, demo_db: Path, tmp_path: Path
) -> None:
    path = make_xlsx(tmp_path / "r.xlsx", [WANG])
    rewrite_zip(path, {}, add={"xl/media/image1.png": bytes(8 * 1024 * 1024)})
    text = refused(via, demo_db, path)
    assert "part 'xl/media/image1.png' has a compression ratio of" in text
    assert "(a zip bomb?)" in text


def test_part_size_and_total_are_limited(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_xlsx(tmp_path / "r.xlsx", [WANG, LIU])
    monkeypatch.setattr(workbook, "MAX_ENTRY_BYTES", 500)
    assert "inflates to" in refused("store", demo_db, path)
    assert "over the limit of 500" in refused("cli", demo_db, path)
    monkeypatch.setattr(workbook, "MAX_ENTRY_BYTES", 10**9)
    monkeypatch.setattr(workbook, "MAX_TOTAL_BYTES", 2000)
    assert "inflates to more than 2000 bytes" in refused("store", demo_db, path)
    monkeypatch.setattr(workbook, "MAX_TOTAL_BYTES", 10**9)
    monkeypatch.setattr(workbook, "MAX_ENTRIES", 3)
    assert "more than 3" in refused("store", demo_db, path)


def test_a_directory_that_lies_about_a_size_is_refused(demo_db: Path, tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "r.xlsx", [WANG, LIU, CHEN])
    data = bytearray(path.read_bytes())
    name = SHEET.encode()
    # Find the central directory record of the sheet and claim it inflates to 10 bytes.
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + length]) == name:
            break
        at += 4
    struct.pack_into("<I", data, at + 24, 10)
    path.write_bytes(bytes(data))
    text = refused("store", demo_db, path)
    assert "cannot read the Excel workbook (BadZipFile: Bad CRC-32" in text


@pytest.mark.parametrize("via", VIAS)
def test_xlsx_rows_and_columns_are_limited(
    via: str, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_xlsx(tmp_path / "r.xlsx", [WANG, LIU, CHEN])
    monkeypatch.setattr(workbook, "MAX_ROWS", 3)
    assert "more than 3 rows" in refused(via, demo_db, path)
    monkeypatch.setattr(workbook, "MAX_ROWS", 10)
    monkeypatch.setattr(workbook, "MAX_COLUMNS", 12)
    make_xlsx(path, [WANG + [""] * 20, LIU + [""] * 5 + ["x"]])  # trailing blanks are fine
    assert "line 3 has more than 12 columns" in refused(via, demo_db, path)


def test_a_sheet_claiming_a_far_row_stops_at_the_limit(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_xlsx(tmp_path / "r.xlsx", [WANG])
    with zipfile.ZipFile(path) as z:
        sheet = z.read(SHEET).decode()
    far = '<row r="1000000000"><c r="A1000000000" t="inlineStr"><is><t>x</t></is></c></row>'
    rewrite_zip(path, {SHEET: sheet.replace("</sheetData>", far + "</sheetData>").encode()})
    monkeypatch.setattr(workbook, "MAX_ROWS", 1000)
    assert "more than 1000 rows" in refused("store", demo_db, path)


@pytest.mark.parametrize("via", VIAS)
def test_reading_a_workbook_has_a_time_limit(
    via: str, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_xlsx(tmp_path / "r.xlsx", [WANG, LIU, CHEN])
    monkeypatch.setattr(workbook, "MAX_SECONDS", -1.0)  # already past: the first row stops it
    assert "took longer than -1 s" in refused(via, demo_db, path)


def test_without_defusedxml_a_workbook_is_refused(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_xlsx(tmp_path / "r.xlsx", [WANG])
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    assert "the safe XML parser (defusedxml) is not in use" in refused("cli", demo_db, path)


def test_a_good_workbook_still_imports(demo_db: Path, tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "r.xlsx", [WANG, LIU, CHEN])
    assert imports(demo_db, path) == 3


def test_read_roster_names_every_unreadable_line(tmp_path: Path) -> None:
    from gridwalker.store.roster import read_roster

    path = tmp_path / "r.csv"
    path.write_text(
        csv_line(HEADER) + '8栋,1,,1902,"刘建国\r\n' + csv_line(CHEN) + "8栋,1\r\n",
        encoding="utf-8",
    )
    with pytest.raises(RosterError) as caught:
        read_roster(path, lang="en")
    assert "unreadable lines: 2: unbalanced or misplaced quote" in str(caught.value)
    assert "; 4: this line has 2 fields but the header has 8" in str(caught.value)


# --- values the hub would refuse --------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
def test_values_beyond_the_field_rules_are_errors_of_their_line(
    via: str, demo_db: Path, tmp_path: Path
) -> None:
    # The write path and the hub refuse these (domain.fields): the roster says so by line.
    long_name = [*LIU[:4], "刘" * 201, *LIU[5:]]
    long_building = ["楼" * 201, *CHEN[1:]]
    path = tmp_path / "花名册.csv"
    path.write_text(
        csv_line(HEADER) + csv_line(WANG) + csv_line(long_name) + csv_line(long_building),
        encoding="utf-8",
    )
    text = refused(via, demo_db, path)
    assert "longer than 200 characters" in text
    assert f"{path}:3" in text and f"{path}:4" in text and f"{path}:2" not in text
    path.write_text(
        csv_line(HEADER) + csv_line(WANG) + csv_line([*LIU[:4], "刘" * 200, *LIU[5:]]),
        encoding="utf-8",
    )
    assert imports(demo_db, path) == 2


@pytest.mark.parametrize("via", VIAS)
def test_control_characters_in_a_cell_are_errors_of_their_line(
    via: str, demo_db: Path, tmp_path: Path
) -> None:
    escape = [*LIU[:4], "刘\x1b[2J建国", *LIU[5:]]
    override = [*CHEN[:4], "陈秀\u202e英", *CHEN[5:]]
    path = tmp_path / "花名册.csv"
    path.write_text(
        csv_line(HEADER) + csv_line(WANG) + csv_line(escape) + csv_line(override),
        encoding="utf-8",
    )
    text = refused(via, demo_db, path)
    assert "U+001B" in text and "U+202E" in text
    assert f"{path}:3" in text and f"{path}:4" in text and f"{path}:2" not in text
