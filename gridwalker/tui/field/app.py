"""The gridwalker Textual app: paints first, then opens the database in a worker.

Home is the Today screen; the places tree is a second mode. Once the database is open the
app tells every screen (`database_ready`); on first start it asks who is signed in.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.binding import Binding, BindingType

from gridwalker import config
from gridwalker.domain.i18n import _
from gridwalker.tui.app_base import GridwalkerBaseApp
from gridwalker.tui.common.workers import DbResult
from gridwalker.tui.field.today import TodayScreen
from gridwalker.tui.format import error_reason
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine

    from gridwalker.store.returns import CorrectionTarget, ReturnedItem
    from gridwalker.store.rounds import MemberRef, ResidentRow
    from gridwalker.tui.field.places import PlacesScreen


class ClosedWithExport(DbResult):
    """The export on closing is done: its ExportResult, or the reason it failed (str)."""


def _places_screen() -> PlacesScreen:
    from gridwalker.tui.field.places import PlacesScreen

    return PlacesScreen()


class GridwalkerApp(GridwalkerBaseApp):
    """The grid member's app on the database at `db_path`."""

    # Modes (not get_default_screen) so that Textual loads each screen's CSS_PATH; screens
    # and the palette's provider are imported when first used, to keep the first frame fast.
    MODES: ClassVar = {"today": TodayScreen, "places": lambda: _places_screen()}
    DEFAULT_MODE: ClassVar[str] = "today"
    HOME_MODE: ClassVar[str] = "today"
    FAILED_HINT: ClassVar[str] = N_(
        "Check that the folder exists and can be written, or choose another file."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", N_("Quit"), priority=True),
        Binding("f1", "help", N_("Help")),
        Binding("slash", "search", N_("Search")),
        Binding("ctrl+n", "log_issue", N_("Log an issue"), show=False),
        Binding("ctrl+l", "lock", N_("Lock"), show=False),
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
        self.db_key: bytes | None = None  # an encrypted laptop's key, once unlocked
        self.last_input = time.monotonic()

    # -- an encrypted laptop: unlock at start, lock on ctrl+l and when idle ----------------

    def on_mount(self, event: events.Mount) -> None:
        """Ask for the passphrase first when the database is encrypted and no passphrase
        file was given (the base class's opening waits for it); else open as before."""
        from gridwalker.store.dbkey import is_encrypted, passphrase_file_from_env

        self.set_interval(15, self._lock_when_idle)
        if is_encrypted(self.db_path) and passphrase_file_from_env() is None:
            from gridwalker.tui.field.unlock import UnlockScreen

            event.prevent_default()  # Textual would call the base class's on_mount next
            self.push_screen(UnlockScreen(self.db_path), self._unlocked_at_start)

    def _unlocked_at_start(self, key: bytes | None) -> None:
        self.db_key = key
        self.last_input = time.monotonic()
        self.open_database()

    async def on_event(self, event: events.Event) -> None:
        """Note the member's last key press or click (for the idle lock)."""
        if isinstance(event, events.Key | events.MouseDown | events.MouseScrollDown):
            self.last_input = time.monotonic()
        await super().on_event(event)

    def _lock_when_idle(self) -> None:
        minutes = self.settings.lock_minutes
        if (
            self.db_key is not None
            and minutes > 0
            and time.monotonic() - self.last_input >= minutes * 60
        ):
            self.action_lock()

    def action_lock(self) -> None:
        """Cover the app until the passphrase is typed again; what is open stays as it is."""
        from gridwalker.store.dbkey import is_encrypted
        from gridwalker.tui.field.unlock import UnlockScreen

        if isinstance(self.screen, UnlockScreen):
            return
        if not is_encrypted(self.db_path):
            self.notify(
                _("This laptop's database is not encrypted: run gridwalker db encrypt."),
                severity="warning",
            )
            return
        self.push_screen(UnlockScreen(self.db_path, locked=True), self._unlocked_after_lock)

    def _unlocked_after_lock(self, _key: bytes | None) -> None:
        self.last_input = time.monotonic()

    @property
    def places(self) -> PlacesScreen:
        """The places screen (the bottom of the places mode)."""
        return self._screen_stacks["places"][0]  # type: ignore[return-value]

    def connect(self) -> tuple[Engine, MemberRef | None]:
        """Open (and migrate) the database and find the signed-in member."""
        # Imported here: SQLAlchemy costs ~0.3 s, which the first frame must not wait for.
        from gridwalker.store import migrate, rounds

        engine = migrate.open_database(self.db_path, key=self._database_key())
        self._hold_key()
        with engine.connect() as conn:
            member = (
                rounds.member_ref(conn, self.settings.member_uuid)
                if self.settings.member_uuid
                else None
            )
        return engine, member

    def _database_key(self) -> bytes | None:
        """The key typed at the unlock screen, or read from $GRIDWALKER_PASSPHRASE_FILE."""
        from gridwalker.store.dbkey import (
            is_encrypted,
            passphrase_file_from_env,
            read_passphrase_file,
            unlock,
        )

        if self.db_key is not None or not is_encrypted(self.db_path):
            return self.db_key
        path = passphrase_file_from_env()
        if path is None:
            return None
        self.db_key = unlock(self.db_path, read_passphrase_file(path))
        return self.db_key

    def _hold_key(self) -> None:
        """Let the member's session hold the unlocked key for the nightly export (worker)."""
        from gridwalker.store import session_key

        hours = self.settings.hold_key_hours
        if self.db_key is not None and hours > 0:
            session_key.hold_key(self.db_path, self.db_key, hours * 3600)

    # -- export on close ------------------------------------------------------------------

    def _export_on_close_due(self) -> bool:
        from gridwalker.sync.keys import trusted_hub

        return (
            self.settings.export_on_close
            and not self.settings.demo
            and self.engine is not None
            and self.member is not None
            and trusted_hub(self.home) is not None
        )

    async def action_quit(self) -> None:
        """Quit; a real laptop writes its next sync bundle first (export on close)."""
        if not self._export_on_close_due():
            self.exit()
            return
        self.notify(_("Exporting the changes before closing…"))
        self._export_then_exit()

    @work(thread=True, exclusive=True, exit_on_error=False, group="close")
    def _export_then_exit(self) -> None:
        from gridwalker.sync.laptop.export import export_bundle

        assert self.engine is not None and self.member is not None
        try:
            result = export_bundle(self.engine, self.home, member=self.member.name)
        except Exception as exc:  # the member is told on the terminal; closing goes on
            self.post_message(ClosedWithExport(error_reason(exc)))
        else:
            self.post_message(ClosedWithExport(result))

    @on(ClosedWithExport)
    def _closed_with_export(self, message: ClosedWithExport) -> None:
        if isinstance(message.result, str):
            self.exit(
                message=_("The export on closing failed: {reason}. Run gridwalker export.").format(
                    reason=message.result
                )
            )
            return
        path = message.result.path
        self.exit(
            message=_("Exported on closing: {path}").format(path=path) if path is not None else None
        )

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
        from gridwalker.tui.field.drafts_offer import offer_drafts

        offer_drafts(self)

    def _signed_in(self, member: MemberRef | str | None) -> None:
        """Remember who signed in and refresh what depends on it (or set the laptop up)."""
        if isinstance(member, str):  # the sign-in asked for the first-run setup
            from gridwalker.tui.field.setup import SetupScreen

            self.push_screen(SetupScreen(), self._signed_in)
            return
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

    # -- navigation (FieldNavigator): each screen is imported when first opened ------------

    def open_household(self, household_uuid: str, *, replacing: str | None = None) -> None:
        """Show a household: its roster, visits and issues (in place of household
        `replacing` when its screen is on top, so walking on does not grow the stack)."""
        from gridwalker.tui.field.household import HouseholdScreen

        screen = HouseholdScreen(household_uuid)
        top = self.screen
        if (
            replacing is not None
            and isinstance(top, HouseholdScreen)
            and top.household_uuid == replacing
        ):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def open_round(self, status: str | None = None) -> None:
        """Show this cycle's walking list (optionally filtered by status)."""
        from gridwalker.tui.field.round import RoundScreen

        self.push_screen(RoundScreen(status))

    def open_attention_list(self, kind: str) -> None:
        """One of Today's lists: follow-ups due, care-tagged not seen, drafts waiting."""
        from gridwalker.tui.field.lists import AttentionList

        self.push_screen(AttentionList(kind))

    def open_visit(self, household_uuid: str, *, draft: dict[str, Any] | None = None) -> None:
        """The visit form of a household (restored from a draft's payload when given)."""
        from gridwalker.tui.field.visit import VisitScreen

        self.push_screen(VisitScreen(household_uuid, draft))

    def open_resident_form(
        self,
        household_uuid: str,
        resident: ResidentRow | None = None,
        *,
        draft: dict[str, Any] | None = None,
        then: Callable[[str | None], None] | None = None,
    ) -> None:
        """Add a resident to a household, or edit one; `then` gets the saved uuid or None."""
        from gridwalker.tui.field.resident import ResidentForm

        self.push_screen(ResidentForm(household_uuid, resident, draft_payload=draft), then)

    def resume_draft(
        self, kind: str, payload: dict[str, Any], household_uuid: str | None = None
    ) -> bool:
        """Open the form a draft belongs to, restored from its payload (False: none takes it)."""
        if kind == "visit" and payload.get("visit_uuid") and payload.get("household_uuid"):
            from gridwalker.tui.field.visit_correction import VisitCorrection

            visit, household = payload["visit_uuid"], payload["household_uuid"]
            self.push_screen(VisitCorrection(household, visit, draft_payload=payload))
        elif kind == "visit" and household_uuid:
            self.open_visit(household_uuid, draft=payload)
        elif kind == "issue":
            from gridwalker.tui.field.issue_form import IssueFormScreen

            self.push_screen(IssueFormScreen(payload.get("start", {}), draft_payload=payload))
        elif kind == "resident" and payload.get("household_uuid"):
            self.open_resident_form(payload["household_uuid"], draft=payload)
        elif kind == "census" and payload.get("tower_uuid"):
            self.open_census_form(
                payload.get("enterprise_uuid"), payload["tower_uuid"], draft=payload
            )
        else:
            return False
        return True

    def open_issues(self, figure: str = "issues") -> None:
        """The issue log of the member's grid, filtered as one of Today's figures."""
        from gridwalker.tui.common.issues import IssueListScreen

        self.push_screen(IssueListScreen.for_figure(figure))

    def open_issue(self, issue_uuid: str) -> None:
        """One issue, with what the member may do with it."""
        from gridwalker.tui.common.issue_detail import IssueDetailScreen

        self.push_screen(IssueDetailScreen(issue_uuid))

    def log_issue(
        self, *, on_logged: Callable[[str | None], None] | None = None, **start: str
    ) -> None:
        """The form to log an issue, started from a household, enterprise, building or visit
        (or from nowhere); `on_logged` gets the new issue's uuid, or None when left."""
        from gridwalker.tui.field.issue_form import IssueFormScreen

        self.push_screen(IssueFormScreen({k: v for k, v in start.items() if v}), on_logged)

    def open_towers(self) -> None:
        """The towers of the signed-in member's grid (the census's starting point)."""
        from gridwalker.tui.field.towers import TowersScreen

        self.push_screen(TowersScreen())

    def open_consultations(self) -> None:
        """The building consultations of the member's grid."""
        from gridwalker.tui.field.consultation import ConsultationsScreen

        self.push_screen(ConsultationsScreen())

    def open_consultation(self, consultation_uuid: str) -> None:
        """One consultation: the live count, the rooms, recording an owner's opinion."""
        from gridwalker.tui.field.consultation import ConsultationScreen

        self.push_screen(ConsultationScreen(consultation_uuid))

    def open_tower(self, tower_uuid: str) -> None:
        """A tower's floors and their enterprises."""
        from gridwalker.tui.field.tower import TowerScreen

        self.push_screen(TowerScreen(tower_uuid))

    def open_infobase(self, *, street: bool, tower_uuid: str | None = None) -> None:
        """The information base of the grid or the street (optionally one tower)."""
        from gridwalker.tui.field.infobase import InfoBaseScreen

        self.push_screen(InfoBaseScreen(street=street, tower_uuid=tower_uuid))

    def open_enterprise(self, enterprise_uuid: str) -> None:
        """One enterprise: details, this year's census, flags."""
        from gridwalker.tui.field.enterprise import EnterpriseScreen

        self.push_screen(EnterpriseScreen(enterprise_uuid))

    def open_census_history(self, enterprise_uuid: str) -> None:
        """An enterprise's census records year by year."""
        from gridwalker.tui.field.census_history import HistoryScreen

        self.push_screen(HistoryScreen(enterprise_uuid))

    def open_census_form(
        self,
        enterprise_uuid: str | None,
        tower_uuid: str,
        *,
        draft: dict[str, Any] | None = None,
        on_saved: Callable[[str], None] | None = None,
    ) -> None:
        """The census form of an enterprise (None: a new one in `tower_uuid`)."""
        from gridwalker.tui.field.census_form import CensusFormScreen

        self.push_screen(
            CensusFormScreen(enterprise_uuid, tower_uuid, draft_payload=draft, on_saved=on_saved)
        )

    def open_export(self) -> None:
        """The export dialog: the next sync bundle, by hand."""
        from gridwalker.tui.field.export import ExportScreen

        self.push_screen(ExportScreen())

    def open_returned(self) -> None:
        """The records a supervisor returned, with the comment, to correct."""
        from gridwalker.tui.field.returned import ReturnedList

        self.push_screen(ReturnedList())

    def correct_returned(self, item: ReturnedItem, target: CorrectionTarget) -> None:
        """A returned record in the form it is corrected in, with the comment above it."""
        from gridwalker.tui.field import corrections
        from gridwalker.tui.field.visit_correction import VisitCorrection

        if target.entity == "visit" and target.household_uuid:
            self.push_screen(
                VisitCorrection(
                    target.household_uuid,
                    target.uuid,
                    stored=target.visit,
                    draft_payload=target.draft,
                )
            )
        elif target.entity == "resident" and target.household_uuid and target.resident:
            form = corrections.ResidentCorrection(target.household_uuid, target.resident, item)
            self.push_screen(form, lambda _saved: self.refresh_home())
        elif target.entity == "census_record" and target.enterprise_uuid and target.tower_uuid:
            self.push_screen(
                corrections.CensusCorrection(
                    target.enterprise_uuid, target.tower_uuid, target.year or 0, item
                )
            )
        elif target.entity == "household" and target.household_uuid:
            self.push_screen(corrections.HouseholdCorrection(target.household_uuid, item))
        elif target.entity == "issue":
            self.push_screen(corrections.IssueCorrection(target.uuid, item))

    def action_search(self) -> None:
        """Find residents, households, enterprises and issues as you type."""
        from gridwalker.tui.field.search import SearchScreen

        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen())

    def action_log_issue(self) -> None:
        """Log a resident's issue from anywhere (the place is typed in the form)."""
        from gridwalker.tui.field.issue_form import IssueFormScreen

        if not isinstance(self.screen, IssueFormScreen):
            self.log_issue()
