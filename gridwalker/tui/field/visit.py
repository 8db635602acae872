"""The visit form, saved as a draft on every change (a DraftingForm).

Any change writes the whole form (as on screen) to the household's visit draft ~0.3 s later,
in a worker; closing the app flushes a change not yet written. Ctrl+S checks the form with
`domain.forms.check_visit` (reasons next to the fields, nothing written when invalid), then
`save_visit` records it and drops the draft; `n` then walks on to the next unvisited household.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import (
    Header,
    Input,
    RadioSet,
    SelectionList,
    Static,
    TextArea,
)

from gridwalker.domain.choices import VisitOutcome
from gridwalker.domain.forms import VisitInput
from gridwalker.domain.i18n import _, language
from gridwalker.domain.validators import Invalid
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.field.actor import actor_of
from gridwalker.tui.field.visit_fields import (
    VisitFields,
    banner_after_saving,
    leave_dialog,
    roster_changes_text,
    visit_head,
    visit_problems,
)
from gridwalker.tui.field.visit_walk import WalkOn
from gridwalker.tui.forms import DraftingForm, DraftRecord
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from sqlalchemy import Connection

    from gridwalker.store.rounds import HouseholdInfo, ResidentRow

# Form order: the first bad field in this order gets the focus when saving fails.
VISIT_FIELDS = ("outcome", "residents_seen", "care_checks", "concerns", "follow_up")


def read_visit_household(
    conn: Connection, household_uuid: str
) -> tuple[HouseholdInfo | None, list[ResidentRow]]:
    """The household and its roster, for the visit form (in a worker)."""
    from gridwalker.store import rounds

    return rounds.household_info(conn, household_uuid), rounds.residents_of(conn, household_uuid)


class VisitHouseholdRead(DbResult):
    """The household and its roster were read for the visit form."""


class RosterReread(DbResult):
    """The roster was read again after a resident was added or edited during the visit."""


class VisitSaved(DbResult):
    """The visit was recorded (its uuid)."""


class VisitScreen(WalkOn, DraftingForm, DbScreen):
    """Record a household visit; every change is kept as a draft until it is saved."""

    CSS_PATH = "visit.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", N_("Save visit")),
        Binding("escape", "back", N_("Back")),
        Binding("a", "add_resident", N_("Add resident")),
        Binding("e", "edit_resident", N_("Edit resident")),
        Binding("n", "next_household", N_("Next household")),
        Binding("i", "log_issue", N_("Log an issue")),
    ]
    DRAFT_KIND = "visit"
    draft_pause: ClassVar[float] = 0.3
    drop_clean_draft: ClassVar[bool] = False  # the draft keeps the form even back as it was
    REASON_ID: ClassVar[str] = "err-{}"
    MARK_INVALID: ClassVar[bool] = True

    def __init__(self, household_uuid: str, draft_payload: dict[str, Any] | None = None) -> None:
        """A new visit of a household, or the one a draft payload holds, restored exactly."""
        super().__init__()
        from gridwalker.store import rounds

        self.household_uuid = household_uuid
        self.restored = draft_payload is not None
        if draft_payload is not None:
            self.start, self.roster_changes = rounds.visit_from_payload(draft_payload)
        else:
            self.start, self.roster_changes = VisitInput(), []
        self.info: HouseholdInfo | None = None
        self.residents: list[ResidentRow] = []
        self.ready = False
        self.saved = False
        self.visit_uuid: str | None = None
        self.has_draft = self.restored
        self._roster_edit: tuple[str, str] | None = None
        self.kept_follow_up = ""  # a correction: the follow-up date the visit had (may be past)
        self.visit_day: date | None = None  # a correction: the day of the visit (else today)

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(_("Loading…"), id="visit-head")
        yield VisitFields(self.start, id="visit-form")
        yield Static("", id="visit-status")
        yield Static("", id="visit-saved")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Visit")
        self.query_one("#outcome", RadioSet).focus()
        self._show_request_hint()
        self._show_roster_changes()
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        household = self.household_uuid
        self.db_read(lambda conn: read_visit_household(conn, household), VisitHouseholdRead)

    @on(VisitHouseholdRead)
    def _show_household(self, message: VisitHouseholdRead) -> None:
        info: HouseholdInfo | None
        residents: list[ResidentRow]
        info, residents = self.household_loaded(message.result)
        self.info = info
        head = self.query_one("#visit-head", Static)
        if info is None:
            head.update(Text(_("This household no longer exists."), style="bold red"))
            return
        head.update(visit_head(info, restored=self.restored, day=self.visit_day))
        self.residents = residents
        self.query_one(VisitFields).fill_residents(
            residents, self.start.residents_seen, self.start.care_checks
        )
        self.ready = True
        self.mark_clean()
        self.mark_stored()  # a new form has no draft yet; a restored one is its draft
        self.show_problems()

    def household_loaded(self, result: Any) -> tuple[HouseholdInfo | None, list[ResidentRow]]:
        """What the household read gave: (household, roster) (a correction reads more)."""
        return result

    # -- the form's values --------------------------------------------------------------------

    def form_data(self) -> VisitInput:
        """The visit exactly as the form shows it."""
        return self.query_one(VisitFields).values()

    def draft_payload(self) -> dict[str, Any]:
        """The form as a draft payload (also its state, for dirty tracking)."""
        from gridwalker.store import rounds

        return rounds.visit_payload(self.form_data(), list(self.roster_changes))

    def show_problems(self) -> dict[str, Invalid]:
        """Put each reason next to its field."""
        problems = visit_problems(self.form_data(), self.residents, self.kept_follow_up)
        lang = language()
        for name in VISIT_FIELDS:
            invalid = problems.get(name)
            self.show_reason(name, invalid.text(lang) if invalid else None)
        return problems

    @property
    def log_issue_hint_visible(self) -> bool:
        """Whether the form suggests logging an issue (the outcome is "visited, request")."""
        return bool(self.query_one("#request-hint", Static).display)

    def _show_request_hint(self) -> None:
        hint = self.query_one("#request-hint", Static)
        hint.display = self.form_data().outcome == VisitOutcome.REQUEST.value

    def _show_roster_changes(self) -> None:
        self.query_one("#roster-changes", Static).update(roster_changes_text(self.roster_changes))

    # -- the draft (DraftingForm) -------------------------------------------------------------

    @property
    def draft_key(self) -> str:
        """One visit draft per household."""
        from gridwalker.store import rounds

        return rounds.visit_draft_key(self.household_uuid)

    def draft_title(self) -> str:
        """The household's address."""
        return self.info.address if self.info else ""

    def draft_written(self, record: DraftRecord) -> None:
        self.has_draft = True

    @property
    def dirty(self) -> bool:
        """A draft exists, or the form differs from how it opened."""
        return self.has_draft or super().dirty

    @on(RadioSet.Changed)
    @on(SelectionList.SelectedChanged)
    @on(TextArea.Changed)
    @on(Input.Changed)
    def _changed(self) -> None:
        if not self.ready or self.saved:
            return
        self.show_problems()
        self._show_request_hint()
        self.query_one("#visit-status", Static).update("")
        self.draft_soon()

    # -- roster changes during the visit ------------------------------------------------------

    def action_add_resident(self) -> None:
        """Add a resident met during the visit (written at once)."""
        if self.info is None:
            return
        self._roster_edit = ("add", "")
        field_navigator(self).open_resident_form(self.household_uuid, then=self._resident_saved)

    def action_edit_resident(self) -> None:
        """Edit the resident highlighted in the residents-seen list (written at once)."""
        resident = self.query_one(VisitFields).highlighted_resident(self.residents)
        if resident is None:
            self.notify(_("Highlight a resident in the list of residents seen first."))
            return
        self._roster_edit = ("edit", resident.uuid)
        field_navigator(self).open_resident_form(
            self.household_uuid, resident, then=self._resident_saved
        )

    def _resident_saved(self, resident_uuid: str | None) -> None:
        if not resident_uuid or self._roster_edit is None:
            return
        op = self._roster_edit[0]
        self._roster_edit = (op, resident_uuid)
        self.notify(_("Resident saved."))
        household = self.household_uuid
        self.db_read(lambda conn: read_visit_household(conn, household), RosterReread)

    @on(RosterReread)
    def _show_roster(self, message: RosterReread) -> None:
        residents: list[ResidentRow] = message.result[1]
        data = self.form_data()
        self.residents = residents
        self.query_one(VisitFields).fill_residents(residents, data.residents_seen, data.care_checks)
        if self._roster_edit is not None:
            op, uuid = self._roster_edit
            self._roster_edit = None
            name = next((r.name for r in residents if r.uuid == uuid), "")
            change = {"op": op, "resident": uuid, "name": name}
            if change not in self.roster_changes:
                self.roster_changes.append(change)
            self._show_roster_changes()
        self.call_after_refresh(self._changed)

    # -- saving and leaving -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Before saving: edit and save; after: walk on."""
        if action == "next_household":
            return self.saved
        if action == "log_issue":
            return self.saved and self.visit_uuid is not None
        if action in ("save", "add_resident", "edit_resident"):
            return not self.saved
        return True

    def action_save(self) -> None:
        """Record the visit if the form is valid; else show why and write nothing."""
        if not self.ready or self.saved:
            return
        problems = self.show_problems()
        if problems:
            self.focus_first(VISIT_FIELDS, problems)
            self.query_one("#visit-status", Static).update(
                _("Not saved: correct the marked fields first.")
            )
            return
        self.stop_drafting(self._write_visit)

    def _write_visit(self) -> None:
        self.db_write(self.visit_writer(), VisitSaved, failed=self._visit_refused)

    def visit_writer(self) -> Callable[[Connection], str | None]:
        """The write of the form as it is (in a worker): a new visit; gives its uuid."""
        from gridwalker.store import rounds

        data, changes = self.form_data(), list(self.roster_changes)
        actor = actor_of(self.gw)
        member = self.gw.member.uuid if self.gw.member else None
        household = self.household_uuid
        return lambda conn: rounds.save_visit(conn, actor, member, household, data, changes)

    @on(VisitSaved)
    def _visit_saved(self, message: VisitSaved) -> None:
        visit_uuid: str = message.result
        self.saved = True
        self.visit_uuid = visit_uuid
        self.query_one("#visit-status", Static).update("")
        self.has_draft = False
        self.query_one("#visit-form").disabled = True
        banner = self.query_one("#visit-saved", Static)
        banner.update(self.banner_when_saved())
        banner.add_class("-shown")
        self.refresh_bindings()
        self.notify(_("Visit saved."))
        self.gw.refresh_home()

    def banner_when_saved(self) -> Text:
        """What the form says once saved, and the keys that walk on."""
        return banner_after_saving(request=self.form_data().outcome == VisitOutcome.REQUEST.value)

    def _visit_refused(self, exc: BaseException) -> bool:
        """Refused by the store: show its reasons next to the fields (a stale save: reload)."""
        from gridwalker.store.rounds import FormError
        from gridwalker.store.writes import StaleWrite

        self.drafting = True  # the form stays open: its changes are drafted again
        if isinstance(exc, StaleWrite):
            self.stale_write(exc)
            return True
        if not isinstance(exc, FormError):
            return False
        lang = language()
        for name, invalid in exc.problems.items():
            if name in VISIT_FIELDS:
                self.show_reason(name, invalid.text(lang))
        self.query_one("#visit-status", Static).update(
            _("Not saved: correct the marked fields first.")
        )
        return True

    def action_log_issue(self) -> None:
        """After saving: log the resident's request as an issue, linked to this visit."""
        if self.visit_uuid is not None:
            field_navigator(self).log_issue(visit_uuid=self.visit_uuid)

    def action_back(self) -> None:
        """Leave; with an unsaved visit, ask whether to keep its draft."""
        if self.saved or not self.ready or not self.dirty:
            self.app.pop_screen()
            return
        self.ask_to_leave(leave_dialog(), self._leave)

    def _leave(self, choice: str) -> None:
        if choice == "discard":
            self.notify(_("Draft discarded."))
        self.app.pop_screen()
