"""The demo's frozen day and people, and a demo street built into a database file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

DEMO_TODAY = date(2026, 11, 20)
MEMBER = "李晓梅"  # the demo grid's member
GRID_CODE = "XH-01-01"  # her grid
SUPERVISOR = "王书记"  # who works the review desk in the tests


def build_street(path: Path, households: int, months: int = 12) -> Path:
    """Build the demo street (default seed, as of DEMO_TODAY) into a new database at `path`."""
    from gridwalker.demo.street import build_demo
    from gridwalker.store.migrate import open_database

    engine = open_database(path)
    build_demo(engine, households=households, months=months, today=DEMO_TODAY)
    with engine.connect() as conn:  # fold the WAL into the file so a plain copy is complete
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path
