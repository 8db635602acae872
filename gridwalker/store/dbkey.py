"""The field database's key at rest (SQLCipher): a random key wrapped by the member's passphrase.

The database is encrypted with a random 32-byte key that never changes; a key-encryption key
derived from the passphrase (Argon2id, memory-hard) wraps it with AES-256-GCM. The wrapped key,
the salt and the KDF parameters sit in a versioned JSON record next to the database
(`gridwalker.db.key`, 0600), so changing the passphrase rewrites that record only and never
re-encrypts the database. A wrong passphrase fails the AEAD tag: nothing is opened, nothing
written. No crypto of our own: argon2-cffi derives, `cryptography` seals.

Scripts hand the passphrase over in a 0600 file (`--passphrase-file`, or the file named by
GRIDWALKER_PASSPHRASE_FILE), never on a command line or in the environment itself.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from gridwalker.config import private_opener

FORMAT = "gridwalker-dbkey"
VERSION = 1
KEY_BYTES = 32
SALT_BYTES = 16
NONCE_BYTES = 12
MAX_RECORD_BYTES = 4096
MAX_PASSPHRASE_BYTES = 1024
MIN_PASSPHRASE_CHARS = 8
PASSPHRASE_ENV = "GRIDWALKER_PASSPHRASE_FILE"
SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id's costs: time (passes), memory (KiB), lanes."""

    time_cost: int = 3
    memory_cost: int = 64 * 1024
    parallelism: int = 2


# ~0.2 s on a field laptop: slow for guessing, quick enough to unlock. Tests lower it.
DEFAULT_KDF = KdfParams()
# What a record may ask for: a tampered file must not make us allocate gigabytes.
_KDF_LIMITS = {"time_cost": (1, 20), "memory_cost": (8, 1024 * 1024), "parallelism": (1, 16)}


class KeyRecordError(Exception):
    """The key record next to the database is missing, unreadable or not ours."""


class WrongPassphrase(Exception):
    """The passphrase does not unwrap the database key (nothing was opened or written)."""


class PassphraseFileError(Exception):
    """A passphrase file that cannot be used (missing, not private, empty, too long)."""


class DatabaseKeyRefused(Exception):
    """SQLCipher could not read the database with the key it was given."""


def key_record_path(db: str | Path) -> Path:
    """Where the key record of a database lives: next to it, `<name>.key`."""
    db = Path(db)
    return db.with_name(db.name + ".key")


def is_encrypted(db: str | Path) -> bool:
    """True when the database has a key record (it is, or is to be, encrypted)."""
    return key_record_path(db).exists()


def looks_plain(db: str | Path) -> bool:
    """True when the file starts with SQLite's plain header (SQLCipher's starts with salt)."""
    try:
        with open(db, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return False
    return head == SQLITE_HEADER


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, field: str, size: int | None, where: Path | str) -> bytes:
    try:
        data = base64.b64decode(str(text), validate=True)
    except (ValueError, TypeError):
        raise KeyRecordError(
            f"{where}: 字段 {field} 不是 base64 / field {field} is not base64"
        ) from None
    if size is not None and len(data) != size:
        raise KeyRecordError(
            f"{where}: 字段 {field} 长度不对 / field {field} has {len(data)} bytes, not {size}"
        )
    return data


def _derive(passphrase: str, salt: bytes, kdf: KdfParams) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        passphrase.encode("utf-8"),
        salt,
        time_cost=kdf.time_cost,
        memory_cost=kdf.memory_cost,
        parallelism=kdf.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _header(salt: bytes, kdf: KdfParams) -> dict[str, Any]:
    """The record's fields the seal authenticates (format, version, KDF and salt)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "kdf": {"name": "argon2id", "salt": _b64(salt), **asdict(kdf)},
        "aead": "AES-256-GCM",
    }


def _aad(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


def check_new_passphrase(passphrase: str) -> None:
    """Refuse a passphrase too short or too long to be a passphrase (ValueError)."""
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise ValueError(
            f"口令至少 {MIN_PASSPHRASE_CHARS} 个字符 / the passphrase needs at least "
            f"{MIN_PASSPHRASE_CHARS} characters"
        )
    if len(passphrase.encode("utf-8")) > MAX_PASSPHRASE_BYTES:
        raise ValueError(f"口令过长 / the passphrase is longer than {MAX_PASSPHRASE_BYTES} bytes")


def wrap_key(db_key: bytes, passphrase: str, kdf: KdfParams | None = None) -> dict[str, Any]:
    """The key record of `db_key` sealed under `passphrase` (a fresh salt and nonce)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(db_key) != KEY_BYTES:
        raise ValueError(f"a database key has {KEY_BYTES} bytes")
    kdf = kdf or DEFAULT_KDF
    salt = secrets.token_bytes(SALT_BYTES)
    nonce = secrets.token_bytes(NONCE_BYTES)
    header = _header(salt, kdf)
    sealed = AESGCM(_derive(passphrase, salt, kdf)).encrypt(nonce, db_key, _aad(header))
    return {**header, "nonce": _b64(nonce), "wrapped_key": _b64(sealed)}


def _parse_record(record: Any, where: Path | str) -> tuple[dict[str, Any], KdfParams, bytes]:
    """The authenticated header, KDF parameters and salt of a record, checked strictly."""
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise KeyRecordError(f"{where}: 不是 gridwalker 数据库密钥 / not a gridwalker key record")
    if record.get("version") != VERSION:
        raise KeyRecordError(
            f"{where}: 密钥格式版本 {record.get('version')!r} 不支持 / key record version "
            f"{record.get('version')!r} is not supported (this gridwalker reads {VERSION})"
        )
    raw_kdf = record.get("kdf")
    if not isinstance(raw_kdf, dict) or raw_kdf.get("name") != "argon2id":
        raise KeyRecordError(f"{where}: 只支持 argon2id / field kdf.name must be argon2id")
    values = {}
    for name, (low, high) in _KDF_LIMITS.items():
        value = raw_kdf.get(name)
        if type(value) is not int or not low <= value <= high:
            raise KeyRecordError(
                f"{where}: kdf.{name} 超出范围 / field kdf.{name} must be a whole number "
                f"from {low} to {high}"
            )
        values[name] = value
    if record.get("aead") != "AES-256-GCM":
        raise KeyRecordError(f"{where}: 只支持 AES-256-GCM / field aead must be AES-256-GCM")
    kdf = KdfParams(**values)
    salt = _unb64(raw_kdf.get("salt"), "kdf.salt", SALT_BYTES, where)
    return _header(salt, kdf), kdf, salt


def unwrap_key(record: Any, passphrase: str, where: Path | str = "key record") -> bytes:
    """The database key a record holds; WrongPassphrase when the seal does not open."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header, kdf, salt = _parse_record(record, where)
    nonce = _unb64(record.get("nonce"), "nonce", NONCE_BYTES, where)
    sealed = _unb64(record.get("wrapped_key"), "wrapped_key", KEY_BYTES + 16, where)
    try:
        return AESGCM(_derive(passphrase, salt, kdf)).decrypt(nonce, sealed, _aad(header))
    except InvalidTag:
        raise WrongPassphrase(
            "口令不对，数据库未打开、未改动 / wrong passphrase: the database was not opened "
            "and nothing was changed"
        ) from None


def read_key_record(db: str | Path) -> dict[str, Any]:
    """The key record next to `db`, parsed (KeyRecordError when missing or malformed)."""
    path = key_record_path(db)
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_RECORD_BYTES + 1)
    except FileNotFoundError:
        raise KeyRecordError(
            f"{path}: 找不到数据库密钥 / the database key record is missing"
        ) from None
    if len(raw) > MAX_RECORD_BYTES:
        raise KeyRecordError(f"{path}: 文件过大 / larger than {MAX_RECORD_BYTES} bytes")
    try:
        record = json.loads(raw)
    except ValueError as exc:
        raise KeyRecordError(f"{path}: 不是 JSON / not JSON ({exc})") from None
    _parse_record(record, path)
    return record


def write_key_record(db: str | Path, record: dict[str, Any]) -> Path:
    """Write the key record next to `db`, 0600, atomically (a crash leaves the old or the new)."""
    path = key_record_path(db)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", opener=private_opener) as f:
        json.dump(record, f, indent=1)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def unlock(db: str | Path, passphrase: str) -> bytes:
    """The raw database key of `db` from its key record and the passphrase."""
    path = key_record_path(db)
    return unwrap_key(read_key_record(db), passphrase, path)


def new_key_record(db: str | Path, passphrase: str, kdf: KdfParams | None = None) -> bytes:
    """A fresh random database key for `db`, its record written; returns the raw key."""
    check_new_passphrase(passphrase)
    db_key = secrets.token_bytes(KEY_BYTES)
    write_key_record(db, wrap_key(db_key, passphrase, kdf))
    return db_key


def change_passphrase(db: str | Path, old: str, new: str, kdf: KdfParams | None = None) -> None:
    """Re-wrap the database key under a new passphrase; the database itself is not touched."""
    check_new_passphrase(new)
    db_key = unlock(db, old)
    write_key_record(db, wrap_key(db_key, new, kdf))


def read_passphrase_file(path: str | Path) -> str:
    """The passphrase in a file only its owner can read (0600 or stricter); one trailing
    newline is not part of it."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise PassphraseFileError(f"{path}: 口令文件不存在 / passphrase file not found") from None
    except OSError as exc:
        raise PassphraseFileError(
            f"{path}: 无法读取口令文件 / cannot read: {exc.strerror}"
        ) from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise PassphraseFileError(f"{path}: 不是普通文件 / not a regular file")
        if info.st_mode & 0o077:
            raise PassphraseFileError(
                f"{path}: 口令文件其他人可读，需 0600（chmod 600）/ the passphrase file is "
                f"{stat.S_IMODE(info.st_mode):o}: it must be 0600 (chmod 600 {path})"
            )
        raw = f.read(MAX_PASSPHRASE_BYTES + 3)
    if len(raw) > MAX_PASSPHRASE_BYTES + 2:
        raise PassphraseFileError(f"{path}: 口令过长 / longer than {MAX_PASSPHRASE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PassphraseFileError(f"{path}: 不是 UTF-8 / not UTF-8 text") from None
    text = text.removesuffix("\n").removesuffix("\r")
    if not text:
        raise PassphraseFileError(f"{path}: 口令文件是空的 / the passphrase file is empty")
    return text


def passphrase_file_from_env() -> Path | None:
    """The passphrase file named by GRIDWALKER_PASSPHRASE_FILE, if set."""
    value = os.environ.get(PASSPHRASE_ENV, "").strip()
    return Path(value).expanduser() if value else None
