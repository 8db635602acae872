"""Two imports of the same bundle at once on a PostgreSQL hub (#15): a cron job and a
supervisor's run, from two homes with copies of the hub's keys. The second waits for the
first and finds the bundle imported; past its wait it stops "busy" with the file in place.
Never a uniqueness error, never a good bundle quarantined, never applied twice."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from gridwalker import config
from gridwalker.cli import main
from gridwalker.store.tables.hub import HubLedger, HubQuarantine
from gridwalker.sync.hub import intake, lock
from gridwalker.sync.hub.folders import quarantine_dir
from tests.support.hubs import Desk, make_twin_desk, snapshot
from tests.support.laptops import Field

pytestmark = pytest.mark.parametrize("hub_engine", ["postgresql"], indirect=True)


@pytest.fixture
def second_home(desk: Desk, hub_db: str, tmp_path: Path) -> Iterator[Desk]:
    """Another machine: a home with copies of the hub's keys, on the same database."""
    other = make_twin_desk(desk, tmp_path / "other-machine", hub_db)
    yield other
    other.engine.dispose()


def _copies(path: Path, root: Path) -> tuple[Path, Path]:
    """The bundle on two USB sticks."""
    out = []
    for name in ("stick-1", "stick-2"):
        (root / name).mkdir()
        out.append(Path(shutil.copy(path, root / name / path.name)))
    return out[0], out[1]


def _booked(desk: Desk) -> int:
    with desk.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(HubLedger)).scalar_one()


def test_the_second_import_waits_and_finds_it_imported(
    desk: Desk,
    second_home: Desk,
    field_a: Field,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one, two = _copies(field_a.export().path, tmp_path)
    applying, release = threading.Event(), threading.Event()
    real_apply = intake.apply_bundle

    def slow_apply(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        counts = real_apply(*args, **kwargs)
        if threading.current_thread().name == "cron":
            applying.set()  # the records are written, the transaction still open
            assert release.wait(30)
        return counts

    monkeypatch.setattr(intake, "apply_bundle", slow_apply)
    results: dict[str, list] = {}
    errors: list[BaseException] = []

    def run(name: str, hub: Desk, path: Path) -> None:
        try:
            results[name] = hub.import_(path)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    cron = threading.Thread(target=run, args=("cron", desk, one), name="cron")
    cron.start()
    assert applying.wait(30)
    manual = threading.Thread(target=run, args=("manual", second_home, two), name="manual")
    manual.start()
    manual.join(1.5)
    assert manual.is_alive()  # it waits for the first import, holding nothing
    release.set()
    cron.join(30)
    manual.join(30)
    assert not errors, errors
    assert [o.status for o in results["cron"]] == ["applied"]
    assert [o.status for o in results["manual"]] == ["already"]
    assert _booked(desk) == 1
    with desk.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(HubQuarantine)).scalar_one() == 0
    assert one.exists() and two.exists()
    assert not quarantine_dir(desk.home).exists() or not any(quarantine_dir(desk.home).iterdir())
    before = snapshot(desk.engine)
    assert [o.status for o in second_home.import_(two)] == ["already"]
    assert snapshot(desk.engine) == before


def test_past_its_wait_an_import_is_busy_and_leaves_the_file(
    desk: Desk,
    second_home: Desk,
    field_a: Field,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    one, _two = _copies(field_a.export().path, tmp_path)
    monkeypatch.setattr(lock, "DEVICE_WAIT_SECONDS", 0.3)
    monkeypatch.setattr(lock, "BUSY_RETRIES", 1)
    monkeypatch.setattr(lock, "BUSY_PAUSE_SECONDS", 0.1)
    before = one.read_bytes()
    with lock.device_lock(second_home.engine, field_a.device_id):  # another import holds it
        result = CliRunner().invoke(
            main, ["hub", "import", str(one)], env={config.HOME_ENV: str(desk.home.data.parent)}
        )
    assert result.exit_code == 1, result.output
    assert "busy" in result.stderr and one.name in result.stderr
    assert one.read_bytes() == before and _booked(desk) == 0
    with desk.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(HubQuarantine)).scalar_one() == 0
    # Once the other import is done, the same file goes in.
    assert [o.status for o in desk.import_(one)] == ["applied"]
