"""The issue log: a list paged from SQL with filters and counts per status; Enter opens one.

The detail of one issue lives in `issue_detail`, the line of one issue in `issue_rows`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Static

from gridwalker.domain.choices import IssueCategory, IssueStatus
from gridwalker.domain.i18n import _, label
from gridwalker.tui.common.dialogs import PickerModal
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.issue_detail import (
    CSS_FILE,
)
from gridwalker.tui.common.issue_rows import column_titles, render_issue_row
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.format import pad
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.issues import IssueDetail, IssueFilter


FIGURES = {"issues": "open", "overdue": "overdue", "due_week": "due_this_week"}
OPEN_PICK = "open"  # the status picker's "open issues" entry
ANY_PICK = "any"


class SummaryLoaded(DbResult):
    """The counts per status and the names behind the filter were read."""


class StatusCountsLoaded(DbResult):
    """The counts per status were read, for the status picker."""


class RowIssueLoaded(DbResult):
    """The issue under the cursor was read, for its building."""


@dataclass(frozen=True)
class ListSummary:
    """The header of the list: counts per status and the names behind the filter."""

    counts: dict[str, int]
    shown: int
    building_name: str | None


class IssueListScreen(DbScreen):
    """Issues paged from SQL, filtered and sorted by key; Enter opens one."""

    CSS_PATH = CSS_FILE  # absolute: the desk subclasses these screens in another folder
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("s", "pick_status", N_("Status")),
        Binding("o", "toggle_overdue", N_("Overdue only")),
        Binding("m", "toggle_mine", N_("Logged by me")),
        Binding("c", "pick_category", N_("Category")),
        Binding("b", "toggle_building", N_("This building")),
        Binding("d", "sort('due')", N_("By due date"), show=False),
        Binding("g", "sort('age')", N_("By age"), show=False),
        Binding("x", "clear", N_("Clear filters")),
        Binding("l", "log_issue", N_("Log an issue")),
    ]

    def __init__(self, flt: IssueFilter | None = None, sort: str = "due") -> None:
        super().__init__()
        self.flt = flt
        self.sort = sort if sort in ("due", "age") else "due"
        self.member_grid = False  # scope to the signed-in member's grid once known
        self.building_name: str | None = None

    @classmethod
    def for_figure(cls, key: str, grid_uuid: str | None = None) -> IssueListScreen:
        """The list behind a Today figure ("issues", "overdue", "due_week")."""
        from gridwalker.store.issues import today_filters

        screen = cls(today_filters(grid_uuid)[FIGURES[key]])
        screen.member_grid = grid_uuid is None
        return screen

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="issue-filter")
        yield Static("", id="issue-counts")
        yield Static(column_titles(), id="issue-columns")
        yield PagedList(
            render_issue_row, empty_text=_("No issue matches this filter."), id="issue-list"
        )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Issues")
        if self.engine is not None:
            self.database_ready()

    @property
    def scope(self) -> IssueFilter:
        """What `x` keeps: the grid, household or enterprise the list was opened for."""
        from gridwalker.store.issues import IssueFilter

        flt = self.flt or IssueFilter()
        return IssueFilter(
            grid_uuid=flt.grid_uuid,
            household_uuid=flt.household_uuid,
            enterprise_uuid=flt.enterprise_uuid,
        )

    def database_ready(self, cursor: int = 0) -> None:
        from gridwalker.store import issues

        if self.flt is None:  # opened from the palette or a menu: the work still to do
            self.flt = issues.IssueFilter(open_only=True)
            self.member_grid = True
        member = self.gw.member
        if self.member_grid and member is not None and member.grid_uuid:
            self.flt = replace(self.flt, grid_uuid=member.grid_uuid)
            self.member_grid = False
        if self.engine is None:
            return
        flt, sort = self.flt, self.sort
        self._summarise()
        self.query_one(PagedList).set_source(
            self.engine,
            lambda conn: issues.issue_count(conn, flt),
            lambda conn, offset, limit: issues.issue_page(conn, flt, sort, offset, limit),
            cursor=cursor,
        )
        self.query_one(PagedList).focus()

    def _summarise(self) -> None:
        from gridwalker.store import issues

        flt = self.flt
        assert flt is not None

        def read(conn: Connection) -> ListSummary:
            name = issues.building_name(conn, flt.building_uuid) if flt.building_uuid else None
            return ListSummary(issues.status_counts(conn, flt), issues.issue_count(conn, flt), name)

        self.db_read(read, SummaryLoaded)

    @on(SummaryLoaded)
    def _show_summary(self, message: SummaryLoaded) -> None:
        summary: ListSummary = message.result
        flt = self.flt
        assert flt is not None
        self.building_name = summary.building_name
        self.query_one("#issue-filter", Static).update(
            Text.assemble(
                (_("Showing: {filter}").format(filter=self.describe()), "bold"),
                "   ",
                _("{n} issues").format(n=summary.shown),
                "   ",
                (_("sorted by due date") if self.sort == "due" else _("newest first"), "dim"),
                "   ",
                ("d g: " + _("sort") + "   Enter: " + _("open"), "dim"),
            )
        )
        counts = Text()
        for status in IssueStatus:
            n = summary.counts.get(status.value, 0)
            chosen = flt.statuses is not None and status.value in flt.statuses
            style = "bold reverse" if chosen else ("" if n else "dim")
            counts.append(f"{label(status)} {n}", style=style)
            counts.append("  ")
        self.query_one("#issue-counts", Static).update(counts)

    def describe(self) -> str:
        """The filter in words."""
        flt = self.flt
        assert flt is not None
        parts: list[str] = []
        if flt.statuses:
            parts.append("、".join(label(IssueStatus(s)) for s in sorted(flt.statuses)))
        if flt.open_only:
            parts.append(_("open issues"))
        if flt.overdue:
            parts.append(_("overdue"))
        if flt.due_within_days is not None:
            parts.append(_("due within {days} days").format(days=flt.due_within_days))
        if flt.category:
            parts.append(label(IssueCategory(flt.category)))
        if flt.building_uuid:
            parts.append(self.building_name or _("one building"))
        if flt.mine:
            parts.append(_("logged by me"))
        if flt.household_uuid:
            parts.append(_("this household"))
        if flt.enterprise_uuid:
            parts.append(_("this enterprise"))
        return " · ".join(parts) or _("all issues")

    def on_screen_resume(self) -> None:
        """Back from the detail or the form: statuses and counts may have changed."""
        paged = self.query_one(PagedList)
        if self.engine is not None and self.flt is not None and paged.count is not None:
            paged.reload()
            self._summarise()

    def _refilter(self, flt: IssueFilter) -> None:
        """Show another filter, from the top."""
        self.flt = flt
        self.database_ready()

    @on(PagedList.Selected, "#issue-list")
    def _open(self, event: PagedList.Selected) -> None:
        navigator(self).open_issue(event.row.uuid)

    def action_pick_status(self) -> None:
        """Choose a status (or all, or the open ones) from a short list."""
        from gridwalker.store import issues

        flt = self.flt
        if flt is None or self.engine is None:
            return
        self.db_read(lambda conn: issues.status_counts(conn, flt), StatusCountsLoaded)

    @on(StatusCountsLoaded)
    def _offer_statuses(self, message: StatusCountsLoaded) -> None:
        counts: dict[str, int] = message.result
        flt = self.flt
        assert flt is not None
        open_n = sum(counts[s.value] for s in IssueStatus if s.is_open)
        options: list[tuple[Text | str, str]] = [
            (_("All statuses") + f"  {sum(counts.values())}", ANY_PICK),
            (_("Open issues") + f"  {open_n}", OPEN_PICK),
        ]
        width = max(cell_len(label(s)) for s in IssueStatus) + 2
        options += [(pad(label(s), width) + str(counts[s.value]), s.value) for s in IssueStatus]
        current = ANY_PICK
        if flt.open_only:
            current = OPEN_PICK
        elif flt.statuses and len(flt.statuses) == 1:
            current = next(iter(flt.statuses))
        self.app.push_screen(
            PickerModal(_("Show issues with status"), options, current), self._status
        )

    def _status(self, choice: str | None) -> None:
        """Apply the status chosen in the picker."""
        if choice is None or self.flt is None:
            return
        if choice == ANY_PICK:
            self._refilter(replace(self.flt, statuses=None, open_only=False))
        elif choice == OPEN_PICK:
            self._refilter(replace(self.flt, statuses=None, open_only=True))
        else:
            self._refilter(replace(self.flt, statuses=frozenset({choice}), open_only=False))

    def action_pick_category(self) -> None:
        """Choose a category from a short list."""
        if self.flt is None:
            return
        options: list[tuple[Text | str, str]] = [(_("All categories"), ANY_PICK)]
        options += [(label(c), c.value) for c in IssueCategory]
        current = self.flt.category or ANY_PICK
        self.app.push_screen(
            PickerModal(_("Show issues of category"), options, current), self._category
        )

    def _category(self, choice: str | None) -> None:
        """Apply the category chosen in the picker."""
        if choice is None or self.flt is None:
            return
        self._refilter(replace(self.flt, category=None if choice == ANY_PICK else choice))

    def action_toggle_overdue(self) -> None:
        """Only overdue issues, or all again."""
        if self.flt is not None:
            self._refilter(replace(self.flt, overdue=not self.flt.overdue))

    def action_toggle_mine(self) -> None:
        """Only the issues I logged, or everyone's again."""
        member = self.gw.member
        if self.flt is None or member is None:
            return
        self._refilter(replace(self.flt, mine=None if self.flt.mine else member.uuid))

    def action_toggle_building(self) -> None:
        """Only the issues of the current row's building, or every building again."""
        from gridwalker.store import issues

        if self.flt is None:
            return
        if self.flt.building_uuid:
            self._refilter(replace(self.flt, building_uuid=None))
            return
        row = self.query_one(PagedList).current
        if row is None:
            return
        uuid = row.uuid
        self.db_read(lambda conn: issues.issue_detail(conn, uuid), RowIssueLoaded)

    @on(RowIssueLoaded)
    def _filter_by_building(self, message: RowIssueLoaded) -> None:
        detail: IssueDetail = message.result
        if self.flt is None:
            return
        if not detail.building_uuid:
            self.notify(_("This issue is not in a building."))
            return
        self.building_name = detail.building_name
        self._refilter(replace(self.flt, building_uuid=detail.building_uuid))

    def action_sort(self, sort: str) -> None:
        """Sort by due date (soonest first) or by age (newest first)."""
        self.sort = sort
        self.database_ready()

    def action_clear(self) -> None:
        """Drop every filter but the list's scope."""
        self._refilter(self.scope)

    def action_log_issue(self) -> None:
        """Log a new issue, started from the household, enterprise or building in view."""
        flt = self.flt
        start: dict[str, str] = {}
        if flt is not None:
            if flt.household_uuid:
                start["household_uuid"] = flt.household_uuid
            elif flt.enterprise_uuid:
                start["enterprise_uuid"] = flt.enterprise_uuid
            elif flt.building_uuid:
                start["building_uuid"] = flt.building_uuid
        navigator(self).log_issue(**start)

    def action_back(self) -> None:
        self.gw.go_back()
