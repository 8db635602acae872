"""The visit form, saved as a draft on every change, and the offer of waiting drafts at start.

Any change writes the whole form (as on screen) to the household's visit draft ~0.3 s later,
in a worker; closing the app flushes a change not yet written. Ctrl+S checks the form with
`domain.forms.check_visit` (reasons next to the fields, nothing written when invalid), then
`save_visit` records it and drops the draft; `n` then walks on to the next unvisited household.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import (
    Footer,
    Header,
    Input,
    Label,
    RadioButton,
    RadioSet,
    SelectionList,
    Static,
    TextArea,
)

from gridwalker.domain import clock
from gridwalker.domain.choices import Relation, VisitOutcome
from gridwalker.domain.forms import VisitInput, check_visit
from gridwalker.domain.i18n import _, label, language
from gridwalker.domain.validators import Invalid
from gridwalker.tui.common.dialogs import Ask
from gridwalker.tui.common.workers import DbResult, DbScreen, error_reason
from gridwalker.tui.field.actor import actor_of
from gridwalker.tui.format import care_labels, choice_label
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
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


class VisitDraftWritten(DbResult):
    """The visit form's draft was written (the payload it holds)."""


class VisitSaved(DbResult):
    """The visit was recorded (its uuid)."""


class VisitDraftDiscarded(DbResult):
    """The visit's draft was thrown away on leaving."""


class NextUnvisitedFound(DbResult):
    """The next household not yet visited (None when every one is)."""


class VisitScreen(DbScreen):
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
    # Seconds between the last change and the draft being written.
    draft_delay: ClassVar[float] = 0.3

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
        self.stored: dict[str, Any] | None = None  # the payload the draft holds (or would)
        self.latest: dict[str, Any] | None = None  # the payload as of the last change
        self.pending = False  # a change not yet handed to a draft write
        self._timer: Timer | None = None
        self._draft_busy = False
        self._draft_again = False
        self._after_draft: Callable[[], None] | None = None
        self._roster_edit: tuple[str, str] | None = None

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(_("Loading…"), id="visit-head")
        with VerticalScroll(id="visit-form"):
            with Horizontal(id="visit-top"):
                with Vertical(id="outcome-box"):
                    outcome = RadioSet(
                        *(
                            RadioButton(
                                label(o), value=o.value == self.start.outcome, id=f"outcome-{o}"
                            )
                            for o in VisitOutcome
                        ),
                        id="outcome",
                    )
                    outcome.border_title = _("Outcome")
                    yield outcome
                    yield Static("", id="err-outcome", classes="field-error")
                with Vertical(id="seen-box"):
                    seen = SelectionList[str](id="residents_seen")
                    seen.border_title = _("Residents seen")
                    yield seen
                    yield Static("", id="err-residents_seen", classes="field-error")
            yield Static(
                _("A request: after saving the visit, log an issue for this household."),
                id="request-hint",
            )
            care = Vertical(id="care_checks")
            care.border_title = _("Care checks")
            yield care
            yield Static("", id="err-care_checks", classes="field-error")
            concerns = TextArea(
                self.start.concerns,
                id="concerns",
                placeholder=_("What the household raised, what you saw"),
            )
            concerns.border_title = _("Concerns")
            yield concerns
            yield Static("", id="err-concerns", classes="field-error")
            with Horizontal(classes="field-row"):
                yield Label(_("Follow-up date"), classes="field-label")
                yield Input(
                    self.start.follow_up, placeholder="YYYY-MM-DD", id="follow_up", compact=True
                )
                yield Label(_("blank: no follow-up"), classes="field-note")
            yield Static("", id="err-follow_up", classes="field-error")
            yield Static("", id="roster-changes")
        yield Static("", id="visit-status")
        yield Static("", id="visit-saved")
        yield Footer()

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
        info, residents = message.result
        self.info = info
        head = self.query_one("#visit-head", Static)
        if info is None:
            head.update(Text(_("This household no longer exists."), style="bold red"))
            return
        text = Text(_("Visit"), style="bold")
        text.append("  " + info.address, style="bold")
        text.append("  ·  " + _("Head: {name}").format(name=info.head_name or _("none")))
        text.append("  ·  " + clock.today().isoformat())
        if self.restored:
            text.append("\n")
            text.append(_("Restored from the draft: go on where you left off."), style="yellow")
        head.update(text)
        self._fill_residents(residents, self.start.residents_seen, self.start.care_checks)
        self.ready = True
        self.stored = self.payload()
        self.show_problems()

    def _fill_residents(
        self, residents: list[ResidentRow], seen: list[str], checks: dict[str, str]
    ) -> None:
        """The residents-seen list and one care-check field per care-tagged resident."""
        self.residents = residents
        present = [r for r in residents if not r.moved_out]
        listing = self.query_one("#residents_seen", SelectionList)
        listing.clear_options()
        width = max((cell_len(r.name) for r in present), default=0) + 2
        for r in present:
            words = Text(r.name + " " * (width - cell_len(r.name)))
            words.append(choice_label(Relation, r.relation), style="dim")
            listing.add_option((words, r.uuid, r.uuid in seen))
        listing.border_subtitle = "" if present else _("nobody on the roster: a adds a resident")
        box = self.query_one("#care_checks", Vertical)
        box.remove_children()
        tagged = [r for r in present if r.care_tags]
        name_width = max((cell_len(r.name) for r in tagged), default=0) + 2
        rows = []
        for r in tagged:
            words = Text(r.name + " " * (name_width - cell_len(r.name)), style="bold")
            words.append(care_labels(r.care_tags), style="magenta")
            rows.append(
                Horizontal(
                    Label(words, classes="care-label"),
                    Input(
                        checks.get(r.uuid, ""),
                        placeholder=_("e.g. seen, well"),
                        id=f"care-{r.uuid}",
                        compact=True,
                    ),
                    classes="care-row",
                )
            )
        box.mount_all(rows)
        box.display = bool(tagged)

    # -- the form's values --------------------------------------------------------------------

    def form_data(self) -> VisitInput:
        """The visit exactly as the form shows it."""
        pressed = self.query_one("#outcome", RadioSet).pressed_button
        outcome = (pressed.id or "").removeprefix("outcome-") if pressed else ""
        checks = {
            (field.id or "").removeprefix("care-"): field.value
            for field in self.query_one("#care_checks", Vertical).query(Input)
            if field.value
        }
        return VisitInput(
            outcome=outcome,
            residents_seen=list(self.query_one("#residents_seen", SelectionList).selected),
            care_checks=checks,
            concerns=self.query_one("#concerns", TextArea).text,
            follow_up=self.query_one("#follow_up", Input).value,
        )

    def payload(self) -> dict[str, Any]:
        """The form as a draft payload."""
        from gridwalker.store import rounds

        return rounds.visit_payload(self.form_data(), list(self.roster_changes))

    def problems(self) -> dict[str, Invalid]:
        """What is wrong with the form now, by field."""
        present = {r.uuid for r in self.residents if not r.moved_out}
        tagged = {r.uuid for r in self.residents if r.care_tags and not r.moved_out}
        everyone = {r.uuid for r in self.residents}
        return check_visit(self.form_data(), clock.today(), everyone | present, tagged)

    def show_problems(self) -> dict[str, Invalid]:
        """Put each reason next to its field."""
        problems = self.problems()
        lang = language()
        for name in VISIT_FIELDS:
            invalid = problems.get(name)
            error = self.query_one(f"#err-{name}", Static)
            error.update(Text(invalid.text(lang)) if invalid else "")
            error.display = invalid is not None
            self.query_one(f"#{name}").set_class(invalid is not None, "-invalid")
        return problems

    @property
    def log_issue_hint_visible(self) -> bool:
        """Whether the form suggests logging an issue (the outcome is "visited, request")."""
        return bool(self.query_one("#request-hint", Static).display)

    def _show_request_hint(self) -> None:
        hint = self.query_one("#request-hint", Static)
        hint.display = self.form_data().outcome == VisitOutcome.REQUEST.value

    def _show_roster_changes(self) -> None:
        text = Text(_("Roster changes during this visit"), style="bold")
        text.append("  " + _("a: add a resident · e: edit the highlighted one"), style="dim")
        if not self.roster_changes:
            text.append("\n" + _("none"), style="dim")
        for change in self.roster_changes:
            words = _("added") if change.get("op") == "add" else _("edited")
            text.append(f"\n· {words} {change.get('name', '')}")
        self.query_one("#roster-changes", Static).update(text)

    # -- drafts on every change ---------------------------------------------------------------

    def _changed(self) -> None:
        if not self.ready or self.saved:
            return
        self.show_problems()
        self._show_request_hint()
        self.query_one("#visit-status", Static).update("")
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.latest = self.payload()
        self.pending = self.latest != self.stored
        if not self.pending:
            return
        if self.draft_delay > 0:
            self._timer = self.set_timer(self.draft_delay, self.write_draft)
        else:
            self.call_later(self.write_draft)

    @on(RadioSet.Changed)
    @on(SelectionList.SelectedChanged)
    @on(TextArea.Changed)
    @on(Input.Changed)
    def _on_change(self) -> None:
        self._changed()

    def write_draft(self) -> None:
        """Write the form, as it is on screen now, to the household's draft (in a worker)."""
        from gridwalker.store import rounds

        self._timer = None
        if self._draft_busy:
            self._draft_again = True
            return
        self.pending = False
        payload = self.payload()
        if payload == self.stored:
            self._draft_done()
            return
        key = rounds.visit_draft_key(self.household_uuid)
        title = self.info.address if self.info else ""
        self._draft_busy = True

        def write(conn: Connection) -> dict[str, Any]:
            rounds.save_draft(conn, key, "visit", title, payload)
            return payload

        self.db_write(write, VisitDraftWritten, failed=self._draft_failed)

    @on(VisitDraftWritten)
    def _draft_written(self, message: VisitDraftWritten) -> None:
        self._draft_busy = False
        self.stored = message.result
        self.has_draft = True
        if self._draft_again:  # changed while it was being written: write the rest
            self._draft_again = False
            self.write_draft()
            return
        self._draft_done()

    def _draft_failed(self, exc: BaseException) -> bool:
        self._draft_busy = False
        self._draft_done()
        return False

    def _draft_done(self) -> None:
        then, self._after_draft = self._after_draft, None
        if then is not None:
            then()

    def _when_draft_written(self, then: Callable[[], None]) -> None:
        """Run `then` once the draft holds the form as it is on screen now."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._after_draft = then
        if self._draft_busy:
            self._draft_again = True
        else:
            self.write_draft()

    def _stop_drafting(self, then: Callable[[], None]) -> None:
        """No more draft writes; run `then` once any write under way has finished."""
        self.pending = False
        self._draft_again = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._draft_busy:
            self._after_draft = then
        else:
            then()

    def on_unmount(self) -> None:
        """Closing with a change not yet written (the app is quitting): write it now."""
        if not self.pending or self.saved or self.engine is None or self.latest is None:
            return
        if self._timer is not None:
            self._timer.stop()
        from gridwalker.store import rounds

        # No worker could report back from a screen that is going away, and the last
        # keystrokes must not be lost: this one small write runs here.
        try:
            with self.engine.begin() as conn:
                rounds.save_draft(
                    conn,
                    rounds.visit_draft_key(self.household_uuid),
                    "visit",
                    self.info.address if self.info else "",
                    self.latest,
                )
        except Exception as exc:  # the app is closing: say so, never a traceback
            self.app.notify(
                _("The last change could not be kept: {reason}").format(reason=error_reason(exc)),
                severity="error",
            )

    # -- roster changes during the visit ------------------------------------------------------

    def highlighted_resident(self) -> ResidentRow | None:
        """The resident highlighted in the residents-seen list."""
        listing = self.query_one("#residents_seen", SelectionList)
        if listing.highlighted is None:
            return None
        uuid = listing.get_option_at_index(listing.highlighted).value
        return next((r for r in self.residents if r.uuid == uuid), None)

    def action_add_resident(self) -> None:
        """Add a resident met during the visit (written at once)."""
        if self.info is None:
            return
        self._roster_edit = ("add", "")
        field_navigator(self).open_resident_form(self.household_uuid, then=self._resident_saved)

    def action_edit_resident(self) -> None:
        """Edit the resident highlighted in the residents-seen list (written at once)."""
        resident = self.highlighted_resident()
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
        self._fill_residents(residents, data.residents_seen, data.care_checks)
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
            first = next(name for name in VISIT_FIELDS if name in problems)
            self.query_one(f"#{first}").focus()
            self.query_one("#visit-status", Static).update(
                _("Not saved: correct the marked fields first.")
            )
            return
        self._stop_drafting(self._write_visit)

    def _write_visit(self) -> None:
        from gridwalker.store import rounds

        data, changes = self.form_data(), list(self.roster_changes)
        actor = actor_of(self.gw)
        member = self.gw.member.uuid if self.gw.member else None
        household = self.household_uuid
        self.db_write(
            lambda conn: rounds.save_visit(conn, actor, member, household, data, changes),
            VisitSaved,
            failed=self._visit_refused,
        )

    @on(VisitSaved)
    def _visit_saved(self, message: VisitSaved) -> None:
        visit_uuid: str = message.result
        self.saved = True
        self.visit_uuid = visit_uuid
        self.query_one("#visit-status", Static).update("")
        self.has_draft = False
        self.query_one("#visit-form").disabled = True
        banner = self.query_one("#visit-saved", Static)
        banner.update(
            Text.assemble(
                ("✓ " + _("Visit saved."), "bold"),
                "   ",
                _("i: log an issue from this visit · n: next unvisited household · Esc: back")
                if self.form_data().outcome == VisitOutcome.REQUEST.value
                else _("n: next unvisited household · Esc: back"),
            )
        )
        banner.add_class("-shown")
        self.refresh_bindings()
        self.notify(_("Visit saved."))
        self.gw.refresh_home()

    def _visit_refused(self, exc: BaseException) -> bool:
        """Refused by the store: show its reasons next to the fields."""
        from gridwalker.store.rounds import FormError

        if not isinstance(exc, FormError):
            return False
        lang = language()
        for name, invalid in exc.problems.items():
            if name in VISIT_FIELDS:
                error = self.query_one(f"#err-{name}", Static)
                error.update(invalid.text(lang))
                error.display = True
        self.query_one("#visit-status", Static).update(
            _("Not saved: correct the marked fields first.")
        )
        return True

    def action_log_issue(self) -> None:
        """After saving: log the resident's request as an issue, linked to this visit."""
        if self.visit_uuid is not None:
            field_navigator(self).log_issue(visit_uuid=self.visit_uuid)

    def action_next_household(self) -> None:
        """After saving: open the next household not yet visited, in walking order."""
        from gridwalker.store import rounds

        if not self.saved or self.info is None:
            return
        grid, here = self.info.grid_uuid, self.household_uuid
        self.db_read(lambda conn: rounds.next_unvisited(conn, grid, here), NextUnvisitedFound)

    @on(NextUnvisitedFound)
    def _walk_on(self, message: NextUnvisitedFound) -> None:
        household_uuid: str | None = message.result
        if household_uuid is None or household_uuid == self.household_uuid:
            self.notify(_("Every household of the grid is visited this cycle."))
            return
        navigate = field_navigator(self)
        self.app.pop_screen()
        # Walking on replaces this household's screen too, so the stack does not grow.
        navigate.open_household(household_uuid, replacing=self.household_uuid)

    def action_back(self) -> None:
        """Leave; with an unsaved visit, ask whether to keep its draft."""
        if self.saved or not self.ready:
            self.app.pop_screen()
            return
        if not self.has_draft and not self.pending and self.payload() == self.stored:
            self.app.pop_screen()
            return
        self.app.push_screen(
            Ask(
                _("This visit is not saved yet."),
                [
                    ("k", _("Keep the draft and leave"), "keep"),
                    ("d", _("Discard the draft and leave"), "discard"),
                    ("s", _("Stay"), None),
                ],
                _("Roster changes made during the visit are already saved."),
            ),
            self._leave,
        )

    def _leave(self, answer: str | None) -> None:
        if answer == "keep":
            self._when_draft_written(self.app.pop_screen)
        elif answer == "discard":
            self._stop_drafting(self._discard)

    def _discard(self) -> None:
        from gridwalker.store import rounds

        key = rounds.visit_draft_key(self.household_uuid)
        self.saved = True  # nothing more to write: the unmount flush must not bring it back
        self.db_write(lambda conn: rounds.delete_draft(conn, key), VisitDraftDiscarded)

    @on(VisitDraftDiscarded)
    def _discarded(self) -> None:
        self.notify(_("Draft discarded."))
        self.app.pop_screen()
