"""The census form of one enterprise: last year's answers prefilled, the credit code checked as
you type (with a link to an enterprise that already has it), rule flags shown live but never
blocking, kept as a draft (a DraftingForm) until saved (ctrl+s) or discarded."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Checkbox, Header, Input, Select, Static

from gridwalker.domain import clock
from gridwalker.domain.choices import (
    PartyOrgStatus,
)
from gridwalker.domain.i18n import _
from gridwalker.tui.common.dialogs import LeaveDialog
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.field.census_checks import CensusChecks
from gridwalker.tui.field.census_fields import (
    FIELDS,
    SELECT_FIELDS,
    CensusFields,
    FieldState,
    form_state,
    origin_text,
    source_text,
    text_after_saving,
)
from gridwalker.tui.field.census_progress import next_to_census, tower_row
from gridwalker.tui.field.census_record import CensusBase, CensusRecord, base_of, expected_revs
from gridwalker.tui.forms import DraftingForm
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.census import CensusForm, EnterpriseRef


class CensusPrefilled(DbResult):
    """Last year's answers, the enterprise, its tower's name and a waiting draft were read."""


class CensusSaved(DbResult):
    """This year's census was saved (enterprise, record, next enterprise to census)."""


def draft_key(enterprise_uuid: str | None, tower_uuid: str) -> str:
    """The draft key of a census form: census:<enterprise> or census:new:<tower>."""
    return f"census:{enterprise_uuid}" if enterprise_uuid else f"census:new:{tower_uuid}"


def read_census_start(
    conn: Connection,
    enterprise_uuid: str | None,
    tower_uuid: str,
    year: int,
    draft: dict[str, Any] | str,
) -> tuple[CensusForm, EnterpriseRef | None, str, dict[str, Any] | None]:
    """What the form starts from: last year's answers, the enterprise, its tower's name, and
    the draft's payload (`draft` is the payload itself, or the key to read it by)."""
    from gridwalker.store import census, rounds

    if enterprise_uuid is not None:
        form = census.census_prefill(conn, enterprise_uuid, year)
        ref = census.enterprise_ref(conn, enterprise_uuid)
        tower_name = ref.tower_name if ref else ""
    else:
        form, ref = census.CensusForm(), None
        row = tower_row(conn, tower_uuid)
        tower_name = row.name if row else ""
    if not isinstance(draft, str):
        return form, ref, tower_name, draft
    stored = rounds.load_draft(conn, draft)
    return form, ref, tower_name, stored.payload if stored else None


def save_census(
    conn: Connection,
    form: CensusForm,
    year: int,
    who: tuple[str, str | None],
    enterprise_uuid: str | None,
    tower_uuid: str,
    draft_key: str,
    base: CensusBase | None = None,
) -> tuple[str, str, str | None, CensusForm]:
    """Save this year's census and drop its draft, in one transaction; the enterprise, the
    record, the next enterprise of the tower still to census, and the census as now stored
    (the form's new base). `base`: what the form was read at (StaleWrite when it moved on)."""
    from gridwalker.store import census, rounds

    actor, member_uuid = who
    saved, record = census.save_census(
        conn,
        form,
        year=year,
        actor=actor,
        member_uuid=member_uuid,
        enterprise_uuid=enterprise_uuid,
        tower_uuid=None if enterprise_uuid else tower_uuid,
        expect_revs=expected_revs(base) if enterprise_uuid else None,
    )
    rounds.delete_draft(conn, draft_key)
    following = next_to_census(census.tower_floors(conn, tower_uuid), saved)
    return saved, record, following, census.census_prefill(conn, saved, year)


class CensusFormScreen(CensusRecord, CensusChecks, DraftingForm, DbScreen):
    """This year's census of one enterprise (None: a new enterprise found in the tower)."""

    CSS_PATH = "census_form.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", N_("Save the census"), priority=True),
        Binding("ctrl+o", "open_duplicate", N_("Open the recorded enterprise"), priority=True),
        Binding("n", "next", N_("Next not censused")),
        Binding("escape", "leave", N_("Back")),
    ]
    DRAFT_KIND = "census"

    def __init__(
        self,
        enterprise_uuid: str | None,
        tower_uuid: str,
        draft_payload: dict[str, Any] | None = None,
        *,
        on_saved: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.enterprise_uuid = enterprise_uuid
        self.tower_uuid = tower_uuid
        self.taken_up = draft_payload  # a draft taken up from a list, restored as it is
        self.on_saved = on_saved
        self.key = draft_key(enterprise_uuid, tower_uuid)
        self.year = clock.today().year
        self.ref: EnterpriseRef | None = None
        self.tower_name = ""
        self.record_uuid: str | None = None
        self.source_year: int | None = None
        self.ready = False
        self.saving = False
        self.saved = False
        self.checking = False  # after a refused save, the whole form is checked as you type
        self.next_uuid: str | None = None
        self.touched: set[str] = set()
        self._last: FieldState = {}

    # -- building the form ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield CensusFields(id="census-form", can_focus=False)
        yield Static("", id="form-status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Census {year}").format(year=self.year)
        self._last = self.draft_baseline = self.state()
        super().on_mount()

    def database_ready(self) -> None:
        ent, tower, key, year = self.enterprise_uuid, self.tower_uuid, self.key, self.year
        given = self.taken_up
        self.db_read(
            lambda conn: read_census_start(conn, ent, tower, year, key if given is None else given),
            CensusPrefilled,
        )

    @on(CensusPrefilled)
    def _prefilled(self, message: CensusPrefilled) -> None:
        """Fill the form from last year's answers, then from a draft when there is one."""
        from gridwalker.store.census import CensusForm

        form: CensusForm
        payload: dict[str, Any] | None
        form, self.ref, self.tower_name, payload = message.result
        self.record_uuid, self.source_year = form.record_uuid, form.source_year
        self.fill(form_state(form))
        self.mark_clean()
        self.take_base(form, payload)
        if payload:
            self.fill(form_state(CensusForm.from_dict(payload)))
            baseline = self.draft_baseline
            self.touched = {name for name in FIELDS if self.state()[name] != baseline[name]}
            if self.taken_up is None:
                self.notify(_("Your draft of this census is back."), title=_("Draft restored"))
        self.ready = True
        self.show_origin()
        self.show_flags()
        self.check_uscc()
        self.query_one("#uscc", Input).focus()

    def show_origin(self) -> None:
        """Say which enterprise this is and which year's answers the form starts from."""
        if self.ref is not None:
            self.sub_title = _("Census {year}").format(year=self.year) + " · " + self.ref.name
        self.query_one("#form-origin", Static).update(origin_text(self.ref, self.tower_name))
        self.query_one("#form-source", Static).update(
            source_text(self.year, self.record_uuid, self.source_year, self.enterprise_uuid)
        )

    # -- reading and filling ----------------------------------------------------------------

    def state(self) -> FieldState:
        """The form's widgets as values, field by field."""
        return self.query_one(CensusFields).state()

    def fill(self, values: FieldState) -> None:
        """Put values into the widgets without counting them as typing."""
        self.query_one(CensusFields).fill(values)
        self._last = self.state()

    def census_form(self) -> CensusForm:
        """The form as the store's CensusForm."""
        from gridwalker.store.census import CensusForm

        state = self.state()
        values: dict[str, Any] = {}
        for name in FIELDS:
            value = state[name]
            values[name] = None if name in SELECT_FIELDS and not value else value
        return CensusForm(**values, record_uuid=self.record_uuid, source_year=self.source_year)

    # -- typing -----------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self, _event: object) -> None:
        if not self.ready:
            return
        state = self.state()
        changed = {name for name in FIELDS if state[name] != self._last.get(name)}
        if not changed:
            return
        self.touched |= changed
        if (
            "party_org_status" in changed
            and state["party_org_status"] == PartyOrgStatus.NONE.value
            and state["party_org_kind"]
        ):
            self.query_one("#party_org_kind", Select).clear()  # no organisation, no kind
            state = self.state()
        self._last = state
        if self.saved:
            self.saved = False
            self.say("")
            self.refresh_bindings()
        if "uscc" in changed:
            self.check_uscc()
        self.show_flags()
        self.draft_soon()

    def after_pause(self) -> None:
        """Once typing pauses: keep the form as a draft (and check it after a refused save)."""
        self.keep_draft()
        if self.checking:
            self.check_form()

    # -- drafts -----------------------------------------------------------------------------

    @property
    def draft_key(self) -> str:
        """census:<enterprise uuid>, or census:new:<tower uuid> before the first save."""
        return self.key

    def form_state(self) -> FieldState:
        return self.state()

    @property
    def dirty(self) -> bool:
        """Whether the form differs from how it was opened (or last saved)."""
        return self.ready and super().dirty

    def draft_payload(self) -> dict[str, Any]:
        """The form as a draft payload (`CensusForm.to_dict`, plus where it belongs)."""
        return {
            **self.census_form().to_dict(),
            "enterprise_uuid": self.enterprise_uuid,
            "tower_uuid": self.tower_uuid,
            **self.base_payload(),
        }

    def draft_title(self) -> str:
        """A draft's title: the enterprise and its tower."""
        name = str(self.state()["name"]).strip() or _("New enterprise")
        return f"{_('Census')} · {name} · {self.tower_name}"

    # -- saving -----------------------------------------------------------------------------

    def action_save(self) -> None:
        """Save this year's census; nothing is written when the form is invalid."""
        if not self.ready or self.saving:
            return
        form, ent, tower, key, year = (
            self.census_form(),
            self.enterprise_uuid,
            self.tower_uuid,
            self.key,
            self.year,
        )
        member = self.gw.member
        who = (member.name, member.uuid) if member else ("tui", None)
        self.saving = True
        base = self.base_rev

        def write(conn: Connection) -> tuple[str, str, str | None, CensusForm]:
            return save_census(conn, form, year, who, ent, tower, key, base)

        self.say(_("Saving…"))
        # The draft goes in the same transaction: no draft write may come after it.
        self.stop_drafting(lambda: self.db_write(write, CensusSaved, failed=self._census_refused))

    @on(CensusSaved)
    def _saved(self, message: CensusSaved) -> None:
        """Saved: offer the next enterprise not yet censused in the tower."""
        enterprise: str
        record: str
        stored: CensusForm
        enterprise, record, self.next_uuid, stored = message.result
        self.base_rev, self.base_state = base_of(stored), form_state(stored)
        self.saving = False
        self.drafting = True  # the form stays open for corrections, drafted again
        self.saved = True
        self.checking = False
        self.enterprise_uuid, self.record_uuid = enterprise, record
        self.key = draft_key(enterprise, self.tower_uuid)
        self.touched = set()
        self.problems = {}
        self.show_problems()
        self._last = self.state()
        self.mark_clean()
        self.show_origin()
        words = _("Census {year} saved.").format(year=self.year)
        self.say(text_after_saving(words, has_next=self.next_uuid is not None))
        self.notify(words, title=_("Saved"))
        if self.on_saved is not None:
            self.on_saved(enterprise)
        self.set_focus(None)  # plain keys (n, Esc) now go to the screen
        self.refresh_bindings()

    def _census_refused(self, exc: BaseException) -> bool:
        """A refused form: every reason under its field, nothing written."""
        from gridwalker.store.census import CensusInputError
        from gridwalker.store.writes import StaleWrite

        self.saving = False
        self.drafting = True  # the form stays open: its changes are drafted again
        if isinstance(exc, StaleWrite):
            self.stale_write(exc)
            return True
        if isinstance(exc, CensusInputError):
            self.problems = dict(exc.problems)
            self.checking = True
            self.show_problems()
            words = _("Not saved: correct the fields marked in red.")
            self.say(Text(words, "bold red"))
            self.notify(words, severity="error")
            self.focus_first(FIELDS, self.problems)
            return True
        self.say("")
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer `n` only after a save, ctrl+o only when the code is already recorded."""
        if action == "next":
            return self.saved and self.next_uuid is not None and not self.dirty
        if action == "open_duplicate":
            return self.duplicate is not None
        return True

    def action_next(self) -> None:
        """Replace the form with the next enterprise not yet censused in the tower."""
        if self.next_uuid is None or self.dirty:
            return
        self.app.switch_screen(
            CensusFormScreen(self.next_uuid, self.tower_uuid, on_saved=self.on_saved)
        )

    def action_open_duplicate(self) -> None:
        """Open the enterprise that already has this credit code, instead of a duplicate."""
        other = self.duplicate
        if other is None or self.saving:
            return
        self.saving = True  # no draft of the would-be duplicate is kept from here on
        self.discard_draft(self._open_recorded)

    def _open_recorded(self) -> None:
        """The would-be duplicate's draft is gone: show the recorded enterprise's form."""
        other = self.duplicate
        if other is not None:
            self.app.switch_screen(
                CensusFormScreen(other.uuid, other.tower_uuid, on_saved=self.on_saved)
            )

    # -- leaving ----------------------------------------------------------------------------

    def action_leave(self) -> None:
        """Go back; with unsaved changes, ask whether to keep the draft."""
        if self.saving:
            return
        if not self.dirty:
            self.dismiss(self.enterprise_uuid)
            return
        self.ask_to_leave(
            LeaveDialog(_("This census is not saved yet.")),
            lambda _choice: self.dismiss(self.enterprise_uuid),
        )
