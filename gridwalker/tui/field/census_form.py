"""The census form of one enterprise: last year's answers prefilled, the credit code checked as
you type (with a link to an enterprise that already has it), rule flags shown live but never
blocking, kept as a draft until saved (ctrl+s) or discarded."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Footer, Header, Input, Label, Select, Static

from gridwalker.domain import clock
from gridwalker.domain.choices import (
    Choice,
    Industry,
    OperatingStatus,
    Ownership,
    PartyOrgKind,
    PartyOrgStatus,
    Scale,
)
from gridwalker.domain.i18n import _, language
from gridwalker.domain.validators import check_uscc, normalize_uscc
from gridwalker.tui.common.dialogs import LeaveDialog
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.field.census_progress import next_to_census, tower_row
from gridwalker.tui.field.census_words import flags_text
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.domain.validators import Invalid
    from gridwalker.store.census import CensusForm, EnterpriseRef

TEXT_FIELDS = (
    "uscc",
    "name",
    "employees",
    "contact_name",
    "contact_phone",
    "party_members",
    "floor",
    "room",
)
SELECT_FIELDS: dict[str, type[Choice]] = {
    "industry": Industry,
    "ownership": Ownership,
    "scale": Scale,
    "operating_status": OperatingStatus,
    "party_org_status": PartyOrgStatus,
    "party_org_kind": PartyOrgKind,
}
CHECK_FIELDS = ("instructor_assigned", "has_union", "has_youth_league")
FIELDS = (*TEXT_FIELDS, *SELECT_FIELDS, *CHECK_FIELDS)

FieldState = dict[str, str | bool]


class CensusPrefilled(DbResult):
    """Last year's answers, the enterprise, its tower's name and a waiting draft were read."""


class DuplicateLookedUp(DbResult):
    """The credit code looked up, and the enterprise already recorded with it (or None)."""


class CensusChecked(DbResult):
    """The store's reasons against the whole form."""


class CensusDraftWritten(DbResult):
    """The census form's draft was written (or dropped, the form being as it opened)."""


class CensusSaved(DbResult):
    """This year's census was saved (enterprise, record, next enterprise to census)."""


class DuplicateDraftDropped(DbResult):
    """The would-be duplicate's draft is gone."""


class CensusFormLeft(DbResult):
    """The draft was kept or discarded on leaving: the form can close."""


def draft_key(enterprise_uuid: str | None, tower_uuid: str) -> str:
    """The draft key of a census form: census:<enterprise> or census:new:<tower>."""
    return f"census:{enterprise_uuid}" if enterprise_uuid else f"census:new:{tower_uuid}"


def form_state(form: CensusForm) -> FieldState:
    """A census form as the widgets' values: text, a code ("" for none) or a tick."""
    out: FieldState = {}
    for name in TEXT_FIELDS:
        value = getattr(form, name)
        out[name] = "" if value is None else str(value)
    for name in SELECT_FIELDS:
        out[name] = str(getattr(form, name) or "")
    for name in CHECK_FIELDS:
        out[name] = bool(getattr(form, name))
    return out


def choice_options(choice: type[Choice]) -> list[tuple[str, str]]:
    """A value list as Select options; industries show their GB/T 4754 letter."""
    lang = language()
    if choice is Industry:
        return [(f"{c.value} {c.label(lang)}", c.value) for c in choice]
    return [(c.label(lang), c.value) for c in choice]


class CensusFormScreen(DbScreen):
    """This year's census of one enterprise (None: a new enterprise found in the tower)."""

    CSS_PATH = "census_form.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", N_("Save the census"), priority=True),
        Binding("ctrl+o", "open_duplicate", N_("Open the recorded enterprise"), priority=True),
        Binding("n", "next", N_("Next not censused")),
        Binding("escape", "leave", N_("Back")),
    ]
    PAUSE: ClassVar[float] = 0.4  # seconds of quiet typing before keeping a draft

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
        self.draft_payload = draft_payload
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
        self.duplicate: EnterpriseRef | None = None
        self.problems: dict[str, Invalid] = {}
        self.touched: set[str] = set()
        self._last: FieldState = {}
        self._baseline: FieldState = {}

    # -- building the form ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with VerticalScroll(id="census-form", can_focus=False):
            yield Static(Text(_("Loading…"), "dim"), id="form-origin")
            yield Static("", id="form-source")
            yield Static("", id="form-flags")
            with Horizontal(classes="row"):
                with Vertical(classes="cell wide"):
                    yield from self.text_field("uscc", _("Unified social credit code"), 18)
                    yield Static("", id="duplicate")
                with Vertical(classes="cell wide"):
                    yield from self.text_field("name", _("Enterprise name"))
            with Horizontal(classes="row"):
                with Vertical(classes="cell wide"):
                    yield from self.select_field("industry", _("Industry (GB/T 4754)"))
                with Vertical(classes="cell"):
                    yield from self.select_field("ownership", _("Ownership"))
                with Vertical(classes="cell"):
                    yield from self.select_field("scale", _("Scale"))
            with Horizontal(classes="row"):
                with Vertical(classes="cell"):
                    yield from self.text_field("employees", _("Employees"), number=True)
                with Vertical(classes="cell"):
                    yield from self.select_field("operating_status", _("Operating status"))
                with Vertical(classes="cell"):
                    yield from self.text_field("contact_name", _("Contact person"))
                with Vertical(classes="cell"):
                    yield from self.text_field("contact_phone", _("Contact phone"))
            with Horizontal(classes="row"):
                with Vertical(classes="cell"):
                    yield from self.select_field("party_org_status", _("Party organisation"))
                with Vertical(classes="cell"):
                    yield from self.select_field("party_org_kind", _("Kind of organisation"))
                with Vertical(classes="cell"):
                    yield from self.text_field("party_members", _("Party members"), number=True)
            with Horizontal(classes="row checks"):
                yield Checkbox(_("Party-work instructor assigned"), id="instructor_assigned")
                yield Checkbox(_("Union"), id="has_union")
                yield Checkbox(_("Youth league"), id="has_youth_league")
            with Horizontal(classes="row"):
                with Vertical(classes="cell"):
                    yield from self.text_field("floor", _("Floor"), number=True)
                with Vertical(classes="cell"):
                    yield from self.text_field("room", _("Room"))
                yield Vertical(classes="cell wide")
        yield Static("", id="form-status")
        yield Footer()

    @staticmethod
    def text_field(
        name: str, title: str, max_length: int = 0, *, number: bool = False
    ) -> ComposeResult:
        """A label, a text box and the place for its reason."""
        yield Label(title, classes="field-label")
        yield Input(id=name, type="integer" if number else "text", max_length=max_length)
        yield Static("", id=f"reason-{name}", classes="reason")

    @staticmethod
    def select_field(name: str, title: str) -> ComposeResult:
        """A label, a value list and the place for its reason."""
        yield Label(title, classes="field-label")
        yield Select(
            choice_options(SELECT_FIELDS[name]),
            prompt=_("Choose…"),
            allow_blank=name != "operating_status",
            value=OperatingStatus.NORMAL.value if name == "operating_status" else Select.NULL,
            id=name,
        )
        yield Static("", id=f"reason-{name}", classes="reason")

    def on_mount(self) -> None:
        self.sub_title = _("Census {year}").format(year=self.year)
        self._last = self._baseline = self.state()
        super().on_mount()

    def database_ready(self) -> None:
        from gridwalker.store import census, rounds

        ent, tower, key, year, given = (
            self.enterprise_uuid,
            self.tower_uuid,
            self.key,
            self.year,
            self.draft_payload,
        )

        def read(
            conn: Connection,
        ) -> tuple[CensusForm, EnterpriseRef | None, str, dict[str, Any] | None]:
            if ent is not None:
                form = census.census_prefill(conn, ent, year)
                ref = census.enterprise_ref(conn, ent)
                tower_name = ref.tower_name if ref else ""
            else:
                form, ref = census.CensusForm(), None
                row = tower_row(conn, tower)
                tower_name = row.name if row else ""
            if given is not None:
                return form, ref, tower_name, given
            draft = rounds.load_draft(conn, key)
            return form, ref, tower_name, draft.payload if draft else None

        self.db_read(read, CensusPrefilled)

    @on(CensusPrefilled)
    def _prefilled(self, message: CensusPrefilled) -> None:
        """Fill the form from last year's answers, then from a draft when there is one."""
        from gridwalker.store.census import CensusForm

        form: CensusForm
        payload: dict[str, Any] | None
        form, self.ref, self.tower_name, payload = message.result
        self.record_uuid, self.source_year = form.record_uuid, form.source_year
        self.fill(form_state(form))
        self._baseline = self.state()
        if payload:
            self.fill(form_state(CensusForm.from_dict(payload)))
            self.touched = {name for name in FIELDS if self.state()[name] != self._baseline[name]}
            if self.draft_payload is None:
                self.notify(_("Your draft of this census is back."), title=_("Draft restored"))
        self.ready = True
        self.show_origin()
        self.show_flags()
        self.check_uscc()
        self.query_one("#uscc", Input).focus()

    def show_origin(self) -> None:
        """Say which enterprise this is and which year's answers the form starts from."""
        origin = Text()
        if self.ref is not None:
            origin.append(self.ref.name, "bold")
            origin.append("  " + self.ref.place(language()), "dim")
            self.sub_title = _("Census {year}").format(year=self.year) + " · " + self.ref.name
        else:
            origin.append(_("New enterprise in {tower}").format(tower=self.tower_name), "bold")
        self.query_one("#form-origin", Static).update(origin)
        if self.record_uuid is not None:
            source = _("Editing the census of {year}.").format(year=self.year)
        elif self.source_year is not None:
            source = _(
                "Answers carried over from the {source} census: change only what is different."
            ).format(source=self.source_year)
        elif self.enterprise_uuid is not None:
            source = _("No earlier census of this enterprise: fill in every answer.")
        else:
            source = _("A new enterprise: fill in every answer.")
        self.query_one("#form-source", Static).update(Text(source, "italic"))

    # -- reading and filling ----------------------------------------------------------------

    def state(self) -> FieldState:
        """The form's widgets as values, field by field."""
        out: FieldState = {}
        for name in TEXT_FIELDS:
            out[name] = self.query_one(f"#{name}", Input).value
        for name in SELECT_FIELDS:
            value = self.query_one(f"#{name}", Select).value
            out[name] = "" if value is Select.NULL or value is None else str(value)
        for name in CHECK_FIELDS:
            out[name] = self.query_one(f"#{name}", Checkbox).value
        return out

    def fill(self, values: FieldState) -> None:
        """Put values into the widgets without counting them as typing."""
        for name, value in values.items():
            if name in TEXT_FIELDS:
                self.query_one(f"#{name}", Input).value = str(value)
            elif name in SELECT_FIELDS:
                select: Select[str] = self.query_one(f"#{name}", Select)
                codes = {c.value for c in SELECT_FIELDS[name]}
                if value and value in codes:
                    select.value = str(value)
                elif select._allow_blank:  # noqa: SLF001 - Textual keeps this private
                    select.clear()
            elif name in CHECK_FIELDS:
                self.query_one(f"#{name}", Checkbox).value = bool(value)
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
        self.run_worker(
            self._after_pause(), group="census-form-pause", exclusive=True, exit_on_error=False
        )

    async def _after_pause(self) -> None:
        """Once typing pauses: keep the form as a draft (and check it after a refused save)."""
        await asyncio.sleep(self.PAUSE)
        self.keep_draft()
        if self.checking:
            self.check_form()

    def check_uscc(self) -> None:
        """Check the credit code as typed; when valid, look for another enterprise with it."""
        from gridwalker.store import census

        code = normalize_uscc(str(self.state()["uscc"]))
        bad = check_uscc(code) if code else None
        if bad is None:
            self.problems.pop("uscc", None)
        else:
            self.problems["uscc"] = bad
        self.show_problems()
        self.show_duplicate(None)
        if code and bad is None:
            exclude = self.enterprise_uuid
            self.db_read(
                lambda conn: (code, census.find_by_uscc(conn, code, exclude_uuid=exclude)),
                DuplicateLookedUp,
            )

    @on(DuplicateLookedUp)
    def _duplicate_looked_up(self, message: DuplicateLookedUp) -> None:
        """Show the enterprise already recorded with the code (when it is still the code typed)."""
        code: str
        other: EnterpriseRef | None
        code, other = message.result
        if normalize_uscc(str(self.state()["uscc"])) == code:
            self.show_duplicate(other)

    def show_duplicate(self, other: EnterpriseRef | None) -> None:
        """Show (or hide) the enterprise that already has this credit code."""
        self.duplicate = other
        box = self.query_one("#duplicate", Static)
        if other is None:
            box.update("")
        else:
            box.update(
                Text.assemble(
                    (
                        _("Already recorded as: {name}, {place}").format(
                            name=other.name, place=other.place(language())
                        ),
                        "bold",
                    ),
                    ("  Ctrl+O " + _("open that record"), "dim"),
                )
            )
        box.set_class(other is not None, "-shown")
        self.refresh_bindings()

    def show_flags(self) -> None:
        """The rule flags of the answers as they stand: warnings that never block saving."""
        flags = self.census_form().flags()
        box = self.query_one("#form-flags", Static)
        if flags:
            box.update(
                Text.assemble(
                    (flags_text(flags), "bold"),
                    ("  " + _("(a reminder: saving is not blocked)"), "italic"),
                )
            )
        else:
            box.update("")
        box.set_class(bool(flags), "-shown")

    def check_form(self) -> None:
        """Check the whole form against the store's rules in a worker."""
        from gridwalker.store import census

        form, ent = self.census_form(), self.enterprise_uuid
        self.db_read(
            lambda conn: census.validate_census(conn, form, enterprise_uuid=ent), CensusChecked
        )

    @on(CensusChecked)
    def _checked(self, message: CensusChecked) -> None:
        """Show the reasons the form cannot be saved yet."""
        self.problems = dict(message.result)
        self.show_problems()

    def show_problems(self) -> None:
        """Each reason under its field."""
        lang = language()
        for name in FIELDS:
            if name in CHECK_FIELDS:
                continue
            why = self.problems.get(name)
            reason = self.query_one(f"#reason-{name}", Static)
            reason.update(why.text(lang) if why else "")
            reason.set_class(why is not None, "-shown")

    # -- drafts -----------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """Whether the form differs from how it was opened (or last saved)."""
        return self.ready and self.state() != self._baseline

    def payload(self) -> dict[str, Any]:
        """The form as a draft payload (`CensusForm.to_dict`, plus where it belongs)."""
        return {
            **self.census_form().to_dict(),
            "enterprise_uuid": self.enterprise_uuid,
            "tower_uuid": self.tower_uuid,
        }

    def draft_title(self) -> str:
        """A draft's title: the enterprise and its tower."""
        name = str(self.state()["name"]).strip() or _("New enterprise")
        return f"{_('Census')} · {name} · {self.tower_name}"

    def keep_draft(self) -> None:
        """Save the form as a draft (a local row, never synced); none when nothing changed."""
        if self.saving:
            return
        from gridwalker.store import rounds

        key = self.key
        if not self.dirty:
            self.db_write(lambda conn: rounds.delete_draft(conn, key), CensusDraftWritten)
            return
        title, payload = self.draft_title(), self.payload()
        self.db_write(
            lambda conn: rounds.save_draft(conn, key, "census", title, payload), CensusDraftWritten
        )

    # -- saving -----------------------------------------------------------------------------

    def action_save(self) -> None:
        """Save this year's census; nothing is written when the form is invalid."""
        if not self.ready or self.saving:
            return
        from gridwalker.store import census, rounds

        form, ent, tower, key, year = (
            self.census_form(),
            self.enterprise_uuid,
            self.tower_uuid,
            self.key,
            self.year,
        )
        member = self.gw.member
        member_uuid = member.uuid if member else None
        actor = member.name if member else "tui"
        self.saving = True
        self.workers.cancel_group(self, "census-form-pause")

        def write(conn: Connection) -> tuple[str, str, str | None]:
            saved, record = census.save_census(
                conn,
                form,
                year=year,
                actor=actor,
                member_uuid=member_uuid,
                enterprise_uuid=ent,
                tower_uuid=None if ent else tower,
            )
            rounds.delete_draft(conn, key)
            return saved, record, next_to_census(census.tower_floors(conn, tower), saved)

        self.say(_("Saving…"))
        self.db_write(write, CensusSaved, failed=self._census_refused)

    @on(CensusSaved)
    def _saved(self, message: CensusSaved) -> None:
        """Saved: offer the next enterprise not yet censused in the tower."""
        enterprise: str
        record: str
        enterprise, record, self.next_uuid = message.result
        self.saving = False
        self.saved = True
        self.checking = False
        self.enterprise_uuid, self.record_uuid = enterprise, record
        self.key = draft_key(enterprise, self.tower_uuid)
        self.touched = set()
        self.problems = {}
        self.show_problems()
        self._baseline = self._last = self.state()
        self.show_origin()
        words = _("Census {year} saved.").format(year=self.year)
        if self.next_uuid:
            hint = _("n: next enterprise not yet censused · Esc: back")
        else:
            hint = _("Every enterprise of this tower is censused this year. Esc: back")
        self.say(Text.assemble((words, "bold green"), "  ", hint))
        self.notify(words, title=_("Saved"))
        if self.on_saved is not None:
            self.on_saved(enterprise)
        self.set_focus(None)  # plain keys (n, Esc) now go to the screen
        self.refresh_bindings()

    def _census_refused(self, exc: BaseException) -> bool:
        """A refused form: every reason under its field, nothing written."""
        from gridwalker.store.census import CensusInputError

        self.saving = False
        if isinstance(exc, CensusInputError):
            self.problems = dict(exc.problems)
            self.checking = True
            self.show_problems()
            words = _("Not saved: correct the fields marked in red.")
            self.say(Text(words, "bold red"))
            self.notify(words, severity="error")
            first = next((name for name in FIELDS if name in self.problems), None)
            if first is not None:
                self.query_one(f"#{first}").focus()
            return True
        self.say("")
        return False

    def say(self, text: str | Text) -> None:
        """A line under the form."""
        self.query_one("#form-status", Static).update(text)

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
        from gridwalker.store import rounds

        self.workers.cancel_group(self, "census-form-pause")
        self.saving = True  # no draft of the would-be duplicate is kept from here on
        key = self.key
        self.db_write(lambda conn: rounds.delete_draft(conn, key), DuplicateDraftDropped)

    @on(DuplicateDraftDropped)
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
        self.app.push_screen(LeaveDialog(_("This census is not saved yet.")), self._left)

    def _left(self, choice: str | None) -> None:
        """Keep the draft, discard it, or stay."""
        from gridwalker.store import rounds

        if choice is None:
            return
        self.workers.cancel_group(self, "census-form-pause")
        key = self.key
        if choice == "keep":
            title, payload = self.draft_title(), self.payload()
            self.db_write(
                lambda conn: rounds.save_draft(conn, key, "census", title, payload),
                CensusFormLeft,
            )
        else:
            self.db_write(lambda conn: rounds.delete_draft(conn, key), CensusFormLeft)

    @on(CensusFormLeft)
    def _left_form(self) -> None:
        """The draft is kept (or gone): leave the form."""
        self.dismiss(self.enterprise_uuid)
