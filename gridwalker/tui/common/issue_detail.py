"""One issue: every fact, its timeline, and exactly the workflow actions its status allows
(each asks for its note first)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Header, Input, Static

from gridwalker.domain import clock
from gridwalker.domain.choices import Role
from gridwalker.domain.i18n import _, label, language
from gridwalker.domain.workflow import IssueAction, requires_note
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.issue_rows import status_style, urgency_text
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.format import literal, local_time, pad
from gridwalker.tui.keys import N_, translate_bindings
from gridwalker.tui.navigation import navigator

if TYPE_CHECKING:
    from gridwalker.store.issues import IssueDetail

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
CSS_FILE = Path(__file__).with_name("issues.tcss")


class IssueLoaded(DbResult):
    """An issue's detail was read."""


class IssueMoved(DbResult):
    """A workflow action was taken: (the action, the status it led to)."""


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
            yield Static(literal(f"{label(self.action_taken)} · {self.subject}"), classes="title")
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
        yield KeysFooter()

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
        self.db_read(
            lambda conn: issues.issue_detail(conn, uuid), IssueLoaded, failed=self._detail_failed
        )

    @on(IssueLoaded)
    def _show(self, message: IssueLoaded) -> None:
        detail: IssueDetail = message.result
        self.detail = detail
        self.actions = detail.actions(self.role)
        self.query_one("#issue-head", Static).update(self._head(detail))
        self.query_one("#issue-facts", Static).update(self._facts(detail))
        self.query_one("#issue-description", Static).update(literal(detail.description))
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

    @property
    def shown_rev(self) -> str | None:
        """The issue's rev as shown: a transition is taken only from there."""
        return self.detail.rev or None if self.detail is not None else None

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
        rev = self.shown_rev
        self.db_write(
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
                    expect_rev=rev,
                ),
            ),
            IssueMoved,
            failed=self._transition_failed,
        )

    @on(IssueMoved)
    def _moved(self, message: IssueMoved) -> None:
        action, status = message.result
        self.notify(f"{label(action)} → {label(status)}", title=_("Done"))
        self.database_ready()

    def _transition_failed(self, exc: BaseException) -> bool:
        """A transition refused (by the workflow, or because the issue moved on elsewhere
        since it was shown): say why and show the issue as it is now."""
        from gridwalker.domain.workflow import TransitionError
        from gridwalker.store.issues import IssueNotFound
        from gridwalker.store.writes import StaleWrite

        if isinstance(exc, TransitionError | IssueNotFound | StaleWrite):
            self.notify(
                exc.invalid.text(language()), title=_("Not allowed"), severity="error", timeout=8
            )
            self.database_ready()
            return True
        return False

    def _detail_failed(self, exc: BaseException) -> bool:
        """An issue that is not there: say so in place of its head."""
        from gridwalker.store.issues import IssueNotFound

        if isinstance(exc, IssueNotFound):
            self.query_one("#issue-head", Static).update(literal(exc.invalid.text(language())))
            return True
        return False

    def action_open_place(self) -> None:
        """Open the household the issue belongs to."""
        if self.detail is not None and self.detail.household_uuid:
            navigator(self).open_household(self.detail.household_uuid)

    def on_screen_resume(self) -> None:
        """Back from the household: the issue may have moved on elsewhere."""
        if self.engine is not None and self.detail is not None:
            self.database_ready()

    def action_back(self) -> None:
        self.app.pop_screen()
