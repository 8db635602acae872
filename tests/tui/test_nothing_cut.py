"""Nothing is cut at 100×30 or 120×40 in Chinese: every main screen of both apps, reached by
keys, shows its footer keys whole (F1 help among them), and the long texts — a quarantine
reason, the force dialog's explanation, a form's reason — wrap instead of running off."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from tests.support.apps import make_app, make_desk_app, press, screen_text, settle, sign_in, text_of
from tests.support.scenes import BusyDesk

SIZES = [(100, 30), (120, 40)]
# A household of the demo round with people in it (1栋 1-302).
ROUND_ROW = 5


def cut_keys(app: App[None]) -> list[str]:
    """The footer keys that do not show whole (cut by the terminal's edge or the palette's key)."""
    keys = list(app.screen.query(FooterKey))
    palette = [k for k in keys if k.has_class("-command-palette")]
    edge = palette[0].region.x if palette else app.size.width
    return [
        f"{k.key_display} {k.description}"
        for k in keys
        if k not in palette and (k.region.width == 0 or k.region.right > edge)
    ]


def check_footer(app: App[None], where: str) -> None:
    """The footer's keys are whole, and F1 (which lists every key) is one of them."""
    assert not cut_keys(app), f"{where}: cut footer keys {cut_keys(app)}"
    actions = {k.action for k in app.screen.query(FooterKey)}
    assert actions & {"help", "app.help"}, f"{where}: no F1 in the footer"


def unwrapped(text: str) -> str:
    """Text without spaces and line ends, to compare wrapped text with what was meant."""
    return "".join(text.split())


def shows_whole(widget: Static, meant: str) -> bool:
    """The widget shows all of `meant` (wrapped over as many lines as it needs)."""
    return unwrapped(meant) in unwrapped(text_of(widget))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_field_screens_show_their_keys_whole(demo_db: Path, size: tuple[int, int]) -> None:
    sign_in(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)

        async def visit(screen: str, *keys: str) -> None:
            await press(pilot, *keys)
            assert type(app.screen).__name__ == screen
            check_footer(app, f"{screen} at {size}")

        await visit("TodayScreen")
        await visit("RoundScreen", "r")
        await visit("HouseholdScreen", *["down"] * ROUND_ROW, "enter")
        await visit("VisitScreen", "v")
        await press(pilot, "escape", "escape", "escape")
        await visit("IssueListScreen", "i")
        await visit("IssueDetailScreen", "enter")
        await press(pilot, "escape", "escape")
        await visit("IssueFormScreen", "ctrl+n")
        await press(pilot, "escape")
        await visit("TowersScreen", "c")
        await visit("TowerScreen", "enter")
        await press(pilot, "escape", "escape")
        await visit("PlacesScreen", "p")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_desk_screens_show_their_keys_and_reasons_whole(
    busy_desk: BusyDesk, size: tuple[int, int]
) -> None:
    app = make_desk_app(busy_desk.desk)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)

        async def visit(screen: str, *keys: str) -> None:
            await press(pilot, *keys)
            assert type(app.screen).__name__ == screen
            check_footer(app, f"{screen} at {size}")

        await visit("QueueScreen")
        await visit("RecordScreen", "enter")
        await press(pilot, "escape")
        await visit("ConflictListScreen", "2")
        # The list says in its footer what Enter does (not only ^q and F1).
        assert "处理" in {k.description for k in app.screen.query(FooterKey)}
        await visit("ConflictScreen", "enter")
        await press(pilot, "escape")
        await visit("BundlesScreen", "3")
        await visit("MembersScreen", "4")
        await visit("CoverageScreen", "5")
        await visit("HubIssueListScreen", "6")
        await visit("HubIssueDetailScreen", "enter")

        await press(pilot, "3")
        shown = screen_text(app)
        quarantined = app.screen.books.quarantined[0]
        # The reason wraps (its last words show), the file name below it.
        assert quarantined.message.split()[-1] in shown
        assert quarantined.file in shown

        await press(pilot, "f")
        assert type(app.screen).__name__ == "Ask"
        detail = app.screen.query_one("#ask-detail", Static)
        assert shows_whole(detail, app.screen.detail), text_of(detail)
        question = app.screen.query_one("#ask-question", Static)
        assert shows_whole(question, app.screen.question)


async def test_a_long_footer_packs_and_leaves_out_what_f1_lists(demo_db: Path) -> None:
    """At 80 columns in English the household's keys cannot all show: the app-wide keys go
    first, F1 stays, and what shows is whole."""
    sign_in(demo_db)
    app = make_app(demo_db, "en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        check_footer(app, "today in English at 80×24")
        await press(pilot, "r", *["down"] * ROUND_ROW, "enter")
        check_footer(app, "household in English at 80×24")
        shown = {k.action for k in app.screen.query(FooterKey)}
        assert "app.quit" not in shown and "quit" not in shown
        await press(pilot, "f1")
        assert "Ctrl+Q" in screen_text(app)  # left out of the footer, listed by F1


async def test_the_footer_measures_again_when_the_terminal_grows(demo_db: Path) -> None:
    sign_in(demo_db)
    app = make_app(demo_db, "en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "r", *["down"] * ROUND_ROW, "enter")
        narrow = {k.action for k in app.screen.query(FooterKey)}
        await pilot.resize_terminal(160, 40)
        await settle(pilot)
        wide = {k.action for k in app.screen.query(FooterKey)}
        assert narrow < wide
        check_footer(app, "household at 160×40")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_queue_keeps_room_for_the_record_and_shows_the_highlighted_one_whole(
    busy_desk: BusyDesk, size: tuple[int, int]
) -> None:
    """At 100 columns the queue leaves the community out (its grid names it) so the record's
    title has room; the line under the list shows the highlighted record whole, at any width."""
    app = make_desk_app(busy_desk.desk)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        titles = text_of(app.screen.query_one("#queue-columns", Static))
        assert "…" not in titles and "标志/版本" in titles
        assert ("社区" in titles) == (size[0] >= 110)
        for _ in range(3):
            paged = app.screen.query_one("#queue-list")
            row = paged.current
            current = text_of(app.screen.query_one("#queue-current", Static))
            assert row.title in current and row.grid_code in current and row.member in current
            await press(pilot, "down")
        # Growing the terminal brings the community back.
        await pilot.resize_terminal(140, 40)
        await settle(pilot)
        assert "社区" in text_of(app.screen.query_one("#queue-columns", Static))
