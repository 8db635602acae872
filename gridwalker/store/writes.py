"""The write path: every write to a synced row goes through `Writer`.

In the same transaction as the write it advances the device change counter, computes the
row's new rev (base rev + canonical data), stamps who and when, appends to the audit trail
and refreshes the search index. Reads never touch any of this.
"""

from __future__ import annotations

import uuid as uuid_mod
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from gridwalker.domain import clock, fields
from gridwalker.domain.validators import Invalid
from gridwalker.store import search
from gridwalker.store.bulk import insert_rows
from gridwalker.store.revs import json_value, next_rev
from gridwalker.store.streets import STREET_BOUND, fill_streets, streets_for
from gridwalker.store.tables import SYNCED_TABLES, Audit, Device, data_columns
from gridwalker.store.tables.hub import HubRev


class WriteError(ValueError):
    """A write that cannot be made (unknown row, deleted row, unknown column)."""


class StaleWrite(WriteError):
    """The row is no longer at the rev the edit started from: someone else changed (or
    deleted) it meanwhile, and writing now would silently overwrite that. Nothing is written.

    `expected` is the rev the edit started from, `rev` the row's rev now, `current` its data
    now and `deleted` whether it is a tombstone now.
    """

    def __init__(
        self,
        entity: str,
        uuid: str,
        expected: str,
        rev: str,
        current: dict[str, Any],
        *,
        deleted: bool = False,
    ) -> None:
        what = "deleted" if deleted else "changed"
        super().__init__(
            f"{entity} {uuid} was {what} elsewhere (rev {rev}, this edit started from {expected})"
        )
        self.entity = entity
        self.uuid = uuid
        self.expected = expected
        self.rev = rev
        self.current = current
        self.deleted = deleted

    @property
    def invalid(self) -> Invalid:
        """What to tell the user, in zh and en."""
        if self.deleted:
            return Invalid(
                "write.stale.deleted",
                "这条记录在你编辑期间已被删除，未保存",
                "Not saved: this record was deleted elsewhere while you were editing it",
            )
        return Invalid(
            "write.stale",
            "这条记录在你编辑期间已被其他窗口或命令修改，未保存（以免覆盖对方的修改）",
            "Not saved: this record was changed elsewhere (another window or a command) "
            "while you were editing it, and saving would overwrite that change",
        )


def new_uuid() -> str:
    """A new global row id."""
    return str(uuid_mod.uuid4())


# The namespace of the ids that several databases must agree on without talking to each other.
STABLE_NAMESPACE = uuid_mod.UUID("6f1c1a52-31f4-4b8e-9a57-6c2b0e1e7a10")


def stable_uuid(kind: str, *parts: str) -> str:
    """The id a place or a member gets wherever it is first made, from what names it.

    A grid is named by its code, a street by its name, a community by its street and name, a
    member by their name: a laptop set up from a typed grid and the hub that later provisions
    that grid make the same row, not two.
    """
    key = "/".join([kind, *(p.strip().upper() if kind == "grid" else p.strip() for p in parts)])
    return str(uuid_mod.uuid5(STABLE_NAMESPACE, key))


def stamp() -> datetime:
    """The clock's now, to the second (timezone-aware; stored as UTC)."""
    return clock.now().replace(microsecond=0)


_DEFAULTS: dict[str, dict[str, Any]] = {}


def _defaults(entity: str) -> dict[str, Any]:
    """Column defaults of an entity's data fields (factories are called per row)."""
    if entity not in _DEFAULTS:
        fields = SYNCED_TABLES[entity].model_fields
        _DEFAULTS[entity] = {name: fields[name] for name in data_columns(entity)}
    return _DEFAULTS[entity]


def complete_data(entity: str, data: dict[str, Any]) -> dict[str, Any]:
    """Fill in defaults so a row's data is complete (the rev hashes complete data)."""
    unknown = set(data) - set(_defaults(entity))
    if unknown:
        raise WriteError(f"{entity}: unknown field(s) {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    for name, field in _defaults(entity).items():
        if name in data:
            out[name] = data[name]
        else:
            out[name] = field.get_default(call_default_factory=True)
    check_fields(entity, out)
    return out


def check_fields(entity: str, data: dict[str, Any]) -> None:
    """Refuse a value the domain does not allow (`domain.fields`: the rules the hub's intake
    applies to every record), so nothing written here makes a bundle the hub refuses."""
    for name, value in data.items():
        bad = fields.check_value(entity, name, value)
        if bad is not None:
            raise WriteError(f"{entity}: {bad.zh} / {bad.en}")


def reserve_changes(conn: Connection, n: int) -> int:
    """Advance the device change counter by n; returns the first of the n new values."""
    result = conn.execute(
        update(Device)
        .where(Device.id == 1)
        .values(change_counter=Device.change_counter + n)
        .returning(Device.change_counter)
    ).scalar_one()
    return result - n + 1


def live_version_row(entity: str, live: Any) -> dict[str, Any]:
    """The `hub_rev` row of the version a live row holds, with its books (device, origin):
    what is kept when that version is superseded."""
    return {
        "entity": entity,
        "uuid": live["uuid"],
        "rev": live["rev"],
        "base_rev": live["base_rev"],
        "origin": live["origin"],
        "deleted": bool(live["deleted"]),
        "data": {c: json_value(live[c]) for c in data_columns(entity)},
        "updated_at": live["updated_at"],
        "updated_by": live["updated_by"],
        "device_id": live["device_id"],
        "head": False,
    }


class Writer:
    """Writes synced rows for one actor inside the caller's transaction."""

    def __init__(self, conn: Connection, actor: str, *, index: bool = True) -> None:
        self.conn = conn
        self.actor = actor
        self.index = index

    # -- inserts ----------------------------------------------------------------------------

    def insert(self, entity: str, data: dict[str, Any], uuid: str | None = None) -> str:
        """Insert one row; returns its uuid."""
        return self.insert_many(entity, [data], [uuid] if uuid else None)[0]

    def insert_many(
        self,
        entity: str,
        rows: Sequence[dict[str, Any]],
        uuids: Sequence[str] | None = None,
    ) -> list[str]:
        """Insert rows in one executemany (the bulk path: no ORM objects, see store.bulk)."""
        if not rows:
            return []
        table = SYNCED_TABLES[entity].__table__
        fulls = [complete_data(entity, data) for data in rows]  # refuse bad rows before any write
        first = reserve_changes(self.conn, len(rows))
        now = stamp()
        ids = list(uuids) if uuids else [new_uuid() for _ in rows]
        values = []
        audits = []
        for i, (row_id, data, full) in enumerate(zip(ids, rows, fulls, strict=True)):
            rev = next_rev(None, full)
            values.append(
                {
                    **full,
                    "uuid": row_id,
                    "rev": rev,
                    "base_rev": None,
                    "change": first + i,
                    "updated_at": now,
                    "updated_by": self.actor,
                    "deleted": False,
                }
            )
            audits.append(self._audit(now, entity, row_id, "insert", rev, sorted(data)))
        if entity in STREET_BOUND:
            for value, street in zip(values, streets_for(self.conn, entity, fulls), strict=True):
                value["street_uuid"] = street
        insert_rows(self.conn, table, values)
        insert_rows(self.conn, Audit.__table__, audits)
        self._reindex(entity, ids)
        return ids

    # -- updates and deletes ----------------------------------------------------------------

    def current(self, entity: str, uuid: str, expect_rev: str | None = None) -> dict[str, Any]:
        """A live row's data and rev; WriteError when it is missing or deleted, StaleWrite
        when `expect_rev` is given and the row is no longer at that rev."""
        table = SYNCED_TABLES[entity].__table__
        row = self.conn.execute(select(table).where(table.c.uuid == uuid)).mappings().first()
        if row is None:
            raise WriteError(f"{entity} {uuid} does not exist")
        if expect_rev is not None and row["rev"] != expect_rev:
            data = {c: row[c] for c in data_columns(entity)}
            raise StaleWrite(entity, uuid, expect_rev, row["rev"], data, deleted=row["deleted"])
        if row["deleted"]:
            raise WriteError(f"{entity} {uuid} was deleted")
        return dict(row)

    def update(
        self,
        entity: str,
        uuid: str,
        changes: dict[str, Any],
        *,
        expect_rev: str | None = None,
    ) -> str | None:
        """Change some fields of a row; returns the new rev, or None when nothing changed.

        `expect_rev` is the rev the edit started from (the one a form loaded): when the row
        has moved on since, StaleWrite and nothing is written, even when the changes would
        make no difference now.
        """
        row = self.current(entity, uuid, expect_rev)
        cols = data_columns(entity)
        unknown = set(changes) - set(cols)
        if unknown:
            raise WriteError(f"{entity}: unknown field(s) {', '.join(sorted(unknown))}")
        changed = sorted(k for k, v in changes.items() if row[k] != v)
        if not changed:
            return None
        data = {c: changes.get(c, row[c]) for c in cols}
        check_fields(entity, {name: data[name] for name in changed})
        self._keep_device_version(entity, row)
        return self._write_rev(entity, uuid, row["rev"], data, changed, deleted=False)

    def delete(self, entity: str, uuid: str, *, expect_rev: str | None = None) -> str:
        """Tombstone a row (never a silent delete): it stays, flagged, with a new rev.

        `expect_rev`: as for `update`, StaleWrite when the row has moved on since."""
        row = self.current(entity, uuid, expect_rev)
        data = {c: row[c] for c in data_columns(entity)}
        self._keep_device_version(entity, row)
        return self._write_rev(entity, uuid, row["rev"], data, [], deleted=True)

    def _write_rev(
        self,
        entity: str,
        uuid: str,
        base_rev: str,
        data: dict[str, Any],
        changed: list[str],
        *,
        deleted: bool,
    ) -> str:
        table = SYNCED_TABLES[entity].__table__
        now = stamp()
        rev = next_rev(base_rev, data, deleted=deleted)
        change = reserve_changes(self.conn, 1)
        # Only over the rev just read: another process writing the row in between (SQLite
        # reads outside the write transaction) makes this match nothing instead of
        # overwriting it; the caller's transaction then rolls back the counter.
        written = self.conn.execute(
            update(table)
            .where(table.c.uuid == uuid, table.c.rev == base_rev)
            .values(
                **{k: data[k] for k in changed},
                rev=rev,
                base_rev=base_rev,
                change=change,
                updated_at=now,
                updated_by=self.actor,
                deleted=deleted,
                device_id=None,  # a version written here, not a device's (the hub's books)
                origin=None,
            )
        )
        if written.rowcount != 1:
            now_row = self.conn.execute(select(table).where(table.c.uuid == uuid)).mappings().one()
            current = {c: now_row[c] for c in data_columns(entity)}
            raise StaleWrite(
                entity, uuid, base_rev, now_row["rev"], current, deleted=now_row["deleted"]
            )
        if entity in STREET_BOUND:  # its place may have changed
            fill_streets(self.conn, change - 1, [entity])
        op = "delete" if deleted else "update"
        self.conn.execute(
            insert(Audit.__table__), [self._audit(now, entity, uuid, op, rev, changed)]
        )
        self._reindex(entity, [uuid])
        return rev

    # -- helpers ----------------------------------------------------------------------------

    def _keep_device_version(self, entity: str, row: dict[str, Any]) -> None:
        """Before a hub write supersedes a device's version that only the live row holds
        (sync.hub.apply writes a new row's version once), keep it in hub_rev: the merge
        rule and the record's history need it. Nothing on a laptop (no device books)."""
        if not row.get("device_id"):
            return
        kept = self.conn.execute(
            select(HubRev.rev).where(
                HubRev.entity == entity, HubRev.uuid == row["uuid"], HubRev.rev == row["rev"]
            )
        ).first()
        if kept is None:
            self.conn.execute(insert(HubRev.__table__), [live_version_row(entity, row)])

    def _audit(
        self, now: datetime, entity: str, uuid: str, op: str, rev: str, fields: Iterable[str]
    ) -> dict[str, Any]:
        return {
            "at": now,
            "actor": self.actor,
            "entity": entity,
            "uuid": uuid,
            "op": op,
            "rev": rev,
            "fields": list(fields),
        }

    def _reindex(self, entity: str, uuids: list[str]) -> None:
        if self.index and entity in search.INDEXED:
            search.index_rows(self.conn, entity, uuids)
