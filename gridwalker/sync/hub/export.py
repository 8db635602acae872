"""Hub bundles back to the laptops (BUNDLE.md, "Hub to laptop").

A hub bundle is a device bundle in every layer — the zip with `manifest.json`, its minisign
signature (by the hub's signing key) and `records/<entity>.jsonl`, encrypted with age to the
laptop's enrolled recipient — with its own seq and hash chain per device. The manifest says
`direction: "hub-to-device"` and names the device in `to_device`; its `hub` field carries the
recipient the bundle is meant for, so the laptop's check of "meant for this hub" reads as
"meant for this device". Everything travels as records: the rows the hub wrote (conflict
resolutions, the supervisor's issue actions, issues logged for the member) in their entity's
file, and the supervisor's decisions (approved / returned with a comment) in
`records/review_decision.jsonl`, one record per decision in the standard envelope:

    {"entity": "review_decision", "uuid": <the decision's id>, "op": "upsert",
     "rev": <next_rev(None, data)>, "base_rev": null, "origin": null,
     "change": <the hub's decision number>, "updated_at": <when decided>,
     "updated_by": <the supervisor>, "data": {"record_entity", "record_uuid", "record_rev",
     "state", "comment"}}

The uuid is derived from the hub's decision row (`decision_uuid`), so the same decision sent
twice has the same uuid and the laptop keeps it once. `change` counts decisions, not rows
(it is `hub_decision.id`, what the outbox's `decision_mark` remembers), so it lies outside the
manifest's `from_change`/`to_change`, which cover the rows. One bundle per device per export
holds everything new since its last bundle; nothing new for a device → no file.
"""

from __future__ import annotations

import io
import json
import os
import time
import uuid as uuid_mod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from gridwalker import __version__
from gridwalker.config import Paths, private_dir, private_opener
from gridwalker.domain import clock
from gridwalker.store import ledger, returns
from gridwalker.store.desk.arrivals import record_arrivals
from gridwalker.store.migrate import current_revision
from gridwalker.store.revs import generation, json_value, next_rev
from gridwalker.store.tables import (
    SYNCED_TABLES,
    Audit,
    Consultation,
    ConsultRoom,
    ConsultVote,
    Issue,
    IssueEvent,
    data_columns,
)
from gridwalker.store.tables.hub import HubRev
from gridwalker.store.tables.review import HubDecision, HubOutbox, HubReview
from gridwalker.sync import bundle as fmt
from gridwalker.sync.keys import DeviceKey, load_hub_signing_key
from gridwalker.sync.synclog import log_line

DIRECTION = "hub-to-device"
DECISION_ENTITY = returns.DECISION_ENTITY  # "review_decision", the laptop table it fills
HUB_ENTITIES = (DECISION_ENTITY,)  # records files only a hub bundle carries
# Fixed for good: the uuid of every decision ever sent is derived in it.
DECISION_NAMESPACE = uuid_mod.UUID("09b87499-47f7-4fe9-9ac5-a1313ecea69d")
SENT_ENTITIES = ("visit", "household", "resident", "census_record", "issue", "issue_event")
# A consultation is counted on every laptop of its grid as at the hub: its rows go to each of
# them whoever wrote them (another laptop, the hub), by the hub's change numbers.
CONSULT_ENTITIES = ("consultation", "consult_room", "consult_vote")
Progress = Callable[[str, int, int], None]


@dataclass
class HubExportResult:
    """What a hub export did for one device (paths empty: nothing new, or refused)."""

    device_id: str
    member: str = ""
    paths: list[Path] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)
    records: int = 0
    decisions: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    refused: str = ""

    def summary(self) -> str:
        """One line for a person or a log."""
        if self.refused:
            return f"{self.device_id} ({self.member}): 未导出 / not exported: {self.refused}"
        if not self.paths:
            return f"{self.device_id} ({self.member}): 无新内容 / nothing new"
        files = ", ".join(str(p) for p in self.paths)
        return (
            f"{self.device_id} ({self.member}): seq {', '.join(map(str, self.seqs))}, "
            f"{self.decisions:,} decisions, {self.records:,} records → {files}"
        )

    def as_json(self) -> dict[str, Any]:
        """The result as one JSON object."""
        return {
            "device_id": self.device_id,
            "member": self.member,
            "exported": bool(self.paths),
            "paths": [str(p) for p in self.paths],
            "seqs": self.seqs,
            "records": self.records,
            "decisions": self.decisions,
            "counts": self.counts,
            "refused": self.refused or None,
        }


def hub_outbox_dir(home: Paths) -> Path:
    """Where hub bundles go unless --out says otherwise (apart from device bundles)."""
    return home.data / "hub-outbox"


def hub_sender_id(key: DeviceKey) -> str:
    """The `device_id` a hub bundle names as its sender: the hub's signing key id."""
    return f"hub-{key.key_id.lower()}"


def hub_bundle_name(device_id: str, seq: int) -> str:
    """`gridwalker-hub-to-<device_id>-<seq, 6 digits>.zip.age`."""
    return fmt.bundle_name(f"hub-to-{device_id}", seq, encrypted=True)


HUB_BUNDLE_PREFIX = "gridwalker-hub-to-"


def is_hub_bundle_name(name: str) -> bool:
    """Whether a file name is that of a hub bundle (one a hub wrote for a laptop)."""
    return name.startswith(HUB_BUNDLE_PREFIX) and name.endswith(".zip.age")


def _grid_of(conn: Connection, entity: str, uuids: list[str]) -> dict[str, str | None]:
    """The grid of each row of a sent entity."""
    if entity == "issue":
        stmt = select(Issue.uuid, Issue.grid_uuid).where(Issue.uuid.in_(uuids))
    elif entity == "issue_event":
        stmt = (
            select(IssueEvent.uuid, Issue.grid_uuid)
            .join(Issue, Issue.uuid == IssueEvent.issue_uuid)
            .where(IssueEvent.uuid.in_(uuids))
        )
    else:
        stmt = select(HubReview.uuid, HubReview.grid_uuid).where(
            HubReview.entity == entity, HubReview.uuid.in_(uuids), HubReview.current
        )
    return {uuid: grid for uuid, grid in conn.execute(stmt)}


def _hub_rows(conn: Connection, above: int, grids: set[str]) -> tuple[dict[str, list[str]], int]:
    """Rows the hub wrote after audit id `above` in the device's grids; and the audit top."""
    top = conn.execute(select(func.coalesce(func.max(Audit.id), 0))).scalar_one()
    touched: dict[str, set[str]] = {}
    for entity, uuid in conn.execute(
        select(Audit.entity, Audit.uuid)
        .where(Audit.id > above, Audit.id <= top, Audit.entity.in_(SENT_ENTITIES))
        .distinct()
    ):
        touched.setdefault(entity, set()).add(uuid)
    out: dict[str, list[str]] = {}
    for entity in SYNCED_TABLES:
        uuids = sorted(touched.get(entity, ()))
        if not uuids:
            continue
        grid = _grid_of(conn, entity, uuids)
        mine = [u for u in uuids if grid.get(u) in grids]
        if mine:
            out[entity] = mine
    return out, top


def consult_top(conn: Connection) -> int:
    """The hub's highest change number among consultation rows (0 when none)."""
    return max(
        conn.execute(select(func.coalesce(func.max(t.change), 0))).scalar_one()
        for t in (Consultation, ConsultRoom, ConsultVote)
    )


def _consult_grid(entity: str) -> Any:
    """uuid and grid of the rows of a consultation entity, as a select."""
    if entity == "consultation":
        return select(Consultation.uuid, Consultation.grid_uuid)
    table = ConsultRoom if entity == "consult_room" else ConsultVote
    return select(table.uuid, Consultation.grid_uuid).join(
        Consultation, Consultation.uuid == table.consultation_uuid
    )


def _consult_rows(
    conn: Connection, above: int, top: int, grids: set[str], device_id: str
) -> dict[str, list[str]]:
    """Consultation rows of the device's grids changed at the hub in (above, top], except
    those whose current version came from the device itself (it holds them)."""
    out: dict[str, list[str]] = {}
    for entity in CONSULT_ENTITIES:
        table = SYNCED_TABLES[entity]
        found = {
            uuid
            for uuid, grid in conn.execute(
                _consult_grid(entity).where(
                    table.change > above, table.change <= top, Consultation.grid_uuid.in_(grids)
                )
            )
        }
        if not found:
            continue
        held = set()
        for part in _parts(sorted(found)):
            held.update(  # the live row names its version's device, or hub_rev does
                conn.execute(
                    select(table.uuid).where(table.uuid.in_(part), table.device_id == device_id)
                ).scalars()
            )
            held.update(
                conn.execute(
                    select(HubRev.uuid)
                    .join(table, (table.uuid == HubRev.uuid) & (table.rev == HubRev.rev))
                    .where(
                        HubRev.entity == entity,
                        HubRev.device_id == device_id,
                        HubRev.uuid.in_(part),
                    )
                ).scalars()
            )
        if found - held:
            out[entity] = sorted(found - held)
    return out


def _parts(uuids: list[str], size: int = 900) -> Iterator[list[str]]:
    """Slices of at most `size` ids (SQLite's bound parameters, per query)."""
    for i in range(0, len(uuids), size):
        yield uuids[i : i + size]


def _origins(conn: Connection, entity: str, uuids: list[str], device_id: str) -> dict[str, str]:
    """Per row, the newest rev this device sent (what the laptop holds, as far as we know):
    among its versions in `hub_rev` and the live row's own, when it came from the device."""
    table = SYNCED_TABLES[entity].__table__
    best: dict[str, str] = {}
    sent = [
        *conn.execute(
            select(HubRev.uuid, HubRev.rev).where(
                HubRev.entity == entity, HubRev.uuid.in_(uuids), HubRev.device_id == device_id
            )
        ),
        *conn.execute(
            select(table.c.uuid, table.c.rev).where(
                table.c.uuid.in_(uuids), table.c.device_id == device_id
            )
        ),
    ]
    for uuid, rev in sent:
        if uuid not in best or (generation(rev), rev) > (generation(best[uuid]), best[uuid]):
            best[uuid] = rev
    return best


def _record_lines(
    conn: Connection, entity: str, uuids: list[str], device_id: str
) -> tuple[list[str], list[int]]:
    """JSON lines of the current rows, and their hub change numbers."""
    table = SYNCED_TABLES[entity].__table__
    origins = _origins(conn, entity, uuids, device_id)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    lines, changes = [], []
    for row in conn.execute(select(table).where(table.c.uuid.in_(uuids)).order_by(table.c.change)):
        record = {
            "entity": entity,
            "uuid": row.uuid,
            "op": "delete" if row.deleted else "upsert",
            "rev": row.rev,
            "base_rev": row.base_rev,
            "origin": origins.get(row.uuid),
            "change": row.change,
            "updated_at": row.updated_at.isoformat(),
            "updated_by": row.updated_by[:64],
            "data": {name: json_value(getattr(row, name)) for name in data_columns(entity)},
        }
        lines.append(dumps(record))
        changes.append(row.change)
    return lines, changes


def _lines_in_parts(
    conn: Connection, entity: str, uuids: list[str], device_id: str
) -> tuple[list[str], list[int]]:
    """`_record_lines` over any number of rows, a slice of ids per query."""
    lines: list[str] = []
    changes: list[int] = []
    for part in _parts(uuids):
        more_lines, more_changes = _record_lines(conn, entity, part, device_id)
        lines += more_lines
        changes += more_changes
    return lines, changes


def decision_uuid(decision: dict[str, Any]) -> str:
    """The record uuid of a hub decision: derived from its `hub_decision` row, so stable."""
    key = "/".join(
        (str(decision["id"]), decision["entity"], decision["uuid"], decision["rev"], decision["at"])
    )
    return str(uuid_mod.uuid5(DECISION_NAMESPACE, key))


def decision_record(decision: dict[str, Any]) -> dict[str, Any]:
    """A decision of `returns.iter_decisions` as a `review_decision` record."""
    data = {
        "record_entity": decision["entity"],
        "record_uuid": decision["uuid"],
        "record_rev": decision["rev"],
        "state": decision["state"],
        "comment": decision["comment"],
    }
    return {
        "entity": DECISION_ENTITY,
        "uuid": decision_uuid(decision),
        "op": "upsert",
        "rev": next_rev(None, data),
        "base_rev": None,
        "origin": None,
        "change": decision["id"],
        "updated_at": decision["at"],
        "updated_by": decision["actor"][:64],
        "data": data,
    }


def export_hub_bundles(
    engine: Engine,
    home: Paths,
    *,
    device_ids: list[str] | None = None,
    out_dir: Path | None = None,
    progress: Progress | None = None,
) -> list[HubExportResult]:
    """Write the next hub bundle of each device (all enrolled devices when none is named)."""
    key = load_hub_signing_key(home)
    out_dir = Path(out_dir or hub_outbox_dir(home))
    private_dir(out_dir, ours=out_dir == hub_outbox_dir(home))
    with engine.begin() as conn:
        record_arrivals(conn)
    with engine.connect() as conn:
        known = ledger.enrolled_devices(conn)
    by_id: dict[str, tuple[str, str | None]] = {}
    for device, member, recipient in known:
        if device not in by_id or recipient:
            by_id[device] = (member, recipient)
    wanted = device_ids if device_ids is not None else sorted(by_id)
    results = []
    for i, device_id in enumerate(wanted):
        if progress:
            progress(device_id, i, len(wanted))
        if device_id not in by_id:
            results.append(
                HubExportResult(
                    device_id,
                    refused="设备未向本枢纽发送过同步包 / no bundle from this device at this hub",
                )
            )
            continue
        member, recipient = by_id[device_id]
        results.append(_export_device(engine, home, key, device_id, member, recipient, out_dir))
    if progress:
        progress("done", len(wanted), len(wanted))
    return results


def _export_device(
    engine: Engine,
    home: Paths,
    key: DeviceKey,
    device_id: str,
    member: str,
    recipient: str | None,
    out_dir: Path,
) -> HubExportResult:
    """The next hub bundle of one device: everything new since its last one (or nothing)."""
    result = HubExportResult(device_id, member)
    if not recipient:
        result.refused = (
            "没有登记该设备的 age 接收方公钥 / no age recipient enrolled for this device; run: "
            "gridwalker hub enroll device.pub --member NAME --recipient age1…"
        )
        return result
    _write_next(engine, home, key, device_id, member, recipient, out_dir, result)
    return result


def _write_next(
    engine: Engine,
    home: Paths,
    key: DeviceKey,
    device_id: str,
    member: str,
    recipient: str,
    out_dir: Path,
    result: HubExportResult,
) -> bool:
    """Write one hub bundle for the device if anything is pending; returns whether it did."""
    with engine.connect() as conn:
        last = last_outbox(conn, device_id)
        audit_mark = last.audit_mark if last else 0
        decision_mark = last.decision_mark if last else 0
        grids = ledger.device_grids(conn, device_id)
        decision_top = conn.execute(select(func.coalesce(func.max(HubDecision.id), 0))).scalar_one()
        decisions = [
            DUMPS(decision_record(d))
            for d in returns.iter_decisions(conn, decision_mark, device_id, grids, decision_top)
        ]
        rows, audit_top = _hub_rows(conn, audit_mark, grids)
        consult_mark = last.consult_mark if last else 0
        consulted_top = consult_top(conn)
        rows.update(_consult_rows(conn, consult_mark, consulted_top, grids, device_id))
        entities = [(e, *_lines_in_parts(conn, e, uuids, device_id)) for e, uuids in rows.items()]
    if not decisions and not any(changes for _e, _l, changes in entities):
        return False
    write_hub_bundle(
        engine,
        home,
        key,
        HubContent(
            device_id,
            recipient,
            entities,
            decisions,
            audit_top,
            decision_top,
            consult_top=consulted_top,
        ),
        out_dir,
        result,
    )
    return True


DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def last_outbox(conn: Connection, device_id: str) -> Any:
    """The device's last hub bundle row, or None."""
    return conn.execute(
        select(HubOutbox)
        .where(HubOutbox.device_id == device_id)
        .order_by(HubOutbox.seq.desc())
        .limit(1)
    ).first()


@dataclass
class HubContent:
    """What one hub bundle carries, and the marks its outbox row keeps."""

    device_id: str
    recipient: str
    entities: list[tuple[str, list[str], list[int]]]  # (entity, JSON lines, change numbers)
    decisions: list[str]  # JSON lines of review_decision records
    audit_top: int
    decision_top: int
    kind: str = "delta"
    consult_top: int = 0  # the hub's change number up to which consultation rows are covered


def write_hub_bundle(
    engine: Engine,
    home: Paths,
    key: DeviceKey,
    content: HubContent,
    out_dir: Path,
    result: HubExportResult,
) -> Path:
    """Sign, encrypt and write the device's next hub bundle; its outbox row commits with it."""
    started = time.perf_counter()
    now = clock.now().replace(microsecond=0)
    device_id, recipient, decisions = content.device_id, content.recipient, content.decisions
    with engine.connect() as conn:
        last = last_outbox(conn, device_id)
        seq = (last.seq if last else 0) + 1
        schema = current_revision(conn) or ""
    changes = [c for _e, _l, cs in content.entities for c in cs]
    entities = list(content.entities)
    if decisions:
        entities.append((DECISION_ENTITY, decisions, []))
    manifest: dict[str, Any] = {
        "format": fmt.FORMAT,
        "format_version": fmt.FORMAT_VERSION,
        "app_version": __version__,
        "schema_version": schema,
        "bundle_id": str(uuid_mod.uuid4()),
        "device_id": hub_sender_id(key),
        "device_key_id": key.key_id,
        "member": "",
        "hub": recipient,
        "created_at": now.isoformat(),
        "seq": seq,
        "prev_manifest_sha256": last.manifest_sha256 if last else "",
        "kind": content.kind,
        "from_change": min(changes) if changes else 1,
        "to_change": max(changes) if changes else 0,
        "direction": DIRECTION,
        "to_device": device_id,
    }
    name = hub_bundle_name(device_id, seq)
    trusted = f"timestamp:{int(now.timestamp())}\tfile:{fmt.MANIFEST}\tbundle:{name}"

    def batches() -> Iterator[tuple[str, Iterator[list[str]]]]:
        for entity, lines, _changes in entities:
            yield entity, iter([lines])

    import pyrage
    from pyrage import x25519

    buffer = io.BytesIO()
    zipped = fmt.write_zip(buffer, manifest, batches(), lambda data: key.sign(data, trusted))
    records = zipped.records - len(decisions)  # the rows; decisions are counted apart
    cipher = pyrage.encrypt(buffer.getvalue(), [x25519.Recipient.from_str(recipient)])
    final = out_dir / name
    tmp = out_dir / f".{name}.partial"
    with open(tmp, "wb", opener=private_opener) as out:
        out.write(cipher)
        out.flush()
        os.fsync(out.fileno())
    # The row and the rename commit together: a crash before the commit leaves the seq free,
    # and the next run writes that seq again under the same name (never a fork in the wild).
    with engine.begin() as conn:
        conn.execute(
            HubOutbox.__table__.insert().values(
                device_id=device_id,
                seq=seq,
                bundle_id=manifest["bundle_id"],
                manifest_sha256=fmt.sha256_hex(zipped.manifest_bytes),
                audit_mark=content.audit_top,
                decision_mark=content.decision_top,
                consult_mark=content.consult_top,
                records=records,
                decisions=len(decisions),
                file=str(final),
                created_at=now,
            )
        )
        os.replace(tmp, final)
    result.paths.append(final)
    result.seqs.append(seq)
    result.records += records
    result.decisions += len(decisions)
    for entity, n in zipped.manifest["counts"].items():
        if n:
            result.counts[entity] = result.counts.get(entity, 0) + n
    log_line(
        home,
        f"hub-export device={device_id} seq={seq} kind={content.kind} "
        f"decisions={len(decisions)} records={records} file={name} "
        f"seconds={time.perf_counter() - started:.2f}",
    )
    return final
