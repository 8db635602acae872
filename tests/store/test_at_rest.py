"""The laptop database at rest: the key record, SQLCipher through the engine, plain -> encrypted."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from gridwalker.store import dbkey
from gridwalker.store.at_rest import (
    AtRestError,
    check_database,
    encrypt_in_place,
    new_encrypted_key,
    table_digests,
)
from gridwalker.store.dbkey import (
    DatabaseKeyRefused,
    KeyRecordError,
    PassphraseFileError,
    WrongPassphrase,
    change_passphrase,
    key_record_path,
    looks_plain,
    read_passphrase_file,
    unlock,
)
from gridwalker.store.migrate import current_revision, head_revision, open_database
from gridwalker.store.tables import Device, Resident
from tests.support.at_rest import (
    CHEAP_KDF,
    PASSPHRASE,
    copy_database,
    file_bytes,
    passphrase_file,
)


def _state(db: Path) -> dict[str, tuple[bytes, int]]:
    """The bytes and modification times of a database, its companions and its key record."""
    found = {}
    for suffix in ("", "-wal", "-shm", ".key"):
        part = db.with_name(db.name + suffix)
        if part.exists():
            found[suffix] = (part.read_bytes(), part.stat().st_mtime_ns)
    return found


def _plain_digests(db: Path) -> dict[str, tuple[int, str]]:
    with closing(sqlite3.connect(db)) as conn:
        return table_digests(conn)


def _roster_secrets(db: Path) -> list[bytes]:
    """The residents' names and ID numbers of a plain database, as UTF-8 bytes."""
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT name, id_number FROM resident").fetchall()
    names = {name for name, _ in rows}
    numbers = {number for _, number in rows if number}
    assert len(names) > 50 and len(numbers) > 50  # the check below would prove nothing else
    return [value.encode("utf-8") for value in names | numbers]


@pytest.fixture
def encrypted_db(encrypted_demo_template: Path, tmp_path: Path) -> Path:
    return copy_database(encrypted_demo_template, tmp_path / "gridwalker.db")


# -- the key record ----------------------------------------------------------------------------


def test_a_new_database_is_encrypted_with_migrations_and_search(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    key = new_encrypted_key(db, PASSPHRASE, CHEAP_KDF)
    engine = open_database(db, key=key)
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        assert {"search_fts", "draft", "resident"} <= set(inspect(conn).get_table_names())
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        conn.execute(text("INSERT INTO search_fts(rowid, text) VALUES (1, '花楼街 张秀英')"))
        hit = conn.execute(text("SELECT rowid FROM search_fts WHERE search_fts MATCH '张秀英'"))
        assert hit.scalar() == 1
    engine.dispose()
    assert not looks_plain(db)
    assert unlock(db, PASSPHRASE) == key
    assert os.stat(key_record_path(db)).st_mode & 0o777 == 0o600
    assert os.stat(db).st_mode & 0o777 == 0o600


def test_the_key_record_is_versioned_and_holds_no_key_in_clear(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    key = new_encrypted_key(db, PASSPHRASE, CHEAP_KDF)
    record = json.loads(key_record_path(db).read_text())
    assert record["format"] == "gridwalker-dbkey" and record["version"] == 1
    assert record["kdf"]["name"] == "argon2id" and record["kdf"]["memory_cost"] == 8
    assert key.hex() not in key_record_path(db).read_text()
    assert key not in key_record_path(db).read_bytes()


def test_a_wrong_passphrase_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    new_encrypted_key(db, PASSPHRASE, CHEAP_KDF)
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        unlock(db, PASSPHRASE + "x")


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("version", 2, KeyRecordError),  # a newer format: said so, not guessed at
        ("format", "other", KeyRecordError),
        ("aead", "ChaCha", KeyRecordError),
        ("memory_cost", 4 * 1024 * 1024, KeyRecordError),  # a record must not ask for 4 GiB
        ("time_cost", 2, WrongPassphrase),  # the parameters are sealed with the key
        ("nonce", "AAAA", KeyRecordError),
    ],
)
def test_a_tampered_key_record_is_refused(
    tmp_path: Path, field: str, value: object, error: type[Exception]
) -> None:
    db = tmp_path / "k.db"
    new_encrypted_key(db, PASSPHRASE, CHEAP_KDF)
    record = json.loads(key_record_path(db).read_text())
    if field in ("memory_cost", "time_cost"):
        record["kdf"][field] = value
    else:
        record[field] = value
    key_record_path(db).write_text(json.dumps(record))
    with pytest.raises(error):
        unlock(db, PASSPHRASE)


def test_a_missing_key_record_is_said_so(tmp_path: Path) -> None:
    with pytest.raises(KeyRecordError, match="missing"):
        unlock(tmp_path / "none.db", PASSPHRASE)


def test_a_too_short_passphrase_makes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    with pytest.raises(ValueError, match="at least 8"):
        new_encrypted_key(db, "short", CHEAP_KDF)
    assert not key_record_path(db).exists()


# -- opening an encrypted file -----------------------------------------------------------------


def test_a_wrong_passphrase_or_key_leaves_the_file_untouched(encrypted_db: Path) -> None:
    before = _state(encrypted_db)
    with pytest.raises(WrongPassphrase):
        unlock(encrypted_db, "not the passphrase")
    with pytest.raises(DatabaseKeyRefused, match="nothing was changed"):
        open_database(encrypted_db, key=bytes(32))
    with pytest.raises(Exception, match="file is not a database"):
        open_database(encrypted_db)  # no key at all: SQLite sees noise
    assert _state(encrypted_db) == before


def test_a_plain_file_opened_with_a_key_is_refused_untouched(demo_db: Path) -> None:
    before = _state(demo_db)
    with pytest.raises(DatabaseKeyRefused):
        open_database(demo_db, key=bytes(range(32)))
    assert _state(demo_db) == before


def test_changing_the_passphrase_rewraps_only(encrypted_db: Path) -> None:
    db_bytes = encrypted_db.read_bytes()
    key = unlock(encrypted_db, PASSPHRASE)
    change_passphrase(encrypted_db, PASSPHRASE, "一个新的口令 new one", CHEAP_KDF)
    assert encrypted_db.read_bytes() == db_bytes  # no re-encryption
    with pytest.raises(WrongPassphrase):
        unlock(encrypted_db, PASSPHRASE)
    assert unlock(encrypted_db, "一个新的口令 new one") == key
    with pytest.raises(WrongPassphrase):  # a wrong old passphrase changes nothing
        change_passphrase(encrypted_db, "wrong old one", "another new one", CHEAP_KDF)
    assert unlock(encrypted_db, "一个新的口令 new one") == key


# -- plain -> encrypted ------------------------------------------------------------------------


def test_encrypting_in_place_keeps_every_row(demo_db: Path) -> None:
    before = _plain_digests(demo_db)
    result = encrypt_in_place(demo_db, PASSPHRASE, CHEAP_KDF)
    assert not looks_plain(demo_db)
    assert result.tables == len(before) and result.rows == sum(n for n, _ in before.values())
    assert result.wiped_bytes > 0
    key = unlock(demo_db, PASSPHRASE)
    with closing(_cipher(demo_db, key)) as conn:
        assert table_digests(conn) == before
    assert sorted(p.name for p in demo_db.parent.iterdir() if p.name.startswith(demo_db.name)) == [
        demo_db.name,
        demo_db.name + ".key",
    ]
    engine = open_database(demo_db, key=key)
    with engine.connect() as conn:
        assert conn.execute(select(Device.device_id)).scalar_one()
    engine.dispose()
    assert check_database(demo_db, key).problems == []


def _cipher(db: Path, key: bytes):  # noqa: ANN202 - a DB-API connection
    from sqlcipher3 import dbapi2

    conn = dbapi2.connect(str(db))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def test_encrypting_folds_a_pending_wal_in(demo_db: Path) -> None:
    engine = open_database(demo_db)
    with engine.begin() as conn:
        conn.execute(Resident.__table__.update().values(phone="13900000000"))
    engine.dispose()
    before = _plain_digests(demo_db)
    encrypt_in_place(demo_db, PASSPHRASE, CHEAP_KDF)
    with closing(_cipher(demo_db, unlock(demo_db, PASSPHRASE))) as conn:
        assert table_digests(conn) == before


def test_encrypting_a_database_in_use_is_refused_untouched(demo_db: Path) -> None:
    before = _plain_digests(demo_db)
    app = subprocess.Popen(  # the app, open in another process, idle
        [sys.executable, "-c", _HOLD_OPEN, str(demo_db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert app.stdout is not None and app.stdout.readline().strip() == "open"
        with pytest.raises(AtRestError, match="in use"):
            encrypt_in_place(demo_db, PASSPHRASE, CHEAP_KDF)
    finally:
        app.communicate("")
    assert looks_plain(demo_db) and not key_record_path(demo_db).exists()
    assert not demo_db.with_name(demo_db.name + ".encrypting").exists()
    assert _plain_digests(demo_db) == before


_HOLD_OPEN = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("SELECT count(*) FROM resident").fetchone()
print("open", flush=True)
sys.stdin.read()
"""


def test_encrypting_twice_is_refused(encrypted_db: Path) -> None:
    before = _state(encrypted_db)
    with pytest.raises(AtRestError, match="already encrypted"):
        encrypt_in_place(encrypted_db, PASSPHRASE, CHEAP_KDF)
    assert _state(encrypted_db) == before


def test_an_interrupted_encryption_resumes_with_its_key(demo_db: Path) -> None:
    # A run stopped between writing the key record and the swap leaves both behind.
    key = new_encrypted_key(demo_db.with_name("other.db"), PASSPHRASE, CHEAP_KDF)
    shutil.move(key_record_path(demo_db.with_name("other.db")), key_record_path(demo_db))
    before = _plain_digests(demo_db)
    with pytest.raises(WrongPassphrase):
        encrypt_in_place(demo_db, "not the passphrase", CHEAP_KDF)
    assert looks_plain(demo_db)
    assert encrypt_in_place(demo_db, PASSPHRASE, CHEAP_KDF).resumed
    assert unlock(demo_db, PASSPHRASE) == key
    with closing(_cipher(demo_db, key)) as conn:
        assert table_digests(conn) == before


def test_no_roster_name_or_id_number_is_on_disk(demo_db_template: Path, encrypted_db: Path) -> None:
    secrets = _roster_secrets(demo_db_template)
    assert any(s in file_bytes(demo_db_template) for s in secrets)  # the grep finds them in clear
    engine = open_database(encrypted_db, key=unlock(encrypted_db, PASSPHRASE))
    with engine.begin() as conn:  # writes land in the WAL first: it must be sealed too
        conn.execute(Resident.__table__.update().values(moved_to="入户核实"))
    with engine.connect() as conn:
        conn.execute(select(Resident.name)).all()
        assert encrypted_db.with_name(encrypted_db.name + "-wal").stat().st_size > 0
        on_disk = file_bytes(encrypted_db)
        assert not [s for s in secrets if s in on_disk]
    engine.dispose()
    assert not [s for s in secrets if s in file_bytes(encrypted_db)]


# -- passphrase files --------------------------------------------------------------------------


def test_a_passphrase_file_is_read_without_its_newline(tmp_path: Path) -> None:
    assert read_passphrase_file(passphrase_file(tmp_path)) == PASSPHRASE


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_passphrase_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    with pytest.raises(PassphraseFileError, match="must be 0600"):
        read_passphrase_file(passphrase_file(tmp_path, mode=mode))


def test_a_missing_or_empty_passphrase_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PassphraseFileError, match="not found"):
        read_passphrase_file(tmp_path / "none")
    with pytest.raises(PassphraseFileError, match="empty"):
        read_passphrase_file(passphrase_file(tmp_path, text=""))


def test_the_environment_names_a_file_not_a_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = passphrase_file(tmp_path)
    monkeypatch.setenv(dbkey.PASSPHRASE_ENV, str(path))
    assert dbkey.passphrase_file_from_env() == path
    monkeypatch.delenv(dbkey.PASSPHRASE_ENV)
    assert dbkey.passphrase_file_from_env() is None
