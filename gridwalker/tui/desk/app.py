"""The supervisors' review desk: paints first, then opens the hub database in a worker.

Home is the review queue; conflicts, bundles, members, coverage, the issue log and the
building consultations are modes, one key each from everywhere (1–7) and in the command palette. Opening the desk picks up the
records that arrived since it last ran (`record_arrivals`).
"""

from __future__ import annotations

import getpass
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

from gridwalker import config
from gridwalker.domain.choices import Role
from gridwalker.domain.i18n import _
from gridwalker.tui.app_base import GridwalkerBaseApp
from gridwalker.tui.desk.queue import QueueScreen
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine

    from gridwalker.store.desk.coverage import CoverageRow
    from gridwalker.store.desk.queue import QueueFilter
    from gridwalker.store.issues import IssueFilter
    from gridwalker.store.rounds import MemberRef


def _mode_screen(mode: str) -> Screen[Any]:
    """The bottom screen of a mode, imported when first shown (the first frame stays light)."""
    if mode == "conflicts":
        from gridwalker.tui.desk.conflicts import ConflictListScreen

        return ConflictListScreen()
    if mode == "bundles":
        from gridwalker.tui.desk.bundles import BundlesScreen

        return BundlesScreen()
    if mode == "members":
        from gridwalker.tui.desk.members import MembersScreen

        return MembersScreen()
    if mode == "coverage":
        from gridwalker.tui.desk.coverage import CoverageScreen

        return CoverageScreen()
    if mode == "consultations":
        from gridwalker.tui.desk.consultations import DeskConsultationsScreen

        return DeskConsultationsScreen()
    from gridwalker.tui.desk.issues import HubIssueListScreen

    return HubIssueListScreen()


MODE_KEYS = {
    "queue": "1",
    "conflicts": "2",
    "bundles": "3",
    "members": "4",
    "coverage": "5",
    "issues": "6",
    "consultations": "7",
}


class HubApp(GridwalkerBaseApp):
    """The review desk on the hub database at `db_path`, for a supervisor."""

    MODES: ClassVar = {
        "queue": QueueScreen,
        "conflicts": lambda: _mode_screen("conflicts"),
        "bundles": lambda: _mode_screen("bundles"),
        "members": lambda: _mode_screen("members"),
        "coverage": lambda: _mode_screen("coverage"),
        "issues": lambda: _mode_screen("issues"),
        "consultations": lambda: _mode_screen("consultations"),
    }
    DEFAULT_MODE: ClassVar[str] = "queue"
    HOME_MODE: ClassVar[str] = "queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", N_("Quit"), priority=True),
        Binding("f1", "help", N_("Help")),
        Binding("1", "mode('queue')", N_("Review queue"), show=False),
        Binding("2", "mode('conflicts')", N_("Conflicts"), show=False),
        Binding("3", "mode('bundles')", N_("Bundles"), show=False),
        Binding("4", "mode('members')", N_("Grid members"), show=False),
        Binding("5", "mode('coverage')", N_("Coverage"), show=False),
        Binding("6", "mode('issues')", N_("Issues"), show=False),
        Binding("7", "mode('consultations')", N_("Consultations"), show=False),
        Binding("ctrl+p", "command_palette", N_("Commands"), show=False, priority=True),
    ]

    def __init__(
        self,
        db_path: Path | str,
        *,
        lang: str | None = None,
        home: config.Paths | None = None,
        actor: str | None = None,
    ) -> None:
        """Set the UI language ("zh", "en", None: from the locale); nothing is opened yet."""
        super().__init__(db_path, lang=lang, home=home)
        self.role = Role.SUPERVISOR.value
        self.title = _("Gridwalker review desk")
        self.actor = actor or self.settings.member_name or getpass.getuser()
        self.sub_title = self.actor
        # This run of the desk: the records it opens are claimed in its name (store.desk.claims).
        self.desk_id = secrets.token_hex(8)

    def release_claim(self, entity: str, uuid: str) -> None:
        """Give up this desk's claim on a record (its screen closed), in a worker of the app's
        own: the screen is gone by the time it runs."""
        engine = self.engine
        if engine is None:
            return
        from gridwalker.store.desk.claims import release

        def work() -> None:
            with engine.begin() as conn:
                release(conn, entity, uuid, self.desk_id)

        self.run_worker(work, thread=True, group="claims", exit_on_error=False)

    def on_unmount(self) -> None:
        """Give up every claim of this desk, then close the database."""
        if self.engine is not None:
            from gridwalker.store.desk.claims import release_all

            try:
                with self.engine.begin() as conn:
                    release_all(conn, self.desk_id)
            except Exception:  # noqa: BLE001 - the database is gone: the leases run out alone
                pass
        super().on_unmount()

    def connect(self) -> tuple[Engine, MemberRef | None]:
        """Open (and migrate) the hub database and pick up new arrivals (the desk is nobody's
        laptop: no member)."""
        from gridwalker.store import migrate
        from gridwalker.store.desk.arrivals import record_arrivals

        if isinstance(self.db_path, Path) and not self.db_path.exists():
            raise FileNotFoundError(
                _(
                    "{path}: no hub database here (make one with `gridwalker hub --demo`, "
                    "or import bundles with `gridwalker hub import`)"
                ).format(path=self.db_path)
            )
        engine = migrate.open_database(self.db_path)
        with engine.begin() as conn:
            record_arrivals(conn)
        return engine, None

    # -- navigation -------------------------------------------------------------------------

    def action_mode(self, mode: str) -> None:
        """Show one of the desk's screens (its stack as it was left)."""
        if mode in MODE_KEYS and mode != self.current_mode:
            self.switch_mode(mode)

    def open_household(self, household_uuid: str) -> None:
        """Show a household as the hub holds it: whole, with its revisions."""
        self.open_record("household", household_uuid)

    def open_issue(self, issue_uuid: str) -> None:
        """Show an issue with the supervisor's side of the workflow."""
        from gridwalker.tui.desk.issues import HubIssueDetailScreen

        self.push_screen(HubIssueDetailScreen(issue_uuid))

    def log_issue(
        self, *, on_logged: Callable[[str | None], None] | None = None, **start: str
    ) -> None:
        """Nothing: the desk logs no issues (members do, on their laptops; the hub's issue
        list leaves the action out)."""

    def open_record(
        self, entity: str, uuid: str, *, then: Callable[[str | None], None] | None = None
    ) -> None:
        """One record under review; `then` gets the state it was decided to, or None."""
        from gridwalker.tui.desk.record import RecordScreen

        self.push_screen(RecordScreen(entity, uuid), then)

    def open_consultation(self, consultation_uuid: str) -> None:
        """One building consultation: its count, its votes, closing it."""
        from gridwalker.tui.desk.consultations import DeskConsultationScreen

        self.push_screen(DeskConsultationScreen(consultation_uuid))

    def open_queue(self, flt: QueueFilter) -> None:
        """The review queue under `flt`."""
        self.push_screen(QueueScreen(flt))

    def open_issues(self, flt: IssueFilter) -> None:
        """The street's issue log under `flt`."""
        from gridwalker.tui.desk.issues import HubIssueListScreen

        self.push_screen(HubIssueListScreen(flt))

    def open_coverage_list(self, row: CoverageRow, column: str) -> None:
        """The list behind the coverage figure in `column` of `row`."""
        from gridwalker.tui.desk.coverage_lists import drill_down

        listing = drill_down(row, column)
        if listing is not None:
            self.push_screen(listing)


def run_hub(
    db: Path | str, lang: str | None, home: config.Paths | None, actor: str | None = None
) -> None:
    """Run the review desk on the hub database `db` until the supervisor quits."""
    HubApp(db, lang=lang, home=home, actor=actor).run()
