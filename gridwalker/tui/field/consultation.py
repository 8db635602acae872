"""The building consultations (意见征询) of the member's grid, and one of them: the live count
(participation and agreement by heads and by area against the thresholds, what is still
missing to pass), every room with its latest vote and cost share — rooms not yet asked first —
and Enter on a room to record the owner's opinion at the door."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from gridwalker.domain.consultation import area_text
from gridwalker.domain.i18n import _, language
from gridwalker.domain.masking import mask_name
from gridwalker.tui.common.consult_count import count_text, opinion_words
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.field.columns import line, widths
from gridwalker.tui.format import literal
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.consult.consultations import ConsultationInfo
    from gridwalker.store.consult.counting import Count
    from gridwalker.store.consult.register import RegisterRoom


class ConsultationsRead(DbResult):
    """The consultations of the grid were read."""


class ConsultationRead(DbResult):
    """One consultation's count and cost shares were read (a CountView)."""


@dataclass(frozen=True)
class CountView:
    """What the consultation screen shows, read in one worker."""

    found: Count
    shares: dict[str, Decimal]
    share_problem: str = ""


def read_count(conn: Connection, uuid: str) -> CountView:
    """A consultation's count and its cost shares (runs in a worker)."""
    from gridwalker.store.consult import ConsultProblem
    from gridwalker.store.consult.consultations import find_consultation
    from gridwalker.store.consult.counting import count, shares

    found = count(conn, find_consultation(conn, uuid))
    try:
        split = shares(found.consultation, found.rooms)
    except ConsultProblem as exc:
        return CountView(found, {}, str(exc))
    return CountView(found, split)


class ConsultationsScreen(DbScreen):
    """The consultations of the member's grid, newest first."""

    CSS_PATH = "consultation.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("enter", "open", N_("Open the consultation"), show=False),
        Binding("f5", "refresh", N_("Refresh")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[ConsultationInfo] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(Text(_("Loading…"), "dim"), id="consult-head")
        yield OptionList(id="consult-list")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Consultations")
        super().on_mount()

    def database_ready(self) -> None:
        from gridwalker.store.consult.consultations import list_consultations

        grid = self.gw.member.grid_uuid if self.gw.member else None

        def read(conn: Connection) -> list[ConsultationInfo]:
            return [c for c in list_consultations(conn) if grid is None or c.grid_uuid == grid]

        self.db_read(read, ConsultationsRead)

    @on(ConsultationsRead)
    def _show(self, message: ConsultationsRead) -> None:
        self.items = message.result
        head = Text(_("Building consultations of the grid"), "bold")
        head.append("   " + _("{n} consultations").format(n=len(self.items)), "dim")
        self.query_one("#consult-head", Static).update(head)
        rows = self.query_one("#consult-list", OptionList)
        rows.clear_options()
        if not self.items:
            rows.add_option(Option(Text(_("No consultations yet."), "dim"), disabled=True))
            rows.focus()
            return
        for c in self.items:
            text = Text.assemble((c.title, "bold"), "  ", (c.kind.label(language()), "cyan"))
            if c.matter is not None:
                text.append(" · " + c.matter.label(language()), "cyan")
            if c.closed:
                text.append("  " + c.status.label(language()), "bold magenta")
            text.append("\n" + c.scope + "  ", "dim")
            text.append(
                _("{rooms} rooms, {votes} votes").format(rooms=c.rooms, votes=c.votes), "dim"
            )
            rows.add_option(Option(text, id=c.uuid))
        rows.highlighted = 0
        rows.focus()

    def on_screen_resume(self) -> None:
        """Back from a consultation: its votes may have changed."""
        if self.engine is not None:
            self.database_ready()

    @on(OptionList.OptionSelected, "#consult-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            field_navigator(self).open_consultation(event.option.id)

    def action_open(self) -> None:
        rows = self.query_one("#consult-list", OptionList)
        if rows.highlighted is not None and self.items:
            field_navigator(self).open_consultation(self.items[rows.highlighted].uuid)

    def action_refresh(self) -> None:
        self.database_ready()

    def action_back(self) -> None:
        self.app.pop_screen()


class ConsultationScreen(DbScreen):
    """One consultation: the live count, the rooms (not yet asked first), the cost shares."""

    CSS_PATH = "consultation.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("v", "record", N_("Record the owner's opinion")),
        Binding("enter", "record", N_("Record the owner's opinion"), show=False),
        Binding("a", "add_owner", N_("Add room")),
        Binding("e", "edit_owner", N_("Edit room")),
        Binding("f5", "refresh", N_("Refresh")),
    ]

    def __init__(self, consultation_uuid: str) -> None:
        super().__init__()
        self.consultation_uuid = consultation_uuid
        self.view: CountView | None = None
        self.order: list[str] = []  # room uuids in the list's order

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(Text(_("Loading…"), "dim"), id="consult-title")
        yield Static("", id="consult-count")
        yield Static("", id="consult-headings", classes="headings")
        yield OptionList(id="consult-rooms")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Consultation")
        super().on_mount()

    def database_ready(self) -> None:
        uuid = self.consultation_uuid
        self.db_read(lambda conn: read_count(conn, uuid), ConsultationRead)

    @on(ConsultationRead)
    def _show(self, message: ConsultationRead) -> None:
        view: CountView = message.result
        self.view = view
        found, lang = view.found, language()
        c = found.consultation
        title = Text.assemble((c.title, "bold"), "  ", (c.kind.label(lang), "cyan"))
        if c.matter is not None:
            title.append(" · " + c.matter.label(lang), "cyan")
        if c.closed:
            title.append("  " + c.status.label(lang), "bold magenta")
        title.append("\n" + c.scope, "dim")
        self.query_one("#consult-title", Static).update(title)
        self.query_one("#consult-count", Static).update(count_text(found, view.share_problem))
        self._rooms(view)

    def _rooms(self, view: CountView) -> None:
        found, lang = view.found, language()
        rows = self.query_one("#consult-rooms", OptionList)
        keep = rows.highlighted
        rows.clear_options()
        asked = set(found.latest)
        rooms = sorted(found.rooms, key=lambda r: r.uuid in asked)  # stable: not asked first
        self.order = [r.uuid for r in rooms]
        heads = (_("Room"), _("Owner"), _("Area m²"), _("Share ¥"), _("Opinion"), _("How, when"))
        lines = []
        for room in rooms:
            vote = found.latest.get(room.uuid)
            opinion = opinion_words(found, vote)
            share = view.shares.get(room.uuid)
            lines.append(
                (
                    (f"{room.unit}-" if room.unit else "") + room.room,
                    _("Developer (unsold)") if room.unsold else mask_name(room.owner),
                    area_text(Decimal(room.area)),
                    "" if share is None else f"{share:,.2f}",
                    opinion,
                    f"{vote.way.label(lang)} {vote.voted_on.isoformat()}" if vote else "",
                )
            )
        sizes = widths([heads, *lines])
        self.query_one("#consult-headings", Static).update(line(heads, sizes, "bold"))
        for room, cols in zip(rooms, lines, strict=True):
            style = "" if room.uuid in asked else "yellow"
            rows.add_option(Option(literal(line(cols, sizes, style)), id=room.uuid))
        if rooms:
            rows.highlighted = min(keep or 0, len(rooms) - 1)
        rows.focus()

    def on_screen_resume(self) -> None:
        if self.engine is not None:
            self.database_ready()

    @on(OptionList.OptionSelected, "#consult-rooms")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self._record(event.option.id)

    def action_record(self) -> None:
        """Record the highlighted room's owner's opinion."""
        rows = self.query_one("#consult-rooms", OptionList)
        if rows.highlighted is not None and self.order:
            self._record(self.order[rows.highlighted])

    def _record(self, room_uuid: str) -> None:
        if self.view is None:
            return
        from gridwalker.tui.field.vote_form import VoteForm

        info = self.view.found.consultation
        if info.closed:
            self._closed_notice(info)
            return
        room = next(r for r in self.view.found.rooms if r.uuid == room_uuid)
        self.app.push_screen(VoteForm(self.view.found.consultation, room), self._recorded)

    def action_add_owner(self) -> None:
        """Type a room of the owner register by hand."""
        self._owner_form(None)

    def action_edit_owner(self) -> None:
        """Correct the highlighted room's owner and area."""
        rows = self.query_one("#consult-rooms", OptionList)
        if self.view is None or rows.highlighted is None or not self.order:
            return
        uuid = self.order[rows.highlighted]
        self._owner_form(next(r for r in self.view.found.rooms if r.uuid == uuid))

    def _owner_form(self, room: RegisterRoom | None) -> None:
        if self.view is None:
            return
        info = self.view.found.consultation
        if info.closed:
            self._closed_notice(info)
            return
        from gridwalker.tui.field.owner_form import OwnerForm

        self.app.push_screen(OwnerForm(info, room), self._owner_saved)

    def _owner_saved(self, saved: Any) -> None:
        if saved:
            self.notify(_("Owner register saved."))
            self.database_ready()

    def _recorded(self, saved: Any) -> None:
        if saved:
            self.notify(_("Opinion recorded."))
            self.database_ready()

    def _closed_notice(self, info: ConsultationInfo) -> None:
        """Closed at the hub: the result is fixed; say so rather than open a form to refuse."""
        when = info.closed_at.date().isoformat() if info.closed_at else "—"
        self.notify(
            _("Closed on {day} by {who}: the result is fixed, no more votes are taken.").format(
                day=when, who=info.closed_by or "—"
            ),
            title=_("Not recorded"),
            severity="warning",
            timeout=10,
        )

    def action_refresh(self) -> None:
        self.database_ready()

    def action_back(self) -> None:
        self.app.pop_screen()
