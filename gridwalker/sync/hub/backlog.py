"""Held and quarantined bundles at the hub: force-apply a held one, retry a quarantined one.

Forcing a held bundle imports it now with every check of an import but the wait for the
bundles before it; its ledger row names the supervisor (`forced_by`). Held bundles after it
then apply in turn. A missing bundle that arrives later is applied as usual (the merge does
not depend on the order bundles arrive in) and must fit the hash chain on both sides: its
predecessor's manifest, and the `prev_manifest_sha256` the forced bundle carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from gridwalker.config import Paths
from gridwalker.store import ledger
from gridwalker.store.desk.arrivals import record_arrivals
from gridwalker.sync.hub import intake as hub
from gridwalker.sync.hub.lock import hub_lock
from gridwalker.sync.keys import load_hub_identity


class BacklogProblem(Exception):
    """A held or quarantined bundle that cannot be acted on (the message says why)."""


@dataclass
class ForceOutcome:
    """What forcing a held bundle did."""

    device_id: str
    seq: int
    missing: list[int]
    records: int
    applied: int
    skipped: int
    conflicts: int
    after: list[hub.ImportOutcome]

    def summary(self) -> str:
        """One line for a person."""
        text = (
            f"强制应用 / force-applied device {self.device_id} seq {self.seq}: "
            f"{self.records:,} records, {self.applied:,} applied, {self.skipped:,} already known, "
            f"{self.conflicts:,} in conflict"
        )
        if self.missing:
            text += f"; still missing seq {', '.join(map(str, self.missing))}"
        applied = [o.seq for o in self.after if o.status == "applied"]
        if applied:
            text += f"; then applied held seq {', '.join(map(str, applied))}"
        for o in self.after:
            if o.status == "refused":
                text += f"; held seq {o.seq} refused [{o.reason}] {o.message}"
        return text


def force_apply(engine: Engine, home: Paths, backlog_id: int, actor: str) -> ForceOutcome:
    """Import a held bundle now, without waiting for the ones before it (see the module)."""
    if not actor.strip():
        raise BacklogProblem("需要填写操作人 / say who forces the bundle")
    with engine.connect() as conn:
        row = ledger.held_row(conn, backlog_id)
    if row is None:
        raise BacklogProblem(f"没有这个暂存的同步包 / no held bundle {backlog_id}")
    path = Path(row.path)
    if not path.is_file():
        raise BacklogProblem(f"{path}: the held file is gone")
    identity, hub_id = load_hub_identity(home)
    with hub_lock(home):
        outcome = hub.import_file(
            engine, home, path, [identity], hub_id, backlog_row=row.id, forced_by=actor.strip()
        )
        if outcome.status == "refused":
            where = f" → {outcome.quarantined}" if outcome.quarantined else ""
            raise BacklogProblem(f"[{outcome.reason}] {outcome.message}{where}")
        if outcome.status != "applied":
            raise BacklogProblem(
                f"未应用 / not applied: device {row.device_id} seq {row.seq} "
                f"({outcome.message or 'already imported'}); it left the backlog"
            )
        after = hub.drain_backlog(engine, home, [identity], hub_id, row.device_id, None)
    with engine.begin() as conn:
        record_arrivals(conn)
        missing = ledger.ledger_gaps(conn, row.device_id, row.seq)
    return ForceOutcome(
        row.device_id,
        row.seq,
        missing,
        outcome.records,
        outcome.applied,
        outcome.skipped,
        outcome.conflicts,
        after,
    )


def retry(engine: Engine, home: Paths, quarantine_id: int) -> list[hub.ImportOutcome]:
    """Import a quarantined bundle again (e.g. after enrolling its device).

    Its quarantine entry goes either way: applied, held or already known, the file and its
    reason file are removed; refused again, the import quarantines it anew with the new reason.
    """
    with engine.connect() as conn:
        row = ledger.quarantine_row(conn, quarantine_id)
    if row is None:
        raise BacklogProblem(f"没有这个隔离的同步包 / no quarantined bundle {quarantine_id}")
    path = Path(row.path)
    if not path.is_file():
        raise BacklogProblem(f"{path}: the quarantined file is gone")
    outcomes = hub.import_paths(engine, home, [path])
    reason_file = path.with_name(path.name + ".reason.txt")
    with engine.begin() as conn:
        ledger.unquarantine(conn, quarantine_id)
        record_arrivals(conn)
    if outcomes and outcomes[0].status != "refused":
        path.unlink(missing_ok=True)
    reason_file.unlink(missing_ok=True)
    return outcomes
