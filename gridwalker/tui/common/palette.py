"""The command palette: every action the current screen offers, in the UI language."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from rich.align import Align
from rich.text import Text
from textual.app import App, SystemCommand
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape
from textual.screen import Screen
from textual.widgets.option_list import Option

from gridwalker.domain.i18n import _
from gridwalker.tui.format import literal
from gridwalker.tui.keys import KeyAction, screen_keys, translate_bindings


class ActionCommands(Provider):
    """Lists the app's and the current screen's actions, with their keys as help."""

    def _actions(self) -> list[KeyAction]:
        """The actions to offer, without the palette's own key."""
        return [
            action
            for action in screen_keys(self.screen, widgets=False)
            if action.action not in {"command_palette", "app.command_palette"}
        ]

    def _runner(self, action: KeyAction) -> partial[object]:
        """A callable that runs the action where its binding lives."""
        return partial(self.app.run_action, action.action, action.node)

    async def discover(self) -> Hits:
        """Offer every action before anything is typed."""
        for action in self._actions():
            yield DiscoveryHit(
                literal(action.description), self._runner(action), help=escape(action.label)
            )

    async def search(self, query: str) -> Hits:
        """Offer the actions whose description matches what was typed."""
        matcher = self.matcher(query)
        for action in self._actions():
            score = matcher.match(action.description)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(action.description),
                    self._runner(action),
                    text=action.description,
                    help=escape(action.label),
                )


class Palette(CommandPalette):
    """Textual's command palette with its own words in the UI language."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("placeholder", _("Search for commands…"))
        super().__init__(**kwargs)
        translate_bindings(self)

    def _start_no_matches_countdown(self, search_value: str) -> None:
        """Say "no matches" in the UI language (Textual's own countdown says it in English)."""
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(_("No matches found"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


def system_commands(app: App[Any], screen: Screen[Any]) -> Iterator[SystemCommand]:
    """Textual's system commands, in the UI language. Quit and the keys (F1 help) are the
    app's own bindings, which the palette lists already."""
    yield SystemCommand(_("Theme"), _("Change the colours of the app"), app.action_change_theme)
    if screen.maximized is not None:
        yield SystemCommand(
            _("Minimize"), _("Restore the widget to its normal size"), screen.action_minimize
        )
    elif screen.focused is not None and screen.focused.allow_maximize:
        yield SystemCommand(
            _("Maximize"), _("Show the focused widget on the whole screen"), screen.action_maximize
        )
    yield SystemCommand(
        _("Screenshot"),
        _("Save a picture of this screen (an SVG file) in the Downloads folder"),
        partial(save_screenshot, app),
    )


def search_themes(app: App[Any]) -> None:
    """The theme picker, asking in the UI language."""
    from textual.theme import ThemeProvider

    app.push_screen(Palette(providers=[ThemeProvider], placeholder=_("Search for themes…")))


def save_screenshot(app: App[Any]) -> None:
    """Save the screen as an SVG and say where, in the UI language."""
    try:
        path = app.save_screenshot()
    except OSError as exc:
        app.notify(
            _("Could not save the screenshot: {reason}").format(reason=exc.strerror or exc),
            severity="error",
        )
    else:
        app.notify(_("Screenshot saved: {path}").format(path=path))
