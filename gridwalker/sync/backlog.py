"""Held and quarantined bundles at the hub: force-apply a held one, retry a quarantined one.

`sync.hub` has no force path: a held bundle waits in the backlog until the bundles before it
arrive, and the ledger treats a seq at or below its highest as covered. So a forced bundle
is applied *without* a ledger row: its records go in now (after every check the import
makes), and it stays in the backlog; when the gap closes the hub applies it as usual — every
record is then already known and skipped — and writes its ledger row. The seq books stay
whole and the missing bundles still apply when they come (the merge does not depend on the
order bundles arrive in).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select

from gridwalker.config import Paths
from gridwalker.domain import clock
from gridwalker.store import review
from gridwalker.store.hubtables import HubBacklog, HubQuarantine
from gridwalker.store.reviewtables import HubForced
from gridwalker.sync import bundle as fmt
from gridwalker.sync import hub
from gridwalker.sync.keys import load_hub_identity


class BacklogProblem(Exception):
    """A held or quarantined bundle that cannot be acted on (the message says why)."""


@dataclass
class ForceOutcome:
    """What forcing a held bundle did."""

    device_id: str
    seq: int
    records: int
    applied: int
    skipped: int
    conflicts: int

    def summary(self) -> str:
        """One line for a person."""
        return (
            f"强制应用 / force-applied device {self.device_id} seq {self.seq}: "
            f"{self.records:,} records, {self.applied:,} applied, {self.skipped:,} already known, "
            f"{self.conflicts:,} in conflict (kept in the backlog until the gap closes)"
        )


def force_apply(engine: Engine, home: Paths, backlog_id: int, actor: str) -> ForceOutcome:
    """Apply a held bundle's records now, after every check of an import (see the module)."""
    with engine.connect() as conn:
        row = conn.execute(select(HubBacklog).where(HubBacklog.id == backlog_id)).first()
        done = conn.execute(
            select(HubForced.id).where(
                HubForced.device_id == (row.device_id if row else ""),
                HubForced.seq == (row.seq if row else 0),
            )
        ).first()
    if row is None:
        raise BacklogProblem(f"没有这个暂存的同步包 / no held bundle {backlog_id}")
    if done is not None:
        raise BacklogProblem(
            f"已强制应用过 / already force-applied: device {row.device_id} seq {row.seq}"
        )
    identity, hub_id = load_hub_identity(home)
    with hub.hub_lock(home):
        try:
            opened = fmt.open_bundle(Path(row.path), [identity], hub_id)
            with engine.connect() as conn:
                fmt.check_signature(opened, hub.key_lookup(conn))
            files = fmt.check_files(opened)
            records = fmt.check_records(opened, files, keep=True)
        except fmt.BundleRefused as refused:
            raise BacklogProblem(f"[{refused.reason}] {refused.message}") from None
        if opened.manifest_sha256 != row.manifest_sha256:
            raise BacklogProblem(f"{row.path}: the file changed since it was held")
        with engine.begin() as conn:
            applied, skipped, conflicts = hub.apply_bundle(conn, opened, files)
            conn.execute(
                insert(HubForced).values(
                    device_id=row.device_id,
                    seq=row.seq,
                    manifest_sha256=row.manifest_sha256,
                    actor=actor,
                    at=clock.now(),
                    applied=applied,
                    skipped=skipped,
                    conflicts=conflicts,
                )
            )
            review.record_arrivals(conn)
    return ForceOutcome(row.device_id, row.seq, records, applied, skipped, conflicts)


def retry(engine: Engine, home: Paths, quarantine_id: int) -> list[hub.ImportOutcome]:
    """Import a quarantined bundle again (e.g. after enrolling its device).

    Its quarantine entry goes either way: applied, held or already known, the file and its
    reason file are removed; refused again, the import quarantines it anew with the new reason.
    """
    with engine.connect() as conn:
        row = conn.execute(select(HubQuarantine).where(HubQuarantine.id == quarantine_id)).first()
    if row is None:
        raise BacklogProblem(f"没有这个隔离的同步包 / no quarantined bundle {quarantine_id}")
    path = Path(row.path)
    if not path.is_file():
        raise BacklogProblem(f"{path}: the quarantined file is gone")
    outcomes = hub.import_paths(engine, home, [path])
    reason_file = path.with_name(path.name + ".reason.txt")
    with engine.begin() as conn:
        conn.execute(delete(HubQuarantine).where(HubQuarantine.id == quarantine_id))
        review.record_arrivals(conn)
    if outcomes and outcomes[0].status != "refused":
        path.unlink(missing_ok=True)
    reason_file.unlink(missing_ok=True)
    return outcomes
