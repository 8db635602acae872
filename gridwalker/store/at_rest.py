"""The laptop database at rest: encrypting a plain file in place, checking an encrypted one.

`encrypt_in_place` copies a plain database into a new SQLCipher file (`sqlcipher_export`),
compares a digest of every table's rows on both sides, writes the key record, swaps the files
and overwrites the plain file's bytes (and its WAL's) through descriptors kept open across the
swap. The overwrite reaches the blocks the file system gives back to the same file: on a
copy-on-write file system, an SSD's remapped cells or in a backup it cannot, which is why the
README recommends full-disk encryption as well.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridwalker.config import private_file
from gridwalker.store.dbkey import (
    KdfParams,
    key_record_path,
    looks_plain,
    new_key_record,
    read_key_record,
    unwrap_key,
    wrap_key,
    write_key_record,
)

_WIPE_CHUNK = 1 << 20
IN_USE = "数据库正被使用，请先关闭 gridwalker / the database is in use; close gridwalker first"


class AtRestError(Exception):
    """The database cannot be encrypted or checked as asked (nothing was changed)."""


@dataclass
class EncryptResult:
    """What `encrypt_in_place` did: tables and rows compared, bytes overwritten."""

    tables: int
    rows: int
    wiped_bytes: int
    resumed: bool = False
    key: bytes = field(default=b"", repr=False)  # the database key, to reopen without a KDF


@dataclass
class CheckResult:
    """`check_database`'s findings: empty `problems` means the file is sound."""

    encrypted: bool
    tables: int
    rows: int
    problems: list[str] = field(default_factory=list)


def _connect(db: Path, key: bytes | None) -> Any:
    """A raw SQLCipher connection (the key first, if any); errors are the caller's."""
    from sqlcipher3 import dbapi2

    conn = dbapi2.connect(str(db), isolation_level=None)
    conn.execute("PRAGMA cipher_log_level = NONE")
    if key is not None:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA busy_timeout = 2000")
    return conn


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_digests(conn: Any) -> dict[str, tuple[int, str]]:
    """Every stored table's row count and a SHA-256 over its rows in a fixed order.

    Virtual tables are skipped: their rows live in their shadow tables, which are digested.
    """
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
        )
    ]
    digests: dict[str, tuple[int, str]] = {}
    for name in names:
        width = len(conn.execute(f"SELECT * FROM {_quote(name)} LIMIT 0").description)
        order = ", ".join(str(i) for i in range(1, width + 1))
        digest = hashlib.sha256()
        count = 0
        for row in conn.execute(f"SELECT * FROM {_quote(name)} ORDER BY {order}"):
            digest.update(repr(tuple(row)).encode("utf-8"))
            digest.update(b"\n")
            count += 1
        digests[name] = (count, digest.hexdigest())
    return digests


@contextmanager
def _held_open(path: Path) -> Iterator[int | None]:
    """A read-write descriptor on `path` (None when it is absent), closed afterwards."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        yield None
        return
    try:
        yield fd
    finally:
        os.close(fd)


def _overwrite(fd: int | None) -> int:
    """Overwrite a file's bytes with zeros through `fd`, to its end; returns the bytes."""
    if fd is None:
        return 0
    size = os.fstat(fd).st_size
    zeros = bytes(_WIPE_CHUNK)
    os.lseek(fd, 0, os.SEEK_SET)
    left = size
    while left > 0:
        left -= os.write(fd, zeros[: min(left, _WIPE_CHUNK)])
    os.fsync(fd)
    return size


def _fsync_dir(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _key_for(db: Path, passphrase: str, kdf: KdfParams | None) -> tuple[bytes, bool]:
    """The key to encrypt with: the record's when an earlier run stopped before the swap."""
    if key_record_path(db).exists():
        return unwrap_key(read_key_record(db), passphrase, key_record_path(db)), True
    import secrets

    from gridwalker.store.dbkey import KEY_BYTES, check_new_passphrase

    check_new_passphrase(passphrase)
    return secrets.token_bytes(KEY_BYTES), False


# Every connection to a WAL database holds a read lock on this byte of its -shm file for as
# long as it is open (SQLite's unix VFS: UNIX_SHM_DMS): a write lock we can take there means no
# other process has the database open.
_SHM_DMS_BYTE = 128


def in_use_elsewhere(db: Path) -> bool:
    """True when another process (the app, a timer's export) has the database open.

    Must run before this process opens the file: POSIX locks belong to the process, and
    closing our probe would drop SQLite's own locks on the same file.
    """
    import fcntl

    shm = db.with_name(db.name + "-shm")
    try:
        fd = os.open(shm, os.O_RDWR)
    except FileNotFoundError:
        return False  # no WAL-mode connection is open anywhere
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_BYTE)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _SHM_DMS_BYTE)
        return False
    finally:
        os.close(fd)


def _export(db: Path, copy: Path, key: bytes) -> dict[str, tuple[int, str]]:
    """Copy the plain `db` into the encrypted `copy` and compare them; the rows' digests."""
    from sqlcipher3 import dbapi2

    with closing(_connect(db, None)) as plain:
        try:
            # Fold the WAL into the file and leave WAL mode: this needs every other
            # connection closed, which is the check that the app is not running.
            plain.execute("PRAGMA wal_checkpoint(FULL)")
            mode = plain.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        except dbapi2.OperationalError as exc:
            raise AtRestError(f"{db}: {IN_USE} ({exc})") from None
        if mode.lower() != "delete":
            raise AtRestError(f"{db}: {IN_USE}")
        before = table_digests(plain)
        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", (str(copy),))
        plain.execute("SELECT sqlcipher_export('encrypted')")
        plain.execute("DETACH DATABASE encrypted")
    with closing(_connect(copy, key)) as sealed:
        after = table_digests(sealed)
        sound = sealed.execute("PRAGMA integrity_check").fetchall()
    if after != before or sound != [("ok",)]:
        differ = sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))
        raise AtRestError(
            f"{db}: 加密副本与原库不一致，未改动 / the encrypted copy differs from the original "
            f"(tables: {', '.join(differ) or 'integrity check'}); nothing changed"
        )
    return before


def encrypt_in_place(
    db: str | Path, passphrase: str, kdf: KdfParams | None = None
) -> EncryptResult:
    """Encrypt the plain database `db` under a new key wrapped by `passphrase`.

    Refused (AtRestError, nothing changed) when the file is not a plain SQLite database, when
    another program has it open, or when the copy's rows differ from the original's.
    """
    db = Path(db)
    if not db.exists():
        raise AtRestError(f"{db}: 没有数据库 / no database here")
    if not looks_plain(db):
        raise AtRestError(f"{db}: 已加密或不是 SQLite 数据库 / already encrypted, or not SQLite")
    if in_use_elsewhere(db):
        raise AtRestError(f"{db}: {IN_USE}")
    key, resumed = _key_for(db, passphrase, kdf)
    copy = db.with_name(db.name + ".encrypting")
    wal = db.with_name(db.name + "-wal")
    with suppress(FileNotFoundError):
        copy.unlink()
    private_file(copy)
    try:
        with _held_open(wal) as wal_fd:
            before = _export(db, copy, key)
            if not resumed:
                write_key_record(db, wrap_key(key, passphrase, kdf))
            with _held_open(db) as plain_fd:
                os.replace(copy, db)
                _fsync_dir(db.parent)
                wiped = _overwrite(plain_fd) + _overwrite(wal_fd)
    except BaseException:
        with suppress(FileNotFoundError):
            copy.unlink()
        raise
    for suffix in ("-wal", "-shm", "-journal"):
        with suppress(FileNotFoundError):
            db.with_name(db.name + suffix).unlink()
    return EncryptResult(
        tables=len(before),
        rows=sum(count for count, _digest in before.values()),
        wiped_bytes=wiped,
        resumed=resumed,
        key=key,
    )


def new_encrypted_key(db: str | Path, passphrase: str, kdf: KdfParams | None = None) -> bytes:
    """The key of a database about to be created encrypted (its record written first)."""
    db = Path(db)
    if db.exists() and db.stat().st_size > 0:
        raise AtRestError(f"{db}: 数据库已存在 / a database is already here")
    return new_key_record(db, passphrase, kdf)


def check_database(db: str | Path, key: bytes | None) -> CheckResult:
    """Integrity of the database (and of every encrypted page's HMAC when `key` is given)."""
    from sqlcipher3 import dbapi2

    db = Path(db)
    if not db.exists():
        raise AtRestError(f"{db}: 没有数据库 / no database here")
    problems: list[str] = []
    digests: dict[str, tuple[int, str]] = {}
    with closing(_connect(db, key)) as conn:
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except dbapi2.DatabaseError as exc:
            raise AtRestError(
                f"{db}: 无法读取（密钥不对或文件损坏）/ cannot be read: wrong key or damaged ({exc})"
            ) from None
        if key is not None:  # every page's HMAC, before SQLite reads a damaged one
            problems += [r[0] for r in conn.execute("PRAGMA cipher_integrity_check")]
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            if rows != ["ok"]:
                problems += rows
            digests = table_digests(conn)
        except dbapi2.DatabaseError as exc:
            problems.append(str(exc))
    return CheckResult(
        encrypted=key is not None,
        tables=len(digests),
        rows=sum(count for count, _digest in digests.values()),
        problems=problems,
    )
