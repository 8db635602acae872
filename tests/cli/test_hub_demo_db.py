"""`gridwalker hub --demo --db URL`: the review desk on a demo hub built into PostgreSQL
(issue #15), once; the desk then opens on it."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from gridwalker import config
from gridwalker.cli import main
from gridwalker.demo import hub as demo_hub
from gridwalker.demo.hub import SUPERVISOR, demo_hub_present
from gridwalker.store.desk.queue import QueueFilter, queue_count
from gridwalker.store.migrate import open_database
from gridwalker.store.tables.hub import HubLedger
from gridwalker.store.tables.review import HubReview
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.desk.app import HubApp
from gridwalker.tui.desk.queue import QueueScreen
from tests.support.apps import SIZE, settle
from tests.support.demo import DEMO_TODAY


async def test_hub_demo_on_a_postgresql_url_builds_once_then_opens_the_desk(
    tmp_path: Path, empty_pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo at a small size (the real one is the whole street: minutes); the real builder.
    built: list[str] = []
    real = functools.partial(demo_hub.build_demo_hub, households=500, months=1, today=DEMO_TODAY)

    def small(*args: Any, **kwargs: Any) -> Any:
        built.append(str(kwargs.get("db")))
        return real(*args, **kwargs)

    monkeypatch.setattr(demo_hub, "build_demo_hub", small)
    opened: list[tuple[str, str | None]] = []
    monkeypatch.setattr(
        "gridwalker.tui.desk.app.run_hub",
        lambda db, lang, home, actor=None: opened.append((str(db), actor)),
    )
    home = tmp_path / "home"
    env = {config.HOME_ENV: str(home)}
    url = empty_pg_database
    assert not demo_hub_present(url)

    result = CliRunner().invoke(main, ["hub", "--demo", "--db", url], env=env)
    assert result.exit_code == 0, result.output + result.stderr
    assert built == [url] and opened == [(url, SUPERVISOR)]
    assert "demo hub:" in result.stderr
    assert demo_hub_present(url)
    # Nothing in a file: the demo's keys are in its home, its rows in the database.
    demo_home = config.paths(home / "data" / "demo-hub")
    assert not demo_home.hub_db.exists()
    engine = open_database(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(HubLedger)).scalar_one() > 0
            assert conn.execute(select(func.count()).select_from(HubReview)).scalar_one() > 0
            waiting = queue_count(conn, QueueFilter())
    finally:
        engine.dispose()
    assert waiting > 0

    # Again: the demo is there, so it is opened as it is (not built twice).
    result = CliRunner().invoke(main, ["hub", "--demo", "--db", url], env=env)
    assert result.exit_code == 0, result.output + result.stderr
    assert built == [url] and opened[-1] == (url, SUPERVISOR)
    with pytest.raises(FileExistsError, match="already holds a hub"):
        real(config.paths(tmp_path / "another"), db=url)  # never built over

    # The desk itself on that database: the queue of the demo.
    app = HubApp(url, lang="zh", home=demo_home, actor=SUPERVISOR)
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.query_one(PagedList).count == waiting
