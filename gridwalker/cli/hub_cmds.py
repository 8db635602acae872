"""Review-desk commands (issue #7): `hub export`, `import` on a laptop, `hub demo build`.

Thin wrappers over `gridwalker.sync.hub.export`, `gridwalker.sync.laptop.import_` and
`gridwalker.demo.streets`: messages to stderr, results to stdout, `--json` prints one object,
exit 0 done (also "nothing new", "already imported"), 1 refused or failed, 2 wrong usage.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from gridwalker.cli.common import (
    DATABASE,
    EXAMPLES,
    HUB_DB_ENV,
    NO_FOLDER,
    DatabaseUrl,
    Progress,
    epilog,
    fail,
    home_paths,
    hub_db_option,
    no_database,
    parse_day,
)
from gridwalker.cli.lines import counts_words
from gridwalker.cli.root import main
from gridwalker.cli.sync_cmds import hub_group
from gridwalker.domain.i18n import _

EXAMPLES.update(
    {
        "hub_export": "gridwalker hub export --all --out /media/usb/to-laptops",
        "import": "gridwalker import /media/usb/gridwalker-hub-to-3f9c2a1b7d4e-000004.zip.age",
    }
)


def _print_json(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


@hub_group.command("export", epilog=epilog("hub_export"))
@click.option("--device", "device", help="Only this device id.")
@click.option("--all", "all_devices", is_flag=True, help="Every device that sent bundles here.")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into (default: hub-outbox in the data folder).",
)
@hub_db_option()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def hub_export(
    device: str | None,
    all_devices: bool,
    out: Path | None,
    db: Path | DatabaseUrl | None,
    as_json: bool,
) -> None:
    """Write hub bundles: decisions, resolutions and issues back to the laptops."""
    from gridwalker.store.migrate import open_database
    from gridwalker.sync.hub.export import export_hub_bundles
    from gridwalker.sync.keys import KeyProblem

    if bool(device) == all_devices:
        fail(_("Give either --device ID or --all."), 2)
    home = home_paths()
    db = db or home.hub_db
    if not db.exists():
        fail(no_database(db))
    if out is not None and not out.is_dir():
        fail(f"{out}: {NO_FOLDER}")
    engine = open_database(db)
    try:
        with Progress("hub export") as progress:
            results = export_hub_bundles(
                engine,
                home,
                device_ids=[device] if device else None,
                out_dir=out,
                progress=progress,
            )
    except KeyProblem as exc:
        fail(str(exc))
    except OSError as exc:
        fail(_("Hub export failed: {reason}").format(reason=exc))
    finally:
        engine.dispose()
    refused = [r for r in results if r.refused]
    if as_json:
        _print_json(
            {
                "devices": [r.as_json() for r in results],
                "files": sum(len(r.paths) for r in results),
                "refused": len(refused),
            }
        )
    else:
        from gridwalker.cli.lines import hub_export_line

        for result in results:
            click.echo(hub_export_line(result), err=not result.paths)
        if not results:
            click.echo(_("No device has sent bundles here."), err=True)
    if refused:
        sys.exit(1)


@main.command("import", epilog=epilog("import"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--db", "db", type=click.Path(dir_okay=False, path_type=Path), help="The field database."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def import_cmd(file: Path, db: Path | None, as_json: bool) -> None:
    """Apply a hub bundle on this laptop: checked completely first, then applied at once."""
    from gridwalker.cli.unlock import open_laptop
    from gridwalker.sync.laptop.import_ import import_hub_bundle

    home = home_paths()
    db = db or home.field_db
    if not db.exists():
        fail(no_database(db))
    engine = open_laptop(db)
    try:
        outcome = import_hub_bundle(engine, home, file)
    finally:
        engine.dispose()
    if as_json:
        _print_json(outcome.as_json())
    else:
        from gridwalker.cli.lines import laptop_import_line

        click.echo(laptop_import_line(outcome), err=outcome.status == "refused")
    if outcome.status == "refused":
        sys.exit(1)


# --- hub demo build ---------------------------------------------------------------------------

EXAMPLES["hub_demo_build"] = (
    "gridwalker hub demo build --db postgresql+psycopg://gridwalker@localhost/district "
    "--streets 10 --today 2026-11-20"
)


@hub_group.group("demo")
def hub_demo() -> None:
    """Demo hubs for trying and benchmarking (several demo streets in one database)."""


@hub_demo.command("build", epilog=epilog("hub_demo_build"))
@click.option(
    "--db",
    "db",
    type=DATABASE,
    envvar=HUB_DB_ENV,
    show_envvar=True,
    required=True,
    help="The hub database to fill: a new file, or an empty PostgreSQL database's URL.",
)
@click.option(
    "--streets",
    type=click.IntRange(min=1, max=200),
    default=1,
    show_default=True,
    help="How many demo streets (新华街, 民族街, 花楼街 …), each like the demo street.",
)
@click.option(
    "--households",
    type=click.IntRange(min=1),
    default=14_000,
    show_default=True,
    help="Households per street.",
)
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed of street 1.")
@click.option(
    "--today", callback=parse_day, help="Build as of this day (YYYY-MM-DD); default: today."
)
def hub_demo_build(
    db: Path | DatabaseUrl, streets: int, households: int, seed: int, today: date | None
) -> None:
    """Build demo streets into a hub database, each received from its laptops' bundles."""
    from gridwalker.demo.streets import build_demo_streets

    home = home_paths()
    target: Path | str = db if isinstance(db, Path) else str(db)
    if isinstance(target, Path) and target.exists():
        fail(_("{path} already exists; give another --db or remove it first.").format(path=db))
    done: list[str] = []

    def tick(label: str, step: int, total: int, progress: Progress | None = None) -> None:
        street = label.split(":", 1)[0]  # "street 2/10"
        if not done or done[-1] != street:  # one line per street on stderr, bar or not
            done.append(street)
            click.echo(
                _("Building street {n} …").format(n=street.removeprefix("street ")), err=True
            )
        if progress is not None:
            progress(label, step, total)

    try:
        with Progress("hub demo") as progress:
            summary = build_demo_streets(
                home,
                target,
                streets,
                lambda label, step, total: tick(label, step, total, progress),
                households=households,
                seed=seed,
                today=today,
            )
    except FileExistsError:
        fail(_("{db} already holds streets; give an empty database.").format(db=db))
    rows = sum(summary.rows.values())
    click.echo(
        _("{db}: {streets} streets, {rows} rows in {seconds} s: {counts}").format(
            db=db,
            streets=len(summary.streets),
            rows=f"{rows:,}",
            seconds=f"{summary.seconds:.0f}",
            counts=counts_words(summary.rows),
        )
    )
