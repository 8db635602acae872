"""The hub: enrolled device keys and the import of bundles (BUNDLE.md, Import).

Every check is made before anything is written; then the bundle is applied in one transaction
together with its ledger row. A bundle whose predecessor has not arrived is held in the backlog
(a copy in the hub's backlog folder) and applied as soon as it has, or when a supervisor
forces it (sync.backlog); the missing one then still applies when it comes, checked against
the hash chain on both sides.
A refused bundle is moved to the quarantine folder beside a reason file. One importer runs at a
time (a lock file in the data folder).

The hub keeps no search index of what it imports: the review desk finds records through its
filters, not a search box, and each laptop indexes the rows it receives itself. (Indexing a
street's bundle cost about a quarter of the import.) A hub that gains a search box builds
the index once with `store.search.rebuild` and keeps it from then on.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, delete, func, insert, select, update

from gridwalker.config import Paths
from gridwalker.domain import clock
from gridwalker.store.bulk import insert_rows
from gridwalker.store.engine import bulk_cache
from gridwalker.store.tables import SYNCED_TABLES, data_columns
from gridwalker.store.tables.hub import (
    HubBacklog,
    HubConflict,
    HubDevice,
    HubLedger,
    HubQuarantine,
    HubRev,
)
from gridwalker.store.writes import reserve_changes
from gridwalker.sync import bundle as fmt
from gridwalker.sync.hub.merge import Version, heads_of, merge, merge_base
from gridwalker.sync.keys import KeyProblem, load_hub_identity, load_identity, read_public_key
from gridwalker.sync.records import check_record, db_values, json_encoder
from gridwalker.sync.synclog import log_line

LOCK_NAME = "hub-import.lock"
BATCH = 5000
Progress = Callable[[str, int, int], None]
Meta = tuple[Any, str, str, str | None]  # updated_at, updated_by, device_id, origin


class HubLocked(Exception):
    """Another import holds the hub."""


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


# --- folders, lock -------------------------------------------------------------------------


def quarantine_dir(home: Paths) -> Path:
    """Refused bundles and their reason files."""
    return home.data / "quarantine"


def backlog_dir(home: Paths) -> Path:
    """Copies of bundles held for a gap."""
    return home.data / "hub-backlog"


@contextmanager
def hub_lock(home: Paths) -> Iterator[None]:
    """Hold the hub's import lock (released when the process ends, even by a crash)."""
    home.data.mkdir(parents=True, exist_ok=True)
    path = home.data / LOCK_NAME
    handle = open(path, "a+")  # noqa: SIM115 - held for the duration of the block
    try:
        if sys.platform == "win32":
            import msvcrt

            try:
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            except OSError:
                raise HubLocked(_locked_message(path)) from None
        else:
            import fcntl

            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise HubLocked(_locked_message(path)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def _locked_message(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        pid = "?"
    return (
        f"另一个导入正在进行 / another import is running (pid {pid}); "
        f"wait for it to finish ({path})"
    )


def bundle_files(paths: list[Path] | list[str]) -> list[Path]:
    """Files to import: given files as they are, folders scanned for finished bundles (sorted)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and fmt.is_bundle_name(p.name))
        else:
            found.append(path)
    return found


# --- devices --------------------------------------------------------------------------------


def enroll(engine: Engine, pubkey_file: Path, member: str, recipient: str | None = None) -> str:
    """Trust a laptop's device key (a minisign public key file) for a member; returns its key id."""
    key_id, line = read_public_key(pubkey_file)
    if not member.strip():
        raise KeyProblem("网格员姓名不能为空 / the member's name must not be empty")
    now = clock.now()
    with engine.begin() as conn:
        found = conn.execute(select(HubDevice.key_id).where(HubDevice.key_id == key_id)).first()
        values = {"member": member.strip(), "public_key": line, "recipient": recipient}
        if found:
            conn.execute(update(HubDevice).where(HubDevice.key_id == key_id).values(**values))
        else:
            conn.execute(insert(HubDevice).values(key_id=key_id, enrolled_at=now, **values))
    return key_id


def revoke(engine: Engine, key_id: str) -> bool:
    """Revoke a device key: its bundles are refused from now on. False when not enrolled."""
    with engine.begin() as conn:
        done = conn.execute(
            update(HubDevice)
            .where(HubDevice.key_id == key_id.upper())
            .values(revoked_at=clock.now())
        )
        return done.rowcount > 0


def key_lookup(conn: Connection) -> fmt.KeyLookup:
    """A lookup of enrolled keys (BundleRefused not-enrolled for an unknown key id)."""

    def lookup(key_id: str) -> fmt.SigningKey:
        row = conn.execute(select(HubDevice).where(HubDevice.key_id == key_id)).first()
        if row is None:
            raise fmt.BundleRefused(
                "not-enrolled",
                f"key {key_id}; enroll it: gridwalker hub enroll device.pub --member NAME",
            )
        return fmt.SigningKey(key_id, row.public_key, row.member, row.revoked_at is not None)

    return lookup


# --- import ---------------------------------------------------------------------------------


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
            ledger = conn.execute(
                select(
                    HubLedger.seq,
                    HubLedger.manifest_sha256,
                    HubLedger.prev_manifest_sha256,
                    HubLedger.key_id,
                    HubLedger.kind,
                ).where(HubLedger.device_id == opened.device_id)
            ).all()
            held = conn.execute(
                select(HubBacklog.id, HubBacklog.manifest_sha256).where(
                    HubBacklog.device_id == opened.device_id, HubBacklog.seq == opened.seq
                )
            ).first()
        by_seq = {row.seq: row for row in ledger}
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
        other_keys = {row.key_id for row in ledger} - {key.key_id}
        if other_keys:
            raise opened.refuse(
                "device-key", f"device {opened.device_id} signs with key {sorted(other_keys)[0]}"
            )
        files = fmt.check_files(opened)
        outcome.records = fmt.check_records(opened, files, keep=True)
        full = opened.manifest["kind"] == "full"
        kinds = {row.seq: row.kind for row in ledger}
        covering = _covered_by(opened.seq, kinds)
        if covering:
            outcome.status = "already"
            outcome.message = f"covered by a later full bundle (seq {covering})"
            _leave_backlog(engine, backlog_row, path)
            return outcome
        prev = by_seq.get(opened.seq - 1)
        if not full and forced_by is None and not _turn_has_come(opened.seq, kinds):
            if backlog_row is None:
                _hold(engine, home, opened)
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
                conn.execute(
                    insert(HubLedger).values(
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
                )
                if backlog_row is not None:
                    conn.execute(delete(HubBacklog).where(HubBacklog.id == backlog_row))
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
        outcome.quarantined = _quarantine(engine, home, path, refused, outcome)
        if backlog_row is not None:
            with engine.begin() as conn:
                conn.execute(delete(HubBacklog).where(HubBacklog.id == backlog_row))
        return outcome
    finally:
        log_line(
            home,
            f"import file={path.name} status={outcome.status} reason={outcome.reason or '-'} "
            f"device={outcome.device_id or '-'} seq={outcome.seq} records={outcome.records} "
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
        conn.execute(delete(HubBacklog).where(HubBacklog.id == backlog_row))
    path.unlink(missing_ok=True)


def _hold(engine: Engine, home: Paths, opened: fmt.OpenedBundle) -> None:
    folder = backlog_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / opened.path.name
    if target.resolve() != opened.path.resolve():
        shutil.copyfile(opened.path, target)
    with engine.begin() as conn:
        conn.execute(
            insert(HubBacklog).values(
                device_id=opened.device_id,
                seq=opened.seq,
                manifest_sha256=opened.manifest_sha256,
                path=str(target),
                received_at=clock.now(),
            )
        )


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
            kinds = dict(
                conn.execute(
                    select(HubLedger.seq, HubLedger.kind).where(HubLedger.device_id == device_id)
                ).all()
            )
            held = conn.execute(
                select(HubBacklog.id, HubBacklog.seq, HubBacklog.path)
                .where(HubBacklog.device_id == device_id)
                .order_by(HubBacklog.seq)
            ).all()
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


def _quarantine(
    engine: Engine, home: Paths, path: Path, refused: fmt.BundleRefused, outcome: ImportOutcome
) -> Path | None:
    """Move a refused file to the quarantine folder with a reason file; log it in hub_quarantine."""
    folder = quarantine_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    now = clock.now()
    target = folder / path.name
    n = 1
    while target.exists() or target.with_name(target.name + ".reason.txt").exists():
        n += 1
        target = folder / f"{path.name}.{n}"
    moved: Path | None = target
    try:
        shutil.move(str(path), target)
    except OSError:
        moved = None  # a read-only source: the reason file still says what was wrong
    reason_file = target.with_name(target.name + ".reason.txt")
    reason_file.write_text(
        f"文件 / file: {path}\n"
        f"时间 / when: {now.isoformat(timespec='seconds')}\n"
        f"原因 / reason: {refused.reason}\n"
        f"{refused.message}\n"
        + (f"设备 / device: {outcome.device_id} seq {outcome.seq}\n" if outcome.device_id else ""),
        encoding="utf-8",
    )
    with engine.begin() as conn:
        conn.execute(
            insert(HubQuarantine).values(
                at=now,
                file=path.name,
                path=str(moved or path),
                reason=refused.reason,
                message=refused.message[:2000],
                device_id=outcome.device_id or None,
                seq=outcome.seq or None,
            )
        )
    return moved


# --- applying -------------------------------------------------------------------------------


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
        origin=None,
        deleted=bool(live["deleted"]),
        data=data,
        updated_at=live["updated_at"],
        updated_by=live["updated_by"],
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
    files: dict[str, bytes],
    progress: Progress | None = None,
) -> tuple[int, int, int]:
    """Apply a checked bundle's records inside the caller's transaction: (applied, skipped, conflicts)."""
    applied = skipped = conflicts = 0
    low, high = opened.manifest["from_change"], opened.manifest["to_change"]
    total = sum(opened.manifest["counts"].values())
    done = 0
    for entity in SYNCED_TABLES:
        if entity not in files:
            continue
        records = opened.parsed.pop(entity, None)
        if records is None:  # not kept by check_records: parse again
            records = [
                (record, check_record(entity, record, low, high))
                for _number, record in fmt.iter_records(entity, files[entity])
            ]
        # Nothing of this entity at the hub yet (a new hub's first bundles): no row to look up.
        # A bundle holds each uuid once (check_records), so this stays true through it.
        fresh = _nothing_of(conn, entity)
        for start in range(0, len(records), BATCH):
            part = records[start : start + BATCH]
            a, s, c = _apply_batch(conn, entity, part, opened.device_id, fresh)
            applied, skipped, conflicts = applied + a, skipped + s, conflicts + c
            done += len(part)
            if progress:
                progress(entity, done, total)
    return applied, skipped, conflicts


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
    fresh: bool = False,
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
            batch.inserts.append(row)
            batch.saved.append(
                {
                    "entity": entity,
                    "uuid": uuid,
                    "rev": row["rev"],
                    "base_rev": row["base_rev"],
                    "origin": record["origin"],
                    "deleted": row["deleted"],
                    "data": record["data"],
                    "updated_at": row["updated_at"],
                    "updated_by": row["updated_by"],
                    "device_id": device_id,
                    "head": False,
                }
            )
        elif current is not None and any(revs.values()):
            batch.slow.append((record, row))  # a row in conflict: the merge is recomputed
        elif current is not None and (row["rev"] == current["rev"] or row["rev"] in revs):
            skipped += 1
            meta = metas.get((uuid, row["rev"]))
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
            if current["rev"] not in revs:  # a row the hub had before any bundle
                batch.saved.append(_rev_row(entity, uuid, _version_from_live(entity, current)))
            batch.saved.append(_rev_row(entity, uuid, _version_from_record(record, row, device_id)))
            batch.updates.append(row)
        else:
            batch.slow.append((record, row))
    first = (
        reserve_changes(conn, len(batch.inserts) + len(batch.updates))
        if batch.inserts or batch.updates
        else 0
    )
    for i, row in enumerate([*batch.inserts, *batch.updates]):
        row["change"] = first + i
    insert_rows(conn, HubRev.__table__, batch.saved)
    insert_rows(conn, table, batch.inserts)
    if batch.updates:
        cols = [c.name for c in table.columns if c.name != "uuid"]
        stmt = (
            update(table)
            .where(table.c.uuid == bindparam("b_uuid"))
            .values({c: bindparam(c) for c in cols})
        )
        conn.execute(
            stmt, [{**{c: row[c] for c in cols}, "b_uuid": row["uuid"]} for row in batch.updates]
        )
    if restamp:
        for target, rev_col in ((HubRev.__table__, HubRev.__table__.c.rev), (table, table.c.rev)):
            stmt = update(target).where(
                target.c.uuid == bindparam("b_uuid"), rev_col == bindparam("b_rev")
            )
            if target is HubRev.__table__:
                stmt = stmt.where(target.c.entity == entity)
            values = {"updated_at": bindparam("b_at"), "updated_by": bindparam("b_by")}
            if target is HubRev.__table__:
                values["origin"] = bindparam("b_origin")
                values["device_id"] = bindparam("b_device")
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
    return applied, skipped, conflicts


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
    if live_version is not None and not old_heads:
        old_heads = [live_version.rev]
        if live_version.rev not in known:  # the live row is a single head: keep it as a version
            known[live_version.rev] = live_version
            conn.execute(insert(HubRev.__table__), [_rev_row(entity, uuid, live_version)])
    news = False
    if incoming.rev not in known:
        known[incoming.rev] = incoming
        conn.execute(insert(HubRev.__table__), [_rev_row(entity, uuid, incoming)])
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
    if sorted(heads) == sorted(old_heads) and not (news and len(heads) > 1):
        if news and live is not None and live["rev"] == incoming.rev:
            conn.execute(
                update(table)
                .where(table.c.uuid == uuid)
                .values(updated_at=incoming.updated_at, updated_by=incoming.updated_by)
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


def hub_state(conn: Connection) -> dict[str, Any]:
    """Counts of the hub's books (for summaries and tests)."""
    out: dict[str, Any] = {}
    for name, model in (
        ("ledger", HubLedger),
        ("backlog", HubBacklog),
        ("quarantined", HubQuarantine),
        ("versions", HubRev),
        ("devices", HubDevice),
    ):
        out[name] = conn.execute(select(func.count()).select_from(model)).scalar_one()
    out["open_conflicts"] = conn.execute(
        select(func.count()).select_from(HubConflict).where(and_(HubConflict.status == "open"))
    ).scalar_one()
    return out
