"""Shared fixtures: every test gets its own GRIDWALKER_HOME and a frozen clock; demo streets,
hubs and laptops for whoever asks (their builders live in tests/support)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from gridwalker.domain import clock
from tests.support import postgres
from tests.support.demo import DEMO_TODAY, build_street
from tests.support.hubs import Desk, Hub, make_desk, make_hub
from tests.support.laptops import Field, Laptop, make_field, make_laptop
from tests.support.scenes import BusyDesk, fill_desk


@pytest.fixture(autouse=True)
def gridwalker_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test touches a real home folder; time stands still at the demo's day; a key record
    made in a test uses a cheap KDF (its parameters are stored, so the code path is the same);
    the kernel keyring is the test's own."""
    from gridwalker.store import dbkey, session_key
    from tests.support.at_rest import CHEAP_KDF, FakeKeyring

    home = tmp_path / "home"
    monkeypatch.setenv("GRIDWALKER_HOME", str(home))
    monkeypatch.delenv("GRIDWALKER_TODAY", raising=False)
    monkeypatch.delenv(dbkey.PASSPHRASE_ENV, raising=False)
    monkeypatch.setattr(dbkey, "DEFAULT_KDF", CHEAP_KDF)
    # Keys an unlocked app holds go to a keyring of the test's own, never the machine's.
    monkeypatch.setattr(session_key, "_keyctl", FakeKeyring())
    with clock.frozen(DEMO_TODAY):
        yield home


@pytest.fixture(autouse=True)
def steady_cursor(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A snapshot shows the text cursor, never half a blink: under load the blink timer may
    fire before the screenshot and split a placeholder's first character from the rest."""
    if "snap_compare" not in request.fixturenames:
        return
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


@pytest.fixture
def passphrase_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """GRIDWALKER_PASSPHRASE_FILE names a 0600 file holding PASSPHRASE (as a timer would)."""
    from gridwalker.store.dbkey import PASSPHRASE_ENV
    from tests.support.at_rest import passphrase_file

    folder = tmp_path / "secrets"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = passphrase_file(folder)
    monkeypatch.setenv(PASSPHRASE_ENV, str(path))
    return path


# -- demo streets (built once per test process, copied for each test that writes) ---------------


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-grid demo laptop (400 households, a year of history)."""
    return build_street(tmp_path_factory.mktemp("demo") / "demo.db", households=400)


@pytest.fixture
def demo_db(demo_db_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo laptop's database for one test."""
    path = tmp_path / "gridwalker.db"
    shutil.copy(demo_db_template, path)
    return path


@pytest.fixture
def demo_engine(demo_db: Path) -> Iterator[Engine]:
    """An open engine on a private copy of the demo laptop."""
    from gridwalker.store.migrate import open_database

    engine = open_database(demo_db)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def small_street(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small street (60 households, a month of history): the template of laptops."""
    return build_street(tmp_path_factory.mktemp("small") / "small.db", households=60, months=1)


# -- hubs and laptops -------------------------------------------------------------------------


@pytest.fixture
def hub_engine(request: pytest.FixtureRequest) -> str:
    """The engine the hub runs on: each in turn for a test marked `both_engines`, else SQLite
    (or GRIDWALKER_TEST_HUB_ENGINE=postgresql: every hub test on PostgreSQL, a longer run)."""
    return getattr(request, "param", os.environ.get("GRIDWALKER_TEST_HUB_ENGINE", "sqlite"))


@pytest.fixture
def hub_db(hub_engine: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """The hub's database: None for the home's hub.db (SQLite), else the URL of a fresh,
    migrated PostgreSQL database of this test's own, which CLI hub commands also get
    (GRIDWALKER_HUB_DB). No server: the test fails with the reason, never skips."""
    if hub_engine == "sqlite":
        yield None
        return
    url = postgres.new_database()
    monkeypatch.setenv("GRIDWALKER_HUB_DB", url)
    yield url
    postgres.drop_database(url)


@pytest.fixture
def empty_pg_database() -> Iterator[str]:
    """The URL of an empty PostgreSQL database of this test's own (no schema yet)."""
    url = postgres.new_database(migrated=False)
    yield url
    postgres.drop_database(url)


@pytest.fixture(scope="session", autouse=True)
def _postgres_template() -> Iterator[None]:
    """The test process's template database goes when the session ends (if one was made)."""
    yield
    postgres.drop_template()


@pytest.fixture
def hub(tmp_path: Path, hub_db: str | None) -> Iterator[Hub]:
    """An empty hub with its identity."""
    h = make_hub(tmp_path / "hub", hub_db)
    yield h
    h.engine.dispose()


@pytest.fixture
def laptop(tmp_path: Path, small_street: Path, hub: Hub) -> Iterator[Laptop]:
    """A small laptop that trusts the hub and is enrolled there."""
    lap = make_laptop(tmp_path / "laptop", small_street, "lap-a", hub)
    hub.enroll(lap)
    yield lap
    lap.engine.dispose()


@pytest.fixture
def desk(tmp_path: Path, hub_db: str | None) -> Iterator[Desk]:
    """An empty hub with its age identity and signing key."""
    d = make_desk(tmp_path / "hub", hub_db)
    yield d
    d.engine.dispose()


@pytest.fixture
def field_a(tmp_path: Path, small_street: Path, desk: Desk) -> Iterator[Field]:
    """A laptop enrolled at the hub (with its recipient) that trusts the hub's signing key."""
    lap = make_field(tmp_path / "lap-a", small_street, "lap-a", desk)
    yield lap
    lap.engine.dispose()


@pytest.fixture
def busy_desk(desk: Desk, field_a: Field, tmp_path: Path, small_street: Path) -> Iterator[BusyDesk]:
    """A desk with records in every review state, a conflict, a held and a refused bundle."""
    busy, laptops = fill_desk(desk, field_a, tmp_path, small_street)
    yield busy
    for lap in laptops:
        lap.engine.dispose()
