"""Coverage per community and grid at the hub: households visited, care residents seen,
firms censused, open and overdue issues; Enter on a figure opens what it counts, `e` writes
the coverage report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from gridwalker.config import private_dir
from gridwalker.domain import clock
from gridwalker.domain.choices import IssueCategory
from gridwalker.domain.i18n import _, label, language
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.format import percent
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import desk_navigator

if TYPE_CHECKING:
    from gridwalker.store.desk.coverage import CoverageRow


class TableLoaded(DbResult):
    """The coverage table was counted."""


class ReportWritten(DbResult):
    """The coverage report was written: (its path, how many rows)."""


# (title, width, what Enter opens: the place's queue, the figure's list (coverage_lists), issues)
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


def coverage_cells(row: CoverageRow, several: bool = False) -> list[Text]:
    """A coverage row's figures, in the order of COVERAGE_COLUMNS; `several`: the hub has
    several streets (each street's subtotal row names it, the district's total ends)."""
    bold = "bold" if row.level != "grid" else ""
    where = {
        "district": _("All streets"),
        "street": _("Street"),
        "community": _("Subtotal"),
    }.get(row.level, row.grid_code)
    name = {
        "district": _("All streets"),
        "street": row.street if several and row.street else _("Whole street"),
    }.get(row.level, row.community)
    values = [
        (name, bold),
        (where, bold),
        (str(row.households), bold),
        (str(row.visited), bold),
        (percent(row.visited_ratio), "green" if (row.visited_ratio or 0) >= 0.9 else "yellow"),
        (str(row.care_residents), bold),
        (str(row.care_seen), bold),
        (str(row.enterprises), bold),
        (str(row.censused), bold),
        (str(row.with_org), bold),
        (percent(row.org_ratio), bold),
        (str(row.open_total), bold),
        (str(row.overdue_total), "bold red" if row.overdue_total else bold),
    ]
    return [Text(value, style=style) for value, style in values]


class CoverageScreen(DbScreen):
    """Coverage per community and grid; Enter on a figure opens its list; `e` writes the report."""

    CSS_PATH = "coverage.tcss"
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
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Coverage")
        table = self.query_one(DataTable)
        for title, width, _opens in COVERAGE_COLUMNS:
            table.add_column(_(title), width=width)
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        from gridwalker.store.desk.coverage import coverage_table

        self.db_read(coverage_table, TableLoaded)

    @on(TableLoaded)
    def _show(self, message: TableLoaded) -> None:
        rows: list[CoverageRow] = message.result
        self.rows = rows
        several = any(row.level == "district" for row in rows)
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
            table.add_row(*coverage_cells(row, several), key=str(i))
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
        from gridwalker.store.desk.queue import QueueFilter
        from gridwalker.store.issues import IssueFilter

        row = self.rows[event.coordinate.row]
        title, _width, opens = COVERAGE_COLUMNS[event.coordinate.column]
        if opens in ("open", "overdue"):
            if row.level == "community":
                self.notify(_("Issues open by grid: choose one of the community's grids."))
                return
            flt = IssueFilter(
                grid_uuid=row.grid_uuid,
                street_uuid=row.street_uuid if row.level == "street" else None,
                open_only=True,
                overdue=opens == "overdue",
            )
            desk_navigator(self).open_issues(flt)
            return
        if opens == "list":  # households, care-tagged residents and firms: what it counts
            desk_navigator(self).open_coverage_list(row, title)
            return
        # The community and grid columns: the place's records in the review queue.
        desk_navigator(self).open_queue(
            QueueFilter(
                street_uuid=row.street_uuid if row.level == "street" else None,
                community_uuid=row.community_uuid if row.level == "community" else None,
                grid_uuid=row.grid_uuid,
                states=frozenset(),
            )
        )

    def action_export(self) -> None:
        """Write the coverage report (.xlsx) into the data folder's reports."""
        from gridwalker.store.desk.coverage import write_coverage_report

        home = getattr(self.app, "home", None)
        if home is None:
            return
        out = Path(home.data) / "reports" / f"coverage-{clock.today().isoformat()}.xlsx"
        lang = language()

        def write(conn: Any) -> tuple[Path, int]:
            private_dir(out.parent)
            return out, write_coverage_report(conn, out, lang=lang)

        self.db_read(write, ReportWritten, failed=self._not_written)

    @on(ReportWritten)
    def _written(self, message: ReportWritten) -> None:
        out, rows = message.result
        words = _("Coverage report written: {path} ({n} rows)").format(path=out, n=rows)
        self.query_one("#coverage-report", Static).update(Text(words, style="green"))
        self.notify(words, title=_("Report"))

    def _not_written(self, exc: BaseException) -> bool:
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
            return self.gw.can_go_back()
        return True

    def action_back(self) -> None:
        self.gw.go_back()
