"""The desk's Members tab from the keyboard: add a member (a), move one to another grid (m),
retire one (x) — the same store functions as `gridwalker hub member add|move|retire`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static

from gridwalker.domain.i18n import _, language
from gridwalker.tui.common.workers import DbModal, DbResult
from gridwalker.tui.format import literal
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.rounds.setup import GridRef


class GridsRead(DbResult):
    """The grids of the hub were read."""


class MemberAdded(DbResult):
    """The member was added (their name and grid)."""


def free_grids(conn: Connection) -> list[GridRef]:
    """The hub's grids, those nobody walks first."""
    from gridwalker.store.rounds.setup import grids

    return sorted(grids(conn), key=lambda g: (g.member_uuid is not None, g.code))


def grid_options(found: list[GridRef]) -> list[tuple[str, str]]:
    """(label, code) of each grid for a picker: code, path, and who walks it."""
    out = []
    for g in found:
        taken = "" if g.member_uuid is None else "  " + _("(has a member)")
        out.append((f"{g.code}  {g.path}{taken}", g.code))
    return out


class NewMemberModal(DbModal):
    """Name, phone (optional) and grid of a new member; ctrl+s adds, Esc leaves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "add", N_("Add member"), priority=True),
        Binding("escape", "cancel", N_("Cancel")),
    ]
    DEFAULT_CSS = """
    NewMemberModal { align: center middle; }
    NewMemberModal > Vertical {
        width: 80; max-width: 100%; height: auto; border: round $primary; padding: 0 2;
        background: $surface;
    }
    NewMemberModal .title { text-style: bold; margin: 1 0; }
    NewMemberModal .error { color: $error; margin-top: 1; }
    NewMemberModal Label { margin-top: 1; }
    """

    def __init__(self, actor: str) -> None:
        super().__init__()
        self.actor = actor

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Add a grid member") + "  (ctrl+s, Esc)", classes="title")
            yield Label(_("Name"))
            yield Input(id="member-name")
            yield Label(_("Phone (optional)"))
            yield Input(id="member-phone")
            yield Label(_("Grid"))
            yield Select[str]([], id="member-grid", prompt=_("Choose the grid"))
            yield Static("", id="member-error", classes="error")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#member-error").display = False
        self.query_one("#member-name", Input).focus()

    def database_ready(self) -> None:
        self.db_read(free_grids, GridsRead)

    @on(GridsRead)
    def _grids(self, message: GridsRead) -> None:
        self.query_one("#member-grid", Select).set_options(grid_options(message.result))

    def _error(self, text: str) -> None:
        shown = self.query_one("#member-error", Static)
        shown.update(literal(text))
        shown.display = bool(text)

    def action_add(self) -> None:
        from gridwalker.store.desk.people import add_member

        name = self.query_one("#member-name", Input).value
        phone = self.query_one("#member-phone", Input).value.strip() or None
        grid = self.query_one("#member-grid", Select).value
        if grid == Select.BLANK:
            self._error(_("Choose the grid."))
            return
        if phone is not None:
            from gridwalker.domain.validators import check_phone, normalize_phone

            bad = check_phone(phone)
            if bad is not None:
                self._error(bad.text(language()))
                return
            phone = normalize_phone(phone)
        actor = self.actor

        def write(conn: Connection) -> Any:
            return add_member(conn, actor, name, str(grid), phone)

        self.db_write(write, MemberAdded, failed=self._refused)

    def _refused(self, error: BaseException) -> bool:
        if isinstance(error, ValueError):
            self._error(str(error))
            return True
        return False

    @on(MemberAdded)
    def _added(self, message: MemberAdded) -> None:
        self.dismiss(self.query_one("#member-name", Input).value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
