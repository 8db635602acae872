"""The visit form's fields (outcome, who was seen, care checks, concerns, follow-up) and words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.strip import Strip
from textual.widgets import Input, Label, RadioButton, RadioSet, SelectionList, Static, TextArea

from gridwalker.domain import clock
from gridwalker.domain.choices import Relation, VisitOutcome, is_care_case
from gridwalker.domain.forms import VisitInput, check_visit
from gridwalker.domain.i18n import _, label
from gridwalker.tui.common.dialogs import Ask
from gridwalker.tui.format import care_labels, choice_label

if TYPE_CHECKING:
    from datetime import date

    from gridwalker.domain.validators import Invalid
    from gridwalker.store.rounds import HouseholdInfo, ResidentRow


def fill_residents_seen(
    listing: SelectionList[str], residents: list[ResidentRow], seen: list[str]
) -> None:
    """One option per resident living here (name, then relation), ticked when seen."""
    listing.clear_options()
    width = max((cell_len(r.name) for r in residents), default=0) + 2
    for r in residents:
        words = Text(r.name + " " * (width - cell_len(r.name)))
        words.append(choice_label(Relation, r.relation), style="dim")
        listing.add_option((words, r.uuid, r.uuid in seen))
    listing.border_subtitle = "" if residents else _("nobody on the roster: a adds a resident")


class SeenList(SelectionList[str]):
    """The residents seen: ☑ (green) when seen, ☐ (dim) when not; Space ticks the
    highlighted row, as in any selection list."""

    def render_line(self, y: int) -> Strip:
        """The selection list's line with its toggle drawn as a box that says its state."""
        line = super().render_line(y)
        index = self.scroll_offset.y + y
        if not 0 <= index < self.option_count:
            return line
        segments = list(line)
        if len(segments) < 4:
            return line
        base = segments[3].style or Style()
        seen = self.get_option_at_index(index).value in self.selected
        mark = Segment(
            "☑" if seen else "☐",
            base + Style(color="green" if seen else None, bold=seen, dim=not seen),
        )
        meta = Style(meta={"option": index})
        return Strip(
            [
                Segment(" ", base + meta),
                Segment(mark.text, (mark.style or Style()) + meta),
                Segment(" ", base + meta),
                *segments[3:],
            ],
            line.cell_length,
        )


class CareChecks(Vertical):
    """One line per care-tagged resident: who, their tags, and what the visit found."""

    def fill(self, residents: list[ResidentRow], checks: dict[str, str]) -> None:
        """A row for each care-tagged resident of `residents`, with the checks typed so far."""
        self.remove_children()
        tagged = [r for r in residents if is_care_case(r.care_tags)]
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
        self.mount_all(rows)
        self.display = bool(tagged)

    def values(self) -> dict[str, str]:
        """The checks typed, by resident uuid (empty ones left out)."""
        return {
            (field.id or "").removeprefix("care-"): field.value
            for field in self.query(Input)
            if field.value
        }


class VisitFields(VerticalScroll):
    """The visit form's fields, filled from `start` (a new visit, or a draft's)."""

    def __init__(self, start: VisitInput, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.start = start

    def compose(self) -> ComposeResult:
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
                seen = SeenList(id="residents_seen")
                seen.border_title = _("Residents seen")
                yield seen
                yield Static("", id="err-residents_seen", classes="field-error")
        yield Static(
            _("A request: after saving the visit, log an issue for this household."),
            id="request-hint",
        )
        care = CareChecks(id="care_checks")
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

    def fill_residents(
        self, residents: list[ResidentRow], seen: list[str], checks: dict[str, str]
    ) -> None:
        """The residents-seen list and one care-check field per care-tagged resident."""
        present = [r for r in residents if not r.moved_out]
        fill_residents_seen(self.query_one("#residents_seen", SelectionList), present, seen)
        self.query_one(CareChecks).fill(present, checks)

    def fill(self, data: VisitInput, residents: list[ResidentRow]) -> None:
        """Put a visit's values into the fields (a correction reloaded after a stale save)."""
        for button in self.query(RadioButton):
            button.value = button.id == f"outcome-{data.outcome}"
        self.fill_residents(residents, data.residents_seen, data.care_checks)
        self.query_one("#concerns", TextArea).text = data.concerns
        self.query_one("#follow_up", Input).value = data.follow_up

    def highlighted_resident(self, residents: list[ResidentRow]) -> ResidentRow | None:
        """The resident highlighted in the residents-seen list."""
        listing = self.query_one("#residents_seen", SelectionList)
        if listing.highlighted is None:
            return None
        uuid = listing.get_option_at_index(listing.highlighted).value
        return next((r for r in residents if r.uuid == uuid), None)

    def values(self) -> VisitInput:
        """The visit exactly as the fields show it."""
        pressed = self.query_one("#outcome", RadioSet).pressed_button
        outcome = (pressed.id or "").removeprefix("outcome-") if pressed else ""
        return VisitInput(
            outcome=outcome,
            residents_seen=list(self.query_one("#residents_seen", SelectionList).selected),
            care_checks=self.query_one(CareChecks).values(),
            concerns=self.query_one("#concerns", TextArea).text,
            follow_up=self.query_one("#follow_up", Input).value,
        )


def visit_problems(
    data: VisitInput, residents: list[ResidentRow], kept_follow_up: str = ""
) -> dict[str, Invalid]:
    """What is wrong with a visit of a household with `residents`, by field (as the store
    checks it). `kept_follow_up`: a correction's follow-up date as stored, which may be past."""
    present = {r.uuid for r in residents if not r.moved_out}
    tagged = {r.uuid for r in residents if is_care_case(r.care_tags) and not r.moved_out}
    everyone = {r.uuid for r in residents}
    problems = check_visit(data, clock.today(), everyone | present, tagged)
    late = problems.get("follow_up")
    kept = bool(kept_follow_up) and data.follow_up.strip() == kept_follow_up
    if late is not None and late.code == "visit.follow_up_past" and kept:
        del problems["follow_up"]
    return problems


def roster_changes_text(changes: list[dict[str, Any]]) -> Text:
    """The residents added or edited during the visit, one line each."""
    text = Text(_("Roster changes during this visit"), style="bold")
    text.append("  " + _("a: add a resident · e: edit the highlighted one"), style="dim")
    if not changes:
        text.append("\n" + _("none"), style="dim")
    for change in changes:
        words = _("added") if change.get("op") == "add" else _("edited")
        text.append(f"\n· {words} {change.get('name', '')}")
    return text


def visit_head(info: HouseholdInfo, *, restored: bool, day: date | None = None) -> Text:
    """The form's heading: the household, its head, the day of the visit (today for a new
    one), and that a draft came back."""
    text = Text(_("Visit"), style="bold")
    text.append("  " + info.address, style="bold")
    text.append("  ·  " + _("Head: {name}").format(name=info.head_name or _("none")))
    text.append("  ·  " + (day or clock.today()).isoformat())
    if restored:
        text.append("\n")
        text.append(_("Restored from the draft: go on where you left off."), style="yellow")
    return text


def banner_after_saving(*, request: bool) -> Text:
    """What a saved visit says, and the keys that walk on (logging the request first)."""
    return Text.assemble(
        ("✓ " + _("Visit saved."), "bold"),
        "   ",
        _("i: log an issue from this visit · n: next unvisited household · Esc: back")
        if request
        else _("n: next unvisited household · Esc: back"),
    )


def leave_dialog() -> Ask:
    """Leaving an unsaved visit: keep the draft, discard it, or stay."""
    return Ask(
        _("This visit is not saved yet."),
        [
            ("k", _("Keep the draft and leave"), "keep"),
            ("d", _("Discard the draft and leave"), "discard"),
            ("s", _("Stay"), None),
        ],
        _("Roster changes made during the visit are already saved."),
    )
