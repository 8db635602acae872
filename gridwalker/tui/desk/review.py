"""The supervisor's review queue and one record under review; on a laptop, the returned items.

The queue pages from SQL (PagedList) with filters, counts per review state and marks for a bulk
approve. A record shows whole, with its revisions and what changed against the previous one;
`a` approves it, `r` returns it with a comment (required), then the queue shows the next row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from gridwalker.domain import choices as ch
from gridwalker.domain import clock
from gridwalker.domain.choices import ReviewState
from gridwalker.domain.i18n import _, label, language
from gridwalker.domain.masking import mask_id, mask_phone
from gridwalker.tui.common.dialogs import ask_yes_no
from gridwalker.tui.common.issues import PickerModal
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.common.workers import DbScreen
from gridwalker.tui.format import care_labels, cell, choice_label, local_time, pad, yes_no
from gridwalker.tui.keys import N_, translate_bindings

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.desk.review import QueueFilter, QueueRow, RecordDetail, ReturnedItem

KIND_LABELS: dict[str, str] = {
    "visit": N_("Visit"),
    "household": N_("Household"),
    "resident": N_("Resident"),
    "census_record": N_("Census record"),
    "issue": N_("Issue"),
}
STATE_STYLES: dict[str, str] = {
    "received": "yellow",
    "corrected": "cyan",
    "returned": "red",
    "approved": "green",
}
FIELD_LABELS: dict[str, str] = {
    "household_uuid": N_("Household"),
    "member_uuid": N_("Member"),
    "visited_on": N_("Visited on"),
    "visited_at": N_("Visited at"),
    "outcome": N_("Outcome"),
    "residents_seen": N_("Residents seen"),
    "care_checks": N_("Care checks"),
    "concerns": N_("Concerns"),
    "follow_up": N_("Follow-up"),
    "roster_changes": N_("Roster changes"),
    "building_uuid": N_("Building"),
    "unit": N_("Unit"),
    "floor": N_("Floor"),
    "room": N_("Room"),
    "occupancy": N_("Occupancy"),
    "head_name": N_("Head of household"),
    "phone": N_("Phone"),
    "name": N_("Name"),
    "sex": N_("Sex"),
    "birth_date": N_("Birth date"),
    "id_number": N_("ID number"),
    "relation": N_("Relation to the head"),
    "residence_type": N_("Residence"),
    "care_tags": N_("Care tags"),
    "moved_out": N_("Moved out"),
    "enterprise_uuid": N_("Enterprise"),
    "year": N_("Year"),
    "census_date": N_("Census date"),
    "industry": N_("Industry"),
    "ownership": N_("Ownership"),
    "scale": N_("Scale"),
    "employees": N_("Employees"),
    "operating_status": N_("Operating status"),
    "contact_name": N_("Contact"),
    "contact_phone": N_("Contact phone"),
    "party_org_status": N_("Party organisation"),
    "party_org_kind": N_("Kind of party organisation"),
    "party_members": N_("Party members"),
    "instructor_assigned": N_("Party instructor assigned"),
    "has_union": N_("Trade union"),
    "has_youth_league": N_("Youth league"),
    "grid_uuid": N_("Grid"),
    "visit_uuid": N_("Visit"),
    "place": N_("Place"),
    "reporter_kind": N_("Reported by"),
    "reporter_name": N_("Reporter's name"),
    "category": N_("Category"),
    "description": N_("Description"),
    "people_affected": N_("People affected"),
    "urgency": N_("Urgency"),
    "status": N_("Status"),
    "held_from": N_("Held from"),
    "reported_on": N_("Reported on"),
    "due_date": N_("Due date"),
    "logged_by": N_("Logged by"),
    "deleted": N_("Deleted"),
}
CHOICE_FIELDS: dict[str, type[ch.Choice]] = {
    "outcome": ch.VisitOutcome,
    "occupancy": ch.Occupancy,
    "sex": ch.Sex,
    "relation": ch.Relation,
    "residence_type": ch.ResidenceType,
    "industry": ch.Industry,
    "ownership": ch.Ownership,
    "scale": ch.Scale,
    "operating_status": ch.OperatingStatus,
    "party_org_status": ch.PartyOrgStatus,
    "party_org_kind": ch.PartyOrgKind,
    "reporter_kind": ch.ReporterKind,
    "category": ch.IssueCategory,
    "urgency": ch.Urgency,
    "status": ch.IssueStatus,
    "held_from": ch.IssueStatus,
}
STATE_PICKS: dict[str, tuple[str, ...]] = {
    "queue": ("received", "corrected"),
    "received": ("received",),
    "corrected": ("corrected",),
    "returned": ("returned",),
    "approved": ("approved",),
    "all": (),
}
STATE_PICK_LABELS = {"queue": N_("To review (awaiting and corrected)"), "all": N_("All states")}
DATE_PICKS = ("any", "today", "yesterday", "week", "cycle", "last_cycle")
DATE_LABELS = {
    "any": N_("Any day"),
    "today": N_("Today"),
    "yesterday": N_("Yesterday"),
    "week": N_("The last 7 days"),
    "cycle": N_("This cycle"),
    "last_cycle": N_("The last cycle"),
}
FLAG_LABELS = {
    "conflict": N_("In conflict"),
    "deleted": N_("Deleted"),
    "new": N_("New (first revision)"),
    "edited": N_("Edited (later revision)"),
}
ANY = "any"
QUEUE_COLUMNS = (
    (2, ""),
    (8, N_("State")),
    (8, N_("Kind")),
    (10, N_("Day")),
    (10, N_("Community")),
    (10, N_("Grid")),
    (8, N_("Member")),
    (8, N_("Flag / version")),
)


def kind_label(entity: str) -> str:
    """A reviewed entity in words."""
    return _(KIND_LABELS[entity]) if entity in KIND_LABELS else entity


def field_label(name: str) -> str:
    """A record's field in words."""
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name


def state_text(state: ReviewState | str | None) -> Text:
    """A review state in words and in its colour."""
    if state is None:
        return Text("—", style="dim")
    state = ReviewState(state)
    return Text(label(state), style="bold " + STATE_STYLES[state.value])


def show_value(name: str, value: Any) -> str:
    """A field's value for the screen: words for codes, IDs and phones masked, short uuids."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return yes_no(value)
    if name == "id_number":
        return mask_id(str(value))
    if name in ("phone", "contact_phone"):
        return mask_phone(str(value)) or str(value)
    if name in CHOICE_FIELDS:
        return choice_label(CHOICE_FIELDS[name], value)
    if name == "care_tags" and isinstance(value, list):
        return care_labels(value)
    if name == "residents_seen" and isinstance(value, list):
        return _("{n} residents").format(n=len(value))
    if name.endswith("_uuid") and isinstance(value, str):
        return value[:8]
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def date_range(pick: str, today: date) -> tuple[date | None, date | None]:
    """The days (inclusive) a date pick stands for."""
    if pick == "today":
        return today, today
    if pick == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    if pick == "week":
        return today - timedelta(days=6), today
    if pick == "cycle":
        start, end = clock.cycle_bounds(today)
        return start, end - timedelta(days=1)
    if pick == "last_cycle":
        start, _end = clock.cycle_bounds(clock.cycle_bounds(today)[0] - timedelta(days=1))
        return start, clock.cycle_bounds(today)[0] - timedelta(days=1)
    return None, None


@dataclass(frozen=True)
class Place:
    """A community, grid or member the queue can be filtered by."""

    uuid: str
    name: str
    parent: str = ""


@dataclass(frozen=True)
class Places:
    """What the pickers offer: communities, grids and members of the hub."""

    communities: list[Place]
    grids: list[Place]
    members: list[Place]


def read_places(conn: Connection) -> Places:
    """Communities, grids and members for the pickers (runs in a worker)."""
    from gridwalker.store import queries, rounds

    communities: list[Place] = []
    grids: list[Place] = []
    for street in queries.street_overview(conn):
        for community in queries.communities(conn, street.uuid):
            communities.append(Place(community.uuid, community.name))
            for grid in queries.grids(conn, community.uuid):
                grids.append(Place(grid.uuid, f"{grid.code} {grid.name}", community.name))
    members = [
        Place(m.uuid, m.name, m.grid_code) for m in rounds.members(conn) if m.grid_uuid is not None
    ]
    return Places(communities, grids, members)


@dataclass(frozen=True)
class QueueSummary:
    """The counts above the queue."""

    counts: dict[str, int]
    shown: int


def queue_titles() -> Text:
    """The titles above the queue's columns."""
    text = Text(" ")
    for width, title in QUEUE_COLUMNS:
        text.append_text(cell(_(title) if title else "", width, "bold"))
    text.append(_("Record"), style="bold")
    return text


def flags_of(row: QueueRow) -> Text:
    """A row's flags: in conflict, deleted, and its revision number."""
    text = Text()
    if row.conflict:
        text.append(_("conflict") + " ", style="bold red")
    if row.deleted:
        text.append(_("deleted") + " ", style="magenta")
    text.append(f"v{row.generation}", style="dim" if row.generation == 1 else "cyan")
    return text


class CommentModal(ModalScreen[str | None]):
    """The comment of a return: required, refused when empty with the reason; Esc cancels."""

    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, subject: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.subject = subject

    def compose(self) -> ComposeResult:
        with Vertical(id="comment-panel"):
            yield Static(_("Return for correction"), id="comment-title")
            yield Static(self.subject, id="comment-subject")
            yield Static(
                _("Say what to correct: the member sees this comment on their laptop."),
                id="comment-hint",
            )
            yield Input(placeholder=_("Comment (required)"), id="comment")
            yield Static("", id="comment-reason")
            with Horizontal(id="comment-buttons"):
                yield Button(_("Return") + " (Enter)", id="comment-ok", variant="error")
                yield Button(_("Cancel") + " (Esc)", id="comment-cancel")

    def on_mount(self) -> None:
        self.query_one("#comment", Input).focus()

    @on(Input.Submitted, "#comment")
    def _submitted(self) -> None:
        self.confirm()

    @on(Button.Pressed, "#comment-ok")
    def _ok(self) -> None:
        self.confirm()

    @on(Button.Pressed, "#comment-cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def confirm(self) -> None:
        """Hand back the comment, or say why an empty one cannot return the record."""
        comment = self.query_one("#comment", Input).value.strip()
        if not comment:
            self.query_one("#comment-reason", Static).update(
                _("A return needs a comment that says what to correct; write one or press Esc.")
            )
            return
        self.dismiss(comment)

    def action_cancel(self) -> None:
        """Close without returning."""
        self.dismiss(None)


class QueueScreen(DbScreen):
    """Everything received and not yet reviewed, paged from SQL, filtered by key."""

    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("space", "mark", N_("Mark")),
        Binding("A", "approve_marked", N_("Approve marked")),
        Binding("a", "approve_row", N_("Approve")),
        Binding("r", "return_row", N_("Return")),
        Binding("s", "pick_state", N_("State")),
        Binding("c", "pick_community", N_("Community"), show=False),
        Binding("g", "pick_grid", N_("Grid")),
        Binding("m", "pick_member", N_("Member"), show=False),
        Binding("k", "pick_kind", N_("Kind")),
        Binding("d", "pick_date", N_("Day")),
        Binding("f", "pick_flag", N_("Record flags"), show=False),
        Binding("x", "clear", N_("Clear filters")),
        Binding("u", "unmark", N_("Unmark all"), show=False),
        Binding("f5", "refresh", N_("Refresh"), show=False),
    ]

    def __init__(self, flt: QueueFilter | None = None, *, date_pick: str = ANY) -> None:
        super().__init__()
        self.flt = flt
        self.date_pick = date_pick
        self.scope: QueueFilter | None = flt
        self.marked: dict[tuple[str, str], QueueRow] = {}
        self.marked_at: dict[tuple[str, str], tuple[QueueFilter | None, int]] = {}
        self.places: Places | None = None
        self.shown_count: int | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(_("Opening the database…"), id="queue-status")
        yield Static("", id="queue-filter")
        yield Static("", id="queue-counts")
        yield Static(queue_titles(), id="queue-columns")
        yield PagedList(
            self.render_row, empty_text=_("Nothing to review under this filter."), id="queue-list"
        )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Review queue")
        if self.engine is not None:
            self.database_ready()

    def show_status(self, message: str, *, error: bool) -> None:
        """Show a message above the queue (an error is framed)."""
        status = self.query_one("#queue-status", Static)
        status.update(Text(message))
        status.set_class(error, "-error")
        status.display = True

    def render_row(self, row: QueueRow, width: int) -> Text:
        """One queue line: mark, state, kind, day, community, grid, member, flags, title."""
        marked = (row.entity, row.uuid) in self.marked
        text = Text(" ")
        text.append_text(cell("●" if marked else "", 2, "bold magenta"))
        text.append_text(cell(label(row.state), 8, STATE_STYLES[row.state.value]))
        text.append_text(cell(kind_label(row.entity), 8, "bold"))
        text.append_text(cell(row.day.isoformat() if row.day else "—", 10))
        text.append_text(cell(row.community or "—", 10))
        text.append_text(cell(row.grid_code or "—", 10))
        text.append_text(cell(row.member or "—", 8))
        flags = flags_of(row)
        flags.truncate(8, overflow="ellipsis", pad=True)
        flags.append(" ")
        text.append_text(flags)
        text.append(row.title)
        return text

    def database_ready(self, cursor: int = 0) -> None:
        from gridwalker.store.desk import review

        if self.flt is None:
            self.flt = review.QueueFilter()
            self.scope = self.flt
        self.query_one("#queue-status", Static).display = False
        if self.engine is None:
            return
        flt = self.flt
        if self.places is None:
            self.load("places", read_places)
        self._summarise()
        self.query_one(PagedList).set_source(
            self.engine,
            lambda conn: review.queue_count(conn, flt),
            lambda conn, offset, limit: review.queue_page(conn, flt, offset, limit),
            cursor=cursor,
        )
        self.query_one(PagedList).focus()

    def loaded_places(self, places: Places) -> None:
        self.places = places
        if self.flt is not None:
            self._show_filter(None)

    def _summarise(self) -> None:
        from gridwalker.store.desk import review

        flt = self.flt
        assert flt is not None

        def read(conn: Connection) -> QueueSummary:
            return QueueSummary(review.state_counts(conn, flt), review.queue_count(conn, flt))

        self.load("summary", read)

    def loaded_summary(self, summary: QueueSummary) -> None:
        flt = self.flt
        assert flt is not None
        self._show_filter(summary.shown)
        counts = Text()
        for state in (
            ReviewState.RECEIVED,
            ReviewState.CORRECTED,
            ReviewState.RETURNED,
            ReviewState.APPROVED,
        ):
            n = summary.counts.get(state.value, 0)
            chosen = not flt.states or state.value in flt.states
            style = ("bold reverse " if chosen else "") + STATE_STYLES[state.value]
            counts.append(f" {label(state)} {n} ", style=style if n or chosen else "dim")
            counts.append("  ")
        self.query_one("#queue-counts", Static).update(counts)

    def _show_filter(self, shown: int | None) -> None:
        """The filter in words, how many records it holds, and the marks."""
        if shown is not None:
            self.shown_count = shown
        shown = self.shown_count
        line = Text.assemble((_("Showing: {filter}").format(filter=self.describe()), "bold"))
        if shown is not None:
            line.append("   " + _("{n} records").format(n=shown))
        if self.marked:
            line.append("   ")
            line.append(_("{n} marked").format(n=len(self.marked)), style="bold magenta")
        line.append("   Space: " + _("mark") + "   A: " + _("approve marked"), style="dim")
        self.query_one("#queue-filter", Static).update(line)

    def describe(self) -> str:
        """The filter in words."""
        flt = self.flt
        if flt is None:
            return ""
        parts: list[str] = []
        states = tuple(sorted(flt.states))
        pick = next((k for k, v in STATE_PICKS.items() if tuple(sorted(v)) == states), None)
        if pick in STATE_PICK_LABELS:
            parts.append(_(STATE_PICK_LABELS[pick]))
        else:
            parts.append("、".join(label(ReviewState(s)) for s in states))
        places = self.places
        if flt.community_uuid:
            parts.append(self._place_name(places.communities if places else [], flt.community_uuid))
        if flt.grid_uuid:
            parts.append(self._place_name(places.grids if places else [], flt.grid_uuid))
        if flt.member_uuid:
            parts.append(self._place_name(places.members if places else [], flt.member_uuid))
        if flt.entity:
            parts.append(kind_label(flt.entity))
        if self.date_pick != ANY and self.date_pick in DATE_LABELS:
            parts.append(_(DATE_LABELS[self.date_pick]))
        elif flt.date_from or flt.date_to:
            parts.append(f"{flt.date_from or ''}…{flt.date_to or ''}")
        for flag in sorted(flt.flags):
            parts.append(_(FLAG_LABELS[flag]))
        return " · ".join(parts)

    @staticmethod
    def _place_name(places: list[Place], uuid: str) -> str:
        return next((p.name for p in places if p.uuid == uuid), uuid[:8])

    def refilter(self, flt: QueueFilter) -> None:
        """Show another filter, from the top (the marks stay)."""
        self.flt = flt
        self.database_ready()

    # -- marks and decisions ----------------------------------------------------------------

    def action_mark(self) -> None:
        """Mark the row under the cursor for a bulk approve (or unmark it), then go down."""
        paged = self.query_one(PagedList)
        row = paged.current
        if row is None:
            return
        key = (row.entity, row.uuid)
        if key in self.marked:
            del self.marked[key]
            self.marked_at.pop(key, None)
        else:
            self.marked[key] = row
            self.marked_at[key] = (self.flt, paged.cursor)
        paged.refresh()
        paged.action_cursor(1)
        self._show_filter(None)

    def action_unmark(self) -> None:
        """Drop every mark."""
        self.marked.clear()
        self.marked_at.clear()
        self.query_one(PagedList).refresh()
        self._show_filter(None)

    def action_approve_marked(self) -> None:
        """Approve every marked record, after a confirmation that says how many."""
        if not self.marked:
            self.notify(_("Mark records with Space first."), title=_("Nothing marked"))
            return
        kinds: dict[str, int] = {}
        for entity, _uuid in self.marked:
            kinds[entity] = kinds.get(entity, 0) + 1
        detail = " · ".join(f"{kind_label(k)} {n}" for k, n in sorted(kinds.items()))
        question = _("Approve {n} marked records?").format(n=len(self.marked))
        self.app.push_screen(
            ask_yes_no(question, _("Approve"), _("Cancel"), detail), self._bulk_confirmed
        )

    def _bulk_confirmed(self, yes: bool | None) -> None:
        from gridwalker.store.desk import review

        if not yes:
            return
        items = list(self.marked)
        actor = self.actor
        self.save("bulk", lambda conn: review.approve(conn, items, actor))

    def saved_bulk(self, n: int) -> None:
        cursor = self.query_one(PagedList).cursor
        flt = self.flt
        # Approved rows leave a "to review" filter: the cursor moves up by those above it.
        stays = flt is not None and (not flt.states or ReviewState.APPROVED.value in flt.states)
        above = sum(1 for f, i in self.marked_at.values() if f == flt and i < cursor)
        above = 0 if stays else above
        self.marked.clear()
        self.marked_at.clear()
        self.notify(_("{n} records approved.").format(n=n), title=_("Approved"))
        self.reload(max(cursor - above, 0))

    def failed_bulk(self, exc: BaseException) -> bool:
        return self._review_error(exc)

    @property
    def actor(self) -> str:
        """Who decides: the supervisor at the desk."""
        return str(getattr(self.app, "actor", "") or _("Supervisor"))

    def action_approve_row(self) -> None:
        """Approve the record under the cursor."""
        from gridwalker.store.desk import review

        row = self.query_one(PagedList).current
        if row is None:
            return
        item, actor = (row.entity, row.uuid), self.actor
        self.save("approve", lambda conn: review.approve(conn, [item], actor))

    def saved_approve(self, _n: int) -> None:
        self.notify(_("Approved."), title=_("Done"))
        self.reload(self.query_one(PagedList).cursor, decided=ReviewState.APPROVED)

    def failed_approve(self, exc: BaseException) -> bool:
        return self._review_error(exc)

    def action_return_row(self) -> None:
        """Return the record under the cursor with a comment."""
        row = self.query_one(PagedList).current
        if row is None:
            return
        subject = f"{kind_label(row.entity)} · {row.title}"
        self.app.push_screen(
            CommentModal(subject), lambda comment: self._return(row.entity, row.uuid, comment)
        )

    def _return(self, entity: str, uuid: str, comment: str | None) -> None:
        from gridwalker.store.desk import review

        if comment is None:
            return
        actor = self.actor
        self.save("return", lambda conn: review.return_item(conn, entity, uuid, comment, actor))

    def saved_return(self, _result: None) -> None:
        self.notify(_("Returned to the member for correction."), title=_("Done"))
        self.reload(self.query_one(PagedList).cursor, decided=ReviewState.RETURNED)

    def failed_return(self, exc: BaseException) -> bool:
        return self._review_error(exc)

    def _review_error(self, exc: BaseException) -> bool:
        from gridwalker.store.desk.review import ReviewError

        if isinstance(exc, ReviewError):
            self.notify(
                exc.invalid.text(language()), title=_("Not done"), severity="error", timeout=8
            )
            return True
        return False

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
        row = event.row
        index = event.index
        self.app.push_screen(
            RecordScreen(row.entity, row.uuid), lambda decided: self._back(index, decided)
        )

    def _back(self, index: int, decided: str | None) -> None:
        """Back from a record: at the next row when it was decided, else where it was."""
        if decided:
            self.reload(index, decided=ReviewState(decided))
        else:
            self.reload(index)

    # -- filters ----------------------------------------------------------------------------

    def _pick(
        self,
        title: str,
        options: list[tuple[Text | str, str]],
        current: str,
        apply: Callable[[str | None], None],
    ) -> None:
        """Open a picker; `apply` receives the choice (None when left with Esc)."""
        self.app.push_screen(PickerModal(title, options, current), apply)

    def action_pick_state(self) -> None:
        """Choose the review states shown."""
        flt = self.flt
        if flt is None:
            return
        options: list[tuple[Text | str, str]] = []
        for key, states in STATE_PICKS.items():
            words = (
                _(STATE_PICK_LABELS[key])
                if key in STATE_PICK_LABELS
                else label(ReviewState(states[0]))
            )
            options.append((words, key))
        current = next((k for k, v in STATE_PICKS.items() if frozenset(v) == flt.states), "queue")
        self._pick(_("Show records in state"), options, current, self._state)

    def _state(self, choice: str | None) -> None:
        if choice is None or self.flt is None:
            return
        self.refilter(replace(self.flt, states=frozenset(STATE_PICKS[choice])))

    def _place_options(self, places: list[Place], every: str) -> list[tuple[Text | str, str]]:
        width = max((cell_len(p.name) for p in places), default=0) + 2
        options: list[tuple[Text | str, str]] = [(every, ANY)]
        for p in places:
            options.append((Text.assemble(pad(p.name, width), (p.parent, "dim")), p.uuid))
        return options

    def _pick_place(self, field: str, places: str, everyone: str, title: str) -> None:
        """Choose a community, grid or member to filter by (`field` of the filter)."""
        if self.flt is None or self.places is None:
            return
        options = self._place_options(getattr(self.places, places), everyone)
        current = getattr(self.flt, field) or ANY

        def chosen(choice: str | None) -> None:
            if choice is None or self.flt is None:
                return
            self.refilter(replace(self.flt, **{field: None if choice == ANY else choice}))

        self._pick(title, options, current, chosen)

    def action_pick_community(self) -> None:
        """Choose a community."""
        self._pick_place(
            "community_uuid", "communities", _("All communities"), _("Show records of community")
        )

    def action_pick_grid(self) -> None:
        """Choose a grid."""
        self._pick_place("grid_uuid", "grids", _("All grids"), _("Show records of grid"))

    def action_pick_member(self) -> None:
        """Choose a member."""
        self._pick_place("member_uuid", "members", _("All members"), _("Show records of member"))

    def action_pick_kind(self) -> None:
        """Choose a kind of record."""
        if self.flt is None:
            return
        options: list[tuple[Text | str, str]] = [(_("All kinds"), ANY)]
        options += [(kind_label(k), k) for k in KIND_LABELS]
        self._pick(_("Show records of kind"), options, self.flt.entity or ANY, self._kind)

    def _kind(self, choice: str | None) -> None:
        if choice is None or self.flt is None:
            return
        self.refilter(replace(self.flt, entity=None if choice == ANY else choice))

    def action_pick_date(self) -> None:
        """Choose the days of the records."""
        if self.flt is None:
            return
        options: list[tuple[Text | str, str]] = [(_(DATE_LABELS[k]), k) for k in DATE_PICKS]
        self._pick(_("Show records of the days"), options, self.date_pick, self._date)

    def _date(self, choice: str | None) -> None:
        if choice is None or self.flt is None:
            return
        self.date_pick = choice
        start, end = date_range(choice, clock.today())
        self.refilter(replace(self.flt, date_from=start, date_to=end))

    def action_pick_flag(self) -> None:
        """Choose a flag: in conflict, deleted, new or edited."""
        if self.flt is None:
            return
        options: list[tuple[Text | str, str]] = [(_("Any flags"), ANY)]
        options += [(_(words), flag) for flag, words in FLAG_LABELS.items()]
        current = next(iter(sorted(self.flt.flags)), ANY)
        self._pick(_("Show records flagged"), options, current, self._flag)

    def _flag(self, choice: str | None) -> None:
        if choice is None or self.flt is None:
            return
        flags = frozenset() if choice == ANY else frozenset({choice})
        self.refilter(replace(self.flt, flags=flags))

    def action_clear(self) -> None:
        """Drop every filter but the one the queue was opened with."""
        from gridwalker.store.desk import review

        self.date_pick = ANY
        self.refilter(self.scope or review.QueueFilter())

    def action_refresh(self) -> None:
        """Pick up what arrived since (imports run beside the desk), then read again."""
        from gridwalker.store.desk import review

        self.save("arrivals", review.record_arrivals)

    def saved_arrivals(self, n: int) -> None:
        if n:
            self.notify(_("{n} new records arrived.").format(n=n))
        self.reload(self.query_one(PagedList).cursor)

    def on_screen_resume(self) -> None:
        """Back from another screen: a decision may have been taken elsewhere."""
        paged = self.query_one(PagedList)
        if self.engine is not None and self.flt is not None and paged.count is not None:
            paged.reload()
            self._summarise()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Back only when there is a screen to go back to."""
        if action == "back":
            return len(self.app.screen_stack) > 1
        return True

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


class RecordScreen(DbScreen):
    """One record under review: whole, its revisions, what changed; approve or return it.

    Dismisses with the new state's code after a decision (None when left without one).
    """

    CSS_PATH = "review.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("a", "approve", N_("Approve")),
        Binding("r", "return", N_("Return")),
    ]

    def __init__(self, entity: str, uuid: str) -> None:
        super().__init__()
        self.entity = entity
        self.uuid = uuid
        self.detail: RecordDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(_("Loading…"), id="record-head")
        with Horizontal(id="record-body"):
            with VerticalScroll(id="record-left"):
                yield Static(_("Record"), classes="section")
                yield Static("", id="record-fields")
            with VerticalScroll(id="record-right"):
                yield Static(_("Changes against the previous revision"), classes="section")
                yield Static("", id="record-changes")
                yield Static(_("Revisions"), classes="section")
                yield Static("", id="record-revisions")
                yield Static(_("Decisions"), classes="section")
                yield Static("", id="record-decisions")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Record under review")
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        from gridwalker.store.desk import review

        entity, uuid = self.entity, self.uuid
        self.load("detail", lambda conn: review.record_detail(conn, entity, uuid))

    def loaded_detail(self, detail: RecordDetail) -> None:
        self.detail = detail
        self.query_one("#record-head", Static).update(self._head(detail))
        self.query_one("#record-fields", Static).update(self._fields(detail))
        self.query_one("#record-changes", Static).update(self._changes(detail))
        self.query_one("#record-revisions", Static).update(self._revisions(detail))
        self.query_one("#record-decisions", Static).update(self._decisions(detail))
        self.refresh_bindings()
        self.query_one("#record-left").focus()

    def failed_detail(self, exc: BaseException) -> bool:
        from gridwalker.store.desk.review import ReviewError

        if isinstance(exc, ReviewError):
            self.query_one("#record-head", Static).update(exc.invalid.text(language()))
            return True
        return False

    def _head(self, d: RecordDetail) -> Text:
        """Kind, title, state, who decided and the comment; the fields in conflict."""
        text = Text.assemble((kind_label(d.entity), "bold"), "  ", (d.title, "bold"), "  ")
        text.append_text(state_text(d.state))
        if d.record.get("deleted"):
            text.append("  " + _("deleted"), style="bold magenta")
        text.append(f"   #{d.uuid[:8]}", style="dim")
        record = d.record
        text.append("\n")
        text.append(
            _("Revision {n} by {who} at {at}").format(
                n=str(record.get("rev") or "0").split("-", 1)[0],
                who=record.get("updated_by") or "—",
                at=local_time(record["updated_at"]) if record.get("updated_at") else "—",
            ),
            style="dim",
        )
        if d.decided_by and d.decided_at:
            text.append("\n")
            text.append(
                _("Decided by {who} at {at}").format(who=d.decided_by, at=local_time(d.decided_at))
            )
            if d.comment:
                text.append("  “" + d.comment + "”", style="italic")
        if d.conflict_fields:
            text.append("\n")
            text.append(
                _("In conflict: {fields} (decide on the Conflicts screen, key 2)").format(
                    fields="、".join(field_label(f) for f in d.conflict_fields)
                ),
                style="bold red",
            )
        return text

    def _fields(self, d: RecordDetail) -> Text:
        """Every field of the record; the ones changed since the previous revision stand out."""
        from gridwalker.store.tables import data_columns

        changed = {c.field for c in d.changes}
        names = data_columns(d.entity)
        width = max(cell_len(field_label(n)) for n in names) + 2
        text = Text()
        for i, name in enumerate(names):
            if i:
                text.append("\n")
            mark = name in changed
            text.append("▸ " if mark else "  ", style="bold yellow")
            text.append(pad(field_label(name), width), style="bold" if mark else "dim")
            text.append(show_value(name, d.record.get(name)), style="yellow" if mark else "")
        return text

    def _changes(self, d: RecordDetail) -> Text:
        """Field by field: the previous value → the value now."""
        if d.previous is None:
            return Text(_("The first revision: nothing to compare with."), style="dim")
        if not d.changes:
            return Text(_("No field changed."), style="dim")
        width = max(cell_len(field_label(c.field)) for c in d.changes) + 2
        text = Text()
        for i, change in enumerate(d.changes):
            if i:
                text.append("\n")
            text.append(pad(field_label(change.field), width), style="bold")
            text.append(show_value(change.field, change.before), style="red")
            text.append(" → ")
            text.append(show_value(change.field, change.after), style="green")
        return text

    def _revisions(self, d: RecordDetail) -> Text:
        """Oldest first: generation, when, who, from which device, its review state."""
        text = Text()
        current = d.record.get("rev")
        for i, rev in enumerate(d.revisions):
            if i:
                text.append("\n")
            now = rev.rev == current
            text.append("● " if now else "○ ", style="bold" if now else "dim")
            text.append(f"v{rev.rev.split('-', 1)[0]} ", style="bold")
            text.append(local_time(rev.updated_at) + "  ", style="dim")
            text.append(pad(rev.updated_by or "—", 8, gap=1))
            text.append(pad(rev.device_id or _("hub"), 10, gap=1), style="dim")
            text.append_text(state_text(rev.state) if rev.state else Text(""))
            if rev.deleted:
                text.append(" " + _("deleted"), style="magenta")
            if rev.comment:
                text.append("\n    “" + rev.comment + "”", style="italic")
        return text

    def _decisions(self, d: RecordDetail) -> Text:
        """Every decision logged on the record."""
        if not d.decisions:
            return Text(_("No decision yet."), style="dim")
        text = Text()
        for i, dec in enumerate(d.decisions):
            if i:
                text.append("\n")
            text.append(local_time(dec.at) + "  ", style="dim")
            text.append(pad(dec.actor, 8, gap=1))
            text.append_text(state_text(dec.state))
            text.append(f"  v{dec.rev.split('-', 1)[0]}", style="dim")
            if dec.comment:
                text.append("  “" + dec.comment + "”", style="italic")
        return text

    @property
    def actor(self) -> str:
        """Who decides: the supervisor at the desk."""
        return str(getattr(self.app, "actor", "") or _("Supervisor"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Approve and return only a record with a review row, and not twice the same way."""
        d = self.detail
        if action == "approve":
            return d is not None and d.state is not None and d.state is not ReviewState.APPROVED
        if action == "return":
            return d is not None and d.state is not None and d.state is not ReviewState.RETURNED
        return True

    def action_approve(self) -> None:
        """Approve the record as it is now."""
        from gridwalker.store.desk import review

        if self.detail is None:
            return
        item, actor = (self.entity, self.uuid), self.actor
        self.save("approve", lambda conn: review.approve(conn, [item], actor))

    def saved_approve(self, _n: int) -> None:
        self.notify(_("Approved."), title=_("Done"))
        self.dismiss(ReviewState.APPROVED.value)

    def failed_approve(self, exc: BaseException) -> bool:
        return self._review_error(exc)

    def action_return(self) -> None:
        """Return the record to its member with a comment."""
        if self.detail is None:
            return
        subject = f"{kind_label(self.entity)} · {self.detail.title}"
        self.app.push_screen(CommentModal(subject), self._return)

    def _return(self, comment: str | None) -> None:
        from gridwalker.store.desk import review

        if comment is None:
            return
        entity, uuid, actor = self.entity, self.uuid, self.actor
        self.save("return", lambda conn: review.return_item(conn, entity, uuid, comment, actor))

    def saved_return(self, _result: None) -> None:
        self.notify(_("Returned to the member for correction."), title=_("Done"))
        self.dismiss(ReviewState.RETURNED.value)

    def failed_return(self, exc: BaseException) -> bool:
        return self._review_error(exc)

    def _review_error(self, exc: BaseException) -> bool:
        from gridwalker.store.desk.review import ReviewError

        if isinstance(exc, ReviewError):
            self.notify(
                exc.invalid.text(language()), title=_("Not done"), severity="error", timeout=8
            )
            return True
        return False

    def action_back(self) -> None:
        self.dismiss(None)


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

    CSS_PATH = "review.tcss"
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
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Returned for correction")
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        from gridwalker.store.desk import review

        self.load("items", review.returned_items)

    def loaded_items(self, items: list[ReturnedItem]) -> None:
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
        item = self.items[int(event.option.id or 0)]
        if item.entity == "issue":
            from gridwalker.tui.common.issues import IssueDetailScreen

            self.app.push_screen(IssueDetailScreen(item.uuid))
            return
        entity, uuid = item.entity, item.uuid
        self.load("target", lambda conn: place_of(conn, entity, uuid))

    def loaded_target(self, target: tuple[str, str] | None) -> None:
        if target is None:
            self.notify(_("This record is no longer on this laptop."), severity="warning")
            return
        kind, uuid = target
        if kind == "household":
            open_household = getattr(self.app, "open_household", None)
            if open_household is not None:
                open_household(uuid)
        else:
            from gridwalker.tui.field.enterprise import EnterpriseScreen

            self.app.push_screen(EnterpriseScreen(uuid))

    def on_screen_resume(self) -> None:
        """Back from a correction: the item may be corrected now."""
        if self.engine is not None:
            self.database_ready()

    def action_refresh(self) -> None:
        self.database_ready()

    def action_back(self) -> None:
        self.app.pop_screen()


def place_of(conn: Connection, entity: str, uuid: str) -> tuple[str, str] | None:
    """Where a returned record is corrected: its household, or its enterprise (in a worker)."""
    from sqlalchemy import select

    from gridwalker.store.tables import CensusRecord, Resident, Visit

    if entity == "household":
        return "household", uuid
    if entity == "census_record":
        found = conn.execute(
            select(CensusRecord.enterprise_uuid).where(CensusRecord.uuid == uuid)
        ).scalar()
        return ("enterprise", found) if found else None
    model = Visit if entity == "visit" else Resident
    found = conn.execute(select(model.household_uuid).where(model.uuid == uuid)).scalar()
    return ("household", found) if found else None
