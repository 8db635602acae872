"""The hub's import locks: one importer at a time in a home (a lock file in the data folder),
and one import of a device's bundles at a time across every importer of the database (on
PostgreSQL, an advisory lock per device: a cron job and a supervisor's run, even on two
machines with copies of the hub's keys)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from gridwalker.config import Paths, private_dir, private_opener
from gridwalker.store.dialect import named_lock

LOCK_NAME = "hub-import.lock"


class HubLocked(Exception):
    """Another import holds the hub."""


class HubBusy(HubLocked):
    """Another process holds the hub database's write lock beyond the bounded retry."""

    def __init__(self, file: str = "") -> None:
        where = f" ({file} left in place)" if file else ""
        super().__init__(
            f"枢纽正忙，请稍后再试 / hub busy, try again: another process is writing the hub "
            f"database{where}"
        )


# The bounded retry of a bundle whose write finds the database locked: attempts after the
# first, and the pause between them (each attempt also waits the engine's busy_timeout).
BUSY_RETRIES = 3
BUSY_PAUSE_SECONDS = 2.0
# How long an import waits for another import of the same device's bundles to finish.
DEVICE_WAIT_SECONDS = 30.0

_BUSY_WORDS = ("database is locked", "database table is locked", "database is busy")
_BUSY_SQLSTATES = ("55P03",)  # PostgreSQL lock_not_available


def is_busy(exc: BaseException) -> bool:
    """Whether an error (or its cause) is a transient lock held by another connection.

    Only the driver's own error is read (never SQLAlchemy's text, which quotes the values of
    the statement: a record holding "database is locked" must not pass for a lock).
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.orig is not None:
            orig = current.orig
            state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
            if state in _BUSY_SQLSTATES:
                return True
            if orig.__class__.__name__ == "OperationalError" and str(orig).lower() in _BUSY_WORDS:
                return True
        current = current.__cause__ or current.__context__
    return False


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


@contextmanager
def device_lock(engine: Engine, device_id: str) -> Iterator[None]:
    """Hold the import of one device's bundles: a second importer waits (then finds the bundle
    booked: "already"), or, past DEVICE_WAIT_SECONDS, fails busy (`is_busy`) with the file
    left in place."""
    with named_lock(engine, f"gridwalker-import:{device_id}", DEVICE_WAIT_SECONDS):
        yield


def _locked_message(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        pid = "?"
    return (
        f"另一个导入正在进行 / another import is running (pid {pid}); "
        f"wait for it to finish ({path})"
    )
