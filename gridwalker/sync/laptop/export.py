"""Export (laptop): everything changed since the last bundle into the next signed, encrypted bundle.

The bundle is written as a hidden `.partial` file in the target folder, fsynced and renamed;
the device's exported counter only advances once the final name exists. A pending row in
`sync_export` (written before the rename) lets the next run finish a bundle whose rename
happened just before a crash, or forget one that never got its name: seq never has a gap
and never names two different bundles.
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

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from gridwalker import __version__
from gridwalker.config import Paths, private_dir, private_opener
from gridwalker.domain import clock
from gridwalker.store.migrate import current_revision
from gridwalker.store.tables import SYNCED_TABLES, Audit, Device
from gridwalker.store.tables.hub import SyncExport
from gridwalker.sync import bundle as fmt
from gridwalker.sync.keys import load_device_key, trusted_hub
from gridwalker.sync.records import columns
from gridwalker.sync.synclog import log_line

Progress = Callable[[str, int, int], None]
BATCH = 2000


class ExportRefused(Exception):
    """An export that cannot be made (no trusted hub, no key): the message says what to run."""


@dataclass
class ExportResult:
    """What an export did (path None: nothing new to export)."""

    path: Path | None
    device_id: str
    seq: int = 0
    kind: str = "delta"
    from_change: int = 0
    to_change: int = 0
    records: int = 0
    bytes: int = 0
    encrypted: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    finished_earlier: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for a person or a log."""
        if self.path is None:
            return f"无新变更，未生成同步包 / nothing new to export (device {self.device_id})"
        counts = ", ".join(f"{k} {v}" for k, v in self.counts.items() if v)
        return (
            f"{self.path}: seq {self.seq} ({self.kind}), changes {self.from_change}–{self.to_change}, "
            f"{self.records:,} records, {self.bytes:,} bytes"
            f"{', encrypted' if self.encrypted else ', NOT encrypted'}: {counts}"
        )

    def as_json(self) -> dict[str, Any]:
        """The result as one JSON object (for --json)."""
        return {
            "exported": self.path is not None,
            "path": str(self.path) if self.path else None,
            "device_id": self.device_id,
            "seq": self.seq,
            "kind": self.kind,
            "from_change": self.from_change,
            "to_change": self.to_change,
            "records": self.records,
            "bytes": self.bytes,
            "encrypted": self.encrypted,
            "counts": self.counts,
            "seconds": round(self.seconds, 3),
            "finished_earlier": self.finished_earlier,
        }


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform (Windows); the file itself is fsynced
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _settle_pending(engine: Engine) -> list[str]:
    """Finish pending exports whose file got its final name; forget the others."""
    finished = []
    with engine.begin() as conn:
        pending = conn.execute(
            select(SyncExport).where(SyncExport.status == "pending").order_by(SyncExport.seq)
        ).all()
        exported = conn.execute(select(Device.exported_change).where(Device.id == 1)).scalar_one()
        for row in pending:
            if Path(row.file).exists():
                conn.execute(
                    update(SyncExport).where(SyncExport.seq == row.seq).values(status="done")
                )
                conn.execute(
                    update(Device)
                    .where(Device.id == 1)
                    .values(
                        exported_change=max(exported, row.to_change),
                        last_export_at=row.created_at,
                        last_export_file=row.file,
                    )
                )
                finished.append(row.file)
            else:
                conn.execute(delete(SyncExport).where(SyncExport.seq == row.seq))
    return finished


def _origins(conn: Connection, entity: str, low: int, mark: int) -> dict[str, str]:
    """Per changed row, its rev as of the previous bundle (the last audit entry up to `mark`)."""
    if mark <= 0:
        return {}
    table = SYNCED_TABLES[entity].__table__
    changed = select(table.c.uuid).where(table.c.change >= low)
    last = (
        select(func.max(Audit.id))
        .where(Audit.entity == entity, Audit.id <= mark, Audit.uuid.in_(changed))
        .group_by(Audit.uuid)
    )
    rows = conn.execute(select(Audit.uuid, Audit.rev).where(Audit.id.in_(last)))
    return {uuid: rev for uuid, rev in rows}


def _record_lines(
    conn: Connection, entity: str, low: int, high: int, mark: int
) -> Iterator[list[str]]:
    """Batches of JSON lines, one per changed row (Core select, rows streamed)."""
    table = SYNCED_TABLES[entity].__table__
    names = [c.name for c in table.columns]
    data_names = [c.name for c in columns(entity)]
    dated = {c.name for c in columns(entity) if c.kind in ("date", "datetime")}
    pos = {name: i for i, name in enumerate(names)}
    data_pos = [(n, pos[n], n in dated) for n in data_names]
    i_uuid, i_rev, i_base, i_change = pos["uuid"], pos["rev"], pos["base_rev"], pos["change"]
    i_at, i_by, i_del = pos["updated_at"], pos["updated_by"], pos["deleted"]
    origins = _origins(conn, entity, low, mark)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    stmt = (
        select(table)
        .where(table.c.change >= low, table.c.change <= high)
        .order_by(table.c.change)
        .execution_options(yield_per=BATCH)
    )
    result = conn.execute(stmt)
    for part in result.partitions(BATCH):
        lines = []
        for row in part:
            data = {}
            for name, i, is_dated in data_pos:
                value = row[i]
                data[name] = value.isoformat() if is_dated and value is not None else value
            uuid = row[i_uuid]
            lines.append(
                dumps(
                    {
                        "entity": entity,
                        "uuid": uuid,
                        "op": "delete" if row[i_del] else "upsert",
                        "rev": row[i_rev],
                        "base_rev": row[i_base],
                        "origin": origins.get(uuid),
                        "change": row[i_change],
                        "updated_at": row[i_at].isoformat(),
                        "updated_by": row[i_by],
                        "data": data,
                    }
                )
            )
        yield lines
    result.close()


def export_bundle(
    engine: Engine,
    home: Paths,
    *,
    out_dir: Path | None = None,
    full: bool = False,
    plaintext: bool = False,
    member: str = "",
    progress: Progress | None = None,
) -> ExportResult:
    """Write the next bundle of this laptop; ExportRefused when it cannot (says what to run)."""
    started = time.perf_counter()
    key = load_device_key(home)
    recipient = trusted_hub(home)
    if recipient is None and not plaintext:
        raise ExportRefused(
            "还没有信任的枢纽，同步包无法加密。请先运行 / no trusted hub to encrypt to; run: "
            "gridwalker keys trust-hub age1…  (or --plaintext for an unencrypted bundle)"
        )
    out_dir = Path(out_dir or home.outbox)
    private_dir(out_dir, ours=out_dir == home.outbox)
    finished = _settle_pending(engine)
    now = clock.now().replace(microsecond=0)
    with engine.connect() as conn:
        device = conn.execute(select(Device).where(Device.id == 1)).one()
        last = conn.execute(
            select(SyncExport)
            .where(SyncExport.status == "done")
            .order_by(SyncExport.seq.desc())
            .limit(1)
        ).first()
        seq = (last.seq if last else 0) + 1
        prev_sha = last.manifest_sha256 if last else ""
        prev_mark = last.audit_mark if last else 0
        high = device.change_counter
        low = 1 if full else device.exported_change + 1
        result = ExportResult(None, device.device_id, finished_earlier=finished)
        if high < low:
            result.seconds = time.perf_counter() - started
            log_line(home, f"export device={device.device_id} nothing-new counter={high}")
            return result
        mark = conn.execute(select(func.coalesce(func.max(Audit.id), 0))).scalar_one()
        total = 0
        for model in SYNCED_TABLES.values():
            table = model.__table__
            total += conn.execute(
                select(func.count())
                .select_from(table)
                .where(table.c.change >= low, table.c.change <= high)
            ).scalar_one()
        manifest: dict[str, Any] = {
            "format": fmt.FORMAT,
            "format_version": fmt.FORMAT_VERSION,
            "app_version": __version__,
            "schema_version": current_revision(conn) or "",
            "bundle_id": str(uuid_mod.uuid4()),
            "device_id": device.device_id,
            "device_key_id": key.key_id,
            "member": member,
            "hub": recipient or "",
            "created_at": now.isoformat(),
            "seq": seq,
            "prev_manifest_sha256": prev_sha,
            "kind": "full" if full else "delta",
            "from_change": low,
            "to_change": high,
        }
        name = fmt.bundle_name(device.device_id, seq, encrypted=not plaintext)
        final = out_dir / name
        tmp = out_dir / f".{name}.partial"
        for leftover in out_dir.glob(f".gridwalker-{device.device_id}-*.partial"):
            leftover.unlink(missing_ok=True)

        def entities() -> Iterator[tuple[str, Iterator[list[str]]]]:
            for entity in SYNCED_TABLES:
                yield entity, _record_lines(conn, entity, low, high, prev_mark)

        def tick(entity: str, done: int) -> None:
            if progress:
                progress(entity, done, total)

        trusted = f"timestamp:{int(now.timestamp())}\tfile:{fmt.MANIFEST}\tbundle:{name}"

        def sign(data: bytes) -> bytes:
            return key.sign(data, trusted)

        if plaintext:
            with open(tmp, "w+b", opener=private_opener) as out:
                written = fmt.write_zip(out, manifest, entities(), sign, tick)
                out.flush()
                os.fsync(out.fileno())
        else:
            import pyrage
            from pyrage import x25519

            buffer = io.BytesIO()  # the plain zip never touches the (removable) target disk
            written = fmt.write_zip(buffer, manifest, entities(), sign, tick)
            cipher = pyrage.encrypt(buffer.getvalue(), [x25519.Recipient.from_str(recipient)])
            del buffer
            with open(tmp, "wb", opener=private_opener) as out:
                out.write(cipher)
                out.flush()
                os.fsync(out.fileno())
    manifest_sha = fmt.sha256_hex(written.manifest_bytes)
    with engine.begin() as conn:
        conn.execute(
            insert(SyncExport).values(
                seq=seq,
                bundle_id=manifest["bundle_id"],
                manifest_sha256=manifest_sha,
                kind=manifest["kind"],
                from_change=low,
                to_change=high,
                audit_mark=mark,
                records=written.records,
                file=str(final),
                status="pending",
                created_at=now,
            )
        )
    os.replace(tmp, final)
    _fsync_dir(out_dir)
    with engine.begin() as conn:
        conn.execute(update(SyncExport).where(SyncExport.seq == seq).values(status="done"))
        conn.execute(
            update(Device)
            .where(Device.id == 1)
            .values(exported_change=high, last_export_at=now, last_export_file=str(final))
        )
    result.path = final
    result.seq = seq
    result.kind = manifest["kind"]
    result.from_change, result.to_change = low, high
    result.records = written.records
    result.bytes = final.stat().st_size
    result.encrypted = not plaintext
    result.counts = written.manifest["counts"]
    result.seconds = time.perf_counter() - started
    log_line(
        home,
        f"export device={device.device_id} seq={seq} kind={result.kind} changes={low}-{high} "
        f"records={result.records} bytes={result.bytes} encrypted={result.encrypted} file={name}",
    )
    return result
