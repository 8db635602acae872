"""Sync commands (CLI.md): keys, export, bundle inspect, hub init / enroll / import.

Thin wrappers over `gridwalker.sync`: messages to stderr, results to stdout, `--json` prints
one object, exit 0 done (also "nothing to export", "already imported"), 1 refused or failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from gridwalker import config
from gridwalker.cli.common import (
    EXAMPLES,
    NO_FOLDER,
    DatabaseUrl,
    Progress,
    epilog,
    fail,
    home_paths,
    hub_db_option,
    no_database,
    use_language,
)
from gridwalker.cli.root import main
from gridwalker.domain.i18n import _

EXAMPLES.update(
    {
        "export": "gridwalker export --out /media/usb   # nightly: 0 2 * * * gridwalker export --json",
        "bundle_inspect": "gridwalker bundle inspect gridwalker-3f9c2a1b7d4e-000012.zip.age --identity hub.key",
        "hub_import": "gridwalker hub import /media/usb/outbox/",
    }
)


def _print_json(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=None))


def _open(db: Path):  # noqa: ANN202 - an Engine
    from gridwalker.cli.unlock import open_laptop

    return open_laptop(db)


# --- export ---------------------------------------------------------------------------------


@main.command("export", epilog=epilog("export"))
@click.option(
    "--db", "db", type=click.Path(dir_okay=False, path_type=Path), help="The field database."
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into (default: the outbox in the data folder).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Everything, not only the changes since the last bundle (e.g. for a new hub).",
)
@click.option(
    "--plaintext", is_flag=True, help="Do not encrypt (the bundle carries personal information)."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def export_cmd(
    db: Path | None, out: Path | None, full: bool, plaintext: bool, as_json: bool
) -> None:
    """Write the next sync bundle: signed, encrypted to the hub, atomically."""
    from gridwalker.sync.keys import KeyProblem
    from gridwalker.sync.laptop.export import ExportRefused, export_bundle

    home = home_paths()
    db = db or home.field_db
    if not db.exists():
        fail(no_database(db))
    if out is not None and not out.is_dir():
        fail(f"{out}: {NO_FOLDER}")
    try:
        member = config.load_settings(home).member_name
    except ValueError as exc:
        fail(str(exc))
    engine = _open(db)
    try:
        with Progress("export") as progress:
            result = export_bundle(
                engine,
                home,
                out_dir=out,
                full=full,
                plaintext=plaintext,
                member=member,
                progress=progress,
            )
    except (ExportRefused, KeyProblem) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(_("Export failed: {reason}; nothing was marked as exported").format(reason=exc))
    finally:
        engine.dispose()
    from gridwalker.cli.lines import export_line

    if as_json:
        _print_json(result.as_json())
    else:
        click.echo(export_line(result), err=result.path is None)


# --- bundle ---------------------------------------------------------------------------------


@main.group()
def bundle() -> None:
    """Look inside sync bundles."""


@bundle.command("inspect", epilog=epilog("bundle_inspect"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--identity",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An age identity to decrypt with (default: this home's hub key).",
)
@hub_db_option(
    "The hub database with the enrolled keys: a file or a URL (default: hub.db if present)."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bundle_inspect(
    file: Path, identity: Path | None, db: Path | DatabaseUrl | None, as_json: bool
) -> None:
    """Show a bundle's manifest and check its hashes and signature."""
    from gridwalker.sync import bundle as fmt
    from gridwalker.sync.inspect import inspect_bundle
    from gridwalker.sync.keys import KeyProblem, hub_key_path, load_identity, read_public_key

    home = home_paths()
    identities = []
    for path in [identity, hub_key_path(home)]:
        if path is not None and path.exists():
            try:
                identities.append(load_identity(path)[0])
            except KeyProblem as exc:
                fail(str(exc))
    hub_db = db or home.hub_db
    engine = _open(hub_db) if hub_db.exists() else None
    local_pub = home.keys / "device.pub"

    def lookup(key_id: str) -> fmt.SigningKey:
        if engine is not None:
            from gridwalker.sync.hub.enrol import key_lookup

            with engine.connect() as conn:
                return key_lookup(conn)(key_id)
        if local_pub.exists():
            local_id, line = read_public_key(local_pub)
            if local_id == key_id:
                return fmt.SigningKey(key_id, line, "this laptop")
        raise fmt.BundleRefused(
            "unknown-key",
            _("key {key} is neither enrolled here nor this laptop's key").format(key=key_id),
        )

    try:
        report = inspect_bundle(file, identities, lookup)
    finally:
        if engine is not None:
            engine.dispose()
    if as_json:
        _print_json(report.as_json())
    else:
        click.echo("\n".join(report.lines()))
    if not report.ok:
        sys.exit(1)


# --- hub ------------------------------------------------------------------------------------


def _hub_group() -> click.Group:
    """The `hub` group (shared with the review desk: whoever registers first creates it)."""
    existing = main.commands.get("hub")
    if isinstance(existing, click.Group):
        return existing

    @main.group("hub", invoke_without_command=True, epilog=HUB_EPILOG)
    @hub_db_option()
    @click.option(
        "--demo",
        is_flag=True,
        help="Open a hub holding the demo street as received from its laptops (built on first use).",
    )
    @click.option(
        "--lang",
        type=click.Choice(["zh", "en"]),
        help="Language of the desk and of every hub command's messages.",
    )
    @click.option(
        "--as",
        "actor",
        metavar="NAME",
        help="Who decides (recorded with every decision; default: the signed-in name, else the user).",
    )
    @click.pass_context
    def hub(
        ctx: click.Context,
        db: Path | DatabaseUrl | None,
        demo: bool,
        lang: str | None,
        actor: str | None,
    ) -> None:
        """The supervisor's hub: the review desk, identity, enrolled laptops, bundles."""
        home = home_paths()
        language = use_language(lang, home)
        if ctx.invoked_subcommand is not None:
            return
        if actor is not None and not actor.strip():
            fail(_("--as needs a name: who decides at the desk"), 2)
        if demo:
            from gridwalker.demo.hub import demo_hub_present

            # The demo's keys live in a home of its own; its database is hub.db there, or the
            # one --db names (a PostgreSQL database the demo is built into on first use).
            home = config.paths(home.data / "demo-hub")
            db = db or home.hub_db
            if not (db.exists() if isinstance(db, Path) else demo_hub_present(str(db))):
                _build_demo_hub(home, db)
        db = db or home.hub_db
        if not db.exists():
            fail(
                _(
                    "{path} does not exist; run `gridwalker hub init` and import bundles, "
                    "or try `gridwalker hub --demo`."
                ).format(path=db)
            )
        from gridwalker.tui.desk.app import run_hub

        run_hub(
            db if isinstance(db, Path) else str(db),
            language,
            home,
            _desk_actor(home, db, actor, demo),
        )

    return hub


def _desk_actor(home: config.Paths, db: Path | DatabaseUrl, actor: str | None, demo: bool) -> str:
    """The supervisor who decides at the desk (a known one; remembered for next time)."""
    from gridwalker.store.desk.people import MemberProblem, add_supervisor, desk_actor, supervisors
    from gridwalker.store.migrate import open_database

    try:
        settings = config.load_settings(home)
    except ValueError as exc:
        fail(str(exc))
    engine = open_database(db)
    try:
        with engine.begin() as conn:
            if demo and not supervisors(conn):
                from gridwalker.demo.hub import SUPERVISOR

                add_supervisor(conn, SUPERVISOR)
            who = desk_actor(conn, actor, settings.supervisor or None)
    except MemberProblem as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    if settings.supervisor != who:
        settings.supervisor = who
        config.save_settings(home, settings)
    return who


HUB_EPILOG = "\b\nExample:\n  gridwalker hub --demo      # the review desk on the demo street"


def _build_demo_hub(home: config.Paths, db: Path | DatabaseUrl) -> None:
    """The demo hub: the whole demo street received from its 34 laptops (built once)."""
    from gridwalker.demo.hub import build_demo_hub

    click.echo(
        f"Building the demo hub in {db}: the whole street from its 34 laptops, once "
        "(about two minutes) …",
        err=True,
    )
    with Progress("demo hub") as progress:
        summary = build_demo_hub(home, progress, db=db if isinstance(db, Path) else str(db))
    click.echo(
        f"demo hub: {summary.households:,} households from {summary.devices} laptops, "
        f"{summary.bundles} bundles, {summary.conflicts} conflicts, {summary.held} held, "
        f"{summary.quarantined} quarantined ({summary.seconds.get('total', 0):.0f} s)",
        err=True,
    )


hub_group = _hub_group()


@hub_group.command("import", epilog=epilog("hub_import"))
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@hub_db_option()
@click.option(
    "--identity",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The hub's age identity (default: this home's hub.key).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def hub_import(
    paths: tuple[Path, ...], db: Path | DatabaseUrl | None, identity: Path | None, as_json: bool
) -> None:
    """Import bundles (files, or folders scanned for them): checked first, then applied."""
    from gridwalker.sync.hub.intake import import_paths
    from gridwalker.sync.hub.lock import HubLocked
    from gridwalker.sync.keys import KeyProblem, load_hub_identity

    home = home_paths()
    if identity is None:
        try:  # said before the hub database is opened: a refused run leaves nothing behind
            load_hub_identity(home)
        except KeyProblem as exc:
            fail(str(exc))
    engine = _open(db or home.hub_db)
    try:
        with Progress("import") as progress:
            outcomes = import_paths(engine, home, list(paths), identity=identity, progress=progress)
        from gridwalker.store.desk.arrivals import record_arrivals

        with engine.begin() as conn:  # what arrived waits in the supervisors' review queue
            record_arrivals(conn)
    except (HubLocked, KeyProblem) as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    refused = [o for o in outcomes if o.status == "refused"]
    if as_json:
        tally = {
            s: sum(o.status == s for o in outcomes)
            for s in ("applied", "already", "held", "refused", "skipped")
        }
        _print_json({"bundles": [o.as_json() for o in outcomes], **tally})
    else:
        from gridwalker.cli.lines import hub_import_line

        for outcome in outcomes:
            click.echo(hub_import_line(outcome), err=outcome.status == "refused")
        if not outcomes:
            click.echo(_("No bundles found."), err=True)
    if refused:
        sys.exit(1)
