"""The resident form: add or edit one person of a household (a DraftingForm).

Every change is checked at once with `domain.forms.check_resident` (pure, on the UI thread):
each bad field shows its reason right under it, and the form is kept as a draft a pause
later. Ctrl+S writes only a valid form, in a worker; Escape with unsaved changes asks first.
The full ID and phone appear only in their edit fields.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Select, SelectionList, Static

from gridwalker.domain import clock
from gridwalker.domain.choices import CareTag, Relation, ResidenceType, Sex
from gridwalker.domain.forms import ResidentInput, check_resident
from gridwalker.domain.i18n import _, label, language
from gridwalker.domain.validators import Invalid
from gridwalker.tui.common.dialogs import Ask
from gridwalker.tui.common.workers import DbModal, DbResult
from gridwalker.tui.field.actor import actor_of
from gridwalker.tui.field.resident_record import RESIDENT_FIELDS, ResidentRecord, base_of
from gridwalker.tui.field.resident_rules import ResidentRules
from gridwalker.tui.format import literal
from gridwalker.tui.forms import DraftingForm
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.rounds import ResidentRow


class ResidentSaved(DbResult):
    """The resident was added or updated (the new resident's uuid when added)."""


def select_value(select: Select[str]) -> str:
    """A Select's code, or "" when nothing is chosen."""
    value = select.value
    return value if isinstance(value, str) else ""


class ResidentForm(ResidentRecord, ResidentRules, DraftingForm, DbModal):
    """Add a resident to a household, or edit one; dismisses with the saved uuid or None."""

    CSS_PATH = "resident.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", N_("Save")),
        Binding("escape", "cancel", N_("Cancel")),
        Binding("ctrl+t", "accept_tags", N_("Add suggested tags")),
    ]
    DRAFT_KIND = "resident"
    REASON_ID: ClassVar[str] = "err-{}"
    MARK_INVALID: ClassVar[bool] = True

    def __init__(
        self,
        household_uuid: str,
        resident: ResidentRow | None = None,
        *,
        draft_payload: dict[str, Any] | None = None,
    ) -> None:
        """A blank form for `household_uuid`, or `resident`'s values to edit; a draft's
        payload brings back exactly what was typed."""
        super().__init__()
        self.household_uuid = household_uuid
        draft = draft_payload or {}
        self.resident_uuid = resident.uuid if resident else draft.get("resident_uuid")
        self.initial = resident.as_input() if resident else ResidentInput()
        self.draft_baseline = self.initial  # a restored draft is dirty: it differs from this
        self.restored = ResidentInput(**draft["form"]) if "form" in draft else None
        self.base_rev, self.base_state = base_of(resident, draft)
        name = resident.name if resident else draft.get("name", "")
        self.title_text = (
            _("Edit resident {name}").format(name=name)
            if self.resident_uuid
            else _("Add a resident")
        )
        self.touched: set[str] = set()
        # An existing record is checked in full at once; a new one as its fields are filled.
        self.tried = self.resident_uuid is not None
        self.saving = False

    @property
    def draft_key(self) -> str:
        """Where this form's draft is kept (one per household and resident)."""
        return f"resident:{self.household_uuid}:{self.resident_uuid or 'new'}"

    def form_state(self) -> ResidentInput:
        return self.form_data()

    def draft_title(self) -> str:
        """The form's title and the name typed."""
        return f"{self.title_text} · {self.form_data().name}".rstrip(" ·")

    def draft_payload(self) -> dict[str, Any]:
        """What restoring the form needs: whose form it is, and every field as typed."""
        return {
            "household_uuid": self.household_uuid,
            "resident_uuid": self.resident_uuid,
            "name": self.form_data().name,
            "form": asdict(self.form_data()),
            **self.base_payload(),
        }

    def compose(self) -> ComposeResult:
        lang = language()
        data = self.restored or self.initial
        with Vertical(id="resident-panel"):
            yield Static(literal(self.title_text), id="resident-title")
            with Horizontal(id="resident-body"):
                with Vertical(id="resident-fields"):
                    yield from self._row(
                        "name",
                        _("Name"),
                        Input(data.name, placeholder=_("Full name"), compact=True),
                    )
                    yield from self._row(
                        "sex",
                        _("Sex"),
                        Select(
                            Sex.choices(lang),
                            prompt=_("Not given"),
                            value=data.sex or Select.NULL,
                            compact=True,
                        ),
                    )
                    yield from self._row(
                        "birth_date",
                        _("Birth date"),
                        Input(data.birth_date, placeholder="YYYY-MM-DD", compact=True),
                    )
                    yield from self._row(
                        "id_number",
                        _("ID number"),
                        Input(data.id_number, placeholder=_("18 characters"), compact=True),
                    )
                    yield from self._row(
                        "phone",
                        _("Phone"),
                        Input(data.phone, placeholder=_("mobile or 027-"), compact=True),
                    )
                    yield from self._row(
                        "relation",
                        _("Relation to head"),
                        Select(
                            Relation.choices(lang),
                            allow_blank=False,
                            value=data.relation,
                            compact=True,
                        ),
                    )
                    yield from self._row(
                        "residence_type",
                        _("Residence"),
                        Select(
                            ResidenceType.choices(lang),
                            allow_blank=False,
                            value=data.residence_type,
                            compact=True,
                        ),
                    )
                with Vertical(id="resident-tags"):
                    tags = SelectionList[str](
                        *((label(tag), tag.value, tag.value in data.care_tags) for tag in CareTag),
                        id="care_tags",
                        compact=True,
                    )
                    tags.border_title = _("Care tags")
                    yield tags
                    yield Static("", id="err-care_tags", classes="field-error")
                    yield Static("", id="tag-hints")
            yield Static("", id="resident-status")
            yield Static(
                _("Ctrl+S save · Esc cancel · Tab next field · Space ticks a care tag"),
                id="resident-hint",
            )

    def _row(self, name: str, words: str, widget: Widget) -> ComposeResult:
        """One labelled field and the line for its reason under it."""
        widget.id = name
        with Horizontal(classes="field-row"):
            yield Label(words, classes="field-label")
            yield widget
        yield Static("", id=f"err-{name}", classes="field-error")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        self.show_problems()
        self.show_hints()
        self.read_facts()

    # -- the form's values --------------------------------------------------------------------

    def form_data(self) -> ResidentInput:
        """The form as typed."""
        return ResidentInput(
            name=self.query_one("#name", Input).value,
            sex=select_value(self.query_one("#sex", Select)),
            birth_date=self.query_one("#birth_date", Input).value,
            id_number=self.query_one("#id_number", Input).value,
            phone=self.query_one("#phone", Input).value,
            relation=select_value(self.query_one("#relation", Select)),
            residence_type=select_value(self.query_one("#residence_type", Select)),
            care_tags=[tag.value for tag in CareTag if tag.value in self.selected_tags()],
        )

    def selected_tags(self) -> list[str]:
        """The ticked care tags."""
        return list(self.query_one("#care_tags", SelectionList).selected)

    def problems(self) -> dict[str, Invalid]:
        """What is wrong with the form now, by field."""
        data = self.form_data()
        return {**self.rule_problems(data), **check_resident(data, clock.today())}

    def show_problems(self) -> dict[str, Invalid]:
        """Put each reason under its field (fields not yet filled in stay quiet)."""
        problems = self.problems()
        lang = language()
        for name in RESIDENT_FIELDS:
            shown = problems.get(name) if (self.tried or name in self.touched) else None
            self.show_reason(name, shown.text(lang) if shown else None)
        return problems

    # -- reacting to changes ------------------------------------------------------------------

    def _changed(self, name: str) -> None:
        if getattr(self.initial, name) != getattr(self.form_data(), name):
            self.touched.add(name)
        if name == "id_number":
            self.fill_from_id()
        self.show_problems()
        self.show_hints()
        self.query_one("#resident-status", Static).update("")
        self.draft_soon()

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if event.input.id:
            self._changed(event.input.id)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if event.select.id:
            self._changed(event.select.id)

    @on(SelectionList.SelectedChanged)
    def _tags_changed(self) -> None:
        self._changed("care_tags")

    @on(Input.Submitted)
    def _next_field(self) -> None:
        """Enter in a text field moves on, as Tab does."""
        self.focus_next()

    # -- actions ------------------------------------------------------------------------------

    def action_save(self) -> None:
        """Write the resident when the form is valid; else point at the first bad field."""
        if self.saving or not self.drafting:
            return
        self.tried = True
        problems = self.show_problems()
        if problems:
            self.focus_first(RESIDENT_FIELDS, problems)
            self._say(_("Not saved: correct the marked fields first."))
            return
        if self.resident_uuid is not None and not self.dirty:
            self.dismiss(None)
            return
        from gridwalker.store import rounds

        data, actor = self.form_data(), actor_of(self.gw)
        household, resident, key = self.household_uuid, self.resident_uuid, self.draft_key
        base_rev = self.base_rev
        self.saving = True
        self._say(_("Saving…"), error=False)

        def write(conn: Connection) -> str | None:
            if resident is None:
                result = rounds.add_resident(conn, actor, household, data)
            else:
                result = rounds.update_resident(conn, actor, resident, data, expect_rev=base_rev)
            rounds.delete_draft(conn, key)  # saved: the draft has done its job
            return result

        # The draft goes in the same transaction: no draft write may come after it.
        self.stop_drafting(
            lambda: self.db_write(write, ResidentSaved, failed=self._resident_refused)
        )

    @on(ResidentSaved)
    def _saved(self, message: ResidentSaved) -> None:
        self.saving = False
        self.dismiss(self.resident_uuid or message.result)

    def _resident_refused(self, exc: BaseException) -> bool:
        """Refused by the store: show its reasons like the form's own."""
        from gridwalker.store.rounds import FormError
        from gridwalker.store.writes import StaleWrite

        self.saving = False
        self.drafting = True  # the form stays open: its changes are drafted again
        if isinstance(exc, StaleWrite):
            self.stale_write(exc)
            return True
        if not isinstance(exc, FormError):
            return False
        lang = language()
        for name, invalid in exc.problems.items():
            self.show_reason(name, invalid.text(lang))
        self._say(_("Not saved: correct the marked fields first."))
        return True

    def _say(self, message: str | Text, *, error: bool = True) -> None:
        status = self.query_one("#resident-status", Static)
        status.update(literal(message))
        status.set_class(error, "-error")

    def action_cancel(self) -> None:
        """Close; with unsaved changes, ask first."""
        if not self.dirty:
            self.dismiss(None)
            return
        self.ask_to_leave(
            Ask(
                _("Discard changes?"),
                [("y", _("Discard"), "discard"), ("n", _("Keep editing"), None)],
                _("What you typed in this form will be lost."),
            ),
            lambda _choice: self.dismiss(None),
        )
