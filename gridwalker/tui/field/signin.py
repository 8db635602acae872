"""First start: the member chooses who they are (and so their grid); remembered in settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from gridwalker.domain.i18n import _
from gridwalker.tui.common.workers import DbModal, DbResult
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from gridwalker.store.rounds import MemberRef


SET_UP = "set-up"  # what the screen returns to ask for the first-run setup


class MembersRead(DbResult):
    """The members of this database were read."""


class SignInScreen(DbModal):
    """Pick your name from the members of this database; Enter signs in."""

    CSS_PATH = "signin.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "quit_app", N_("Quit"))]

    def __init__(self) -> None:
        super().__init__()
        self.members: list[MemberRef] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="signin-panel"):
            yield Static(_("Who are you?"), id="signin-title")
            yield Static(
                _(
                    "Choose your name; your grid comes with it. You can change it later in the settings file."
                ),
                id="signin-hint",
            )
            yield OptionList(id="members")

    def database_ready(self) -> None:
        from gridwalker.store import rounds

        self.db_read(rounds.members, MembersRead)

    @on(MembersRead)
    def _show_members(self, message: MembersRead) -> None:
        members: list[MemberRef] = message.result
        self.members = members
        listing = self.query_one("#members", OptionList)
        width = max((cell_len(m.name) for m in members), default=0) + 2
        for m in members:
            label = Text(m.name + " " * (width - cell_len(m.name)), style="bold")
            label.append(
                f"{m.community} {m.grid_name} ({m.grid_code})" if m.grid_code else _("no grid")
            )
            listing.add_option(Option(label, id=m.uuid))
        if not members:  # a new laptop: straight to the first-run setup
            self.dismiss(SET_UP)
            return
        listing.highlighted = 0
        listing.focus()

    @on(OptionList.OptionSelected, "#members")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        member = next((m for m in self.members if m.uuid == event.option.id), None)
        if member is not None:
            self.dismiss(member)

    def action_quit_app(self) -> None:
        self.app.exit()
