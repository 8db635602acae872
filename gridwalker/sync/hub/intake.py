"""The hub's import of bundles (BUNDLE.md, Import): the checks and the per-file flow.

Every check is made before anything is written; then the bundle is applied in one transaction
together with its ledger row (sync.hub.apply). A bundle whose predecessor has not arrived is
held in the backlog (a copy in the hub's backlog folder) and applied as soon as it has
(`drain_backlog`), or when a supervisor forces it (sync.hub.backlog); the missing one then
still applies when it comes, checked against the hash chain on both sides.
A refused bundle is moved to the quarantine folder beside a reason file. One importer runs at a
time (sync.hub.lock).

The hub keeps no search index of what it imports: the review desk finds records through its
filters, not a search box, and each laptop indexes the rows it receives itself. (Indexing a
street's bundle cost about a quarter of the import.) A hub that gains a search box builds
the index once with `store.search.rebuild` and keeps it from then on.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from gridwalker.config import Paths
from gridwalker.domain import clock
from gridwalker.store import ledger
from gridwalker.store.engine import bulk_cache
from gridwalker.sync import bundle as fmt
from gridwalker.sync.hub.apply import Progress, apply_bundle
from gridwalker.sync.hub.enrol import key_lookup
from gridwalker.sync.hub.folders import hold, quarantine
from gridwalker.sync.hub.lock import hub_lock
from gridwalker.sync.keys import KeyProblem, load_hub_identity, load_identity
from gridwalker.sync.synclog import log_line, log_value


@dataclass
class ImportOutcome:
    """What happened to one bundle file."""

    path: Path
    status: str  # applied, already, held, refused
    device_id: str = ""
    seq: int = 0
    member: str = ""
    reason: str = ""
    message: str = ""
    records: int = 0
    applied: int = 0
    skipped: int = 0
    conflicts: int = 0
    quarantined: Path | None = None
    from_backlog: bool = False

    def summary(self) -> str:
        """One line for a person."""
        who = f"device {self.device_id} seq {self.seq}" if self.device_id else ""
        if self.status == "applied":
            text = (
                f"applied ({who}, {self.member}): {self.records:,} records, {self.applied:,} applied, "
                f"{self.skipped:,} already known, {self.conflicts:,} in conflict"
            )
        elif self.status == "already":
            text = f"已导入过 / already imported ({who})"
            if self.message:
                text += f": {self.message}"
        elif self.status == "held":
            text = (
                f"等待缺失的前序包 / held in the backlog until the bundles before it arrive ({who})"
            )
        else:
            text = f"拒绝 / refused [{self.reason}]: {self.message}"
            if self.quarantined:
                text += f" → {self.quarantined}"
        return f"{self.path.name}: {text}"

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
            "quarantined": str(self.quarantined) if self.quarantined else None,
            "from_backlog": self.from_backlog,
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
            outcome = import_file(engine, home, path, identities, hub_id, progress)
            outcomes.append(outcome)
            # Also after "already" and "held": a run cut short between applying a bundle and
            # draining the backlog leaves held bundles whose turn has come.
            if outcome.device_id and outcome.status != "refused":
                outcomes += drain_backlog(
                    engine, home, identities, hub_id, outcome.device_id, progress
                )
    return outcomes


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
    try:
        opened = fmt.open_bundle(path, identities, hub_id)
        outcome.device_id, outcome.seq = opened.device_id, opened.seq
        with engine.connect() as conn:
            key = fmt.check_signature(opened, key_lookup(conn))
            outcome.member = key.member
            booked = ledger.device_ledger(conn, opened.device_id)
            held = ledger.held_copy(conn, opened.device_id, opened.seq)
        by_seq = {row.seq: row for row in booked}
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
        other_keys = {row.key_id for row in booked} - {key.key_id}
        if other_keys:
            raise opened.refuse(
                "device-key", f"device {opened.device_id} signs with key {sorted(other_keys)[0]}"
            )
        files = fmt.check_files(opened)
        outcome.records = fmt.check_records(opened, files, keep=True)
        full = opened.manifest["kind"] == "full"
        kinds = {row.seq: row.kind for row in booked}
        covering = _covered_by(opened.seq, kinds)
        if covering:
            outcome.status = "already"
            outcome.message = f"covered by a later full bundle (seq {covering})"
            _leave_backlog(engine, backlog_row, path)
            return outcome
        prev = by_seq.get(opened.seq - 1)
        if not full and forced_by is None and not _turn_has_come(opened.seq, kinds):
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
                counts = apply_bundle(conn, opened, files, progress)
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
                    records=outcome.records,
                    applied=counts[0],
                    skipped=counts[1],
                    conflicts=counts[2],
                    file=path.name,
                    imported_at=clock.now(),
                    forced_by=forced_by,
                )
                if backlog_row is not None:
                    ledger.unhold(conn, backlog_row)
        except Exception as exc:  # noqa: BLE001 - any database error refuses the whole bundle
            if isinstance(exc, fmt.BundleRefused):
                raise
            raise opened.refuse(
                "apply-failed", f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
            ) from exc
        outcome.applied, outcome.skipped, outcome.conflicts = counts
        outcome.status = "applied"
        if backlog_row is not None:
            path.unlink(missing_ok=True)
        return outcome
    except fmt.BundleRefused as refused:
        outcome.reason, outcome.message = refused.reason, refused.message
        outcome.device_id = outcome.device_id or str(refused.manifest.get("device_id", ""))
        outcome.quarantined = quarantine(
            engine, home, path, refused, outcome.device_id, outcome.seq
        )
        if backlog_row is not None:
            with engine.begin() as conn:
                ledger.unhold(conn, backlog_row)
        return outcome
    finally:
        log_line(
            home,
            f"import file={log_value(path.name)} status={outcome.status} reason={log_value(outcome.reason)} "
            f"device={log_value(outcome.device_id)} seq={outcome.seq} records={outcome.records} "
            f"applied={outcome.applied} skipped={outcome.skipped} conflicts={outcome.conflicts} "
            f"seconds={time.perf_counter() - started:.2f}",
        )


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
