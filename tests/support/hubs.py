"""Helpers of the review-desk tests: a hub home and laptop homes wired both ways."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gridwalker.domain import clock
from gridwalker.store.desk import review
from gridwalker.store.tables import Visit
from gridwalker.store.writes import Writer
from gridwalker.sync.hub.export import HubExportResult, export_hub_bundles
from gridwalker.sync.hub.intake import enroll
from gridwalker.sync.keys import (
    hub_signing_paths,
    init_device_identity,
    init_hub_signing_key,
    trust_hub,
)
from gridwalker.sync.laptop.import_ import LaptopImportOutcome, import_hub_bundle
from tests.sync.helpers import Hub, Laptop, make_hub, make_laptop

MEMBER = "李晓梅"


@dataclass
class Desk(Hub):
    """A hub that can also write hub bundles."""

    def arrivals(self) -> int:
        """Pick up what the imports brought."""
        with self.engine.begin() as conn:
            return review.record_arrivals(conn)

    def export_to(self, device_id: str) -> HubExportResult:
        """The hub bundles of one device."""
        return export_hub_bundles(self.engine, self.home, device_ids=[device_id])[0]


@dataclass
class Field(Laptop):
    """A laptop with an age identity, enrolled at a hub."""

    recipient: str = ""

    def apply(self, path: Path) -> LaptopImportOutcome:
        """Import a hub bundle."""
        return import_hub_bundle(self.engine, self.home, path)

    def edit(self, entity: str, uuid: str, **changes: object) -> str | None:
        """Edit a row as the member."""
        with self.engine.begin() as conn:
            return Writer(conn, MEMBER).update(entity, uuid, changes)


def make_desk(root: Path) -> Desk:
    """A hub home with its identity, signing key and hub.db."""
    hub = make_hub(root)
    init_hub_signing_key(hub.home)
    return Desk(hub.home, hub.engine, hub.recipient)


def make_field(root: Path, template: Path, device_id: str, desk: Desk | None) -> Field:
    """A laptop copied from a template, with its keys; enrolled at and trusting `desk`."""
    lap = make_laptop(root, template, device_id, desk)
    recipient, _path = init_device_identity(lap.home, clock.now())
    field = Field(lap.home, lap.db, lap.engine, recipient)
    if desk is not None:
        trust_hub(lap.home, desk.recipient, hub_signing_paths(desk.home)[1])
        enroll(desk.engine, lap.pub, MEMBER, recipient)
    return field


def visit_uuids(lap: Laptop, n: int) -> list[str]:
    """The first n visits of a laptop (by uuid)."""
    with lap.engine.connect() as conn:
        return list(conn.execute(select(Visit.uuid).order_by(Visit.uuid).limit(n)).scalars())


def hub_bundle_entries(field: Field, path: Path) -> dict[str, bytes]:
    """The entries of a hub bundle, decrypted with the laptop's age identity."""
    import io
    import zipfile

    import pyrage

    from gridwalker.sync.keys import load_device_identity

    identity, _recipient = load_device_identity(field.home)
    plain = pyrage.decrypt(path.read_bytes(), [identity])
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        return {i.orig_filename: zf.read(i) for i in zf.infolist()}


def decision_lines(field: Field, path: Path) -> list[dict[str, Any]]:
    """The decision records of a hub bundle."""
    data = hub_bundle_entries(field, path).get("records/review_decision.jsonl", b"")
    return [json.loads(line) for line in data.splitlines()]


def reseal(
    desk: Desk,
    field: Field,
    source: Path,
    target: Path,
    records: dict[str, bytes] | None = None,
    manifest_edit: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
) -> Path:
    """A hub bundle with some records files or manifest fields changed (or records files
    dropped), re-signed by the hub's key and encrypted to the laptop: only the checks of the
    content can find it out."""
    import pyrage
    from pyrage import x25519

    from gridwalker.sync import bundle as fmt
    from gridwalker.sync.keys import load_hub_signing_key
    from tests.sync.helpers import zip_bytes

    entries = hub_bundle_entries(field, source)
    manifest = json.loads(entries[fmt.MANIFEST])
    for name, data in (records or {}).items():
        entries[name] = data
        for item in manifest["files"]:
            if item["path"] == name:
                item.update(sha256=fmt.sha256_hex(data), bytes=len(data))
    for name in drop:
        del entries[name]
        manifest["files"] = [item for item in manifest["files"] if item["path"] != name]
        manifest["counts"].pop(name.removeprefix("records/").removesuffix(".jsonl"), None)
    manifest.update(manifest_edit or {})
    text = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    entries[fmt.MANIFEST] = text
    entries[fmt.SIGNATURE] = load_hub_signing_key(desk.home).sign(text, "timestamp:0")
    plain = zip_bytes(list(entries.items()))
    target.write_bytes(pyrage.encrypt(plain, [x25519.Recipient.from_str(field.recipient)]))
    return target
