"""Several demo streets in one hub database (`gridwalker hub demo build --streets N`, #15).

Each street is built as the demo street is, with its own names (street_data.street_spec),
places and people, and received through the real import exactly as the demo hub receives
its one street (demo.hub): a district's hub to try the desk on and to benchmark.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from gridwalker.config import Paths, private_dir
from gridwalker.demo.hub import SUPERVISOR, DemoHubSummary, Progress, receive_street
from gridwalker.demo.street import build_demo
from gridwalker.demo.street_data import FULL_HOUSEHOLDS
from gridwalker.domain import clock
from gridwalker.store.desk.people import add_supervisor
from gridwalker.store.engine import is_sqlite
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import SYNCED_TABLES, Street
from gridwalker.sync.keys import (
    hub_key_path,
    hub_signing_paths,
    init_hub_identity,
    init_hub_signing_key,
    load_hub_identity,
)


@dataclass
class DemoStreetsSummary:
    """What `build_demo_streets` made: one DemoHubSummary per street, and the hub's rows."""

    streets: list[DemoHubSummary] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def build_demo_streets(
    home: Paths,
    db: Path | str,
    streets: int,
    progress: Progress | None = None,
    *,
    households: int = FULL_HOUSEHOLDS,
    months: int = 12,
    seed: int = 7,
    today: date | None = None,
) -> DemoStreetsSummary:
    """Build `streets` demo streets into one hub database (a file, or a PostgreSQL URL).

    Each street is built as the demo street is, with its own names (street_data.street_spec),
    places and people (seed + its number), sent by its grids' laptops as full bundles and
    taken in by the real import; older records approved and a few returned as on the demo
    hub. The first street (新华街) also gets the demo hub's second round (corrections,
    conflicts, a held and a quarantined bundle). Deterministic for the arguments. A file that
    exists, or a database that already holds a street, is refused (FileExistsError).
    """
    import time

    if streets < 1:
        raise ValueError("streets must be at least 1")
    tick = progress or (lambda *_: None)
    day = today or clock.today()
    if isinstance(db, Path) and db.exists():
        raise FileExistsError(f"{db} already exists")
    started = time.perf_counter()
    work = home.data / "demo-streets-build"
    shutil.rmtree(work, ignore_errors=True)
    summary = DemoStreetsSummary()
    with clock.frozen(day):
        if not hub_key_path(home).exists():
            init_hub_identity(home, clock.now())
        if not hub_signing_paths(home)[0].exists():
            init_hub_signing_key(home)
        _identity, hub_recipient = load_hub_identity(home)
        hub = open_database(db)
        try:
            with hub.begin() as conn:
                if conn.execute(select(Street.uuid).limit(1)).first() is not None:
                    raise FileExistsError(f"{db} already holds streets")
                add_supervisor(conn, SUPERVISOR)
            for number in range(streets):
                here = work / f"street-{number + 1}"
                private_dir(here / "inbox")
                private_dir(here / "round2")
                label = f"street {number + 1}/{streets}"
                street = open_database(here / "street.db")
                try:
                    build_demo(
                        street,
                        households=households,
                        seed=seed + number,
                        months=months,
                        today=day,
                        street=number,
                        progress=lambda step, done, total, label=label: tick(
                            f"{label}: 1/5 street: {step}", done, total
                        ),
                    )
                    summary.streets.append(
                        receive_street(
                            street,
                            hub,
                            home,
                            here,
                            hub_recipient,
                            seed + number,
                            day,
                            lambda step, done, total, label=label: tick(
                                f"{label}: {step}", done, total
                            ),
                            {},
                            second_round=number == 0,
                            # Keys of this build's demo laptops: the hub keeps their public
                            # halves; a later build in the same home makes its own.
                            devices_dir=work / "devices",
                        )
                    )
                finally:
                    street.dispose()
                shutil.rmtree(here, ignore_errors=True)
            with hub.connect() as conn:
                summary.rows = {
                    entity: conn.execute(select(func.count()).select_from(model)).scalar_one()
                    for entity, model in SYNCED_TABLES.items()
                }
                if is_sqlite(conn):
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            hub.dispose()
    shutil.rmtree(work, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    return summary
