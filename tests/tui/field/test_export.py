"""Export from the app: progress, the file and counts, Today's last export, and refusals."""

from __future__ import annotations

from pathlib import Path

from gridwalker import config
from gridwalker.domain import clock
from gridwalker.sync.keys import init_device_key, init_hub_identity, trust_hub
from gridwalker.tui.field.export import ExportScreen
from tests.support.apps import SIZE, make_app, screen_text, settle, sign_in


async def test_export_from_today_writes_a_bundle_and_today_shows_it(demo_db: Path) -> None:
    sign_in(demo_db)
    home = config.paths()
    init_device_key(home)
    recipient = init_hub_identity(home, clock.now())[0]
    trust_hub(home, recipient)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "从未" in screen_text(pilot.app)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        shown = screen_text(pilot.app)
        assert "已导出" in shown and ".zip.age" in shown and "已加密" in shown
        bundles = list(home.outbox.glob("gridwalker-*.zip.age"))
        result = str(app.screen.query_one("#export-result").render())
        assert len(bundles) == 1 and str(bundles[0]) in result
        # The counts name the kinds of record in the UI language, never the table names.
        assert "户 " in result and "入户走访 " in result and "网格员 " in result, result
        for table in ("household", "resident", "visit", "issue_event", "member"):
            assert table not in result.replace(str(bundles[0]), "")
        await pilot.press("escape")
        await settle(pilot)
        assert "2026-11-20 09:00" in screen_text(pilot.app)  # Today: the last export
        await pilot.press("e")
        await settle(pilot)
        assert "没有新的变更" in screen_text(pilot.app)
    assert len(list(home.outbox.glob("gridwalker-*"))) == 1


async def test_export_without_a_trusted_hub_says_what_to_run(demo_db: Path) -> None:
    sign_in(demo_db)
    init_device_key(config.paths())
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        shown = screen_text(pilot.app)
        assert "未导出" in shown and "gridwalker keys trust-hub" in shown
    assert not config.paths().outbox.exists() or not any(config.paths().outbox.iterdir())
