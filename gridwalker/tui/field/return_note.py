"""The supervisor's comment above a record the member corrects (a returned record's form)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.screen import Screen
from textual.widgets import Static

from gridwalker.domain.i18n import _
from gridwalker.tui.format import literal, local_time

if TYPE_CHECKING:
    from gridwalker.store.returns import LocalDecision, ReturnedItem

NOTE_ID = "return-note"


def return_note_text(decision: LocalDecision | ReturnedItem | None) -> Text:
    """Who returned the record, when, and why (the comment as written: never markup)."""
    if decision is None:
        return Text("")
    text = Text(_("Returned by your supervisor"), style="bold red")
    text.append("  ")
    text.append_text(literal(decision.decided_by))
    text.append("  " + local_time(decision.decided_at), style="dim")
    text.append("\n“", style="italic")
    comment = literal(decision.comment)
    comment.stylize("italic")
    text.append_text(comment)
    text.append("”", style="italic")
    text.append("\n")
    text.append(
        _(
            "Correct the record and save: it leaves the returned list and goes with the next export."
        ),
        style="dim",
    )
    return text


class ReturnNote(metaclass=type(Screen)):  # Textual's metaclass registers @on here
    """A form opened to correct a returned record: the comment on a line above the form.

    `NOTE_PARENT` is where the line goes (the screen itself, or a panel of a dialog) and
    `NOTE_BEFORE` the widget it goes in front of."""

    NOTE_PARENT: str | None = None
    NOTE_BEFORE: str = ""
    return_decision: LocalDecision | ReturnedItem | None = None

    @on(events.Mount)
    def _mount_return_note(self) -> None:
        parent = self.query_one(self.NOTE_PARENT) if self.NOTE_PARENT else self  # type: ignore[attr-defined]
        note = Static(return_note_text(self.return_decision), id=NOTE_ID, classes="return-note")
        note.styles.border = ("round", "red")
        note.styles.padding = (0, 1)
        note.styles.height = "auto"
        note.display = self.return_decision is not None
        parent.mount(note, before=parent.query_one(self.NOTE_BEFORE))

    def show_return_note(self, decision: LocalDecision | ReturnedItem | None) -> None:
        """Show (or hide, None) the supervisor's comment."""
        self.return_decision = decision
        note = self.query_one(f"#{NOTE_ID}", Static)  # type: ignore[attr-defined]
        note.update(return_note_text(decision))
        note.display = decision is not None
