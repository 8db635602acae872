"""Files at rest and log lines (issue #14, points 12 and 9).

Every file gridwalker creates is 0600 and every folder 0700 whatever the umask (public keys
may stay 0644); a log line stays one line whatever a file name holds.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from gridwalker import config
from gridwalker.cli import main
from gridwalker.store.engine import make_engine
from gridwalker.store.migrate import open_database
from gridwalker.sync.synclog import LOG_NAME, inert, log_line, log_value

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Unix permissions")

PUBLIC = {
    "hub-card.json",
    "trusted-hub-card.json",
    "device.pub",
    "hub-signing.pub",
    "hub-sign.pub",
    "hub.recipient",
}


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask (022): without care, files come out 0644 in 0755 folders."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def run(*args: str, home: Path) -> tuple[int, str, str]:
    """Run gridwalker in a home; (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, list(args), env={config.HOME_ENV: str(home)})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def loose_modes(root: Path) -> dict[str, str]:
    """Every file not 0600 (public keys excepted) and every folder not 0700 under root."""
    bad: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            path = Path(folder, name)
            if mode(path) != 0o700:
                bad[str(path.relative_to(root))] = oct(mode(path))
        for name in files:
            path = Path(folder, name)
            if name not in PUBLIC and mode(path) != 0o600:
                bad[str(path.relative_to(root))] = oct(mode(path))
    return bad


def names_under(root: Path) -> set[str]:
    return {p.name for p in root.rglob("*")}


def test_every_file_is_private_after_build_export_import_and_report(
    tmp_path: Path, loose_umask: None
) -> None:
    lap, hub, desk = tmp_path / "lap", tmp_path / "hub", tmp_path / "desk"
    code, out, err = run("demo", "build", "--households", "20", "--months", "1", home=lap)
    assert code == 0, err
    config.save_settings(config.paths(lap), config.Settings(member_name="李晓梅", grid_code="G1"))
    code, out, _err = run("keys", "init", "--json", home=lap)
    assert code == 0
    lap_recipient = json.loads(out)["recipient"]
    code, out, _err = run("hub", "init", "--json", home=hub)
    assert code == 0
    assert run("keys", "trust-hub", json.loads(out)["recipient"], home=lap)[0] == 0
    pub = config.paths(lap).keys / "device.pub"
    enrol = ("hub", "enroll", str(pub), "--member", "李晓梅", "--recipient", lap_recipient)
    assert run(*enrol, home=hub)[0] == 0

    code, out, err = run("export", "--json", home=lap)
    assert code == 0 and json.loads(out)["encrypted"], err
    code, out, err = run("export", "--plaintext", "--full", "--json", home=lap)
    assert code == 0 and not json.loads(out)["encrypted"], err

    # A stick as the umask leaves it: 0755, its files 0644; one of them is poison.
    stick = tmp_path / "stick"
    stick.mkdir()
    for bundle in config.paths(lap).outbox.iterdir():
        shutil.copy(bundle, stick / bundle.name)
    poison = stick / "gridwalker-0badc0ffee00-000009.zip"
    poison.write_text("<html>not a bundle</html>")
    assert mode(poison) == 0o644
    code, _out, err = run("hub", "import", str(stick), home=hub)
    assert code == 1 and "not-a-bundle" in err
    assert mode(poison) == 0o644  # copied to the quarantine (0600), the stick's file untouched
    code, out, err = run("hub", "export", "--all", "--json", home=hub)  # nothing to send yet
    assert code == 0 and (config.paths(hub).data / "hub-outbox").is_dir(), err

    desk.mkdir()
    report = desk / "census.csv"
    code, _out, err = run("report", "census", "--out", str(report), "--with-contacts", home=lap)
    assert code == 0 and "个人信息" in err  # said in the CLI's language (zh under this locale)
    assert mode(report) == 0o600
    coverage = desk / "coverage.xlsx"
    code, _out, err = run("report", "coverage", "--out", str(coverage), home=hub)
    assert code == 0, err
    assert mode(coverage) == 0o600

    made = names_under(lap) | names_under(hub)
    assert {"gridwalker.db", "hub.db", "settings.toml", "sync.log", "device.key", "hub.key"} <= made
    assert {"outbox", "quarantine", poison.name, poison.name + ".reason.txt"} <= made
    assert any(n.endswith(".zip.age") for n in made) and any(n.endswith(".zip") for n in made)
    assert loose_modes(lap) == {}
    assert loose_modes(hub) == {}


def test_a_database_and_its_wal_and_shm_are_private_while_open(
    tmp_path: Path, loose_umask: None
) -> None:
    db = tmp_path / "fresh" / "data" / "gridwalker.db"
    engine = open_database(db)
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
            conn.commit()
            wal, shm = db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")
            assert wal.exists() and shm.exists()  # the connection is still open
            assert (mode(db), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    finally:
        engine.dispose()
    assert mode(db.parent) == 0o700 and mode(db.parent.parent) == 0o700


def test_an_old_database_left_readable_is_tightened_when_opened(
    tmp_path: Path, loose_umask: None
) -> None:
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    assert mode(db) == 0o644
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
    finally:
        engine.dispose()
    assert mode(db) == 0o600


def test_a_folder_the_user_names_is_left_alone_but_the_bundle_in_it_is_private(
    tmp_path: Path, loose_umask: None, small_street: Path
) -> None:
    lap = tmp_path / "lap"
    db = config.paths(lap).field_db
    db.parent.mkdir(parents=True)
    shutil.copy(small_street, db)
    assert run("keys", "init", home=lap)[0] == 0
    stick = tmp_path / "stick"
    stick.mkdir()
    code, out, err = run("export", "--plaintext", "--out", str(stick), "--json", home=lap)
    assert code == 0, err
    bundle = Path(json.loads(out)["path"])
    assert bundle.parent == stick and mode(bundle) == 0o600
    assert mode(stick) == 0o755  # the user's folder, not ours to change
    made = stick / "new" / "deeper"
    assert config.private_dir(made, ours=False) == made
    assert mode(made) == 0o700 and mode(made.parent) == 0o700


def test_settings_and_an_existing_loose_home_folder_are_tightened(
    tmp_path: Path, loose_umask: None
) -> None:
    home = config.paths(tmp_path / "home")
    home.config.mkdir(parents=True)
    assert mode(home.config) == 0o755
    config.save_settings(home, config.Settings(member_name="李晓梅"))
    assert mode(home.settings_file) == 0o600 and mode(home.config) == 0o700
    assert config.load_settings(home).member_name == "李晓梅"


# --- log lines ------------------------------------------------------------------------------

FORGED = "evil\n2026-01-01T00:00:00+08:00 import status=applied\x1b[2J\u202egpj.zip"


def test_a_log_line_with_a_newline_and_esc_in_a_file_name_stays_one_line(tmp_path: Path) -> None:
    home = config.paths(tmp_path / "home")
    log_line(home, f"import file={log_value(FORGED)} status=refused reason={log_value('x y')}")
    written = (home.log / LOG_NAME).read_text(encoding="utf-8")
    assert written.count("\n") == 1 and written.endswith("\n")
    assert "\x1b" not in written and "\u202e" not in written
    assert r'file="evil\n2026-01-01T00:00:00+08:00 import status=applied\x1b[2J\u202egpj.zip"' in (
        written
    )
    assert 'reason="x y"' in written
    assert len(written.splitlines()) == 1  # str.splitlines also breaks at \x1c-\x1e, \u2028
    assert mode(home.log / LOG_NAME) == 0o600


def test_log_line_escapes_even_text_nobody_quoted(tmp_path: Path) -> None:
    home = config.paths(tmp_path / "home")
    log_line(home, "file=a\rb\u2028c\x85d\te")
    written = (home.log / LOG_NAME).read_text(encoding="utf-8")
    assert written.endswith(r"file=a\rb\u2028c\x85d\te" + "\n")
    assert len(written.splitlines()) == 1


def test_log_values_are_plain_or_quoted_and_never_ambiguous() -> None:
    assert log_value("gridwalker-a1b2-000001.zip.age") == "gridwalker-a1b2-000001.zip.age"
    assert log_value("楼宇.zip") == "楼宇.zip"
    assert log_value(None) == "-" and log_value("") == "-"
    assert log_value("a b") == '"a b"'
    assert log_value("a\nb") == r'"a\nb"'
    assert log_value("a\\nb") == r'"a\\nb"'  # a backslash typed in a name is not a newline
    assert log_value('a"b') == r'"a\"b"'
    assert inert("plain text") == "plain text"


def test_the_hub_log_stays_one_line_for_a_hostile_file_name(tmp_path: Path, hub) -> None:  # noqa: ANN001
    stick = tmp_path / "stick"
    stick.mkdir()
    hostile = stick / (FORGED + ".zip")
    hostile.write_text("<html></html>")
    outcome = hub.one(hostile)
    assert outcome.status == "refused"
    log = (hub.home.log / LOG_NAME).read_text(encoding="utf-8")
    assert len(log.splitlines()) == 1 and log.count("\n") == 1
    assert (
        "\x1b" not in log
        and "\u202e" not in log
        and r'import file="evil\n2026-01-01T00:00:00+08:00 import status=applied\x1b[2J' in log
    )


def test_hub_bundles_are_private(busy_desk, loose_umask: None) -> None:  # noqa: ANN001
    result = busy_desk.desk.export_to("lap-a")
    assert result.paths
    for path in result.paths:
        assert mode(path) == 0o600 and mode(path.parent) == 0o700
