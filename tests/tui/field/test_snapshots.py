"""SVG snapshots of the places screen, opened down to a building, in Chinese and in English."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot

from gridwalker.demo.street import build_demo
from gridwalker.domain import clock
from gridwalker.store.migrate import open_database
from tests.support.apps import make_app

DEMO_DAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 400-household demo street of the default seed, as of the demo day."""
    path = tmp_path_factory.mktemp("snapshots") / "demo.db"
    engine = open_database(path)
    build_demo(engine, households=400, seed=7, today=DEMO_DAY)
    engine.dispose()
    return path


async def open_first_building(pilot: Pilot[None]) -> None:
    """Wait for the tree, open 邮三社区 and its first grid, and stop on 1栋."""
    for keys in ((), ("down", "space"), ("down", "space")):
        await pilot.press(*keys)
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.press("down")
    await pilot.pause()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_places_screen(snap_compare: Callable[..., bool], demo_file: Path, lang: str) -> None:
    with clock.frozen(DEMO_DAY):
        app = make_app(demo_file, lang, start="places")
        assert snap_compare(app, terminal_size=(120, 40), run_before=open_first_building)
