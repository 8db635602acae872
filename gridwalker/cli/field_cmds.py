"""The field commands: `demo build` (the demo street) and `roster import` (花名册)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from gridwalker import config
from gridwalker.cli.common import Progress, epilog, fail, home_paths, parse_day, pick_language
from gridwalker.cli.lines import counts_words
from gridwalker.cli.root import main
from gridwalker.domain.i18n import _


@main.group()
def demo() -> None:
    """The demo street (新华街, Jianghan district, Wuhan)."""


@demo.command("build", epilog=epilog("demo_build"))
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
    "--today", callback=parse_day, help="Build as of this day (YYYY-MM-DD); default: today."
)
def demo_build(
    db: Path | None, households: int, seed: int, months: int, today: date | None
) -> None:
    """Build the demo street into a new database."""
    import time

    from gridwalker.demo.street import build_demo
    from gridwalker.store.migrate import open_database

    db = db or home_paths().field_db
    if db.exists() and db.stat().st_size > 0:
        fail(_("{path} already exists; give another --db or remove it first.").format(path=db))
    started = time.perf_counter()
    engine = open_database(db)
    with Progress("demo") as progress:
        summary = build_demo(
            engine, households=households, seed=seed, months=months, today=today, progress=progress
        )
    engine.dispose()
    seconds = time.perf_counter() - started
    rows = sum(summary.counts.values())
    click.echo(
        _("{path}: {rows} rows in {seconds} s: {counts}").format(
            path=db,
            rows=f"{rows:,}",
            seconds=f"{seconds:.1f}",
            counts=counts_words(summary.counts),
        )
    )


@main.group()
def roster() -> None:
    """Household rosters (花名册) from spreadsheets."""


@roster.command("import", epilog=epilog("roster_import"))
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
    from gridwalker.cli.unlock import open_laptop
    from gridwalker.domain.i18n import language, set_language
    from gridwalker.store.roster import RosterError, import_roster

    home = home_paths()
    set_language(pick_language(lang, home))
    try:
        settings = config.load_settings(home)
    except ValueError as exc:
        fail(str(exc))
    db = db or home.field_db
    made_here = not db.exists()  # a first import makes the laptop's database
    engine = open_laptop(db)
    result = None
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
        fail(str(exc))  # the message names the file
    finally:
        engine.dispose()
        if made_here and (result is None or not result.written):
            _remove_database(db)  # refused or only checked: no empty database left behind
    report_roster(file, result, dry_run)


def _remove_database(db: Path) -> None:
    """Remove a database this command made and did not fill (with SQLite's side files)."""
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        path.unlink(missing_ok=True)


def report_roster(file: Path, result: Any, dry_run: bool) -> None:
    """Print a roster import's result: each bad row, places made, the summary; exit 1 on errors."""
    for err in result.errors:
        where = f"{file}:{err.line}"
        column = f" [{err.column}]" if err.column else ""
        click.echo(f"{where}{column}: {err.message}", err=True)
    for place in result.places_created:
        click.echo(_("created: {place}").format(place=place), err=True)
    summary = (
        _("{rows} rows checked") if dry_run or result.errors else _("{rows} rows imported")
    ).format(rows=result.rows)
    click.echo(
        f"{file}: {summary}; "
        + _(
            "households new {households}, residents new {residents}, updated {updated}, "
            "unchanged {unchanged}; errors {errors}"
        ).format(
            households=result.households_created,
            residents=result.residents_created,
            updated=result.residents_updated,
            unchanged=result.unchanged,
            errors=len(result.errors),
        )
        + ("" if result.written else "; " + _("nothing written"))
    )
    if result.errors:
        sys.exit(1)
