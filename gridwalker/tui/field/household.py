"""One household: where it is, who lives there (ID and phone masked), its visits and issues.

The roster is edited from here (add, edit, moved out / back in) and a visit starts here —
with the waiting draft when there is one. `n` walks on to the next unvisited household.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from gridwalker.domain import clock
from gridwalker.domain.choices import (
    CareTag,
    IssueCategory,
    IssueStatus,
    Occupancy,
    Relation,
    ResidenceType,
    Sex,
    VisitOutcome,
    is_care_case,
)
from gridwalker.domain.forms import tag_hints
from gridwalker.domain.i18n import _
from gridwalker.domain.masking import mask_id, mask_phone
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.field.move_out import RosterMoves
from gridwalker.tui.format import care_labels, choice_label, join_words, literal
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.rounds import DraftRow, HouseholdInfo, ResidentRow, VisitRow


def age_on(birth: date | None, day: date) -> str:
    """Age in whole years on a day ("" when the birth date is unknown)."""
    if birth is None:
        return ""
    return str(day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day)))


def clip(text: str, width: int) -> Text:
    """The first line of a text, cut to `width` cells with an ellipsis."""
    first = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    shown = Text(first)
    shown.truncate(width, overflow="ellipsis")
    return shown


def fill_table(
    table: DataTable, headers: list[str], rows: list[tuple[str | None, list[Any]]], empty: str
) -> None:
    """Replace a table's rows; each column is as wide as its widest cell, measured in cells.

    A str cell is read as markup by DataTable: user text comes as `Text` (`format.literal`).
    """
    table.clear(columns=True)
    widths = [cell_len(h) for h in headers]
    for _key, cells in rows:
        for index, cell in enumerate(cells):
            shown = cell.plain if isinstance(cell, Text) else str(cell)
            widths[index] = max(widths[index], cell_len(shown))
    if not rows:
        widths[0] = max(widths[0], cell_len(empty))
    for header, width in zip(headers, widths, strict=True):
        table.add_column(header, width=width)
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if not rows:
        table.add_row(Text(empty, style="dim"))


def status_of(resident: ResidentRow) -> Text:
    """The roster's status cell: moved out, when and where to."""
    text = Text()
    if resident.moved_out:
        text.append(_("moved out"), style="yellow")
        if resident.moved_out_on:
            text.append(" " + resident.moved_out_on.isoformat(), style="yellow")
        if resident.moved_to:
            text.append(" → ", style="yellow")
            text.append(clip(resident.moved_to, 20))
    return text


def tags_of(resident: ResidentRow, present: int, today: date) -> Text:
    """The roster's care tags cell: each tag, a stale one flagged (⚠: the facts no longer fit
    it), then the ones the facts call for (+…?: the resident form adds them on a key)."""
    if resident.moved_out:
        return Text(care_labels(resident.care_tags), style="dim")
    hints = tag_hints(resident.birth_date, resident.care_tags, today, lives_alone=present == 1)
    stale = {h.tag for h in hints if not h.offer}
    parts = [
        Text("⚠" + choice_label(CareTag, t), style="bold yellow")
        if t in stale
        else Text(choice_label(CareTag, t), style="magenta")
        for t in resident.care_tags
    ]
    parts += [Text(f"+{choice_label(CareTag, h.tag)}?", style="green") for h in hints if h.offer]
    return Text(join_words(["", ""])).join(parts)  # the UI language's list separator


@dataclass(frozen=True)
class IssueLine:
    """A linked issue as the household lists it."""

    uuid: str
    category: str
    status: str
    summary: str
    reported_on: date
    due_date: date | None


@dataclass(frozen=True)
class HouseholdData:
    """Everything the household screen shows, read in one worker."""

    info: HouseholdInfo | None
    residents: list[ResidentRow]
    visits: list[VisitRow]
    issues: list[IssueLine]
    draft: DraftRow | None


def household_issues(conn: Connection, household_uuid: str) -> list[IssueLine]:
    """The household's issues, newest first."""
    from gridwalker.store import issues

    rows = issues.issue_page(conn, issues.IssueFilter(household_uuid=household_uuid), "age", 0, 50)
    return [
        IssueLine(r.uuid, r.category.value, r.status.value, r.summary, r.reported_on, r.due_date)
        for r in rows
    ]


def read_household(conn: Connection, household_uuid: str) -> HouseholdData:
    """Read a household with its roster, visits, issues and waiting draft (in a worker)."""
    from gridwalker.store import rounds

    return HouseholdData(
        info=rounds.household_info(conn, household_uuid),
        residents=rounds.residents_of(conn, household_uuid),
        visits=rounds.visits_of(conn, household_uuid),
        issues=household_issues(conn, household_uuid),
        draft=rounds.load_draft(conn, rounds.visit_draft_key(household_uuid)),
    )


class HouseholdRead(DbResult):
    """The household, its roster, visits, issues and draft were read (a HouseholdData)."""


class VisitDraftFound(DbResult):
    """The household's waiting visit draft (None when there is none)."""


class NextUnvisitedFound(DbResult):
    """The next household not yet visited (None when every one is)."""


class OpinionTargets(DbResult):
    """The open consultations asking this household's room (list of (consultation, room))."""


class HouseholdScreen(RosterMoves, DbScreen):
    """A household: summary, roster, visit history and linked issues."""

    CSS_PATH = "household.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("v", "visit", N_("New visit")),
        Binding("a", "add_resident", N_("Add resident")),
        Binding("e", "edit_resident", N_("Edit resident")),
        Binding("m", "move_out", N_("Move out/in")),
        Binding("h", "edit_household", N_("Edit household"), show=False),
        Binding("n", "next_household", N_("Next unvisited")),
        Binding("i", "log_issue", N_("Log an issue")),
        # in the palette and help (F1): the footer has no room left for it at 120 columns
        Binding("o", "opinion", N_("Owner's opinion"), show=False),
    ]

    def __init__(self, household_uuid: str) -> None:
        super().__init__()
        self.household_uuid = household_uuid
        self.data: HouseholdData | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(_("Loading…"), id="hh-summary")
        roster = DataTable(id="roster", cursor_type="row", zebra_stripes=True)
        roster.border_title = _("Residents")
        yield roster
        visits = DataTable(id="visits", cursor_type="row")
        visits.border_title = _("Visits, newest first")
        yield visits
        issues = DataTable(id="issues", cursor_type="row")
        issues.border_title = _("Issues of this household")
        yield issues
        yield KeysFooter()  # fits the keys to the width (six of its own)

    def on_mount(self) -> None:
        self.sub_title = _("Household")
        self.query_one("#roster", DataTable).focus()
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        household = self.household_uuid
        self.db_read(lambda conn: read_household(conn, household), HouseholdRead)

    def on_screen_resume(self) -> None:
        """Back from a form or a visit: the roster and the history may have changed."""
        if self.engine is not None:
            self.database_ready()

    # -- showing ------------------------------------------------------------------------------

    @on(HouseholdRead)
    def _show_household(self, message: HouseholdRead) -> None:
        data: HouseholdData = message.result
        self.data = data
        summary = self.query_one("#hh-summary", Static)
        if data.info is None:
            summary.update(Text(_("This household no longer exists."), style="bold red"))
            return
        summary.update(self._summary(data))
        self._fill_roster(data.residents)
        self._fill_visits(data.visits)
        self._fill_issues(data.issues)

    def _summary(self, data: HouseholdData) -> Text:
        info = data.info
        assert info is not None
        present = [r for r in data.residents if not r.moved_out]
        text = Text(info.address, style="bold")
        text.append("\n")
        text.append(choice_label(Occupancy, info.occupancy))
        text.append("  ·  " + _("Head: {name}").format(name=info.head_name or _("none")))
        if info.phone:
            text.append("  ·  " + _("Phone: {phone}").format(phone=mask_phone(info.phone)))
        text.append("  ·  " + _("{count} living here").format(count=len(present)))
        gone = len(data.residents) - len(present)
        if gone:
            text.append("  ·  " + _("{count} moved out").format(count=gone))
        tagged = [r for r in present if is_care_case(r.care_tags)]
        if tagged:
            text.append("  ·  ")
            text.append(_("{count} with care tags").format(count=len(tagged)), style="magenta")
        if data.draft is not None:
            text.append("\n")
            text.append(_("A visit draft is waiting: press v to go on with it."), style="bold red")
        return text

    def _fill_roster(self, residents: list[ResidentRow]) -> None:
        table = self.query_one("#roster", DataTable)
        cursor = table.cursor_row
        today = clock.today()
        present = sum(not r.moved_out for r in residents)
        rows: list[tuple[str | None, list[Any]]] = []
        for r in residents:
            style = "dim strike" if r.moved_out else ""
            cells: list[Any] = [
                Text(cell, style=style)
                for cell in (
                    r.name,
                    choice_label(Sex, r.sex),
                    age_on(r.birth_date, today),
                    choice_label(Relation, r.relation),
                    choice_label(ResidenceType, r.residence_type),
                    mask_id(r.id_number),
                    mask_phone(r.phone),
                )
            ]
            cells.append(tags_of(r, present, today))
            cells.append(status_of(r))
            rows.append((r.uuid, cells))
        headers = [
            _("Name"),
            _("Sex"),
            _("Age"),
            _("Relation"),
            _("Residence"),
            _("ID number"),
            _("Phone"),
            _("Care tags"),
            _("Status"),
        ]
        fill_table(table, headers, rows, _("Nobody on the roster: press a to add a resident."))
        table.move_cursor(row=min(cursor, max(table.row_count - 1, 0)))

    def _fill_visits(self, visits: list[VisitRow]) -> None:
        rows: list[tuple[str | None, list[Any]]] = []
        for v in visits:
            style = "yellow" if v.outcome == VisitOutcome.NOBODY_HOME.value else ""
            cells: list[Any] = [
                v.visited_on.isoformat(),
                Text(choice_label(VisitOutcome, v.outcome), style=style),
                literal(v.member or "", no_wrap=True),  # a str cell is read as markup
                str(v.seen),
                clip(v.concerns, 44),
                v.follow_up.isoformat() if v.follow_up else "",
            ]
            rows.append((v.uuid, cells))
        headers = [
            _("Date"),
            _("Outcome"),
            _("Visited by"),
            _("Seen"),
            _("Concerns"),
            _("Follow-up"),
        ]
        fill_table(self.query_one("#visits", DataTable), headers, rows, _("Not visited yet."))

    def _fill_issues(self, issues: list[IssueLine]) -> None:
        rows: list[tuple[str | None, list[Any]]] = [
            (
                i.uuid,
                [
                    choice_label(IssueCategory, i.category),
                    choice_label(IssueStatus, i.status),
                    clip(i.summary, 50),
                    i.reported_on.isoformat(),
                    i.due_date.isoformat() if i.due_date else "",
                ],
            )
            for i in issues
        ]
        headers = [_("Category"), _("Status"), _("Description"), _("Reported"), _("Due")]
        fill_table(
            self.query_one("#issues", DataTable),
            headers,
            rows,
            _("No issues logged for this household."),
        )

    # -- the roster ---------------------------------------------------------------------------

    def selected_resident(self) -> ResidentRow | None:
        """The resident under the roster's cursor."""
        if self.data is None or not self.data.residents:
            return None
        table = self.query_one("#roster", DataTable)
        index = table.cursor_row
        if 0 <= index < len(self.data.residents):
            return self.data.residents[index]
        return None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a resident edits them; Enter on an issue opens it."""
        if event.data_table.id == "roster":
            self.action_edit_resident()
        elif event.data_table.id == "issues" and self.data is not None:
            index = event.cursor_row
            if 0 <= index < len(self.data.issues):
                field_navigator(self).open_issue(self.data.issues[index].uuid)

    def action_edit_household(self) -> None:
        """The household's head, phone and occupancy (how a returned household is corrected)."""
        from gridwalker.tui.field.actor import actor_of
        from gridwalker.tui.field.household_form import HouseholdForm

        info = self.data.info if self.data is not None else None
        if info is not None:
            form = HouseholdForm(info.uuid, actor_of(self.gw), info.address)
            self.app.push_screen(form, lambda saved: saved and self.database_ready())

    def action_opinion(self) -> None:
        """Record the owner's opinion in a consultation that asks this household's room."""
        from gridwalker.store.consult.counting import household_consultations

        household = self.household_uuid
        self.db_read(lambda conn: household_consultations(conn, household), OpinionTargets)

    @on(OpinionTargets)
    def _opinion_targets(self, message: OpinionTargets) -> None:
        from gridwalker.tui.common.dialogs import PickerModal
        from gridwalker.tui.field.vote_form import VoteForm

        targets = message.result
        if not targets:
            self.notify(_("No open consultation asks this household's owner."))
            return

        def record(index: str | None) -> None:
            if index is not None:
                info, room = targets[int(index)]
                self.app.push_screen(VoteForm(info, room), self._opinion_recorded)

        if len(targets) == 1:
            record("0")
            return
        options = [(Text(info.title), str(i)) for i, (info, _room) in enumerate(targets)]
        self.app.push_screen(PickerModal(_("Which consultation?"), options, "0"), record)

    def _opinion_recorded(self, saved: object) -> None:
        if saved:
            self.notify(_("Opinion recorded."))

    def action_log_issue(self) -> None:
        """Log an issue for this household (its address is filled in)."""
        field_navigator(self).log_issue(household_uuid=self.household_uuid)

    def action_add_resident(self) -> None:
        """Add a resident to this household."""
        if self.data is not None and self.data.info is not None:
            field_navigator(self).open_resident_form(self.household_uuid, then=self._resident_saved)

    def action_edit_resident(self) -> None:
        """Edit the selected resident."""
        resident = self.selected_resident()
        if resident is None:
            self.notify(_("Choose a resident in the roster first."))
            return
        field_navigator(self).open_resident_form(
            self.household_uuid, resident, then=self._resident_saved
        )

    def _resident_saved(self, resident_uuid: str | None) -> None:
        if resident_uuid:
            self.notify(_("Resident saved."))

    # -- visits and walking on ----------------------------------------------------------------

    def action_visit(self) -> None:
        """Start a visit (with the waiting draft, if any)."""
        from gridwalker.store import rounds

        if self.data is None or self.data.info is None:
            return
        key = rounds.visit_draft_key(self.household_uuid)
        self.db_read(lambda conn: rounds.load_draft(conn, key), VisitDraftFound)

    @on(VisitDraftFound)
    def _start_visit(self, message: VisitDraftFound) -> None:
        draft: DraftRow | None = message.result
        payload = draft.payload if draft is not None else None
        field_navigator(self).open_visit(self.household_uuid, draft=payload)

    def action_next_household(self) -> None:
        """Go on to the next household not yet visited, in walking order."""
        from gridwalker.store import rounds

        if self.data is None or self.data.info is None:
            return
        grid, here = self.data.info.grid_uuid, self.household_uuid
        self.db_read(lambda conn: rounds.next_unvisited(conn, grid, here), NextUnvisitedFound)

    @on(NextUnvisitedFound)
    def _walk_on(self, message: NextUnvisitedFound) -> None:
        household_uuid: str | None = message.result
        if household_uuid is None or household_uuid == self.household_uuid:
            self.notify(_("Every household of the grid is visited this cycle."))
            return
        field_navigator(self).open_household(household_uuid, replacing=self.household_uuid)

    def action_back(self) -> None:
        self.app.pop_screen()
