"""What the command modules share: usage examples, failing with an exit code, dates,
progress on a terminal, the home folders and the language."""

from __future__ import annotations

import getpass
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NoReturn

import click

from gridwalker import config

EXAMPLES = {
    "main": "gridwalker --demo        # try it on the demo street\n"
    "  gridwalker --lang en --db ~/grid.db",
    "demo_build": "gridwalker demo build --db /tmp/street.db --households 400 --today 2026-11-20",
    "roster_import": "gridwalker roster import 邮三社区花名册.xlsx --grid XH-01-01 --dry-run",
}


def epilog(key: str) -> str:
    """The example of a command, for its help text."""
    return f"\b\nExample:\n  {EXAMPLES[key]}"


NO_FOLDER = "文件夹不存在（U 盘插好了吗？）/ folder not found (is the USB stick mounted?)"


def no_database(db: object) -> str:
    """The message for a database that is not there (in the command's language)."""
    from gridwalker.domain.i18n import _

    return _("{path}: no database here; give --db PATH").format(path=db)


def fail(message: str, code: int = 1) -> NoReturn:
    """Say why on stderr and exit with `code` (1 refused or failed, 2 wrong usage)."""
    click.echo(message, err=True)
    sys.exit(code)


def parse_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    """A --today style option as a date (a click callback)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD") from None


def _plain(text: str) -> str:
    """Text for the progress bar, whose description Rich reads as markup: a label (a device
    id, a file name) shows as it is written, never as a style or a link."""
    from rich.markup import escape

    return escape(text)


class Progress:
    """Progress of a long job: a rich bar on a terminal, one summary line otherwise."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.bar = None
        self.task = None

    def __enter__(self) -> Progress:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(console=Console(stderr=True), transient=True)
            self.bar.__enter__()
            self.task = self.bar.add_task(_plain(self.title), total=None)
        return self

    def __call__(self, label: str, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(
                self.task,
                description=_plain(f"{self.title}: {label}"),
                completed=done,
                total=total,
            )

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def home_paths() -> config.Paths:
    """The folders of this home (GRIDWALKER_HOME or the platform's)."""
    return config.paths()


LANG_KEY = "gridwalker.lang"


def pick_language(lang: str | None, home: config.Paths) -> str | None:
    """The language asked for (by this command's --lang, else by `gridwalker --lang` or
    `gridwalker hub --lang` before it), else the one in the settings (None: the locale
    decides, as in the apps)."""
    ctx = click.get_current_context(silent=True)
    asked = lang or (ctx.meta.get(LANG_KEY) if ctx is not None else None)
    if asked:
        return asked
    try:
        return config.load_settings(home).language or None
    except ValueError as exc:
        fail(str(exc))
    return None


def use_language(lang: str | None, home: config.Paths) -> str | None:
    """Set the language of a command's words (see `pick_language`); a group's --lang holds
    for the command after it. A broken settings file is left for the command to report."""
    from gridwalker.domain.i18n import set_language

    ctx = click.get_current_context(silent=True)
    if lang and ctx is not None:
        ctx.meta[LANG_KEY] = lang
    asked = lang or (ctx.meta.get(LANG_KEY) if ctx is not None else None)
    if not asked:
        try:
            asked = config.load_settings(home).language or None
        except ValueError:
            asked = None
    set_language(asked)
    return asked


def echo_rows(rows: list[tuple[str, str]], *, err: bool = False) -> None:
    """Lines of `label: value` with the values aligned, measured in cells (Chinese labels are
    two cells a character)."""
    from rich.cells import cell_len

    from gridwalker.domain.i18n import language

    colon = ":" if language() == "en" else "："  # a full-width colon after Chinese words
    width = max((cell_len(label) for label, _value in rows), default=0)
    for label, value in rows:
        click.echo(f"{label}{colon}{' ' * (width - cell_len(label) + 1)}{value}", err=err)


# -- --db: a SQLite file or a database URL ----------------------------------------------------

HUB_DB_ENV = "GRIDWALKER_HUB_DB"
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True)
class DatabaseUrl:
    """A database on a server, named by its URL (never with a password: libpq's environment
    and ~/.pgpass give that, so it reaches neither a command line nor a log)."""

    url: str

    def exists(self) -> bool:
        """A server's database is there for all we can tell without connecting; whether it
        answers is found out, with its reason, when it is opened."""
        return True

    def __str__(self) -> str:
        return self.url


class DatabaseParam(click.ParamType):
    """A --db value: a path to a SQLite file, `sqlite:///path`, or a PostgreSQL URL.

    A value with a scheme is always a URL (click's Path would make `postgresql+psycopg://…`
    a relative folder); `sqlite:///` URLs become their file's path, so they are checked and
    created as a path is.
    """

    name = "PATH|URL"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> Path | DatabaseUrl:
        if isinstance(value, Path | DatabaseUrl):
            return value
        text = str(value)
        if not _URL_SCHEME.match(text):
            path = Path(text).expanduser()
            if not text or text.endswith(("/", "\\")) or path.is_dir():
                self.fail(f"{text!r}: a database file is needed, not a folder", param, ctx)
            return path
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(text)
        except (ArgumentError, ValueError):  # ValueError: a port that is no number
            self.fail(f"{text!r} is not a database URL", param, ctx)
        if url.password is not None:
            self.fail(
                "no password in a database URL (it would show in the process list and in "
                "logs): use ~/.pgpass or the PGPASSWORD / PGPASSFILE environment",
                param,
                ctx,
            )
        backend = url.get_backend_name()
        if backend == "sqlite":
            if not url.database or url.database == ":memory:":
                self.fail(f"{text!r}: a SQLite URL names a file (sqlite:////abs/path)", param, ctx)
            return Path(url.database).expanduser()
        if backend != "postgresql":
            self.fail(
                f"{text!r}: gridwalker runs on SQLite or PostgreSQL "
                "(postgresql+psycopg://user@host:port/db)",
                param,
                ctx,
            )
        # psycopg 3 is the driver (SQLAlchemy's default for postgresql:// is psycopg2).
        return DatabaseUrl(url.set(drivername="postgresql+psycopg").render_as_string())


DATABASE = DatabaseParam()


def hub_db_option(
    help: str = "The hub database: a file or a URL (default: hub.db in the data folder).",
) -> Callable:
    """The --db option of a hub command: a path or a URL, GRIDWALKER_HUB_DB by default."""
    return click.option("--db", "db", type=DATABASE, envvar=HUB_DB_ENV, show_envvar=True, help=help)


def hub_actor() -> str:
    """Who acts at the hub from the command line: the login name."""
    try:
        return f"hub:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "hub"
