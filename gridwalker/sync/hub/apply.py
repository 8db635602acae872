"""Applying a checked bundle's records at the hub: batches, the hub's versions, merges, conflicts.

Rows the hub never saw are inserted and fast-forwards updated in batches; a row with
versions in conflict takes the slow path: every version kept, heads recomputed, merged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from gridwalker.domain import clock
from gridwalker.store.bulk import indexes_after_load, insert_rows
from gridwalker.store.consult.votes import votes_after_closing
from gridwalker.store.streets import (
    PLACES,
    STREET_BOUND,
    change_mark,
    fill_streets_of,
    streets_for,
)
from gridwalker.store.tables import SYNCED_TABLES, data_columns
from gridwalker.store.tables.hub import HubConflict, HubRev
from gridwalker.store.writes import live_version_row, reserve_changes
from gridwalker.sync import bundle as fmt
from gridwalker.sync import reading
from gridwalker.sync.hub.merge import Version, heads_of, merge, merge_base
from gridwalker.sync.records import db_values, json_encoder

BATCH = 5000
Progress = Callable[[str, int, int], None]
Meta = tuple[Any, str, str, str | None]  # updated_at, updated_by, device_id, origin


@dataclass
class Applied:
    """What applying a bundle did: its records, applied (new or merged), already known, in
    conflict, and votes that reached a closed consultation (kept, not counted)."""

    records: int = 0
    applied: int = 0
    skipped: int = 0
    conflicts: int = 0
    after_closing: int = 0


@dataclass
class _Batch:
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    saved: list[dict[str, Any]] = field(default_factory=list)
    slow: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)


def _version_from_record(record: dict[str, Any], row: dict[str, Any], device_id: str) -> Version:
    return Version(
        rev=record["rev"],
        base_rev=record["base_rev"],
        origin=record["origin"],
        deleted=record["op"] == "delete",
        data=record["data"],
        updated_at=row["updated_at"],
        updated_by=record["updated_by"],
        device_id=device_id,
    )


def _version_from_live(entity: str, live: Any) -> Version:
    encode = json_encoder(entity)
    data = encode({name: live[name] for name in data_columns(entity)})
    return Version(
        rev=live["rev"],
        base_rev=live["base_rev"],
        origin=live["origin"],
        deleted=bool(live["deleted"]),
        data=data,
        updated_at=live["updated_at"],
        updated_by=live["updated_by"],
        device_id=live["device_id"],
    )


def _rev_row(entity: str, uuid: str, v: Version, head: bool = False) -> dict[str, Any]:
    return {
        "entity": entity,
        "uuid": uuid,
        "rev": v.rev,
        "base_rev": v.base_rev,
        "origin": v.origin,
        "deleted": v.deleted,
        "data": v.data,
        "updated_at": v.updated_at,
        "updated_by": v.updated_by,
        "device_id": v.device_id,
        "head": head,
    }


def apply_bundle(
    conn: Connection,
    opened: fmt.OpenedBundle,
    files: fmt.RecordsFiles,
    progress: Progress | None = None,
) -> Applied:
    """Check and apply a bundle's records inside the caller's transaction, in one reading.

    The records come checked a batch at a time (`reading.checked_batches`): memory holds one
    batch, whatever the bundle's size. A bad record anywhere refuses the bundle
    (BundleRefused) after batches before it were written: the caller's transaction rolls
    them back, so nothing of a refused bundle stays. From `reading.BESIDE_FROM` records on,
    another process checks them (`reading.CheckBeside`) while they are applied converted
    unchecked, and its verdict comes before the commit: the same refusals, the same rollback.
    """
    total = sum(opened.manifest["counts"].values())
    if total < reading.BESIDE_FROM:
        return _apply(conn, opened, files, reading.checked_batches(opened, files, BATCH), progress)
    # A big bundle: its records are checked in another process while they are applied
    # unchecked here; the caller's transaction commits only a bundle found good whole.
    beside = reading.CheckBeside(opened, files)
    try:
        batches = reading.converted_batches(opened, files, BATCH)
        done = _apply(conn, opened, files, batches, progress)
    except Exception:
        beside.verdict()  # a bad bundle is refused as such, whatever the apply made of it
        raise
    except BaseException:  # interrupted: no verdict to wait for
        beside.close()
        raise
    beside.verdict()
    return done


def _apply(
    conn: Connection,
    opened: fmt.OpenedBundle,
    files: fmt.RecordsFiles,
    batches: Iterator[tuple[str, list[reading.Checked]]],
    progress: Progress | None,
) -> Applied:
    """Apply the records of `batches` (checked, or checked beside): `apply_bundle`."""
    done = Applied()
    total = sum(opened.manifest["counts"].values())
    mark = change_mark(conn)
    # Rows whose street is to be derived once every entity is in (a member before its grid,
    # a merged row), by entity.
    late: dict[str, list[str]] = {}
    places = _Places()
    for entity, parts in groupby(batches, key=itemgetter(0)):
        # Nothing of this entity at the hub yet (a new hub's first bundles): no row to look up.
        # A bundle holds each uuid once (checked before its batch is given), so this stays
        # true through it.
        fresh = _nothing_of(conn, entity)
        # Into an empty table, the secondary indexes are built once after the load.
        count = opened.manifest["counts"].get(entity, 0) if fresh else 0
        with indexes_after_load(conn, SYNCED_TABLES[entity].__table__, count):
            for _entity, part in parts:
                a, s, c = _apply_batch(conn, entity, part, opened.device_id, fresh, late, places)
                done.applied += a
                done.skipped += s
                done.conflicts += c
                done.records += len(part)
                if progress:
                    progress(entity, done.records, total)
    for entity in STREET_BOUND:  # parents before children
        if late.get(entity):
            fill_streets_of(conn, entity, late[entity])
    if "consult_vote" in files:
        done.after_closing = votes_after_closing(conn, mark)
    return done


class _Places:
    """The streets of the places (buildings, households …) an import has written, by entity
    and uuid, for the rows hanging from them that follow: taken from the rows written, not
    read again. At most MAX of them: past it they are dropped (read again when needed)."""

    MAX = 200_000

    def __init__(self) -> None:
        self.by_entity: dict[str, dict[str, str | None]] = {}
        self.size = 0

    def add(self, entity: str, rows: list[dict[str, Any]]) -> None:
        if entity not in PLACES:
            return
        if self.size + len(rows) > self.MAX:
            self.by_entity, self.size = {}, 0
        streets = self.by_entity.setdefault(entity, {})
        before = len(streets)
        streets.update((row["uuid"], row["street_uuid"]) for row in rows)
        self.size += len(streets) - before

    def forget(self, entity: str, uuids: list[str]) -> None:
        streets = self.by_entity.get(entity, {})
        for uuid in uuids:
            if uuid in streets:
                del streets[uuid]
                self.size -= 1


def _nothing_of(conn: Connection, entity: str) -> bool:
    """True when the hub has no row and no version of an entity."""
    table = SYNCED_TABLES[entity].__table__
    return (
        conn.execute(select(table.c.uuid).limit(1)).first() is None
        and conn.execute(select(HubRev.uuid).where(HubRev.entity == entity).limit(1)).first()
        is None
    )


def _known(
    conn: Connection, entity: str, uuids: list[str]
) -> tuple[dict[str, Any], dict[str, dict[str, bool]], dict[tuple[str, str], Meta]]:
    """The live rows of some uuids, their versions (rev → head) and each version's metadata."""
    table = SYNCED_TABLES[entity].__table__
    live = {
        r["uuid"]: r for r in conn.execute(select(table).where(table.c.uuid.in_(uuids))).mappings()
    }
    stored: dict[str, dict[str, bool]] = {}
    metas: dict[tuple[str, str], Meta] = {}
    for r in conn.execute(
        select(
            HubRev.uuid,
            HubRev.rev,
            HubRev.head,
            HubRev.updated_at,
            HubRev.updated_by,
            HubRev.device_id,
            HubRev.origin,
        ).where(HubRev.entity == entity, HubRev.uuid.in_(uuids))
    ):
        stored.setdefault(r.uuid, {})[r.rev] = bool(r.head)
        metas[r.uuid, r.rev] = (r.updated_at, r.updated_by, r.device_id or "", r.origin)
    return live, stored, metas


def _apply_batch(
    conn: Connection,
    entity: str,
    part: list[tuple[dict[str, Any], dict[str, Any]]],
    device_id: str,
    fresh: bool,
    late: dict[str, list[str]],
    places: _Places,
) -> tuple[int, int, int]:
    table = SYNCED_TABLES[entity].__table__
    uuids = [row["uuid"] for _record, row in part]
    live, stored, metas = ({}, {}, {}) if fresh else _known(conn, entity, uuids)
    batch = _Batch()
    restamp: list[dict[str, Any]] = []
    skipped = 0
    for record, row in part:
        uuid = row["uuid"]
        current = live.get(uuid)
        revs = stored.get(uuid, {})
        if current is None and not revs:  # a row the hub never saw: no merge to make
            # Its version is the live row, books and all: hub_rev takes it when it is
            # superseded (the version written once, not twice).
            row["device_id"], row["origin"] = device_id, record["origin"]
            batch.inserts.append(row)
        elif current is not None and any(revs.values()):
            batch.slow.append((record, row))  # a row in conflict: the merge is recomputed
        elif current is not None and (row["rev"] == current["rev"] or row["rev"] in revs):
            skipped += 1
            meta = metas.get((uuid, row["rev"]))
            if meta is None and row["rev"] == current["rev"] and current["device_id"]:
                meta = _live_meta(current)  # the live row is a device's version
            if meta is not None:
                want = combine_meta(
                    meta, (row["updated_at"], row["updated_by"], device_id, record["origin"])
                )
                if want != meta:
                    restamp.append(
                        {
                            "b_uuid": uuid,
                            "b_rev": row["rev"],
                            "b_at": want[0],
                            "b_by": want[1],
                            "b_device": want[2],
                            "b_origin": want[3],
                        }
                    )
        elif (
            current is not None
            and not any(revs.values())
            and current["rev"] in (row["base_rev"], record["origin"])
        ):
            if current["rev"] not in revs:  # the version the live row held is superseded
                batch.saved.append(live_version_row(entity, current))
            row["device_id"], row["origin"] = device_id, record["origin"]
            batch.updates.append(row)
        else:
            batch.slow.append((record, row))
    first = (
        reserve_changes(conn, len(batch.inserts) + len(batch.updates))
        if batch.inserts or batch.updates
        else 0
    )
    written = [*batch.inserts, *batch.updates]
    for i, row in enumerate(written):
        row["change"] = first + i
    bound = entity in STREET_BOUND
    if bound:
        # Written with their street (its parent's, read by uuid) rather than every loaded row
        # rewritten afterwards: on PostgreSQL that rewrite cost more than the load itself.
        streets = streets_for(conn, entity, written, places.by_entity)
        for row, street in zip(written, streets, strict=True):
            row["street_uuid"] = street
            if street is None:  # its place not here yet (a member before its grid), or none
                late.setdefault(entity, []).append(row["uuid"])
        places.add(entity, written)
    insert_rows(conn, HubRev.__table__, batch.saved)
    # Updates first: a row deleted in this batch frees its natural key (one live census record
    # per enterprise and year) before a new row of the batch takes it.
    if batch.updates:
        cols = ["rev", "base_rev", "change", "updated_at", "updated_by", "deleted"]
        cols += ["device_id", "origin", *data_columns(entity)] + (["street_uuid"] if bound else [])
        stmt = (
            update(table)
            .where(table.c.uuid == bindparam("b_uuid"))
            .values({c: bindparam(c) for c in cols})
        )
        conn.execute(
            stmt, [{**{c: row[c] for c in cols}, "b_uuid": row["uuid"]} for row in batch.updates]
        )
    insert_rows(conn, table, batch.inserts)
    if restamp:
        for target, rev_col in ((HubRev.__table__, HubRev.__table__.c.rev), (table, table.c.rev)):
            stmt = update(target).where(
                target.c.uuid == bindparam("b_uuid"), rev_col == bindparam("b_rev")
            )
            if target is HubRev.__table__:
                stmt = stmt.where(target.c.entity == entity)
            values = {
                "updated_at": bindparam("b_at"),
                "updated_by": bindparam("b_by"),
                "origin": bindparam("b_origin"),
                "device_id": bindparam("b_device"),
            }
            conn.execute(stmt.values(**values), restamp)
    applied = len(batch.inserts) + len(batch.updates)
    conflicts = 0
    for record, row in batch.slow:
        outcome = _resolve_row(
            conn, entity, _version_from_record(record, row, device_id), row["uuid"]
        )
        if outcome == "skipped":
            skipped += 1
        else:
            applied += 1
            if outcome == "conflict":
                conflicts += 1
    if bound and batch.slow:  # merged rows: their street now, for the children that follow,
        merged = [row["uuid"] for _record, row in batch.slow]
        places.forget(entity, merged)
        fill_streets_of(conn, entity, merged)
        late.setdefault(entity, []).extend(merged)  # and again once all places are in
    return applied, skipped, conflicts


def _live_meta(live: Any) -> Meta:
    """The metadata of the live row's own version (its hub books: device and origin)."""
    return (live["updated_at"], live["updated_by"], live["device_id"] or "", live["origin"])


def combine_meta(a: Meta, b: Meta) -> Meta:
    """The same edit (one rev) from two laptops: the earliest stamp and the known origin win.

    Metadata is (updated_at, updated_by, device_id, origin); the result does not depend on
    which bundle came first.
    """
    at, by, device = min(a[:3], b[:3])
    origins = [o for o in (a[3], b[3]) if o]
    return at, by, device, min(origins) if origins else None


def _resolve_row(conn: Connection, entity: str, incoming: Version, uuid: str) -> str:
    """The slow path for one row: keep every version, recompute heads, merge; returns the outcome."""
    table = SYNCED_TABLES[entity].__table__
    live = conn.execute(select(table).where(table.c.uuid == uuid)).mappings().first()
    rows = conn.execute(select(HubRev).where(HubRev.entity == entity, HubRev.uuid == uuid)).all()
    known: dict[str, Version] = {
        r.rev: Version(
            r.rev, r.base_rev, r.origin, r.deleted, r.data, r.updated_at, r.updated_by, r.device_id
        )
        for r in rows
    }
    old_heads = [r.rev for r in rows if r.head]
    live_version = _version_from_live(entity, live) if live is not None else None
    # The versions only the live row holds (a device's, books and all), and the incoming one
    # when new: written to hub_rev below unless they are (or stay) the live row's version.
    unstored: set[str] = set()
    if live_version is not None and not old_heads:
        old_heads = [live_version.rev]
        if live_version.rev not in known:  # the live row is a single head
            known[live_version.rev] = live_version
            unstored.add(live_version.rev)
    news = False
    if incoming.rev not in known:
        known[incoming.rev] = incoming
        unstored.add(incoming.rev)
        news = True
    else:
        seen = known[incoming.rev]
        meta = (seen.updated_at, seen.updated_by, seen.device_id or "", seen.origin)
        want = combine_meta(
            meta,
            (incoming.updated_at, incoming.updated_by, incoming.device_id or "", incoming.origin),
        )
        if want != meta:
            known[incoming.rev] = replace(
                seen, updated_at=want[0], updated_by=want[1], device_id=want[2], origin=want[3]
            )
            conn.execute(
                update(HubRev)
                .where(HubRev.entity == entity, HubRev.uuid == uuid, HubRev.rev == incoming.rev)
                .values(updated_at=want[0], updated_by=want[1], device_id=want[2], origin=want[3])
            )
            incoming = known[incoming.rev]
            news = True
    heads = heads_of([*old_heads, incoming.rev], known)
    # The live row's version after this: the single head (none when heads are merged).
    unchanged = sorted(heads) == sorted(old_heads) and not (news and len(heads) > 1)
    stays = heads[0] if len(heads) == 1 else None
    if unchanged and live is not None:
        stays = live["rev"]
    keep = [known[rev] for rev in sorted(unstored) if rev != stays]
    if keep:
        conn.execute(insert(HubRev.__table__), [_rev_row(entity, uuid, v) for v in keep])
    if unchanged:
        if news and live is not None and live["rev"] == incoming.rev:
            conn.execute(
                update(table)
                .where(table.c.uuid == uuid)
                .values(
                    updated_at=incoming.updated_at,
                    updated_by=incoming.updated_by,
                    device_id=incoming.device_id,
                    origin=incoming.origin,
                )
            )
        return "skipped"
    conn.execute(
        update(HubRev).where(HubRev.entity == entity, HubRev.uuid == uuid).values(head=False)
    )
    conn.execute(
        delete(HubConflict).where(
            HubConflict.entity == entity, HubConflict.uuid == uuid, HubConflict.status == "open"
        )
    )
    if len(heads) == 1:
        v = known[heads[0]]
        values = {
            **db_values(entity, v.data),
            "rev": v.rev,
            "base_rev": v.base_rev,
            "updated_at": v.updated_at,
            "updated_by": v.updated_by,
            "deleted": v.deleted,
            "device_id": v.device_id,
            "origin": v.origin,
        }
        outcome = "applied"
    else:
        conn.execute(
            update(HubRev)
            .where(HubRev.entity == entity, HubRev.uuid == uuid, HubRev.rev.in_(heads))
            .values(head=True)
        )
        base_rev = merge_base(heads, known)
        merged = merge(
            [known[h] for h in heads],
            known.get(base_rev) if base_rev else None,
            data_columns(entity),
        )
        values = {
            **db_values(entity, merged.data),
            "rev": merged.rev,
            "base_rev": merged.base_rev,
            "updated_at": merged.updated_at,
            "updated_by": merged.updated_by,
            "deleted": merged.deleted,
            "device_id": None,  # the hub's merge
            "origin": None,
        }
        now = clock.now()
        if merged.conflicts:
            conn.execute(
                insert(HubConflict.__table__),
                [
                    {
                        "entity": entity,
                        "uuid": uuid,
                        "field": c["field"],
                        "base_rev": c["base_rev"],
                        "chosen_rev": c["chosen_rev"],
                        "candidates": c["candidates"],
                        "status": "open",
                        "created_at": now,
                    }
                    for c in merged.conflicts
                ],
            )
        outcome = "conflict" if merged.conflicts else "applied"
    values["change"] = reserve_changes(conn, 1)
    if live is None:
        conn.execute(insert(table).values(uuid=uuid, **values))
    else:
        conn.execute(update(table).where(table.c.uuid == uuid).values(**values))
    return outcome
