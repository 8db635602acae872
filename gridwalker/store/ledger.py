"""The hub's book of devices and bundles: the ledger, held and quarantined bundles, devices.

Every query on these books lives here; the hub's import (sync.hub) and the desk call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, delete, false, func, insert, select, update

from gridwalker.domain.clock import LOCAL_TZ
from gridwalker.store.tables import Device, Grid, Member
from gridwalker.store.tables.hub import (
    HubBacklog,
    HubDevice,
    HubLedger,
    HubQuarantine,
)
from gridwalker.store.tables.review import HubReview


@dataclass(frozen=True)
class LedgerRow:
    """One bundle applied at the hub."""

    device_id: str
    member: str
    seq: int
    kind: str
    records: int
    applied: int
    skipped: int
    conflicts: int
    imported_at: datetime
    file: str
    forced_by: str | None = None
    missing: tuple[int, ...] = ()  # of a forced bundle: the seqs before it not yet arrived


def _booked(conn: Connection, device_ids: set[str]) -> dict[str, tuple[set[int], int]]:
    """Per device: the seqs in the ledger, and the highest full bundle's seq (0: none)."""
    out: dict[str, tuple[set[int], int]] = {d: (set(), 0) for d in device_ids}
    for device_id, seq, kind in conn.execute(
        select(HubLedger.device_id, HubLedger.seq, HubLedger.kind).where(
            HubLedger.device_id.in_(sorted(device_ids))
        )
    ):
        seqs, floor = out[device_id]
        seqs.add(seq)
        if kind == "full":
            out[device_id] = (seqs, max(floor, seq))
    return out


def _missing_before(seq: int, booked: tuple[set[int], int], held: set[int]) -> tuple[int, ...]:
    """The seqs before `seq` neither applied, covered by a full bundle, nor held."""
    seqs, floor = booked
    return tuple(s for s in range(floor + 1, seq) if s not in seqs and s not in held)


def ledger_gaps(conn: Connection, device_id: str, before: int) -> list[int]:
    """The seqs of a device before `before` not applied and not covered by a full bundle."""
    booked = _booked(conn, {device_id})[device_id]
    return list(_missing_before(before, booked, set()))


def bundle_count(conn: Connection, device_id: str | None = None) -> int:
    """How many bundles the ledger holds (of one device, or all)."""
    stmt = select(func.count()).select_from(HubLedger)
    if device_id:
        stmt = stmt.where(HubLedger.device_id == device_id)
    return conn.execute(stmt).scalar_one()


def bundle_page(
    conn: Connection, offset: int, limit: int, device_id: str | None = None
) -> list[LedgerRow]:
    """One page of the ledger: what arrived from which device, newest first."""
    stmt = select(HubLedger).order_by(HubLedger.imported_at.desc(), HubLedger.id.desc())
    if device_id:
        stmt = stmt.where(HubLedger.device_id == device_id)
    rows = conn.execute(stmt.offset(max(0, offset)).limit(max(0, limit))).all()
    forced = {r.device_id for r in rows if r.forced_by}
    booked = _booked(conn, forced) if forced else {}
    return [
        LedgerRow(
            r.device_id,
            r.member,
            r.seq,
            r.kind,
            r.records,
            r.applied,
            r.skipped,
            r.conflicts,
            r.imported_at,
            r.file,
            r.forced_by,
            _missing_before(r.seq, booked[r.device_id], set()) if r.forced_by else (),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class HeldRow:
    """A bundle held for a gap in its device's seq."""

    id: int
    device_id: str
    seq: int
    missing: list[int]
    received_at: datetime
    path: str


def held_bundles(conn: Connection) -> list[HeldRow]:
    """Held bundles with the seq numbers still missing before each."""
    held = conn.execute(select(HubBacklog).order_by(HubBacklog.device_id, HubBacklog.seq)).all()
    if not held:
        return []
    held_seqs: dict[str, set[int]] = {}
    for h in held:
        held_seqs.setdefault(h.device_id, set()).add(h.seq)
    booked = _booked(conn, set(held_seqs))
    return [
        HeldRow(
            id=h.id,
            device_id=h.device_id,
            seq=h.seq,
            missing=list(_missing_before(h.seq, booked[h.device_id], held_seqs[h.device_id])),
            received_at=h.received_at,
            path=h.path,
        )
        for h in held
    ]


@dataclass(frozen=True)
class QuarantineRow:
    """A refused bundle file and the reason (a code of the bundle format, and its message)."""

    id: int
    at: datetime
    file: str
    path: str
    reason: str
    message: str
    device_id: str | None
    seq: int | None


def quarantined(conn: Connection) -> list[QuarantineRow]:
    """Refused bundles, newest first."""
    return [
        QuarantineRow(r.id, r.at, r.file, r.path, r.reason, r.message, r.device_id, r.seq)
        for r in conn.execute(
            select(HubQuarantine).order_by(HubQuarantine.at.desc(), HubQuarantine.id.desc())
        )
    ]


def device_grids(conn: Connection, device_id: str) -> set[str]:
    """The grids a device reports on: of its records here, and of its member's name."""
    grids = set(
        conn.execute(
            select(HubReview.grid_uuid)
            .where(HubReview.device_id == device_id, HubReview.grid_uuid.is_not(None))
            .distinct()
        ).scalars()
    )
    names = (
        select(HubLedger.member)
        .where(HubLedger.device_id == device_id)
        .union(select(HubDevice.member).where(HubDevice.device_id == device_id))
    )
    grids |= set(
        conn.execute(
            select(Grid.uuid)
            .join(Member, Member.uuid == Grid.member_uuid)
            .where(Member.name.in_(names), Grid.deleted == false())
        ).scalars()
    )
    return grids


def enrolled_devices(conn: Connection) -> list[tuple[str, str, str | None]]:
    """(device id, member, recipient) of every device with a live key: that sent a bundle
    with it, or that was enrolled from a pairing file."""
    sent = [
        (r.device_id, r.member, r.recipient)
        for r in conn.execute(
            select(HubLedger.device_id, HubLedger.member, HubDevice.recipient)
            .join(HubDevice, HubDevice.key_id == HubLedger.key_id)
            .where(HubDevice.revoked_at.is_(None))
            .group_by(HubLedger.device_id, HubLedger.member, HubDevice.recipient)
        )
    ]
    paired = [
        (r.device_id, r.member, r.recipient)
        for r in conn.execute(
            select(HubDevice.device_id, HubDevice.member, HubDevice.recipient).where(
                HubDevice.revoked_at.is_(None), HubDevice.device_id.is_not(None)
            )
        )
    ]
    return sorted(set(sent) | set(paired), key=lambda r: (r[0], r[1], r[2] or ""))


# --- the import's entries ---------------------------------------------------------------------


def device_ledger(conn: Connection, device_id: str) -> list[Any]:
    """A device's ledger rows: seq, manifest and file sha256, prev_manifest_sha256, key_id, kind."""
    return list(
        conn.execute(
            select(
                HubLedger.seq,
                HubLedger.manifest_sha256,
                HubLedger.file_sha256,
                HubLedger.prev_manifest_sha256,
                HubLedger.key_id,
                HubLedger.kind,
            ).where(HubLedger.device_id == device_id)
        ).all()
    )


def book_bundle(conn: Connection, **values: Any) -> None:
    """The ledger row of a bundle applied (written in the same transaction as its records)."""
    conn.execute(insert(HubLedger).values(**values))


def held_copy(conn: Connection, device_id: str, seq: int) -> Any | None:
    """The backlog row (id, manifest_sha256) holding a device's seq, if one does."""
    return conn.execute(
        select(HubBacklog.id, HubBacklog.manifest_sha256).where(
            HubBacklog.device_id == device_id, HubBacklog.seq == seq
        )
    ).first()


def held_of_device(conn: Connection, device_id: str) -> list[Any]:
    """A device's held bundles (id, seq, path) in seq order."""
    return list(
        conn.execute(
            select(HubBacklog.id, HubBacklog.seq, HubBacklog.path)
            .where(HubBacklog.device_id == device_id)
            .order_by(HubBacklog.seq)
        ).all()
    )


def held_row(conn: Connection, backlog_id: int) -> Any | None:
    """One backlog row whole, or None."""
    return conn.execute(select(HubBacklog).where(HubBacklog.id == backlog_id)).first()


def hold(
    conn: Connection,
    device_id: str,
    seq: int,
    manifest_sha256: str,
    path: str,
    received_at: datetime,
) -> None:
    """Book a bundle held for a gap (its copy is at `path`)."""
    conn.execute(
        insert(HubBacklog).values(
            device_id=device_id,
            seq=seq,
            manifest_sha256=manifest_sha256,
            path=path,
            received_at=received_at,
        )
    )


def unhold(conn: Connection, backlog_id: int) -> None:
    """A held bundle leaves the backlog (applied, known already, or refused)."""
    conn.execute(delete(HubBacklog).where(HubBacklog.id == backlog_id))


def quarantine(conn: Connection, **values: Any) -> int:
    """Book a refused file (at, file, path, reason, message, device_id, seq, file_sha256); its id."""
    return int(conn.execute(insert(HubQuarantine).values(**values)).inserted_primary_key[0])


def refused_before(conn: Connection, file_sha256: str) -> Any | None:
    """The first quarantine entry of a file with this sha256 (at, reason, message, path), or None."""
    return conn.execute(
        select(HubQuarantine)
        .where(HubQuarantine.file_sha256 == file_sha256)
        .order_by(HubQuarantine.id)
        .limit(1)
    ).first()


def quarantine_moved(conn: Connection, quarantine_id: int, path: str) -> None:
    """Where a quarantined file is after all (it could not be moved from `path`)."""
    conn.execute(update(HubQuarantine).where(HubQuarantine.id == quarantine_id).values(path=path))


def quarantine_row(conn: Connection, quarantine_id: int) -> Any | None:
    """One quarantine row whole, or None."""
    return conn.execute(select(HubQuarantine).where(HubQuarantine.id == quarantine_id)).first()


def unquarantine(conn: Connection, quarantine_id: int) -> None:
    """A quarantined file's entry goes (it was imported again)."""
    conn.execute(delete(HubQuarantine).where(HubQuarantine.id == quarantine_id))


# --- device keys ----------------------------------------------------------------------------


def enrol_device(
    conn: Connection,
    key_id: str,
    member: str,
    public_key: str,
    recipient: str | None,
    at: datetime,
    device_id: str | None = None,
    baseline: bool = False,
) -> list[str]:
    """Trust a device key for a member (again: its member and key line are updated).

    A recipient or a device id given replaces the one kept; one not given never drops it.
    A device id bound to other live keys (the laptop made a new key: `keys init --rotate`)
    revokes them, the new key taking the device over; returns the key ids so revoked.
    """
    found = conn.execute(select(HubDevice).where(HubDevice.key_id == key_id)).first()
    values: dict[str, Any] = {"member": member, "public_key": public_key}
    if recipient:
        values["recipient"] = recipient
    if device_id:
        values["device_id"] = device_id
    if baseline:
        values["baseline"] = True
    if found:  # a revoked key stays revoked: enrolling it again does not let it back in
        conn.execute(update(HubDevice).where(HubDevice.key_id == key_id).values(**values))
    else:
        conn.execute(insert(HubDevice).values(key_id=key_id, enrolled_at=at, **values))
    if not device_id:
        return []
    others = [
        row.key_id
        for row in conn.execute(
            select(HubDevice.key_id).where(
                HubDevice.device_id == device_id,
                HubDevice.key_id != key_id,
                HubDevice.revoked_at.is_(None),
            )
        )
    ]
    for other in others:
        revoke_device(conn, other, at, f"{REPLACED} {key_id}")
    return others


REPLACED = "replaced by key"


def revoke_device(conn: Connection, key_id: str, at: datetime, reason: str | None = None) -> bool:
    """Mark a device key revoked (with why); False when it is not enrolled."""
    done = conn.execute(
        update(HubDevice)
        .where(HubDevice.key_id == key_id)
        .values(revoked_at=at, revoked_reason=reason)
    )
    return done.rowcount > 0


def keys_of(conn: Connection, device: str) -> list[str]:
    """The live keys that sign for a device (bound, or by its bundles); or the one key named."""
    keys = set(device_keys(conn, device))
    keys |= set(
        conn.execute(select(HubLedger.key_id).where(HubLedger.device_id == device)).scalars()
    )
    if not keys:
        keys = set(
            conn.execute(
                select(HubDevice.key_id).where(HubDevice.key_id == device.upper())
            ).scalars()
        )
    return (
        sorted(
            conn.execute(
                select(HubDevice.key_id).where(
                    HubDevice.key_id.in_(sorted(keys)), HubDevice.revoked_at.is_(None)
                )
            ).scalars()
        )
        if keys
        else []
    )


def known_devices(conn: Connection) -> list[str]:
    """Every device id the hub knows: enrolled from a pairing file, or by its bundles."""
    bound = set(
        conn.execute(select(HubDevice.device_id).where(HubDevice.device_id.is_not(None))).scalars()
    )
    sent = set(conn.execute(select(HubLedger.device_id).distinct()).scalars())
    return sorted(bound | sent)


def device_keys(conn: Connection, device_id: str) -> list[str]:
    """The keys enrolled for a device (bound at enrolment), revoked ones too."""
    return [
        row.key_id
        for row in conn.execute(select(HubDevice.key_id).where(HubDevice.device_id == device_id))
    ]


def device_key(conn: Connection, key_id: str) -> Any | None:
    """An enrolled key's row (member, public_key, revoked_at …), or None."""
    return conn.execute(select(HubDevice).where(HubDevice.key_id == key_id)).first()


def key_device(conn: Connection, key_id: str) -> str:
    """The device a key signs for: bound at enrolment, else its first bundle applied here,
    else "" (none yet)."""
    bound = conn.execute(select(HubDevice.device_id).where(HubDevice.key_id == key_id)).scalar()
    if bound:
        return bound
    found = conn.execute(
        select(HubLedger.device_id)
        .where(HubLedger.key_id == key_id)
        .order_by(HubLedger.id)
        .limit(1)
    ).scalar()
    return found or ""


@dataclass(frozen=True)
class DeviceRow:
    """One laptop as the hub knows it: whose, its last bundle, whether it is still trusted."""

    device_id: str
    member: str
    key_ids: tuple[str, ...]
    last_seq: int | None
    last_seen: datetime | None
    revoked_at: datetime | None
    revoked_reason: str


def devices(conn: Connection) -> list[DeviceRow]:
    """Every laptop: enrolled from a pairing file, or known by its bundles (by device id)."""
    keys: dict[str, list[Any]] = {}
    for row in conn.execute(select(HubDevice)):
        keys.setdefault(row.device_id or "", []).append(row)
    seen = {
        r.device_id: r
        for r in conn.execute(
            select(
                HubLedger.device_id,
                func.max(HubLedger.seq).label("seq"),
                func.max(HubLedger.imported_at).label("at"),
            ).group_by(HubLedger.device_id)
        )
    }
    signed: dict[str, set[str]] = {}
    for device_id, key_id in conn.execute(select(HubLedger.device_id, HubLedger.key_id).distinct()):
        signed.setdefault(device_id, set()).add(key_id)
    by_key = {row.key_id: row for rows in keys.values() for row in rows}
    out = []
    for device_id in sorted(set(seen) | {d for d in keys if d}):
        mine = [by_key[k] for k in signed.get(device_id, ()) if k in by_key]
        mine += [r for r in keys.get(device_id, []) if r not in mine]
        live = [r for r in mine if r.revoked_at is None]
        last = seen.get(device_id)
        newest = max(mine, key=lambda r: r.enrolled_at) if mine else None
        revoked = None if live or newest is None else newest
        out.append(
            DeviceRow(
                device_id=device_id,
                member=(live or mine)[0].member if mine else "",
                key_ids=tuple(sorted(r.key_id for r in mine)),
                last_seq=last.seq if last else None,
                last_seen=last.at if last else None,
                revoked_at=revoked.revoked_at if revoked else None,
                revoked_reason=(revoked.revoked_reason or "") if revoked else "",
            )
        )
    return out


def take_baseline(conn: Connection, key_id: str, kind: str, hub_change: int) -> bool:
    """After a bundle is applied: a full bundle of a device enrolled with --baseline makes
    everything the hub wrote up to `hub_change` its baseline (once). True when it did."""
    if kind != "full":
        return False
    done = conn.execute(
        update(HubDevice)
        .where(HubDevice.key_id == key_id, HubDevice.baseline.is_(True))
        .values(baseline=False, baseline_until=hub_change)
    )
    return done.rowcount > 0


@dataclass(frozen=True)
class Baseline:
    """What of a device's records is its accepted baseline."""

    before_day: date | None  # records dated before its enrolment (pairing enrolments)
    until_change: int | None  # the hub's rows written by its baseline full bundle


def baselines(conn: Connection) -> dict[str, Baseline]:
    """Per device id: its baseline rule (devices enrolled from a pairing file, or with one)."""
    out: dict[str, Baseline] = {}
    for row in conn.execute(
        select(HubDevice.device_id, HubDevice.enrolled_at, HubDevice.baseline_until).where(
            HubDevice.device_id.is_not(None)
        )
    ):
        at = row.enrolled_at
        at = at if at.tzinfo else at.replace(tzinfo=UTC)  # stored as UTC
        day = at.astimezone(LOCAL_TZ).date()
        known = out.get(row.device_id)
        if known is not None:  # a replacement key: the first enrolment counts
            day = min(day, known.before_day or day)
        until = row.baseline_until
        if known is not None and known.until_change is not None:
            until = max(until or 0, known.until_change)
        out[row.device_id] = Baseline(day, until)
    return out


def hub_change(conn: Connection) -> int:
    """The hub's own change counter (every row it writes, an import's too, advances it)."""
    return int(conn.execute(select(Device.change_counter).where(Device.id == 1)).scalar() or 0)
