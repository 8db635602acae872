"""An encrypted laptop in the field app (#16): the unlock screen at start (three tries, then a
growing wait), the lock on ctrl+l and after idle minutes, and an open form and its draft
that survive a lock; snapshots of the unlock screen in both languages."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from gridwalker.store import rounds
from gridwalker.store.at_rest import encrypt_in_place
from gridwalker.tui.field.app import GridwalkerApp
from gridwalker.tui.field.today import TodayScreen
from gridwalker.tui.field.unlock import UnlockScreen
from gridwalker.tui.field.visit import VisitScreen
from tests.support.apps import SIZE, make_app, screen_text, settle, sign_in
from tests.support.at_rest import PASSPHRASE
from tests.tui.field.test_household import household, type_into
from tests.tui.field.test_visit import open_visit, write_concerns


@pytest.fixture
def room_302(demo_db: Path) -> str:
    """The uuid of household 302 of the demo grid (read while the file is plain)."""
    return household(demo_db, "302")


@pytest.fixture
def sealed_db(demo_db: Path, room_302: str) -> Path:
    """The demo laptop, its member signed in, encrypted with PASSPHRASE."""
    sign_in(demo_db)
    encrypt_in_place(demo_db, PASSPHRASE)
    return demo_db


async def unlock_with(pilot: Pilot[None], passphrase: str) -> None:
    await type_into(pilot, "#passphrase", passphrase)
    await pilot.press("enter")
    await settle(pilot)


def status_of(app: GridwalkerApp) -> str:
    return str(app.screen.query_one("#unlock-status").render())


async def test_the_passphrase_comes_first_then_the_app_opens(sealed_db: Path) -> None:
    app = make_app(sealed_db, "en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen) and app.engine is None
        assert "Unlock this laptop's database" in screen_text(app)
        assert app.screen.query_one("#passphrase", Input).password
        await unlock_with(pilot, PASSPHRASE)
        assert isinstance(app.screen, TodayScreen)
        assert app.engine is not None and app.member is not None


async def test_three_tries_then_a_wait_that_grows(
    sealed_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(UnlockScreen, "DELAY_SECONDS", 1.0)
    app = make_app(sealed_db, "en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UnlockScreen)
        for tries in (1, 2):
            await unlock_with(pilot, f"wrong {tries}")
            assert f"Wrong passphrase ({tries} of 3 tries)" in status_of(app)
            assert not screen.query_one("#passphrase", Input).disabled
        await unlock_with(pilot, "wrong 3")
        assert "Too many tries: wait" in status_of(app)
        assert screen.query_one("#passphrase", Input).disabled
        assert app.engine is None
        assert [screen.delay_after(n) for n in (2, 3, 4, 5)] == [0.0, 1.0, 2.0, 4.0]
        await pilot.pause(1.1)  # the wait is a timer on the screen
        assert not screen.query_one("#passphrase", Input).disabled
        await unlock_with(pilot, PASSPHRASE)
        assert isinstance(app.screen, TodayScreen) and app.engine is not None


def test_the_wait_is_capped() -> None:
    screen = UnlockScreen(Path("x.db"))
    assert screen.delay_after(3) == 5.0 and screen.delay_after(4) == 10.0
    assert screen.delay_after(30) == 300.0


async def test_ctrl_l_locks_and_an_open_form_and_its_draft_survive(
    sealed_db: Path, room_302: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(VisitScreen, "draft_pause", 0)
    uuid = room_302
    app = make_app(sealed_db, "zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock_with(pilot, PASSPHRASE)
        assert app.engine is not None
        visit = await open_visit(pilot, uuid)
        await write_concerns(pilot, "楼道灯坏了")
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen) and app.screen.locked
        shown = screen_text(app)
        assert "楼道灯坏了" not in shown and "302" not in shown  # nothing of the grid shows
        await unlock_with(pilot, "不是这个口令")
        assert isinstance(app.screen, UnlockScreen)
        await unlock_with(pilot, PASSPHRASE)
        assert app.screen is visit
        assert visit.query_one("#concerns", TextArea).text == "楼道灯坏了"
        with app.engine.connect() as conn:
            draft = rounds.load_draft(conn, rounds.visit_draft_key(uuid))
        assert draft is not None and draft.payload["visit"]["concerns"] == "楼道灯坏了"


async def test_idle_minutes_lock_the_app(sealed_db: Path) -> None:
    app = make_app(sealed_db, "en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock_with(pilot, PASSPHRASE)
        app.settings.lock_minutes = 2
        app.last_input = time.monotonic() - 60  # a minute idle: not yet
        app._lock_when_idle()  # noqa: SLF001 - what the app's interval timer calls
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        app.last_input = time.monotonic() - 121
        app._lock_when_idle()  # noqa: SLF001
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen) and "Locked" in screen_text(app)


async def test_a_plain_laptop_is_not_locked_and_says_why(demo_db: Path) -> None:
    app = make_app(demo_db, "en", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen)
        shown = " ".join(str(n.message) for n in app._notifications)  # noqa: SLF001 - the toasts
        assert "not encrypted: run gridwalker db encrypt" in shown


@pytest.mark.usefixtures("passphrase_env")
async def test_a_passphrase_file_opens_without_the_screen(sealed_db: Path) -> None:
    app = make_app(sealed_db, "en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen) and app.engine is not None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unlock_screen_snapshot(
    snap_compare: Callable[..., bool], sealed_db: Path, lang: str
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await unlock_with(pilot, "wrong")

    assert snap_compare(make_app(sealed_db, lang), terminal_size=SIZE, run_before=run_before)
