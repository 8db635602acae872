"""`gridwalker issue list|show|act`: outputs, messages and exit codes on the demo laptop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from gridwalker import config
from gridwalker.cli import main
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Device, Issue, IssueEvent, Member


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def scalar(db: Path, stmt) -> object:  # noqa: ANN001 - a Select
    """One value from the database."""
    engine = open_database(db)
    try:
        with engine.connect() as conn:
            return conn.execute(stmt).scalar()
    finally:
        engine.dispose()


def issue_in(db: Path, status: str) -> str:
    """The uuid of some demo issue in `status`."""
    stmt = select(Issue.uuid).where(Issue.status == status).order_by(Issue.uuid).limit(1)
    return str(scalar(db, stmt))


def as_member(db: Path) -> tuple[str, str]:
    """Save the demo member into the settings, as the app does; returns (uuid, name)."""
    engine = open_database(db)
    with engine.connect() as conn:
        uuid, name = conn.execute(select(Member.uuid, Member.name)).one()
    engine.dispose()
    config.save_settings(config.paths(), config.Settings(member_uuid=uuid, member_name=name))
    return uuid, name


def as_supervisor(db: Path) -> str:
    """Record the demo member as a supervisor (网格长) and sign them in; returns the uuid."""
    from gridwalker.store.writes import Writer

    uuid, _name = as_member(db)
    engine = open_database(db)
    with engine.begin() as conn:
        Writer(conn, "test").update("member", uuid, {"role": "supervisor"})
    engine.dispose()
    return uuid


def test_acting_as_supervisor_needs_a_supervisor(runner: CliRunner, demo_db: Path) -> None:
    as_member(demo_db)  # a grid member, not a supervisor
    uuid = issue_in(demo_db, "reported")
    counter = scalar(demo_db, select(Device.change_counter))
    base = ["issue", "act", uuid, "decline", "--note", "不归社区管", "--as", "supervisor"]
    result = runner.invoke(main, [*base, "--db", str(demo_db), "--lang", "zh"])
    assert result.exit_code == 1 and "网格长" in result.stderr
    assert scalar(demo_db, select(Device.change_counter)) == counter
    as_supervisor(demo_db)
    result = runner.invoke(main, [*base, "--db", str(demo_db)])
    assert result.exit_code == 0, result.output
    assert scalar(demo_db, select(Issue.status).where(Issue.uuid == uuid)) == "declined"


@pytest.mark.parametrize("command", ["list", "show", "act"])
def test_help_shows_an_example(runner: CliRunner, command: str) -> None:
    result = runner.invoke(main, ["issue", command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "gridwalker issue" in result.output


def test_list_json_matches_the_database(runner: CliRunner, demo_db: Path) -> None:
    result = runner.invoke(
        main, ["issue", "list", "--db", str(demo_db), "--json", "--limit", "500"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    total = scalar(demo_db, select(func.count()).select_from(Issue))
    assert data["total"] == total == len(data["issues"])
    assert sum(data["status_counts"].values()) == total
    first = data["issues"][0]
    assert set(first) >= {"uuid", "status", "category", "due_date", "overdue", "place", "summary"}


def test_list_filters_by_status_and_overdue(runner: CliRunner, demo_db: Path) -> None:
    args = ["issue", "list", "--db", str(demo_db), "--json", "--limit", "500"]
    result = runner.invoke(main, [*args, "--status", "reported", "--status", "on_hold"])
    assert result.exit_code == 0, result.output
    statuses = {row["status"] for row in json.loads(result.stdout)["issues"]}
    expected = scalar(
        demo_db,
        select(func.count()).select_from(Issue).where(Issue.status.in_(["reported", "on_hold"])),
    )
    assert statuses <= {"reported", "on_hold"}
    assert json.loads(result.stdout)["total"] == expected
    overdue = json.loads(runner.invoke(main, [*args, "--overdue"]).stdout)
    assert overdue["total"] > 0 and all(row["overdue"] for row in overdue["issues"])


def test_list_text_marks_overdue_issues(runner: CliRunner, demo_db: Path) -> None:
    result = runner.invoke(
        main, ["issue", "list", "--db", str(demo_db), "--overdue", "--limit", "3"]
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and all(line.split()[1] == "!" for line in lines)
    assert "显示 3 件" in result.stderr


def test_list_mine_needs_a_member_then_uses_it(runner: CliRunner, demo_db: Path) -> None:
    args = ["issue", "list", "--db", str(demo_db), "--mine", "--json", "--limit", "500"]
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and "--mine" in result.output
    uuid, _ = as_member(demo_db)
    data = json.loads(runner.invoke(main, args).stdout)
    mine = scalar(demo_db, select(func.count()).select_from(Issue).where(Issue.logged_by == uuid))
    assert data["total"] == mine


def test_show_prints_the_timeline(runner: CliRunner, demo_db: Path) -> None:
    uuid = issue_in(demo_db, "closed")
    result = runner.invoke(main, ["issue", "show", uuid[:8], "--db", str(demo_db), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert uuid in result.stdout and "Timeline:" in result.stdout
    assert "Submit: - → Reported" in result.stdout and "→ Closed" in result.stdout
    zh = runner.invoke(main, ["issue", "show", uuid, "--db", str(demo_db), "--lang", "zh"])
    assert "处理记录" in zh.stdout and "已关闭" in zh.stdout


def test_show_json(runner: CliRunner, demo_db: Path) -> None:
    uuid = issue_in(demo_db, "reported")
    result = runner.invoke(main, ["issue", "show", uuid, "--db", str(demo_db), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["uuid"] == uuid and data["status"] == "reported"
    assert data["timeline"][0]["action"] == "submit"
    assert data["actions"] == {
        "member": ["accept", "resolve_on_spot"],
        "supervisor": ["accept", "decline", "resolve_on_spot"],
    }


@pytest.mark.parametrize("ident", ["abc", "ffffffff-dead"])
def test_show_unknown_issue_exits_1(runner: CliRunner, demo_db: Path, ident: str) -> None:
    result = runner.invoke(main, ["issue", "show", ident, "--db", str(demo_db), "--lang", "en"])
    assert result.exit_code == 1
    assert "issue" in result.stderr and result.stdout == ""


def test_act_moves_the_issue_and_records_the_event(runner: CliRunner, demo_db: Path) -> None:
    member_uuid, name = as_member(demo_db)
    uuid = issue_in(demo_db, "reported")
    result = runner.invoke(
        main, ["issue", "act", uuid[:10], "accept", "--note", "已联系物业", "--db", str(demo_db)]
    )
    assert result.exit_code == 0, result.output
    assert "受理 → 已受理" in result.stdout
    assert scalar(demo_db, select(Issue.status).where(Issue.uuid == uuid)) == "accepted"
    last = select(IssueEvent.actor, IssueEvent.note).where(IssueEvent.issue_uuid == uuid)
    engine = open_database(demo_db)
    with engine.connect() as conn:
        rows = conn.execute(last.order_by(IssueEvent.change.desc())).first()
    engine.dispose()
    assert tuple(rows) == (member_uuid, "已联系物业")
    shown = runner.invoke(main, ["issue", "show", uuid, "--db", str(demo_db)]).stdout
    assert f"{name}  受理: 已上报 → 已受理 — 已联系物业" in shown


def test_act_json_and_labels(runner: CliRunner, demo_db: Path) -> None:
    uuid = issue_in(demo_db, "reported")
    result = runner.invoke(main, ["issue", "act", uuid, "就地办结", "--db", str(demo_db), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "issue": uuid,
        "action": "resolve_on_spot",
        "status": "resolved",
    }


@pytest.mark.parametrize(
    ("status", "args", "zh", "en"),
    [
        ("closed", ["accept"], "已关闭的事件不能受理", "A closed issue cannot be accepted"),
        ("reported", ["decline"], "只有网格长可以不予受理事件", "Only a supervisor may decline"),
        ("reported", ["decline", "--as", "supervisor"], "不予受理必须填写原因", "Say why"),
    ],
)
def test_refused_transition_exits_1_and_writes_nothing(
    runner: CliRunner, demo_db: Path, status: str, args: list[str], zh: str, en: str
) -> None:
    as_supervisor(demo_db)
    uuid = issue_in(demo_db, status)
    counter = scalar(demo_db, select(Device.change_counter))
    base = ["issue", "act", uuid, *args, "--db", str(demo_db)]
    result = runner.invoke(main, [*base, "--lang", "zh"])
    assert result.exit_code == 1
    assert zh in result.stderr and result.stdout == ""
    result = runner.invoke(main, [*base, "--lang", "en"])
    assert result.exit_code == 1 and en in result.stderr
    assert scalar(demo_db, select(Device.change_counter)) == counter
    assert scalar(demo_db, select(Issue.status).where(Issue.uuid == uuid)) == status


def test_act_language_from_settings(runner: CliRunner, demo_db: Path) -> None:
    config.save_settings(config.paths(), config.Settings(language="en"))
    uuid = issue_in(demo_db, "closed")
    result = runner.invoke(main, ["issue", "act", uuid, "verify", "--db", str(demo_db)])
    assert result.exit_code == 1 and "A closed issue cannot be verified" in result.stderr


def test_act_unknown_action_is_wrong_usage(runner: CliRunner, demo_db: Path) -> None:
    uuid = issue_in(demo_db, "reported")
    result = runner.invoke(main, ["issue", "act", uuid, "fly", "--db", str(demo_db)])
    assert result.exit_code == 2 and "fly" in result.output


def test_missing_database_exits_1_and_creates_nothing(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    result = runner.invoke(main, ["issue", "list", "--db", str(db)])
    assert result.exit_code == 1 and "这里没有数据库" in result.stderr
    assert not db.exists()
