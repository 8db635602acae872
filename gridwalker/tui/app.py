"""The gridwalker Textual app: paints first, then opens the database in a worker."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message

from gridwalker.domain.i18n import _, set_language
from gridwalker.tui.commands import ActionCommands
from gridwalker.tui.keys import N_, screen_keys, translate_bindings
from gridwalker.tui.screens.help import HelpScreen
from gridwalker.tui.screens.places import PlacesScreen, RootPlaces, error_reason, load_root

if TYPE_CHECKING:
    from sqlalchemy import Engine


class DatabaseOpened(Message):
    """The opening worker has an engine and the first level of the places tree."""

    def __init__(self, engine: Engine, root: RootPlaces) -> None:
        """Carry the open engine and what the tree shows first."""
        super().__init__()
        self.engine = engine
        self.root = root


class DatabaseFailed(Message):
    """The opening worker could not open or read the database."""

    def __init__(self, reason: str) -> None:
        """Carry what went wrong, in words."""
        super().__init__()
        self.reason = reason


class GridwalkerApp(App[None]):
    """Grid member's app: the places of the street, from the database at `db_path`."""

    # A mode (not get_default_screen) so that Textual loads the screen's CSS_PATH.
    MODES: ClassVar = {"places": PlacesScreen}
    DEFAULT_MODE: ClassVar[str] = "places"
    COMMANDS: ClassVar = {ActionCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", N_("Quit"), priority=True),
        Binding("f1", "help", N_("Help")),
        Binding("ctrl+p", "command_palette", N_("Commands"), show=False, priority=True),
    ]

    def __init__(self, db_path: Path, *, lang: str | None = None, title_suffix: str = "") -> None:
        """Set the UI language ("zh", "en", None: from the locale); nothing is opened yet."""
        set_language(lang)
        super().__init__()
        translate_bindings(self)
        self.db_path = Path(db_path)
        self.engine: Engine | None = None
        self.title = _("Gridwalker") + title_suffix

    @property
    def places(self) -> PlacesScreen:
        """The places screen, always at the bottom of the screen stack."""
        screen = self.screen_stack[0]
        assert isinstance(screen, PlacesScreen)
        return screen

    def on_mount(self) -> None:
        """Open the database once the first frame is on its way."""
        self.open_database()

    def on_unmount(self) -> None:
        """Close the database's connections."""
        if self.engine is not None:
            self.engine.dispose()

    @work(thread=True, exclusive=True, exit_on_error=False, group="database")
    def open_database(self) -> None:
        """Open (and migrate) the database and read the tree's first level, off the UI thread."""
        # Imported here: SQLAlchemy costs ~0.3 s, which the first frame must not wait for.
        from gridwalker.store.migrate import open_database

        try:
            engine = open_database(self.db_path)
            with engine.connect() as conn:
                root = load_root(conn)
        except Exception as exc:  # any failure is shown on screen, never a traceback
            self.post_message(DatabaseFailed(error_reason(exc)))
        else:
            self.post_message(DatabaseOpened(engine, root))

    @on(DatabaseOpened)
    def _opened(self, message: DatabaseOpened) -> None:
        """Keep the engine and fill the places tree."""
        self.engine = message.engine
        self.places.show_root(message.engine, message.root)

    @on(DatabaseFailed)
    def _failed(self, message: DatabaseFailed) -> None:
        """Say on screen that the database could not be opened, and why."""
        text = _("Could not open the database {path}:\n{reason}").format(
            path=self.db_path, reason=message.reason
        )
        hint = _("Check that the folder exists and can be written, or choose another file.")
        self.places.show_status(f"{text}\n\n{hint}", error=True)

    def action_help(self) -> None:
        """Open the help listing the keys of the current screen."""
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(screen_keys(self.screen)))
