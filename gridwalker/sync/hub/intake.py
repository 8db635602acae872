"""The hub's import of bundles (BUNDLE.md, Import): the checks and the per-file flow.

Every check is made before anything is written; then the bundle is applied in one transaction
together with its ledger row (sync.hub.apply). A bundle whose predecessor has not arrived is
held in the backlog (a copy in the hub's backlog folder) and applied as soon as it has
(`drain_backlog`), or when a supervisor forces it (sync.hub.backlog); the missing one then
still applies when it comes, checked against the hash chain on both sides.
A refused bundle is copied to the quarantine folder beside a reason file, the original left where
it was (sync.hub.folders); a hub bundle for a laptop lying in the same folder is skipped, not
refused. One importer runs at a time (sync.hub.lock).

The hub keeps no search index of what it imports: the review desk finds records through its
filters, not a search box, and each laptop indexes the rows it receives itself. (Indexing a
street's bundle cost about a quarter of the import.) A hub that gains a search box builds
the index once with `store.search.rebuild` and keeps it from then on.
"""

from __future__ import annotations

import gc
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from gridwalker.config import Paths
from gridwalker.domain import clock
from gridwalker.store import ledger
from gridwalker.store.engine import bulk_cache
from gridwalker.sync import bundle as fmt
from gridwalker.sync import reading
from gridwalker.sync.hub import lock
from gridwalker.sync.hub.apply import Progress, apply_bundle
from gridwalker.sync.hub.enrol import key_lookup
from gridwalker.sync.hub.export import is_hub_bundle_name
from gridwalker.sync.hub.folders import hold, quarantine, quarantine_dir
from gridwalker.sync.hub.lock import HubBusy, device_lock, hub_lock, is_busy
from gridwalker.sync.keys import KeyProblem, load_hub_identity, load_identity
from gridwalker.sync.synclog import inert, log_line, log_value

FOR_A_LAPTOP = "发给笔记本电脑的同步包，不是发给本枢纽的 / a bundle for a laptop, not for this hub"


@dataclass
class ImportOutcome:
    """What happened to one bundle file."""

    path: Path
    status: str  # applied, already, held, refused, skipped (a hub bundle for a laptop)
    device_id: str = ""
    seq: int = 0
    member: str = ""
    reason: str = ""
    message: str = ""
    records: int = 0
    applied: int = 0
    skipped: int = 0
    conflicts: int = 0
    after_closing: int = 0  # votes that reached a closed consultation: kept, not counted
    quarantined: Path | None = None
    from_backlog: bool = False
    refused_at: datetime | None = None  # the same file was refused then: noted, left in place

    def summary(self) -> str:
        """One line for a person."""
        who = f"device {self.device_id} seq {self.seq}" if self.device_id else ""
        if self.status == "applied":
            text = (
                f"applied ({who}, {self.member}): {self.records:,} records, {self.applied:,} applied, "
                f"{self.skipped:,} already known, {self.conflicts:,} in conflict"
            )
            if self.after_closing:
                n = self.after_closing
                text += f"; {n} 条意见在结束后才到，已保留不计入 / {n} votes arrived after closing: kept, not counted"
        elif self.status == "already":
            text = f"已导入过 / already imported ({who})"
            if self.message:
                text += f": {self.message}"
        elif self.status == "held":
            text = (
                f"等待缺失的前序包 / held in the backlog until the bundles before it arrive ({who})"
            )
        elif self.status == "skipped":
            text = f"已跳过 / skipped: {self.message}"
        elif self.refused_at is not None:
            text = (
                f"已拒绝过 / refused before [{self.reason}] "
                f"{self.refused_at.isoformat(timespec='seconds')}, not quarantined again"
            )
        else:
            text = f"拒绝 / refused [{self.reason}]: {self.message}"
            if self.quarantined:
                text += f" → {self.quarantined}"
        # One line, no terminal sequences: a file name on a stick is anyone's to choose.
        return inert(f"{self.path.name}: {text}")

    def as_json(self) -> dict[str, Any]:
        """The outcome as a JSON object."""
        return {
            "file": str(self.path),
            "status": self.status,
            "device_id": self.device_id,
            "seq": self.seq,
            "member": self.member,
            "reason": self.reason,
            "message": self.message,
            "records": self.records,
            "applied": self.applied,
            "skipped": self.skipped,
            "conflicts": self.conflicts,
            "after_closing": self.after_closing,
            "quarantined": str(self.quarantined) if self.quarantined else None,
            "from_backlog": self.from_backlog,
            "refused_before": self.refused_at.isoformat() if self.refused_at else None,
        }


def bundle_files(paths: list[Path] | list[str]) -> list[Path]:
    """Files to import: given files as they are, folders scanned for finished bundles (sorted)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and fmt.is_bundle_name(p.name))
        else:
            found.append(path)
    return found


def import_paths(
    engine: Engine,
    home: Paths,
    paths: list[Path],
    *,
    identity: Path | None = None,
    progress: Progress | None = None,
) -> list[ImportOutcome]:
    """Import bundle files and folders of bundles, one transaction per bundle (HubLocked if busy)."""
    identities = []
    hub_id = None
    try:
        ident, hub_id = load_hub_identity(home)
        identities.append(ident)
    except KeyProblem:
        if identity is None:
            raise
    if identity is not None:
        ident, recipient = load_identity(identity)
        identities.append(ident)
        hub_id = hub_id or recipient
    outcomes: list[ImportOutcome] = []
    with hub_lock(home):
        for path in bundle_files(paths):
            outcome = _import_retrying(engine, home, path, identities, hub_id, progress)
            outcomes.append(outcome)
            # Also after "already" and "held": a run cut short between applying a bundle and
            # draining the backlog leaves held bundles whose turn has come.
            if outcome.device_id and outcome.status != "refused":
                outcomes += drain_backlog(
                    engine, home, identities, hub_id, outcome.device_id, progress
                )
    return outcomes


def _import_retrying(
    engine: Engine,
    home: Paths,
    path: Path,
    identities: list[object],
    hub_id: str | None,
    progress: Progress | None,
) -> ImportOutcome:
    """One file of a run: a locked database is retried a bounded number of times (HubBusy
    then stops the run with the file untouched); any other failure is this file's refusal."""
    attempt = 0
    while True:
        try:
            return import_file(engine, home, path, identities, hub_id, progress)
        except HubBusy:
            if attempt >= lock.BUSY_RETRIES:
                raise
            attempt += 1
            time.sleep(lock.BUSY_PAUSE_SECONDS)
        except Exception as exc:  # noqa: BLE001 - one bad file never stops a folder
            # Even quarantining failed (a full disk, an unwritable folder): say so, go on.
            return ImportOutcome(path, "refused", reason="unexpected", message=_one_line(exc))


def _one_line(exc: BaseException) -> str:
    """An error as one short line for a refusal: its class and the first line of its text."""
    text = str(exc).splitlines()[0][:300] if str(exc) else ""
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def import_file(
    engine: Engine,
    home: Paths,
    path: Path,
    identities: list[object],
    hub_id: str | None,
    progress: Progress | None = None,
    *,
    backlog_row: int | None = None,
    forced_by: str | None = None,
) -> ImportOutcome:
    """Check one bundle completely, then apply, hold or refuse it.

    `forced_by` (a supervisor forcing a held bundle): applied although bundles before it are
    missing; those are applied when they arrive, checked against the chain on both sides.
    """
    with _gc_paused():
        return _import_file(
            engine, home, path, identities, hub_id, progress, backlog_row, forced_by
        )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bundle is checked and applied.

    A bundle becomes hundreds of thousands of small dicts that live until the commit; the
    collector would walk them again and again (about a third of the checking time) and finds
    no cycles among them. Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import_file(
    engine: Engine,
    home: Paths,
    path: Path,
    identities: list[object],
    hub_id: str | None,
    progress: Progress | None,
    backlog_row: int | None,
    forced_by: str | None = None,
) -> ImportOutcome:
    started = time.perf_counter()
    outcome = ImportOutcome(path, "refused", from_backlog=backlog_row is not None)
    digest = _file_sha256(path)
    try:
        # A retry from the quarantine folder (the desk, after enrolling a device) checks anew.
        if digest is not None and backlog_row is None and not _in_quarantine(home, path):
            with engine.connect() as conn:
                before = ledger.refused_before(conn, digest)
            if before is not None:
                outcome.reason, outcome.refused_at = before.reason, before.at
                outcome.message = f"{before.message} (→ {before.path})"
                outcome.device_id, outcome.seq = before.device_id or "", before.seq or 0
                return outcome
        return _check_and_apply(
            engine, home, path, identities, hub_id, progress, backlog_row, forced_by, outcome
        )
    except HubBusy:
        outcome.status = "busy"
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a file does, it is refused, not a crash
        if is_busy(exc):
            outcome.status = "busy"
            raise HubBusy(path.name) from exc
        refused = (
            exc
            if isinstance(exc, fmt.BundleRefused)
            else fmt.BundleRefused("unexpected", _one_line(exc))
        )
        if refused.reason == "other-hub" and is_hub_bundle_name(path.name):
            # A bundle this or another hub wrote for a laptop, lying on the same stick: not
            # this hub's to read, nor a refusal; it stays where it is for the laptop.
            outcome.status, outcome.message = "skipped", FOR_A_LAPTOP
            return outcome
        outcome.status = "refused"
        outcome.reason, outcome.message = refused.reason, refused.message
        # The manifest of a refusal may be hostile: take its fields only when they are sane.
        claimed_device, claimed_seq = refused.manifest.get("device_id"), refused.manifest.get("seq")
        if not outcome.device_id and isinstance(claimed_device, str):
            outcome.device_id = claimed_device[:64]
        if not outcome.seq and type(claimed_seq) is int and 0 < claimed_seq < 2**53:
            outcome.seq = claimed_seq
        try:
            outcome.quarantined = quarantine(
                engine, home, path, refused, outcome.device_id, outcome.seq, digest
            )
            if backlog_row is not None:
                with engine.begin() as conn:
                    ledger.unhold(conn, backlog_row)
        except Exception as problem:
            if is_busy(problem):  # nothing was moved: the next run checks the file again
                outcome.status = "busy"
                raise HubBusy(path.name) from problem
            raise
        return outcome
    finally:
        log_line(
            home,
            f"import file={log_value(path.name)} status={outcome.status} reason={log_value(outcome.reason)} "
            f"device={log_value(outcome.device_id)} seq={outcome.seq} records={outcome.records} "
            f"applied={outcome.applied} skipped={outcome.skipped} conflicts={outcome.conflicts} "
            f"seconds={time.perf_counter() - started:.2f}",
        )


def _in_quarantine(home: Paths, path: Path) -> bool:
    return path.resolve().parent == quarantine_dir(home).resolve()


def _file_sha256(path: Path) -> str | None:
    """The sha256 of a file read in chunks, or None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _check_and_apply(
    engine: Engine,
    home: Paths,
    path: Path,
    identities: list[object],
    hub_id: str | None,
    progress: Progress | None,
    backlog_row: int | None,
    forced_by: str | None,
    outcome: ImportOutcome,
) -> ImportOutcome:
    """The checks, then apply, hold or leave as already known (BundleRefused when refused)."""
    with engine.connect() as conn:
        opened = fmt.open_bundle(path, identities, hub_id, key_lookup(conn))
    # Everything from reading the device's books to booking the bundle, under its lock: a
    # second import of the same bundle then finds it booked, never applies it twice.
    with opened, device_lock(engine, opened.device_id):
        return _checked_and_applied(
            engine, home, path, opened, progress, backlog_row, forced_by, outcome
        )


def _checked_and_applied(
    engine: Engine,
    home: Paths,
    path: Path,
    opened: fmt.OpenedBundle,
    progress: Progress | None,
    backlog_row: int | None,
    forced_by: str | None,
    outcome: ImportOutcome,
) -> ImportOutcome:
    """`_check_and_apply` with the bundle open (its private copy is removed afterwards)."""
    with engine.connect() as conn:
        outcome.device_id, outcome.seq = opened.device_id, opened.seq
        key = opened.key
        outcome.member = key.member
        booked = ledger.device_ledger(conn, opened.device_id)
        bound = set(ledger.device_keys(conn, opened.device_id))
        held = ledger.held_copy(conn, opened.device_id, opened.seq)
    by_seq = {row.seq: row for row in booked}
    if bound and key.key_id not in bound:  # before any shortcut: never "already" or a fork
        raise opened.refuse(
            "device-key",
            f"signed by key {key.key_id}, claims device {opened.device_id} "
            f"(enrolled with key {sorted(bound)[0]})",
        )
    same_bytes = opened.seq in by_seq and by_seq[opened.seq].file_sha256 == opened.file_sha256
    if not same_bytes:
        # The hashes before any shortcut: a damaged copy of a bundle imported before is
        # refused as damaged, not waved through as "already imported". The very file that
        # was imported (same sha256 as booked) was checked whole then.
        files = fmt.check_files(opened)
    if opened.seq in by_seq:
        if by_seq[opened.seq].manifest_sha256 == opened.manifest_sha256:
            outcome.status = "already"
            _leave_backlog(engine, backlog_row, path)
            return outcome
        raise opened.refuse(
            "fork",
            f"seq {opened.seq} of device {opened.device_id} was imported with other content",
        )
    if held is not None and held.id != backlog_row:
        if held.manifest_sha256 == opened.manifest_sha256:
            outcome.status = "held"
            return outcome
        raise opened.refuse(
            "fork", f"seq {opened.seq} of device {opened.device_id} is held with other content"
        )
    # The device's other keys: those that signed its bundles here, and those enrolled for it.
    other_keys = ({row.key_id for row in booked} | bound) - {key.key_id}
    if other_keys and not bound:
        raise opened.refuse(
            "device-key", f"device {opened.device_id} signs with key {sorted(other_keys)[0]}"
        )
    full = opened.manifest["kind"] == "full"
    kinds = {row.seq: row.kind for row in booked}
    covering = _covered_by(opened.seq, kinds)
    if covering:
        # Not applied, yet a bad bundle is refused, not waved through (the apply checks the
        # records it applies as it reads them).
        outcome.records = reading.check_records(opened, files)
        outcome.status = "already"
        outcome.message = f"covered by a later full bundle (seq {covering})"
        _leave_backlog(engine, backlog_row, path)
        return outcome
    prev = by_seq.get(opened.seq - 1)
    if not full and forced_by is None and not _turn_has_come(opened.seq, kinds):
        outcome.records = reading.check_records(opened, files)  # only a good bundle waits
        if backlog_row is None:
            hold(engine, home, opened)
        outcome.status = "held"
        return outcome
    if prev is not None or (opened.seq == 1 and not full):
        want = prev.manifest_sha256 if prev else ""
        if opened.manifest["prev_manifest_sha256"] != want:
            raise opened.refuse(
                "fork", f"prev_manifest_sha256 does not chain to seq {opened.seq - 1}"
            )
    after = by_seq.get(opened.seq + 1)
    if after is not None and after.prev_manifest_sha256 not in (None, opened.manifest_sha256):
        # The bundle that was missing when a later one was forced: that one names it.
        raise opened.refuse(
            "fork", f"seq {opened.seq + 1} (already applied) follows another seq {opened.seq}"
        )
    try:
        with engine.begin() as conn, bulk_cache(conn):
            done = apply_bundle(conn, opened, files, progress)
            ledger.book_bundle(
                conn,
                device_id=opened.device_id,
                seq=opened.seq,
                key_id=key.key_id,
                member=key.member,
                bundle_id=opened.manifest["bundle_id"],
                manifest_sha256=opened.manifest_sha256,
                prev_manifest_sha256=opened.manifest["prev_manifest_sha256"],
                file_sha256=opened.file_sha256,
                kind=opened.manifest["kind"],
                from_change=opened.manifest["from_change"],
                to_change=opened.manifest["to_change"],
                records=done.records,
                applied=done.applied,
                skipped=done.skipped,
                conflicts=done.conflicts,
                file=path.name,
                imported_at=clock.now(),
                forced_by=forced_by,
            )
            if backlog_row is not None:
                ledger.unhold(conn, backlog_row)
            ledger.take_baseline(conn, key.key_id, opened.manifest["kind"], ledger.hub_change(conn))
    except Exception as exc:  # noqa: BLE001 - any database error refuses the whole bundle
        if isinstance(exc, fmt.BundleRefused) or is_busy(exc):
            raise
        raise opened.refuse("apply-failed", _one_line(exc)) from exc
    outcome.records, outcome.applied = done.records, done.applied
    outcome.skipped, outcome.conflicts = done.skipped, done.conflicts
    outcome.after_closing = done.after_closing
    outcome.status = "applied"
    if backlog_row is not None:
        path.unlink(missing_ok=True)
    return outcome


def _covered_by(seq: int, kinds: dict[int, str]) -> int | None:
    """The first full bundle after `seq` in a device's ledger (seq → kind): it covers `seq`."""
    return min((s for s, kind in kinds.items() if s > seq and kind == "full"), default=None)


def _turn_has_come(seq: int, kinds: dict[int, str]) -> bool:
    """Whether a bundle may apply now: it is the first, follows one applied, or is covered."""
    return seq == 1 or seq - 1 in kinds or _covered_by(seq, kinds) is not None


def _leave_backlog(engine: Engine, backlog_row: int | None, path: Path) -> None:
    """A held bundle found already applied or covered: its backlog row and copy go."""
    if backlog_row is None:
        return
    with engine.begin() as conn:
        ledger.unhold(conn, backlog_row)
    path.unlink(missing_ok=True)


def drain_backlog(
    engine: Engine,
    home: Paths,
    identities: list[object],
    hub_id: str | None,
    device_id: str,
    progress: Progress | None,
) -> list[ImportOutcome]:
    """Apply held bundles of a device whose turn has come, in seq order."""
    outcomes = []
    tried: set[int] = set()
    while True:
        with engine.connect() as conn:
            kinds = {row.seq: row.kind for row in ledger.device_ledger(conn, device_id)}
            held = ledger.held_of_device(conn, device_id)
        due = [row for row in held if row.id not in tried and _turn_has_come(row.seq, kinds)]
        if not due:
            return outcomes
        row = due[0]
        tried.add(row.id)
        outcome = import_file(
            engine, home, Path(row.path), identities, hub_id, progress, backlog_row=row.id
        )
        outcomes.append(outcome)
        if outcome.status not in ("applied", "already"):
            return outcomes
