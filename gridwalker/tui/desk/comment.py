"""The comment a supervisor writes when returning a record (required: the member reads it)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from gridwalker.domain.i18n import _
from gridwalker.tui.format import literal
from gridwalker.tui.keys import N_, translate_bindings


class CommentModal(ModalScreen[str | None]):
    """The comment of a return: required, refused when empty with the reason; Esc cancels."""

    CSS_PATH = "comment.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, subject: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.subject = subject

    def compose(self) -> ComposeResult:
        with Vertical(id="comment-panel"):
            yield Static(_("Return for correction"), id="comment-title")
            yield Static(literal(self.subject), id="comment-subject")
            yield Static(
                _("Say what to correct: the member sees this comment on their laptop."),
                id="comment-hint",
            )
            yield Input(placeholder=_("Comment (required)"), id="comment")
            yield Static("", id="comment-reason")
            with Horizontal(id="comment-buttons"):
                yield Button(_("Return") + " (Enter)", id="comment-ok", variant="error")
                yield Button(_("Cancel") + " (Esc)", id="comment-cancel")

    def on_mount(self) -> None:
        self.query_one("#comment", Input).focus()

    @on(Input.Submitted, "#comment")
    def _submitted(self) -> None:
        self.confirm()

    @on(Button.Pressed, "#comment-ok")
    def _ok(self) -> None:
        self.confirm()

    @on(Button.Pressed, "#comment-cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def confirm(self) -> None:
        """Hand back the comment, or say why an empty one cannot return the record."""
        comment = self.query_one("#comment", Input).value.strip()
        if not comment:
            self.query_one("#comment-reason", Static).update(
                _("A return needs a comment that says what to correct; write one or press Esc.")
            )
            return
        self.dismiss(comment)

    def action_cancel(self) -> None:
        """Close without returning."""
        self.dismiss(None)
