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
from gridwalker.cli.common import EXAMPLES, Progress, epilog, fail, home_paths
from gridwalker.cli.root import main

EXAMPLES.update(
    {
        "export": "gridwalker export --out /media/usb   # nightly: 0 2 * * * gridwalker export --json",
        "keys_init": "gridwalker keys init",
        "keys_show": "gridwalker keys show --json",
        "keys_trust_hub": "gridwalker keys trust-hub age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p --hub-key hub-signing.pub",
        "bundle_inspect": "gridwalker bundle inspect gridwalker-3f9c2a1b7d4e-000012.zip.age --identity hub.key",
        "hub_init": "gridwalker hub init",
        "hub_enroll": "gridwalker hub enroll /media/usb/device.pub --member 李晓梅 --recipient age1…",
        "hub_import": "gridwalker hub import /media/usb/outbox/",
    }
)


def _print_json(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=None))


def _open(db: Path):  # noqa: ANN202 - an Engine
    from gridwalker.store.migrate import open_database

    return open_database(db)


# --- keys -----------------------------------------------------------------------------------


@main.group()
def keys() -> None:
    """This laptop's device key and the hub it trusts."""


@keys.command("init", epilog=epilog("keys_init"))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def keys_init(as_json: bool) -> None:
    """Make this laptop's Ed25519 device key (minisign format) and its age identity, once.

    A laptop that already has its device key keeps it; only a missing age identity is added.
    """
    from gridwalker.domain import clock
    from gridwalker.sync.keys import (
        KeyProblem,
        device_identity_path,
        device_key_paths,
        init_device_identity,
        init_device_key,
        load_identity,
        read_public_key,
    )

    home = home_paths()
    secret, public = device_key_paths(home)
    had_key = secret.exists() or public.exists()
    try:
        if had_key and device_identity_path(home).exists():
            init_device_key(home)  # refuses: both exist, nothing to make
        key_id = read_public_key(public)[0] if had_key else init_device_key(home)
        if device_identity_path(home).exists():
            recipient, identity = load_identity(device_identity_path(home))[1], None
        else:
            recipient, identity = init_device_identity(home, clock.now())
    except KeyProblem as exc:
        fail(str(exc))
    if as_json:
        _print_json(
            {
                "key_id": key_id,
                "secret_key": str(secret),
                "public_key": str(public),
                "recipient": recipient,
                "identity": str(device_identity_path(home)),
                "added_identity_only": had_key,
            }
        )
        return
    if had_key:
        click.echo(f"device key {key_id} kept; age identity added: {identity}", err=True)
    else:
        click.echo(f"device key {key_id}: {public}")
    click.echo(f"recipient: {recipient}")
    click.echo(
        "give device.pub and the recipient to your supervisor: "
        f"gridwalker hub enroll device.pub --member NAME --recipient {recipient}",
        err=True,
    )


@keys.command("show", epilog=epilog("keys_show"))
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The field database (its device id).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def keys_show(db: Path | None, as_json: bool) -> None:
    """Device id, key id, public key file and the trusted hub."""
    from gridwalker.sync.keys import (
        HUB_SIGN_PUB,
        KeyProblem,
        device_identity_path,
        device_key_paths,
        load_identity,
        read_public_key,
        trusted_hub,
        trusted_hub_key,
    )

    home = home_paths()
    db = db or home.field_db
    device_id = None
    if db.exists():
        from gridwalker.store.migrate import ensure_device

        engine = _open(db)
        device_id = ensure_device(engine)
        engine.dispose()
    secret, public = device_key_paths(home)
    key_id = None
    if public.exists():
        try:
            key_id = read_public_key(public)[0]
        except KeyProblem as exc:
            fail(str(exc))
    hub_sign = home.keys / HUB_SIGN_PUB
    recipient = None
    hub_key_id = None
    try:
        if device_identity_path(home).exists():
            recipient = load_identity(device_identity_path(home))[1]
        found = trusted_hub_key(home)
        hub_key_id = found[0] if found else None
    except KeyProblem as exc:
        fail(str(exc))
    info = {
        "device_id": device_id,
        "database": str(db),
        "key_id": key_id,
        "public_key": str(public) if public.exists() else None,
        "secret_key": str(secret) if secret.exists() else None,
        "trusted_hub": trusted_hub(home),
        "hub_signing_key": str(hub_sign) if hub_sign.exists() else None,
        "hub_signing_key_id": hub_key_id,
        "recipient": recipient,
    }
    if as_json:
        _print_json(info)
        return
    click.echo(f"device id:    {device_id or '(no database yet)'}")
    click.echo(f"device key:   {key_id or '(none: run gridwalker keys init)'}")
    click.echo(f"public key:   {info['public_key'] or '-'}")
    click.echo(f"recipient:    {recipient or '(none: run gridwalker keys init)'}")
    click.echo(
        f"trusted hub:  {info['trusted_hub'] or '(none: run gridwalker keys trust-hub age1…)'}"
    )
    if info["hub_signing_key"]:
        click.echo(f"hub sign key: {hub_key_id} ({info['hub_signing_key']})")


@keys.command("trust-hub", epilog=epilog("keys_trust_hub"))
@click.argument("recipient")
@click.option(
    "--hub-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The hub's minisign public key (for bundles from the hub).",
)
def keys_trust_hub(recipient: str, hub_key: Path | None) -> None:
    """Store the hub's age recipient (age1…): bundles are encrypted to it."""
    from gridwalker.sync.keys import KeyProblem, trust_hub

    try:
        trust_hub(home_paths(), recipient, hub_key)
    except KeyProblem as exc:
        fail(str(exc))
    click.echo(f"trusted hub: {recipient.strip()}")


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
        fail(f"{db}: no database here; give --db PATH")
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
        fail(f"导出失败 / export failed: {exc}; nothing was marked as exported")
    finally:
        engine.dispose()
    if as_json:
        _print_json(result.as_json())
    elif result.path is None:
        click.echo(result.summary(), err=True)
    else:
        click.echo(result.summary())


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
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The hub database with the enrolled keys (default: hub.db if present).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bundle_inspect(file: Path, identity: Path | None, db: Path | None, as_json: bool) -> None:
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
            "unknown-key", f"key {key_id} is neither enrolled here nor this laptop's key"
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
    @click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The hub database (default: hub.db in the data folder).",
    )
    @click.option(
        "--demo",
        is_flag=True,
        help="Open a hub holding the demo street as received from its laptops (built on first use).",
    )
    @click.option("--lang", type=click.Choice(["zh", "en"]), help="Interface language.")
    @click.option(
        "--as",
        "actor",
        metavar="NAME",
        help="Who decides (recorded with every decision; default: the signed-in name, else the user).",
    )
    @click.pass_context
    def hub(
        ctx: click.Context, db: Path | None, demo: bool, lang: str | None, actor: str | None
    ) -> None:
        """The supervisor's hub: the review desk, identity, enrolled laptops, bundles."""
        if ctx.invoked_subcommand is not None:
            return
        if actor is not None and not actor.strip():
            fail("--as needs a name: who decides at the desk", 2)
        home = home_paths()
        if demo:
            home = config.paths(home.data / "demo-hub")
            db = db or home.hub_db
            if not db.exists():
                _build_demo_hub(home, db)
        db = db or home.hub_db
        if not db.exists():
            fail(
                f"{db} does not exist; run `gridwalker hub init` and import bundles, or try `gridwalker hub --demo`."
            )
        from gridwalker.domain.i18n import set_language
        from gridwalker.tui.desk.app import run_hub

        set_language(lang)
        run_hub(db, lang, home, actor.strip() if actor else None)

    return hub


HUB_EPILOG = "\b\nExample:\n  gridwalker hub --demo      # the review desk on the demo street"


def _build_demo_hub(home: config.Paths, db: Path) -> None:
    """The demo hub: the whole demo street received from its 34 laptops (built once)."""
    from gridwalker.demo.hub import build_demo_hub

    click.echo(
        f"Building the demo hub in {db}: the whole street from its 34 laptops, once "
        "(about two minutes) …",
        err=True,
    )
    with Progress("demo hub") as progress:
        summary = build_demo_hub(home, progress, db=db)
    click.echo(
        f"demo hub: {summary.households:,} households from {summary.devices} laptops, "
        f"{summary.bundles} bundles, {summary.conflicts} conflicts, {summary.held} held, "
        f"{summary.quarantined} quarantined ({summary.seconds.get('total', 0):.0f} s)",
        err=True,
    )


hub_group = _hub_group()


@hub_group.command("init", epilog=epilog("hub_init"))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def hub_init(as_json: bool) -> None:
    """Make the hub's age identity and signing key; prints its recipient and the key files.

    A hub that already has its identity keeps it; only a missing signing key is added.
    """
    from gridwalker.domain import clock
    from gridwalker.sync.keys import (
        KeyProblem,
        hub_key_path,
        hub_signing_paths,
        init_hub_identity,
        init_hub_signing_key,
        load_hub_identity,
        read_public_key,
    )

    home = home_paths()
    sign_secret, sign_public = hub_signing_paths(home)
    had_identity = hub_key_path(home).exists()
    try:
        if had_identity and sign_secret.exists():
            init_hub_identity(home, clock.now())  # refuses: both exist, nothing to make
        if had_identity:
            recipient, path = load_hub_identity(home)[1], hub_key_path(home)
        else:
            recipient, path = init_hub_identity(home, clock.now())
        if sign_secret.exists():
            key_id = read_public_key(sign_public)[0]
        else:
            key_id = init_hub_signing_key(home)
    except KeyProblem as exc:
        fail(str(exc))
    if as_json:
        _print_json(
            {
                "recipient": recipient,
                "identity": str(path),
                "signing_key_id": key_id,
                "signing_public_key": str(sign_public),
                "added_signing_key_only": had_identity,
            }
        )
        return
    click.echo(recipient)
    click.echo(
        f"identity: {path}  (keep it safe); signing key {key_id}: {sign_public}\n"
        f"laptops run: gridwalker keys trust-hub {recipient} --hub-key hub-signing.pub",
        err=True,
    )


@hub_group.command("enroll", epilog=epilog("hub_enroll"))
@click.argument("pubkey_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--member", required=True, help="The grid member whose laptop this is.")
@click.option("--recipient", help="The laptop's age recipient (age1…), for bundles from the hub.")
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The hub database (default: hub.db in the data folder).",
)
def hub_enroll(pubkey_file: Path, member: str, recipient: str | None, db: Path | None) -> None:
    """Trust a laptop's device key (its device.pub) for a member."""
    from gridwalker.sync.hub.enrol import enroll
    from gridwalker.sync.keys import KeyProblem, valid_recipient

    if recipient and not valid_recipient(recipient):
        fail(f"not an age recipient (age1…): {recipient!r}", 2)
    engine = _open(db or home_paths().hub_db)
    try:
        key_id = enroll(engine, pubkey_file, member, recipient)
    except KeyProblem as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    click.echo(f"enrolled key {key_id} for {member}")


@hub_group.command("import", epilog=epilog("hub_import"))
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The hub database (default: hub.db in the data folder).",
)
@click.option(
    "--identity",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The hub's age identity (default: this home's hub.key).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def hub_import(
    paths: tuple[Path, ...], db: Path | None, identity: Path | None, as_json: bool
) -> None:
    """Import bundles (files, or folders scanned for them): checked first, then applied."""
    from gridwalker.sync.hub.intake import import_paths
    from gridwalker.sync.hub.lock import HubLocked
    from gridwalker.sync.keys import KeyProblem

    home = home_paths()
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
        for outcome in outcomes:
            click.echo(outcome.summary(), err=outcome.status == "refused")
        if not outcomes:
            click.echo("没有找到同步包 / no bundles found", err=True)
    if refused:
        sys.exit(1)
