"""An enterprise's census records, year by year."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from gridwalker.domain.choices import OperatingStatus, Scale
from gridwalker.domain.i18n import _, language
from gridwalker.tui.common.workers import DbModal, DbResult
from gridwalker.tui.field.census_words import flags_text, party_text
from gridwalker.tui.format import choice_label, literal, yes_no
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.census import CensusRecordRow, EnterpriseRef


class HistoryRead(DbResult):
    """An enterprise and its census records were read."""


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
            literal(r.member_name or "—"),
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
