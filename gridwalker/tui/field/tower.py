"""One tower: its floors and their enterprises, marked for this year's census."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from gridwalker.domain import clock
from gridwalker.domain.choices import OperatingStatus
from gridwalker.domain.i18n import _
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.field.census_progress import next_to_census, tower_row
from gridwalker.tui.field.census_words import flags_text, floor_words, party_text, tower_figures
from gridwalker.tui.format import choice_label, fit
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.census import EnterpriseMark, FloorRow, TowerRow


class FloorsRead(DbResult):
    """A tower's figures and its floors were read."""


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
        yield KeysFooter()

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
