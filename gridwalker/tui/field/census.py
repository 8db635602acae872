"""The enterprise census (楼宇企业普查): towers, a tower's floors, history, the information base.

Towers and a tower's floors are small (a street has ~15 towers, a tower ~40 enterprises), so
OptionLists hold them; the information base pages from SQL (PagedList). The census form
itself lives in `census_form.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from gridwalker.domain import clock
from gridwalker.domain.census import CensusFlag
from gridwalker.domain.choices import (
    Industry,
    OperatingStatus,
    Ownership,
    PartyOrgKind,
    PartyOrgStatus,
    Scale,
)
from gridwalker.domain.i18n import _, label, language
from gridwalker.domain.masking import mask_phone
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.common.workers import DbModal, DbResult, DbScreen
from gridwalker.tui.field.census_progress import next_to_census, tower_row
from gridwalker.tui.field.census_words import flags_text, floor_words, party_text, tower_figures
from gridwalker.tui.field.columns import line, widths
from gridwalker.tui.format import choice_label, fit, join_words, percent, yes_no
from gridwalker.tui.keys import N_, translate_bindings
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.census import (
        CensusForm,
        CensusRecordRow,
        Coverage,
        EnterpriseMark,
        EnterpriseRef,
        FloorRow,
        InfoFilter,
        InfoRow,
        TowerRow,
    )


# --- results of the workers -----------------------------------------------------------------


class TowersRead(DbResult):
    """The towers of the scope and its coverage were read."""


class FloorsRead(DbResult):
    """A tower's figures and its floors were read."""


class HistoryRead(DbResult):
    """An enterprise and its census records were read."""


class TowerNamesRead(DbResult):
    """The name of every tower, by uuid."""


class InfoCounted(DbResult):
    """How many enterprises the information base's filter holds."""


class InfoExported(DbResult):
    """The information base was written to a file (its path and how many rows)."""


class EnterpriseRead(DbResult):
    """An enterprise, this year's answers and its census records were read."""


# --- towers ---------------------------------------------------------------------------------


class TowersScreen(DbScreen):
    """Every tower of the grid (or the street), most needing attention first."""

    CSS_PATH = "census.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("enter", "open", N_("Open the tower"), show=False),
        Binding("i", "infobase", N_("Information base")),
        Binding("g", "scope", N_("Grid / street")),
        Binding("f5", "refresh", N_("Refresh")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.street = False
        self.towers: list[TowerRow] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(Text(_("Loading…"), "dim"), id="towers-scope")
        yield Static("", id="towers-coverage")
        yield Static("", id="towers-headings", classes="headings")
        yield OptionList(id="towers-rows")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Enterprise census")
        super().on_mount()

    @property
    def grid(self) -> str | None:
        """The grid shown, None for the whole street."""
        member = self.gw.member
        return None if self.street or member is None else member.grid_uuid

    def database_ready(self) -> None:
        from gridwalker.store import census

        grid = self.grid

        def read(conn: Connection) -> tuple[list[TowerRow], Coverage]:
            return census.towers_overview(conn, grid_uuid=grid), census.coverage(
                conn, grid_uuid=grid
            )

        self.db_read(read, TowersRead)

    @on(TowersRead)
    def _show_towers(self, message: TowersRead) -> None:
        """Show the towers, keeping the highlight on the same tower."""
        towers: list[TowerRow]
        cov: Coverage
        towers, cov = message.result
        rows = self.query_one("#towers-rows", OptionList)
        keep = self.highlighted_uuid()
        self.towers = towers
        member = self.gw.member
        if self.grid is None or member is None:
            scope = _("Towers of the whole street")
        else:
            scope = _("Towers of grid {code}").format(code=member.grid_code)
        year = clock.today().year
        title = Text(scope, "bold")
        title.append("   " + _("most needing attention first"), "dim")
        self.query_one("#towers-scope", Static).update(title)
        self.query_one("#towers-coverage", Static).update(
            Text.assemble(
                (_("{n} towers").format(n=cov.towers) + " · ", "bold"),
                tower_figures(cov, year),
                " · " + _("towers without any organisation: {n}").format(n=cov.towers_without_org),
            )
        )
        rows.clear_options()
        heads = (
            _("Tower"),
            _("Grid"),
            _("Present"),
            _("Censused {year}").format(year=year),
            _("Org coverage"),
            _("Blank spots"),
            _("Flagged"),
            _("Moved out"),
        )
        if not towers:
            self.query_one("#towers-headings", Static).update("")
            rows.add_option(Option(Text(_("No tower in this scope."), "dim"), disabled=True))
            rows.focus()
            return
        columns = [
            (
                t.name,
                t.grid_code,
                str(t.enterprises),
                f"{t.censused} / {t.enterprises}",
                f"{percent(t.ratio)} ({t.with_org})",
                str(t.blank_spots),
                str(t.flagged),
                str(t.gone),
            )
            for t in towers
        ]
        sizes = widths([heads, *columns])
        self.query_one("#towers-headings", Static).update(line(heads, sizes, "bold"))
        for tower, cols in zip(towers, columns, strict=True):
            style = "yellow" if tower.to_census else ""
            rows.add_option(Option(line(cols, sizes, style), id=tower.uuid))
        index = next((i for i, t in enumerate(towers) if t.uuid == keep), 0)
        rows.highlighted = index
        rows.focus()

    def highlighted_uuid(self) -> str | None:
        """The uuid of the highlighted tower."""
        rows = self.query_one("#towers-rows", OptionList)
        if rows.highlighted is None or rows.option_count == 0:
            return None
        return rows.get_option_at_index(rows.highlighted).id

    def on_screen_resume(self) -> None:
        """Back from a tower: its figures may have changed."""
        if self.engine is not None:
            self.database_ready()

    @on(OptionList.OptionSelected, "#towers-rows")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            field_navigator(self).open_tower(event.option.id)

    def action_open(self) -> None:
        """Open the highlighted tower."""
        uuid = self.highlighted_uuid()
        if uuid:
            field_navigator(self).open_tower(uuid)

    def action_infobase(self) -> None:
        """Open the information base of the scope shown."""
        field_navigator(self).open_infobase(street=self.grid is None)

    def action_scope(self) -> None:
        """Switch between the member's grid and the whole street."""
        self.street = not self.street
        self.database_ready()

    def action_refresh(self) -> None:
        """Read the towers again."""
        self.database_ready()

    def action_back(self) -> None:
        """Back to where the census was opened from."""
        self.app.pop_screen()


# --- one tower ------------------------------------------------------------------------------

ROOM_WIDTH = 7
NAME_WIDTH = 30
PARTY_WIDTH = 24
STATE_WIDTH = 14


def render_mark(mark: EnterpriseMark) -> Text:
    """One enterprise of a floor: ✓ censused this year, · not yet; flags; dim when gone."""
    if mark.gone:
        sign, sign_style = "–", "dim"
    elif mark.censused_this_year:
        sign, sign_style = "✓", "green bold"
    else:
        sign, sign_style = "·", "yellow bold"
    text = Text(f"  {sign} ", style=sign_style, no_wrap=True, overflow="ellipsis")
    base = "dim" if mark.gone else ""
    text.append(fit(mark.room or "—", ROOM_WIDTH), style=base or "bold")
    text.append(fit(mark.name, NAME_WIDTH) + " ", style=base)
    party = party_text(mark.party_org_status, mark.party_org_kind, mark.party_members)
    text.append(fit(party, PARTY_WIDTH) + " ", style=base)
    if mark.gone:
        text.append(choice_label(OperatingStatus, mark.operating_status), style="dim italic")
        return text
    if not mark.censused_this_year:
        year = mark.last_census_year
        words = _("last census {year}").format(year=year) if year else _("never censused")
        text.append(fit(words, STATE_WIDTH) + " ", style="yellow")
    else:
        text.append(fit(_("censused"), STATE_WIDTH) + " ", style="green")
    if mark.operating_status != OperatingStatus.NORMAL.value:
        text.append(choice_label(OperatingStatus, mark.operating_status) + " ", style="italic")
    if mark.flags:
        text.append(flags_text(mark.flags), style="bold red")
    return text


def floor_heading(floor: FloorRow) -> Text:
    """A floor's heading: its number and how many of its enterprises are censused."""
    text = Text(floor_words(floor.floor), style="bold")
    text.append(
        "  "
        + _("{censused} of {present} censused").format(
            censused=floor.censused, present=floor.present
        ),
        style="dim",
    )
    return text


class TowerScreen(DbScreen):
    """A tower's floors and their enterprises, marked; Enter opens the census form."""

    CSS_PATH = "census.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("enter", "census", N_("Census"), show=False),
        Binding("n", "next_to_census", N_("Next not censused")),
        Binding("a", "add", N_("Add an enterprise")),
        Binding("h", "history", N_("History")),
        Binding("i", "infobase", N_("Information base")),
        Binding("f5", "refresh", N_("Refresh")),
    ]

    def __init__(self, tower_uuid: str) -> None:
        super().__init__()
        self.tower_uuid = tower_uuid
        self.tower: TowerRow | None = None
        self.floors: list[FloorRow] = []
        self.want: str | None = None  # the enterprise to highlight once the floors are read

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(Text(_("Loading…"), "dim"), id="tower-title")
        yield Static("", id="tower-figures")
        yield OptionList(id="tower-rows")
        yield Static(self.legend(), id="tower-legend")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Enterprise census")
        super().on_mount()

    @staticmethod
    def legend() -> Text:
        """What the marks mean."""
        return Text.assemble(
            ("✓ ", "green bold"),
            _("censused this year") + "   ",
            ("· ", "yellow bold"),
            _("not yet censused") + "   ",
            ("⚑ ", "bold red"),
            _("rule flag (never blocks saving)") + "   ",
            ("– " + _("moved out or deregistered"), "dim"),
        )

    def database_ready(self) -> None:
        from gridwalker.store import census

        tower = self.tower_uuid

        def read(conn: Connection) -> tuple[TowerRow | None, list[FloorRow]]:
            return tower_row(conn, tower), census.tower_floors(conn, tower)

        self.db_read(read, FloorsRead)

    @on(FloorsRead)
    def _show_floors(self, message: FloorsRead) -> None:
        """Show the floors, keeping (or moving) the highlight."""
        tower: TowerRow | None
        floors: list[FloorRow]
        tower, floors = message.result
        keep = self.want or self.highlighted_uuid()
        self.want = None
        self.tower, self.floors = tower, floors
        year = clock.today().year
        if tower is None:
            self.query_one("#tower-title", Static).update(
                Text(_("This tower is no longer in the database."), "bold red")
            )
            return
        self.sub_title = tower.name
        title = Text(tower.name, "bold")
        if tower.floors:
            title.append("  " + _("{n} floors").format(n=tower.floors), "dim")
        title.append("  " + _("grid {code}").format(code=tower.grid_code), "dim")
        self.query_one("#tower-title", Static).update(title)
        figures = Text(tower_figures(tower, year))
        if tower.flagged or tower.gone:
            figures.append("\n")
        if tower.flagged:
            figures.append(_("flagged {n}").format(n=tower.flagged) + "   ", "bold red")
        if tower.gone:
            figures.append(_("moved out or deregistered {n}").format(n=tower.gone), "dim")
        self.query_one("#tower-figures", Static).update(figures)
        rows = self.query_one("#tower-rows", OptionList)
        rows.clear_options()
        options: list[Option] = []
        for floor in floors:
            options.append(Option(floor_heading(floor), disabled=True))
            options.extend(Option(render_mark(m), id=m.uuid) for m in floor.enterprises)
        if not options:
            options.append(
                Option(Text(_("No enterprise recorded here yet."), "dim"), disabled=True)
            )
        rows.add_options(options)
        self.highlight(keep)
        rows.focus()

    def highlight(self, uuid: str | None) -> None:
        """Put the highlight on an enterprise (the first one when it is not listed)."""
        rows = self.query_one("#tower-rows", OptionList)
        if uuid is not None:
            try:
                rows.highlighted = rows.get_option_index(uuid)
                return
            except OptionDoesNotExist:  # no longer listed: fall back to the first row
                pass
        first = next(
            (i for i in range(rows.option_count) if not rows.get_option_at_index(i).disabled),
            None,
        )
        rows.highlighted = first

    def highlighted_uuid(self) -> str | None:
        """The uuid of the highlighted enterprise."""
        rows = self.query_one("#tower-rows", OptionList)
        if rows.highlighted is None or rows.option_count == 0:
            return None
        return rows.get_option_at_index(rows.highlighted).id

    def remember(self, enterprise_uuid: str) -> None:
        """Highlight an enterprise when the floors are next read (after a census)."""
        self.want = enterprise_uuid

    def on_screen_resume(self) -> None:
        """Back from a form or the history: marks may have changed."""
        if self.engine is not None:
            self.database_ready()

    @on(OptionList.OptionSelected, "#tower-rows")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.open_form(event.option.id)

    def open_form(self, enterprise_uuid: str | None) -> None:
        """Open the census form of an enterprise of this tower (None: a new enterprise)."""
        field_navigator(self).open_census_form(
            enterprise_uuid, self.tower_uuid, on_saved=self.remember
        )

    def action_census(self) -> None:
        """Census the highlighted enterprise."""
        uuid = self.highlighted_uuid()
        if uuid:
            self.open_form(uuid)

    def action_add(self) -> None:
        """Add an enterprise found in this tower (an empty form)."""
        self.open_form(None)

    def action_history(self) -> None:
        """Show the census history of the highlighted enterprise."""
        uuid = self.highlighted_uuid()
        if uuid:
            field_navigator(self).open_census_history(uuid)

    def action_next_to_census(self) -> None:
        """Move to the next enterprise not yet censused this year."""
        target = next_to_census(self.floors, self.highlighted_uuid())
        if target is None:
            self.notify(_("Every enterprise of this tower is censused this year."))
            return
        self.highlight(target)

    def action_infobase(self) -> None:
        """Open the information base of this tower."""
        field_navigator(self).open_infobase(street=True, tower_uuid=self.tower_uuid)

    def action_refresh(self) -> None:
        """Read the floors again."""
        self.database_ready()

    def action_back(self) -> None:
        """Back to the towers."""
        self.app.pop_screen()


# --- history --------------------------------------------------------------------------------


def history_table(records: list[CensusRecordRow]) -> Table:
    """An enterprise's census records, newest year first, with the key answers and flags."""
    table = Table(expand=True, box=None, header_style="bold", pad_edge=False)
    for heading in (
        _("Year"),
        _("Date"),
        _("Census taker"),
        _("Scale"),
        _("Employees"),
        _("Operating status"),
        _("Party organisation"),
        _("Instructor"),
        _("Union"),
        _("Youth league"),
        _("Flags"),
    ):
        table.add_column(heading, overflow="fold")
    for r in records:
        table.add_row(
            str(r.year),
            r.census_date.isoformat(),
            r.member_name or "—",
            choice_label(Scale, r.scale) or "—",
            "—" if r.employees is None else str(r.employees),
            choice_label(OperatingStatus, r.operating_status),
            party_text(r.party_org_status, r.party_org_kind, r.party_members),
            yes_no(r.instructor_assigned),
            yes_no(r.has_union),
            yes_no(r.has_youth_league),
            Text(flags_text(r.flags), "bold red"),
        )
    return table


class HistoryScreen(DbModal):
    """An enterprise's census records year by year (newest first)."""

    CSS_PATH = "census.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", N_("Close")),
    ]

    def __init__(self, enterprise_uuid: str) -> None:
        super().__init__()
        self.enterprise_uuid = enterprise_uuid

    def compose(self) -> ComposeResult:
        with Vertical(id="history-box"):
            yield Static(Text(_("Loading…"), "dim"), id="history-title")
            with VerticalScroll(id="history-scroll"):
                yield Static("", id="history-table")
            yield Static(Text(_("Esc: close"), "dim"), id="history-hint")

    def database_ready(self) -> None:
        from gridwalker.store import census

        uuid = self.enterprise_uuid

        def read(conn: Connection) -> tuple[EnterpriseRef | None, list[CensusRecordRow]]:
            return census.enterprise_ref(conn, uuid), census.census_history(conn, uuid)

        self.db_read(read, HistoryRead)

    @on(HistoryRead)
    def _show_history(self, message: HistoryRead) -> None:
        """Show the records."""
        ref: EnterpriseRef | None
        records: list[CensusRecordRow]
        ref, records = message.result
        title = Text(_("Census history"), "bold")
        if ref is not None:
            title.append(f"  {ref.name}", "bold")
            title.append(f"  {ref.place(language())}", "dim")
        self.query_one("#history-title", Static).update(title)
        body = self.query_one("#history-table", Static)
        if records:
            body.update(history_table(records))
        else:
            body.update(Text(_("This enterprise has no census record yet."), "dim"))

    def action_close(self) -> None:
        """Close the history."""
        self.dismiss(None)


# --- the information base -------------------------------------------------------------------

INFO_COLUMNS = (
    (N_("Tower"), 10),
    (N_("Floor"), 4),
    (N_("Room"), 5),
    (N_("Enterprise"), 24),
    (N_("Status"), 8),
    (N_("Party organisation"), 15),
    (N_("Members"), 4),
    (N_("Flags"), 16),
    (N_("Contact"), 0),
)


def info_line(values: list[str], styles: list[str] | None = None) -> Text:
    """Information base columns padded to their widths in cells; the last as it is."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for i, ((_name, size), value) in enumerate(zip(INFO_COLUMNS, values, strict=True)):
        style = styles[i] if styles else ""
        text.append(fit(value, size) + " " if size else value, style=style)
    return text


def info_headings() -> Text:
    """The information base's column headings."""
    return info_line([_(name) for name, _size in INFO_COLUMNS], ["bold"] * len(INFO_COLUMNS))


def render_info_row(row: InfoRow, _width: int) -> Text:
    """One enterprise of the information base (contact phone masked)."""
    status = choice_label(PartyOrgStatus, row.party_org_status) if row.census_year else ""
    if row.census_year is None:
        status = _("never censused")
    if row.party_org_kind:
        status += "·" + choice_label(PartyOrgKind, row.party_org_kind)
    contact = " ".join(p for p in (row.contact_name or "", mask_phone(row.contact_phone)) if p)
    values = [
        row.tower,
        "" if row.floor is None else str(row.floor),
        row.room or "",
        row.name,
        choice_label(OperatingStatus, row.operating_status),
        status,
        "" if row.party_members is None else str(row.party_members),
        join_words([label(f) for f in row.flags]) if row.flags else "",
        contact,
    ]
    styles = [""] * len(values)
    styles[3] = "bold"
    styles[7] = "bold red"
    return info_line(values, styles)


class PickDialog(ModalScreen[str | None]):
    """A small list to choose one value from; "" means any, None leaves things as they were."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel")),
    ]
    DEFAULT_CSS = """
    PickDialog { align: center middle; }
    PickDialog > Vertical {
        width: 72; height: auto; max-height: 80%;
        border: round $primary; padding: 0 1; background: $surface;
    }
    PickDialog #pick-title { text-style: bold; margin: 0 0 1 0; }
    PickDialog OptionList { height: auto; max-height: 24; }
    """

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str | None) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title
        self.choices = [(_("Any"), ""), *choices]
        self.current = current or ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, id="pick-title")
            yield OptionList(*(Option(words, id=code or "-") for words, code in self.choices))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = next(
            (i for i, (_words, code) in enumerate(self.choices) if code == self.current), 0
        )
        options.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        code = event.option.id or "-"
        self.dismiss("" if code == "-" else code)

    def action_cancel(self) -> None:
        """Leave the filter as it was."""
        self.dismiss(None)


class InfoBaseScreen(DbScreen):
    """All enterprises of the grid or street, filterable and exported to CSV or XLSX."""

    CSS_PATH = "census.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("t", "pick('tower')", N_("Tower")),
        Binding("i", "pick('industry')", N_("Industry")),
        Binding("p", "pick('party')", N_("Party organisation")),
        Binding("f", "pick('flag')", N_("Flag")),
        Binding("x", "clear", N_("Clear filters")),
        Binding("g", "scope", N_("Grid / street")),
        Binding("e", "export('csv')", N_("Export CSV")),
        Binding("E,shift+e", "export('xlsx')", N_("Export XLSX")),
    ]

    def __init__(self, *, street: bool = False, tower_uuid: str | None = None) -> None:
        super().__init__()
        self.street = street
        self.flt_tower = tower_uuid
        self.flt_industry: str | None = None
        self.flt_party: str | None = None
        self.flt_flag: CensusFlag | None = None
        self.tower_names: dict[str, str] = {}
        self.count: int | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(Text(_("Loading…"), "dim"), id="info-filter")
        yield Static(info_headings(), id="info-headings", classes="headings")
        yield PagedList(
            render_info_row, empty_text=_("No enterprise matches this filter."), id="info-list"
        )
        yield Static("", id="info-export")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Party-building information base")
        super().on_mount()

    def info_filter(self) -> InfoFilter:
        """The filter the screen shows."""
        from gridwalker.store.census import InfoFilter

        member = self.gw.member
        grid = None if self.street or member is None else member.grid_uuid
        return InfoFilter(
            grid_uuid=grid,
            tower_uuid=self.flt_tower,
            industry=self.flt_industry,
            party_org_status=self.flt_party,
            flag=self.flt_flag,
        )

    def database_ready(self) -> None:
        from gridwalker.store import census

        if self.engine is None:
            return
        flt = self.info_filter()
        if not self.tower_names:
            self.db_read(
                lambda conn: {t.uuid: t.name for t in census.towers_overview(conn)},
                TowerNamesRead,
            )
        self.db_read(lambda conn: census.infobase_count(conn, flt), InfoCounted)
        self.query_one(PagedList).set_source(
            self.engine,
            lambda conn: census.infobase_count(conn, flt),
            lambda conn, offset, limit: census.infobase_page(conn, flt, offset, limit),
        )
        self.query_one(PagedList).focus()

    @on(TowerNamesRead)
    def _keep_tower_names(self, message: TowerNamesRead) -> None:
        """Keep the tower names (for the filter line and the tower picker)."""
        self.tower_names = message.result
        self.show_filter()

    @on(InfoCounted)
    def _show_count(self, message: InfoCounted) -> None:
        """Say how many enterprises the filter holds."""
        self.count = message.result
        self.show_filter()

    def show_filter(self) -> None:
        """The filter line: scope, each filter, how many enterprises."""
        member = self.gw.member
        if self.street or member is None:
            scope = _("Whole street")
        else:
            scope = _("Grid {code}").format(code=member.grid_code)
        parts = [scope]
        if self.flt_tower:
            parts.append(_("Tower") + "：" + self.tower_names.get(self.flt_tower, "…"))
        if self.flt_industry:
            parts.append(_("Industry") + "：" + choice_label(Industry, self.flt_industry))
        if self.flt_party:
            parts.append(
                _("Party organisation") + "：" + choice_label(PartyOrgStatus, self.flt_party)
            )
        if self.flt_flag:
            parts.append(_("Flag") + "：" + label(self.flt_flag))
        text = Text(" · ".join(parts), "bold")
        if self.count is not None:
            text.append("   " + _("{n} enterprises").format(n=self.count))
        text.append("   t i p f: " + _("filter") + "  x: " + _("clear"), "dim")
        self.query_one("#info-filter", Static).update(text)

    def refilter(self) -> None:
        """Read the list again for the filter as it now stands."""
        self.count = None
        self.show_filter()
        self.database_ready()

    def action_pick(self, what: str) -> None:
        """Open the picker of one filter."""
        lang = language()
        if what == "tower":
            choices = sorted((name, uuid) for uuid, name in self.tower_names.items())
            dialog = PickDialog(_("Filter by tower"), choices, self.flt_tower)
        elif what == "industry":
            choices = [(f"{c.value} {c.label(lang)}", c.value) for c in Industry]
            dialog = PickDialog(_("Filter by industry"), choices, self.flt_industry)
        elif what == "party":
            dialog = PickDialog(
                _("Filter by party organisation"), PartyOrgStatus.choices(lang), self.flt_party
            )
        else:
            dialog = PickDialog(
                _("Filter by rule flag"),
                CensusFlag.choices(lang),
                self.flt_flag.value if self.flt_flag else None,
            )
        self.app.push_screen(dialog, lambda code: self.picked(what, code))

    def picked(self, what: str, code: str | None) -> None:
        """Apply a picked filter value ("" = any, None = unchanged)."""
        if code is None:
            return
        value = code or None
        if what == "tower":
            self.flt_tower = value
        elif what == "industry":
            self.flt_industry = value
        elif what == "party":
            self.flt_party = value
        else:
            self.flt_flag = CensusFlag(value) if value else None
        self.refilter()

    def action_clear(self) -> None:
        """Clear every filter."""
        self.flt_tower = self.flt_industry = self.flt_party = None
        self.flt_flag = None
        self.refilter()

    def action_scope(self) -> None:
        """Switch between the member's grid and the whole street."""
        self.street = not self.street
        self.refilter()

    def action_export(self, kind: str) -> None:
        """Write the enterprises of the filter to a CSV or XLSX file (contacts masked)."""
        from gridwalker.store.reports import write_census_report

        flt = self.info_filter()
        folder = Path(self.gw.home.data) / "reports"
        out = folder / f"census-{clock.today().isoformat()}.{kind}"
        lang = language()

        def export(conn: Connection) -> tuple[Path, int]:
            folder.mkdir(parents=True, exist_ok=True)
            return out, write_census_report(conn, out, flt, with_contacts=False, lang=lang)

        self.query_one("#info-export", Static).update(Text(_("Exporting…"), "dim"))
        self.db_read(export, InfoExported, failed=self._export_failed)

    @on(InfoExported)
    def _exported(self, message: InfoExported) -> None:
        """Say where the file is."""
        out: Path
        count: int
        out, count = message.result
        words = _("{n} enterprises written to {path} (contact phones masked)").format(
            n=count, path=out
        )
        self.query_one("#info-export", Static).update(Text(words, "green"))
        self.notify(words, title=_("Exported"))

    def _export_failed(self, exc: BaseException) -> bool:
        """Say why the file could not be written."""
        self.query_one("#info-export", Static).update(
            Text(_("Export failed: {reason}").format(reason=exc), "bold red")
        )
        return False

    def on_screen_resume(self) -> None:
        """Back from an enterprise: its row may have changed."""
        if self.engine is not None:
            self.query_one(PagedList).reload()

    @on(PagedList.Selected, "#info-list")
    def _open(self, event: PagedList.Selected) -> None:
        field_navigator(self).open_enterprise(event.row.uuid)

    def action_back(self) -> None:
        """Back to where the information base was opened from."""
        self.app.pop_screen()


# --- one enterprise -------------------------------------------------------------------------


class EnterpriseScreen(DbScreen):
    """One enterprise: details (phone masked), this year's census, flags; its form and history."""

    CSS_PATH = "census.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("c", "census", N_("Census form")),
        Binding("h", "history", N_("History")),
    ]

    def __init__(self, enterprise_uuid: str) -> None:
        super().__init__()
        self.enterprise_uuid = enterprise_uuid
        self.ref: EnterpriseRef | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with VerticalScroll(id="enterprise-body"):
            yield Static(Text(_("Loading…"), "dim"), id="enterprise-title")
            yield Static("", id="enterprise-details")
            yield Static("", id="enterprise-census")
            yield Static("", id="enterprise-flags")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Enterprise")
        super().on_mount()

    def database_ready(self) -> None:
        from gridwalker.store import census

        uuid, year = self.enterprise_uuid, clock.today().year

        def read(
            conn: Connection,
        ) -> tuple[EnterpriseRef | None, CensusForm | None, list[CensusRecordRow]]:
            ref = census.enterprise_ref(conn, uuid)
            if ref is None:
                return None, None, []
            return ref, census.census_prefill(conn, uuid, year), census.census_history(conn, uuid)

        self.db_read(read, EnterpriseRead)

    @on(EnterpriseRead)
    def _show_enterprise(self, message: EnterpriseRead) -> None:
        """Show the enterprise."""
        ref: EnterpriseRef | None
        form: CensusForm | None
        records: list[CensusRecordRow]
        ref, form, records = message.result
        self.ref = ref
        if ref is None or form is None:
            self.query_one("#enterprise-title", Static).update(
                Text(_("This enterprise is no longer in the database."), "bold red")
            )
            return
        self.sub_title = ref.name
        title = Text(ref.name, "bold")
        title.append("  " + ref.place(language()), "dim")
        self.query_one("#enterprise-title", Static).update(title)
        details = Table.grid(padding=(0, 2))
        details.add_column(style="bold")
        details.add_column()
        contact = " ".join(
            p for p in (form.contact_name or "", mask_phone(form.contact_phone)) if p
        )
        for name, value in (
            (_("Credit code"), form.uscc or "—"),
            (_("Industry"), choice_label(Industry, form.industry) or "—"),
            (_("Ownership"), choice_label(Ownership, form.ownership) or "—"),
            (_("Operating status"), choice_label(OperatingStatus, form.operating_status)),
            (_("Contact"), contact or "—"),
        ):
            details.add_row(name, value)
        self.query_one("#enterprise-details", Static).update(details)
        self.query_one("#enterprise-census", Static).update(self.census_state(form, records))
        flags = form.flags() if form.source_year or form.record_uuid else []
        self.query_one("#enterprise-flags", Static).update(
            Text(flags_text(flags), "bold red") if flags else Text(_("No rule flag."), "dim")
        )

    @staticmethod
    def census_state(form: CensusForm, records: list[CensusRecordRow]) -> Table:
        """This year's census state and the latest answers."""
        year = clock.today().year
        state = Table.grid(padding=(0, 2))
        state.add_column(style="bold")
        state.add_column()
        current = next((r for r in records if r.year == year), None)
        if current is not None:
            done = _("Censused on {date} by {who}").format(
                date=current.census_date.isoformat(), who=current.member_name or "—"
            )
            state.add_row(_("Census {year}").format(year=year), Text("✓ " + done, "green"))
        else:
            last = records[0].year if records else None
            words = _("not yet censused") + (
                " · " + _("last census {year}").format(year=last) if last else ""
            )
            state.add_row(_("Census {year}").format(year=year), Text("· " + words, "yellow"))
        if records:
            members = None if form.party_members is None else int(form.party_members)
            state.add_row(_("Scale"), choice_label(Scale, form.scale) or "—")
            state.add_row(_("Employees"), "—" if form.employees is None else str(form.employees))
            state.add_row(
                _("Party organisation"),
                party_text(form.party_org_status, form.party_org_kind, members),
            )
            state.add_row(_("Party-work instructor"), yes_no(form.instructor_assigned))
            state.add_row(_("Union"), yes_no(form.has_union))
            state.add_row(_("Youth league"), yes_no(form.has_youth_league))
        return state

    def on_screen_resume(self) -> None:
        """Back from the form: the answers may have changed."""
        if self.engine is not None:
            self.database_ready()

    def action_census(self) -> None:
        """Open the enterprise's census form."""
        if self.ref is not None:
            field_navigator(self).open_census_form(self.enterprise_uuid, self.ref.tower_uuid)

    def action_history(self) -> None:
        """Show the enterprise's census history."""
        field_navigator(self).open_census_history(self.enterprise_uuid)

    def action_back(self) -> None:
        """Back to where the enterprise was opened from."""
        self.app.pop_screen()
