"""Helpers of the review-desk tests: a hub home and laptop homes wired both ways."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from gridwalker.domain import clock
from gridwalker.store import review
from gridwalker.store.models import Visit
from gridwalker.store.writes import Writer
from gridwalker.sync.hub import enroll
from gridwalker.sync.hub_export import HubExportResult, export_hub_bundles
from gridwalker.sync.keys import (
    hub_signing_paths,
    init_device_identity,
    init_hub_signing_key,
    trust_hub,
)
from gridwalker.sync.laptop_import import LaptopImportOutcome, import_hub_bundle
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
