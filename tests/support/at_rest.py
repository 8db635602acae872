"""Encrypted laptops in tests: a passphrase, its 0600 file, and a KDF cheap enough for tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from gridwalker.store.dbkey import KdfParams, key_record_path

PASSPHRASE = "门前三包 correct horse"
# The record stores its parameters, so a cheap KDF in tests exercises the same code paths.
CHEAP_KDF = KdfParams(time_cost=1, memory_cost=8, parallelism=1)


def passphrase_file(folder: Path, text: str = PASSPHRASE, mode: int = 0o600) -> Path:
    """A passphrase file as a script would keep it (0600 unless `mode` says otherwise)."""
    path = folder / f"passphrase-{mode:o}.txt"
    path.write_text(text + "\n", encoding="utf-8")
    os.chmod(path, mode)
    return path


def copy_database(source: Path, target: Path) -> Path:
    """Copy a database file and its key record (when it has one)."""
    shutil.copy(source, target)
    if key_record_path(source).exists():
        shutil.copy(key_record_path(source), key_record_path(target))
    return target


def file_bytes(db: Path) -> bytes:
    """The raw bytes of a database with its -wal, -shm and key record, as a finder reads them."""
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal", ".key"):
        part = db.with_name(db.name + suffix)
        if part.exists():
            data += part.read_bytes()
    return data


def open_field(db: Path):  # noqa: ANN201 - an Engine
    """Open a laptop's database in a test as the member would: with PASSPHRASE if encrypted."""
    from gridwalker.store.dbkey import is_encrypted, unlock
    from gridwalker.store.migrate import open_database

    return open_database(db, key=unlock(db, PASSPHRASE) if is_encrypted(db) else None)


class FakeKeyring:
    """keyctl's user keyring for one test: the commands session_key runs, in memory."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[str, bytes]] = {}  # id -> (description, payload)
        self.timeouts: dict[str, int] = {}

    def __call__(self, *args: str, data: bytes | None = None) -> str | None:
        command, rest = args[0], args[1:]
        if command == "padd":
            _type, desc, _ring = rest
            key_id = next((i for i, (d, _p) in self.keys.items() if d == desc), None)
            key_id = key_id or str(1000 + len(self.keys))
            self.keys[key_id] = (desc, data or b"")
            return key_id
        if command == "search":
            return next((i for i, (d, _p) in self.keys.items() if d == rest[2]), None)
        if command == "pipe":
            return self.keys[rest[0]][1].decode() if rest[0] in self.keys else None
        if command == "timeout":
            self.timeouts[rest[0]] = int(rest[1])
            return ""
        if command in ("unlink", "revoke"):
            self.keys.pop(rest[0], None)
            return ""
        return ""  # setperm
