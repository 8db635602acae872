"""The hub's import lock: one importer at a time (a lock file in the data folder)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gridwalker.config import Paths, private_dir, private_opener

LOCK_NAME = "hub-import.lock"


class HubLocked(Exception):
    """Another import holds the hub."""


@contextmanager
def hub_lock(home: Paths) -> Iterator[None]:
    """Hold the hub's import lock (released when the process ends, even by a crash)."""
    private_dir(home.data)
    path = home.data / LOCK_NAME
    handle = open(path, "a+", opener=private_opener)  # noqa: SIM115 - held for the duration of the block
    try:
        if sys.platform == "win32":
            import msvcrt

            try:
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            except OSError:
                raise HubLocked(_locked_message(path)) from None
        else:
            import fcntl

            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise HubLocked(_locked_message(path)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def _locked_message(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        pid = "?"
    return (
        f"另一个导入正在进行 / another import is running (pid {pid}); "
        f"wait for it to finish ({path})"
    )
