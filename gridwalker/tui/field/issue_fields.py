"""The issue form's fields, read and filled as text field by field."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, Static, TextArea

from gridwalker.domain.choices import IssueCategory, ReporterKind, Urgency
from gridwalker.domain.i18n import _, label

# Form order: reasons are shown, and the first bad field focused, in this order.
FIELDS = (
    "place",
    "category",
    "description",
    "people_affected",
    "reporter_kind",
    "reporter_name",
    "urgency",
    "due_date",
)


class IssueFields(VerticalScroll):
    """Where, what, how urgent and who reported it, each with the line for its reason."""

    def compose(self) -> ComposeResult:
        yield Static("", id="form-origin")
        yield Label(_("Place"), classes="field-label")
        yield Input(placeholder=_("Where is the problem?"), id="place")
        yield Static("", id="reason-place", classes="reason")
        yield Label(_("Category"), classes="field-label")
        yield Select(
            [(label(c), c.value) for c in IssueCategory],
            prompt=_("Choose a category"),
            id="category",
        )
        yield Static("", id="reason-category", classes="reason")
        yield Label(_("Description"), classes="field-label")
        yield TextArea(
            id="description", placeholder=_("What is the problem? Who is affected, since when?")
        )
        yield Static("", id="reason-description", classes="reason")
        with Horizontal(classes="row"):
            with Vertical(classes="cell"):
                yield Label(_("Urgency"), classes="field-label")
                yield Select(
                    [(label(u), u.value) for u in Urgency],
                    allow_blank=False,
                    value=Urgency.NORMAL.value,
                    id="urgency",
                )
                yield Static("", id="reason-urgency", classes="reason")
            with Vertical(classes="cell"):
                yield Label(_("Due date"), classes="field-label")
                yield Input(placeholder="YYYY-MM-DD", id="due_date")
                yield Static("", id="reason-due_date", classes="reason")
            with Vertical(classes="cell"):
                yield Label(_("People affected"), classes="field-label")
                yield Input(placeholder=_("optional"), type="integer", id="people_affected")
                yield Static("", id="reason-people_affected", classes="reason")
        with Horizontal(classes="row"):
            with Vertical(classes="cell"):
                yield Label(_("Reported by"), classes="field-label")
                yield Select(
                    [(label(k), k.value) for k in ReporterKind],
                    allow_blank=False,
                    value=ReporterKind.RESIDENT.value,
                    id="reporter_kind",
                )
                yield Static("", id="reason-reporter_kind", classes="reason")
            with Vertical(classes="cell wide"):
                yield Label(_("Reporter's name"), classes="field-label")
                yield Input(placeholder=_("optional"), id="reporter_name")
                yield Static("", id="reason-reporter_name", classes="reason")
        yield Static("", id="form-status")

    def state(self) -> dict[str, str]:
        """The fields as text, field by field."""
        out: dict[str, str] = {}
        for name in FIELDS:
            widget = self.query_one(f"#{name}")
            if isinstance(widget, Select):
                value = widget.value
                out[name] = "" if value is Select.NULL or value is None else str(value)
            elif isinstance(widget, TextArea):
                out[name] = widget.text
            elif isinstance(widget, Input):
                out[name] = widget.value
        return out

    def fill(self, values: dict[str, str]) -> None:
        """Put values into the fields (names not of the form are left out)."""
        for name, value in values.items():
            if name not in FIELDS:
                continue
            widget = self.query_one(f"#{name}")
            if isinstance(widget, Select):
                if value:
                    widget.value = value
                else:
                    widget.clear()
            elif isinstance(widget, TextArea):
                widget.load_text(value)
            elif isinstance(widget, Input):
                widget.value = value
