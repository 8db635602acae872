"""The unlocked key held for the member's session (kernel keyring), for the nightly export."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from gridwalker.store import session_key
from tests.support.at_rest import FakeKeyring

REAL_KEYCTL = session_key._keyctl  # noqa: SLF001 - read at import, before the conftest's fake


@pytest.fixture
def keyring(monkeypatch: pytest.MonkeyPatch) -> FakeKeyring:
    fake = FakeKeyring()
    monkeypatch.setattr(session_key, "_keyctl", fake)
    return fake


def test_a_held_key_is_found_for_its_database_only(keyring: FakeKeyring, tmp_path: Path) -> None:
    key = os.urandom(32)
    assert session_key.hold_key(tmp_path / "a.db", key, 3600)
    assert session_key.held_key(tmp_path / "a.db") == key
    assert session_key.held_key(tmp_path / "b.db") is None
    assert list(keyring.timeouts.values()) == [3600]  # never held without an end
    session_key.drop_key(tmp_path / "a.db")
    assert session_key.held_key(tmp_path / "a.db") is None


def test_the_keyring_entry_names_no_path(keyring: FakeKeyring, tmp_path: Path) -> None:
    db = tmp_path / "李晓梅" / "gridwalker.db"
    session_key.hold_key(db, os.urandom(32), 60)
    ((desc, _payload),) = keyring.keys.values()
    assert (
        desc.startswith("gridwalker:db:") and "李晓梅" not in desc and "gridwalker.db" not in desc
    )


def test_nothing_is_held_for_no_time_or_a_wrong_key(keyring: FakeKeyring, tmp_path: Path) -> None:
    assert not session_key.hold_key(tmp_path / "a.db", os.urandom(32), 0)
    assert not session_key.hold_key(tmp_path / "a.db", b"short", 60)
    assert keyring.keys == {}


def test_no_keyctl_holds_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(session_key, "_keyctl", REAL_KEYCTL)
    monkeypatch.setattr(session_key.shutil, "which", lambda _name: None)
    assert not session_key.hold_key(tmp_path / "a.db", os.urandom(32), 60)
    assert session_key.held_key(tmp_path / "a.db") is None


_READ_IN_ANOTHER_PROCESS = """
import sys
from gridwalker.store import session_key
key = session_key.held_key(sys.argv[1])
print(key.hex() if key else "none")
"""


@pytest.mark.skipif(shutil.which("keyctl") is None, reason="keyutils (keyctl) is not installed")
def test_the_kernel_keyring_gives_the_key_to_another_process_of_the_user(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import gridwalker.store.session_key as module
    from tests.support import at_rest  # noqa: F401 - the conftest's fake is replaced here

    monkeypatch.undo()  # the real keyctl, not the test's fake keyring
    db = tmp_path / f"{uuid.uuid4().hex}.db"
    key = os.urandom(32)
    assert module.hold_key(db, key, 60)
    try:
        found = subprocess.run(
            [sys.executable, "-c", _READ_IN_ANOTHER_PROCESS, str(db)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        ).stdout.strip()
        assert found == key.hex()  # what `gridwalker export` from a timer does
    finally:
        module.drop_key(db)
    assert module.held_key(db) is None
