"""Tests for the roster import (CSV in UTF-8 / BOM / GB18030, XLSX; checks; places; writes)."""

from __future__ import annotations

import csv
import shutil
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, func, select, text

from gridwalker.demo.street import build_demo
from gridwalker.domain import clock
from gridwalker.domain.validators import make_resident_id, resident_id_check_char
from gridwalker.store.migrate import open_database
from gridwalker.store.roster import RosterError, RosterResult, import_roster, read_roster
from gridwalker.store.tables import (
    Audit,
    Building,
    Community,
    Device,
    Grid,
    Household,
    Resident,
    SearchDoc,
    Street,
)

TODAY = date(2026, 11, 20)
GRID = "XH-01-01"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "roster"

# An elderly Jianghan resident born 1948 (420103 did not exist then; the ID is still valid).
WANG_ID = make_resident_id("420103", date(1948, 3, 5), 124, "female")
LIU_ID = make_resident_id("420103", date(1955, 7, 12), 37, "male")
CHEN_ID = make_resident_id("420103", date(1957, 9, 1), 58, "female")
ZHAO_ID = make_resident_id("421122", date(1990, 1, 15), 211, "male")

ZH_HEADER = [
    "楼栋", "单元", "楼层", "房号", "姓名", "性别", "出生日期",
    "身份证号", "联系电话", "与户主关系", "人口类型", "关爱标签",
]  # fmt: skip
EN_HEADER = [
    "Building", "Unit", "Floor", "Room", "Name", "Sex", "Birth date",
    "ID number", "Phone", "Relation", "Residence type", "Care tags",
]  # fmt: skip
# Three new households in 8栋 (18 floors: rooms 19xx do not exist yet), five residents.
GOOD_ROWS = [
    ["8栋", "1", "", "1901", "王桂兰", "女", "1948-03-05", WANG_ID, "027-85551234", "本人", "常住",
     "独居老人;党员"],
    ["8栋", "1", "", "1902", "刘建国", "", "", LIU_ID, "13871234567", "本人", "常住", "退役军人"],
    ["8栋", "1", "", "1902", "陈秀英", "女", "1957/9/1", CHEN_ID, "", "配偶", "", ""],
    ["8栋", "1", "", "1902", "刘子涵", "男", "20150610", "", "", "孙辈", "", "留守儿童"],
    ["8栋", "2", "19", "1901", "赵磊", "男", "1990-01-15", ZHAO_ID, "159 0718 1234", "租户", "流动",
     ""],
]  # fmt: skip
EN_ROWS = [
    ["8", "1", "", "1901", "王桂兰", "Female", "1948-03-05", WANG_ID, "027-85551234", "Self",
     "Permanent", "Elderly living alone; Party member"],
    ["8", "1", "", "1902", "刘建国", "", "", LIU_ID, "13871234567", "self", "permanent",
     "Veteran"],
    ["8", "1", "", "1902", "陈秀英", "female", "1957/9/1", CHEN_ID, "", "Spouse", "", ""],
    ["8", "1", "", "1902", "刘子涵", "Male", "20150610", "", "", "Grandchild", "",
     "Left-behind child"],
    ["8", "2", "19", "1901", "赵磊", "Male", "1990-01-15", ZHAO_ID, "15907181234", "Tenant",
     "Floating", ""],
]  # fmt: skip


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@pytest.fixture(scope="module")
def roster_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-grid demo laptop (400 households) built once for this module."""
    path = tmp_path_factory.mktemp("roster") / "template.db"
    engine = open_database(path)
    build_demo(engine, households=400, today=TODAY)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def engine(roster_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a private copy of the demo laptop."""
    path = tmp_path / "gridwalker.db"
    shutil.copy(roster_template, path)
    eng = open_database(path)
    yield eng
    eng.dispose()


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    """Write a CSV as Excel does (CRLF line ends) in the given encoding."""
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def state(engine: Engine) -> dict[str, int]:
    """The change counter and the row counts an import could touch."""
    with engine.connect() as conn:
        out = {"counter": conn.execute(select(Device.change_counter)).scalar_one()}
        for model in (Street, Community, Grid, Building, Household, Resident, Audit):
            out[model.__name__] = conn.execute(select(func.count()).select_from(model)).scalar_one()
    return out


def resident(engine: Engine, name: str) -> dict:
    """The stored resident of that name with their household."""
    with engine.connect() as conn:
        row = conn.execute(
            select(Resident.__table__, Household.unit, Household.floor, Household.room)
            .join(Household, Household.uuid == Resident.household_uuid)
            .where(Resident.name == name)
        ).mappings()
        rows = list(row)
    assert len(rows) == 1, rows
    return dict(rows[0])


def run(engine: Engine, path: Path, **kw: object) -> RosterResult:
    """Import with the defaults of a member's laptop."""
    options: dict = {"grid_code": GRID, "create": False, "dry_run": False, "actor": "tester"}
    options.update(kw)
    return import_roster(engine, path, **options)


def assert_good_import(engine: Engine, result: RosterResult, before: dict[str, int]) -> None:
    """The five residents of GOOD_ROWS are in, with the values the file meant."""
    assert result.errors == []
    assert result.written is True
    assert (result.rows, result.households_created, result.residents_created) == (5, 3, 5)
    assert (result.residents_updated, result.unchanged, result.places_created) == (0, 0, [])
    after = state(engine)
    assert after["Household"] == before["Household"] + 3
    assert after["Resident"] == before["Resident"] + 5
    assert after["counter"] == before["counter"] + 8
    wang = resident(engine, "王桂兰")
    assert wang["id_number"] == WANG_ID
    assert wang["birth_date"] == date(1948, 3, 5)
    assert (wang["sex"], wang["relation"], wang["residence_type"]) == (
        "female",
        "self",
        "permanent",
    )
    assert wang["phone"] == "027-85551234"
    assert wang["care_tags"] == ["elderly_alone", "party_member"]
    assert (wang["unit"], wang["floor"], wang["room"]) == (1, 19, "1901")
    liu = resident(engine, "刘建国")  # sex and birth date taken from the ID number
    assert (liu["sex"], liu["birth_date"]) == ("male", date(1955, 7, 12))
    assert resident(engine, "陈秀英")["birth_date"] == date(1957, 9, 1)
    kid = resident(engine, "刘子涵")
    assert (kid["id_number"], kid["birth_date"], kid["relation"]) == (
        None,
        date(2015, 6, 10),
        "grandchild",
    )
    assert kid["care_tags"] == ["left_behind_child"]
    zhao = resident(engine, "赵磊")
    assert (zhao["unit"], zhao["phone"], zhao["residence_type"]) == (2, "15907181234", "floating")
    with engine.connect() as conn:
        head = conn.execute(
            select(Household.head_name).where(Household.room == "1902", Household.unit == 1)
        ).scalar_one()
        docs = conn.execute(
            select(func.count()).select_from(SearchDoc).where(SearchDoc.name == "刘子涵")
        ).scalar_one()
        actors = set(conn.execute(select(Audit.actor).where(Audit.uuid == liu["uuid"])).scalars())
    assert head == "刘建国"
    assert docs == 1  # new residents are searchable at once
    assert actors == {"tester"}


# --- formats --------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding(engine: Engine, tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "roster.csv", ZH_HEADER, GOOD_ROWS, encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")
    before = state(engine)
    assert_good_import(engine, run(engine, path), before)


def test_gb18030_fixture_as_excel_saves_it(engine: Engine) -> None:
    path = FIXTURES / "jianghan_gb18030.csv"
    assert path.read_bytes()[:2] != b"\xef\xbb"  # no BOM, not UTF-8
    before = state(engine)
    assert_good_import(engine, run(engine, path), before)


def test_xlsx_with_date_cell_number_cells_and_text_id(engine: Engine, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(ZH_HEADER)
    for row in GOOD_ROWS:
        cells: list[object] = list(row)
        cells[1] = float(row[1])  # 1.0 as Excel stores numbers
        cells[3] = int(row[3])  # room 1901 as a number
        if row[2]:
            cells[2] = int(row[2])
        if row[6] == "1948-03-05":
            cells[6] = datetime(1948, 3, 5)  # a real date cell
        sheet.append(cells)
    for cell in sheet["H"][1:]:
        cell.number_format = "@"  # ID numbers as text
    path = tmp_path / "roster.xlsx"
    workbook.save(path)
    assert openpyxl.load_workbook(path)["Sheet"]["G2"].is_date
    before = state(engine)
    assert_good_import(engine, run(engine, path), before)


def test_english_headers_and_labels(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", EN_HEADER, EN_ROWS, "utf-8")
    before = state(engine)
    assert_good_import(engine, run(engine, path), before)


def test_read_roster_gives_keys_and_spreadsheet_lines(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "\ufeff 姓名 ,房号,楼栋,备注\r\n张三,101,1栋,x\r\n,,,\r\n李四,102,1栋,\r\n",
        encoding="utf-8",
    )
    keys, rows = read_roster(path)
    assert keys == ["building", "room", "name"]
    assert rows == [
        (2, {"name": "张三", "room": "101", "building": "1栋"}),
        (4, {"name": "李四", "room": "102", "building": "1栋"}),
    ]


# --- row checks -----------------------------------------------------------------------------


def bad_rows() -> tuple[list[list[str]], dict[int, str]]:
    """A roster with two good rows and one bad row per check, and the column each fails on."""
    good = GOOD_ROWS[0]
    wrong_check = LIU_ID[:17] + ("0" if LIU_ID[17] != "0" else "1")
    body = "42010319480230123"  # 30 February
    impossible = body + resident_id_check_char(body)

    def row(**changes: str) -> list[str]:
        out = list(GOOD_ROWS[1])
        for index, value in changes.items():
            out[int(index[1:])] = value
        return out

    rows = [
        good,  # line 2
        row(c4="刘一", c7=wrong_check),  # 3: check character
        row(c4="刘二", c7=impossible),  # 4: no such day
        row(c4="刘三", c7="", c8="1387123456"),  # 5: ten digits
        row(c4="刘四", c7="", c9="表哥"),  # 6: unknown relation
        row(c4="刘五", c7="", c11="五保户"),  # 7: unknown care tag
        row(c4="", c7=""),  # 8: no name
        row(c0="99栋", c4="刘六", c7=""),  # 9: no such building, no --create
        ["8栋", "1", "", "1903", "王桂兰", "女", "", WANG_ID, "", "本人", "", ""],  # 10: twice
        GOOD_ROWS[4],  # 11: good
    ]
    expected = {
        3: "身份证号",
        4: "身份证号",
        5: "联系电话",
        6: "与户主关系",
        7: "关爱标签",
        8: "姓名",
        9: "楼栋",
        10: "身份证号",
    }
    return rows, expected


def test_bad_rows_are_all_listed_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    rows, expected = bad_rows()
    path = write_csv(tmp_path / "bad.csv", ZH_HEADER, rows, "utf-8")
    before = state(engine)
    result = run(engine, path)
    assert result.written is False
    assert {e.line: e.column for e in result.errors} == expected
    assert len(result.errors) == len(expected)
    by_line = {e.line: e.message for e in result.errors}
    assert "校验码" in by_line[3]
    assert "1948-02-30" in by_line[4] and "不是有效日期" in by_line[4]
    assert "手机号应为11位" in by_line[5]
    assert "表哥" in by_line[6] and "配偶" in by_line[6]
    assert "五保户" in by_line[7]
    assert "姓名" in by_line[8]
    assert "99栋" in by_line[9] and "--create" in by_line[9]
    assert "第2行" in by_line[10]
    assert state(engine) == before


def test_bad_rows_in_english(engine: Engine, tmp_path: Path) -> None:
    rows, expected = bad_rows()
    path = write_csv(tmp_path / "bad.csv", ZH_HEADER, rows, "gb18030")
    result = run(engine, path, lang="en")
    by_line = {e.line: e.message for e in result.errors}
    assert set(by_line) == set(expected)
    assert "Check character mismatch" in by_line[3]
    assert "not a real date" in by_line[4]
    assert "11 digits" in by_line[5]
    assert "allowed" in by_line[6] and "Spouse" in by_line[6]
    assert "duplicate of line 2" in by_line[10]


def test_birth_date_and_sex_must_agree_with_the_id(engine: Engine, tmp_path: Path) -> None:
    rows = [
        ["8栋", "1", "", "1901", "王桂兰", "女", "1948-03-06", WANG_ID, "", "", "", ""],
        ["8栋", "1", "", "1902", "刘建国", "女", "", LIU_ID, "", "", "", ""],
        ["8栋", "1", "", "1903", "张伟", "", "1948-13-01", "", "", "", "", ""],
        ["8栋", "1", "", "1904", "张强", "未知", "2030-01-01", "", "", "", "", ""],
        ["8栋", "0", "x", "1905", "李娜", "", "", "", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "r.csv", ZH_HEADER, rows, "utf-8")
    result = run(engine, path)
    found = sorted((e.line, e.column) for e in result.errors)
    assert found == [
        (2, "出生日期"),
        (3, "性别"),
        (4, "出生日期"),
        (5, "出生日期"),
        (5, "性别"),
        (6, "单元"),
        (6, "楼层"),
    ]
    first = next(e.message for e in result.errors if e.line == 2)
    assert "1948-03-06" in first and "1948-03-05" in first
    assert not result.written


def test_same_address_and_name_twice(engine: Engine, tmp_path: Path) -> None:
    rows = [GOOD_ROWS[3], GOOD_ROWS[0], GOOD_ROWS[3]]
    path = write_csv(tmp_path / "r.csv", ZH_HEADER, rows, "utf-8")
    result = run(engine, path)
    assert [(e.line, e.column) for e in result.errors] == [(4, "姓名")]
    assert "第2行" in result.errors[0].message


def test_no_grid_anywhere(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", ZH_HEADER, GOOD_ROWS[:2], "utf-8")
    result = run(engine, path, grid_code=None, lang="en")
    assert [e.line for e in result.errors] == [2, 3]
    assert all("no grid: give --grid or a 网格 column" in e.message for e in result.errors)


# --- places ---------------------------------------------------------------------------------

PLACE_HEADER = ["街道", "社区", "网格", *ZH_HEADER]
NO_MORE = ["", "", "", "", ""]  # ID, phone, relation, residence type, care tags
PLACE_ROWS = [
    ["", "兰苑社区", "XH-09-01", "1栋", "1", "", "101", "周敏", "女", "1962-04-18", *NO_MORE],
    ["新华街", "汉兴社区", "XH-10-01", "3", "2", "", "502", "吴刚", "男", "1971-11-02", *NO_MORE],
    ["新华街", "邮三社区", GRID, "12栋", "1", "", "301", "孙丽", "女", "1985-06-30", *NO_MORE],
    ["", "", "XH-01-01", "12栋", "1", "", "302", "孙强", "男", "1983-02-14", *NO_MORE],
    ["", "", "", "8栋", "1", "", "1901", "马超", "男", "1979-08-08", *NO_MORE],
]  # fmt: skip


def test_unknown_places_are_errors_without_create(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", PLACE_HEADER, PLACE_ROWS, "utf-8")
    before = state(engine)
    result = run(engine, path)
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "网格"),
        (3, "网格"),
        (4, "楼栋"),
        (5, "楼栋"),
    ]
    assert "XH-09-01" in result.errors[0].message
    assert result.places_created == []
    assert state(engine) == before


def test_create_makes_grid_community_and_building(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", PLACE_HEADER, PLACE_ROWS, "utf-8")
    before = state(engine)
    result = run(engine, path, create=True)
    assert result.errors == []
    assert result.places_created == [
        "网格 XH-09-01 (兰苑社区)",
        "楼栋 1栋 (XH-09-01)",
        "社区 汉兴社区 (新华街)",
        "网格 XH-10-01 (汉兴社区)",
        "楼栋 3栋 (XH-10-01)",  # a bare number in 楼栋 names building "3栋"
        "楼栋 12栋 (XH-01-01)",
    ]
    assert (result.households_created, result.residents_created) == (5, 5)
    after = state(engine)
    assert after["Grid"] == before["Grid"] + 2
    assert after["Community"] == before["Community"] + 1
    assert after["Building"] == before["Building"] + 3
    assert after["counter"] == before["counter"] + 2 + 1 + 3 + 5 + 5
    with engine.connect() as conn:
        grids = dict(
            conn.execute(
                select(Grid.code, Community.name).join(
                    Community, Community.uuid == Grid.community_uuid
                )
            ).all()
        )
        street = conn.execute(
            select(Street.name)
            .join(Community, Community.street_uuid == Street.uuid)
            .where(Community.name == "汉兴社区")
        ).scalar_one()
        new = conn.execute(
            select(Building.seq, Building.kind)
            .join(Grid, Grid.uuid == Building.grid_uuid)
            .where(Grid.code == GRID, Building.name == "12栋")
        ).one()
        name = conn.execute(select(Grid.name).where(Grid.code == "XH-10-01")).scalar_one()
    assert grids["XH-09-01"] == "兰苑社区" and grids["XH-10-01"] == "汉兴社区"
    assert street == "新华街"
    assert tuple(new) == (12, "residential")
    assert name == "第1网格"
    assert resident(engine, "吴刚")["floor"] == 5


def test_create_in_english(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", PLACE_HEADER, PLACE_ROWS, "utf-8")
    result = run(engine, path, create=True, dry_run=True, lang="en")
    assert result.places_created[0] == "grid XH-09-01 (兰苑社区)"
    assert result.places_created[-1] == "building 12栋 (XH-01-01)"


def test_grid_in_another_community_is_an_error(engine: Engine, tmp_path: Path) -> None:
    rows = [["", "江北社区", "XH-01-01", "1栋", "1", "", "101", "周敏", "", "", "", "", "", "", ""]]
    path = write_csv(tmp_path / "r.csv", PLACE_HEADER, rows, "utf-8")
    result = run(engine, path, create=True)
    assert [(e.line, e.column) for e in result.errors] == [(2, "社区")]
    assert "邮三社区" in result.errors[0].message


# --- writes ---------------------------------------------------------------------------------


def test_dry_run_reports_and_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", PLACE_HEADER, PLACE_ROWS, "utf-8")
    before = state(engine)
    result = run(engine, path, create=True, dry_run=True)
    assert result.errors == [] and result.written is False
    assert (result.households_created, result.residents_created) == (5, 5)
    assert len(result.places_created) == 6
    assert state(engine) == before


def test_reimport_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", ZH_HEADER, GOOD_ROWS, "gb18030")
    run(engine, path)
    before = state(engine)
    again = run(engine, path)
    assert again.errors == []
    assert (again.rows, again.unchanged, again.residents_created, again.residents_updated) == (
        5,
        5,
        0,
        0,
    )
    assert again.households_created == 0
    assert again.written is False
    assert state(engine) == before


def test_one_changed_phone_updates_one_resident(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", ZH_HEADER, GOOD_ROWS, "utf-8")
    run(engine, path)
    rows = [list(r) for r in GOOD_ROWS]
    rows[2][8] = "13912345678"  # 陈秀英 now has a phone
    write_csv(path, ZH_HEADER, rows, "utf-8")
    before = state(engine)
    result = run(engine, path, actor="李晓梅")
    assert (result.residents_updated, result.unchanged, result.residents_created) == (1, 4, 0)
    assert result.written is True
    after = state(engine)
    assert after["counter"] == before["counter"] + 1
    assert after["Resident"] == before["Resident"]
    chen = resident(engine, "陈秀英")
    assert chen["phone"] == "13912345678"
    assert chen["updated_by"] == "李晓梅"
    with engine.connect() as conn:
        audit = conn.execute(
            select(Audit.op, Audit.fields).where(Audit.uuid == chen["uuid"]).order_by(Audit.id)
        ).all()
    assert [tuple(a) for a in audit] == [("insert", audit[0][1]), ("update", ["phone"])]


def test_existing_demo_residents_match_by_id_and_by_name(engine: Engine, tmp_path: Path) -> None:
    with engine.connect() as conn:
        query = text(
            "select b.name building, h.unit, h.room, r.name, r.id_number, r.phone, r.sex,"
            " r.birth_date from resident r join household h on h.uuid = r.household_uuid"
            " join building b on b.uuid = h.building_uuid where r.id_number {} null"
            " and r.phone is not null order by r.uuid limit 1"
        )
        with_id = conn.execute(text(query.text.format("is not"))).mappings().one()
        without_id = conn.execute(text(query.text.format("is"))).mappings().one()
    rows = [
        [with_id["building"], str(with_id["unit"]), "", with_id["room"], with_id["name"], "", "",
         with_id["id_number"], "13600001111", "", "", ""],
        [without_id["building"], str(without_id["unit"]), "", without_id["room"],
         without_id["name"], "", "", "", without_id["phone"], "", "", ""],
    ]  # fmt: skip
    path = write_csv(tmp_path / "r.csv", ZH_HEADER, rows, "utf-8")
    before = state(engine)
    result = run(engine, path)
    assert result.errors == []
    assert (result.residents_updated, result.unchanged, result.residents_created) == (1, 1, 0)
    assert result.households_created == 0
    assert state(engine)["counter"] == before["counter"] + 1
    with engine.connect() as conn:
        phone = conn.execute(
            select(Resident.phone).where(Resident.id_number == with_id["id_number"])
        ).scalar_one()
    assert phone == "13600001111"


def test_new_household_in_known_building_is_not_an_error(engine: Engine, tmp_path: Path) -> None:
    rows = [["1", "1", "", "901室", "黄海波", "男", "1966-05-05", "", "", "", "", "党员"]]
    path = write_csv(tmp_path / "r.csv", ZH_HEADER, rows, "utf-8")
    result = run(engine, path)
    assert result.errors == []
    assert (result.households_created, result.residents_created) == (1, 1)
    huang = resident(engine, "黄海波")
    assert (huang["unit"], huang["floor"], huang["room"]) == (1, 9, "901")


def test_a_few_thousand_rows_import_in_seconds(engine: Engine, tmp_path: Path) -> None:
    rows = []
    for i in range(3000):
        household, person = divmod(i, 3)
        floor, room = divmod(household, 4)
        born = date(1940 + i % 70, 1 + i % 12, 1 + i % 28)
        sex = "male" if i % 2 else "female"
        rows.append(
            [f"{20 + household // 200}栋", "1", "", f"{floor % 50 + 1}{room + 1:02d}",
             f"测试{i}", "", "", make_resident_id("420103", born, i % 500, sex),
             f"139{i:08d}", "本人" if person == 0 else "子女", "", ""]
        )  # fmt: skip
    path = write_csv(tmp_path / "big.csv", ZH_HEADER, rows, "utf-8")
    started = time.perf_counter()
    result = run(engine, path, create=True)
    first = time.perf_counter() - started
    assert result.errors == []
    assert (result.residents_created, result.households_created) == (3000, 1000)
    assert len(result.places_created) == 5
    started = time.perf_counter()
    again = run(engine, path)
    second = time.perf_counter() - started
    assert again.unchanged == 3000 and not again.written
    assert first < 10 and second < 10, (first, second)


# --- file-level problems --------------------------------------------------------------------


def test_missing_required_columns(tmp_path: Path, engine: Engine) -> None:
    path = write_csv(tmp_path / "r.csv", ["姓名", "性别", "单元"], [["张三", "男", "1"]], "utf-8")
    with pytest.raises(RosterError) as caught:
        run(engine, path)
    assert "r.csv" in str(caught.value)
    assert "楼栋" in str(caught.value) and "房号" in str(caught.value)
    assert "姓名" not in str(caught.value).split("：")[-1]
    with pytest.raises(RosterError, match="building, room"):
        run(engine, path, lang="en")


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\r\n,,\r\n", "empty"),
        ("header.csv", "楼栋,房号,姓名\r\n".encode(), "no data rows"),
        ("roster.txt", "楼栋,房号,姓名\r\n1栋,101,张三\r\n".encode(), "unsupported file type"),
        ("utf16.csv", "楼栋,房号,姓名\r\n".encode("utf-16"), "unknown text encoding"),
        ("broken.xlsx", b"not a zip", "cannot read the Excel workbook"),
    ],
)
def test_file_level_errors(tmp_path: Path, name: str, content: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RosterError, match=words) as caught:
        read_roster(path, lang="en")
    assert str(path) in str(caught.value)


def test_file_level_errors_in_chinese(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "roster.txt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(RosterError, match="不支持的文件类型"):
        run(engine, path)
    with pytest.raises(RosterError, match="文件不存在"):
        run(engine, tmp_path / "missing.csv")


def test_new_buildings_are_walked_in_natural_order(engine: Engine, tmp_path: Path) -> None:
    """A roster sorted as Excel sorts text (10幢 before 2幢) is walked 2幢 … 10幢 … 11幢."""
    rows = [
        [name, "1", "", room, f"居民{name}{room}", "", "", "", "", "本人", "", ""]
        for name in ("10幢", "11幢", "2幢", "9幢")
        for room in ("1001", "201")
    ]
    path = write_csv(tmp_path / "r.csv", ZH_HEADER, rows, "utf-8")
    result = import_roster(engine, path, grid_code=GRID, create=True, dry_run=False, actor="t")
    assert result.written, result.errors
    from gridwalker.store import rounds

    with engine.connect() as conn:
        grid = conn.execute(select(Grid.uuid).where(Grid.code == GRID)).scalar_one()
        page = rounds.round_page(conn, grid, None, 0, 100_000, TODAY)
    new = [(r.building, r.room) for r in page if r.building.endswith("幢")]
    assert new == [
        ("2幢", "201"), ("2幢", "1001"), ("9幢", "201"), ("9幢", "1001"),
        ("10幢", "201"), ("10幢", "1001"), ("11幢", "201"), ("11幢", "1001"),
    ]  # fmt: skip


def test_the_grid_named_by_its_path(engine: Engine, tmp_path: Path) -> None:
    """--grid takes a grid's path of names as well as its code."""
    with engine.connect() as conn:
        from gridwalker.store.rounds.setup import grids

        grid = next(g for g in grids(conn) if g.code == GRID)
    path = write_csv(tmp_path / "r.csv", ZH_HEADER, GOOD_ROWS, "utf-8")
    result = import_roster(engine, path, grid_code=grid.path, create=False, dry_run=True, actor="t")
    assert not result.errors
    with pytest.raises(RosterError, match="unknown grid"):
        import_roster(
            engine, path, grid_code="无此街/无此社区/第1网格", create=False, dry_run=True, actor="t"
        )
