"""On a laptop: the records the supervisor returned, each with the comment; Enter opens the
household or enterprise where it is corrected (an issue opens itself)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from gridwalker.domain.i18n import _
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.record_kinds import kind_label
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.format import local_time, pad
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import field_navigator, navigator

if TYPE_CHECKING:
    from gridwalker.store.returns import ReturnedItem


class ReturnedLoaded(DbResult):
    """The returned records were read."""


class PlaceFound(DbResult):
    """Where a returned record is corrected was looked up (None: no longer on this laptop)."""


def render_returned(item: ReturnedItem) -> Text:
    """One returned item: kind, what, when and by whom, and the supervisor's comment."""
    text = Text.assemble(
        (pad(kind_label(item.entity), 10, gap=1), "bold"),
        (item.title, "bold"),
        "\n",
        (pad("", 10, gap=1) + local_time(item.decided_at) + "  " + item.decided_by + "  ", "dim"),
        ("“" + item.comment + "”", "italic red"),
    )
    return text


class ReturnedList(DbScreen):
    """On a laptop: the records the supervisor returned, with the comment; Enter opens one."""

    CSS_PATH = "returned.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("f5", "refresh", N_("Refresh"), show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[ReturnedItem] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(_("Loading…"), id="returned-head")
        yield OptionList(id="returned-list")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Returned for correction")
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        from gridwalker.store.returns import returned_items

        self.db_read(returned_items, ReturnedLoaded)

    @on(ReturnedLoaded)
    def _show(self, message: ReturnedLoaded) -> None:
        items: list[ReturnedItem] = message.result
        self.items = items
        head = (
            _("{n} records returned by your supervisor: correct them, then export.").format(
                n=len(items)
            )
            if items
            else _("Nothing is returned: every decision so far is an approval.")
        )
        self.query_one("#returned-head", Static).update(Text(head, style="bold"))
        listing = self.query_one("#returned-list", OptionList)
        listing.clear_options()
        listing.add_options(
            [Option(render_returned(item), id=str(i)) for i, item in enumerate(items)]
        )
        if items:
            listing.highlighted = 0
        listing.focus()

    @on(OptionList.OptionSelected, "#returned-list")
    def _open(self, event: OptionList.OptionSelected) -> None:
        from gridwalker.store.desk import lookups

        item = self.items[int(event.option.id or 0)]
        if item.entity == "issue":
            navigator(self).open_issue(item.uuid)
            return
        entity, uuid = item.entity, item.uuid
        self.db_read(lambda conn: lookups.place_of(conn, entity, uuid), PlaceFound)

    @on(PlaceFound)
    def _open_place(self, message: PlaceFound) -> None:
        target: tuple[str, str] | None = message.result
        if target is None:
            self.notify(_("This record is no longer on this laptop."), severity="warning")
            return
        kind, uuid = target
        if kind == "household":
            field_navigator(self).open_household(uuid)
        else:
            field_navigator(self).open_enterprise(uuid)

    def on_screen_resume(self) -> None:
        """Back from a correction: the item may be corrected now."""
        if self.engine is not None:
            self.database_ready()

    def action_refresh(self) -> None:
        self.database_ready()

    def action_back(self) -> None:
        self.app.pop_screen()
