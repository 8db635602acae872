"""The street's building consultations (意见征询) at the desk, counted across every member's
bundles, and one of them: the count (participation and agreement by heads and by area, passed
or what is still missing), every vote with who recorded it, and — for a supervisor — closing
it after a confirmation, which fixes the result and sends it to the grid's laptops in their
next hub bundle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from gridwalker.domain.addresses import natural_key
from gridwalker.domain.consultation import area_text
from gridwalker.domain.i18n import _, language
from gridwalker.domain.masking import mask_name
from gridwalker.tui.common.consult_count import (
    closing_text,
    count_text,
    opinion_words,
    ratio_words,
    result_words,
)
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.format import literal
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import desk_navigator

if TYPE_CHECKING:
    from gridwalker.domain.consultation import Share
    from gridwalker.store.consult.consultations import ConsultationInfo
    from gridwalker.store.consult.counting import Count
    from gridwalker.store.consult.votes import Vote
    from gridwalker.store.desk.consultations import DeskConsultation


class DeskConsultationsRead(DbResult):
    """The street's consultations and their counts were read (DeskConsultation list)."""


class DeskConsultationRead(DbResult):
    """One consultation's count and votes were read (a Count)."""


class ConsultationClosed(DbResult):
    """A supervisor closed a consultation (its fixed Count)."""


def kind_words(info: ConsultationInfo, *, short: bool = False) -> str:
    """Decision · major / Survey, in the UI language; `short` leaves out the article of the
    Civil Code the matter's label cites (a table cell)."""
    words = info.kind.label(language())
    if info.matter is not None:
        matter = info.matter.label(language())
        if short:
            matter = matter.split("（", 1)[0].split(" (", 1)[0]
        words += " · " + matter
    return words


def dates_words(info: ConsultationInfo) -> str:
    """Opens – closes ("—" for a date not set)."""
    opens = info.opens.isoformat() if info.opens else "—"
    closes = info.closes.isoformat() if info.closes else "—"
    return f"{opens} – {closes}"


def place_words(info: ConsultationInfo) -> str:
    """The scope without the street (the desk is the street's): 社区/网格/楼栋[/单元]."""
    return info.scope.split("/", 1)[-1]


def share_cell(share: Share) -> Text:
    """Heads and area of a share on two lines, each with its exact share as a percentage,
    green once its threshold is met."""
    style = "green" if share.met else ""
    return Text(
        _("{n} owners").format(n=share.owners)
        + f" {ratio_words(share.owners_ratio)}\n"
        + f"{area_text(share.area)} m² {ratio_words(share.area_ratio)}",
        style=style,
    )


class DeskConsultationsScreen(DbScreen):
    """The street's consultations, newest first, each with its count across all bundles."""

    CSS_PATH = "consultations.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("enter", "open", N_("Open the consultation"), show=False),
        Binding("f5", "refresh", N_("Refresh")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[DeskConsultation] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(Text(_("Loading…"), "dim"), id="consults-summary")
        yield DataTable(id="consults-table", cursor_type="row")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Consultations")
        table = self.query_one(DataTable)
        table.add_column(_("Consultation"), width=27)
        table.add_column(_("Kind, dates"), width=27)
        table.add_column(_("Took part"), width=16)
        table.add_column(_("Agree"), width=16)
        table.add_column(_("Result"), width=17)
        super().on_mount()

    def database_ready(self) -> None:
        from gridwalker.store.desk.consultations import street_consultations

        self.db_read(street_consultations, DeskConsultationsRead)

    @on(DeskConsultationsRead)
    def _show(self, message: DeskConsultationsRead) -> None:
        self.items = message.result
        closed = sum(d.found.consultation.closed for d in self.items)
        self.query_one("#consults-summary", Static).update(
            Text.assemble(
                (_("Building consultations of the street"), "bold"),
                "   ",
                (
                    _("{n} consultations, {closed} closed").format(n=len(self.items), closed=closed)
                    + "   Enter: "
                    + _("the count and the votes"),
                    "dim",
                ),
            )
        )
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for d in self.items:
            found, info = d.found, d.found.consultation
            t = found.tally
            result, style = result_words(found)
            title = Text(info.title, style="bold", no_wrap=True, overflow="ellipsis")
            if info.closed:
                title.append(" " + info.status.label(language()), "magenta")
            title.append("\n" + place_words(info), "dim")
            agree = share_cell(t.agree) if t.agree is not None else Text("—", "dim")
            table.add_row(
                title,
                Text(
                    kind_words(info, short=True) + "\n" + dates_words(info),
                    no_wrap=True,
                    overflow="ellipsis",
                ),
                share_cell(t.participation),
                agree,
                Text(result.replace(" / ", "\n"), style=style),
                key=info.uuid,
                height=2,
            )
        if self.items:
            table.move_cursor(row=min(cursor or 0, len(self.items) - 1))
        table.focus()

    @on(DataTable.RowSelected, "#consults-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        desk_navigator(self).open_consultation(str(event.row_key.value))

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if self.items and table.cursor_row is not None:
            row = min(max(table.cursor_row, 0), len(self.items) - 1)
            desk_navigator(self).open_consultation(self.items[row].found.consultation.uuid)

    def on_screen_resume(self) -> None:
        """Back from a consultation: it may have been closed."""
        if self.engine is not None:
            self.database_ready()

    def action_refresh(self) -> None:
        self.database_ready()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Back only when there is a screen to go back to."""
        if action == "back":
            return self.gw.can_go_back()
        return True

    def action_back(self) -> None:
        self.gw.go_back()


class DeskConsultationScreen(DbScreen):
    """One consultation at the desk: its count, its votes with who recorded each, closing."""

    CSS_PATH = "consultations.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("c", "close_consultation", N_("Close the consultation")),
        Binding("f5", "refresh", N_("Refresh")),
    ]

    def __init__(self, consultation_uuid: str) -> None:
        super().__init__()
        self.consultation_uuid = consultation_uuid
        self.found: Count | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(Text(_("Loading…"), "dim"), id="consult-title")
        yield Static("", id="consult-count")
        yield DataTable(id="consult-votes", cursor_type="row")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Consultation")
        table = self.query_one(DataTable)
        table.add_column(_("Room"), width=7)
        table.add_column(_("Owner"), width=8)
        table.add_column(_("Opinion"), width=14)  # a survey's option is longer
        table.add_column(_("How"), width=24)
        table.add_column(_("Date"), width=10)
        table.add_column(_("Recorded by"), width=11)
        table.add_column(_("In the count"), width=24)
        super().on_mount()

    def database_ready(self) -> None:
        from gridwalker.store.desk.consultations import consultation_count

        uuid = self.consultation_uuid
        self.db_read(lambda conn: consultation_count(conn, uuid), DeskConsultationRead)

    @on(DeskConsultationRead)
    def _show(self, message: DeskConsultationRead) -> None:
        self.found = found = message.result
        info = found.consultation
        title = Text(info.title, style="bold")
        title.append("  " + kind_words(info), "cyan")
        title.append("  " + info.status.label(language()), "magenta" if info.closed else "green")
        title.append("\n")
        title.append_text(Text(info.scope, style="dim"))
        title.append("   " + _("Opens – closes: {dates}").format(dates=dates_words(info)), "dim")
        self.query_one("#consult-title", Static).update(title)
        self.query_one("#consult-count", Static).update(count_text(found))
        self._votes(found)
        self.refresh_bindings()

    def _votes(self, found: Count) -> None:
        table = self.query_one(DataTable)
        table.clear()
        rooms = {r.uuid: r for r in found.rooms}
        counted = {v.uuid for v in found.latest.values()}
        late = {v.uuid for v in found.late}
        lang = language()

        # newest first (what came in last is what a supervisor looks for), a day's by room
        def newest_first(vote: Vote) -> tuple[Any, ...]:
            room = rooms.get(vote.room_uuid)
            place = (room.unit or 0, natural_key(room.room)) if room else (0, ())
            return (-vote.voted_on.toordinal(), place, -vote.recorded_at.timestamp(), vote.uuid)

        for vote in sorted([*found.history, *found.late], key=newest_first):
            room = rooms.get(vote.room_uuid)
            if vote.uuid in late:
                state = Text(_("after closing: not counted"), "yellow")
            elif vote.uuid in counted:
                state = Text(_("counted"), "green")
            else:
                state = Text(_("replaced by a later vote"), "dim")
            how = vote.way.label(lang)
            if vote.form_no:
                how += f" {vote.form_no}"
            if vote.proxy_name:
                how += f" {vote.proxy_name}"
            table.add_row(
                literal(((f"{room.unit}-" if room.unit else "") + room.room) if room else "?"),
                literal(
                    _("Developer (unsold)")
                    if room and room.unsold
                    else mask_name(room.owner if room else "")
                ),
                literal(opinion_words(found, vote)),
                literal(how),
                vote.voted_on.isoformat(),
                literal(vote.recorded_by or "—"),
                state,
                key=vote.uuid,
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Closing only while the consultation is open."""
        if action == "close_consultation":
            return self.found is not None and not self.found.consultation.closed
        return True

    def action_close_consultation(self) -> None:
        """Close the consultation after a confirmation: its result is fixed as it stands."""
        from gridwalker.tui.common.dialogs import ask_yes_no

        found = self.found
        if found is None or found.consultation.closed:
            return
        actor = str(getattr(self.app, "actor", "") or "desk")
        uuid = found.consultation.uuid
        result, _style = result_words(found)

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            from gridwalker.store.desk.consultations import close_consultation

            self.db_write(
                lambda conn: close_consultation(conn, actor, uuid),
                ConsultationClosed,
                failed=self._refused,
            )

        self.app.push_screen(
            ask_yes_no(
                _("Close “{title}”?").format(title=found.consultation.title),
                _("Close it"),
                _("Cancel"),
                _(
                    "The result is fixed as it stands now ({result}, {n} votes). Votes that "
                    "arrive later are kept but not counted; the grid's laptops show it closed "
                    "after their next hub bundle and take no more votes."
                ).format(result=result, n=len(found.history)),
            ),
            answered,
        )

    def _refused(self, error: BaseException) -> bool:
        from gridwalker.store.consult import ConsultProblem

        if isinstance(error, ConsultProblem):
            self.notify(error.in_language(language()), title=_("Not done"), severity="error")
            self.database_ready()
            return True
        return False

    @on(ConsultationClosed)
    def _closed(self, message: ConsultationClosed) -> None:
        found: Count = message.result
        self.notify(
            closing_text(found).plain.split("\n", 1)[0]
            + " "
            + _("It goes to the grid's laptops in their next hub bundle."),
            title=_("Done"),
        )
        self.database_ready()

    def action_refresh(self) -> None:
        self.database_ready()

    def action_back(self) -> None:
        self.app.pop_screen()
