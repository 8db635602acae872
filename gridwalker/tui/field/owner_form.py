"""Typing the owner register by hand: one room (专有部分) of a consultation, its owner and area,
added or edited from the consultation screen when the property company's spreadsheet is
missing or wrong. The store checks it by the import's rules (`register.save_room`: a room
within the scope, an owner, an area above 0 with at most two decimals); its refusal is shown
in the dialog next to the field it names, and nothing is written."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Label, Static

from gridwalker.domain.i18n import _, language
from gridwalker.tui.common.workers import DbModal, DbResult
from gridwalker.tui.field.actor import actor_of
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from gridwalker.store.consult.consultations import ConsultationInfo
    from gridwalker.store.consult.register import RegisterRoom

# The form's inputs by the register's column keys (what a refusal names).
FIELDS = ("unit", "room", "floor", "owner", "area")


class OwnerSaved(DbResult):
    """A room of the owner register was saved (its uuid)."""


class OwnerForm(DbModal):
    """One room of the owner register; dismisses with True once saved, else None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", N_("Save")),
        Binding("escape", "cancel", N_("Cancel")),
    ]
    DEFAULT_CSS = """
    OwnerForm { align: center middle; }
    OwnerForm > Vertical {
        width: 76; max-width: 100%; height: auto; border: round $warning; padding: 1 2;
        background: $surface;
    }
    OwnerForm #owner-title { text-style: bold; margin-bottom: 1; }
    OwnerForm Horizontal { height: 3; }
    OwnerForm Label { width: 14; color: $text-muted; padding-top: 1; }
    OwnerForm Input { width: 1fr; }
    OwnerForm Input.-refused { border: tall $error; }
    OwnerForm #owner-error { height: auto; color: $text-error; margin-top: 1; }
    OwnerForm #owner-hint { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, consultation: ConsultationInfo, room: RegisterRoom | None = None) -> None:
        super().__init__()
        self.consultation = consultation
        self.room = room

    def compose(self) -> ComposeResult:
        c, r = self.consultation, self.room
        head = (
            _("Edit a room of the owner register") if r else _("Add a room to the owner register")
        )
        scope = c.building + (f" {c.unit}单元" if c.unit else "")
        unit = str(r.unit) if r and r.unit else (str(c.unit) if c.unit else "")
        with Vertical():
            yield Static(
                Text.assemble((head, "bold"), "\n", (c.title, ""), "  ", (scope, "dim")),
                id="owner-title",
            )
            with Horizontal():
                yield Label(_("Unit"))
                yield Input(
                    unit,
                    placeholder=_("the unit number (1, 2 …)"),
                    id="owner-unit",
                    disabled=c.unit is not None,
                )
            with Horizontal():
                yield Label(_("Room"))
                yield Input(r.room if r else "", placeholder="302", id="owner-room")
            with Horizontal():
                yield Label(_("Floor"))
                floor = str(r.floor) if r and r.floor is not None else ""
                yield Input(
                    floor, placeholder=_("from the room number when empty"), id="owner-floor"
                )
            with Horizontal():
                yield Label(_("Owner"))
                owner = "" if r is None or r.unsold else r.owner
                yield Input(owner, placeholder=_("co-owners as 张三、李四"), id="owner-owner")
            with Horizontal():
                yield Label(_("Area m²"))
                yield Input(r.area if r else "", placeholder="85.30", id="owner-area")
            yield Checkbox(
                _("The developer's unsold room"), r.unsold if r else False, id="owner-unsold"
            )
            yield Static("", id="owner-error")
            yield Static(_("Ctrl+S save · Esc cancel"), id="owner-hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#owner-error", Static).display = False
        first = "#owner-room" if self.consultation.unit is not None else "#owner-unit"
        self.query_one(first, Input).focus()

    def _cells(self) -> dict[str, str]:
        cells = {name: self.query_one(f"#owner-{name}", Input).value for name in FIELDS}
        unsold = self.query_one("#owner-unsold", Checkbox).value
        cells["unsold"] = "是" if unsold else ""
        if unsold and not cells["owner"].strip():
            cells["owner"] = "未售"  # what the register writes for the developer's room
        return cells

    def action_save(self) -> None:
        """Save the room (the store says why not, next to the field)."""
        from gridwalker.store.consult.register import save_room

        for box in self.query(Input):
            box.remove_class("-refused")
        actor, lang = actor_of(self.gw), language()
        consultation, room, cells = self.consultation, self.room, self._cells()
        self.db_write(
            lambda conn: save_room(conn, actor, consultation, cells, room=room, lang=lang),
            OwnerSaved,
            failed=self._refused,
        )

    def _refused(self, exc: BaseException) -> bool:
        from gridwalker.store.consult import ConsultProblem
        from gridwalker.store.writes import StaleWrite

        if isinstance(exc, StaleWrite):
            self._show(_("This room was changed meanwhile: close the form and open it again."))
            return True
        if not isinstance(exc, ConsultProblem):
            return False
        self._show(exc.in_language(language()))
        if exc.column in FIELDS:
            box = self.query_one(f"#owner-{exc.column}", Input)
            box.add_class("-refused")
            if not box.disabled:
                box.focus()
        return True

    def _show(self, reason: str) -> None:
        box = self.query_one("#owner-error", Static)
        box.update(Text(reason))
        box.display = True

    @on(OwnerSaved)
    def _saved(self, _message: OwnerSaved) -> None:
        self.dismiss(True)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)
