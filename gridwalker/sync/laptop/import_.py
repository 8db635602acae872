"""`gridwalker import FILE` on a laptop: a hub bundle, checked as the hub checks device bundles.

Every check comes first and nothing is written before all pass: the container decrypts with
this laptop's age identity (else it is meant for another device), the signature is by the
hub this laptop trusts (`keys trust-hub --hub-key`) and is verified before the manifest is
parsed (`bundle.open_bundle`), the manifest is a hub bundle naming this device, every file's size and sha256 match, every record is well formed — the rows by
the bundle's schema check, the supervisor's decisions (`records/review_decision.jsonl`, see
`hub_export`) by `check_decisions`, both reporting file and line — and the seq follows the
last hub bundle applied here without a gap, a repeat with other content (a fork) or a broken
hash chain. Then, in one transaction: the decisions are kept (`review_decision`, for the
Today screen; a decision already taken in, by its uuid, changes nothing) and the rows the
hub wrote are applied by the revs rules — a row is replaced only when this laptop still
holds the revision the hub's version descends from (its `base_rev` or `origin`); a newer
local edit is kept and goes back to the hub in the next export, where the hub merges it.
Nothing is lost either way.
"""

from __future__ import annotations

import uuid as uuid_mod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from gridwalker.config import Paths
from gridwalker.domain import clock, fields
from gridwalker.domain.choices import ReviewState
from gridwalker.store import search
from gridwalker.store.returns import store_decisions
from gridwalker.store.revs import next_rev
from gridwalker.store.rounds.setup import merge_typed_grids
from gridwalker.store.streets import change_mark, fill_streets
from gridwalker.store.tables import SYNCED_TABLES, Audit, Device
from gridwalker.store.tables.review import HubInbox
from gridwalker.store.writes import reserve_changes
from gridwalker.sync import bundle as fmt
from gridwalker.sync import reading, streams
from gridwalker.sync.hub.export import (
    DECISION_ENTITY,
    DECISION_NAMESPACE,
    DIRECTION,
    HUB_ENTITIES,
)
from gridwalker.sync.keys import KeyProblem, load_device_identity, trusted_hub_key
from gridwalker.sync.records import OPS, RECORD_KEYS, REV_RE, RecordError, parse_instant
from gridwalker.sync.refusals import REASONS as FORMAT_REASONS
from gridwalker.sync.synclog import inert, log_line, log_value

# Reasons of the laptop side (the bundle format's own codes are in sync.refusals).
REASONS = {
    "other-device": "发往另一台设备 / meant for another device",
    "other-hub-key": "不是本机信任的枢纽签发的 / not signed by the hub this laptop trusts",
    "not-a-hub-bundle": "不是枢纽下发的同步包 / not a bundle from a hub",
    "no-hub-key": "本机还没有信任枢纽的签名公钥 / this laptop trusts no hub signing key yet",
    "no-identity": "本机还没有 age 身份 / this laptop has no age identity yet",
    "gap": "缺少之前的枢纽同步包 / an earlier hub bundle is missing",
}
DECISION_DATA = frozenset(("record_entity", "record_uuid", "record_rev", "state", "comment"))
DECISION_FILE = f"records/{DECISION_ENTITY}.jsonl"


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
    decisions_known: int = 0  # taken in before (a repeat): nothing written
    returned: int = 0
    merged_grids: dict[str, str] = field(default_factory=dict)  # typed code -> the hub's

    def summary(self) -> str:
        """One line for a person."""
        if self.status == "applied":
            text = (
                f"applied (hub seq {self.seq}): {self.decisions:,} decisions "
                f"({self.returned:,} returned, {self.decisions_known:,} already here), "
                f"{self.records:,} records: {self.applied:,} "
                f"applied, {self.skipped:,} already here, {self.kept_local:,} newer here (kept)"
            )
        elif self.status == "already":
            text = f"已导入过 / already imported (hub seq {self.seq})"
        else:
            text = f"拒绝 / refused [{self.reason}]: {self.message}; nothing was written"
        return inert(f"{self.path.name}: {text}")  # one line, no terminal sequences

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
            "decisions_known": self.decisions_known,
            "returned": self.returned,
            "merged_grids": self.merged_grids,
        }


def _refuse(reason: str, detail: str = "") -> fmt.BundleRefused:
    """A refusal with a laptop-side reason code (or one of the bundle format's)."""
    return fmt.BundleRefused(reason, detail)


def _message(refused: fmt.BundleRefused) -> str:
    """The bilingual reason with its detail."""
    text = REASONS.get(refused.reason) or FORMAT_REASONS.get(refused.reason, refused.reason)
    return f"{text}: {refused.detail}" if refused.detail else text


def _missing_unknown(keys: Any, expected: frozenset[str], where: str) -> RecordError:
    missing = ", ".join(sorted(expected - keys))
    extra = ", ".join(sorted(keys - expected))
    parts = [f"missing {missing}" if missing else "", f"unknown {extra}" if extra else ""]
    return RecordError(where + "; ".join(p for p in parts if p))


def check_decision(record: Any) -> dict[str, Any]:
    """A `review_decision` record as a decision for `store_decisions`, or RecordError."""
    if type(record) is not dict:
        raise RecordError("a record must be a JSON object")
    if record.keys() != RECORD_KEYS:
        raise _missing_unknown(record.keys(), RECORD_KEYS, "")
    if record["entity"] != DECISION_ENTITY:
        raise RecordError(f"entity: {record['entity']!r} in {DECISION_FILE}")
    uuid = record["uuid"]
    try:
        if type(uuid) is not str or str(uuid_mod.UUID(uuid)) != uuid:
            raise ValueError
    except ValueError:
        raise RecordError(
            "uuid: expected a UUID like 12345678-1234-5678-1234-567812345678"
        ) from None
    if record["op"] != OPS[0]:
        raise RecordError(f"op: a decision is always {OPS[0]}")
    rev = record["rev"]
    if type(rev) is not str or not REV_RE.match(rev):
        raise RecordError("rev: expected a rev like 1-0123456789abcdef01234567")
    if record["base_rev"] is not None or record["origin"] is not None:
        raise RecordError("base_rev, origin: a decision has neither (null)")
    change = record["change"]
    if type(change) is not int or change < 1:
        raise RecordError("change: expected the hub's decision number (an integer from 1)")
    at = parse_instant(record["updated_at"], "updated_at")
    actor = record["updated_by"]
    if (
        type(actor) is not str
        or len(actor) > 64
        or fields.check_text(DECISION_ENTITY, "updated_by", actor)
    ):
        raise RecordError(
            "updated_by: expected the supervisor (at most 64 characters, no control characters)"
        )
    data = record["data"]
    if type(data) is not dict:
        raise RecordError("data: expected an object")
    if data.keys() != DECISION_DATA:
        raise _missing_unknown(data.keys(), DECISION_DATA, "data: ")
    if not all(type(data[k]) is str for k in DECISION_DATA):
        bad = sorted(k for k in DECISION_DATA if type(data[k]) is not str)
        raise RecordError(f"data.{bad[0]}: expected a string")
    if data["record_entity"] not in SYNCED_TABLES:
        raise RecordError(f"data.record_entity: unknown entity {data['record_entity']!r}")
    if not data["record_uuid"] or fields.check_text(
        DECISION_ENTITY, "record_uuid", data["record_uuid"]
    ):
        raise RecordError(
            "data.record_uuid: expected a string of 1 to 36 characters (no control characters)"
        )
    bad = fields.check_text(DECISION_ENTITY, "comment", data["comment"])
    if bad is not None:  # shown on the laptop's Today: a note's rules (tabs and line breaks)
        raise RecordError(f"data.{bad.en}")
    if not REV_RE.match(data["record_rev"]):
        raise RecordError("data.record_rev: expected a rev like 3-0123456789abcdef01234567")
    if data["state"] not in {s.value for s in ReviewState}:
        raise RecordError(f"data.state: unknown review state {data['state']!r}")
    if rev != next_rev(None, data):
        raise RecordError("rev: does not match the data")
    return {
        "decision_uuid": uuid,
        "decision_rev": rev,
        "change": change,
        "entity": data["record_entity"],
        "uuid": data["record_uuid"],
        "rev": data["record_rev"],
        "state": data["state"],
        "comment": data["comment"],
        "actor": actor,
        "at": at,
    }


LEGACY_KEYS = frozenset(("entity", "uuid", "rev", "state", "comment", "actor", "at"))


def legacy_decisions(manifest: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Decisions a hub before records/review_decision.jsonl put in the manifest, as decisions.

    A hub bundle written before the hub was updated may still be on its way; refusing it
    would leave a gap in the hub's seq that no later bundle can close. Each one becomes the
    record a current hub writes and passes `check_decision`. None: no such list.
    """
    if "decisions" not in manifest:
        return None
    decisions = manifest["decisions"]
    if type(decisions) is not list:
        raise _refuse("bad-manifest", "decisions: expected a list")
    out = []
    for i, d in enumerate(decisions, start=1):
        if type(d) is not dict or set(d) != LEGACY_KEYS:
            raise _refuse("bad-manifest", f"decisions[{i}]: expected {sorted(LEGACY_KEYS)}")
        if not all(type(d[k]) is str for k in LEGACY_KEYS):
            raise _refuse("bad-manifest", f"decisions[{i}]: every field is text")
        data = {
            "record_entity": d["entity"],
            "record_uuid": d["uuid"],
            "record_rev": d["rev"],
            "state": d["state"],
            "comment": d["comment"],
        }
        key = f"legacy|{d['entity']}|{d['uuid']}|{d['rev']}|{d['state']}|{d['at']}"
        record = {
            "entity": DECISION_ENTITY,
            "uuid": str(uuid_mod.uuid5(DECISION_NAMESPACE, key)),
            "op": OPS[0],
            "rev": next_rev(None, data),
            "base_rev": None,
            "origin": None,
            "change": i,
            "updated_at": d["at"],
            "updated_by": d["actor"][:64],
            "data": data,
        }
        try:
            out.append(check_decision(record))
        except RecordError as exc:
            raise _refuse("bad-manifest", f"decisions[{i}]: {exc}") from None
    return out


def check_decisions(bundle: fmt.OpenedBundle, files: fmt.RecordsFiles) -> int:
    """Check every decision record of a hub bundle, streamed; returns how many there are.

    As `reading.checked_batches` does for the rows: file and line of the first errors, reason
    `schema`; a count that differs from the manifest's, reason `count-mismatch`.
    """
    if DECISION_ENTITY not in files:  # check_files made sure the manifest counts none
        return 0
    expected = bundle.manifest["counts"][DECISION_ENTITY]
    errors: list[str] = []
    seen = streams.SeenUuids(bundle.scratch, DECISION_ENTITY)
    last = 0
    count = 0
    try:
        for number, record in reading.iter_records(bundle, files, DECISION_ENTITY):
            count += 1
            try:
                if isinstance(record, RecordError):
                    raise record
                decision = check_decision(record)
                if not seen.add(decision["decision_uuid"]):
                    raise RecordError(f"uuid {decision['decision_uuid']} appears twice")
                if decision["change"] <= last:
                    raise RecordError(f"change: expected more than the line before's ({last})")
                last = decision["change"]
            except RecordError as exc:
                errors.append(f"{DECISION_FILE} line {number}: {exc}")
                if len(errors) >= fmt.MAX_ERRORS:
                    break
    finally:
        seen.close()
    if errors:
        raise bundle.refuse("schema", "; ".join(errors))
    if count != expected:
        raise bundle.refuse(
            "count-mismatch", f"{DECISION_FILE}: {count} lines, the manifest says {expected}"
        )
    return count


def decision_batches(
    bundle: fmt.OpenedBundle, files: fmt.RecordsFiles
) -> Iterator[list[dict[str, Any]]]:
    """The decisions `check_decisions` accepted, in the hub's order, a batch at a time (read
    again from the bundle's private copy)."""
    if DECISION_ENTITY not in files:
        return
    batch: list[dict[str, Any]] = []
    for _number, record in reading.iter_records(bundle, files, DECISION_ENTITY):
        batch.append(check_decision(record))
        if len(batch) >= reading.APPLY_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


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
    if outcome.merged_grids:  # the member's grid now goes by the hub's code
        from gridwalker import config

        settings = config.load_settings(home)
        if settings.grid_code in outcome.merged_grids:
            settings.grid_code = outcome.merged_grids[settings.grid_code]
            config.save_settings(home, settings)
    log_line(
        home,
        f"hub-import file={log_value(outcome.path.name)} status={outcome.status} "
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
    trusted_id, trusted_line = trusted

    def lookup(key_id: str) -> fmt.SigningKey:
        if key_id != trusted_id:
            raise _refuse(
                "other-hub-key", f"signed by key {key_id}, the trusted hub is {trusted_id}"
            )
        return fmt.SigningKey(key_id, trusted_line, "hub")

    try:
        # The signature is verified before the manifest is parsed (bundle.open_bundle).
        opened = fmt.open_bundle(path, [identity], recipient, lookup, extra_entities=HUB_ENTITIES)
    except fmt.BundleRefused as refused:
        if refused.reason == "other-hub":
            raise _refuse("other-device", refused.detail) from None
        raise
    with opened:  # its private copy is removed afterwards
        _import_opened(engine, path, opened, trusted_id, outcome)


def _import_opened(
    engine: Engine,
    path: Path,
    opened: fmt.OpenedBundle,
    trusted_id: str,
    outcome: LaptopImportOutcome,
) -> None:
    """The checks of an opened hub bundle, then the one transaction that applies it."""
    manifest = opened.manifest
    outcome.seq = opened.seq
    if manifest.get("direction") != DIRECTION:
        raise _refuse("not-a-hub-bundle", "a laptop imports bundles written by `hub export`")
    legacy = legacy_decisions(manifest)
    with engine.connect() as conn:
        device_id = conn.execute(select(Device.device_id).where(Device.id == 1)).scalar_one()
    if manifest.get("to_device") != device_id:
        raise _refuse(
            "other-device", f"for device {manifest.get('to_device')!r}, this is {device_id!r}"
        )
    files = fmt.check_files(opened, extra_entities=HUB_ENTITIES)
    decisions: Iterable[list[dict[str, Any]]] = decision_batches(opened, files)
    if check_decisions(opened, files) and legacy is not None:
        raise _refuse("bad-manifest", f"decisions both in the manifest and in {DECISION_FILE}")
    if legacy is not None:
        decisions = [legacy]
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
            unsent = _unsent_setup_rows(conn) if manifest["kind"] == "full" else {}
            mark = change_mark(conn)
            # Checked as they are read, a batch at a time: a bad record refuses the bundle
            # and this transaction rolls back what came before it.
            for entity, pairs in reading.checked_batches(opened, files):
                a, k, s = _apply_rows(conn, entity, pairs, unsent.get(entity, set()))
                outcome.records += len(pairs)
                outcome.applied += a
                outcome.kept_local += k
                outcome.skipped += s
            if unsent.get("grid"):  # a grid typed at setup, brought by the hub under its code
                outcome.merged_grids = merge_typed_grids(conn, "hub", unsent["grid"])
            fill_streets(conn, mark)  # the rows taken in, by their change numbers
            for batch in decisions:
                taken = store_decisions(conn, batch)
                outcome.decisions += len(batch)
                outcome.decisions_known += len(batch) - len(taken)
                outcome.returned += sum(d["state"] == ReviewState.RETURNED.value for d in taken)
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


# What the first-run setup makes before the hub provisions the laptop: the hub's version of
# these rows is the truth, and the laptop's, never sent, gives way to it (no conflict to decide).
SETUP_ENTITIES = ("street", "community", "grid", "member")


def _unsent_setup_rows(conn: Connection) -> dict[str, set[str]]:
    """The setup's rows this laptop never sent to the hub (a provisioning replaces them)."""
    exported = conn.execute(select(Device.exported_change).where(Device.id == 1)).scalar() or 0
    out: dict[str, set[str]] = {}
    for entity in SETUP_ENTITIES:
        table = SYNCED_TABLES[entity].__table__
        out[entity] = set(
            conn.execute(select(table.c.uuid).where(table.c.change > exported)).scalars()
        )
    return out


def _apply_rows(
    conn: Connection,
    entity: str,
    pairs: list[tuple[dict[str, Any], dict[str, Any]]],
    unsent: set[str] = frozenset(),  # type: ignore[assignment]
) -> tuple[int, int, int]:
    """Apply the hub's rows of one entity by the revs rules: (applied, kept local, skipped).

    A row in `unsent` (a provisioning meeting the setup's rows) takes the hub's version.
    """
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
        elif mine in (row["base_rev"], record["origin"]) or row["uuid"] in unsent:
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
    # Updates first: a row deleted here frees its natural key before a new row takes it.
    for row in updates:
        conn.execute(
            update(table)
            .where(table.c.uuid == row["uuid"])
            .values({k: v for k, v in row.items() if k != "uuid"})
        )
    if inserts:
        conn.execute(insert(table), inserts)
    conn.execute(insert(Audit.__table__), audits)
    if entity in search.INDEXED:
        search.index_rows(conn, entity, [row["uuid"] for row in todo])
    return len(todo), kept, skipped
