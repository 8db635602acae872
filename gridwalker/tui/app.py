"""The gridwalker Textual app: paints first, then opens the database in a worker.

Home is the Today screen; the places tree is a second mode. Once the database is open the
app tells every screen (`database_ready`); on first start it asks who is signed in.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen

from gridwalker import config
from gridwalker.domain.i18n import _, set_language
from gridwalker.tui.keys import N_, screen_keys, translate_bindings
from gridwalker.tui.screens.base import error_reason
from gridwalker.tui.screens.today import TodayScreen

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from textual.command import Provider

    from gridwalker.store.rounds import MemberRef
    from gridwalker.tui.screens.places import PlacesScreen


def _places_screen() -> PlacesScreen:
    from gridwalker.tui.screens.places import PlacesScreen

    return PlacesScreen()


def _action_commands() -> type[Provider]:
    from gridwalker.tui.commands import ActionCommands

    return ActionCommands


class DatabaseOpened(Message):
    """The opening worker has an engine (and the signed-in member, when known)."""

    def __init__(self, engine: Engine, member: MemberRef | None) -> None:
        super().__init__()
        self.engine = engine
        self.member = member


class DatabaseFailed(Message):
    """The opening worker could not open or read the database."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class GridwalkerApp(App[None]):
    """The grid member's app on the database at `db_path`."""

    # Modes (not get_default_screen) so that Textual loads each screen's CSS_PATH; screens
    # and the palette's provider are imported when first used, to keep the first frame fast.
    MODES: ClassVar = {"today": TodayScreen, "places": lambda: _places_screen()}
    DEFAULT_MODE: ClassVar[str] = "today"
    COMMANDS: ClassVar = {lambda: _action_commands()}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", N_("Quit"), priority=True),
        Binding("f1", "help", N_("Help")),
        Binding("slash", "search", N_("Search")),
        Binding("ctrl+n", "log_issue", N_("Log an issue"), show=False),
        Binding("ctrl+p", "command_palette", N_("Commands"), show=False, priority=True),
    ]

    def __init__(
        self,
        db_path: Path,
        *,
        lang: str | None = None,
        title_suffix: str = "",
        home: config.Paths | None = None,
        start: str = "today",
    ) -> None:
        """Set the UI language ("zh", "en", None: from the locale); nothing is opened yet."""
        set_language(lang)
        self.DEFAULT_MODE = start  # read by App.__init__
        super().__init__()
        translate_bindings(self)
        self.db_path = Path(db_path)
        self.home = home or config.paths()
        self.engine: Engine | None = None
        self.member: MemberRef | None = None
        self.title = _("Gridwalker") + title_suffix
        try:
            self.settings = config.load_settings(self.home)
        except ValueError as exc:  # a broken settings file: start afresh, say so
            self.settings = config.Settings()
            self.call_later(self.notify, str(exc), severity="warning")

    @property
    def places(self) -> PlacesScreen:
        """The places screen (the bottom of the places mode)."""
        return self._screen_stacks["places"][0]  # type: ignore[return-value]

    def on_mount(self) -> None:
        """Open the database once the first frame is painted (the worker's imports would
        otherwise hold the interpreter while Textual paints)."""
        self.call_after_refresh(self.open_database)

    def on_unmount(self) -> None:
        """Close the database's connections."""
        if self.engine is not None:
            self.engine.dispose()

    @work(thread=True, exclusive=True, exit_on_error=False, group="database")
    def open_database(self) -> None:
        """Open (and migrate) the database and find the member, off the UI thread."""
        # Imported here: SQLAlchemy costs ~0.3 s, which the first frame must not wait for.
        from gridwalker.store import migrate, rounds

        try:
            engine = migrate.open_database(self.db_path)
            with engine.connect() as conn:
                member = (
                    rounds.member_ref(conn, self.settings.member_uuid)
                    if self.settings.member_uuid
                    else None
                )
        except Exception as exc:  # any failure is shown on screen, never a traceback
            self.post_message(DatabaseFailed(error_reason(exc)))
        else:
            self.post_message(DatabaseOpened(engine, member))

    @on(DatabaseOpened)
    def _opened(self, message: DatabaseOpened) -> None:
        """Keep the engine, tell the screens, and ask who is signed in if nobody is."""
        self.engine = message.engine
        self.member = message.member
        for stack in self._screen_stacks.values():
            for screen in stack:
                ready = getattr(screen, "database_ready", None)
                if ready is not None:
                    ready()
        if self.DEFAULT_MODE != "today":
            return
        if self.member is None:
            from gridwalker.tui.screens.signin import SignInScreen

            self.push_screen(SignInScreen(), self._signed_in)
        else:
            self._offer_drafts()

    def _offer_drafts(self) -> None:
        """Nothing typed is lost: offer the forms left unsaved last time."""
        from gridwalker.tui.screens.visit import offer_drafts

        offer_drafts(self)

    def _signed_in(self, member: MemberRef | None) -> None:
        """Remember who signed in and refresh what depends on it."""
        if member is None:
            return
        self.member = member
        self.settings.member_uuid = member.uuid
        self.settings.member_name = member.name
        self.settings.grid_code = member.grid_code
        config.save_settings(self.home, self.settings)
        self.refresh_home()
        self._offer_drafts()

    def refresh_home(self) -> None:
        """Re-read the Today screen (after a visit, a sign-in, an export)."""
        stack = self._screen_stacks.get("today") or []
        if stack and isinstance(stack[0], TodayScreen):
            stack[0].database_ready()

    @on(DatabaseFailed)
    def _failed(self, message: DatabaseFailed) -> None:
        """Say on screen that the database could not be opened, and why."""
        text = _("Could not open the database {path}:\n{reason}").format(
            path=self.db_path, reason=message.reason
        )
        hint = _("Check that the folder exists and can be written, or choose another file.")
        show = getattr(self.screen_stack[0], "show_status", None)
        if show is not None:
            show(f"{text}\n\n{hint}", error=True)

    # -- navigation -------------------------------------------------------------------------

    def open_screen(self, screen: Screen[Any]) -> None:
        """Push a screen on the current mode's stack."""
        self.push_screen(screen)

    def open_household(self, household_uuid: str) -> None:
        """Show a household: its roster, visits and issues."""
        from gridwalker.tui.screens.household import HouseholdScreen

        self.push_screen(HouseholdScreen(household_uuid))

    def open_round(self, status: str | None = None) -> None:
        """Show this cycle's walking list (optionally filtered by status)."""
        from gridwalker.tui.screens.round import RoundScreen

        self.push_screen(RoundScreen(status))

    def action_search(self) -> None:
        """Find residents, households, enterprises and issues as you type."""
        from gridwalker.tui.screens.search import SearchScreen

        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen())

    def action_log_issue(self) -> None:
        """Log a resident's issue from anywhere (the place is typed in the form)."""
        from gridwalker.tui.screens.issue_form import IssueFormScreen, log_issue_from

        if not isinstance(self.screen, IssueFormScreen):
            log_issue_from(self)

    def action_help(self) -> None:
        """Open the help listing the keys of the current screen."""
        from gridwalker.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(screen_keys(self.screen)))
