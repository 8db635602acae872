"""Laptop homes for the tests: a copy of a template street with its own device id and keys."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select, update

from gridwalker import config
from gridwalker.domain import clock
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Device, Visit
from gridwalker.store.writes import Writer
from gridwalker.sync.hub.enrol import enroll
from gridwalker.sync.keys import (
    device_key_paths,
    hub_signing_paths,
    init_device_identity,
    init_device_key,
    trust_hub,
)
from gridwalker.sync.laptop.export import ExportResult, export_bundle
from gridwalker.sync.laptop.import_ import LaptopImportOutcome, import_hub_bundle
from tests.support.demo import MEMBER

if TYPE_CHECKING:
    from tests.support.hubs import Desk, Hub


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
        return export_bundle(self.engine, self.home, member=MEMBER, **kwargs)


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
