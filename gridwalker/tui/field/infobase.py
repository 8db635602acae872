"""The party-building information base: every enterprise of the grid or street, filtered,
paged from SQL (PagedList) and exported to CSV or XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from gridwalker.config import private_dir
from gridwalker.domain import clock
from gridwalker.domain.census import CensusFlag
from gridwalker.domain.choices import Industry, OperatingStatus, PartyOrgKind, PartyOrgStatus
from gridwalker.domain.i18n import _, label, language
from gridwalker.domain.masking import mask_phone
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.format import choice_label, fit, join_words, literal
from gridwalker.tui.keys import N_, translate_bindings
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.census import InfoFilter, InfoRow


class TowerNamesRead(DbResult):
    """The name of every tower, by uuid."""


class InfoCounted(DbResult):
    """How many enterprises the information base's filter holds."""


class InfoExported(DbResult):
    """The information base was written to a file (its path and how many rows)."""


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
            yield Static(literal(self.title_text), id="pick-title")
            yield OptionList(
                *(Option(literal(words), id=code or "-") for words, code in self.choices)
            )

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
        yield KeysFooter()

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
            private_dir(folder)
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
