"""Shared fixtures: every test gets its own GRIDWALKER_HOME and a frozen clock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from gridwalker.domain import clock

DEMO_TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def gridwalker_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test touches a real home folder; time stands still at the demo's day."""
    home = tmp_path / "home"
    monkeypatch.setenv("GRIDWALKER_HOME", str(home))
    monkeypatch.delenv("GRIDWALKER_TODAY", raising=False)
    with clock.frozen(DEMO_TODAY):
        yield home


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-grid demo laptop (400 households), built once per test process."""
    from gridwalker.demo.street import build_demo
    from gridwalker.store.migrate import open_database

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = open_database(path)
    build_demo(engine, households=400, today=DEMO_TODAY)
    with engine.connect() as conn:  # fold the WAL into the file so a plain copy is complete
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def demo_db(demo_db_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo laptop's database for one test."""
    path = tmp_path / "gridwalker.db"
    shutil.copy(demo_db_template, path)
    return path


@pytest.fixture
def demo_engine(demo_db: Path):  # noqa: ANN201 - an Engine
    """An open engine on a private copy of the demo laptop."""
    from gridwalker.store.migrate import open_database

    engine = open_database(demo_db)
    yield engine
    engine.dispose()
