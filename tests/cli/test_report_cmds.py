"""`gridwalker report census`: the file, its row count, masking and exit codes (CLI.md)."""

from __future__ import annotations

import csv
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from gridwalker.cli import main

MASKED = re.compile(r"^1\d{2}\*{4}\d{4}$")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def phones(path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    return [r[header.index("联系电话")] for r in rows]


def test_census_xlsx_prints_path_and_count(runner, demo_db, tmp_path) -> None:
    out = tmp_path / "普查.xlsx"
    result = runner.invoke(main, ["report", "census", "--db", str(demo_db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{out}：37 家企业"
    sheet = load_workbook(out).active
    assert sheet.max_row == 38 and sheet["A1"].value == "楼宇"


def test_census_csv_masks_phones_unless_asked(runner, demo_db, tmp_path) -> None:
    masked, full = tmp_path / "masked.csv", tmp_path / "full.csv"
    args = ["report", "census", "--db", str(demo_db), "--out"]
    assert runner.invoke(main, [*args, str(masked)]).exit_code == 0
    result = runner.invoke(main, [*args, str(full), "--with-contacts"])
    assert result.exit_code == 0
    assert "完整联系电话" in result.stderr
    assert all(MASKED.match(p) for p in phones(masked))
    assert all(re.fullmatch(r"1\d{10}", p) for p in phones(full))
    assert [p[-4:] for p in phones(masked)] == [p[-4:] for p in phones(full)]


def test_census_of_one_tower_in_english(runner, demo_db, tmp_path) -> None:
    out = tmp_path / "tower.csv"
    args = ["report", "census", "--db", str(demo_db), "--out", str(out), "--lang", "en"]
    result = runner.invoke(main, [*args, "--tower", "良友大厦"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8-sig").startswith("Tower,Floor,Room,Enterprise")


def test_unknown_tower_exits_1_naming_the_towers(runner, demo_db, tmp_path) -> None:
    out = tmp_path / "x.csv"
    args = ["report", "census", "--db", str(demo_db), "--out", str(out), "--tower", "无此大厦"]
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert "无此大厦" in result.stderr and "良友大厦" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("name", ["census.txt", "census", "census.xls"])
def test_wrong_suffix_is_a_usage_error(runner, demo_db, tmp_path, name) -> None:
    args = ["report", "census", "--db", str(demo_db), "--out", str(tmp_path / name)]
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert ".xlsx or .csv" in result.output


def test_missing_out_is_a_usage_error(runner, demo_db) -> None:
    result = runner.invoke(main, ["report", "census", "--db", str(demo_db)])
    assert result.exit_code == 2 and "--out" in result.output


def test_missing_database_exits_1(runner, tmp_path) -> None:
    db = tmp_path / "nowhere.db"
    result = runner.invoke(main, ["report", "census", "--db", str(db), "--out", "r.csv"])
    assert result.exit_code == 1
    assert "这里没有数据库" in result.stderr and not db.exists()


def test_missing_folder_exits_1(runner, demo_db, tmp_path) -> None:
    out = tmp_path / "no" / "such" / "r.xlsx"
    result = runner.invoke(main, ["report", "census", "--db", str(demo_db), "--out", str(out)])
    assert result.exit_code == 1
    assert "folder not found" in result.stderr


def test_unwritable_path_exits_1(runner, demo_db, tmp_path) -> None:
    out = tmp_path / "r.csv"
    (tmp_path / ".r.csv.part").mkdir()  # the temporary file cannot be created
    result = runner.invoke(main, ["report", "census", "--db", str(demo_db), "--out", str(out)])
    assert result.exit_code == 1
    assert "无法写入报表" in result.stderr and not out.exists()


def test_help_shows_an_example(runner) -> None:
    result = runner.invoke(main, ["report", "census", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "gridwalker report census --out" in result.output
