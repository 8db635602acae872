"""Census report files: CSV (UTF-8 with BOM) and XLSX, Chinese headers, masked phones."""

from __future__ import annotations

import csv
import re

import pytest
from openpyxl import load_workbook

from gridwalker.domain.census import CensusFlag
from gridwalker.store import reports
from gridwalker.store.census import InfoFilter, infobase_count, infobase_page

MASKED = re.compile(r"^1\d{2}\*{4}\d{4}$")
ZH_HEADERS = ["楼宇", "楼层", "房间", "企业名称", "统一社会信用代码", "行业", "企业性质", "规模"]


@pytest.fixture
def infobase(demo_engine):
    """The demo laptop's information base rows (present enterprises)."""
    with demo_engine.connect() as conn:
        return infobase_page(conn, InfoFilter(), 0, 1000)


def read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_csv_has_a_bom_chinese_headers_labels_and_masked_phones(demo_engine, infobase, tmp_path):
    out = tmp_path / "普查.csv"
    with demo_engine.connect() as conn:
        n = reports.write_census_report(conn, out, InfoFilter(), with_contacts=False)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    header, *rows = read_csv(out)
    assert n == len(rows) == len(infobase) == 37
    assert header[: len(ZH_HEADERS)] == ZH_HEADERS
    assert header[-3:] == ["提示", "联系人", "联系电话"]
    by_code = {r[4]: dict(zip(header, r, strict=True)) for r in rows}
    for row in infobase:
        line = by_code[row.uscc]
        assert line["企业名称"] == row.name and line["楼宇"] == "良友大厦"
        assert MASKED.match(line["联系电话"]) and line["联系电话"][-4:] == row.contact_phone[-4:]
        assert line["经营状态"] in {"正常经营", "经营困难", "停业"}
        assert line["提示"] == "；".join(f.zh for f in row.flags)
    text = out.read_text(encoding="utf-8-sig")
    assert not any(row.contact_phone in text for row in infobase)
    flagged = [r for r in infobase if CensusFlag.SHOULD_SET_UP in r.flags]
    assert flagged and by_code[flagged[0].uscc]["提示"] == "应单独组建党组织"
    assert by_code[flagged[0].uscc]["党组织建立情况"] == "未建立"


def test_csv_with_contacts_keeps_full_phones(demo_engine, infobase, tmp_path):
    out = tmp_path / "full.csv"
    with demo_engine.connect() as conn:
        reports.write_census_report(conn, out, InfoFilter(), with_contacts=True)
    header, *rows = read_csv(out)
    phones = {r[header.index("联系电话")] for r in rows}
    assert phones == {r.contact_phone for r in infobase}


def test_xlsx_reads_back_with_openpyxl(demo_engine, infobase, tmp_path):
    out = tmp_path / "census.xlsx"
    with demo_engine.connect() as conn:
        n = reports.write_census_report(conn, out, InfoFilter(), with_contacts=False)
    sheet = load_workbook(out, read_only=False).active
    assert sheet.title == "楼宇企业普查"
    header = [c.value for c in sheet[1]]
    assert header[: len(ZH_HEADERS)] == ZH_HEADERS and sheet["A1"].font.b
    assert sheet.column_dimensions["D"].width >= 30  # 企业名称 is wide
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == n == len(infobase)
    first = dict(zip(header, rows[0], strict=True))
    assert first["企业名称"] == infobase[0].name and first["楼层"] == infobase[0].floor
    assert first["从业人数"] == infobase[0].employees  # numbers stay numbers
    assert MASKED.match(first["联系电话"])


def test_english_headers_and_labels(demo_engine, tmp_path):
    out = tmp_path / "census-en.xlsx"
    with demo_engine.connect() as conn:
        reports.write_census_report(conn, out, InfoFilter(), with_contacts=False, lang="en")
    sheet = load_workbook(out).active
    assert sheet.title == "Enterprise census"
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Tower", "Floor", "Room", "Enterprise"]
    statuses = {
        row[header.index("Operating status")]
        for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert statuses <= {"Operating normally", "In difficulty", "Suspended"}


def test_rows_stream_in_pages_and_follow_the_filter(demo_engine, tmp_path, monkeypatch):
    monkeypatch.setattr(reports, "PAGE_SIZE", 5)
    out = tmp_path / "all.csv"
    flt = InfoFilter(include_gone=True)
    with demo_engine.connect() as conn:
        n = reports.write_census_report(conn, out, flt, with_contacts=False)
        total = infobase_count(conn, flt)
        flagged = reports.write_census_report(
            conn,
            tmp_path / "flagged.csv",
            InfoFilter(flag=CensusFlag.SHOULD_SET_UP),
            with_contacts=False,
        )
    header, *rows = read_csv(out)
    assert n == total == len(rows) == 40
    assert len({r[4] for r in rows}) == 40  # no page repeated or skipped
    assert {"已迁出", "已注销"} & {r[header.index("经营状态")] for r in rows}
    assert 0 < flagged < n


def test_unknown_suffix_is_refused(demo_engine, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    with demo_engine.connect() as conn, pytest.raises(ValueError, match=r"\.csv or \.xlsx"):
        reports.write_census_report(conn, folder / "census.txt", InfoFilter(), with_contacts=False)
    assert list(folder.iterdir()) == []


def test_a_failed_write_leaves_the_old_file_and_no_part(demo_engine, tmp_path, monkeypatch):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "census.csv"
    out.write_text("old report", encoding="utf-8")

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk went away")

    monkeypatch.setattr(reports, "infobase_page", broken)
    with demo_engine.connect() as conn, pytest.raises(RuntimeError):
        reports.write_census_report(conn, out, InfoFilter(), with_contacts=False)
    assert out.read_text(encoding="utf-8") == "old report"
    assert [p.name for p in folder.iterdir()] == ["census.csv"]


def test_text_that_looks_like_a_formula_stays_text(tmp_path) -> None:
    """An enterprise name typed as =cmd|… must not become a formula in Excel."""
    from openpyxl import load_workbook

    from gridwalker.store.census import InfoFilter
    from gridwalker.store.migrate import open_database
    from gridwalker.store.reports import write_census_report
    from gridwalker.store.writes import Writer

    engine = open_database(tmp_path / "f.db")
    with engine.begin() as conn:
        w = Writer(conn, "t")
        street = w.insert("street", {"name": "街", "area_code": "420103"})
        community = w.insert("community", {"street_uuid": street, "name": "社区"})
        grid = w.insert("grid", {"community_uuid": community, "code": "G-1", "name": "网格"})
        tower = w.insert("building", {"grid_uuid": grid, "name": "大厦", "kind": "commercial"})
        w.insert(
            "enterprise", {"building_uuid": tower, "name": '=HYPERLINK("x")', "contact_name": "+1"}
        )
        csv_path, xlsx_path = tmp_path / "r.csv", tmp_path / "r.xlsx"
        write_census_report(conn, csv_path, InfoFilter(), with_contacts=True)
        write_census_report(conn, xlsx_path, InfoFilter(), with_contacts=True)
    engine.dispose()
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1" in text
    sheet = load_workbook(xlsx_path).active
    values = [c for row in sheet.iter_rows(min_row=2) for c in row]
    name = next(c for c in values if c.value and "HYPERLINK" in str(c.value))
    assert name.data_type == "s" and name.value == '=HYPERLINK("x")'
