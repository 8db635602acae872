"""The footer composes its keys again only when what it shows changes."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from gridwalker.tui.common.footer import KeysFooter


class Two(App):
    """Two inputs with the same keys, and one with a key of its own."""

    BINDINGS = [Binding("f1", "help", "Help"), Binding("f5", "go", "Go")]

    def compose(self) -> ComposeResult:
        yield Input(id="a")
        yield Input(id="b")
        yield Own(id="c")
        yield KeysFooter()

    def action_go(self) -> None:
        """A key for the footer."""


class Own(Input):
    BINDINGS = [Binding("f6", "mine", "Mine")]

    def action_mine(self) -> None:
        """A key only this input has."""


def shown(app: App) -> list[str]:
    """The footer's keys, without the command palette's on the right."""
    footer = app.query_one(KeysFooter)
    return [key.description for key in footer.children if not key.has_class("-command-palette")]


async def test_moving_focus_between_widgets_with_the_same_keys_keeps_the_footer() -> None:
    app = Two()
    async with app.run_test(size=(100, 10)) as pilot:
        await pilot.pause()
        footer = app.query_one(KeysFooter)
        before = list(footer.children)
        assert shown(app) == ["Help", "Go"]
        app.query_one("#b").focus()
        await pilot.pause()
        assert list(footer.children) == before  # the same widgets: nothing composed again


async def test_a_key_that_comes_with_focus_shows_and_goes_again() -> None:
    app = Two()
    async with app.run_test(size=(100, 10)) as pilot:
        await pilot.pause()
        app.query_one("#c").focus()
        await pilot.pause()
        assert shown(app) == ["Mine", "Help", "Go"]
        app.query_one("#a").focus()
        await pilot.pause()
        assert shown(app) == ["Help", "Go"]


async def test_a_narrower_terminal_composes_the_keys_again() -> None:
    app = Two()
    async with app.run_test(size=(100, 10)) as pilot:
        await pilot.pause()
        before = list(app.query_one(KeysFooter).children)
        await pilot.resize_terminal(60, 10)
        await pilot.pause()
        await pilot.pause()
        assert list(app.query_one(KeysFooter).children) != before
        assert shown(app) == ["Help", "Go"]
