"""Per member at the hub: visits per day (a sparkline), the last bundle, coverage, care
residents not seen and returned items; Enter shows the member's records in the queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from gridwalker.domain import clock
from gridwalker.domain.i18n import _
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.format import literal, local_time
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import desk_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.desk.members import MemberStats

SPARK = "▁▂▃▄▅▆▇█"


class StatsLoaded(DbResult):
    """Each member's figures were read."""


class MemberChanged(DbResult):
    """A member was moved or retired (what to say)."""


class GridsForMove(DbResult):
    """The grids a member can be moved to were read."""


def sparkline(values: list[int]) -> Text:
    """Visits per day as bars (▁ to █, scaled to the busiest day); a day without any is a dot."""
    top = max(values, default=0)
    text = Text()
    for n in values:
        if n <= 0 or top <= 0:
            text.append("·", style="dim")
        else:
            text.append(SPARK[min(len(SPARK) - 1, (n * len(SPARK) - 1) // top)], style="green")
    return text


def days_ago(days: int | None) -> str:
    """How long ago, in days, in words."""
    if days is None:
        return _("never")
    if days <= 0:
        return _("today")
    if days == 1:
        return _("yesterday")
    return _("{n} days ago").format(n=days)


class MembersScreen(DbScreen):
    """Per member: visits per day (a sparkline), last bundle, coverage, care, returned items."""

    CSS_PATH = "members.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("a", "add_member", N_("Add member")),
        Binding("m", "move_member", N_("Move to grid")),
        Binding("x", "retire_member", N_("Retire")),
        Binding("f5", "refresh", N_("Refresh"), show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.stats: list[MemberStats] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="members-summary")
        yield DataTable(id="members-table", cursor_type="row")
        yield KeysFooter()

    def on_mount(self) -> None:
        from gridwalker.store.desk.members import SPARK_DAYS

        self.sub_title = _("Grid members")
        table = self.query_one(DataTable)
        table.add_column(_("Member"), width=8)
        table.add_column(_("Grid"), width=9)
        table.add_column(_("Community"), width=8)
        table.add_column(_("Visits per day, last {n} days").format(n=SPARK_DAYS), width=28)
        table.add_column(_("Visits"), width=5)
        table.add_column(_("Last bundle"), width=16)
        table.add_column(_("Since"), width=8)
        table.add_column(_("Covered"), width=9)
        table.add_column(_("Care unseen"), width=6)
        table.add_column(_("Returned"), width=6)
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        from gridwalker.store.desk.members import member_stats

        self.db_read(member_stats, StatsLoaded)

    @on(StatsLoaded)
    def _show(self, message: StatsLoaded) -> None:
        stats: list[MemberStats] = message.result
        self.stats = stats
        self.query_one("#members-summary", Static).update(
            Text.assemble(
                (_("{n} members").format(n=len(stats)), "bold"),
                "   ",
                (
                    _("as of {day}").format(day=clock.today().isoformat())
                    + "   Enter: "
                    + _("their records in the queue"),
                    "dim",
                ),
            )
        )
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for s in stats:
            stale = s.last_bundle_age_days is None or s.last_bundle_age_days > 3
            table.add_row(
                Text(s.name, style="bold"),
                literal(s.grid_code, no_wrap=True),
                literal(s.community, no_wrap=True),
                sparkline(s.visits_per_day),
                str(sum(s.visits_per_day)),
                local_time(s.last_bundle_at) if s.last_bundle_at else "—",
                Text(days_ago(s.last_bundle_age_days), style="yellow" if stale else "green"),
                f"{s.households_covered}/{s.households}",
                Text(str(s.care_not_seen), style="yellow" if s.care_not_seen else "dim"),
                Text(str(s.returned_open), style="red" if s.returned_open else "dim"),
                key=s.member_uuid,
            )
        if stats:
            table.move_cursor(row=min(cursor or 0, len(stats) - 1))
        table.focus()

    @on(DataTable.RowSelected, "#members-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        from gridwalker.store.desk.queue import QueueFilter

        member = str(event.row_key.value)
        desk_navigator(self).open_queue(QueueFilter(member_uuid=member))

    def action_refresh(self) -> None:
        self.database_ready()

    def _chosen(self) -> MemberStats | None:
        table = self.query_one(DataTable)
        if not self.stats or table.cursor_row is None:
            return None
        return self.stats[min(max(table.cursor_row, 0), len(self.stats) - 1)]

    def _actor(self) -> str:
        return str(getattr(self.app, "actor", "") or "desk")

    def action_add_member(self) -> None:
        """A new member and their grid (the same as `gridwalker hub member add`)."""
        from gridwalker.tui.desk.member_edit import NewMemberModal

        def added(name: str | None) -> None:
            if name:
                self.notify(_("{name} added").format(name=name), title=_("Done"))
                self.database_ready()

        self.app.push_screen(NewMemberModal(self._actor()), added)

    def action_move_member(self) -> None:
        """Move the chosen member to another grid (picked from the hub's grids)."""
        from gridwalker.tui.desk.member_edit import free_grids

        if self._chosen() is not None:
            self.db_read(free_grids, GridsForMove)

    @on(GridsForMove)
    def _pick_grid(self, message: GridsForMove) -> None:
        from gridwalker.tui.common.dialogs import PickerModal
        from gridwalker.tui.desk.member_edit import grid_options

        member = self._chosen()
        if member is None:
            return
        actor = self._actor()

        def picked(code: str | None) -> None:
            if not code or code == member.grid_code:
                return
            from gridwalker.store.desk.people import move_member

            def move(conn: Connection) -> str:
                move_member(conn, actor, member.name, code)
                return _("{name} now walks {grid}").format(name=member.name, grid=code)

            self.db_write(move, MemberChanged, failed=self._refused)

        title = _("Move {name} to which grid?").format(name=member.name)
        self.app.push_screen(
            PickerModal(title, grid_options(message.result), member.grid_code), picked
        )

    def action_retire_member(self) -> None:
        """Retire the chosen member after a confirmation: their laptops are refused."""
        from gridwalker.tui.common.dialogs import ask_yes_no

        member = self._chosen()
        if member is None:
            return
        actor = self._actor()

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            from gridwalker.store.desk.people import retire_member

            self.db_write(
                lambda conn: _("{name} retired; {n} laptop key(s) revoked").format(
                    name=member.name, n=len(retire_member(conn, actor, member.name))
                ),
                MemberChanged,
                failed=self._refused,
            )

        self.app.push_screen(
            ask_yes_no(
                _("Retire {name}?").format(name=member.name),
                _("Retire"),
                _("Cancel"),
                _("Their records stay theirs; their laptops are refused from now on."),
            ),
            answered,
        )

    def _refused(self, error: BaseException) -> bool:
        if isinstance(error, ValueError):
            self.notify(str(error), title=_("Not done"), severity="error", timeout=10)
            return True
        return False

    @on(MemberChanged)
    def _changed(self, message: MemberChanged) -> None:
        self.notify(str(message.result), title=_("Done"))
        self.database_ready()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Back only when there is a screen to go back to."""
        if action == "back":
            return self.gw.can_go_back()
        return True

    def action_back(self) -> None:
        self.gw.go_back()
