"""The commercial towers of the grid or the street, most needing attention first (the
enterprise census starts here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

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
from gridwalker.tui.field.census_words import tower_figures
from gridwalker.tui.field.columns import line, widths
from gridwalker.tui.format import percent
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.census import Coverage, TowerRow


class TowersRead(DbResult):
    """The towers of the scope and its coverage were read."""


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
        yield KeysFooter()

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
