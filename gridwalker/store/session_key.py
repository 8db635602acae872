"""The unlocked database key held for the member's session (the Linux kernel keyring).

The nightly export runs from a timer, with no one to type the passphrase. While the member's
session holds the key, it can: after an unlock the app puts the raw database key into the
user's kernel keyring (`keyctl`, from keyutils) with a timeout, and `gridwalker export` (and
every other command) finds it there when no passphrase file is given.

The trade-off, said in the README too: while the key is held, any program running as this
user can read it (as it could read a passphrase file), and it never touches the disk. It
ends when its timeout runs out, when the user's last session ends (the kernel drops the
user keyring), or on `drop_key`. A laptop without keyctl simply holds nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from gridwalker.store.dbkey import KEY_BYTES

PREFIX = "gridwalker:db:"
_TIMEOUT = 10  # seconds for one keyctl call
# possessor: all; user: view, read, search (other processes of this user, e.g. cron);
# group and others: nothing.
_PERMISSIONS = "0x3f0b0000"


def description(db: str | Path) -> str:
    """The keyring entry's name for a database: a hash of its path, never the path itself."""
    digest = hashlib.sha256(str(Path(db).resolve()).encode("utf-8")).hexdigest()[:16]
    return PREFIX + digest


def available() -> bool:
    """True when keyutils' keyctl is installed."""
    return shutil.which("keyctl") is not None


def _keyctl(*args: str, data: bytes | None = None) -> str | None:
    """Run keyctl; its stdout, or None when it fails (no key, no keyring, no keyctl)."""
    exe = shutil.which("keyctl")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, *args], input=data, capture_output=True, timeout=_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("ascii", "replace").strip() if done.returncode == 0 else None


def _find(db: str | Path) -> str | None:
    return _keyctl("search", "@u", "user", description(db))


def hold_key(db: str | Path, key: bytes, seconds: int) -> bool:
    """Hold `key` for `seconds` in the user's keyring; True when it is held."""
    if len(key) != KEY_BYTES or seconds <= 0:
        return False
    key_id = _keyctl("padd", "user", description(db), "@u", data=key.hex().encode("ascii"))
    if not key_id:
        return False
    _keyctl("setperm", key_id, _PERMISSIONS)
    if _keyctl("timeout", key_id, str(int(seconds))) is None:
        drop_key(db)  # a key that would never expire is not held at all
        return False
    return True


def held_key(db: str | Path) -> bytes | None:
    """The key held for `db`, or None."""
    key_id = _find(db)
    if not key_id:
        return None
    text = _keyctl("pipe", key_id)
    try:
        key = bytes.fromhex(text or "")
    except ValueError:
        return None
    return key if len(key) == KEY_BYTES else None


def drop_key(db: str | Path) -> None:
    """Forget the key held for `db` (nothing when none is held)."""
    key_id = _find(db)
    if key_id:
        _keyctl("unlink", key_id, "@u")
        _keyctl("revoke", key_id)
