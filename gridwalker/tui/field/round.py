"""The round: every household of the grid in walking order, marked for this cycle.

Paged from SQL (PagedList), so it stays fast with thousands of rows. Keys filter by status;
`n` jumps to the next household not yet visited; Enter opens the household.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Static

from gridwalker.domain.choices import Occupancy
from gridwalker.domain.i18n import _
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.format import choice_label, pad
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.rounds import Coverage, RoundRow

STATUS_STYLE = {"visited": "green", "revisit": "yellow", "todo": ""}
FILTERS = {
    None: N_("All"),
    "todo": N_("Not yet visited"),
    "revisit": N_("To revisit"),
    "visited": N_("Visited"),
}


class RoundSummaryRead(DbResult):
    """The grid's coverage this cycle was read (for the summary line)."""


class NextUnvisitedFound(DbResult):
    """The next unvisited household and its place in the list (None when there is none)."""


def status_text(status: str) -> tuple[str, str]:
    """A status mark and its words: ✓ visited, ↻ to revisit, · not yet visited."""
    return {
        "visited": ("✓", _("Visited")),
        "revisit": ("↻", _("To revisit")),
        "todo": ("·", _("Not yet visited")),
    }[status]


def render_round_row(row: RoundRow, width: int) -> Text:
    """One household line: address, head, status, care and draft marks."""
    mark, words = status_text(row.status)
    address = pad(f"{row.building} {row.unit}-{row.room}", 14)
    head = pad(row.head_name or choice_label(Occupancy, row.occupancy), 12)
    text = Text(f" {mark} ", style=STATUS_STYLE[row.status] + " bold")
    text.append(address, style="bold")
    text.append(head)
    text.append(pad(words, 12), style=STATUS_STYLE[row.status])
    if row.care:
        text.append(" " + _("care"), style="magenta")
    if row.draft:
        text.append(" " + _("draft"), style="red bold")
    return text


class RoundScreen(DbScreen):
    """This cycle's walking list of the signed-in member's grid."""

    CSS_PATH = "round.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("n", "next_unvisited", N_("Next unvisited")),
        Binding("a", "filter('')", N_("All")),
        Binding("t", "filter('todo')", N_("Not yet visited")),
        Binding("v", "filter('visited')", N_("Visited")),
        Binding("r", "filter('revisit')", N_("To revisit")),
    ]

    def __init__(self, status: str | None = None) -> None:
        super().__init__()
        self.status = status or None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="round-summary")
        yield PagedList(
            render_round_row, empty_text=_("No household matches this filter."), id="round-list"
        )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Round")
        if self.engine is not None:
            self.database_ready()

    @property
    def grid(self) -> str | None:
        member = self.gw.member
        return member.grid_uuid if member else None

    def database_ready(self, cursor: int = 0) -> None:
        from gridwalker.store import rounds

        grid, status = self.grid, self.status
        if grid is None or self.engine is None:
            return
        self._summarise()
        self.query_one(PagedList).set_source(
            self.engine,
            lambda conn: rounds.round_count(conn, grid, status),
            lambda conn, offset, limit: rounds.round_page(conn, grid, status, offset, limit),
            cursor=cursor,
        )
        self.query_one(PagedList).focus()

    def _summarise(self) -> None:
        from gridwalker.store import rounds

        grid = self.grid
        self.db_read(lambda conn: rounds.coverage(conn, grid), RoundSummaryRead)

    @on(RoundSummaryRead)
    def _show_summary(self, message: RoundSummaryRead) -> None:
        cov: Coverage = message.result
        shown = _(FILTERS[self.status])
        self.query_one("#round-summary", Static).update(
            Text.assemble(
                (_("Showing: {filter}").format(filter=shown), "bold"),
                "   ",
                _("{visited} of {total} visited · {revisit} to revisit · {todo} not yet").format(
                    visited=cov.visited,
                    total=cov.total,
                    revisit=cov.revisit,
                    todo=cov.total - cov.visited - cov.revisit,
                ),
                "   ",
                ("a t v r: " + _("filter") + "   n: " + _("next unvisited"), "dim"),
            )
        )

    def on_screen_resume(self) -> None:
        """Back from a household or a visit: marks may have changed."""
        if self.engine is not None:
            self.query_one(PagedList).reload()
            self._summarise()

    @on(PagedList.Selected, "#round-list")
    def _open(self, event: PagedList.Selected) -> None:
        field_navigator(self).open_household(event.row.uuid)

    def action_filter(self, status: str) -> None:
        self.status = status or None
        self.database_ready()

    def action_next_unvisited(self) -> None:
        from gridwalker.store import rounds

        grid, status = self.grid, self.status
        current = self.query_one(PagedList).current
        after = current.uuid if current else None

        def find(conn: Connection) -> tuple[str, int | None] | None:
            target = rounds.next_unvisited(conn, grid, after)
            if target is None:
                return None
            return target, rounds.round_position(conn, grid, target, status)

        self.db_read(find, NextUnvisitedFound)

    @on(NextUnvisitedFound)
    def _move_to_next(self, message: NextUnvisitedFound) -> None:
        found: tuple[str, int | None] | None = message.result
        if found is None:
            self.notify(_("Every household of the grid is visited this cycle."))
            return
        _target, position = found
        if position is None:  # not in this filter: show everything
            self.status = None
            self.database_ready()
            self.action_next_unvisited()
            return
        self.query_one(PagedList).move_to(position)

    def action_back(self) -> None:
        self.app.pop_screen()
