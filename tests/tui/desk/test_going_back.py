"""Esc on the review desk: from every tab back to the queue, from every opened screen back to
the one under it; the footer says so, and the queue (home) offers no Esc it cannot honour."""

from __future__ import annotations

from gridwalker.tui.desk.queue import QueueScreen
from tests.support.apps import SIZE, footer_text, make_desk_app, press, settle
from tests.support.scenes import BusyDesk

TABS = {"2": "conflicts", "3": "bundles", "4": "members", "5": "coverage", "6": "issues"}


def offers_back(footer: str) -> bool:
    return "esc" in footer.lower() and "返回" in footer


async def test_every_tab_goes_back_to_the_queue(busy_desk: BusyDesk) -> None:
    app = make_desk_app(busy_desk.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert not offers_back(footer_text(app))  # home: nowhere to go back to
        for key, mode in TABS.items():
            await press(pilot, key)
            assert app.current_mode == mode
            assert offers_back(footer_text(app)), (mode, footer_text(app))
            await press(pilot, "escape")
            assert app.current_mode == "queue", mode
            assert isinstance(app.screen, QueueScreen)


async def test_opened_screens_go_back_one_step(busy_desk: BusyDesk) -> None:
    app = make_desk_app(busy_desk.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for tab in ("1", "6", "4"):  # queue → record, issues → issue, members → queue
            await press(pilot, tab)
            bottom = app.screen
            await press(pilot, "enter")
            assert app.screen is not bottom
            assert offers_back(footer_text(app)), type(app.screen).__name__
            await press(pilot, "escape")
            assert app.screen is bottom
