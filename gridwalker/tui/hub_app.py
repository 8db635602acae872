"""The supervisors' review desk: paints first, then opens the hub database in a worker.

Home is the review queue; conflicts, bundles, members, coverage and the issue log are modes,
one key each from everywhere (1–6) and in the command palette. Opening the desk picks up the
records that arrived since it last ran (`review.record_arrivals`).
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from gridwalker import config
from gridwalker.domain.choices import Role
from gridwalker.domain.i18n import _, set_language
from gridwalker.tui.app import DatabaseFailed, DatabaseOpened
from gridwalker.tui.keys import N_, screen_keys, translate_bindings
from gridwalker.tui.screens.base import error_reason
from gridwalker.tui.screens.review import QueueScreen

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from textual.command import Provider

    from gridwalker.store.rounds import MemberRef


def _mode_screen(mode: str) -> Screen[Any]:
    """The bottom screen of a mode, imported when first shown (the first frame stays light)."""
    from gridwalker.tui.screens import hub_conflicts, hub_status

    if mode == "conflicts":
        return hub_conflicts.ConflictListScreen()
    if mode == "bundles":
        return hub_status.BundlesScreen()
    if mode == "members":
        return hub_status.MembersScreen()
    if mode == "coverage":
        return hub_status.CoverageScreen()
    return hub_status.HubIssueListScreen()


def _action_commands() -> type[Provider]:
    from gridwalker.tui.commands import ActionCommands

    return ActionCommands


MODE_KEYS = {
    "queue": "1",
    "conflicts": "2",
    "bundles": "3",
    "members": "4",
    "coverage": "5",
    "issues": "6",
}


class HubApp(App[None]):
    """The review desk on the hub database at `db_path`, for a supervisor."""

    MODES: ClassVar = {
        "queue": QueueScreen,
        "conflicts": lambda: _mode_screen("conflicts"),
        "bundles": lambda: _mode_screen("bundles"),
        "members": lambda: _mode_screen("members"),
        "coverage": lambda: _mode_screen("coverage"),
        "issues": lambda: _mode_screen("issues"),
    }
    DEFAULT_MODE: ClassVar[str] = "queue"
    COMMANDS: ClassVar = {lambda: _action_commands()}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", N_("Quit"), priority=True),
        Binding("f1", "help", N_("Help")),
        Binding("1", "mode('queue')", N_("Review queue"), show=False),
        Binding("2", "mode('conflicts')", N_("Conflicts"), show=False),
        Binding("3", "mode('bundles')", N_("Bundles"), show=False),
        Binding("4", "mode('members')", N_("Members"), show=False),
        Binding("5", "mode('coverage')", N_("Coverage"), show=False),
        Binding("6", "mode('issues')", N_("Issues"), show=False),
        Binding("ctrl+p", "command_palette", N_("Commands"), show=False, priority=True),
    ]

    def __init__(
        self,
        db_path: Path,
        *,
        lang: str | None = None,
        home: config.Paths | None = None,
        actor: str | None = None,
    ) -> None:
        """Set the UI language ("zh", "en", None: from the locale); nothing is opened yet."""
        set_language(lang)
        super().__init__()
        translate_bindings(self)
        self.db_path = Path(db_path)
        self.home = home or config.paths()
        self.engine: Engine | None = None
        self.member: MemberRef | None = None  # the desk is nobody's laptop
        self.role = Role.SUPERVISOR.value
        self.title = _("Gridwalker review desk")
        try:
            self.settings = config.load_settings(self.home)
        except ValueError as exc:  # a broken settings file: start afresh, say so
            self.settings = config.Settings()
            self.call_later(self.notify, str(exc), severity="warning")
        self.actor = actor or self.settings.member_name or getpass.getuser()
        self.sub_title = self.actor

    def on_mount(self) -> None:
        """Open the database once the first frame is painted."""
        self.call_after_refresh(self.open_database)

    def on_unmount(self) -> None:
        """Close the database's connections."""
        if self.engine is not None:
            self.engine.dispose()

    @work(thread=True, exclusive=True, exit_on_error=False, group="database")
    def open_database(self) -> None:
        """Open (and migrate) the hub database and pick up new arrivals, off the UI thread."""
        from gridwalker.store import migrate, review

        try:
            if not self.db_path.exists():
                raise FileNotFoundError(
                    _(
                        "{path}: no hub database here (make one with `gridwalker hub --demo`, "
                        "or import bundles with `gridwalker hub import`)"
                    ).format(path=self.db_path)
                )
            engine = migrate.open_database(self.db_path)
            with engine.begin() as conn:
                review.record_arrivals(conn)
        except Exception as exc:  # any failure is shown on screen, never a traceback
            self.post_message(DatabaseFailed(error_reason(exc)))
        else:
            self.post_message(DatabaseOpened(engine, None))

    @on(DatabaseOpened)
    def _opened(self, message: DatabaseOpened) -> None:
        """Keep the engine and tell the screens."""
        self.engine = message.engine
        for stack in self._screen_stacks.values():
            for screen in stack:
                ready = getattr(screen, "database_ready", None)
                if ready is not None:
                    ready()

    @on(DatabaseFailed)
    def _failed(self, message: DatabaseFailed) -> None:
        """Say on screen that the database could not be opened, and why."""
        text = _("Could not open the database {path}:\n{reason}").format(
            path=self.db_path, reason=message.reason
        )
        show = getattr(self.screen_stack[0], "show_status", None)
        if show is not None:
            show(text, error=True)
        else:
            self.notify(text, severity="error", timeout=15)

    # -- navigation -------------------------------------------------------------------------

    def action_mode(self, mode: str) -> None:
        """Show one of the desk's screens (its stack as it was left)."""
        if mode in MODE_KEYS and mode != self.current_mode:
            self.switch_mode(mode)

    def open_screen(self, screen: Screen[Any]) -> None:
        """Push a screen; an issue opens with the supervisor's side of the workflow."""
        from gridwalker.tui.screens.hub_status import HubIssueDetailScreen
        from gridwalker.tui.screens.issues import IssueDetailScreen

        if type(screen) is IssueDetailScreen:
            screen = HubIssueDetailScreen(screen.uuid)
        self.push_screen(screen)

    def open_household(self, household_uuid: str) -> None:
        """Show a household as the hub holds it: whole, with its revisions."""
        from gridwalker.tui.screens.review import RecordScreen

        self.push_screen(RecordScreen("household", household_uuid))

    def action_help(self) -> None:
        """Open the help listing the keys of the current screen."""
        from gridwalker.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(screen_keys(self.screen)))


def run_hub(
    db: Path, lang: str | None, home: config.Paths | None, actor: str | None = None
) -> None:
    """Run the review desk on the hub database `db` until the supervisor quits."""
    HubApp(db, lang=lang, home=home, actor=actor).run()
