"""The round: every household of the grid in walking order, marked for this cycle.

Paged from SQL (PagedList), so it stays fast with thousands of rows. Keys filter by status;
`n` jumps to the next household not yet visited; Enter opens the household. The open building
consultations of the grid show above the list, one line each with its live count; a door of
such a building carries a 征询 badge, and `c` opens its building's consultation.
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

    from gridwalker.store.consult.counting import Count
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


class RoundConsultationsRead(DbResult):
    """The grid's open consultations and their live counts were read (Count list)."""


class NextUnvisitedFound(DbResult):
    """The next unvisited household and its place in the list (None when there is none)."""


def status_text(status: str) -> tuple[str, str]:
    """A status mark and its words: ✓ visited, ↻ to revisit, · not yet visited."""
    return {
        "visited": ("✓", _("Visited")),
        "revisit": ("↻", _("To revisit")),
        "todo": ("·", _("Not yet visited")),
    }[status]


def consulting(counts: list[Count], row: RoundRow) -> list[Count]:
    """The open consultations whose scope holds a door of the round (its building, and its
    unit when the consultation is of one unit)."""
    return [
        c
        for c in counts
        if c.consultation.building == row.building and c.consultation.unit in (None, row.unit)
    ]


def consultation_line(found: Count) -> Text:
    """One open consultation above the round: where, what, and its live count."""
    from gridwalker.tui.common.consult_count import result_words

    c, p = found.consultation, found.tally.participation
    where = c.building + (f" {c.unit}单元" if c.unit else "")
    result, style = result_words(found)
    text = Text(" " + _("consulting") + " ", style="bold black on cyan")
    text.append(f" {where}  ", style="bold")
    text.append(c.title)
    text.append(
        "  "
        + _("took part {owners} of {total} owners").format(
            owners=p.owners, total=found.tally.owners
        )
        + " · ",
        style="dim",
    )
    text.append(result, style=style)
    return text


def render_round_row(row: RoundRow, width: int, consulted: bool = False) -> Text:
    """One household line: address, head, status, care and draft marks, and a badge when an
    open consultation asks its building's owners."""
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
    if consulted:
        text.append(" " + _("consulting"), style="cyan")
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
        Binding("c", "consultation", N_("The building's consultation")),
    ]

    def __init__(self, status: str | None = None) -> None:
        super().__init__()
        self.status = status or None
        self.counts: list[Count] = []  # the grid's open consultations

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="round-summary")
        yield Static("", id="round-consultations")
        yield PagedList(
            self._render_row, empty_text=_("No household matches this filter."), id="round-list"
        )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Round")
        if self.engine is not None:
            self.database_ready()

    def _render_row(self, row: RoundRow, width: int) -> Text:
        return render_round_row(row, width, bool(consulting(self.counts, row)))

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
        from gridwalker.store.consult.counting import open_counts

        grid = self.grid
        if grid is None:
            return
        self.db_read(lambda conn: rounds.coverage(conn, grid), RoundSummaryRead)
        self.db_read(lambda conn: open_counts(conn, grid), RoundConsultationsRead, exclusive=False)

    @on(RoundConsultationsRead)
    def _show_consultations(self, message: RoundConsultationsRead) -> None:
        self.counts = message.result
        box = self.query_one("#round-consultations", Static)
        box.display = bool(self.counts)
        lines = Text("\n").join(consultation_line(c) for c in self.counts)
        if self.counts:
            lines.append("   c: " + _("open the building's consultation"), style="dim")
        box.update(lines)
        self.query_one(PagedList).refresh()

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

    def action_consultation(self) -> None:
        """Open the consultation of the highlighted door's building (the grid's only open
        consultation when the door's building has none and there is just one)."""
        current = self.query_one(PagedList).current
        found = consulting(self.counts, current) if current is not None else []
        if not found and len(self.counts) == 1 and current is None:
            found = self.counts
        if not found:
            self.notify(_("No open consultation asks this building's owners."))
            return
        field_navigator(self).open_consultation(found[0].consultation.uuid)

    def action_back(self) -> None:
        self.app.pop_screen()
