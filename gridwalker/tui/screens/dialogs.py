"""Small dialogs the forms share."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from gridwalker.domain.i18n import _
from gridwalker.tui.keys import N_, translate_bindings


class LeaveDialog(ModalScreen[str | None]):
    """Leaving a form with unsaved changes: keep the draft, discard it, or stay."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "choose('keep')", N_("Keep the draft")),
        Binding("d", "choose('discard')", N_("Discard")),
        Binding("escape", "choose('')", N_("Stay")),
    ]
    DEFAULT_CSS = """
    LeaveDialog { align: center middle; }
    LeaveDialog > Vertical {
        width: 64; height: auto; border: round $warning; padding: 1 2; background: $surface;
    }
    LeaveDialog Horizontal { height: auto; margin-top: 1; }
    LeaveDialog Button { margin-right: 2; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title")
            yield Static(_("Keep it as a draft to finish later, or discard it?"))
            with Horizontal():
                yield Button(_("Keep the draft") + " (k)", id="keep", variant="primary")
                yield Button(_("Discard") + " (d)", id="discard", variant="error")
                yield Button(_("Stay") + " (Esc)", id="stay")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose("" if event.button.id == "stay" else str(event.button.id))

    def action_choose(self, choice: str) -> None:
        """Close the dialog with the choice ("" stays on the form)."""
        self.dismiss(choice or None)
