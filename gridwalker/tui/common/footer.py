"""The footer: the keys of the screen that fit on one line, never one cut in half.

Textual's footer shows every key and lets the terminal cut the line wherever it ends ("f1 帮"
at 100 columns in Chinese). This one measures the keys first: when they do not fit it packs
them closer, then leaves out the app-wide keys the F1 help lists anyway (quit, search), then
the screen's last keys, so that what shows is whole and F1 — which lists them all — stays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual import events
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.binding import Binding
    from textual.screen import Screen

# Cells around a key and its description: " key desc " (wide) or "key desc" plus a margin
# (compact); the palette key, docked right, adds its border.
WIDE_PAD = 3
COMPACT_PAD = 2
PALETTE_EXTRA = 1
HELP_ACTIONS = {"help", "app.help"}


def fitted(
    widths: list[int], app_wide: list[bool], keep: list[bool], room: int
) -> tuple[list[int], bool] | None:
    """Which keys to show in `room` cells: indexes in order, and whether compact.

    `widths` are the wide widths; a key marked `keep` (F1 help) is never left out; app-wide
    keys go first (search before quit), then the screen's from the last. None: not even the
    kept keys fit.
    """
    shown = list(range(len(widths)))
    for compact in (False, True):
        pad = 0 if not compact else COMPACT_PAD - WIDE_PAD

        def total(indexes: list[int], pad: int = pad) -> int:
            return sum(widths[i] + pad for i in indexes)

        if total(shown) <= room:
            return shown, compact
        if not compact:
            continue
        for i in reversed([i for i in shown if app_wide[i] and not keep[i]]):
            shown.remove(i)
            if total(shown) <= room:
                return shown, compact
        for i in reversed([i for i in shown if not keep[i]]):
            shown.remove(i)
            if total(shown) <= room:
                return shown, compact
    return None


class KeysFooter(Footer):
    """A footer whose keys fit the width of the terminal (see the module's docstring)."""

    _composed_for = 0
    _composed: tuple = ()  # what the last compose showed (see `_plan`)

    def _plan(self) -> tuple[tuple, bool, tuple | None]:
        """The keys that fit, in order, whether compact, and the palette's key (or None).

        Each key is (key, display, description, action, enabled, tooltip): everything a
        `FooterKey` shows, so two equal plans paint the same footer.
        """
        width = self.app.size.width
        active = self.screen.active_bindings
        seen: set[str] = set()
        keys: list[tuple[Binding, bool, str, bool]] = []
        palette = None
        for key, (node, binding, enabled, tooltip) in active.items():
            if key == self.app.COMMAND_PALETTE_BINDING:
                palette = (binding, enabled, tooltip)
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((binding, enabled, tooltip, node is self.app))
        room = width
        with_palette = (
            palette is not None and self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE
        )
        if with_palette:
            room -= self._width(palette[0]) + PALETTE_EXTRA
        choice = fitted(
            [self._width(k[0]) for k in keys],
            [k[3] for k in keys],
            [k[0].action in HELP_ACTIONS for k in keys],
            room,
        )
        shown, compact = choice if choice else (list(range(len(keys))), True)

        def described(binding: Binding, enabled: bool, tooltip: str) -> tuple:
            display = self.app.get_key_display(binding)
            return (binding.key, display, binding.description, binding.action, enabled, tooltip)

        plan = tuple(described(*keys[i][:3]) for i in shown)
        palette_key = None
        if with_palette:
            binding, enabled, tooltip = palette
            palette_key = described(binding, enabled, tooltip or binding.description)
        return plan, compact, palette_key

    def compose(self) -> ComposeResult:
        """The keys that fit, whole; the command palette's key on the right."""
        if not self._bindings_ready:
            return
        self._composed_for = self.app.size.width
        plan, compact, palette_key = self._composed = self._plan()
        self.compact = compact
        for key, display, description, action, enabled, tooltip in plan:
            yield FooterKey(
                key, display, description, action, disabled=not enabled, tooltip=tooltip
            ).data_bind(compact=Footer.compact)
        if palette_key is not None:
            key, display, description, action, enabled, tooltip = palette_key
            yield FooterKey(
                key,
                display,
                description,
                action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=tooltip,
            )

    def bindings_changed(self, screen: Screen) -> None:
        """Compose again only when the keys to show changed: focus moving between widgets
        changes the bindings often and the footer mostly stays the same."""
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._composed_for or self._plan() != self._composed:
            self.call_after_refresh(self.recompose)

    def _width(self, binding: Binding) -> int:
        """The cells a key takes in the wide style."""
        return (
            cell_len(self.app.get_key_display(binding)) + cell_len(binding.description) + WIDE_PAD
        )

    def on_resize(self, _event: events.Resize) -> None:
        """Measure again when the terminal's width changed."""
        if self._composed_for and self.app.size.width != self._composed_for:
            self.call_after_refresh(self.recompose)
