"""What every database-backed screen shares: reads and writes in workers, results by message.

Workers never touch widgets: `db_read` and `db_write` run a function of a Connection in a thread
and post its result back as a typed message, a subclass of `DbResult` that the screen names
for what happened and handles with `@on(...)` on the UI thread (harlequin's pattern):

    class HouseholdLoaded(DbResult): ...

    self.db_read(lambda conn: read_household(conn, uuid), HouseholdLoaded)

    @on(HouseholdLoaded)
    def _show(self, message: HouseholdLoaded) -> None: ...

A failure shows a notification with the reason, never a traceback, unless the caller gave
`failed=`: a function of the error that returns True when it dealt with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.message import Message
from textual.screen import ModalScreen, Screen

from gridwalker.domain.i18n import _
from gridwalker.tui.keys import translate_bindings

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from gridwalker.tui.field.app import GridwalkerApp

T = TypeVar("T")


def error_reason(exc: BaseException) -> str:
    """The useful part of a database error (SQLAlchemy wraps the driver's message)."""
    return str(getattr(exc, "orig", None) or exc) or type(exc).__name__


class DbResult(Message, bubble=False):
    """A worker's result; subclass it once per kind of result and handle it with `@on`."""

    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


class DbFailed(Message, bubble=False):
    """A worker that would have posted `request` raised `error`."""

    def __init__(
        self,
        request: type[DbResult],
        error: BaseException,
        failed: Callable[[BaseException], bool] | None,
    ) -> None:
        super().__init__()
        self.request = request
        self.error = error
        self.failed = failed


class DbMixin:
    """Database work for screens: `db_read` and `db_write` in threads, results by message."""

    @property
    def gw(self) -> GridwalkerApp:
        return self.app  # type: ignore[attr-defined, return-value]

    @property
    def engine(self) -> Engine | None:
        return self.gw.engine

    def run_db(
        self,
        fn: Callable[[Connection], Any],
        done: type[DbResult],
        *,
        write: bool,
        exclusive: bool,
        failed: Callable[[BaseException], bool] | None = None,
    ) -> None:
        """Run `fn` in a worker (in one transaction when `write`); post `done(result)`."""
        engine = self.engine
        if engine is None:
            return

        def work() -> None:
            try:
                if write:
                    with engine.begin() as conn:
                        result = fn(conn)
                else:
                    with engine.connect() as conn:
                        result = fn(conn)
            except Exception as exc:  # reported by message, handled on the UI thread
                self.post_message(DbFailed(done, exc, failed))  # type: ignore[attr-defined]
            else:
                self.post_message(done(result))  # type: ignore[attr-defined]

        self.run_worker(  # type: ignore[attr-defined]
            work,
            thread=True,
            group=f"db-{done.__name__}",
            exclusive=exclusive,
            exit_on_error=False,
        )

    def db_read(
        self,
        fn: Callable[[Connection], Any],
        done: type[DbResult],
        *,
        exclusive: bool = True,
        failed: Callable[[BaseException], bool] | None = None,
    ) -> None:
        """Read in a worker; post `done(result)`. An exclusive read cancels the previous one."""
        self.run_db(fn, done, write=False, exclusive=exclusive, failed=failed)

    def db_write(
        self,
        fn: Callable[[Connection], Any],
        done: type[DbResult],
        *,
        failed: Callable[[BaseException], bool] | None = None,
    ) -> None:
        """Write in one transaction in a worker; post `done(result)`."""
        self.run_db(fn, done, write=True, exclusive=False, failed=failed)

    def on_db_failed(self, message: DbFailed) -> None:
        """A worker's error: the caller's `failed` handler, else a notification."""
        message.stop()
        if message.failed is not None and message.failed(message.error):
            return
        self.notify(  # type: ignore[attr-defined]
            error_reason(message.error),
            title=_("Something went wrong"),
            severity="error",
            timeout=8,
        )

    def database_ready(self) -> None:
        """Called once the app has an open database (or at mount when it already has one)."""


class DbScreen(DbMixin, Screen[Any]):
    """A full screen whose content comes from the database."""

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def on_mount(self) -> None:
        if self.engine is not None:
            self.database_ready()


class DbModal(DbMixin, ModalScreen[Any]):
    """A dialog whose content comes from, or goes to, the database."""

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def on_mount(self) -> None:
        if self.engine is not None:
            self.database_ready()
