"""The hub's folders of bundle files: copies held for a gap (backlog), copies of refused files
(quarantine).

A file goes into its folder together with its row in the hub's book (store.ledger).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import Engine

from gridwalker.config import Paths, make_private, private_dir, private_opener
from gridwalker.domain import clock
from gridwalker.store import ledger
from gridwalker.sync import bundle as fmt


def quarantine_dir(home: Paths) -> Path:
    """Refused bundles and their reason files."""
    return home.data / "quarantine"


def backlog_dir(home: Paths) -> Path:
    """Copies of bundles held for a gap."""
    return home.data / "hub-backlog"


def hold(engine: Engine, home: Paths, opened: fmt.OpenedBundle) -> None:
    """Keep a copy of a bundle whose predecessors are missing, and book it in the backlog."""
    folder = private_dir(backlog_dir(home))
    target = folder / opened.path.name
    if target.resolve() != opened.path.resolve():
        shutil.copyfile(opened.path, target)
        make_private(target)
    with engine.begin() as conn:
        ledger.hold(
            conn, opened.device_id, opened.seq, opened.manifest_sha256, str(target), clock.now()
        )


def quarantine(
    engine: Engine,
    home: Paths,
    path: Path,
    refused: fmt.BundleRefused,
    device_id: str,
    seq: int,
    file_sha256: str | None = None,
) -> Path | None:
    """Copy a refused file to the quarantine folder with a reason file; log it in hub_quarantine.

    The original stays where it was: a USB stick (or any folder given to `hub import`) is not
    the hub's to empty. Only a file already in one of the hub's own folders (a held copy in
    the backlog, a quarantined file retried from the desk) is moved, so no stray copy is left.
    The copy is owner-only (0600) whatever the source's mode. None: the file could not be
    copied (an unreadable source); the book and the reason file then name the original.
    """
    folder = private_dir(quarantine_dir(home))
    now = clock.now()
    target = folder / path.name
    n = 1
    while target.exists() or target.with_name(target.name + ".reason.txt").exists():
        n += 1
        target = folder / f"{path.name}.{n}"
    # The book first: a hub database locked by another process fails here, before the file
    # is copied (the run stops as busy and the next run checks the file again).
    with engine.begin() as conn:
        entry = ledger.quarantine(
            conn,
            at=now,
            file=path.name,
            path=str(target),
            reason=refused.reason,
            message=refused.message[:2000],
            device_id=device_id or None,
            seq=seq or None,
            file_sha256=file_sha256,
        )
        kept: Path | None = target
        try:
            if _hubs_own(home, path):
                shutil.move(str(path), target)
            else:
                with path.open("rb") as source, open(target, "xb", opener=private_opener) as copy:
                    shutil.copyfileobj(source, copy, 1 << 20)
        except OSError:
            kept = None  # an unreadable source: the reason file still says what was wrong
            target.unlink(missing_ok=True)
            ledger.quarantine_moved(conn, entry, str(path))
        if kept is not None:
            make_private(target)  # a copy or a move may carry the source's mode (0644)
    reason_file = target.with_name(target.name + ".reason.txt")
    reason_file.write_text(
        f"文件 / file: {path}\n"
        f"时间 / when: {now.isoformat(timespec='seconds')}\n"
        f"原因 / reason: {refused.reason}\n"
        f"{refused.message}\n" + (f"设备 / device: {device_id} seq {seq}\n" if device_id else ""),
        encoding="utf-8",
    )
    make_private(reason_file)
    return kept


def _hubs_own(home: Paths, path: Path) -> bool:
    """Whether a file lies in the hub's own backlog or quarantine folder."""
    parent = path.resolve().parent
    return parent in (backlog_dir(home).resolve(), quarantine_dir(home).resolve())
