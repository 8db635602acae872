"""The lists behind the coverage figures at the hub: households, care-tagged residents, firms.

Enter on a figure of the coverage table opens its list for the grid, the community or the
whole street, filtered the way the figure counts (visited, seen, censused, with a party
organisation), so the list is as long as the figure; `f` steps through the filters. Rows page
from SQL (PagedList, `store.desk.coverage_lists`); Enter opens the record on the review desk's
record screen (a household, a resident, a census record).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Header, Static

from gridwalker.domain import clock
from gridwalker.domain.choices import Occupancy, Scale, VisitOutcome
from gridwalker.domain.i18n import _
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.format import care_labels, cell, choice_label, percent, yes_no
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import desk_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.desk.coverage import CoverageRow
    from gridwalker.store.desk.coverage_lists import (
        Area,
        CareResidentRow,
        EnterpriseRow,
        HouseholdRow,
    )

Columns = tuple[tuple[int, str], ...]
Values = dict[str, tuple[str, str]]  # column title → (value, style)

GRID = N_("Grid")
HOUSEHOLD_COLUMNS: Columns = (
    (2, ""),
    (26, N_("Address")),
    (9, GRID),
    (10, N_("Head")),
    (11, N_("This cycle")),
    (10, N_("Last visit")),
    (14, N_("Outcome")),
    (10, N_("Visited by")),
)
CARE_COLUMNS: Columns = (
    (2, ""),
    (8, N_("Name")),
    (22, N_("Care tags")),
    (26, N_("Address")),
    (9, GRID),
    (10, N_("This cycle")),
    (10, N_("Last seen")),
)
ENTERPRISE_COLUMNS: Columns = (
    (2, ""),
    (24, N_("Enterprise")),
    (12, N_("Tower")),
    (4, N_("Floor")),
    (5, N_("Room")),
    (9, GRID),
    (8, N_("Censused")),
    (4, N_("Year")),
    (6, N_("Scale")),
    (8, N_("Employees")),
    (8, N_("Party org")),
    (6, N_("Members")),
)


ROOM = 110  # cells a list line may take (a leading space, each column and its gap) at 120 columns


def layout(columns: Columns, one_grid: bool, wide: str) -> Columns:
    """The columns of a list: a list of one grid needs no grid column, and its room goes to
    the `wide` column (where text runs long: firms' names, care tags). Widths suit Chinese
    titles; a title that runs longer in the language shown (English) widens its column,
    taken from the room left on the line, then from what the `wide` column was given."""
    given = 0
    if one_grid:
        given = sum(width + 1 for width, title in columns if title == GRID)
        columns = tuple(
            (width + given if title == wide else width, title)
            for width, title in columns
            if title != GRID
        )
    slack = ROOM - 1 - sum(width + 1 for width, _title in columns)
    widths = {title: width for width, title in columns}
    for _width, title in columns:
        more = max(0, cell_len(_(title)) - widths[title]) if title else 0
        if more and title != wide:
            borrow = min(given, max(0, more - max(0, slack)))
            take = min(more, max(0, slack) + borrow)
            slack -= take - borrow
            given -= borrow
            widths[wide] = widths.get(wide, 0) - borrow
            widths[title] += take
    return tuple((widths[title], title) for _width, title in columns)


def titles(columns: Columns) -> Text:
    """The titles above a list's columns."""
    text = Text(" ")
    for width, title in columns:
        text.append_text(cell(_(title) if title else "", width, "bold"))
    return text


def cells(columns: Columns, values: Values) -> Text:
    """One line of a list: each column's (value, style) cut or padded in cells to its width."""
    text = Text(" ")
    for width, title in columns:
        value, style = values[title]
        text.append_text(cell(value, width, style))
    return text


def mark(done: bool) -> tuple[str, str]:
    """The mark at the start of a line: ✓ when the row counts (visited, seen, censused)."""
    return ("✓", "bold green") if done else ("·", "dim")


def household_values(row: HouseholdRow) -> Values:
    """A household: address, grid, head (else occupancy), this cycle's mark, the last visit."""
    return {
        "": mark(row.visited),
        "Address": (row.address, "bold"),
        GRID: (row.grid_code, "dim"),
        "Head": (
            row.head_name or choice_label(Occupancy, row.occupancy),
            "" if row.head_name else "dim",
        ),
        "This cycle": (
            _("visited") if row.visited else _("not visited"),
            "green" if row.visited else "yellow",
        ),
        "Last visit": (row.last_visit_on.isoformat() if row.last_visit_on else _("never"), ""),
        "Outcome": (choice_label(VisitOutcome, row.last_outcome) or "—", "dim"),
        "Visited by": (row.last_member or "—", ""),
    }


def care_values(row: CareResidentRow) -> Values:
    """A care-tagged resident: name, tags, address, grid, seen this cycle, last seen."""
    return {
        "": mark(row.seen),
        "Name": (row.name, "bold"),
        "Care tags": (care_labels(row.care_tags), "magenta"),
        "Address": (row.address, ""),
        GRID: (row.grid_code, "dim"),
        "This cycle": (
            _("seen") if row.seen else _("not seen"),
            "green" if row.seen else "yellow",
        ),
        "Last seen": (row.last_seen_on.isoformat() if row.last_seen_on else _("never"), ""),
    }


def enterprise_values(row: EnterpriseRow) -> Values:
    """A firm: name, place, census this year, its latest record's size and party organisation."""
    never = row.record_year is None
    return {
        "": mark(row.censused),
        "Enterprise": (row.name, "bold"),
        "Tower": (row.tower, ""),
        "Floor": ("" if row.floor is None else str(row.floor), ""),
        "Room": (row.room or "", ""),
        GRID: (row.grid_code, "dim"),
        "Censused": (yes_no(row.censused), "green" if row.censused else "yellow"),
        "Year": ("—" if never else str(row.record_year), "dim"),
        "Scale": (choice_label(Scale, row.scale) or "—", ""),
        "Employees": ("—" if row.employees is None else str(row.employees), ""),
        "Party org": (
            yes_no(None if never else row.with_org),
            "green" if row.with_org else "",
        ),
        "Members": ("—" if row.party_members is None else str(row.party_members), ""),
    }


def place_words(row: CoverageRow) -> str:
    """The area of a coverage row in words: a grid with its community, a community, the street."""
    if row.level == "grid":
        return f"{row.grid_code} {row.grid_name} · {row.community}"
    if row.level == "community":
        return row.community
    if row.level == "district":
        return _("All streets")
    return row.street or _("Whole street")


class FiguresCounted(DbResult):
    """The list's figure under each filter was counted."""


class AreaListScreen(DbScreen):
    """A list of a grid, a community or the street, one of a few filters at a time (`f`)."""

    CSS_PATH = "coverage_lists.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("f5", "refresh", N_("Refresh"), show=False),
    ]
    TITLE_TEXT: ClassVar[str] = ""
    COLUMNS: ClassVar[Columns] = ()
    WIDE: ClassVar[str] = ""  # the column that takes the grid column's room in a grid's list
    FILTERS: ClassVar[tuple[tuple[str | None, str], ...]] = ((None, N_("All")),)
    EMPTY: ClassVar[str] = ""

    def __init__(self, row: CoverageRow, flt: str | None = None) -> None:
        from gridwalker.store.desk.coverage_lists import area_of

        super().__init__()
        if flt not in {code for code, _words in self.FILTERS}:
            raise ValueError(f"{type(self).__name__} has no filter {flt!r}")
        self.row = row
        self.area: Area = area_of(row)
        self.flt = flt
        # The coverage table has just counted this list under each filter (the same rules):
        # opening it costs one page query; Refresh (F5) counts again from the database.
        self.counts: dict[str | None, int] | None = self.figures_of(row)
        self.columns = layout(self.COLUMNS, self.area.grid_uuid is not None, self.WIDE)

    # What each list reads: its count, a page and the figures per filter (in workers).
    def count(self, conn: Connection, flt: str | None) -> int:
        raise NotImplementedError

    def page(self, conn: Connection, flt: str | None, offset: int, limit: int) -> list[Any]:
        raise NotImplementedError

    def figures(self, conn: Connection) -> dict[str | None, int]:
        raise NotImplementedError

    def figures_of(self, row: CoverageRow) -> dict[str | None, int]:
        """The counts per filter as the coverage row has them."""
        raise NotImplementedError

    def values(self, row: Any) -> Values:
        """A row's value and style per column title."""
        raise NotImplementedError

    def render_row(self, row: Any, _width: int) -> Text:
        """One line of the list, in the screen's columns."""
        return cells(self.columns, self.values(row))

    def rule(self) -> str:
        """What the filters count, in words (the same rule as the coverage table)."""
        return ""

    def share(self, counts: dict[str | None, int]) -> str:
        """The share the coverage table shows for this list ("" when none)."""
        return ""

    def record_of(self, row: Any) -> tuple[str, str] | None:
        """The record Enter opens for a row: (entity, uuid), or None."""
        return None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="list-summary")
        yield Static(titles(self.columns), id="list-columns")
        yield PagedList(self.render_row, empty_text=_(self.EMPTY), id="area-list")
        yield KeysFooter()

    def on_mount(self) -> None:
        # DbScreen.on_mount (called after this one) reads the list when the database is open.
        self.sub_title = _(self.TITLE_TEXT)
        self._summarise()

    def database_ready(self, cursor: int = 0) -> None:
        if self.engine is None:
            return
        flt = self.flt
        known = self.counts
        if known is None:
            self.db_read(self.figures, FiguresCounted)
        self.query_one(PagedList).set_source(
            self.engine,
            (lambda _conn: known[flt])
            if known and flt in known
            else (lambda conn: self.count(conn, flt)),
            lambda conn, offset, limit: self.page(conn, flt, offset, limit),
            cursor=cursor,
        )
        self.query_one(PagedList).focus()

    @on(FiguresCounted)
    def _counted(self, message: FiguresCounted) -> None:
        self.counts = message.result
        self._summarise()

    def _summarise(self) -> None:
        """The area and the rule, then each filter with its count (the one shown stands out)."""
        text = Text.assemble(
            (place_words(self.row), "bold"),
            "  ·  ",
            (_(self.TITLE_TEXT), "bold"),
            ("   f: " + _("filter") + "   Enter: " + _("open the record"), "dim"),
        )
        rule = self.rule()
        if rule:
            text.append("\n" + rule, style="dim")
        text.append("\n")
        for code, words in self.FILTERS:
            n = "…" if self.counts is None else str(self.counts.get(code, 0))
            chosen = code == self.flt
            text.append(f" {_(words)} {n} ", style="bold reverse" if chosen else "")
            text.append("  ")
        if self.counts is not None:
            share = self.share(self.counts)
            if share:
                text.append(share, style="bold")
        self.query_one("#list-summary", Static).update(text)

    def action_next_filter(self) -> None:
        """Show the next filter, from the top."""
        codes = [code for code, _words in self.FILTERS]
        self.flt = codes[(codes.index(self.flt) + 1) % len(codes)]
        self._summarise()
        self.database_ready()

    def action_refresh(self) -> None:
        """Read the list and its figures again (imports run beside the desk)."""
        self.counts = None
        self._summarise()
        self.database_ready(self.query_one(PagedList).cursor)

    @on(PagedList.Selected, "#area-list")
    def _open(self, event: PagedList.Selected) -> None:
        target = self.record_of(event.row)
        if target is not None:
            self.open_record(*target)

    def open_record(self, entity: str, uuid: str) -> None:
        """The record on the review desk's record screen (approve or return it there too)."""
        desk_navigator(self).open_record(entity, uuid)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Back only when there is a screen to go back to."""
        if action == "back":
            return self.gw.can_go_back()
        return True

    def action_back(self) -> None:
        self.gw.go_back()


class HouseholdListScreen(AreaListScreen):
    """The households of an area: visited this cycle or not, the last visit and who made it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "next_filter", N_("All / visited / not visited")),
        Binding("l", "last_visit", N_("Last visit")),
    ]
    TITLE_TEXT = N_("Households and visits")
    COLUMNS = HOUSEHOLD_COLUMNS
    WIDE = "Address"
    FILTERS = (
        (None, N_("All")),
        ("visited", N_("Visited")),
        ("not_visited", N_("Not yet visited")),
    )
    EMPTY = N_("No household matches this filter.")

    def count(self, conn: Connection, flt: str | None) -> int:
        from gridwalker.store.desk import coverage_lists

        return coverage_lists.household_count(conn, self.area, flt)

    def page(self, conn: Connection, flt: str | None, offset: int, limit: int) -> list[Any]:
        from gridwalker.store.desk import coverage_lists

        return coverage_lists.household_page(conn, self.area, flt, offset, limit)

    def figures(self, conn: Connection) -> dict[str | None, int]:
        from gridwalker.store.desk import coverage_lists

        return coverage_lists.household_counts(conn, self.area)

    def figures_of(self, row: CoverageRow) -> dict[str | None, int]:
        return {
            None: row.households,
            "visited": row.visited,
            "not_visited": row.households - row.visited,
        }

    def values(self, row: Any) -> Values:
        return household_values(row)

    def rule(self) -> str:
        cycle = clock.cycle_label(clock.cycle_bounds(clock.today())[0])
        return _("Visited in cycle {cycle}: a visit whose outcome is not “nobody home”.").format(
            cycle=cycle
        )

    def share(self, counts: dict[str | None, int]) -> str:
        total = counts.get(None, 0)
        return f"{_('Share')} {percent(counts.get('visited', 0) / total if total else None)}"

    def record_of(self, row: Any) -> tuple[str, str] | None:
        return "household", row.uuid

    def action_last_visit(self) -> None:
        """Open the last visit of the household under the cursor."""
        row = self.query_one(PagedList).current
        if row is None:
            return
        if row.last_visit_uuid is None:
            self.notify(_("This household has no visit yet."))
            return
        self.open_record("visit", row.last_visit_uuid)


class CareListScreen(AreaListScreen):
    """The care-tagged residents of an area: their tags, seen this cycle or not, last seen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "next_filter", N_("All / seen / not seen")),
    ]
    TITLE_TEXT = N_("Care-tagged residents")
    COLUMNS = CARE_COLUMNS
    WIDE = "Care tags"
    FILTERS = (
        (None, N_("All")),
        ("seen", N_("Seen this cycle")),
        ("not_seen", N_("Not seen this cycle")),
    )
    EMPTY = N_("No care-tagged resident matches this filter.")

    def count(self, conn: Connection, flt: str | None) -> int:
        from gridwalker.store.desk import coverage_lists

        return coverage_lists.care_count(conn, self.area, flt)

    def page(self, conn: Connection, flt: str | None, offset: int, limit: int) -> list[Any]:
        from gridwalker.store.desk import coverage_lists

        return coverage_lists.care_page(conn, self.area, flt, offset, limit)

    def figures(self, conn: Connection) -> dict[str | None, int]:
        from gridwalker.store.desk import coverage_lists

        return coverage_lists.care_counts(conn, self.area)

    def figures_of(self, row: CoverageRow) -> dict[str | None, int]:
        return {
            None: row.care_residents,
            "seen": row.care_seen,
            "not_seen": row.care_residents - row.care_seen,
        }

    def values(self, row: Any) -> Values:
        return care_values(row)

    def rule(self) -> str:
        cycle = clock.cycle_label(clock.cycle_bounds(clock.today())[0])
        return _("Seen in cycle {cycle}: named as seen by a visit to their household.").format(
            cycle=cycle
        )

    def record_of(self, row: Any) -> tuple[str, str] | None:
        return "resident", row.uuid


class EnterpriseListScreen(AreaListScreen):
    """The firms of an area: censused this year or not, size, party organisation and members."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "next_filter", N_("All / censused / not censused / with party org")),
    ]
    TITLE_TEXT = N_("Enterprises and the census")
    COLUMNS = ENTERPRISE_COLUMNS
    WIDE = "Enterprise"
    FILTERS = (
        (None, N_("All")),
        ("censused", N_("Censused")),
        ("not_censused", N_("Not censused")),
        ("with_org", N_("With party organisation")),
    )
    EMPTY = N_("No enterprise matches this filter.")

    def count(self, conn: Connection, flt: str | None) -> int:
        from gridwalker.store.desk import coverage_lists

        return coverage_lists.enterprise_count(conn, self.area, flt)

    def page(self, conn: Connection, flt: str | None, offset: int, limit: int) -> list[Any]:
        from gridwalker.store.desk import coverage_lists

        return coverage_lists.enterprise_page(conn, self.area, flt, offset, limit)

    def figures(self, conn: Connection) -> dict[str | None, int]:
        from gridwalker.store.desk import coverage_lists

        return coverage_lists.enterprise_counts(conn, self.area)

    def figures_of(self, row: CoverageRow) -> dict[str | None, int]:
        return {
            None: row.enterprises,
            "censused": row.censused,
            "not_censused": row.enterprises - row.censused,
            "with_org": row.with_org,
        }

    def values(self, row: Any) -> Values:
        return enterprise_values(row)

    def rule(self) -> str:
        return _(
            "Census year {year}; size and party organisation from the latest census record."
        ).format(year=clock.today().year)

    def share(self, counts: dict[str | None, int]) -> str:
        total = counts.get(None, 0)
        return f"{_('Org share')} {percent(counts.get('with_org', 0) / total if total else None)}"

    def record_of(self, row: Any) -> tuple[str, str] | None:
        if row.record_uuid is None:
            self.notify(_("This enterprise has no census record yet."))
            return None
        return "census_record", row.record_uuid


# What Enter on a coverage figure opens: its column's title → (list, filter).
DRILL_DOWNS: dict[str, tuple[type[AreaListScreen], str | None]] = {
    "Households": (HouseholdListScreen, None),
    "Visited": (HouseholdListScreen, "visited"),
    "Share": (HouseholdListScreen, None),
    "Care": (CareListScreen, None),
    "Seen": (CareListScreen, "seen"),
    "Firms": (EnterpriseListScreen, None),
    "Censused": (EnterpriseListScreen, "censused"),
    "Party org": (EnterpriseListScreen, "with_org"),
    "Org share": (EnterpriseListScreen, None),
}


def drill_down(row: CoverageRow, column: str) -> Screen[Any] | None:
    """The list behind a coverage figure (its column's title), or None for other columns."""
    found = DRILL_DOWNS.get(column)
    if found is None:
        return None
    screen, flt = found
    return screen(row, flt)
