"""Log an issue: the place prefilled from where logging began, checked as you type, kept as a
draft (a DraftingForm) until it is logged (ctrl+s) or discarded."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Input, Select, Static, TextArea

from gridwalker.domain import clock
from gridwalker.domain.choices import IssueCategory, IssueStatus, ReporterKind, Urgency
from gridwalker.domain.i18n import _, label, language
from gridwalker.domain.workflow import default_due
from gridwalker.tui.common.dialogs import LeaveDialog
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.field.issue_fields import FIELDS, IssueFields
from gridwalker.tui.format import literal
from gridwalker.tui.forms import DraftingForm
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.domain.validators import Invalid
    from gridwalker.store.issues import IssueInput, Prefill
    from gridwalker.store.rounds import DraftRow

START_KEYS = ("household_uuid", "enterprise_uuid", "building_uuid", "visit_uuid")
# Problems about the place's records are shown under the place.
PLACE_PROBLEMS = {"place", *START_KEYS, "grid_uuid"}


class IssuePrefilled(DbResult):
    """The place the form starts from and a waiting draft's payload were read."""


class IssueChecked(DbResult):
    """The store's and the form's reasons against the form as it stands."""


class IssueLogged(DbResult):
    """The issue was logged (its uuid)."""


def issue_draft_key(start: dict[str, str]) -> str:
    """The draft key of a form started from `start`: issue:<place uuid> or issue:new."""
    for key in START_KEYS:
        if start.get(key):
            return f"issue:{start[key]}"
    return "issue:new"


def parse_form(state: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values from the form's text, and the reason for each text that is not a value."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    people = state["people_affected"].strip()
    values["people_affected"] = None
    if people:
        try:
            values["people_affected"] = int(people)
        except ValueError:
            problems["people_affected"] = _("Write a whole number, e.g. 12.")
    due = state["due_date"].strip()
    values["due_date"] = None
    if due:
        try:
            values["due_date"] = date.fromisoformat(due)
        except ValueError:
            problems["due_date"] = _("Write the date as YYYY-MM-DD, e.g. {example}.").format(
                example=clock.today().isoformat()
            )
    if not state["category"]:
        problems["category"] = _("Choose a category.")
    return values, problems


class IssueFormScreen(DraftingForm, DbScreen):
    """The form to log one issue; dismisses with the new issue's uuid (None when left)."""

    CSS_PATH = "issue_form.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "log", N_("Log the issue"), priority=True),
        Binding("escape", "leave", N_("Back")),
    ]
    DRAFT_KIND = "issue"
    drop_clean_draft: ClassVar[bool] = False  # an issue's draft is kept until logged or discarded

    def __init__(
        self, start: dict[str, str] | None = None, *, draft_payload: dict[str, Any] | None = None
    ) -> None:
        super().__init__()
        self.start = {k: v for k, v in (start or {}).items() if k in START_KEYS and v}
        self.key = issue_draft_key(self.start)
        self.taken_up = draft_payload  # a draft taken up from a list, restored as it is
        self.prefill: Prefill | None = None
        self.due_typed = False
        self.touched: set[str] = set()
        self.ready = False
        self.logging = False
        self._last: dict[str, str] = {}

    # -- building the form ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield IssueFields(id="issue-form")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Log an issue")
        self.query_one("#due_date", Input).value = self._default_due(Urgency.NORMAL.value)
        self._last = self.draft_baseline = self.state()
        self.query_one("#category", Select).focus()
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        from gridwalker.store import issues, rounds

        start, key, given = dict(self.start), self.key, self.taken_up

        def read(conn: Connection) -> tuple[Prefill | None, dict[str, Any] | None]:
            prefill = issues.place_prefill(conn, **start) if start else None
            if given is not None:
                return prefill, given
            draft: DraftRow | None = rounds.load_draft(conn, key)
            return prefill, draft.payload if draft else None

        self.db_read(read, IssuePrefilled, failed=self._prefill_refused)

    @on(IssuePrefilled)
    def _prefilled(self, message: IssuePrefilled) -> None:
        prefill: Prefill | None
        payload: dict[str, Any] | None
        prefill, payload = message.result
        self.prefill = prefill
        self._show_origin()
        if payload:
            self.fill(payload.get("form", {}))
            self.due_typed = bool(payload.get("due_typed"))
            self.touched = set(payload.get("touched", []))
            if self.taken_up is None:
                self.notify(_("Your draft of this issue is back."), title=_("Draft restored"))
            self.ready = True
            self._check()
        else:
            if prefill is not None:
                self.fill({"place": prefill.place})
            self.ready = True
            self.mark_clean()

    def _prefill_refused(self, exc: BaseException) -> bool:
        from gridwalker.store.issues import IssueInputError

        if isinstance(exc, IssueInputError):
            self.ready = True
            self.show_problems(dict(exc.problems), everything=True)
            return True
        return False

    def _show_origin(self) -> None:
        """Say where logging began (and that the place comes from there)."""
        if self.prefill is None or not self.prefill.place:
            text = _("Logged from anywhere: write where the problem is.")
        else:
            text = _("Logged from: {place}").format(place=self.prefill.place)
            if self.prefill.grid_name and self.prefill.member_name:
                text = _("Logged from: {place} · grid {grid} · member {member}").format(
                    place=self.prefill.place,
                    grid=self.prefill.grid_name,
                    member=self.prefill.member_name,
                )
        self.query_one("#form-origin", Static).update(literal(text))

    # -- reading and filling ----------------------------------------------------------------

    def state(self) -> dict[str, str]:
        """The form as text, field by field."""
        return self.query_one(IssueFields).state()

    def fill(self, values: dict[str, str]) -> None:
        """Put values into the form without counting them as typing."""
        self.query_one(IssueFields).fill(values)
        self._last = self.state()

    def _default_due(self, urgency: str) -> str:
        """The default due date for an urgency, as text."""
        return default_due(Urgency(urgency or Urgency.NORMAL.value), clock.today()).isoformat()

    def issue_input(self) -> tuple[IssueInput, dict[str, str]]:
        """The form as an IssueInput, with the reasons for text that is not a value."""
        from gridwalker.store.issues import IssueInput

        state = self.state()
        values, problems = parse_form(state)
        data = IssueInput(
            category=state["category"],
            description=state["description"],
            urgency=state["urgency"] or Urgency.NORMAL.value,
            reporter_kind=state["reporter_kind"] or ReporterKind.RESIDENT.value,
            reporter_name=state["reporter_name"].strip() or None,
            people_affected=values["people_affected"],
            due_date=values["due_date"],
            place=state["place"],
            **self.start,
        )
        return data, problems

    # -- typing -----------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    def _changed(self, _event: object) -> None:
        if not self.ready or self.logging:
            return
        state = self.state()
        changed = {name for name in FIELDS if state[name] != self._last.get(name)}
        if not changed:
            return
        self.touched |= changed
        if "due_date" in changed:
            self.due_typed = bool(state["due_date"].strip())
        if "urgency" in changed and not self.due_typed:
            self.query_one("#due_date", Input).value = self._default_due(state["urgency"])
            state = self.state()
        self._last = state
        self.draft_soon()

    def after_pause(self) -> None:
        """Once typing pauses: check the form and keep it as a draft."""
        self._check()
        self.keep_draft()

    @property
    def draft_key(self) -> str:
        """issue:<the place's uuid>, or issue:new."""
        return self.key

    def form_state(self) -> dict[str, str]:
        return self.state()

    def draft_payload(self) -> dict[str, Any]:
        """The form as a draft payload."""
        return {
            "start": self.start,
            "form": self.state(),
            "due_typed": self.due_typed,
            "touched": sorted(self.touched),
        }

    def draft_title(self) -> str:
        """A draft's title: category and place."""
        state = self.state()
        category = label(IssueCategory(state["category"])) if state["category"] else _("Issue")
        place = state["place"].strip() or _("no place yet")
        return f"{category} · {place}"

    def _check(self) -> None:
        """Check the form against the store's rules in a worker."""
        from gridwalker.store import issues

        data, problems = self.issue_input()
        self.db_read(lambda conn: (issues.check_issue(conn, data), problems), IssueChecked)

    @on(IssueChecked)
    def _checked(self, message: IssueChecked) -> None:
        store_problems: dict[str, Invalid]
        form_problems: dict[str, str]
        store_problems, form_problems = message.result
        self.show_problems({**store_problems, **form_problems})

    def show_problems(self, problems: dict[str, Any], *, everything: bool = False) -> None:
        """Show each reason under its field (only touched fields unless `everything`)."""
        lang = language()
        by_field: dict[str, str] = {}
        for key, why in problems.items():
            field = "place" if key in PLACE_PROBLEMS else key
            text = why if isinstance(why, str) else why.text(lang)
            by_field[field] = f"{by_field[field]}；{text}" if field in by_field else text
        for name in FIELDS:
            shown = by_field.get(name, "") if everything or name in self.touched else ""
            self.show_reason(name, shown)

    # -- logging and leaving ----------------------------------------------------------------

    def action_log(self) -> None:
        """Log the issue (status reported); nothing is written when the form is invalid."""
        if not self.ready or self.logging:
            return
        from gridwalker.store import issues, rounds

        self.touched = set(FIELDS)
        data, problems = self.issue_input()
        if problems:
            self.show_problems(problems, everything=True)
            self._check()
            self._say(_("Not logged: correct the fields marked in red."), error=True)
            return
        member = self.gw.member
        member_uuid = member.uuid if member else None
        actor = member.name if member else "tui"
        key = self.key
        self.logging = True

        def log(conn: Connection) -> str:
            uuid = issues.log_issue(conn, data, actor=actor, member_uuid=member_uuid)
            rounds.delete_draft(conn, key)  # logged: the draft has done its job
            return uuid

        self.stop_drafting(lambda: self.db_write(log, IssueLogged, failed=self._log_refused))

    @on(IssueLogged)
    def _logged(self, message: IssueLogged) -> None:
        self.notify(
            _("Issue logged: {status}, due {due}.").format(
                status=label(IssueStatus.REPORTED),
                due=self.state()["due_date"] or self._default_due(self.state()["urgency"]),
            ),
            title=_("Logged"),
        )
        self.dismiss(message.result)

    def _log_refused(self, exc: BaseException) -> bool:
        from gridwalker.store.issues import IssueInputError

        self.logging = False
        self.drafting = True  # the form stays open: its changes are drafted again
        if isinstance(exc, IssueInputError):
            self.show_problems(exc.problems, everything=True)
            self._say(_("Not logged: correct the fields marked in red."), error=True)
            return True
        return False

    def _say(self, text: str, *, error: bool = False) -> None:
        """A line under the form."""
        status = self.query_one("#form-status", Static)
        status.update(literal(text))
        status.set_class(error, "-error")

    def action_leave(self) -> None:
        """Go back; with unsaved changes, ask whether to keep the draft."""
        if self.logging:
            return
        if not self.dirty:
            self.dismiss(None)
            return
        self.ask_to_leave(
            LeaveDialog(_("This issue is not logged yet.")), lambda _choice: self.dismiss(None)
        )
