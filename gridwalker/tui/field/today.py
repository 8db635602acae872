"""Today (home): who is signed in, this cycle's coverage, and what needs doing — each figure
opens the list behind it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from gridwalker.domain import clock
from gridwalker.domain.i18n import _
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.format import local_time
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.rounds import Coverage, LastExport, MemberRef


@dataclass(frozen=True)
class TodayData:
    """Everything the Today screen shows, read in one worker."""

    member: MemberRef
    coverage: Coverage
    follow_ups: int
    care_not_seen: int
    drafts: int
    issues: Any  # store.issues.TodayCounts
    last_export: LastExport
    returned: int = 0


def read_today(conn: Connection, member: MemberRef) -> TodayData:
    """Read Today's figures for a member's grid (runs in a worker)."""
    from gridwalker.store import issues, rounds
    from gridwalker.store.returns import returned_items

    grid = member.grid_uuid or ""
    return TodayData(
        member=member,
        coverage=rounds.coverage(conn, grid),
        follow_ups=len(rounds.follow_ups_due(conn, grid)),
        care_not_seen=len(rounds.care_not_seen(conn, grid)),
        drafts=len(rounds.list_drafts(conn)),
        issues=issues.today_counts(conn, grid),
        last_export=rounds.last_export(conn),
        returned=len(returned_items(conn)),
    )


def next_unvisited(conn: Connection, grid_uuid: str) -> str | None:
    """The first household not yet visited this cycle (runs in a worker)."""
    from gridwalker.store import rounds

    return rounds.next_unvisited(conn, grid_uuid)


class TodayRead(DbResult):
    """Today's figures were read (a TodayData)."""


class NextUnvisitedFound(DbResult):
    """The next household not yet visited (its uuid, None when every one is)."""


def figure_line(label: str, value: str, width: int = 30, style: str = "") -> Text:
    """A label padded in cells (Chinese is two cells wide) and its figure."""
    text = Text(label + " " * max(width - cell_len(label), 1))
    text.append(value, style=style or "bold")
    return text


class TodayScreen(DbScreen):
    """The home screen of a working day."""

    CSS_PATH = "today.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "round", N_("Round")),
        Binding("n", "next_household", N_("Next unvisited")),
        Binding("i", "issues", N_("Issues")),
        Binding("c", "census", N_("Census")),
        Binding("k", "consultations", N_("Consultations")),
        Binding("p", "places", N_("Places")),
        Binding("e", "export", N_("Export")),
        Binding("f5", "refresh", N_("Refresh"), show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(_("Opening the database…"), id="status")
        yield Static("", id="who")
        yield Static("", id="coverage-label")
        yield ProgressBar(total=100, show_eta=False, id="coverage-bar")
        yield OptionList(id="figures")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Today")
        self.add_class("-loading")
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        member = self.gw.member
        if member is None:
            self.query_one("#status", Static).update(_("Choose who you are to begin."))
            return
        self.db_read(lambda conn: read_today(conn, member), TodayRead)

    def show_status(self, message: str, *, error: bool) -> None:
        """Show a message instead of the figures (an error is framed)."""
        status = self.query_one("#status", Static)
        status.update(Text(message))
        status.set_class(error, "-error")
        self.remove_class("-ready")
        self.add_class("-loading")

    @on(TodayRead)
    def _show_today(self, message: TodayRead) -> None:
        data: TodayData = message.result
        self.remove_class("-loading")
        self.add_class("-ready")
        m = data.member
        start, _end = clock.cycle_bounds(clock.today())
        self.query_one("#who", Static).update(
            Text.assemble(
                (m.name, "bold"),
                "  ·  ",
                f"{m.community} {m.grid_name} ({m.grid_code})",
                "  ·  ",
                _("cycle {cycle}").format(cycle=clock.cycle_label(start)),
                "  ·  ",
                clock.today().isoformat(),
            )
        )
        cov = data.coverage
        self.query_one("#coverage-label", Static).update(
            Text.assemble(
                (_("Coverage this cycle"), "bold"),
                "  ",
                _("{visited} of {total} households visited ({percent:.0%})").format(
                    visited=cov.visited, total=cov.total, percent=cov.ratio
                ),
            )
        )
        bar = self.query_one("#coverage-bar", ProgressBar)
        bar.update(total=max(cov.total, 1), progress=cov.visited)
        figures = self.query_one("#figures", OptionList)
        highlighted = figures.highlighted
        figures.clear_options()
        issues = data.issues
        rows = [
            (
                "round",
                _("Households not yet visited"),
                str(cov.total - cov.visited - cov.revisit),
                "",
            ),
            (
                "revisit",
                _("To revisit (nobody home)"),
                str(cov.revisit),
                "yellow" if cov.revisit else "",
            ),
            (
                "follow_ups",
                _("Follow-ups due"),
                str(data.follow_ups),
                "yellow" if data.follow_ups else "",
            ),
            (
                "care",
                _("Care-tagged residents not seen this cycle"),
                str(data.care_not_seen),
                "yellow" if data.care_not_seen else "",
            ),
            ("drafts", _("Drafts waiting"), str(data.drafts), "red" if data.drafts else ""),
            (
                "returned",
                _("Returned for correction"),
                str(data.returned),
                "red" if data.returned else "",
            ),
            ("issues", _("Open issues"), str(issues.open), ""),
            ("overdue", _("Overdue issues"), str(issues.overdue), "red" if issues.overdue else ""),
            ("due_week", _("Issues due this week"), str(issues.due_this_week), ""),
            ("export", _("Last export"), local_time(data.last_export.at), "dim"),
        ]
        width = max(cell_len(label) for _k, label, _v, _s in rows) + 4
        figures.add_options(
            [
                Option(figure_line(label, value, width, style), id=key)
                for key, label, value, style in rows
            ]
        )
        figures.highlighted = highlighted if highlighted is not None else 0
        figures.focus()

    @on(OptionList.OptionSelected, "#figures")
    def _open_figure(self, event: OptionList.OptionSelected) -> None:
        """Open the list behind a figure."""
        key = event.option.id
        navigate = field_navigator(self)
        if key == "round":
            navigate.open_round("todo")
        elif key == "revisit":
            navigate.open_round("revisit")
        elif key in ("follow_ups", "care", "drafts"):
            navigate.open_attention_list(key)
        elif key == "returned":
            navigate.open_returned()
        elif key in ("issues", "overdue", "due_week"):
            navigate.open_issues(key)
        elif key == "export":
            self.action_export()

    def on_screen_resume(self) -> None:
        """Coming back from another screen: the figures may have changed."""
        if self.engine is not None and self.gw.member is not None:
            self.database_ready()

    def action_round(self) -> None:
        field_navigator(self).open_round(None)

    def action_next_household(self) -> None:
        member = self.gw.member
        if member is None or member.grid_uuid is None:
            return
        grid = member.grid_uuid
        self.db_read(lambda conn: next_unvisited(conn, grid), NextUnvisitedFound)

    @on(NextUnvisitedFound)
    def _open_next(self, message: NextUnvisitedFound) -> None:
        household: str | None = message.result
        if household is None:
            self.notify(_("Every household of the grid is visited this cycle."))
        else:
            field_navigator(self).open_household(household)

    def action_issues(self) -> None:
        field_navigator(self).open_issues("issues")

    def action_census(self) -> None:
        field_navigator(self).open_towers()

    def action_consultations(self) -> None:
        field_navigator(self).open_consultations()

    def action_export(self) -> None:
        field_navigator(self).open_export()

    def action_places(self) -> None:
        self.app.switch_mode("places")

    def action_refresh(self) -> None:
        self.database_ready()
