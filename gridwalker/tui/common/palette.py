"""The command palette: every action the current screen offers, in the UI language."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from gridwalker.tui.format import literal
from gridwalker.tui.keys import KeyAction, screen_keys


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
