"""F1 help: the keys of the screen it was opened from, read from that screen's bindings."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from gridwalker.domain.i18n import _
from gridwalker.tui.keys import N_, KeyAction, translate_bindings


def keys_table(keys: list[KeyAction]) -> Text:
    """One line per key: the key, padded in cells to a common width, then what it does."""
    width = max((cell_len(k.label) for k in keys), default=0)
    text = Text()
    for index, key in enumerate(keys):
        if index:
            text.append("\n")
        text.append(key.label + " " * (width - cell_len(key.label)), style="bold")
        text.append("  " + key.description)
    return text


class HelpScreen(ModalScreen[None]):
    """A modal list of keys; Escape (or F1 again) closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape", "close", N_("Close help")),
        Binding("f1", "close", N_("Close help"), show=False),
    ]

    def __init__(self, keys: list[KeyAction]) -> None:
        """Show `keys`, taken from the calling screen's active bindings."""
        super().__init__()
        translate_bindings(self)
        self.keys = keys

    def compose(self) -> ComposeResult:
        """A framed panel: title, the keys, how to close."""
        with Vertical(id="help-panel"):
            yield Static(_("Keys on this screen"), id="help-title")
            yield Static(keys_table(self.keys), id="help-keys")
            yield Static(_("Press Escape to close."), id="help-hint")

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
