"""The command line (../shared/CLI.md is the contract scripts and cron jobs rely on).

`main` and the field commands live here; other areas register their commands from their
own modules in this package (imported at the bottom).

Messages go to stderr, results to stdout. Exit codes: 0 done, 1 the command ran but refused
or failed something, 2 wrong usage. Heavy imports (store, Textual) happen inside commands so
`--help` and the first frame stay fast.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from gridwalker import __version__, config

EXAMPLES = {
    "main": "gridwalker --demo        # try it on the demo street\n"
    "  gridwalker --lang en --db ~/grid.db",
    "demo_build": "gridwalker demo build --db /tmp/street.db --households 400 --today 2026-11-20",
    "roster_import": "gridwalker roster import 邮三社区花名册.xlsx --grid XH-01-01 --dry-run",
}


def _epilog(key: str) -> str:
    return f"\b\nExample:\n  {EXAMPLES[key]}"


def _fail(message: str, code: int = 1) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def _parse_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD") from None


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
            self.task = self.bar.add_task(self.title, total=None)
        return self

    def __call__(self, label: str, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(
                self.task, description=f"{self.title}: {label}", completed=done, total=total
            )

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _home() -> config.Paths:
    return config.paths()


def _language(lang: str | None, home: config.Paths) -> str | None:
    if lang:
        return lang
    try:
        return config.load_settings(home).language or None
    except ValueError as exc:
        _fail(str(exc))
    return None


@click.group(invoke_without_command=True, epilog=_epilog("main"))
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    help="Interface language (default: the locale, else Chinese).",
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
        _fail(str(exc), code=2)
    if ctx.invoked_subcommand is not None:
        return
    home = _home()
    if demo:
        home = config.paths(home.demo_home)
        db = db or home.field_db
        if not db.exists():
            _build_demo_laptop(home, db)
    db = db or home.field_db
    from gridwalker.domain.i18n import set_language

    language = _language(lang, home)
    set_language(language)
    from gridwalker.tui.field.app import GridwalkerApp

    GridwalkerApp(db, lang=language, home=home).run()


def _build_demo_laptop(home: config.Paths, db: Path) -> None:
    """The demo member's laptop: one grid of the demo street with a year of history."""
    from gridwalker.demo.street import build_demo
    from gridwalker.store.migrate import open_database

    click.echo(f"Building the demo laptop in {db} …", err=True)
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


@main.group()
def demo() -> None:
    """The demo street (新华街, Jianghan district, Wuhan)."""


@demo.command("build", epilog=_epilog("demo_build"))
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database to create (default: the field database of this home).",
)
@click.option(
    "--households",
    type=click.IntRange(min=1),
    default=14_000,
    show_default=True,
    help="How many households (400 = one grid's laptop).",
)
@click.option(
    "--seed",
    type=int,
    default=7,
    show_default=True,
    help="Random seed: the same seed builds the same street.",
)
@click.option(
    "--months",
    type=click.IntRange(min=1, max=60),
    default=12,
    show_default=True,
    help="Months of visit history.",
)
@click.option(
    "--today", callback=_parse_day, help="Build as of this day (YYYY-MM-DD); default: today."
)
def demo_build(
    db: Path | None, households: int, seed: int, months: int, today: date | None
) -> None:
    """Build the demo street into a new database."""
    import time

    from gridwalker.demo.street import build_demo
    from gridwalker.store.migrate import open_database

    db = db or _home().field_db
    if db.exists() and db.stat().st_size > 0:
        _fail(f"{db} already exists; give another --db or remove it first.")
    started = time.perf_counter()
    engine = open_database(db)
    with Progress("demo") as progress:
        summary = build_demo(
            engine, households=households, seed=seed, months=months, today=today, progress=progress
        )
    engine.dispose()
    seconds = time.perf_counter() - started
    rows = sum(summary.counts.values())
    counts = ", ".join(f"{k} {v:,}" for k, v in summary.counts.items())
    click.echo(f"{db}: {rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s): {counts}")


@main.group()
def roster() -> None:
    """Household rosters (花名册) from spreadsheets."""


@roster.command("import", epilog=_epilog("roster_import"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--grid", "grid_code", help="Grid code for rows without a 网格 column (default: your grid)."
)
@click.option(
    "--create",
    is_flag=True,
    help="Create streets, communities, grids and buildings that do not exist yet.",
)
@click.option(
    "--db", "db", type=click.Path(dir_okay=False, path_type=Path), help="The field database."
)
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of the messages.")
def roster_import(
    file: Path,
    grid_code: str | None,
    create: bool,
    db: Path | None,
    dry_run: bool,
    lang: str | None,
) -> None:
    """Import a roster (CSV in UTF-8 / GB18030, or XLSX): every row is checked first."""
    from gridwalker.domain.i18n import language, set_language
    from gridwalker.store.migrate import open_database
    from gridwalker.store.roster import RosterError, import_roster

    home = _home()
    set_language(_language(lang, home))
    settings = config.load_settings(home)
    db = db or home.field_db
    engine = open_database(db)
    try:
        result = import_roster(
            engine,
            file,
            grid_code=grid_code or settings.grid_code or None,
            create=create,
            dry_run=dry_run,
            actor=settings.member_name or "roster-import",
            lang=language(),
        )
    except RosterError as exc:
        _fail(f"{file}: {exc}")
    finally:
        engine.dispose()
    for err in result.errors:
        where = f"{file}:{err.line}"
        column = f" [{err.column}]" if err.column else ""
        click.echo(f"{where}{column}: {err.message}", err=True)
    for place in result.places_created:
        click.echo(f"created: {place}", err=True)
    verb = "checked" if dry_run or result.errors else "imported"
    click.echo(
        f"{file}: {result.rows} rows {verb}; households new {result.households_created}, "
        f"residents new {result.residents_created}, updated {result.residents_updated}, "
        f"unchanged {result.unchanged}; errors {len(result.errors)}"
        + ("" if result.written else "; nothing written")
    )
    if result.errors:
        sys.exit(1)


# Commands of other areas register themselves on `main` from their own modules of this
# package; they are imported last because they need `main`. One line per module:
from gridwalker.cli import issue_cmds  # noqa: F401
from gridwalker.cli import report_cmds  # noqa: F401
from gridwalker.cli import sync_cmds  # noqa: E402, F401
from gridwalker.cli import hub_cmds  # noqa: E402, F401
