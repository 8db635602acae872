"""Hub homes for the tests: a hub that imports bundles, a desk that also writes hub bundles."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, select

from gridwalker import config
from gridwalker.domain import clock
from gridwalker.store.desk.arrivals import record_arrivals
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import SYNCED_TABLES
from gridwalker.store.tables.hub import HubBacklog, HubConflict, HubLedger, HubRev
from gridwalker.sync.hub.enrol import enroll
from gridwalker.sync.hub.export import HubExportResult, export_hub_bundles
from gridwalker.sync.hub.intake import ImportOutcome, import_paths
from gridwalker.sync.keys import init_hub_identity, init_hub_signing_key
from tests.support.demo import MEMBER

if TYPE_CHECKING:
    from tests.support.laptops import Laptop

ENGINES = ("sqlite", "postgresql")
# A test or module marked with this runs once per engine: its `hub`, `desk` and CLI hub
# commands (through GRIDWALKER_HUB_DB) use a SQLite hub.db, then a PostgreSQL database.
both_engines = pytest.mark.parametrize("hub_engine", ENGINES, indirect=True)


@dataclass
class Hub:
    """A hub home with its identity and database."""

    home: config.Paths
    engine: Engine
    recipient: str
    db: Path | str = ""  # the database: hub.db, or a PostgreSQL URL

    def enroll(self, laptop: Laptop, member: str = MEMBER) -> str:
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
class Desk(Hub):
    """A hub that can also write hub bundles."""

    def arrivals(self) -> int:
        """Pick up what the imports brought."""
        with self.engine.begin() as conn:
            return record_arrivals(conn)

    def export_to(self, device_id: str) -> HubExportResult:
        """The hub bundles of one device."""
        return export_hub_bundles(self.engine, self.home, device_ids=[device_id])[0]


def hub_database(root: Path) -> str | Path:
    """The database the CLI's hub commands of the home `root` use: GRIDWALKER_HUB_DB (a
    `both_engines` test on PostgreSQL sets it), else the home's hub.db."""
    return os.environ.get("GRIDWALKER_HUB_DB") or config.paths(root).hub_db


def make_hub(root: Path, db: str | None = None) -> Hub:
    """A hub home with an identity and a migrated database (hub.db, else the URL `db`)."""
    home = config.paths(root)
    recipient, _path = init_hub_identity(home, clock.now())
    target = db or home.hub_db
    return Hub(home, open_database(target), recipient, target)


def make_desk(root: Path, db: str | None = None) -> Desk:
    """A hub home with its identity, signing key and database (hub.db, else the URL `db`)."""
    hub = make_hub(root, db)
    init_hub_signing_key(hub.home)
    return Desk(hub.home, hub.engine, hub.recipient, hub.db)


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


def make_twin_desk(desk: Desk, root: Path, db: str) -> Desk:
    """Another home with copies of `desk`'s keys, on the database `db` (a URL or a file):
    it opens the same bundles (a second machine, or the same hub on another engine)."""
    import shutil

    home = config.paths(root)
    shutil.copytree(desk.home.config, home.config)
    return Desk(home, open_database(db), desk.recipient, db)
