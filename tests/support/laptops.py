"""Helpers of the sync tests: laptops, a hub, tampering with bundles, snapshots of the hub."""

from __future__ import annotations

import io
import json
import shutil
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from gridwalker import config
from gridwalker.domain import clock
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import SYNCED_TABLES, Device
from gridwalker.store.tables.hub import HubBacklog, HubConflict, HubLedger, HubRev
from gridwalker.sync import bundle as fmt
from gridwalker.sync.hub.intake import ImportOutcome, enroll, import_paths
from gridwalker.sync.keys import (
    device_key_paths,
    init_device_key,
    init_hub_identity,
    load_device_key,
    trust_hub,
)
from gridwalker.sync.laptop.export import ExportResult, export_bundle


@dataclass
class Hub:
    """A hub home with its identity and database."""

    home: config.Paths
    engine: Engine
    recipient: str

    def enroll(self, laptop: Laptop, member: str = "李晓梅") -> str:
        """Trust a laptop's device key."""
        return enroll(self.engine, laptop.pub, member)

    def import_(self, *paths: Path) -> list[ImportOutcome]:
        """Import bundle files or folders."""
        return import_paths(self.engine, self.home, list(paths))

    def one(self, path: Path) -> ImportOutcome:
        """Import one file, returning its outcome."""
        outcomes = self.import_(path)
        assert len(outcomes) >= 1
        return outcomes[0]


@dataclass
class Laptop:
    """A laptop home with its database and device key."""

    home: config.Paths
    db: Path
    engine: Engine

    @property
    def pub(self) -> Path:
        """The device public key file."""
        return device_key_paths(self.home)[1]

    @property
    def device_id(self) -> str:
        """The database's device id."""
        with self.engine.connect() as conn:
            return conn.execute(select(Device.device_id)).scalar_one()

    def export(self, **kwargs: Any) -> ExportResult:
        """Export the next bundle into this laptop's outbox."""
        return export_bundle(self.engine, self.home, member="李晓梅", **kwargs)


def make_hub(root: Path) -> Hub:
    """A hub home with an identity and a migrated hub.db."""
    home = config.paths(root)
    recipient, _path = init_hub_identity(home, clock.now())
    return Hub(home, open_database(home.hub_db), recipient)


def make_laptop(root: Path, template: Path, device_id: str, hub: Hub | None = None) -> Laptop:
    """A laptop copied from a template database, with its own device id and key."""
    home = config.paths(root)
    home.data.mkdir(parents=True, exist_ok=True)
    db = home.field_db
    shutil.copy(template, db)
    engine = open_database(db)
    with engine.begin() as conn:
        conn.execute(update(Device).where(Device.id == 1).values(device_id=device_id))
    init_device_key(home)
    if hub is not None:
        trust_hub(home, hub.recipient)
    return Laptop(home, db, engine)


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Everything the hub knows (synced rows without the hub's change numbers, and its books)."""
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for entity, model in SYNCED_TABLES.items():
            table = model.__table__
            cols = [c for c in table.columns if c.name != "change"]
            out[entity] = sorted(tuple(map(repr, r)) for r in conn.execute(select(*cols)))
        for model in (HubLedger, HubBacklog, HubRev, HubConflict):
            table = model.__table__
            skip = ("id", "imported_at", "created_at", "received_at", "path", "file")
            cols = [c for c in table.columns if c.name not in skip]
            out[table.name] = sorted(tuple(map(repr, r)) for r in conn.execute(select(*cols)))
    return out


def read_zip(path: Path) -> list[tuple[str, bytes]]:
    """The entries of a plain bundle, in order."""
    with zipfile.ZipFile(path) as zf:
        return [(i.orig_filename, zf.read(i)) for i in zf.infolist()]


def write_zip(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    """Write entries as a zip (manifest stored, the rest deflated), duplicates and all."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in entries:
                info = zipfile.ZipInfo(name, date_time=(2026, 11, 20, 9, 0, 0))
                info.compress_type = (
                    zipfile.ZIP_STORED if name.startswith("manifest") else zipfile.ZIP_DEFLATED
                )
                zf.writestr(info, data)
    return path


def resign(laptop: Laptop, manifest: dict[str, Any]) -> tuple[bytes, bytes]:
    """Manifest bytes and a valid signature by the laptop's key."""
    data = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    return data, load_device_key(laptop.home).sign(data, "timestamp:0\tfile:manifest.json")


def rebuild(
    laptop: Laptop,
    source: Path,
    target: Path,
    edit_records: dict[str, bytes] | None = None,
    edit_manifest: dict[str, Any] | None = None,
) -> Path:
    """A re-signed copy of a plain bundle with some records files or manifest fields changed."""
    entries = dict(read_zip(source))
    manifest = json.loads(entries[fmt.MANIFEST])
    for name, data in (edit_records or {}).items():
        entries[name] = data
        for item in manifest["files"]:
            if item["path"] == name:
                item["sha256"] = fmt.sha256_hex(data)
                item["bytes"] = len(data)
    manifest.update(edit_manifest or {})
    entries[fmt.MANIFEST], entries[fmt.SIGNATURE] = resign(laptop, manifest)
    return write_zip(target, list(entries.items()))


def zip_bytes(entries: list[tuple[str, bytes]]) -> bytes:
    """A zip in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buffer.getvalue()
