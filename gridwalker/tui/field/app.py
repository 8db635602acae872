"""The gridwalker Textual app: paints first, then opens the database in a worker.

Home is the Today screen; the places tree is a second mode. Once the database is open the
app tells every screen (`database_ready`); on first start it asks who is signed in.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType

from gridwalker import config
from gridwalker.domain.i18n import _
from gridwalker.tui.app_base import GridwalkerBaseApp
from gridwalker.tui.field.today import TodayScreen
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from gridwalker.store.rounds import MemberRef
    from gridwalker.tui.field.places import PlacesScreen


def _places_screen() -> PlacesScreen:
    from gridwalker.tui.field.places import PlacesScreen

    return PlacesScreen()


class GridwalkerApp(GridwalkerBaseApp):
    """The grid member's app on the database at `db_path`."""

    # Modes (not get_default_screen) so that Textual loads each screen's CSS_PATH; screens
    # and the palette's provider are imported when first used, to keep the first frame fast.
    MODES: ClassVar = {"today": TodayScreen, "places": lambda: _places_screen()}
    DEFAULT_MODE: ClassVar[str] = "today"
    FAILED_HINT: ClassVar[str] = N_(
        "Check that the folder exists and can be written, or choose another file."
    )
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
        self.DEFAULT_MODE = start  # read by App.__init__
        super().__init__(db_path, lang=lang, home=home)
        self.title = _("Gridwalker") + title_suffix

    @property
    def places(self) -> PlacesScreen:
        """The places screen (the bottom of the places mode)."""
        return self._screen_stacks["places"][0]  # type: ignore[return-value]

    def connect(self) -> tuple[Engine, MemberRef | None]:
        """Open (and migrate) the database and find the signed-in member."""
        # Imported here: SQLAlchemy costs ~0.3 s, which the first frame must not wait for.
        from gridwalker.store import migrate, rounds

        engine = migrate.open_database(self.db_path)
        with engine.connect() as conn:
            member = (
                rounds.member_ref(conn, self.settings.member_uuid)
                if self.settings.member_uuid
                else None
            )
        return engine, member

    def database_opened(self) -> None:
        """Ask who is signed in if nobody is; else offer the drafts left last time."""
        if self.DEFAULT_MODE != "today":
            return
        if self.member is None:
            from gridwalker.tui.field.signin import SignInScreen

            self.push_screen(SignInScreen(), self._signed_in)
        else:
            self._offer_drafts()

    def _offer_drafts(self) -> None:
        """Nothing typed is lost: offer the forms left unsaved last time."""
        from gridwalker.tui.field.visit import offer_drafts

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

    # -- navigation -------------------------------------------------------------------------

    def open_household(self, household_uuid: str) -> None:
        """Show a household: its roster, visits and issues."""
        from gridwalker.tui.field.household import HouseholdScreen

        self.push_screen(HouseholdScreen(household_uuid))

    def open_round(self, status: str | None = None) -> None:
        """Show this cycle's walking list (optionally filtered by status)."""
        from gridwalker.tui.field.round import RoundScreen

        self.push_screen(RoundScreen(status))

    def action_search(self) -> None:
        """Find residents, households, enterprises and issues as you type."""
        from gridwalker.tui.field.search import SearchScreen

        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen())

    def action_log_issue(self) -> None:
        """Log a resident's issue from anywhere (the place is typed in the form)."""
        from gridwalker.tui.field.issue_form import IssueFormScreen, log_issue_from

        if not isinstance(self.screen, IssueFormScreen):
            log_issue_from(self)
