"""The command line contract of CLI.md: outputs, messages, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from gridwalker.cli import main
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Household


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize("args", [[], ["demo", "build"], ["roster", "import"]])
def test_help_shows_an_example(runner, args) -> None:
    result = runner.invoke(main, [*args, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "gridwalker" in result.output


def test_demo_build_small_street(runner, tmp_path) -> None:
    db = tmp_path / "street.db"
    result = runner.invoke(
        main,
        [
            "demo",
            "build",
            "--db",
            str(db),
            "--households",
            "120",
            "--months",
            "2",
            "--today",
            "2026-11-20",
        ],
    )
    assert result.exit_code == 0, result.output
    assert " 行，用时 " in result.stdout and "户 120" in result.stdout  # in the locale's Chinese
    engine = open_database(db)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Household)).scalar_one() == 120
    engine.dispose()


def test_demo_build_refuses_an_existing_database(runner, demo_db) -> None:
    result = runner.invoke(main, ["demo", "build", "--db", str(demo_db)])
    assert result.exit_code == 1
    assert "已存在" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["demo", "build", "--today", "2026-13-01"], "is not a date"),
        (["demo", "build", "--households", "0"], "households"),
        (["--lang", "fr"], "fr"),
    ],
)
def test_wrong_usage_exits_2(runner, args, message) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output


def test_roster_import_reports_bad_rows_with_file_and_line(runner, demo_db, tmp_path) -> None:
    roster = tmp_path / "花名册.csv"
    roster.write_text(
        "楼栋,单元,房号,姓名,身份证号,联系电话\n1栋,1,101,王小明,420103195003151234,13800001234\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        main, ["roster", "import", str(roster), "--grid", "XH-01-01", "--db", str(demo_db)]
    )
    assert result.exit_code == 1
    assert f"{roster}:2" in result.stderr
    assert "未写入任何内容" in result.stdout


def test_roster_import_good_file(runner, demo_db, tmp_path) -> None:
    from datetime import date

    from gridwalker.domain.validators import make_resident_id

    rid = make_resident_id("420103", date(1950, 3, 15), 123, "male")
    roster = tmp_path / "花名册.csv"
    roster.write_text(
        f"楼栋,单元,房号,姓名,身份证号,联系电话\n1栋,1,101,王小明,{rid},13800001234\n",
        encoding="utf-8-sig",
    )
    args = ["roster", "import", str(roster), "--grid", "XH-01-01", "--db", str(demo_db)]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "新增居民 1" in first.stdout
    again = runner.invoke(main, args)
    assert again.exit_code == 0 and "未变 1" in again.stdout


def test_roster_import_missing_file_is_usage_error(runner, tmp_path) -> None:
    result = runner.invoke(main, ["roster", "import", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_version(runner) -> None:
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and "gridwalker" in result.output


def test_home_paths_follow_gridwalker_home(gridwalker_home: Path) -> None:
    from gridwalker import config

    p = config.paths()
    assert p.field_db == gridwalker_home / "data" / "gridwalker.db"
    assert p.settings_file == gridwalker_home / "config" / "settings.toml"


def test_a_malformed_today_variable_is_a_usage_error(runner, monkeypatch) -> None:
    monkeypatch.setenv("GRIDWALKER_TODAY", "20-11-2026")
    result = runner.invoke(main, ["demo", "build", "--db", "/nonexistent/x.db"])
    assert result.exit_code == 2
    assert "GRIDWALKER_TODAY" in result.stderr and "YYYY-MM-DD" in result.stderr


def test_hub_without_a_database_says_what_to_run(runner) -> None:
    result = runner.invoke(main, ["hub"])
    assert result.exit_code == 1
    assert "gridwalker hub init" in result.stderr and "--demo" in result.stderr


def test_hub_as_an_empty_name_is_a_usage_error(runner) -> None:
    result = runner.invoke(main, ["hub", "--as", "  "])
    assert result.exit_code == 2
    assert "--as 需要一个姓名" in result.stderr


def test_hub_as_names_the_supervisor_at_the_desk(runner, monkeypatch, tmp_path) -> None:
    from gridwalker.store.migrate import open_database

    seen = {}
    from gridwalker.store.desk.people import add_supervisor

    db = tmp_path / "hub.db"
    engine = open_database(db)
    with engine.begin() as conn:
        add_supervisor(conn, "王建华")
    engine.dispose()
    monkeypatch.setattr(
        "gridwalker.tui.desk.app.run_hub", lambda db, lang, home, actor=None: seen.update(a=actor)
    )
    result = runner.invoke(main, ["hub", "--db", str(db), "--as", " 王建华 "])
    assert result.exit_code == 0, result.output
    assert seen == {"a": "王建华"}
