"""An encrypted laptop on the command line (#16): setup encrypts, every command finds the key
or exits 1 saying why, never a prompt without a terminal (cron), nothing personal in logs."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from gridwalker import config
from gridwalker.cli import main
from gridwalker.store.at_rest import encrypt_in_place
from gridwalker.store.dbkey import PASSPHRASE_ENV, key_record_path, looks_plain
from tests.support.at_rest import PASSPHRASE, file_bytes, passphrase_file
from tests.support.laptops import Laptop

PLACE = "新华街/邮三社区/第9网格"


def run(*args: str, home: Path, stdin: str | None = None) -> tuple[int, str, str]:
    """Run gridwalker as cron does (stdin is not a terminal); (exit code, stdout, stderr)."""
    result = CliRunner().invoke(
        main, list(args), env={config.HOME_ENV: str(home)}, input=stdin, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def card(tmp_path: Path) -> Path:
    code, out, err = run(
        "hub", "init", "--name", "新华街道网格中心", "--json", home=tmp_path / "hub"
    )
    assert code == 0, err
    return Path(json.loads(out)["card"])


def setup_args(card: Path, *extra: str) -> list[str]:
    return ["setup", "--member", "李晓梅", "--grid", "XH-03-09", "--place", PLACE,
            "--hub-card", str(card), "--json", *extra]  # fmt: skip


def nothing_made(home: Path) -> bool:
    paths = config.paths(home)
    return not paths.settings_file.exists() and not (
        paths.data.exists() and any(paths.data.iterdir())
    )


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    folder = tmp_path / "secrets"
    folder.mkdir(mode=0o700)
    return folder


# -- setup -------------------------------------------------------------------------------------


def test_setup_encrypts_a_new_laptop(tmp_path: Path, card: Path, secrets: Path) -> None:
    home = tmp_path / "lap"
    code, out, err = run(
        *setup_args(card, "--passphrase-file", str(passphrase_file(secrets))), home=home
    )
    assert code == 0, err
    db = config.paths(home).field_db
    assert not looks_plain(db) and key_record_path(db).stat().st_mode & 0o777 == 0o600
    assert "李晓梅".encode() not in file_bytes(db) and "第9网格".encode() not in file_bytes(db)
    assert "not encrypted" not in err
    # Run again with the same values: idempotent, opened with the same passphrase.
    code, out, err = run(
        *setup_args(card, "--passphrase-file", str(passphrase_file(secrets))), home=home
    )
    assert code == 0 and json.loads(out)["already_set_up"], err


def test_setup_under_cron_without_a_passphrase_makes_nothing(tmp_path: Path, card: Path) -> None:
    home = tmp_path / "lap"
    code, _out, err = run(*setup_args(card), home=home)
    assert code == 1
    assert "--passphrase-file" in err and "no prompt without a terminal" in err
    assert nothing_made(home)


@pytest.mark.parametrize(("mode", "text", "reason"), [
    (0o644, PASSPHRASE, "must be 0600"),
    (0o600, "", "empty"),
    (0o600, "short", "at least 8 characters"),
])  # fmt: skip
def test_setup_refuses_a_bad_passphrase_file_and_makes_nothing(
    tmp_path: Path, card: Path, secrets: Path, mode: int, text: str, reason: str
) -> None:
    home = tmp_path / "lap"
    path = passphrase_file(secrets, text=text, mode=mode)
    code, _out, err = run(*setup_args(card, "--passphrase-file", str(path)), home=home)
    assert code == 1 and reason in err and str(path) in err
    assert nothing_made(home)


def test_setup_on_a_terminal_asks_twice_and_says_what_forgetting_costs(
    tmp_path: Path, card: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("gridwalker.cli.unlock.can_prompt", lambda: True)
    home = tmp_path / "lap"
    code, _out, err = run(*setup_args(card), home=home, stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert code == 0, err
    assert "provisioning this laptop again from the hub" in err
    assert not looks_plain(config.paths(home).field_db)


def test_no_passphrase_is_taken_on_the_command_line(tmp_path: Path, card: Path) -> None:
    code, _out, err = run(*setup_args(card, "--passphrase", PASSPHRASE), home=tmp_path / "l")
    assert code == 2 and "No such option" in err


# -- commands on an encrypted laptop -----------------------------------------------------------


@pytest.fixture
def sealed(laptop: Laptop) -> Laptop:
    """The enrolled laptop, encrypted with PASSPHRASE, its member in the settings."""
    laptop.engine.dispose()
    encrypt_in_place(laptop.db, PASSPHRASE)
    config.save_settings(laptop.home, config.Settings(member_name="李晓梅", grid_code="XH-01-01"))
    return laptop


def home_of(lap: Laptop) -> Path:
    return lap.home.data.parent


def roster_secrets(small_street: Path) -> list[bytes]:
    with closing(sqlite3.connect(small_street)) as conn:
        rows = conn.execute("SELECT name, id_number FROM resident").fetchall()
    values = {name for name, _ in rows} | {number for _, number in rows if number}
    assert len(values) > 50
    return [value.encode() for value in values]


def test_export_under_cron_without_a_key_exits_1_untouched(sealed: Laptop) -> None:
    before = file_bytes(sealed.db)
    code, out, err = run("export", "--json", home=home_of(sealed))
    assert code == 1 and out == ""
    assert "the database is encrypted" in err and "GRIDWALKER_PASSPHRASE_FILE" in err
    assert not sealed.home.outbox.exists() or not any(sealed.home.outbox.iterdir())
    assert file_bytes(sealed.db) == before


def test_export_under_cron_with_the_passphrase_file(
    sealed: Laptop, passphrase_env: Path, small_street: Path
) -> None:
    code, out, err = run("export", "--json", home=home_of(sealed))
    assert code == 0, err
    assert Path(json.loads(out)["path"]).exists()
    # The sync log holds ids and counts: no name or ID number of the roster.
    logged = b"".join(p.read_bytes() for p in sealed.home.log.rglob("*") if p.is_file())
    assert logged, "the export wrote no log line to check"
    assert not [s for s in roster_secrets(small_street) if s in logged]


def test_a_wrong_passphrase_file_is_refused_untouched(
    sealed: Laptop, secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, str(passphrase_file(secrets, text="not the passphrase")))
    before = file_bytes(sealed.db)
    code, _out, err = run("export", home=home_of(sealed))
    assert code == 1 and "wrong passphrase" in err
    assert file_bytes(sealed.db) == before


def test_a_passphrase_file_others_can_read_is_refused(
    sealed: Laptop, secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, str(passphrase_file(secrets, mode=0o640)))
    code, _out, err = run("export", home=home_of(sealed))
    assert code == 1 and "must be 0600" in err and PASSPHRASE_ENV in err


COMMANDS = {
    "issue list": ["issue", "list"],
    "report census": ["report", "census", "--out", "{tmp}/census.csv"],
    "report coverage": ["report", "coverage", "--out", "{tmp}/coverage.csv"],
    "roster import": ["roster", "import", "{tmp}/roster.csv", "--dry-run"],
    "keys show": ["keys", "show", "--json"],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_laptop_command_finds_the_key_or_says_so(
    sealed: Laptop, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "roster.csv").write_text(
        "楼栋,单元,楼层,房号,姓名,性别,出生日期\n1栋,1,2,201,张大爷,男,1940-03-05\n",
        encoding="utf-8",
    )
    args = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[name]]
    code, _out, err = run(*args, home=home_of(sealed))
    assert code == 1 and "the database is encrypted" in err
    secrets = tmp_path / "secrets"
    secrets.mkdir(mode=0o700)
    monkeypatch.setenv(PASSPHRASE_ENV, str(passphrase_file(secrets)))
    code, _out, err = run(*args, home=home_of(sealed))
    assert "the database is encrypted" not in err
    assert code == 0, err


def test_a_terminal_gets_three_tries(sealed: Laptop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gridwalker.cli.unlock.can_prompt", lambda: True)
    code, _out, err = run("issue", "list", home=home_of(sealed), stdin=f"a\nb\n{PASSPHRASE}\n")
    assert code == 0, err
    code, _out, err = run("issue", "list", home=home_of(sealed), stdin="a\nb\nc\n")
    assert code == 1 and err.count("wrong passphrase") == 3


def test_an_encrypted_file_without_its_key_record_is_said_so(
    sealed: Laptop, passphrase_env: Path
) -> None:
    key_record_path(sealed.db).unlink()
    code, _out, err = run("export", home=home_of(sealed))
    assert code == 1 and "key record gridwalker.db.key is missing" in err


def test_export_under_cron_uses_the_key_the_unlocked_session_holds(sealed: Laptop) -> None:
    from gridwalker.store import session_key
    from gridwalker.store.dbkey import unlock

    assert session_key.hold_key(sealed.db, unlock(sealed.db, PASSPHRASE), 3600)
    code, out, err = run("export", "--json", home=home_of(sealed))
    assert code == 0, err
    assert Path(json.loads(out)["path"]).exists()
    session_key.drop_key(sealed.db)  # the session ended: the timer has no key again
    code, _out, err = run("export", home=home_of(sealed))
    assert code == 1 and "unlock the app in the member's session first" in err


def test_the_demo_stays_plain_and_says_so(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gridwalker.tui.field.app import GridwalkerApp

    home = tmp_path / "home"
    demo_home = config.paths(config.paths(home).demo_home)
    demo_home.data.mkdir(parents=True)
    shutil.copy(demo_db, demo_home.field_db)
    titles: list[str] = []
    monkeypatch.setattr(GridwalkerApp, "run", lambda app: titles.append(app.title))
    code, _out, err = run("--lang", "en", "--demo", home=home)
    assert code == 0, err
    assert titles == ["Gridwalker (demo: made-up people, not encrypted)"]
    assert looks_plain(demo_home.field_db) and not key_record_path(demo_home.field_db).exists()
