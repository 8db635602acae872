"""One enterprise: its details (phone masked), this year's census and its flags."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Header, Static

from gridwalker.domain import clock
from gridwalker.domain.choices import Industry, OperatingStatus, Ownership, Scale
from gridwalker.domain.i18n import _, language
from gridwalker.domain.masking import mask_phone
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.field.census_words import flags_text, party_text
from gridwalker.tui.format import choice_label, literal, yes_no
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.census import CensusForm, CensusRecordRow, EnterpriseRef


class EnterpriseRead(DbResult):
    """An enterprise, this year's answers and its census records were read."""


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
        yield KeysFooter()

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
            details.add_row(name, literal(value))
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
