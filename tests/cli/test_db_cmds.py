"""`gridwalker db encrypt | passphrase | check` (#16), under cron conditions (no terminal)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from gridwalker import config
from gridwalker.cli import main
from gridwalker.store.at_rest import table_digests
from gridwalker.store.dbkey import key_record_path, looks_plain, unlock
from tests.support.at_rest import PASSPHRASE, file_bytes, passphrase_file
from tests.support.laptops import Laptop

NEW = "新的口令 another passphrase"


def run(*args: str, home: Path, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, list(args), env={config.HOME_ENV: str(home)}, input=stdin, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def plain(laptop: Laptop) -> Laptop:
    """The enrolled laptop, closed (as when the app is not running), still plain."""
    laptop.engine.dispose()
    return laptop


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    folder = tmp_path / "secrets"
    folder.mkdir(mode=0o700)
    return folder


def home_of(lap: Laptop) -> Path:
    return lap.home.data.parent


def plain_digests(db: Path) -> dict[str, tuple[int, str]]:
    with closing(sqlite3.connect(db)) as conn:
        return table_digests(conn)


def sealed_digests(db: Path, passphrase: str = PASSPHRASE) -> dict[str, tuple[int, str]]:
    from sqlcipher3 import dbapi2

    with closing(dbapi2.connect(str(db))) as conn:
        conn.execute(f"PRAGMA key = \"x'{unlock(db, passphrase).hex()}'\"")
        return table_digests(conn)


def test_encrypt_keeps_every_row_and_the_laptop_works_after(
    plain: Laptop, secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = plain_digests(plain.db)
    path = passphrase_file(secrets)
    code, out, err = run("db", "encrypt", "--passphrase-file", str(path), home=home_of(plain))
    assert code == 0, err
    rows = sum(n for n, _ in before.values())
    assert f"{len(before)} tables, {rows} rows compared" in out and "LUKS" in err
    assert not looks_plain(plain.db) and sealed_digests(plain.db) == before
    code, _out, err = run("db", "encrypt", "--passphrase-file", str(path), home=home_of(plain))
    assert code == 0 and "already encrypted" in err
    monkeypatch.setenv("GRIDWALKER_PASSPHRASE_FILE", str(path))
    config.save_settings(plain.home, config.Settings(member_name="李晓梅", grid_code="XH-01-01"))
    code, _out, err = run("export", "--json", home=home_of(plain))
    assert code == 0, err


def test_encrypt_under_cron_without_a_passphrase_changes_nothing(plain: Laptop) -> None:
    before = file_bytes(plain.db)
    code, _out, err = run("db", "encrypt", home=home_of(plain))
    assert code == 1 and "no prompt without a terminal" in err
    assert file_bytes(plain.db) == before and not key_record_path(plain.db).exists()


def test_encrypt_on_a_terminal_asks_twice(plain: Laptop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gridwalker.cli.unlock.can_prompt", lambda: True)
    code, _out, err = run("db", "encrypt", home=home_of(plain), stdin=f"{NEW}\n{NEW}\n")
    assert code == 0, err
    assert unlock(plain.db, NEW)


@pytest.fixture
def sealed(plain: Laptop, secrets: Path) -> Laptop:
    code, _out, err = run(
        "db", "encrypt", "--passphrase-file", str(passphrase_file(secrets)), home=home_of(plain)
    )
    assert code == 0, err
    return plain


def test_passphrase_rewraps_the_key_only(sealed: Laptop, secrets: Path) -> None:
    db_bytes = sealed.db.read_bytes()
    key = unlock(sealed.db, PASSPHRASE)
    new_file = secrets / "new.txt"
    new_file.write_text(NEW + "\n")
    new_file.chmod(0o600)
    code, out, err = run(
        "db", "passphrase", "--passphrase-file", str(passphrase_file(secrets)),
        "--new-passphrase-file", str(new_file), home=home_of(sealed),
    )  # fmt: skip
    assert code == 0, err
    assert "the database itself is unchanged" in out
    assert sealed.db.read_bytes() == db_bytes and unlock(sealed.db, NEW) == key
    code, _out, err = run(
        "db", "check", "--passphrase-file", str(passphrase_file(secrets)), home=home_of(sealed)
    )
    assert code == 1 and "wrong passphrase" in err


def test_passphrase_with_a_wrong_old_one_changes_nothing(sealed: Laptop, secrets: Path) -> None:
    record = key_record_path(sealed.db).read_bytes()
    wrong = passphrase_file(secrets, text="not the passphrase")
    new_file = passphrase_file(secrets, text=NEW, mode=0o400)
    code, _out, err = run(
        "db", "passphrase", "--passphrase-file", str(wrong),
        "--new-passphrase-file", str(new_file), home=home_of(sealed),
    )  # fmt: skip
    assert code == 1 and "wrong passphrase" in err
    assert key_record_path(sealed.db).read_bytes() == record


def test_passphrase_of_a_plain_database_says_encrypt_first(plain: Laptop) -> None:
    code, _out, err = run("db", "passphrase", home=home_of(plain))
    assert code == 1 and "gridwalker db encrypt" in err


def test_check_says_sound_encrypted_or_not(plain: Laptop, secrets: Path) -> None:
    code, out, err = run("db", "check", home=home_of(plain))
    assert code == 0 and "NOT encrypted" in out, err
    path = passphrase_file(secrets)
    assert run("db", "encrypt", "--passphrase-file", str(path), home=home_of(plain))[0] == 0
    code, out, err = run("db", "check", "--passphrase-file", str(path), home=home_of(plain))
    assert code == 0 and out.startswith("ok: ") and ", encrypted," in out, err
    code, _out, err = run("db", "check", home=home_of(plain))  # cron, no key
    assert code == 1 and "the database is encrypted" in err


def test_check_finds_a_damaged_page(sealed: Laptop, secrets: Path) -> None:
    data = bytearray(sealed.db.read_bytes())
    assert len(data) > 3 * 4096
    data[2 * 4096 + 100] ^= 0xFF  # one bit-flipped byte in the third page
    sealed.db.write_bytes(bytes(data))
    code, _out, err = run(
        "db", "check", "--passphrase-file", str(passphrase_file(secrets)), home=home_of(sealed)
    )
    assert code == 1 and "HMAC verification failed for page 3" in err and "problem(s)" in err


@pytest.mark.parametrize("command", ["encrypt", "passphrase", "check"])
def test_each_db_command_shows_an_example(command: str, tmp_path: Path) -> None:
    code, out, _err = run("db", command, "--help", home=tmp_path)
    assert code == 0 and "Example:" in out and f"gridwalker db {command}" in out
