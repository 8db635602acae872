"""`gridwalker`: the root command group (`main`), which opens the field app (or the demo laptop).

Heavy imports (store, Textual) happen inside commands so `--help` and the first frame stay fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from gridwalker import __version__, config
from gridwalker.cli.common import Progress, epilog, fail, home_paths, pick_language, use_language


class GridwalkerGroup(click.Group):
    """The root group: a database that cannot be opened or read (a --db that is not a
    gridwalker database, a damaged file) ends any command with its reason and exit 1, never
    a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            reason = _database_problem(exc)
            if reason is None:
                raise
            from gridwalker.domain.i18n import _

            fail(_("The database could not be opened or read: {reason}").format(reason=reason))
            raise  # fail has exited


def _database_problem(exc: BaseException) -> str | None:
    """The reason of a database error (None: not one)."""
    if not type(exc).__module__.startswith("sqlalchemy"):
        return None
    from sqlalchemy.exc import DatabaseError

    if not isinstance(exc, DatabaseError):
        return None
    return str(exc.orig) if exc.orig is not None else str(exc).splitlines()[0]


@click.group(cls=GridwalkerGroup, invoke_without_command=True, epilog=epilog("main"))
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    help="Language of the app and of every command's messages (default: the settings, "
    "else the locale, else Chinese).",
)
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The field database (default: gridwalker.db in the data folder).",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Open the app as the demo member of the demo street (built on first use).",
)
@click.version_option(__version__, prog_name="gridwalker")
@click.pass_context
def main(ctx: click.Context, lang: str | None, db: Path | None, demo: bool) -> None:
    """gridwalker — rounds, census and issues for grid members (网格员), offline."""
    from gridwalker.domain import clock

    try:
        clock.freeze_from_env()
    except ValueError as exc:
        fail(str(exc), code=2)
    home = home_paths()
    if ctx.invoked_subcommand is not None:
        use_language(lang, home)  # the command's messages and results speak it too
        return
    if demo:
        home = config.paths(home.demo_home)
        db = db or home.field_db
        if not db.exists():
            _build_demo_laptop(home, db)
    db = db or home.field_db
    from gridwalker.domain.i18n import set_language

    language = pick_language(lang, home)
    set_language(language)
    from gridwalker.tui.field.app import GridwalkerApp

    suffix = ""
    if demo:  # the demo stays plain: made-up people, and nobody to forget a passphrase
        from gridwalker.domain.i18n import _

        suffix = _(" (demo: made-up people, not encrypted)")
    GridwalkerApp(db, lang=language, home=home, title_suffix=suffix).run()


def _build_demo_laptop(home: config.Paths, db: Path) -> None:
    """The demo member's laptop: one grid of the demo street with a year of history."""
    from gridwalker.demo.street import build_demo
    from gridwalker.store.migrate import open_database

    click.echo(
        f"Building the demo laptop in {db} … (made-up people; the demo database is not "
        "encrypted, a real laptop's is)",
        err=True,
    )
    tmp = db.with_suffix(".building")
    for leftover in tmp.parent.glob(tmp.name + "*"):
        leftover.unlink()
    engine = open_database(tmp)
    with Progress("demo") as progress:
        summary = build_demo(engine, households=400, progress=progress)
    engine.dispose()
    tmp.replace(db)
    config.save_settings(
        home,
        config.Settings(
            member_uuid=summary.member_uuid,
            member_name=summary.member_name,
            grid_code=summary.grid_code,
            demo=True,
        ),
    )
    _demo_sync_keys(home, summary.member_name)


def _demo_sync_keys(home: config.Paths, member: str) -> None:
    """A demo device key and a demo hub identity in the demo home, the hub trusted, so
    `GRIDWALKER_HOME=<demo home> gridwalker export` works at once."""
    from gridwalker.domain import clock
    from gridwalker.sync.keys import (
        device_key_paths,
        hub_key_path,
        init_device_key,
        init_hub_identity,
        load_hub_identity,
        trust_hub,
    )

    if not device_key_paths(home)[0].exists():
        init_device_key(home)
    if hub_key_path(home).exists():
        recipient = load_hub_identity(home)[1]
    else:
        recipient = init_hub_identity(home, clock.now())[0]
    trust_hub(home, recipient)
    click.echo(
        f"Demo keys for {member} in {home.keys}: device key, hub identity (trusted); "
        f"export with GRIDWALKER_HOME={home.data.parent} gridwalker export",
        err=True,
    )
