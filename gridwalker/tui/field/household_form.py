"""A household's head, phone and occupancy (h on the household screen): the way a returned
household is corrected. Saved over the rev it loaded; a refusal is shown in the dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static

from gridwalker.domain.choices import Occupancy
from gridwalker.domain.i18n import _, label, language
from gridwalker.tui.common.workers import DbModal, DbResult
from gridwalker.tui.format import literal
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from sqlalchemy import Connection


class HouseholdRead(DbResult):
    """The household's fields and rev were read (None: gone)."""


class HouseholdSaved(DbResult):
    """The household was saved (its new rev, or None when nothing changed)."""


class HouseholdForm(DbModal):
    """Head of household, phone, occupancy; ctrl+s saves, Esc leaves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", N_("Save"), priority=True),
        Binding("escape", "cancel", N_("Cancel")),
    ]
    DEFAULT_CSS = """
    HouseholdForm { align: center middle; }
    HouseholdForm > Vertical {
        width: 70; max-width: 100%; height: auto; border: round $primary; padding: 0 2;
        background: $surface;
    }
    HouseholdForm .title { text-style: bold; margin: 1 0; }
    HouseholdForm .error { color: $error; margin-top: 1; }
    HouseholdForm Label { margin-top: 1; }
    """

    def __init__(self, household_uuid: str, actor: str, address: str) -> None:
        super().__init__()
        self.household_uuid = household_uuid
        self.actor = actor
        self.address = address
        self.rev: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self.address + "  (ctrl+s, Esc)"), classes="title")
            yield Label(_("Head of household"))
            yield Input(id="head_name")
            yield Label(_("Phone"))
            yield Input(id="phone")
            yield Label(_("Occupancy"))
            yield Select[str](
                [(label(o), o.value) for o in Occupancy], id="occupancy", allow_blank=False
            )
            yield Static("", id="household-error", classes="error")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#household-error").display = False

    def database_ready(self) -> None:
        from gridwalker.store.rounds.edits import stored_household

        uuid = self.household_uuid
        self.db_read(lambda conn: stored_household(conn, uuid), HouseholdRead)

    @on(HouseholdRead)
    def _loaded(self, message: HouseholdRead) -> None:
        row: dict[str, Any] | None = message.result
        if row is None:
            self._error(_("This record is no longer on this laptop."))
            return
        self.rev = row["rev"]
        self.query_one("#head_name", Input).value = row["head_name"] or ""
        self.query_one("#phone", Input).value = row["phone"] or ""
        self.query_one("#occupancy", Select).value = row["occupancy"]
        self.query_one("#head_name", Input).focus()

    def _error(self, text: str) -> None:
        shown = self.query_one("#household-error", Static)
        shown.update(literal(text))
        shown.display = bool(text)

    def action_save(self) -> None:
        from gridwalker.store.rounds.edits import update_household

        if self.rev is None:
            return
        head = self.query_one("#head_name", Input).value
        phone = self.query_one("#phone", Input).value
        occupancy = str(self.query_one("#occupancy", Select).value)
        uuid, actor, rev = self.household_uuid, self.actor, self.rev

        def write(conn: Connection) -> str | None:
            return update_household(conn, actor, uuid, head, phone, occupancy, expect_rev=rev)

        self.db_write(write, HouseholdSaved, failed=self._refused)

    def _refused(self, error: BaseException) -> bool:
        from gridwalker.store.rounds.edits import FormError

        if isinstance(error, FormError):
            lang = language()
            self._error("; ".join(p.text(lang) for p in error.problems.values()))
            return True
        if isinstance(error, ValueError):  # StaleWrite and other refusals: the reason
            self._error(str(error))
            return True
        return False

    @on(HouseholdSaved)
    def _saved(self, message: HouseholdSaved) -> None:
        self.dismiss(message.result is not None)

    def action_cancel(self) -> None:
        self.dismiss(None)
