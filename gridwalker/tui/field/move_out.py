"""Moving a resident out (迁出) and back in, from the household's roster.

Moving out asks for the day (today unless typed otherwise; not in the future, not before the
birth date) and where to (optional): `domain.forms.check_move_out`, the rule the store applies
again. Moving back in asks first; a second 本人 of the household is refused with its reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, Static

from gridwalker.domain import clock
from gridwalker.domain.forms import check_move_out
from gridwalker.domain.i18n import _, language
from gridwalker.tui.common.dialogs import ask_yes_no
from gridwalker.tui.common.workers import DbMixin, DbResult
from gridwalker.tui.field.actor import actor_of
from gridwalker.tui.format import literal
from gridwalker.tui.keys import N_, translate_bindings

if TYPE_CHECKING:
    from gridwalker.store.rounds import ResidentRow

MOVE_FIELDS = ("moved_out_on", "moved_to")


class MoveOutDialog(ModalScreen[tuple[str, str] | None]):
    """The day and the place of a move out; dismisses with (day, where to) or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", N_("Mark moved out")),
        Binding("escape", "cancel", N_("Cancel")),
    ]
    DEFAULT_CSS = """
    MoveOutDialog { align: center middle; }
    MoveOutDialog > Vertical {
        width: 72; max-width: 100%; height: auto; border: round $warning; padding: 1 2;
        background: $surface;
    }
    MoveOutDialog #move-title { text-style: bold; margin-bottom: 1; }
    MoveOutDialog Horizontal { height: 1; margin-top: 1; }
    MoveOutDialog Label { width: 12; color: $text-muted; }
    MoveOutDialog Input { width: 1fr; }
    MoveOutDialog .field-error { height: auto; color: $text-error; padding-left: 12; }
    MoveOutDialog #move-hint { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, resident: ResidentRow) -> None:
        """Ask about `resident`'s move out (their birth date bounds the day)."""
        super().__init__()
        translate_bindings(self)
        self.resident = resident

    def compose(self) -> ComposeResult:
        with Vertical():
            title = _("Mark {name} as moved out?").format(name=self.resident.name)
            yield Static(literal(title), id="move-title")
            with Horizontal():
                yield Label(_("Moved out on"))
                yield Input(clock.today().isoformat(), placeholder="YYYY-MM-DD", id="moved_out_on")
            yield Static("", id="err-moved_out_on", classes="field-error")
            with Horizontal():
                yield Label(_("Moved to"))
                yield Input(placeholder=_("Where to (optional)"), id="moved_to")
            yield Static("", id="err-moved_to", classes="field-error")
            yield Static(_("The record and its history are kept."), id="move-detail")
            yield Static(_("Ctrl+S mark moved out · Esc cancel"), id="move-hint")

    def on_mount(self) -> None:
        self.query_one("#moved_out_on", Input).focus()
        self.show_problems()

    def values(self) -> tuple[str, str]:
        """The day and the place as typed."""
        return self.query_one("#moved_out_on", Input).value, self.query_one(
            "#moved_to", Input
        ).value

    def show_problems(self) -> bool:
        """Put each reason next to its field; whether there was any."""
        day, where = self.values()
        problems = check_move_out(day, where, self.resident.birth_date, clock.today())
        lang = language()
        for name in MOVE_FIELDS:
            box = self.query_one(f"#err-{name}", Static)
            reason = problems.get(name)
            box.update(Text(reason.text(lang)) if reason else "")
            box.display = reason is not None
        return bool(problems)

    @on(Input.Changed)
    def _changed(self) -> None:
        self.show_problems()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter on the day moves on; on the place it marks the move."""
        if event.input.id == "moved_to":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        """Close with the day and place when both are valid."""
        if not self.show_problems():
            self.dismiss(self.values())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ResidentMoved(DbResult):
    """A resident was marked moved out (True) or back in (False)."""


class RosterMoves(DbMixin, metaclass=type(Screen)):  # Textual's metaclass registers @on here
    """The household screen's move out / move in. The screen gives `selected_resident()` and
    `database_ready()` (read the household again)."""

    def action_move_out(self) -> None:
        """Mark the selected resident moved out (day and place), or back in after asking."""
        resident: ResidentRow | None = self.selected_resident()  # type: ignore[attr-defined]
        if resident is None:
            self.notify(_("Choose a resident in the roster first."))  # type: ignore[attr-defined]
            return
        if not resident.moved_out:

            def chosen(values: tuple[str, str] | None) -> None:
                if values is not None:
                    self._move(resident, True, *values)

            self.app.push_screen(MoveOutDialog(resident), chosen)  # type: ignore[attr-defined]
            return
        question = _("Move {name} back into this household?").format(name=resident.name)
        detail = _("The record and its history are kept.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._move(resident, False, "", "")

        self.app.push_screen(  # type: ignore[attr-defined]
            ask_yes_no(question, _("Move back in"), _("Cancel"), detail), answered
        )

    def _move(self, resident: ResidentRow, out: bool, day: str, where: str) -> None:
        from gridwalker.store import rounds

        actor, uuid = actor_of(self.gw), resident.uuid  # type: ignore[attr-defined]
        rev = resident.rev or None  # as the roster showed them: refused when changed since
        self.db_write(
            lambda conn: (
                rounds.move_out(
                    conn, actor, uuid, out, on=day or None, moved_to=where, expect_rev=rev
                ),
                out,
            )[1],
            ResidentMoved,
            failed=self._move_refused,
        )

    def _move_refused(self, exc: BaseException) -> bool:
        """Refused by the store (changed elsewhere since, a second head, a bad day): say why
        and show the household as it is now."""
        from gridwalker.store.rounds import FormError
        from gridwalker.store.writes import StaleWrite

        lang = language()
        if isinstance(exc, StaleWrite):
            reason = exc.invalid.text(lang)
        elif isinstance(exc, FormError):
            reason = "；".join(p.text(lang) for p in exc.problems.values())
        else:
            return False
        self.notify(reason, severity="error", timeout=10)  # type: ignore[attr-defined]
        self.database_ready()  # type: ignore[attr-defined]
        return True

    @on(ResidentMoved)
    def _moved(self, message: ResidentMoved) -> None:
        moved_out: bool = message.result
        self.notify(_("Marked as moved out.") if moved_out else _("Moved back in."))  # type: ignore[attr-defined]
        self.database_ready()  # type: ignore[attr-defined]
