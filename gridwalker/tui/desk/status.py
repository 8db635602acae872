"""The hub's state at a glance: bundles received, held and quarantined; members; coverage;
and the issue log with the supervisor's side of the workflow.

Members and coverage are a few dozen rows (one per grid), so a DataTable holds them; the
bundle ledger grows with every import and pages from SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from gridwalker.domain import clock
from gridwalker.domain.choices import IssueCategory, IssueStatus
from gridwalker.domain.i18n import _, label, language
from gridwalker.tui.common.dialogs import ask_yes_no
from gridwalker.tui.common.issues import IssueDetailScreen, IssueListScreen
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.common.workers import DbScreen, Done, Failed
from gridwalker.tui.format import cell, local_time
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from gridwalker.domain.workflow import IssueAction
    from gridwalker.store.desk.review import (
        CoverageRow,
        HeldRow,
        LedgerRow,
        MemberStats,
        QuarantineRow,
    )

SPARK = "▁▂▃▄▅▆▇█"
LEDGER_COLUMNS = (
    (16, N_("Device")),
    (8, N_("Member")),
    (5, N_("Seq")),
    (6, N_("Kind")),
    (8, N_("Records")),
    (8, N_("Applied")),
    (8, N_("Known")),
    (6, N_("Conflicts")),
    (16, N_("Received at")),
)
BUNDLE_KINDS = {"full": N_("full"), "delta": N_("delta")}


def sparkline(values: list[int]) -> Text:
    """Visits per day as bars (▁ to █, scaled to the busiest day); a day without any is a dot."""
    top = max(values, default=0)
    text = Text()
    for n in values:
        if n <= 0 or top <= 0:
            text.append("·", style="dim")
        else:
            text.append(SPARK[min(len(SPARK) - 1, (n * len(SPARK) - 1) // top)], style="green")
    return text


def days_ago(days: int | None) -> str:
    """How long ago, in days, in words."""
    if days is None:
        return _("never")
    if days <= 0:
        return _("today")
    if days == 1:
        return _("yesterday")
    return _("{n} days ago").format(n=days)


def ratio(value: float | None) -> str:
    """A share as a percentage ("—" without a denominator)."""
    return "—" if value is None else f"{value:.0%}"


class EngineWork:
    """Run a function of the engine and the home (the sync package's entry points) in a thread."""

    def run_engine(self, name: str, fn: Callable[[Engine, Any], Any]) -> None:
        """`saved_<name>(result)` or `failed_<name>(error)` receives the outcome."""
        engine = getattr(self, "engine", None)
        app: Any = getattr(self, "app", None)
        if engine is None or app is None:
            return
        home = app.home

        def work() -> None:
            try:
                result = fn(engine, home)
            except Exception as exc:  # reported by message, handled on the UI thread
                self.post_message(Failed(name, exc, True))  # type: ignore[attr-defined]
            else:
                self.post_message(Done(name, result, True))  # type: ignore[attr-defined]

        self.run_worker(  # type: ignore[attr-defined]
            work, thread=True, group=f"engine-{name}", exclusive=True, exit_on_error=False
        )


def ledger_titles() -> Text:
    """The titles above the ledger."""
    text = Text(" ")
    for width, title in LEDGER_COLUMNS:
        text.append_text(cell(_(title), width, "bold"))
    text.append(_("File"), style="bold")
    return text


def render_ledger_row(row: LedgerRow, width: int) -> Text:
    """One bundle received: device, member, seq, kind, counts, when, the file."""
    text = Text(" ")
    text.append_text(cell(row.device_id, 16, "bold"))
    text.append_text(cell(row.member, 8))
    text.append_text(cell(str(row.seq), 5))
    kind = BUNDLE_KINDS.get(row.kind)
    text.append_text(cell(_(kind) if kind else row.kind, 6, "dim"))
    text.append_text(cell(f"{row.records:,}", 8))
    text.append_text(cell(f"{row.applied:,}", 8, "green" if row.applied else "dim"))
    text.append_text(cell(f"{row.skipped:,}", 8, "dim"))
    text.append_text(cell(str(row.conflicts), 6, "bold red" if row.conflicts else "dim"))
    text.append_text(cell(local_time(row.imported_at), 16, "dim"))
    if row.forced_by:
        forced = _("forced by {who}").format(who=row.forced_by)
        if row.missing:
            forced += ", " + _("missing {seqs}").format(seqs=", ".join(map(str, row.missing)))
        text.append(forced + "  ", style="bold yellow")
    text.append(row.file, style="dim")
    return text


@dataclass(frozen=True)
class BundleBooks:
    """The held and quarantined bundles, and how many were received."""

    received: int
    held: list[HeldRow]
    quarantined: list[QuarantineRow]


class BundlesScreen(EngineWork, DbScreen):
    """What arrived from which device; held bundles (force-apply) and quarantined ones (retry)."""

    CSS_PATH = "status.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("f", "force", N_("Force-apply held bundle")),
        Binding("t", "retry", N_("Retry quarantined bundle")),
        Binding("f5", "refresh", N_("Refresh"), show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.books: BundleBooks | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="bundles-summary")
        yield Static(ledger_titles(), id="ledger-columns")
        yield PagedList(
            render_ledger_row, empty_text=_("No bundle has arrived yet."), id="ledger-list"
        )
        yield Static(_("Held: waiting for the bundles before them"), classes="section")
        yield DataTable(id="held-table", cursor_type="row")
        yield Static(_("Quarantined: refused, with the reason"), classes="section")
        yield DataTable(id="quarantine-table", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Bundles")
        held = self.query_one("#held-table", DataTable)
        held.add_column(_("Device"), width=16)
        held.add_column(_("Seq"), width=5)
        held.add_column(_("Missing"), width=12)
        held.add_column(_("Received at"), width=16)
        held.add_column(_("File"))
        held.show_cursor = False
        quarantine = self.query_one("#quarantine-table", DataTable)
        quarantine.add_column(_("Received at"), width=16)
        quarantine.add_column(_("Device"), width=16)
        quarantine.add_column(_("Seq"), width=5)
        quarantine.add_column(_("Reason"), width=52)
        quarantine.add_column(_("File"))
        quarantine.show_cursor = False
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        from gridwalker.store.desk import review

        if self.engine is None:
            return
        self.load(
            "books",
            lambda conn: BundleBooks(
                review.bundle_count(conn), review.held_bundles(conn), review.quarantined(conn)
            ),
        )
        self.query_one(PagedList).set_source(
            self.engine,
            review.bundle_count,
            lambda conn, offset, limit: review.bundle_page(conn, offset, limit),
        )
        if self.focused is None:
            self.query_one(PagedList).focus()

    def loaded_books(self, books: BundleBooks) -> None:
        self.books = books
        self.query_one("#bundles-summary", Static).update(
            Text.assemble(
                (_("{n} bundles received").format(n=books.received), "bold"),
                "   ",
                (
                    _("{n} held").format(n=len(books.held)),
                    "bold yellow" if books.held else "dim",
                ),
                "   ",
                (
                    _("{n} quarantined").format(n=len(books.quarantined)),
                    "bold red" if books.quarantined else "dim",
                ),
                "   ",
                (
                    "Tab: " + _("next list") + "   f: " + _("force-apply") + "   t: " + _("retry"),
                    "dim",
                ),
            )
        )
        held = self.query_one("#held-table", DataTable)
        held.clear()
        for h in books.held:
            held.add_row(
                Text(h.device_id, style="bold"),
                str(h.seq),
                Text(", ".join(str(s) for s in h.missing) or "—", style="bold yellow"),
                local_time(h.received_at),
                Text(Path(h.path).name, style="dim"),
                key=str(h.id),
            )
        held.show_cursor = bool(books.held)
        quarantine = self.query_one("#quarantine-table", DataTable)
        quarantine.clear()
        for q in books.quarantined:
            quarantine.add_row(
                local_time(q.at),
                q.device_id or "—",
                str(q.seq) if q.seq is not None else "—",
                Text(f"[{q.reason}] {q.message}", style="red"),
                Text(q.file, style="dim"),
                key=str(q.id),
            )
        quarantine.show_cursor = bool(books.quarantined)
        self.refresh_bindings()

    def _chosen(self, table_id: str, rows: list[Any]) -> Any | None:
        """The row under the cursor of a small table (the first when it has no focus)."""
        if not rows:
            return None
        table = self.query_one(table_id, DataTable)
        index = table.cursor_row if table.cursor_row is not None else 0
        return rows[min(max(index, 0), len(rows) - 1)]

    def action_force(self) -> None:
        """Apply the chosen held bundle now, after a confirmation."""
        if self.books is None:
            return
        held: HeldRow | None = self._chosen("#held-table", self.books.held)
        if held is None:
            self.notify(_("No bundle is held."))
            return
        question = _("Force-apply bundle {seq} of {device} now?").format(
            seq=held.seq, device=held.device_id
        )
        detail = _(
            "Bundles {missing} have not arrived. It is applied now, after every check, and "
            "booked as forced by you; the missing bundles still apply when they arrive."
        ).format(missing=", ".join(str(s) for s in held.missing) or "—")
        self.app.push_screen(
            ask_yes_no(question, _("Force-apply"), _("Cancel"), detail),
            lambda yes: self._force(held, yes),
        )

    def _force(self, held: HeldRow, yes: bool | None) -> None:
        from gridwalker.sync.hub.backlog import force_apply

        if not yes:
            return
        actor = str(getattr(self.app, "actor", "") or _("Supervisor"))
        backlog_id = held.id
        self.run_engine("force", lambda engine, home: force_apply(engine, home, backlog_id, actor))

    def saved_force(self, outcome: Any) -> None:
        self.notify(
            _(
                "Bundle {seq} of {device}: {applied} records applied, {conflicts} in conflict."
            ).format(
                seq=outcome.seq,
                device=outcome.device_id,
                applied=outcome.applied,
                conflicts=outcome.conflicts,
            )
            + "".join(
                " " + _("Held bundle {seq} applied after it.").format(seq=o.seq)
                for o in outcome.after
                if o.status == "applied"
            )
            + "".join(
                " " + _("Held bundle {seq} refused: {reason}").format(seq=o.seq, reason=o.reason)
                for o in outcome.after
                if o.status == "refused"
            ),
            title=_("Force-applied"),
            timeout=8,
        )
        self.database_ready()

    def failed_force(self, exc: BaseException) -> bool:
        return self._problem(exc, _("Not force-applied"))

    def action_retry(self) -> None:
        """Import the chosen quarantined bundle again (e.g. after enrolling its device)."""
        from gridwalker.sync.hub.backlog import retry

        if self.books is None:
            return
        row: QuarantineRow | None = self._chosen("#quarantine-table", self.books.quarantined)
        if row is None:
            self.notify(_("No bundle is quarantined."))
            return
        quarantine_id = row.id
        self.run_engine("retry", lambda engine, home: retry(engine, home, quarantine_id))

    def saved_retry(self, outcomes: list[Any]) -> None:
        refused = [o for o in outcomes if o.status == "refused"]
        if refused:
            self.notify(
                _("Refused again: {reason}").format(
                    reason=f"[{refused[0].reason}] {refused[0].message}"
                ),
                title=_("Quarantined"),
                severity="warning",
                timeout=8,
            )
        else:
            self.notify(_("The bundle was imported."), title=_("Done"))
        self.database_ready()

    def failed_retry(self, exc: BaseException) -> bool:
        return self._problem(exc, _("Not retried"))

    def _problem(self, exc: BaseException, title: str) -> bool:
        from gridwalker.sync.hub.backlog import BacklogProblem
        from gridwalker.sync.hub.intake import HubLocked

        if isinstance(exc, BacklogProblem | HubLocked):
            self.notify(str(exc), title=title, severity="error", timeout=8)
            self.database_ready()
            return True
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Force and retry only when there is something to act on; back only when possible."""
        if action == "force":
            return self.books is not None and bool(self.books.held)
        if action == "retry":
            return self.books is not None and bool(self.books.quarantined)
        if action == "back":
            return len(self.app.screen_stack) > 1
        return True

    def action_refresh(self) -> None:
        self.database_ready()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


class MembersScreen(DbScreen):
    """Per member: visits per day (a sparkline), last bundle, coverage, care, returned items."""

    CSS_PATH = "status.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("f5", "refresh", N_("Refresh"), show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.stats: list[MemberStats] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="members-summary")
        yield DataTable(id="members-table", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        from gridwalker.store.desk.review import SPARK_DAYS

        self.sub_title = _("Members")
        table = self.query_one(DataTable)
        table.add_column(_("Member"), width=8)
        table.add_column(_("Grid"), width=9)
        table.add_column(_("Community"), width=8)
        table.add_column(_("Visits per day, last {n} days").format(n=SPARK_DAYS), width=28)
        table.add_column(_("Visits"), width=5)
        table.add_column(_("Last bundle"), width=16)
        table.add_column(_("Since"), width=8)
        table.add_column(_("Covered"), width=9)
        table.add_column(_("Care unseen"), width=6)
        table.add_column(_("Returned"), width=6)
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        from gridwalker.store.desk import review

        self.load("stats", review.member_stats)

    def loaded_stats(self, stats: list[MemberStats]) -> None:
        self.stats = stats
        self.query_one("#members-summary", Static).update(
            Text.assemble(
                (_("{n} members").format(n=len(stats)), "bold"),
                "   ",
                (
                    _("as of {day}").format(day=clock.today().isoformat())
                    + "   Enter: "
                    + _("their records in the queue"),
                    "dim",
                ),
            )
        )
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for s in stats:
            stale = s.last_bundle_age_days is None or s.last_bundle_age_days > 3
            table.add_row(
                Text(s.name, style="bold"),
                s.grid_code,
                s.community,
                sparkline(s.visits_per_day),
                str(sum(s.visits_per_day)),
                local_time(s.last_bundle_at) if s.last_bundle_at else "—",
                Text(days_ago(s.last_bundle_age_days), style="yellow" if stale else "green"),
                f"{s.households_covered}/{s.households}",
                Text(str(s.care_not_seen), style="yellow" if s.care_not_seen else "dim"),
                Text(str(s.returned_open), style="red" if s.returned_open else "dim"),
                key=s.member_uuid,
            )
        if stats:
            table.move_cursor(row=min(cursor or 0, len(stats) - 1))
        table.focus()

    @on(DataTable.RowSelected, "#members-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        from gridwalker.store.desk.review import QueueFilter
        from gridwalker.tui.desk.review import QueueScreen

        member = str(event.row_key.value)
        self.app.push_screen(QueueScreen(QueueFilter(member_uuid=member)))

    def action_refresh(self) -> None:
        self.database_ready()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Back only when there is a screen to go back to."""
        if action == "back":
            return len(self.app.screen_stack) > 1
        return True

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


# (title, width, what Enter opens: the place's queue, the figure's list (hub_lists), issues)
COVERAGE_COLUMNS: tuple[tuple[str, int, str], ...] = (
    (N_("Community"), 8, "queue"),
    (N_("Grid"), 9, "queue"),
    (N_("Households"), 6, "list"),
    (N_("Visited"), 6, "list"),
    (N_("Share"), 5, "list"),
    (N_("Care"), 5, "list"),
    (N_("Seen"), 5, "list"),
    (N_("Firms"), 5, "list"),
    (N_("Censused"), 6, "list"),
    (N_("Party org"), 6, "list"),
    (N_("Org share"), 6, "list"),
    (N_("Open issues"), 6, "open"),
    (N_("Overdue"), 6, "overdue"),
)


def coverage_cells(row: CoverageRow) -> list[Text]:
    """A coverage row's figures, in the order of COVERAGE_COLUMNS."""
    bold = "bold" if row.level != "grid" else ""
    where = {"street": _("Street"), "community": _("Subtotal")}.get(row.level, row.grid_code)
    values = [
        (row.community if row.level != "street" else _("Whole street"), bold),
        (where, bold),
        (str(row.households), bold),
        (str(row.visited), bold),
        (ratio(row.visited_ratio), "green" if (row.visited_ratio or 0) >= 0.9 else "yellow"),
        (str(row.care_residents), bold),
        (str(row.care_seen), bold),
        (str(row.enterprises), bold),
        (str(row.censused), bold),
        (str(row.with_org), bold),
        (ratio(row.org_ratio), bold),
        (str(row.open_total), bold),
        (str(row.overdue_total), "bold red" if row.overdue_total else bold),
    ]
    return [Text(value, style=style) for value, style in values]


class CoverageScreen(DbScreen):
    """Coverage per community and grid; Enter on a figure opens its list; `e` writes the report."""

    CSS_PATH = "status.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("e", "export", N_("Write the coverage report")),
        Binding("f5", "refresh", N_("Refresh"), show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[CoverageRow] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="coverage-summary")
        yield DataTable(id="coverage-table", cursor_type="cell")
        yield Static("", id="coverage-issues")
        yield Static("", id="coverage-report")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Coverage")
        table = self.query_one(DataTable)
        for title, width, _opens in COVERAGE_COLUMNS:
            table.add_column(_(title), width=width)
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        from gridwalker.store.desk import review

        self.load("table", review.coverage_table)

    def loaded_table(self, rows: list[CoverageRow]) -> None:
        self.rows = rows
        start, _end = clock.cycle_bounds(clock.today())
        self.query_one("#coverage-summary", Static).update(
            Text.assemble(
                (_("Coverage this cycle ({cycle})").format(cycle=clock.cycle_label(start)), "bold"),
                "   ",
                (
                    _("as of {day}").format(day=clock.today().isoformat())
                    + "   Enter: "
                    + _("open the list behind a figure")
                    + "   e: "
                    + _("write the report"),
                    "dim",
                ),
            )
        )
        table = self.query_one(DataTable)
        coordinate = table.cursor_coordinate
        table.clear()
        for i, row in enumerate(rows):
            table.add_row(*coverage_cells(row), key=str(i))
        if rows:
            table.move_cursor(row=min(coordinate.row, len(rows) - 1), column=coordinate.column)
        self._show_issues(table.cursor_coordinate.row)
        table.focus()

    @on(DataTable.CellHighlighted, "#coverage-table")
    def _highlighted(self, event: DataTable.CellHighlighted) -> None:
        self._show_issues(event.coordinate.row)

    def _show_issues(self, index: int) -> None:
        """Open and overdue issues of the highlighted row, by category."""
        if not 0 <= index < len(self.rows):
            return
        row = self.rows[index]
        text = Text(_("Issues by category") + ": ", style="bold")
        parts = [
            (
                category,
                row.open_issues.get(category.value, 0),
                row.overdue_issues.get(category.value, 0),
            )
            for category in IssueCategory
        ]
        shown = [(c, n, o) for c, n, o in parts if n or o]
        for i, (category, n, overdue) in enumerate(shown):
            if i:
                text.append("  ·  ")
            text.append(f"{label(category)} {n}")
            if overdue:
                text.append(" (" + _("{n} overdue").format(n=overdue) + ")", style="red")
        if not shown:
            text.append(_("none open"), style="dim")
        self.query_one("#coverage-issues", Static).update(text)

    @on(DataTable.CellSelected, "#coverage-table")
    def _open(self, event: DataTable.CellSelected) -> None:
        from gridwalker.store.desk.review import QueueFilter
        from gridwalker.store.issues import IssueFilter
        from gridwalker.tui.desk.coverage_lists import drill_down
        from gridwalker.tui.desk.review import QueueScreen

        row = self.rows[event.coordinate.row]
        title, _width, opens = COVERAGE_COLUMNS[event.coordinate.column]
        if opens in ("open", "overdue"):
            if row.level == "community":
                self.notify(_("Issues open by grid: choose one of the community's grids."))
                return
            flt = IssueFilter(grid_uuid=row.grid_uuid, open_only=True, overdue=opens == "overdue")
            self.app.push_screen(HubIssueListScreen(flt))
            return
        # Households, care-tagged residents and firms: the list the figure counts.
        listing = drill_down(row, title)
        if listing is not None:
            self.app.push_screen(listing)
            return
        # The community and grid columns: the place's records in the review queue.
        self.app.push_screen(
            QueueScreen(
                QueueFilter(
                    community_uuid=row.community_uuid if row.level == "community" else None,
                    grid_uuid=row.grid_uuid,
                    states=frozenset(),
                )
            )
        )

    def action_export(self) -> None:
        """Write the coverage report (.xlsx) into the data folder's reports."""
        from gridwalker.store.desk import review

        home = getattr(self.app, "home", None)
        if home is None:
            return
        out = Path(home.data) / "reports" / f"coverage-{clock.today().isoformat()}.xlsx"
        lang = language()

        def write(conn: Any) -> tuple[Path, int]:
            out.parent.mkdir(parents=True, exist_ok=True)
            return out, review.write_coverage_report(conn, out, lang=lang)

        self.load("report", write)

    def loaded_report(self, result: tuple[Path, int]) -> None:
        out, rows = result
        words = _("Coverage report written: {path} ({n} rows)").format(path=out, n=rows)
        self.query_one("#coverage-report", Static).update(Text(words, style="green"))
        self.notify(words, title=_("Report"))

    def failed_report(self, exc: BaseException) -> bool:
        if isinstance(exc, OSError):
            self.notify(
                _("Could not write the report: {reason}").format(reason=exc.strerror or exc),
                severity="error",
                timeout=8,
            )
            return True
        return False

    def action_refresh(self) -> None:
        self.database_ready()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Back only when there is a screen to go back to."""
        if action == "back":
            return len(self.app.screen_stack) > 1
        return True

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


class HubIssueListScreen(IssueListScreen):
    """The street's issue log at the hub (no logging, no "mine": the desk is no member)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Leave out what only a member's laptop offers; back only when possible."""
        if action in ("log_issue", "toggle_mine"):
            return False
        if action == "back":
            return len(self.app.screen_stack) > 1
        return True

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


class HubIssueDetailScreen(IssueDetailScreen):
    """One issue at the hub: the supervisor's transitions, recorded as hub revisions."""

    def _take(self, action: IssueAction, note: str | None) -> None:
        """Run the supervisor's transition in a worker (a revision the hub approves itself)."""
        from gridwalker.store.desk import review

        if note is None:
            return
        uuid = self.uuid
        actor = str(getattr(self.app, "actor", "") or _("Supervisor"))
        self.save(
            "transition",
            lambda conn: (
                action,
                IssueStatus(review.issue_action(conn, uuid, action, actor, note)),
            ),
        )
