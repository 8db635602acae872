"""`gridwalker import FILE` on a laptop: a hub bundle, checked as the hub checks device bundles.

Every check comes first and nothing is written before all pass: the container decrypts with
this laptop's age identity (else it is meant for another device), the manifest is a hub
bundle naming this device, the signature is by the hub this laptop trusts (`keys trust-hub
--hub-key`), every file's size and sha256 match, every record and decision is well formed,
and the seq follows the last hub bundle applied here without a gap, a repeat with other
content (a fork) or a broken hash chain. Then, in one transaction: the decisions are kept
(`review_decision`, for the Today screen) and the rows the hub wrote are applied by the revs
rules — a row is replaced only when this laptop still holds the revision the hub's version
descends from (its `base_rev` or `origin`); a newer local edit is kept and goes back to the
hub in the next export, where the hub merges it. Nothing is lost either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from gridwalker.config import Paths
from gridwalker.domain import clock
from gridwalker.domain.choices import ReviewState
from gridwalker.store import review, search
from gridwalker.store.models import SYNCED_TABLES, Audit, Device
from gridwalker.store.reviewtables import HubInbox
from gridwalker.store.writes import reserve_changes
from gridwalker.sync import bundle as fmt
from gridwalker.sync.hub_export import DIRECTION
from gridwalker.sync.keys import KeyProblem, load_device_identity, trusted_hub_key
from gridwalker.sync.synclog import log_line

# Reasons of the laptop side (the bundle format's own codes are in bundle.REASONS).
REASONS = {
    "other-device": "发往另一台设备 / meant for another device",
    "other-hub-key": "不是本机信任的枢纽签发的 / not signed by the hub this laptop trusts",
    "not-a-hub-bundle": "不是枢纽下发的同步包 / not a bundle from a hub",
    "no-hub-key": "本机还没有信任枢纽的签名公钥 / this laptop trusts no hub signing key yet",
    "no-identity": "本机还没有 age 身份 / this laptop has no age identity yet",
    "gap": "缺少之前的枢纽同步包 / an earlier hub bundle is missing",
}
DECISION_KEYS = frozenset(("entity", "uuid", "rev", "state", "comment", "actor", "at"))


@dataclass
class LaptopImportOutcome:
    """What happened to one hub bundle on this laptop."""

    path: Path
    status: str = "refused"  # applied, already, refused
    seq: int = 0
    reason: str = ""
    message: str = ""
    records: int = 0
    applied: int = 0
    kept_local: int = 0
    skipped: int = 0
    decisions: int = 0
    returned: int = 0

    def summary(self) -> str:
        """One line for a person."""
        if self.status == "applied":
            text = (
                f"applied (hub seq {self.seq}): {self.decisions:,} decisions "
                f"({self.returned:,} returned), {self.records:,} records: {self.applied:,} "
                f"applied, {self.skipped:,} already here, {self.kept_local:,} newer here (kept)"
            )
        elif self.status == "already":
            text = f"已导入过 / already imported (hub seq {self.seq})"
        else:
            text = f"拒绝 / refused [{self.reason}]: {self.message}; nothing was written"
        return f"{self.path.name}: {text}"

    def as_json(self) -> dict[str, Any]:
        """The outcome as a JSON object."""
        return {
            "file": str(self.path),
            "status": self.status,
            "seq": self.seq,
            "reason": self.reason or None,
            "message": self.message or None,
            "records": self.records,
            "applied": self.applied,
            "kept_local": self.kept_local,
            "skipped": self.skipped,
            "decisions": self.decisions,
            "returned": self.returned,
        }


def _refuse(reason: str, detail: str = "") -> fmt.BundleRefused:
    """A refusal with a laptop-side reason code (or one of the bundle format's)."""
    return fmt.BundleRefused(reason, detail)


def _message(refused: fmt.BundleRefused) -> str:
    """The bilingual reason with its detail."""
    text = REASONS.get(refused.reason) or fmt.REASONS.get(refused.reason, refused.reason)
    return f"{text}: {refused.detail}" if refused.detail else text


def _check_decisions(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's decisions, each checked; BundleRefused bad-manifest otherwise."""
    decisions = manifest.get("decisions", [])
    if type(decisions) is not list:
        raise _refuse("bad-manifest", "decisions: expected a list")
    states = {s.value for s in ReviewState}
    out = []
    for i, d in enumerate(decisions, start=1):
        if type(d) is not dict or set(d) != DECISION_KEYS:
            raise _refuse("bad-manifest", f"decisions[{i}]: expected {sorted(DECISION_KEYS)}")
        if d["entity"] not in SYNCED_TABLES or d["state"] not in states:
            raise _refuse("bad-manifest", f"decisions[{i}]: entity or state unknown")
        if not all(type(d[k]) is str for k in DECISION_KEYS):
            raise _refuse("bad-manifest", f"decisions[{i}]: every field is text")
        try:
            at = datetime.fromisoformat(d["at"])
        except ValueError:
            raise _refuse("bad-manifest", f"decisions[{i}].at: not a date-time") from None
        out.append({**d, "at": at})
    return out


def import_hub_bundle(engine: Engine, home: Paths, path: Path) -> LaptopImportOutcome:
    """Check a hub bundle completely, then apply it in one transaction (or refuse it)."""
    outcome = LaptopImportOutcome(Path(path))
    try:
        _import(engine, home, Path(path), outcome)
    except fmt.BundleRefused as refused:
        outcome.status, outcome.reason, outcome.message = (
            "refused",
            refused.reason,
            _message(refused),
        )
    log_line(
        home,
        f"hub-import file={outcome.path.name} status={outcome.status} "
        f"reason={outcome.reason or '-'} seq={outcome.seq} decisions={outcome.decisions} "
        f"records={outcome.records} applied={outcome.applied} kept={outcome.kept_local}",
    )
    return outcome


def _import(engine: Engine, home: Paths, path: Path, outcome: LaptopImportOutcome) -> None:
    try:
        identity, recipient = load_device_identity(home)
    except KeyProblem as exc:
        raise _refuse("no-identity", str(exc)) from None
    try:
        trusted = trusted_hub_key(home)
    except KeyProblem as exc:
        raise _refuse("no-hub-key", str(exc)) from None
    if trusted is None:
        raise _refuse(
            "no-hub-key", "run: gridwalker keys trust-hub age1… --hub-key hub-signing.pub"
        )
    try:
        opened = fmt.open_bundle(path, [identity], recipient)
    except fmt.BundleRefused as refused:
        if refused.reason == "other-hub":
            raise _refuse("other-device", refused.detail) from None
        raise
    manifest = opened.manifest
    outcome.seq = opened.seq
    if manifest.get("direction") != DIRECTION:
        raise _refuse("not-a-hub-bundle", "a laptop imports bundles written by `hub export`")
    with engine.connect() as conn:
        device_id = conn.execute(select(Device.device_id).where(Device.id == 1)).scalar_one()
    if manifest.get("to_device") != device_id:
        raise _refuse(
            "other-device", f"for device {manifest.get('to_device')!r}, this is {device_id!r}"
        )
    trusted_id, trusted_line = trusted

    def lookup(key_id: str) -> fmt.SigningKey:
        if key_id != trusted_id:
            raise _refuse(
                "other-hub-key", f"signed by key {key_id}, the trusted hub is {trusted_id}"
            )
        return fmt.SigningKey(key_id, trusted_line, "hub")

    fmt.check_signature(opened, lookup)
    files = fmt.check_files(opened)
    outcome.records = fmt.check_records(opened, files, keep=True)
    decisions = _check_decisions(manifest)
    with engine.connect() as conn:
        inbox = {r.seq: r for r in conn.execute(select(HubInbox))}
    if opened.seq in inbox:
        if inbox[opened.seq].manifest_sha256 == opened.manifest_sha256:
            outcome.status = "already"
            return
        raise _refuse("fork", f"hub seq {opened.seq} was imported here with other content")
    last = max(inbox, default=0)
    if opened.seq != last + 1:
        missing = ", ".join(map(str, range(last + 1, opened.seq)))
        raise _refuse("gap", f"import hub seq {missing} first (this is seq {opened.seq})")
    want = inbox[last].manifest_sha256 if last else ""
    if manifest["prev_manifest_sha256"] != want:
        raise _refuse("fork", f"prev_manifest_sha256 does not chain to hub seq {last}")
    try:
        with engine.begin() as conn:
            for entity in SYNCED_TABLES:
                pairs = opened.parsed.get(entity)
                if pairs:
                    a, k, s = _apply_rows(conn, entity, pairs)
                    outcome.applied += a
                    outcome.kept_local += k
                    outcome.skipped += s
            outcome.decisions = review.store_decisions(conn, decisions)
            outcome.returned = sum(d["state"] == ReviewState.RETURNED.value for d in decisions)
            conn.execute(
                insert(HubInbox).values(
                    seq=opened.seq,
                    bundle_id=manifest["bundle_id"],
                    manifest_sha256=opened.manifest_sha256,
                    file_sha256=opened.file_sha256,
                    hub_key_id=trusted_id,
                    records=outcome.records,
                    decisions=outcome.decisions,
                    file=path.name,
                    imported_at=clock.now(),
                )
            )
    except fmt.BundleRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - any database error refuses the whole bundle
        raise _refuse(
            "apply-failed", f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        ) from exc
    outcome.status = "applied"


def _apply_rows(
    conn: Connection, entity: str, pairs: list[tuple[dict[str, Any], dict[str, Any]]]
) -> tuple[int, int, int]:
    """Apply the hub's rows of one entity by the revs rules: (applied, kept local, skipped)."""
    table = SYNCED_TABLES[entity].__table__
    uuids = [row["uuid"] for _record, row in pairs]
    local = {
        r.uuid: r.rev
        for r in conn.execute(select(table.c.uuid, table.c.rev).where(table.c.uuid.in_(uuids)))
    }
    inserts, updates, kept, skipped = [], [], 0, 0
    for record, row in pairs:
        mine = local.get(row["uuid"])
        if mine is None:
            inserts.append(row)
        elif mine == row["rev"]:
            skipped += 1
        elif mine in (row["base_rev"], record["origin"]):
            updates.append(row)
        else:
            kept += 1
    todo = [*inserts, *updates]
    if not todo:
        return 0, kept, skipped
    first = reserve_changes(conn, len(todo))
    now = clock.now().replace(microsecond=0)
    audits = []
    for i, row in enumerate(todo):
        row["change"] = first + i
        audits.append(
            {
                "at": now,
                "actor": row["updated_by"],
                "entity": entity,
                "uuid": row["uuid"],
                "op": "hub",
                "rev": row["rev"],
                "fields": [],
            }
        )
    if inserts:
        conn.execute(insert(table), inserts)
    for row in updates:
        conn.execute(
            update(table)
            .where(table.c.uuid == row["uuid"])
            .values({k: v for k, v in row.items() if k != "uuid"})
        )
    conn.execute(insert(Audit.__table__), audits)
    if entity in search.INDEXED:
        search.index_rows(conn, entity, [row["uuid"] for row in todo])
    return len(todo), kept, skipped
