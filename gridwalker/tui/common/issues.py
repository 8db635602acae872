"""The issue log: a list paged from SQL with filters and counts per status, and the detail
of one issue with its timeline and exactly the workflow actions its status allows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from gridwalker.domain import clock
from gridwalker.domain.choices import IssueCategory, IssueStatus, Role, Urgency
from gridwalker.domain.i18n import _, label, language
from gridwalker.domain.workflow import IssueAction, requires_note
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.common.workers import DbScreen
from gridwalker.tui.format import cell, local_time, pad
from gridwalker.tui.keys import N_, translate_bindings
from gridwalker.tui.navigation import navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.issues import IssueDetail, IssueFilter, IssueRow

# One key per workflow action (the footer shows those the current status allows).
ACTION_KEYS: dict[IssueAction, str] = {
    IssueAction.SUBMIT: "p",
    IssueAction.ACCEPT: "a",
    IssueAction.DECLINE: "x",
    IssueAction.START: "s",
    IssueAction.RESOLVE: "r",
    IssueAction.RESOLVE_ON_SPOT: "o",
    IssueAction.VERIFY: "v",
    IssueAction.RETURN_: "t",
    IssueAction.CLOSE: "c",
    IssueAction.HOLD: "h",
    IssueAction.RESUME: "u",
}
FIGURES = {"issues": "open", "overdue": "overdue", "due_week": "due_this_week"}
OPEN_PICK = "open"  # the status picker's "open issues" entry
CSS_FILE = Path(__file__).with_name("issues.tcss")
ANY_PICK = "any"


def urgency_text(urgency: Urgency) -> Text:
    """An urgency label; urgent stands out."""
    style = "bold reverse red" if urgency is Urgency.URGENT else "dim"
    return Text(label(urgency), style=style)


def status_style(status: IssueStatus) -> str:
    """A colour for a status: live work yellow, done green, refused or closed dim."""
    if status in (IssueStatus.RESOLVED, IssueStatus.VERIFIED):
        return "green"
    if status in (IssueStatus.CLOSED, IssueStatus.DECLINED, IssueStatus.DRAFT):
        return "dim"
    if status is IssueStatus.ON_HOLD:
        return "magenta"
    return "yellow"


COLUMNS = ((2, ""), (10, N_("Category")), (8, N_("Status")), (8, N_("Urgency")), (10, N_("Due")))
COLUMNS_AFTER = ((10, N_("Reported")), (22, N_("Place")))


def column_titles() -> Text:
    """The titles above the list's columns."""
    text = Text(" ")
    for width, title in (*COLUMNS, *COLUMNS_AFTER):
        text.append_text(cell(_(title) if title else "", width, "bold"))
    text.append(_("Description"), style="bold")
    return text


def render_issue_row(row: IssueRow, width: int) -> Text:
    """One issue line: mark, category, status, urgency, due, reported, place, description."""
    base = "red" if row.overdue else ""
    text = Text(" ")
    text.append_text(cell("!" if row.overdue else "", 2, "bold red"))
    text.append_text(cell(label(row.category), 10, base or "bold"))
    text.append_text(cell(label(row.status), 8, base or status_style(row.status)))
    urgency = cell(label(row.urgency), 8)
    urgency.stylize(urgency_text(row.urgency).style, 0, cell_len(label(row.urgency)))
    text.append_text(urgency)
    text.append_text(cell(row.due_date.isoformat() if row.due_date else "—", 10, base or "bold"))
    text.append_text(cell(row.reported_on.isoformat(), 10, base))
    text.append_text(cell(row.place, 22, base))
    text.append(row.summary, style=base)
    return text


class PickerModal(ModalScreen[str | None]):
    """Choose one entry of a short list (Enter), or leave it as it is (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]
    DEFAULT_CSS = """
    PickerModal { align: center middle; }
    PickerModal > Vertical {
        width: 50; height: auto; max-height: 30; border: round $primary; padding: 1 2;
        background: $surface;
    }
    PickerModal .title { text-style: bold; margin-bottom: 1; }
    PickerModal OptionList { height: auto; max-height: 22; }
    """

    def __init__(self, title: str, options: list[tuple[Text | str, str]], current: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title
        self.options = options
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title")
            yield OptionList(*(Option(text, id=key) for text, key in self.options))

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        keys = [key for _text, key in self.options]
        listing.highlighted = keys.index(self.current) if self.current in keys else 0
        listing.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)


class NoteModal(ModalScreen[str | None]):
    """The note for one workflow action; declining and returning refuse an empty note."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]
    DEFAULT_CSS = """
    NoteModal { align: center middle; }
    NoteModal > Vertical {
        width: 72; height: auto; border: round $primary; padding: 1 2; background: $surface;
    }
    NoteModal .title { text-style: bold; }
    NoteModal #note-hint { color: $text-muted; margin-bottom: 1; }
    NoteModal #note-reason { color: $text-error; height: auto; }
    NoteModal Horizontal { height: auto; margin-top: 1; }
    NoteModal Button { margin-right: 2; }
    """

    def __init__(self, action: IssueAction, subject: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.action_taken = action
        self.subject = subject

    def compose(self) -> ComposeResult:
        required = requires_note(self.action_taken)
        with Vertical():
            yield Static(f"{label(self.action_taken)} · {self.subject}", classes="title")
            yield Static(
                _("A note is required: say why.")
                if required
                else _("Add a note (optional): what was done, what was found."),
                id="note-hint",
            )
            yield Input(placeholder=_("Note"), id="note")
            yield Static("", id="note-reason")
            with Horizontal():
                yield Button(label(self.action_taken), id="note-ok", variant="primary")
                yield Button(_("Cancel") + " (Esc)", id="note-cancel")

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    @on(Input.Submitted, "#note")
    def _submitted(self) -> None:
        self.confirm()

    @on(Button.Pressed, "#note-ok")
    def _ok(self) -> None:
        self.confirm()

    @on(Button.Pressed, "#note-cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def confirm(self) -> None:
        """Hand back the note, unless the action needs one and none was written."""
        note = self.query_one("#note", Input).value.strip()
        if requires_note(self.action_taken) and not note:
            self.query_one("#note-reason", Static).update(
                _("{action} needs a note that says why; write one or press Esc.").format(
                    action=label(self.action_taken)
                )
            )
            return
        self.dismiss(note)

    def action_cancel(self) -> None:
        """Close without acting."""
        self.dismiss(None)


@dataclass(frozen=True)
class ListSummary:
    """The header of the list: counts per status and the names behind the filter."""

    counts: dict[str, int]
    shown: int
    building_name: str | None


class IssueListScreen(DbScreen):
    """Issues paged from SQL, filtered and sorted by key; Enter opens one."""

    CSS_PATH = CSS_FILE  # absolute: the desk subclasses these screens in another folder
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("s", "pick_status", N_("Status")),
        Binding("o", "toggle_overdue", N_("Overdue only")),
        Binding("m", "toggle_mine", N_("Logged by me")),
        Binding("c", "pick_category", N_("Category")),
        Binding("b", "toggle_building", N_("This building")),
        Binding("d", "sort('due')", N_("By due date"), show=False),
        Binding("g", "sort('age')", N_("By age"), show=False),
        Binding("x", "clear", N_("Clear filters")),
        Binding("l", "log_issue", N_("Log an issue")),
    ]

    def __init__(self, flt: IssueFilter | None = None, sort: str = "due") -> None:
        super().__init__()
        self.flt = flt
        self.sort = sort if sort in ("due", "age") else "due"
        self.member_grid = False  # scope to the signed-in member's grid once known
        self.building_name: str | None = None

    @classmethod
    def for_figure(cls, key: str, grid_uuid: str | None = None) -> IssueListScreen:
        """The list behind a Today figure ("issues", "overdue", "due_week")."""
        from gridwalker.store.issues import today_filters

        screen = cls(today_filters(grid_uuid)[FIGURES[key]])
        screen.member_grid = grid_uuid is None
        return screen

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="issue-filter")
        yield Static("", id="issue-counts")
        yield Static(column_titles(), id="issue-columns")
        yield PagedList(
            render_issue_row, empty_text=_("No issue matches this filter."), id="issue-list"
        )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Issues")
        if self.engine is not None:
            self.database_ready()

    @property
    def scope(self) -> IssueFilter:
        """What `x` keeps: the grid, household or enterprise the list was opened for."""
        from gridwalker.store.issues import IssueFilter

        flt = self.flt or IssueFilter()
        return IssueFilter(
            grid_uuid=flt.grid_uuid,
            household_uuid=flt.household_uuid,
            enterprise_uuid=flt.enterprise_uuid,
        )

    def database_ready(self, cursor: int = 0) -> None:
        from gridwalker.store import issues

        if self.flt is None:  # opened from the palette or a menu: the work still to do
            self.flt = issues.IssueFilter(open_only=True)
            self.member_grid = True
        member = self.gw.member
        if self.member_grid and member is not None and member.grid_uuid:
            self.flt = replace(self.flt, grid_uuid=member.grid_uuid)
            self.member_grid = False
        if self.engine is None:
            return
        flt, sort = self.flt, self.sort
        self._summarise()
        self.query_one(PagedList).set_source(
            self.engine,
            lambda conn: issues.issue_count(conn, flt),
            lambda conn, offset, limit: issues.issue_page(conn, flt, sort, offset, limit),
            cursor=cursor,
        )
        self.query_one(PagedList).focus()

    def _summarise(self) -> None:
        from gridwalker.store import issues
        from gridwalker.store.tables import Building

        flt = self.flt
        assert flt is not None

        def read(conn: Connection) -> ListSummary:
            from sqlalchemy import select

            name = None
            if flt.building_uuid:
                name = conn.execute(
                    select(Building.name).where(Building.uuid == flt.building_uuid)
                ).scalar_one_or_none()
            return ListSummary(issues.status_counts(conn, flt), issues.issue_count(conn, flt), name)

        self.load("summary", read)

    def loaded_summary(self, summary: ListSummary) -> None:
        flt = self.flt
        assert flt is not None
        self.building_name = summary.building_name
        self.query_one("#issue-filter", Static).update(
            Text.assemble(
                (_("Showing: {filter}").format(filter=self.describe()), "bold"),
                "   ",
                _("{n} issues").format(n=summary.shown),
                "   ",
                (_("sorted by due date") if self.sort == "due" else _("newest first"), "dim"),
                "   ",
                ("d g: " + _("sort") + "   Enter: " + _("open"), "dim"),
            )
        )
        counts = Text()
        for status in IssueStatus:
            n = summary.counts.get(status.value, 0)
            chosen = flt.statuses is not None and status.value in flt.statuses
            style = "bold reverse" if chosen else ("" if n else "dim")
            counts.append(f"{label(status)} {n}", style=style)
            counts.append("  ")
        self.query_one("#issue-counts", Static).update(counts)

    def describe(self) -> str:
        """The filter in words."""
        flt = self.flt
        assert flt is not None
        parts: list[str] = []
        if flt.statuses:
            parts.append("、".join(label(IssueStatus(s)) for s in sorted(flt.statuses)))
        if flt.open_only:
            parts.append(_("open issues"))
        if flt.overdue:
            parts.append(_("overdue"))
        if flt.due_within_days is not None:
            parts.append(_("due within {days} days").format(days=flt.due_within_days))
        if flt.category:
            parts.append(label(IssueCategory(flt.category)))
        if flt.building_uuid:
            parts.append(self.building_name or _("one building"))
        if flt.mine:
            parts.append(_("logged by me"))
        if flt.household_uuid:
            parts.append(_("this household"))
        if flt.enterprise_uuid:
            parts.append(_("this enterprise"))
        return " · ".join(parts) or _("all issues")

    def on_screen_resume(self) -> None:
        """Back from the detail or the form: statuses and counts may have changed."""
        paged = self.query_one(PagedList)
        if self.engine is not None and self.flt is not None and paged.count is not None:
            paged.reload()
            self._summarise()

    def _refilter(self, flt: IssueFilter) -> None:
        """Show another filter, from the top."""
        self.flt = flt
        self.database_ready()

    @on(PagedList.Selected, "#issue-list")
    def _open(self, event: PagedList.Selected) -> None:
        self.gw.open_screen(IssueDetailScreen(event.row.uuid))

    def action_pick_status(self) -> None:
        """Choose a status (or all, or the open ones) from a short list."""
        from gridwalker.store import issues

        flt = self.flt
        if flt is None or self.engine is None:
            return
        self.load("status_pick", lambda conn: issues.status_counts(conn, flt))

    def loaded_status_pick(self, counts: dict[str, int]) -> None:
        flt = self.flt
        assert flt is not None
        open_n = sum(counts[s.value] for s in IssueStatus if s.is_open)
        options: list[tuple[Text | str, str]] = [
            (_("All statuses") + f"  {sum(counts.values())}", ANY_PICK),
            (_("Open issues") + f"  {open_n}", OPEN_PICK),
        ]
        width = max(cell_len(label(s)) for s in IssueStatus) + 2
        options += [(pad(label(s), width) + str(counts[s.value]), s.value) for s in IssueStatus]
        current = ANY_PICK
        if flt.open_only:
            current = OPEN_PICK
        elif flt.statuses and len(flt.statuses) == 1:
            current = next(iter(flt.statuses))
        self.app.push_screen(
            PickerModal(_("Show issues with status"), options, current), self._status
        )

    def _status(self, choice: str | None) -> None:
        """Apply the status chosen in the picker."""
        if choice is None or self.flt is None:
            return
        if choice == ANY_PICK:
            self._refilter(replace(self.flt, statuses=None, open_only=False))
        elif choice == OPEN_PICK:
            self._refilter(replace(self.flt, statuses=None, open_only=True))
        else:
            self._refilter(replace(self.flt, statuses=frozenset({choice}), open_only=False))

    def action_pick_category(self) -> None:
        """Choose a category from a short list."""
        if self.flt is None:
            return
        options: list[tuple[Text | str, str]] = [(_("All categories"), ANY_PICK)]
        options += [(label(c), c.value) for c in IssueCategory]
        current = self.flt.category or ANY_PICK
        self.app.push_screen(
            PickerModal(_("Show issues of category"), options, current), self._category
        )

    def _category(self, choice: str | None) -> None:
        """Apply the category chosen in the picker."""
        if choice is None or self.flt is None:
            return
        self._refilter(replace(self.flt, category=None if choice == ANY_PICK else choice))

    def action_toggle_overdue(self) -> None:
        """Only overdue issues, or all again."""
        if self.flt is not None:
            self._refilter(replace(self.flt, overdue=not self.flt.overdue))

    def action_toggle_mine(self) -> None:
        """Only the issues I logged, or everyone's again."""
        member = self.gw.member
        if self.flt is None or member is None:
            return
        self._refilter(replace(self.flt, mine=None if self.flt.mine else member.uuid))

    def action_toggle_building(self) -> None:
        """Only the issues of the current row's building, or every building again."""
        from gridwalker.store import issues

        if self.flt is None:
            return
        if self.flt.building_uuid:
            self._refilter(replace(self.flt, building_uuid=None))
            return
        row = self.query_one(PagedList).current
        if row is None:
            return
        uuid = row.uuid
        self.load("row_building", lambda conn: issues.issue_detail(conn, uuid))

    def loaded_row_building(self, detail: IssueDetail) -> None:
        if self.flt is None:
            return
        if not detail.building_uuid:
            self.notify(_("This issue is not in a building."))
            return
        self.building_name = detail.building_name
        self._refilter(replace(self.flt, building_uuid=detail.building_uuid))

    def action_sort(self, sort: str) -> None:
        """Sort by due date (soonest first) or by age (newest first)."""
        self.sort = sort
        self.database_ready()

    def action_clear(self) -> None:
        """Drop every filter but the list's scope."""
        self._refilter(self.scope)

    def action_log_issue(self) -> None:
        """Log a new issue, started from the household, enterprise or building in view."""
        flt = self.flt
        start: dict[str, str] = {}
        if flt is not None:
            if flt.household_uuid:
                start["household_uuid"] = flt.household_uuid
            elif flt.enterprise_uuid:
                start["enterprise_uuid"] = flt.enterprise_uuid
            elif flt.building_uuid:
                start["building_uuid"] = flt.building_uuid
        navigator(self).log_issue(**start)

    def action_back(self) -> None:
        self.app.pop_screen()


class IssueDetailScreen(DbScreen):
    """One issue: every fact, its timeline, and the actions its status allows."""

    CSS_PATH = CSS_FILE  # absolute: the desk subclasses these screens in another folder
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("enter", "open_place", N_("Open household")),
        Binding("p", "act('submit')", N_("Submit")),
        Binding("a", "act('accept')", N_("Accept")),
        Binding("x", "act('decline')", N_("Decline")),
        Binding("s", "act('start')", N_("Start work")),
        Binding("r", "act('resolve')", N_("Resolve")),
        Binding("o", "act('resolve_on_spot')", N_("Resolve on the spot")),
        Binding("v", "act('verify')", N_("Verify")),
        Binding("t", "act('return')", N_("Return")),
        Binding("c", "act('close')", N_("Close")),
        Binding("h", "act('hold')", N_("Put on hold")),
        Binding("u", "act('resume')", N_("Resume")),
    ]

    def __init__(self, uuid: str) -> None:
        super().__init__()
        self.uuid = uuid
        self.detail: IssueDetail | None = None
        self.actions: list[IssueAction] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with VerticalScroll(id="issue-detail"):
            yield Static(_("Loading…"), id="issue-head")
            yield Static("", id="issue-facts")
            yield Static("", id="issue-description")
            yield Horizontal(id="issue-actions")
            yield Static(_("Timeline"), id="issue-timeline-title")
            yield Static("", id="issue-timeline")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Issue")
        if self.engine is not None:
            self.database_ready()

    @property
    def role(self) -> Role:
        """The signed-in role: a member on the laptop unless the app says otherwise."""
        return Role(getattr(self.gw, "role", None) or Role.MEMBER)

    def database_ready(self) -> None:
        from gridwalker.store import issues

        uuid = self.uuid
        self.load("detail", lambda conn: issues.issue_detail(conn, uuid))

    def loaded_detail(self, detail: IssueDetail) -> None:
        self.detail = detail
        self.actions = detail.actions(self.role)
        self.query_one("#issue-head", Static).update(self._head(detail))
        self.query_one("#issue-facts", Static).update(self._facts(detail))
        self.query_one("#issue-description", Static).update(detail.description)
        self.query_one("#issue-timeline", Static).update(self._timeline(detail))
        bar = self.query_one("#issue-actions", Horizontal)
        bar.remove_children()
        bar.mount_all(
            Button(
                f"{label(action)} ({ACTION_KEYS[action]})",
                name=f"act-{action.value}",
                variant="error" if requires_note(action) else "primary",
            )
            for action in self.actions
        )
        if detail.household_uuid:
            bar.mount(Button(_("Open household") + " (Enter)", name="open-household"))
        self.refresh_bindings()

    def _head(self, d: IssueDetail) -> Text:
        """Category, status, urgency and the overdue mark in one line."""
        text = Text.assemble(
            (label(d.category), "bold"),
            "  ",
            (label(d.status), "bold " + status_style(d.status)),
            "  ",
        )
        text.append_text(urgency_text(d.urgency))
        if d.overdue:
            text.append("  ")
            text.append("! " + _("Overdue"), style="bold reverse red")
        text.append(f"   #{d.uuid[:8]}", style="dim")
        return text

    def _facts(self, d: IssueDetail) -> Text:
        """Every fact of the issue as label-value lines."""
        status = label(d.status)
        if d.held_from is not None:
            status += " " + _("(held from {status})").format(status=label(d.held_from))
        due = d.due_date.isoformat() if d.due_date else "—"
        if d.overdue and d.due_date is not None:
            days = (clock.today() - d.due_date).days
            due += "  " + _("overdue by {days} days").format(days=days)
        reporter = label(d.reporter_kind)
        if d.reporter_name:
            reporter += f" · {d.reporter_name}"
        grid = " ".join(p for p in (d.community_name, d.grid_name, d.grid_code) if p)
        rows = [
            (_("Status"), status, ""),
            (_("Due date"), due, "bold red" if d.overdue else ""),
            (
                _("Reported on"),
                _("{day} ({days} days ago)").format(day=d.reported_on, days=d.age_days),
                "",
            ),
            (_("Place"), d.place or "—", "bold"),
            (_("Household"), d.household_address or "—", ""),
            (_("Enterprise"), d.enterprise_name or "—", ""),
            (_("Building"), d.building_name or "—", ""),
            (_("Grid"), grid or "—", ""),
            (_("Reported by"), reporter, ""),
            (
                _("People affected"),
                str(d.people_affected) if d.people_affected is not None else "—",
                "",
            ),
            (_("Logged by"), d.logged_by_name or "—", ""),
        ]
        width = max(cell_len(name) for name, _v, _s in rows) + 2
        text = Text()
        for i, (name, value, style) in enumerate(rows):
            if i:
                text.append("\n")
            text.append(pad(name, width), style="dim")
            text.append(value, style=style)
        return text

    def _timeline(self, d: IssueDetail) -> Text:
        """Every event: when (local time), who, the action, from → to, and the note."""
        text = Text()
        for i, ev in enumerate(d.timeline):
            if i:
                text.append("\n")
            text.append(local_time(ev.at) + "  ", style="dim")
            text.append(pad(ev.who, 8, gap=1))
            text.append(pad(label(ev.action), 12, gap=1), style="bold")
            moves = (label(ev.from_status) + " → " if ev.from_status else "") + label(ev.to_status)
            text.append(moves, style=status_style(ev.to_status))
            if ev.note:
                text.append("\n" + " " * 18 + "“" + ev.note + "”", style="italic")
        if not d.timeline:
            text.append(_("No events yet (a draft)."), style="dim")
        return text

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only the workflow actions allowed now, and Enter only with a household."""
        if action == "act":
            return bool(parameters) and IssueAction(str(parameters[0])) in self.actions
        if action == "open_place":
            return self.detail is not None and bool(self.detail.household_uuid)
        return True

    @on(Button.Pressed, "#issue-actions Button")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        name = str(event.button.name)
        if name == "open-household":
            self.action_open_place()
        elif name.startswith("act-"):
            self.action_act(name.removeprefix("act-"))

    def action_act(self, code: str) -> None:
        """Ask for the note of an allowed action, then take it."""
        action = IssueAction(code)
        if self.detail is None or action not in self.actions:
            return
        subject = f"{label(self.detail.category)} · {self.detail.place}"
        self.app.push_screen(NoteModal(action, subject), lambda note: self._take(action, note))

    def _take(self, action: IssueAction, note: str | None) -> None:
        """Run the transition in a worker (the store refuses what the workflow does not allow)."""
        from gridwalker.store import issues

        if note is None:
            return
        uuid, role, member = self.uuid, self.role, self.gw.member
        actor = member.name if member else "tui"
        member_uuid = member.uuid if member else None
        self.save(
            "transition",
            lambda conn: (
                action,
                issues.transition(
                    conn,
                    uuid,
                    action,
                    role=role,
                    actor=actor,
                    note=note,
                    member_uuid=member_uuid,
                ),
            ),
        )

    def saved_transition(self, result: tuple[IssueAction, IssueStatus]) -> None:
        action, status = result
        self.notify(f"{label(action)} → {label(status)}", title=_("Done"))
        self.database_ready()

    def failed_transition(self, exc: BaseException) -> bool:
        from gridwalker.domain.workflow import TransitionError
        from gridwalker.store.issues import IssueNotFound

        if isinstance(exc, TransitionError | IssueNotFound):
            self.notify(
                exc.invalid.text(language()), title=_("Not allowed"), severity="error", timeout=8
            )
            self.database_ready()
            return True
        return False

    def failed_detail(self, exc: BaseException) -> bool:
        from gridwalker.store.issues import IssueNotFound

        if isinstance(exc, IssueNotFound):
            self.query_one("#issue-head", Static).update(exc.invalid.text(language()))
            return True
        return False

    def action_open_place(self) -> None:
        """Open the household the issue belongs to."""
        if self.detail is not None and self.detail.household_uuid:
            self.gw.open_household(self.detail.household_uuid)

    def on_screen_resume(self) -> None:
        """Back from the household: the issue may have moved on elsewhere."""
        if self.engine is not None and self.detail is not None:
            self.database_ready()

    def action_back(self) -> None:
        self.app.pop_screen()
