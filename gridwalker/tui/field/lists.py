"""The lists behind Today's figures: follow-ups due, care-tagged residents not seen this
cycle, drafts waiting. Each is one grid's worth of rows (small), so an OptionList holds them;
Enter opens the household (a draft reopens its visit form when that screen exists)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from gridwalker.domain import clock
from gridwalker.domain.i18n import _
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.field.columns import line, widths
from gridwalker.tui.format import care_labels, local_time
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

KINDS = ("follow_ups", "care", "drafts")
TITLES = {
    "follow_ups": N_("Follow-ups due, no visit since"),
    "care": N_("Care-tagged residents not yet seen this cycle"),
    "drafts": N_("Visit drafts not yet saved"),
}
EMPTY = {
    "follow_ups": N_("No follow-up is due."),
    "care": N_("Every care-tagged resident has been seen this cycle."),
    "drafts": N_("No draft is waiting."),
}


@dataclass(frozen=True)
class Entry:
    """One row of an attention list: its columns, and what Enter opens."""

    columns: tuple[str, ...]
    household_uuid: str | None
    payload: dict[str, Any] | None = None
    kind: str = ""


def overdue_words(due: date) -> str:
    """How long ago a follow-up fell due ("today" when it is due today)."""
    days = (clock.today() - due).days
    if days <= 0:
        return _("due today")
    return (_("{n} day overdue") if days == 1 else _("{n} days overdue")).format(n=days)


def headings(kind: str) -> tuple[str, ...]:
    """The column headings of a list kind."""
    if kind == "follow_ups":
        return (_("Address"), _("Due"), "", _("Concerns"))
    if kind == "care":
        return (_("Name"), _("Care tags"), _("Address"))
    return (_("Draft"), _("Saved at"))


def read_entries(conn: Connection, kind: str, grid_uuid: str) -> list[Entry]:
    """The rows of a list kind for a grid (runs in a worker)."""
    from gridwalker.store import rounds

    if kind == "follow_ups":
        return [
            Entry(
                (r.address, r.follow_up.isoformat(), overdue_words(r.follow_up), r.concerns),
                r.household_uuid,
            )
            for r in rounds.follow_ups_due(conn, grid_uuid)
        ]
    if kind == "care":
        return [
            Entry((r.name, care_labels(r.care_tags), r.address), r.household_uuid)
            for r in rounds.care_not_seen(conn, grid_uuid)
        ]
    return [
        Entry(
            (d.title or d.key, local_time(d.updated_at)),
            rounds.household_of_visit_draft(d.key),
            d.payload,
            d.kind,
        )
        for d in rounds.list_drafts(conn)
    ]


class EntriesRead(DbResult):
    """The rows of an attention list were read."""


class AttentionList(DbScreen):
    """One of Today's lists of what needs doing; Enter opens the household."""

    CSS_PATH = "lists.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("f5", "refresh", N_("Refresh")),
    ]

    def __init__(self, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"not an attention list: {kind}")
        super().__init__()
        self.kind = kind
        self.entries: list[Entry] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(_(TITLES[self.kind]), id="list-title")
        yield Static("", id="list-headings")
        yield OptionList(id="list-rows")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _(TITLES[self.kind])
        self.query_one("#list-title", Static).update(Text(_("Loading…"), "dim"))
        super().on_mount()

    def database_ready(self) -> None:
        member = self.gw.member
        grid = (member.grid_uuid if member else None) or ""
        kind = self.kind
        self.db_read(lambda conn: read_entries(conn, kind, grid), EntriesRead)

    @on(EntriesRead)
    def _show_entries(self, message: EntriesRead) -> None:
        """Show the rows, keeping the highlight where it was."""
        entries: list[Entry] = message.result
        self.entries = entries
        rows = self.query_one("#list-rows", OptionList)
        highlighted = rows.highlighted
        rows.clear_options()
        title = Text(_(TITLES[self.kind]), "bold")
        title.append(
            "  " + (_("{n} row") if len(entries) == 1 else _("{n} rows")).format(n=len(entries))
        )
        self.query_one("#list-title", Static).update(title)
        heads = headings(self.kind)
        if entries:
            sizes = widths([heads] + [e.columns for e in entries])
            self.query_one("#list-headings", Static).update(line(heads, sizes, "bold"))
            rows.add_options(
                Option(line(e.columns, sizes), id=str(i)) for i, e in enumerate(entries)
            )
            rows.highlighted = min(highlighted or 0, len(entries) - 1)
        else:
            self.query_one("#list-headings", Static).update("")
            rows.add_option(Option(Text(_(EMPTY[self.kind]), "dim"), disabled=True))
        rows.focus()

    def on_screen_resume(self) -> None:
        """Back from a household or a visit: the list may have changed."""
        if self.engine is not None:
            self.database_ready()

    @on(OptionList.OptionSelected, "#list-rows")
    def _open(self, event: OptionList.OptionSelected) -> None:
        """Open the household of a row; a draft reopens its form exactly as it was left."""
        entry = self.entries[int(event.option.id or 0)]
        navigate = field_navigator(self)
        if self.kind == "drafts" and entry.payload is not None:
            if navigate.resume_draft(entry.kind, entry.payload, entry.household_uuid):
                return
        if entry.household_uuid is None:
            self.notify(_("This draft does not belong to a household visit."), severity="warning")
            return
        navigate.open_household(entry.household_uuid)

    def action_refresh(self) -> None:
        """Read the list again."""
        self.database_ready()

    def action_back(self) -> None:
        """Back to Today."""
        self.app.pop_screen()
