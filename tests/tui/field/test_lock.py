"""An encrypted laptop in the field app (#16): the unlock screen at start (three tries, then a
growing wait), the lock on ctrl+l and after idle minutes, and an open form and its draft
that survive a lock; snapshots of the unlock screen in both languages."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from gridwalker.store import rounds
from gridwalker.store.at_rest import encrypt_in_place
from gridwalker.store.migrate import open_database
from gridwalker.tui.field.app import GridwalkerApp
from gridwalker.tui.field.today import TodayScreen
from gridwalker.tui.field.unlock import UnlockScreen
from gridwalker.tui.field.visit import VisitScreen
from tests.support.apps import SIZE, make_app, screen_text, settle, sign_in
from tests.support.at_rest import PASSPHRASE
from tests.support.laptops import Laptop
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


async def test_an_unlocked_session_holds_the_key_for_the_nightly_export(sealed_db: Path) -> None:
    from gridwalker.store import session_key

    app = make_app(sealed_db, "en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert session_key.held_key(sealed_db) is None  # nothing before the passphrase
        await unlock_with(pilot, PASSPHRASE)
        assert app.db_key is not None and session_key.held_key(sealed_db) == app.db_key


async def test_no_key_is_held_when_the_settings_say_so(sealed_db: Path) -> None:
    from gridwalker import config
    from gridwalker.store import session_key

    settings = config.load_settings(config.paths())
    settings.hold_key_hours = 0
    config.save_settings(config.paths(), settings)
    app = make_app(sealed_db, "en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock_with(pilot, PASSPHRASE)
        assert app.engine is not None and session_key.held_key(sealed_db) is None


async def test_quitting_exports_first(laptop: Laptop) -> None:
    from gridwalker import config
    from gridwalker.store.tables import Member

    laptop.engine.dispose()
    engine = open_database(laptop.db)
    with engine.connect() as conn:
        member = conn.execute(select(Member.uuid, Member.name).order_by(Member.name)).first()
    engine.dispose()
    config.save_settings(laptop.home, config.Settings(member_uuid=member[0], member_name=member[1]))
    encrypt_in_place(laptop.db, PASSPHRASE)
    app = make_app(laptop.db, "en", home=laptop.home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock_with(pilot, PASSPHRASE)
        assert not laptop.home.outbox.exists() or not list(laptop.home.outbox.iterdir())
        await pilot.press("ctrl+q")
        await settle(pilot)
    bundles = list(laptop.home.outbox.glob("*.zip.age"))
    assert len(bundles) == 1
    assert app.return_code == 0


async def test_quitting_without_a_trusted_hub_just_quits(demo_db: Path) -> None:
    app = make_app(demo_db, "en", signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
    assert not config_outbox().exists() or not list(config_outbox().iterdir())


def config_outbox() -> Path:
    from gridwalker import config

    return config.paths().outbox
