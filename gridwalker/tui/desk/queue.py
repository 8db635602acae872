"""The supervisor's review queue: everything received and not yet reviewed, paged from SQL.

Filters by key (queue_filters), counts per review state, marks for a bulk approve; `a`
approves the row under the cursor, `r` returns it with a comment (required), then the cursor
stands on the next row. Enter opens the record whole (through the desk's navigator).

Several desks share the queue (issue #15): every few seconds the queue reads the hub's
change mark and, only when it moved (a decision, an arrival, a claim at any desk), reads
its page and counts again where the cursor stands; the line under the list says who has
the highlighted record open at another desk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Static

from gridwalker.domain.choices import ReviewState
from gridwalker.domain.i18n import _, label
from gridwalker.tui.common.dialogs import PickerModal, ask_yes_no
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.common.record_kinds import kind_label
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.desk.comment import CommentModal
from gridwalker.tui.desk.decisions import decider, desk_of
from gridwalker.tui.desk.labels import STATE_STYLES
from gridwalker.tui.desk.queue_filters import ANY, describe, filter_pick
from gridwalker.tui.desk.queue_watch import QueueWatch
from gridwalker.tui.format import cell
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import desk_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.desk.lookups import Places
    from gridwalker.store.desk.queue import QueueFilter, QueueRow

QUEUE_COLUMNS = (
    (2, ""),
    (8, N_("State")),
    (8, N_("Kind")),
    (10, N_("Day")),
    (10, N_("Community")),
    (10, N_("Grid")),
    (8, N_("Member")),
    (9, N_("Flag / version")),
)
COMMUNITY_COLUMN = 4
# Below this many cells of screen the queue leaves out the community (its grid names it), so
# the record's title keeps room; the line under the list shows the highlighted one whole.
NARROW_SCREEN = 110
COUNTED_STATES = (
    ReviewState.RECEIVED,
    ReviewState.CORRECTED,
    ReviewState.RETURNED,
    ReviewState.APPROVED,
)


@dataclass(frozen=True)
class QueueSummary:
    """The counts above the queue."""

    counts: dict[str, int]
    shown: int


class PlacesLoaded(DbResult):
    """The communities, grids and members for the pickers were read."""


class SummaryLoaded(DbResult):
    """The counts per review state and the records under the filter were counted."""


class MarkedApproved(DbResult):
    """The marked records were approved (how many)."""


class RowApproved(DbResult):
    """The record under the cursor was approved."""


class RowReturned(DbResult):
    """The record under the cursor was returned to its member."""


def queue_columns(narrow: bool) -> tuple[tuple[int, str], ...]:
    """The queue's columns (width, title) at this screen width."""
    if narrow:
        return QUEUE_COLUMNS[:COMMUNITY_COLUMN] + QUEUE_COLUMNS[COMMUNITY_COLUMN + 1 :]
    return QUEUE_COLUMNS


def queue_titles(narrow: bool = False) -> Text:
    """The titles above the queue's columns."""
    text = Text(" ")
    for width, title in queue_columns(narrow):
        text.append_text(cell(_(title) if title else "", width, "bold"))
    text.append(_("Record"), style="bold")
    return text


def whole_line(row: QueueRow) -> Text:
    """The highlighted record in full, under the list: where, who, its title."""
    where = " · ".join(p for p in (row.community, row.grid_code, row.member) if p)
    line = Text.assemble("▸ ", (where, "dim"), "  ", row.title)
    if row.claimed_by:
        line.append("  ")
        line.append(_("being handled by {who}").format(who=row.claimed_by), style="bold yellow")
    return line


def flags_of(row: QueueRow) -> Text:
    """A row's flags: in conflict, deleted, and its revision number."""
    text = Text()
    if row.conflict:
        text.append(_("conflict") + " ", style="bold red")
    if row.deleted:
        text.append(_("deleted") + " ", style="magenta")
    text.append(f"v{row.generation}", style="dim" if row.generation == 1 else "cyan")
    return text


def queue_line(row: QueueRow, marked: bool, narrow: bool = False) -> Text:
    """One queue line: mark, state, kind, day, community (not when narrow), grid, member,
    flags, title."""
    text = Text(" ")
    text.append_text(cell("●" if marked else "", 2, "bold magenta"))
    text.append_text(cell(label(row.state), 8, STATE_STYLES[row.state.value]))
    text.append_text(cell(kind_label(row.entity), 8, "bold"))
    text.append_text(cell(row.day.isoformat() if row.day else "—", 10))
    if not narrow:
        text.append_text(cell(row.community or "—", 10))
    text.append_text(cell(row.grid_code or "—", 10))
    text.append_text(cell(row.member or "—", 8))
    flags = flags_of(row)
    flags.truncate(9, overflow="ellipsis", pad=True)
    flags.append(" ")
    text.append_text(flags)
    text.append(row.title)
    return text


def state_counts(counts: dict[str, int], flt: QueueFilter) -> Text:
    """The count of each review state; the states the filter shows stand out."""
    text = Text()
    for state in COUNTED_STATES:
        n = counts.get(state.value, 0)
        chosen = not flt.states or state.value in flt.states
        style = ("bold reverse " if chosen else "") + STATE_STYLES[state.value]
        text.append(f" {label(state)} {n} ", style=style if n or chosen else "dim")
        text.append("  ")
    return text


def filter_line(words: str, shown: int | None, marked: int) -> Text:
    """The filter in words, how many records it holds, and the marks."""
    line = Text.assemble((_("Showing: {filter}").format(filter=words), "bold"))
    if shown is not None:
        line.append("   " + _("{n} records").format(n=shown))
    if marked:
        line.append("   ")
        line.append(_("{n} marked").format(n=marked), style="bold magenta")
    line.append("   Space: " + _("mark") + "   A: " + _("approve marked"), style="dim")
    return line


class Marks:
    """The records marked for a bulk approve, each with where it was marked (filter, row)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], QueueRow] = {}
        self.at: dict[tuple[str, str], tuple[QueueFilter | None, int]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, key: object) -> bool:
        return key in self.rows

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.rows)

    def toggle(self, row: QueueRow, flt: QueueFilter | None, index: int) -> None:
        """Mark a row (at `index` under `flt`), or unmark it."""
        key = (row.entity, row.uuid)
        if key in self.rows:
            del self.rows[key]
            self.at.pop(key, None)
        else:
            self.rows[key] = row
            self.at[key] = (flt, index)

    def clear(self) -> None:
        """Drop every mark."""
        self.rows.clear()
        self.at.clear()

    def kinds(self) -> str:
        """How many of each kind are marked, in words."""
        kinds: dict[str, int] = {}
        for entity, _uuid in self.rows:
            kinds[entity] = kinds.get(entity, 0) + 1
        return " · ".join(f"{kind_label(k)} {n}" for k, n in sorted(kinds.items()))

    def above(self, flt: QueueFilter | None, index: int) -> int:
        """How many were marked above row `index` under the same filter."""
        return sum(1 for f, i in self.at.values() if f == flt and i < index)


class QueueWidth:
    """What the queue shows at the screen's width (a part of QueueScreen): the community
    column only when there is room, and the highlighted record whole under the list."""

    size: Any
    query_one: Any

    @property
    def narrow(self) -> bool:
        """Whether the screen is too narrow for every column (see NARROW_SCREEN)."""
        return self.size.width < NARROW_SCREEN

    def on_resize(self) -> None:
        """The columns follow the screen's width (the rows are drawn again with them)."""
        self.query_one("#queue-columns", Static).update(queue_titles(self.narrow))
        self.query_one(PagedList).refresh()

    def on_paged_list_highlighted(self, message: PagedList.Highlighted) -> None:
        self.query_one("#queue-current", Static).update(whole_line(message.row))


class QueueScreen(QueueWatch, QueueWidth, DbScreen):
    """Everything received and not yet reviewed, paged from SQL, filtered by key."""

    CSS_PATH = "queue.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("space", "mark", N_("Mark")),
        Binding("A", "approve_marked", N_("Approve marked")),
        Binding("a", "approve_row", N_("Approve")),
        Binding("r", "return_row", N_("Return")),
        Binding("s", "pick('state')", N_("State")),
        Binding("t", "pick('street')", N_("Street"), show=False),
        Binding("c", "pick('community')", N_("Community"), show=False),
        Binding("g", "pick('grid')", N_("Grid")),
        Binding("m", "pick('member')", N_("Member"), show=False),
        Binding("k", "pick('kind')", N_("Kind")),
        Binding("d", "pick('date')", N_("Day")),
        Binding("f", "pick('flag')", N_("Record flags"), show=False),
        Binding("x", "clear", N_("Clear filters")),
        Binding("u", "unmark", N_("Unmark all"), show=False),
        Binding("f5", "refresh", N_("Refresh"), show=False),
    ]

    def __init__(self, flt: QueueFilter | None = None, *, date_pick: str = ANY) -> None:
        super().__init__()
        self.flt = flt
        self.date_pick = date_pick
        self.scope: QueueFilter | None = flt
        self.marked = Marks()
        self.places: Places | None = None
        self.shown_count: int | None = None
        self.mark: object | None = None  # the hub's change mark when the queue was last read

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(_("Opening the database…"), id="queue-status")
        yield Static("", id="queue-filter")
        yield Static("", id="queue-counts")
        yield Static(queue_titles(), id="queue-columns")
        yield PagedList(
            self.render_row, empty_text=_("Nothing to review under this filter."), id="queue-list"
        )
        yield Static("", id="queue-current")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Review queue")
        self.watch_the_hub()
        if self.engine is not None:
            self.database_ready()

    def show_status(self, message: str, *, error: bool) -> None:
        """Show a message above the queue (an error is framed)."""
        status = self.query_one("#queue-status", Static)
        status.update(Text(message))
        status.set_class(error, "-error")
        status.display = True

    def render_row(self, row: QueueRow, width: int) -> Text:
        """One queue line, marked when it is."""
        return queue_line(row, (row.entity, row.uuid) in self.marked, self.narrow)

    def database_ready(self, cursor: int = 0) -> None:
        from gridwalker.store.desk import lookups
        from gridwalker.store.desk.queue import QueueFilter, queue_count, queue_page

        if self.flt is None:
            self.flt = QueueFilter()
            self.scope = self.flt
        self.query_one("#queue-status", Static).display = False
        if self.engine is None:
            return
        flt, desk = self.flt, desk_of(self)
        if self.places is None:
            self.db_read(lookups.queue_places, PlacesLoaded)
        self._summarise()
        self.query_one(PagedList).set_source(
            self.engine,
            lambda conn: queue_count(conn, flt),
            lambda conn, offset, limit: queue_page(conn, flt, offset, limit, desk=desk),
            cursor=cursor,
        )
        self.query_one(PagedList).focus()

    @on(PlacesLoaded)
    def _places_loaded(self, message: PlacesLoaded) -> None:
        self.places = message.result
        if self.flt is not None:
            self._show_filter(None)

    def _summarise(self) -> None:
        from gridwalker.store.desk.queue import queue_count, state_counts

        flt = self.flt
        assert flt is not None

        def read(conn: Connection) -> QueueSummary:
            return QueueSummary(state_counts(conn, flt), queue_count(conn, flt))

        self.db_read(read, SummaryLoaded)

    @on(SummaryLoaded)
    def _show_summary(self, message: SummaryLoaded) -> None:
        summary: QueueSummary = message.result
        flt = self.flt
        assert flt is not None
        self._show_filter(summary.shown)
        self.query_one("#queue-counts", Static).update(state_counts(summary.counts, flt))

    def _show_filter(self, shown: int | None) -> None:
        """The filter in words, how many records it holds, and the marks."""
        if shown is not None:
            self.shown_count = shown
        line = filter_line(self.describe(), self.shown_count, len(self.marked))
        self.query_one("#queue-filter", Static).update(line)

    def describe(self) -> str:
        """The filter in words."""
        return "" if self.flt is None else describe(self.flt, self.places, self.date_pick)

    def refilter(self, flt: QueueFilter) -> None:
        """Show another filter, from the top (the marks stay)."""
        self.flt = flt
        self.query_one("#queue-current", Static).update("")  # the new first row fills it
        self.database_ready()

    # -- marks and decisions ----------------------------------------------------------------

    def action_mark(self) -> None:
        """Mark the row under the cursor for a bulk approve (or unmark it), then go down."""
        paged = self.query_one(PagedList)
        row = paged.current
        if row is None:
            return
        self.marked.toggle(row, self.flt, paged.cursor)
        paged.refresh()
        paged.action_cursor(1)
        self._show_filter(None)

    def action_unmark(self) -> None:
        """Drop every mark."""
        self.marked.clear()
        self.query_one(PagedList).refresh()
        self._show_filter(None)

    def action_approve_marked(self) -> None:
        """Approve every marked record, after a confirmation that says how many."""
        if not self.marked:
            self.notify(_("Mark records with Space first."), title=_("Nothing marked"))
            return
        question = _("Approve {n} marked records?").format(n=len(self.marked))
        self.app.push_screen(
            ask_yes_no(question, _("Approve"), _("Cancel"), self.marked.kinds()),
            self._bulk_confirmed,
        )

    def _bulk_confirmed(self, yes: bool | None) -> None:
        from gridwalker.store.desk.decisions import approve

        if not yes:
            return
        items, actor, desk = list(self.marked), decider(self), desk_of(self)
        seen = {key: row.state for key, row in self.marked.rows.items()}
        self.db_write(
            lambda conn: approve(conn, items, actor, desk=desk, seen=seen),
            MarkedApproved,
            failed=self._refused,
        )

    @on(MarkedApproved)
    def _bulk_approved(self, message: MarkedApproved) -> None:
        cursor = self.query_one(PagedList).cursor
        flt = self.flt
        # Approved rows leave a "to review" filter: the cursor moves up by those above it.
        stays = flt is not None and (not flt.states or ReviewState.APPROVED.value in flt.states)
        above = 0 if stays else self.marked.above(flt, cursor)
        self.marked.clear()
        self.notify(_("{n} records approved.").format(n=message.result), title=_("Approved"))
        self.reload(max(cursor - above, 0))

    def action_approve_row(self) -> None:
        """Approve the record under the cursor."""
        from gridwalker.store.desk.decisions import approve

        row = self.query_one(PagedList).current
        if row is None:
            return
        item, actor, desk = (row.entity, row.uuid), decider(self), desk_of(self)
        seen = {item: row.state}
        self.db_write(
            lambda conn: approve(conn, [item], actor, desk=desk, seen=seen),
            RowApproved,
            failed=self._refused,
        )

    @on(RowApproved)
    def _row_approved(self) -> None:
        self.notify(_("Approved."), title=_("Done"))
        self.reload(self.query_one(PagedList).cursor, decided=ReviewState.APPROVED)

    def action_return_row(self) -> None:
        """Return the record under the cursor with a comment."""
        row = self.query_one(PagedList).current
        if row is None:
            return
        subject = f"{kind_label(row.entity)} · {row.title}"
        self.app.push_screen(CommentModal(subject), lambda comment: self._return(row, comment))

    def _return(self, row: QueueRow, comment: str | None) -> None:
        from gridwalker.store.desk.decisions import return_item

        if comment is None:
            return
        entity, uuid, seen, actor, desk = (
            row.entity,
            row.uuid,
            row.state,
            decider(self),
            desk_of(self),
        )
        self.db_write(
            lambda conn: return_item(conn, entity, uuid, comment, actor, desk=desk, seen=seen),
            RowReturned,
            failed=self._refused,
        )

    @on(RowReturned)
    def _row_returned(self) -> None:
        self.notify(_("Returned to the member for correction."), title=_("Done"))
        self.reload(self.query_one(PagedList).cursor, decided=ReviewState.RETURNED)

    def reload(self, index: int, decided: ReviewState | None = None) -> None:
        """Read the queue again with the cursor on the next row after a decision."""
        flt = self.flt
        if flt is None:
            return
        stays = decided is not None and (not flt.states or decided.value in flt.states)
        self._summarise()
        self.query_one(PagedList).reload(cursor=index + 1 if stays else index)
        self._show_filter(None)

    # -- opening a record -------------------------------------------------------------------

    @on(PagedList.Selected, "#queue-list")
    def _open(self, event: PagedList.Selected) -> None:
        index = event.index
        desk_navigator(self).open_record(
            event.row.entity, event.row.uuid, then=lambda decided: self._back(index, decided)
        )

    def _back(self, index: int, decided: str | None) -> None:
        """Back from a record: at the next row when it was decided, else where it was."""
        if decided:
            self.reload(index, decided=ReviewState(decided))
        else:
            self.reload(index)

    # -- filters ----------------------------------------------------------------------------

    def action_pick(self, what: str) -> None:
        """Choose one filter (the states, a community, grid or member, a kind, the days or a
        flag) from a short list; a choice (not Esc) shows the queue under it."""
        if self.flt is None:
            return
        pick = filter_pick(what, self.flt, self.places, self.date_pick)
        if pick is None:
            return

        def chosen(choice: str | None) -> None:
            if choice is None or self.flt is None:
                return
            if what == "date":
                self.date_pick = choice
            self.refilter(pick.apply(self.flt, choice))

        self.app.push_screen(PickerModal(pick.title, pick.options, pick.current), chosen)

    def action_clear(self) -> None:
        """Drop every filter but the one the queue was opened with."""
        from gridwalker.store.desk.queue import QueueFilter

        self.date_pick = ANY
        self.refilter(self.scope or QueueFilter())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Back only when there is a screen to go back to."""
        if action == "back":
            return self.gw.can_go_back()
        return True

    def action_back(self) -> None:
        self.gw.go_back()
