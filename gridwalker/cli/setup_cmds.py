"""Setting up and pairing (CLI.md): `setup`, `keys …`, `hub init`, `hub enroll`.

Commands that set something up are idempotent: run again they print what exists and exit 0;
replacing a key needs `--rotate` and a confirmation of what stops working.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from gridwalker.cli.common import (
    EXAMPLES,
    DatabaseUrl,
    echo_rows,
    epilog,
    fail,
    home_paths,
    hub_db_option,
)
from gridwalker.cli.root import main
from gridwalker.cli.sync_cmds import hub_group
from gridwalker.cli.unlock import new_passphrase, open_laptop, passphrase_file_option
from gridwalker.domain.i18n import _

EXAMPLES.update(
    {
        "setup": "gridwalker setup --member 李晓梅 --grid XH-03-09 --hub-card /media/usb/hub-card.json "
        "--pair-out /media/usb",
        "keys_init": "gridwalker keys init",
        "keys_show": "gridwalker keys show --json",
        "keys_pair": "gridwalker keys pair --out /media/usb",
        "keys_trust_hub": "gridwalker keys trust-hub --card /media/usb/hub-card.json",
        "hub_init": "gridwalker hub init --name 新华街道网格中心",
        "hub_enroll": "gridwalker hub enroll /media/usb/gridwalker-pair-3f9c2a1b7d4e.json",
    }
)


def _print_json(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


def _confirm_rotation(what_stops: str, yes: bool) -> None:
    """Say what stops working and ask (no prompt when stdin is not a terminal: --yes)."""
    import sys

    click.echo(what_stops, err=True)
    if yes:
        return
    if not sys.stdin.isatty():
        fail(_("replacing a key needs a confirmation: add --yes"))
    if not click.confirm(_("Go on?"), default=False, err=True):
        fail(_("nothing replaced"))


# --- setup ---------------------------------------------------------------------------------------


@main.command("setup", epilog=epilog("setup"))
@click.option("--member", required=True, help="Your name, as the hub knows you (网格员姓名).")
@click.option(
    "--grid",
    required=True,
    help="Your grid: its code (XH-03-09) or its path of names (新华街/邮三社区/第9网格).",
)
@click.option(
    "--place",
    metavar="STREET/COMMUNITY/GRID",
    help="A grid this laptop does not hold yet: its path of names (with --grid CODE).",
)
@click.option("--phone", help="Your phone (optional).")
@click.option(
    "--hub-card",
    "hub_card",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The hub card (hub-card.json) from your supervisor.",
)
@click.option(
    "--pair-out",
    "pair_out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder (the USB stick) to write the pairing file into, for the hub.",
)
@click.option(
    "--db", "db", type=click.Path(dir_okay=False, path_type=Path), help="The field database."
)
@passphrase_file_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def setup_cmd(
    member: str,
    grid: str,
    place: str | None,
    phone: str | None,
    hub_card: Path,
    pair_out: Path | None,
    db: Path | None,
    passphrase_file: Path | None,
    as_json: bool,
) -> None:
    """First-run setup without the app: member, grid, keys, trusted hub, pairing file.

    A new database is encrypted (SQLCipher) with the passphrase from --passphrase-file or
    $GRIDWALKER_PASSPHRASE_FILE, else asked twice on a terminal.
    """
    from gridwalker.config import private_dir
    from gridwalker.store.at_rest import new_encrypted_key
    from gridwalker.store.dbkey import is_encrypted
    from gridwalker.store.migrate import open_database
    from gridwalker.sync.keys import KeyProblem
    from gridwalker.sync.laptop.setup import SetupRequest, check_request, set_up_laptop
    from gridwalker.sync.pairing import read_hub_card

    home = home_paths()
    request = SetupRequest(member, grid, hub_card, phone, place, pair_out)
    try:  # what can be checked without a database, before anything is made
        check_request(request)
        read_hub_card(hub_card)
    except (KeyProblem, ValueError) as exc:
        fail(str(exc))
    if db is None:
        db = home.field_db
    elif isinstance(db, Path) and not db.parent.is_dir():
        fail(_("{path}: folder not found").format(path=db.parent))
    made_folder = not db.parent.exists()
    new_database = not db.exists() or (db.stat().st_size == 0 and not is_encrypted(db))
    if new_database:
        passphrase = new_passphrase(passphrase_file)  # before anything is made
        private_dir(db.parent)
        engine = open_database(db, key=new_encrypted_key(db, passphrase))
    else:
        engine = open_laptop(db, passphrase_file)
    try:
        result = set_up_laptop(engine, home, request)
    except (KeyProblem, ValueError) as exc:
        engine.dispose()
        if new_database:  # a refused first setup leaves no database (nor key) behind
            for leftover in db.parent.glob(db.name + "*"):
                leftover.unlink()
            if made_folder and not any(db.parent.iterdir()):
                db.parent.rmdir()
        fail(str(exc))
    finally:
        engine.dispose()
    if as_json:
        _print_json(result.as_json())
        return
    if result.already:
        click.echo(_("already set up; nothing changed"), err=True)
    rows = [
        (_("member"), f"{result.member} ({result.grid.code} {result.grid.path})"),
        (_("device"), _("{device}, key {key}").format(device=result.device_id, key=result.key_id)),
        (_("trusted hub"), result.hub_name),
    ]
    if result.pairing_file:
        rows.append((_("pairing file"), str(result.pairing_file)))
    echo_rows(rows)
    if not is_encrypted(db):
        click.echo(_("the database is not encrypted: gridwalker db encrypt"), err=True)
    if result.pairing_file:
        click.echo(
            _("give it to your supervisor: gridwalker hub enroll {file}").format(
                file=result.pairing_file.name
            ),
            err=True,
        )
    else:
        click.echo(
            _("write the pairing file for the hub: gridwalker keys pair --out DIR"), err=True
        )


# --- keys ----------------------------------------------------------------------------------------


@main.group()
def keys() -> None:
    """This laptop's device key and the hub it trusts."""


@keys.command("init", epilog=epilog("keys_init"))
@click.option("--rotate", is_flag=True, help="Replace the keys (the hub must enrol the new ones).")
@click.option("--yes", is_flag=True, help="Do not ask before replacing keys (with --rotate).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def keys_init(rotate: bool, yes: bool, as_json: bool) -> None:
    """Make this laptop's device key (minisign) and age identity, once; idempotent."""
    from gridwalker.sync.keys import KeyProblem
    from gridwalker.sync.pairing import set_up_device_keys

    home = home_paths()
    if rotate:
        _confirm_rotation(
            _(
                "Replacing the device key: the hub must enrol this laptop again (gridwalker keys "
                "pair --out DIR; gridwalker hub enroll), until then it refuses this laptop's new "
                "bundles; the old keys move to keys/retired-…/."
            ),
            yes,
        )
    try:
        keys_now = set_up_device_keys(home, rotate=rotate)
    except KeyProblem as exc:
        fail(str(exc))
    if as_json:
        from gridwalker.sync.keys import trusted_hub

        device_id = None
        if home.field_db.exists():
            from gridwalker.store.migrate import ensure_device

            engine = open_laptop(home.field_db)
            device_id = ensure_device(engine)
            engine.dispose()
        _print_json(
            {
                "device_id": device_id,
                "key_id": keys_now.key_id,
                "secret_key": str(keys_now.secret_key),
                "public_key": str(keys_now.public_key),
                "recipient": keys_now.recipient,
                "identity": str(keys_now.identity),
                "trusted_hub": trusted_hub(home),
                "already_set_up": keys_now.already,
                "retired_to": str(keys_now.retired_to) if keys_now.retired_to else None,
            }
        )
        return
    if keys_now.already:
        click.echo(_("already set up; nothing changed"), err=True)
    echo_rows(
        [
            (_("device key"), f"{keys_now.key_id} ({keys_now.public_key})"),
            (_("recipient"), keys_now.recipient),
        ]
    )
    if keys_now.retired_to:
        click.echo(_("old keys kept in {path}").format(path=keys_now.retired_to), err=True)
    click.echo(
        _("write the pairing file for your supervisor: gridwalker keys pair --out /media/usb"),
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

        engine = open_laptop(db)
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
        "identity": str(device_identity_path(home)) if recipient else None,
    }
    if as_json:
        _print_json(info)
        return
    no_keys = _("(none: run gridwalker keys init)")
    rows = [
        (_("device id"), device_id or _("(no database yet)")),
        (_("device key"), key_id or no_keys),
        (_("public key"), info["public_key"] or "-"),
        (_("recipient"), recipient or no_keys),
        (
            _("trusted hub"),
            info["trusted_hub"] or _("(none: run gridwalker keys trust-hub --card FILE)"),
        ),
    ]
    if info["hub_signing_key"]:
        rows.append((_("hub signing key"), f"{hub_key_id} ({info['hub_signing_key']})"))
    echo_rows(rows)


@keys.command("trust-hub", epilog=epilog("keys_trust_hub"))
@click.argument("recipient", required=False)
@click.option(
    "--card",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The hub card (hub-card.json) written by `gridwalker hub init`.",
)
@click.option(
    "--hub-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="(older form, with RECIPIENT) the hub's minisign public key.",
)
def keys_trust_hub(recipient: str | None, card: Path | None, hub_key: Path | None) -> None:
    """Trust the hub named by its card (or, older form, by its age recipient)."""
    from gridwalker.sync.keys import KeyProblem, trust_hub
    from gridwalker.sync.pairing import read_hub_card, trust_hub_card

    if bool(card) == bool(recipient):
        fail(_("give the hub card (--card hub-card.json) or, older form, RECIPIENT"), 2)
    home = home_paths()
    try:
        if card is not None:
            hub = read_hub_card(card)
            trust_hub_card(home, hub)
            echo_rows([(_("trusted hub"), f"{hub.name} ({hub.recipient})")])
            return
        assert recipient is not None
        trust_hub(home, recipient, hub_key)
    except KeyProblem as exc:
        fail(str(exc))
    echo_rows([(_("trusted hub"), recipient.strip())])


@keys.command("pair", epilog=epilog("keys_pair"))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder (the USB stick) to write the pairing file into.",
)
@click.option(
    "--db", "db", type=click.Path(dir_okay=False, path_type=Path), help="The field database."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def keys_pair(out: Path, db: Path | None, as_json: bool) -> None:
    """Write this laptop's pairing file (again) for the hub to enrol."""
    from gridwalker import config
    from gridwalker.store.migrate import ensure_device
    from gridwalker.sync.keys import KeyProblem
    from gridwalker.sync.laptop.setup import pairing_for
    from gridwalker.sync.pairing import write_pairing

    home = home_paths()
    db = db or home.field_db
    try:
        settings = config.load_settings(home)
    except ValueError as exc:
        fail(str(exc))
    if not settings.member_name or not db.exists():
        fail(_("this laptop is not set up yet; run: gridwalker setup --help"))
    engine = open_laptop(db)
    try:
        device_id = ensure_device(engine)
    finally:
        engine.dispose()
    try:
        path = write_pairing(
            out, pairing_for(home, device_id, settings.member_name, settings.grid_code)
        )
    except KeyProblem as exc:
        fail(str(exc))
    if as_json:
        _print_json({"pairing_file": str(path), "device_id": device_id})
    else:
        click.echo(str(path))


# --- the hub's side ------------------------------------------------------------------------------


@hub_group.command("init", epilog=epilog("hub_init"))
@click.option("--name", help="The hub's name on its card (e.g. 新华街道网格中心).")
@click.option("--rotate", is_flag=True, help="Replace the hub's keys (every laptop must re-trust).")
@click.option("--yes", is_flag=True, help="Do not ask before replacing keys (with --rotate).")
@hub_db_option(
    "The hub database to create or migrate: a file or a URL (default: hub.db in the data folder)."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def hub_init(
    name: str | None, rotate: bool, yes: bool, db: Path | DatabaseUrl | None, as_json: bool
) -> None:
    """Make the hub's age identity, signing key, hub card and database, once; idempotent."""
    from gridwalker.config import private_dir
    from gridwalker.store.migrate import open_database
    from gridwalker.sync.keys import KeyProblem
    from gridwalker.sync.pairing import set_up_hub

    home = home_paths()
    if db is None:
        db = home.hub_db
        private_dir(db.parent)
    elif isinstance(db, Path) and not db.parent.is_dir():
        fail(_("{path}: folder not found").format(path=db.parent))
    if rotate:
        _confirm_rotation(
            _(
                "Replacing the hub's keys: every laptop must trust the new hub card (gridwalker "
                "keys trust-hub --card); bundles encrypted to the old key and not imported yet "
                "can no longer be imported, so import them first; the old keys move to "
                "keys/retired-…/."
            ),
            yes,
        )
    open_database(db).dispose()  # the schema, created or migrated (a bad --db stops here)
    try:
        made = set_up_hub(home, name, rotate=rotate)
    except KeyProblem as exc:
        fail(str(exc))
    if as_json:
        _print_json(
            {
                "database": str(db),
                "recipient": made.recipient,
                "identity": str(made.identity),
                "signing_key_id": made.key_id,
                "signing_public_key": str(made.public_key),
                "card": str(made.card_path),
                "name": made.card.name if made.card else None,
                "already_set_up": made.already,
                "retired_to": str(made.retired_to) if made.retired_to else None,
            }
        )
        return
    if made.already:
        click.echo(_("already set up; the same identity:"), err=True)
    click.echo(made.recipient)
    echo_rows([(_("hub card"), str(made.card_path))])
    click.echo(
        _(
            "identity: {identity} (keep it safe); signing key {key}\n"
            "copy the hub card to the laptops' USB stick; on a laptop: gridwalker setup "
            "--member NAME --grid CODE --hub-card hub-card.json --pair-out DIR"
        ).format(identity=made.identity, key=made.key_id),
        err=True,
    )


@hub_group.command("enroll", epilog=epilog("hub_enroll"))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--member", help="(older form, with device.pub) the member whose laptop this is.")
@click.option("--recipient", help="(older form) the laptop's age recipient (age1…).")
@click.option(
    "--replace",
    is_flag=True,
    help="The laptop made a new key (keys init --rotate): it replaces the device's old key.",
)
@click.option(
    "--baseline",
    is_flag=True,
    help="Take the laptop's first full bundle (its history) as accepted, not into the queue.",
)
@hub_db_option()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def hub_enroll(
    file: Path,
    member: str | None,
    recipient: str | None,
    replace: bool,
    baseline: bool,
    db: Path | DatabaseUrl | None,
    as_json: bool,
) -> None:
    """Trust a laptop from its pairing file (or, older form, its device.pub and --member)."""
    from gridwalker.store.migrate import open_database
    from gridwalker.sync.hub.enrol import enroll, enroll_pairing
    from gridwalker.sync.keys import KeyProblem, valid_recipient
    from gridwalker.sync.pairing import read_pairing

    is_pairing = file.suffix.lower() == ".json"
    if is_pairing and (member or recipient):
        fail(
            _("a pairing file names the member and recipient itself: drop --member/--recipient"), 2
        )
    if baseline and not is_pairing:
        fail(_("--baseline goes with a pairing file (gridwalker-pair-….json)"), 2)
    if not is_pairing and not member:
        fail(_("give a pairing file (gridwalker-pair-….json), or device.pub with --member NAME"), 2)
    if recipient and not valid_recipient(recipient):
        fail(_("not an age recipient (age1…): {value}").format(value=repr(recipient)), 2)
    try:
        pairing = read_pairing(file) if is_pairing else None
    except KeyProblem as exc:
        fail(str(exc))
    engine = open_database(db or home_paths().hub_db)
    try:
        if pairing is not None:
            done = enroll_pairing(engine, pairing, baseline=baseline, replace=replace)
        else:
            assert member is not None
            key_id = enroll(engine, file, member, recipient)
    except KeyProblem as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    if pairing is None:
        if as_json:
            _print_json({"key_id": key_id, "member": member.strip(), "device_id": None})
        else:
            click.echo(
                _("enrolled key {key} for {member}").format(key=key_id, member=member.strip())
            )
        return
    if as_json:
        _print_json(done.as_json())
        return
    click.echo(
        _("enrolled device {device} (key {key}) for {member}, grid {grid}").format(
            device=done.device_id, key=done.key_id, member=done.member, grid=done.grid
        )
    )
    for old in done.replaced:
        click.echo(
            _("key {old} of the same device revoked: replaced by {new}").format(
                old=old, new=done.key_id
            ),
            err=True,
        )
