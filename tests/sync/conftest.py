"""Fixtures of the sync tests: a small street template, a hub, laptops."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DEMO_TODAY
from tests.sync.helpers import Hub, Laptop, make_hub, make_laptop


@pytest.fixture(scope="session")
def small_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small street (60 households, a month of history), built once per test process."""
    from gridwalker.demo.street import build_demo
    from gridwalker.store.migrate import open_database

    path = tmp_path_factory.mktemp("small") / "small.db"
    engine = open_database(path)
    build_demo(engine, households=60, months=1, today=DEMO_TODAY)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    """An empty hub with its identity."""
    h = make_hub(tmp_path / "hub")
    yield h
    h.engine.dispose()


@pytest.fixture
def laptop(tmp_path: Path, small_template: Path, hub: Hub) -> Iterator[Laptop]:
    """A small laptop that trusts the hub and is enrolled there."""
    lap = make_laptop(tmp_path / "laptop", small_template, "lap-a", hub)
    hub.enroll(lap)
    yield lap
    lap.engine.dispose()
