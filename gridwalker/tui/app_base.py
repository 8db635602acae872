"""What the field app and the review desk share: language, settings, the database worker,
error display, help and the command palette.

Both apps paint first and open their database in a worker (`open_database` calls the app's
`connect`, off the UI thread); every screen is told once the engine is there
(`database_ready`). A failure is shown on the home screen, never as a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App
from textual.message import Message

from gridwalker import config
from gridwalker.domain.i18n import _, set_language
from gridwalker.tui.format import error_reason
from gridwalker.tui.keys import screen_keys, translate_bindings

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Engine
    from textual.app import SystemCommand
    from textual.binding import Binding
    from textual.command import Provider
    from textual.notifications import SeverityLevel
    from textual.screen import Screen

    from gridwalker.store.rounds import MemberRef


def _action_commands() -> type[Provider]:
    from gridwalker.tui.common.palette import ActionCommands

    return ActionCommands


def _system_commands() -> type[Provider]:
    from textual.system_commands import SystemCommandsProvider

    return SystemCommandsProvider


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


class GridwalkerBaseApp(App[None]):
    """An app on one database at `db_path`; `connect` opens it (subclasses add to that)."""

    # The palette's providers are imported when first used, to keep the first frame fast:
    # the screen's actions, and Textual's system commands in the UI language.
    COMMANDS: ClassVar = {lambda: _action_commands(), lambda: _system_commands()}
    FAILED_HINT: ClassVar[str] = ""
    HOME_MODE: ClassVar[str] = ""  # where Esc on the first screen of another mode leads

    def __init__(
        self, db_path: Path | str, *, lang: str | None = None, home: config.Paths | None = None
    ) -> None:
        """Set the UI language ("zh", "en", None: from the locale); nothing is opened yet."""
        set_language(lang)
        super().__init__()
        translate_bindings(self)
        # A database on a server is named by its URL (a hub on PostgreSQL); else a file.
        self.db_path: Path | str = str(db_path) if "://" in str(db_path) else Path(db_path)
        self.home = home or config.paths()
        self.engine: Engine | None = None
        self.member: MemberRef | None = None
        try:
            self.settings = config.load_settings(self.home)
        except ValueError as exc:  # a broken settings file: start afresh, say so
            self.settings = config.Settings()
            self.call_later(self.notify, str(exc), severity="warning")

    def on_mount(self) -> None:
        """Open the database once the first frame is painted (the worker's imports would
        otherwise hold the interpreter while Textual paints)."""
        self.call_after_refresh(self.open_database)

    def on_unmount(self) -> None:
        """Close the database's connections."""
        if self.engine is not None:
            self.engine.dispose()

    def connect(self) -> tuple[Engine, MemberRef | None]:
        """Open (and migrate) the database; runs in a worker. An app that knows who is
        signed in, or has work to do on opening, says so in its own `connect`."""
        # Imported here: SQLAlchemy costs ~0.3 s, which the first frame must not wait for.
        from gridwalker.store import migrate

        return migrate.open_database(self.db_path), None

    @work(thread=True, exclusive=True, exit_on_error=False, group="database")
    def open_database(self) -> None:
        """Open the database off the UI thread and report by message."""
        try:
            engine, member = self.connect()
        except Exception as exc:  # any failure is shown on screen, never a traceback
            self.post_message(DatabaseFailed(error_reason(exc)))
        else:
            self.post_message(DatabaseOpened(engine, member))

    @on(DatabaseOpened)
    def _opened(self, message: DatabaseOpened) -> None:
        """Keep the engine, tell the screens, then let the app go on (`database_opened`)."""
        self.engine = message.engine
        self.member = message.member
        for stack in self._screen_stacks.values():
            for screen in stack:
                ready = getattr(screen, "database_ready", None)
                if ready is not None:
                    ready()
        self.database_opened()

    def database_opened(self) -> None:
        """What the app does once the database is open (after the screens were told)."""

    @on(DatabaseFailed)
    def _failed(self, message: DatabaseFailed) -> None:
        """Say on screen that the database could not be opened, and why."""
        text = _("Could not open the database {path}:\n{reason}").format(
            path=self.db_path, reason=message.reason
        )
        if self.FAILED_HINT:
            text += "\n\n" + _(self.FAILED_HINT)
        show = getattr(self.screen_stack[0], "show_status", None)
        if show is not None:
            show(text, error=True)
        else:
            self.notify(text, severity="error", timeout=15)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a notification, always as plain text (`markup` is ignored).

        A notification often carries user text (a name, a file name, a refusal's reason);
        read as markup, `[/]` would crash the app and `[@click=…]` would run an action.
        Widgets and screens call this with `markup=True` by default, hence no opt-in.
        """
        del markup
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_help(self) -> None:
        """Open the help listing the keys of the current screen."""
        from gridwalker.tui.common.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(screen_keys(self.screen)))

    # -- going back (Esc) ---------------------------------------------------------------------

    def can_go_back(self) -> bool:
        """Whether Esc has somewhere to go: a screen under this one, or home from a mode."""
        return len(self.screen_stack) > 1 or bool(
            self.HOME_MODE and self.current_mode != self.HOME_MODE
        )

    def go_back(self) -> None:
        """Esc: back to the screen under this one; on another mode's first screen, home."""
        if len(self.screen_stack) > 1:
            self.pop_screen()
        elif self.HOME_MODE and self.current_mode != self.HOME_MODE:
            self.switch_mode(self.HOME_MODE)

    # -- Textual's own words in the UI language -------------------------------------------

    def action_command_palette(self) -> None:
        """Open the command palette (its placeholder and messages in the UI language)."""
        from gridwalker.tui.common.palette import Palette

        if self.use_command_palette and not Palette.is_open(self):
            self.push_screen(Palette(id="--command-palette"))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's system commands (theme, maximize, screenshot) in the UI language."""
        from gridwalker.tui.common.palette import system_commands

        return system_commands(self, screen)

    def search_themes(self) -> None:
        """The theme picker, asking in the UI language."""
        from gridwalker.tui.common.palette import search_themes

        search_themes(self)

    def get_key_display(self, binding: Binding) -> str:
        """A key as the footer shows it; a key named by a word (Space) in the UI language."""
        from gridwalker.domain.i18n import language
        from gridwalker.tui.keys import KEY_WORDS

        if language() == "zh" and not binding.key_display and binding.key in KEY_WORDS:
            return _(KEY_WORDS[binding.key])
        return super().get_key_display(binding)
