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
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.screen import ModalScreen, Screen

from gridwalker.domain.i18n import _
from gridwalker.tui.format import error_reason
from gridwalker.tui.keys import translate_bindings

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from gridwalker.config import Paths
    from gridwalker.tui.app_base import GridwalkerBaseApp


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
    def gw(self) -> GridwalkerBaseApp:
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

        def call() -> Any:
            if write:
                with engine.begin() as conn:
                    return fn(conn)
            with engine.connect() as conn:
                return fn(conn)

        self._post_result(call, done, f"db-{done.__name__}", exclusive, failed)

    def run_engine(
        self,
        fn: Callable[[Engine, Paths], Any],
        done: type[DbResult],
        *,
        failed: Callable[[BaseException], bool] | None = None,
    ) -> None:
        """Run a function of the engine and the app's home in a worker; post `done(result)`.

        For the sync package's entry points (force-apply, retry), which open their own
        transactions and take the hub's lock.
        """
        engine = self.engine
        if engine is None:
            return
        home = self.gw.home
        self._post_result(lambda: fn(engine, home), done, f"engine-{done.__name__}", True, failed)

    def _post_result(
        self,
        call: Callable[[], Any],
        done: type[DbResult],
        group: str,
        exclusive: bool,
        failed: Callable[[BaseException], bool] | None,
    ) -> None:
        """Run `call` in a thread worker and post its result, or its error, by message."""

        def work() -> None:
            try:
                result = call()
            except Exception as exc:  # reported by message, handled on the UI thread
                self.post_message(DbFailed(done, exc, failed))  # type: ignore[attr-defined]
            else:
                self.post_message(done(result))  # type: ignore[attr-defined]

        self.run_worker(  # type: ignore[attr-defined]
            work, thread=True, group=group, exclusive=exclusive, exit_on_error=False
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
