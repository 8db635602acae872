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

    def compose(self) -> ComposeResult:
        """The keys that fit, whole; the command palette's key on the right."""
        if not self._bindings_ready:
            return
        self._composed_for = width = self.app.size.width
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
        if palette is not None and self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            binding = palette[0]
            room -= self._width(binding) + PALETTE_EXTRA
        choice = fitted(
            [self._width(k[0]) for k in keys],
            [k[3] for k in keys],
            [k[0].action in HELP_ACTIONS for k in keys],
            room,
        )
        shown, compact = choice if choice else (list(range(len(keys))), True)
        self.compact = compact
        for index in shown:
            binding, enabled, tooltip, _app_wide = keys[index]
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
        if palette is not None and self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            binding, enabled, tooltip = palette
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=tooltip or binding.description,
            )

    def _width(self, binding: Binding) -> int:
        """The cells a key takes in the wide style."""
        return (
            cell_len(self.app.get_key_display(binding)) + cell_len(binding.description) + WIDE_PAD
        )

    def on_resize(self, _event: events.Resize) -> None:
        """Measure again when the terminal's width changed."""
        if self._bindings_ready and self.app.size.width != self._composed_for:
            self.call_after_refresh(self.recompose)
