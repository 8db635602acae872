"""The census form's fields: credit code and name, the enterprise's answers, the party
organisation, where it is; read and filled as values field by field, and the form's words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Select, Static

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
from gridwalker.tui.field.census_words import flags_text
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from gridwalker.domain.census import CensusFlag
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
# Each field's words on the form (translated where shown).
LABELS = {
    "uscc": N_("Unified social credit code"),
    "name": N_("Enterprise name"),
    "industry": N_("Industry (GB/T 4754)"),
    "ownership": N_("Ownership"),
    "scale": N_("Scale"),
    "employees": N_("Employees"),
    "operating_status": N_("Operating status"),
    "contact_name": N_("Contact person"),
    "contact_phone": N_("Contact phone"),
    "party_org_status": N_("Party organisation"),
    "party_org_kind": N_("Kind of organisation"),
    "party_members": N_("Party members"),
    "instructor_assigned": N_("Party-work instructor assigned"),
    "has_union": N_("Union"),
    "has_youth_league": N_("Youth league"),
    "floor": N_("Floor"),
    "room": N_("Room"),
}

FieldState = dict[str, str | bool]


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


def text_field(
    name: str, title: str, max_length: int = 0, *, number: bool = False
) -> ComposeResult:
    """A label, a text box and the place for its reason."""
    yield Label(title, classes="field-label")
    yield Input(id=name, type="integer" if number else "text", max_length=max_length)
    yield Static("", id=f"reason-{name}", classes="reason")


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


class CensusFields(VerticalScroll):
    """Every answer of the census form, each with the line for its reason."""

    def compose(self) -> ComposeResult:
        yield Static(Text(_("Loading…"), "dim"), id="form-origin")
        yield Static("", id="form-source")
        yield Static("", id="form-flags")
        with Horizontal(classes="row"):
            with Vertical(classes="cell wide"):
                yield from text_field("uscc", _(LABELS["uscc"]), 18)
                yield Static("", id="duplicate")
            with Vertical(classes="cell wide"):
                yield from text_field("name", _(LABELS["name"]))
        with Horizontal(classes="row"):
            with Vertical(classes="cell wide"):
                yield from select_field("industry", _(LABELS["industry"]))
            with Vertical(classes="cell"):
                yield from select_field("ownership", _(LABELS["ownership"]))
            with Vertical(classes="cell"):
                yield from select_field("scale", _(LABELS["scale"]))
        with Horizontal(classes="row"):
            with Vertical(classes="cell"):
                yield from text_field("employees", _(LABELS["employees"]), number=True)
            with Vertical(classes="cell"):
                yield from select_field("operating_status", _(LABELS["operating_status"]))
            with Vertical(classes="cell"):
                yield from text_field("contact_name", _(LABELS["contact_name"]))
            with Vertical(classes="cell"):
                yield from text_field("contact_phone", _(LABELS["contact_phone"]))
        with Horizontal(classes="row"):
            with Vertical(classes="cell"):
                yield from select_field("party_org_status", _(LABELS["party_org_status"]))
            with Vertical(classes="cell"):
                yield from select_field("party_org_kind", _(LABELS["party_org_kind"]))
            with Vertical(classes="cell"):
                yield from text_field("party_members", _(LABELS["party_members"]), number=True)
        with Horizontal(classes="row checks"):
            yield Checkbox(_(LABELS["instructor_assigned"]), id="instructor_assigned")
            yield Checkbox(_(LABELS["has_union"]), id="has_union")
            yield Checkbox(_(LABELS["has_youth_league"]), id="has_youth_league")
        with Horizontal(classes="row"):
            with Vertical(classes="cell"):
                yield from text_field("floor", _(LABELS["floor"]), number=True)
            with Vertical(classes="cell"):
                yield from text_field("room", _(LABELS["room"]))
            yield Vertical(classes="cell wide")

    def state(self) -> FieldState:
        """The widgets as values, field by field."""
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
        """Put values into the widgets (a code no longer known leaves a list blank)."""
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


def origin_text(ref: EnterpriseRef | None, tower_name: str) -> Text:
    """Which enterprise the form is of (or that it is a new one in its tower)."""
    origin = Text()
    if ref is not None:
        origin.append(ref.name, "bold")
        origin.append("  " + ref.place(language()), "dim")
    else:
        origin.append(_("New enterprise in {tower}").format(tower=tower_name), "bold")
    return origin


def source_text(
    year: int, record_uuid: str | None, source_year: int | None, enterprise_uuid: str | None
) -> Text:
    """Which year's answers the form starts from."""
    if record_uuid is not None:
        source = _("Editing the census of {year}.").format(year=year)
    elif source_year is not None:
        source = _(
            "Answers carried over from the {source} census: change only what is different."
        ).format(source=source_year)
    elif enterprise_uuid is not None:
        source = _("No earlier census of this enterprise: fill in every answer.")
    else:
        source = _("A new enterprise: fill in every answer.")
    return Text(source, "italic")


def duplicate_text(other: EnterpriseRef) -> Text:
    """The enterprise already recorded with the credit code typed, and the key to open it."""
    return Text.assemble(
        (
            _("Already recorded as: {name}, {place}").format(
                name=other.name, place=other.place(language())
            ),
            "bold",
        ),
        ("  Ctrl+O " + _("open that record"), "dim"),
    )


def flags_reminder(flags: list[CensusFlag]) -> Text:
    """The rule flags of the answers, as a reminder that never blocks saving."""
    return Text.assemble(
        (flags_text(flags), "bold"),
        ("  " + _("(a reminder: saving is not blocked)"), "italic"),
    )


def text_after_saving(words: str, *, has_next: bool) -> Text:
    """A saved census, and the keys that go on: the next enterprise still to census, or back."""
    if has_next:
        hint = _("n: next enterprise not yet censused · Esc: back")
    else:
        hint = _("Every enterprise of this tower is censused this year. Esc: back")
    return Text.assemble((words, "bold green"), "  ", hint)
