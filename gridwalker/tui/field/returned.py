"""On a laptop: the records the supervisor returned, each with the comment; Enter opens the
record itself, in the form it is corrected in, the comment above it. Below them, the records
corrected here since ("resubmitted"), waiting for the next export and the supervisor."""

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
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.returns import CorrectionTarget, ReturnedItem


class ReturnedLoaded(DbResult):
    """The returned records were read."""


class CorrectionFound(DbResult):
    """What a returned record is corrected in was read (None: no longer on this laptop)."""


def read_returned(conn: Connection) -> tuple[list[ReturnedItem], list[ReturnedItem]]:
    """The records returned, and those corrected since (resubmitted), in a worker."""
    from gridwalker.store.returns import resubmitted_items, returned_items

    return returned_items(conn), resubmitted_items(conn)


def render_returned(item: ReturnedItem, *, resubmitted: bool = False) -> Text:
    """One returned item: kind, what, when and by whom, and the supervisor's comment (a
    resubmitted one says so, dimmed)."""
    text = Text.assemble(
        (pad(kind_label(item.entity), 10, gap=1), "bold"),
        (item.title, "dim" if resubmitted else "bold"),
    )
    if resubmitted:
        text.append("  " + _("resubmitted"), style="bold cyan")
    text.append("\n")
    text.append(
        pad("", 10, gap=1) + local_time(item.decided_at) + "  " + item.decided_by + "  ",
        style="dim",
    )
    text.append("“" + item.comment + "”", style="italic dim" if resubmitted else "italic red")
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
        self.resubmitted: list[ReturnedItem] = []
        self.opening: ReturnedItem | None = None

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
        self.db_read(read_returned, ReturnedLoaded)

    @on(ReturnedLoaded)
    def _show(self, message: ReturnedLoaded) -> None:
        items: list[ReturnedItem]
        resubmitted: list[ReturnedItem]
        items, resubmitted = message.result
        self.items, self.resubmitted = items, resubmitted
        head = Text(
            _("{n} records returned by your supervisor: correct them, then export.").format(
                n=len(items)
            )
            if items
            else _("Nothing is returned: every decision so far is an approval."),
            style="bold",
        )
        if resubmitted:
            head.append("\n")
            head.append(
                _("{n} corrected and resubmitted: the next export takes them back.").format(
                    n=len(resubmitted)
                ),
                style="cyan",
            )
        self.query_one("#returned-head", Static).update(head)
        listing = self.query_one("#returned-list", OptionList)
        listing.clear_options()
        listing.add_options(
            [Option(render_returned(item), id=str(i)) for i, item in enumerate(items)]
            + [
                Option(render_returned(item, resubmitted=True), id=str(len(items) + i))
                for i, item in enumerate(resubmitted)
            ]
        )
        if items or resubmitted:
            listing.highlighted = 0
        listing.focus()

    @on(OptionList.OptionSelected, "#returned-list")
    def _open(self, event: OptionList.OptionSelected) -> None:
        from gridwalker.store.returns import correction_target

        item = [*self.items, *self.resubmitted][int(event.option.id or 0)]
        self.opening = item
        entity, uuid = item.entity, item.uuid
        self.db_read(lambda conn: correction_target(conn, entity, uuid), CorrectionFound)

    @on(CorrectionFound)
    def _open_record(self, message: CorrectionFound) -> None:
        target: CorrectionTarget | None = message.result
        item, self.opening = self.opening, None
        if target is None or item is None:
            self.notify(_("This record is no longer on this laptop."), severity="warning")
            return
        field_navigator(self).correct_returned(item, target)

    def on_screen_resume(self) -> None:
        """Back from a correction: the item may be corrected now."""
        if self.engine is not None:
            self.database_ready()

    def action_refresh(self) -> None:
        self.database_ready()

    def action_back(self) -> None:
        self.app.pop_screen()
