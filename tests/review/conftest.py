"""Fixtures of the review-desk tests: a small street template, a hub with its signing key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DEMO_TODAY
from tests.review.helpers import Desk, Field, make_desk, make_field


@pytest.fixture(scope="session")
def small_street(tmp_path_factory: pytest.TempPathFactory) -> Path:
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
def desk(tmp_path: Path) -> Iterator[Desk]:
    """An empty hub with its age identity and signing key."""
    d = make_desk(tmp_path / "hub")
    yield d
    d.engine.dispose()


@pytest.fixture
def field_a(tmp_path: Path, small_street: Path, desk: Desk) -> Iterator[Field]:
    """A laptop enrolled at the hub (with its recipient) that trusts the hub's signing key."""
    lap = make_field(tmp_path / "lap-a", small_street, "lap-a", desk)
    yield lap
    lap.engine.dispose()
