"""The hub's people and laptops (CLI.md): `hub member …`, `hub provision`, `hub revoke`.

Thin wrappers over `store.desk.people`, `sync.hub.provision` and `sync.hub.enrol`: messages
to stderr, results to stdout, `--json` prints one object, exit 0 done, 1 refused, 2 usage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from gridwalker.cli.common import (
    EXAMPLES,
    DatabaseUrl,
    epilog,
    fail,
    home_paths,
    hub_actor,
    hub_db_option,
)
from gridwalker.cli.sync_cmds import hub_group
from gridwalker.domain.i18n import _, language

EXAMPLES.update(
    {
        "hub_member": "gridwalker hub member add 李晓梅 --grid XH-03-09 --phone 13800138000",
        "hub_provision": "gridwalker hub provision --member 李晓梅 --out /media/usb",
        "hub_revoke": "gridwalker hub revoke 3f9c2a1b7d4e --reason 笔记本遗失",
    }
)

DB_OPTION = hub_db_option()


def _print_json(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


def _hub_engine(db: Path | DatabaseUrl | None):  # noqa: ANN202 - an Engine
    from gridwalker.store.migrate import open_database

    db = db or home_paths().hub_db
    if not db.exists():
        fail(
            _(
                "{path}: no hub database here; run `gridwalker hub init`, or give --db PATH|URL"
            ).format(path=db)
        )
    return open_database(db)


def _actor() -> str:
    """Who acts at the hub from the command line: the login name."""
    return hub_actor()


@hub_group.group("member", epilog=epilog("hub_member"))
def member() -> None:
    """The grid members this hub knows: add, list, move to another grid, retire."""


@member.command("add")
@click.argument("name")
@click.option("--grid", required=True, help="Their grid: its code or its path of names.")
@click.option("--phone", help="Their phone (optional).")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def member_add(
    name: str, grid: str, phone: str | None, db: Path | DatabaseUrl | None, as_json: bool
) -> None:
    """Add a member who walks a grid."""
    from gridwalker.domain.validators import check_phone, normalize_phone
    from gridwalker.store.desk.people import MemberProblem, add_member

    if phone and phone.strip():
        bad = check_phone(phone)
        if bad is not None:
            fail(f"--phone: {bad.text(language())}")
        phone = normalize_phone(phone)
    engine = _hub_engine(db)
    try:
        with engine.begin() as conn:
            uuid, where = add_member(conn, _actor(), name, grid, phone)
    except MemberProblem as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    if as_json:
        _print_json(
            {"uuid": uuid, "name": name.strip(), "grid": where.code, "grid_path": where.path}
        )
    else:
        click.echo(f"{name.strip()}: {where.code} {where.path}")


@member.command("list")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def member_list(db: Path | DatabaseUrl | None, as_json: bool) -> None:
    """Every member with their grid and enrolled laptops (retired ones last)."""
    from gridwalker.store.desk.people import list_members

    engine = _hub_engine(db)
    try:
        with engine.connect() as conn:
            rows = list_members(conn)
    finally:
        engine.dispose()
    if as_json:
        _print_json({"members": [m.as_json() for m in rows]})
        return
    if not rows:
        click.echo(_("no members yet: gridwalker hub member add NAME --grid CODE"), err=True)
    for m in rows:
        state = _("retired") if m.retired else _("{n} laptop(s)").format(n=m.devices)
        click.echo(f"{m.name}\t{m.grid_code or '-'}\t{m.grid_path or '-'}\t{state}")


@member.command("move")
@click.argument("name")
@click.option("--grid", required=True, help="The grid they walk from now on (code or path).")
@DB_OPTION
def member_move(name: str, grid: str, db: Path | DatabaseUrl | None) -> None:
    """Move a member to another grid (their records stay where they were made)."""
    from gridwalker.store.desk.people import MemberProblem, move_member

    engine = _hub_engine(db)
    try:
        with engine.begin() as conn:
            where = move_member(conn, _actor(), name, grid)
    except MemberProblem as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    click.echo(f"{name.strip()}: {where.code} {where.path}")
    click.echo(
        _(
            "provision their laptop with the new grid: gridwalker hub provision --member "
            "{name} --out DIR"
        ).format(name=name.strip()),
        err=True,
    )


@member.command("retire")
@click.argument("name")
@DB_OPTION
def member_retire(name: str, db: Path | DatabaseUrl | None) -> None:
    """Retire a member: history stays theirs; their laptops are refused from now on."""
    from gridwalker.store.desk.people import MemberProblem, retire_member

    engine = _hub_engine(db)
    try:
        with engine.begin() as conn:
            keys = retire_member(conn, _actor(), name)
    except MemberProblem as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    click.echo(
        _("{name}: retired; {n} laptop key(s) revoked").format(name=name.strip(), n=len(keys))
    )


@hub_group.command("provision", epilog=epilog("hub_provision"))
@click.option("--member", "name", required=True, help="The member whose laptop to fill.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder (the USB stick) to write the bundle into; it must exist.",
)
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def hub_provision(name: str, out: Path, db: Path | DatabaseUrl | None, as_json: bool) -> None:
    """Write a laptop's grid as the hub holds it (a full hub bundle for its enrolled device)."""
    from gridwalker.sync.hub.provision import ProvisionProblem, provision
    from gridwalker.sync.keys import KeyProblem

    engine = _hub_engine(db)
    try:
        result = provision(engine, home_paths(), name, out)
    except (ProvisionProblem, KeyProblem) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(_("{path}: cannot write ({why})").format(path=out, why=exc.strerror or exc))
    finally:
        engine.dispose()
    if as_json:
        _print_json({**result.as_json(), "path": str(result.paths[0])})
        return
    click.echo(str(result.paths[0]))
    click.echo(
        _(
            "{member}: {records} records, {decisions} decisions for device {device}; "
            "on the laptop: gridwalker import {file}"
        ).format(
            member=result.member,
            records=f"{result.records:,}",
            decisions=result.decisions,
            device=result.device_id,
            file=result.paths[0].name,
        ),
        err=True,
    )


@hub_group.command("revoke", epilog=epilog("hub_revoke"))
@click.argument("device")
@click.option("--reason", help="Why (shown with every refusal of its bundles).")
@DB_OPTION
def hub_revoke(device: str, reason: str | None, db: Path | DatabaseUrl | None) -> None:
    """Refuse a lost or retired laptop (device id or key id) from now on."""
    from gridwalker.sync.hub.enrol import revoke_device
    from gridwalker.sync.keys import KeyProblem

    if reason is not None:
        from gridwalker.domain import fields

        bad = fields.check_value("issue_event", "note", reason)
        if bad is not None:
            fail(f"--reason: {bad.text(language())}", 2)
    engine = _hub_engine(db)
    try:
        keys = revoke_device(engine, device.strip(), reason)
    except KeyProblem as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    click.echo(
        _("{device}: revoked key(s) {keys}").format(device=device.strip(), keys=", ".join(keys))
    )
    click.echo(_("bundles it sent before stay; later ones are refused"), err=True)


@hub_group.group("roster")
def hub_roster() -> None:
    """A street's household roster (花名册), loaded at the hub."""


@hub_roster.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--create",
    is_flag=True,
    help="Create streets, communities, grids and buildings that do not exist yet.",
)
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@DB_OPTION
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of the messages.")
def hub_roster_import(
    file: Path, create: bool, dry_run: bool, db: Path | DatabaseUrl | None, lang: str | None
) -> None:
    """Load a street's roster at the hub (the same checks and all-or-nothing rule as a laptop's).

    Every row names its grid (the 网格 column). The hub is the origin of these records, so
    `hub provision` hands each member their grid.
    """
    from gridwalker.cli.common import pick_language
    from gridwalker.cli.field_cmds import report_roster
    from gridwalker.domain.i18n import set_language
    from gridwalker.store.desk.people import audit_top, keep_hub_versions
    from gridwalker.store.migrate import open_database
    from gridwalker.store.roster import RosterError, import_roster

    home = home_paths()
    set_language(pick_language(lang, home))
    db = db or home.hub_db
    if not db.exists() and not home.keys.joinpath("hub.key").exists():
        fail(
            _("{path}: no hub here; run `gridwalker hub init` first, or give --db PATH|URL").format(
                path=db
            )
        )
    engine = open_database(db)
    actor = _actor()
    with engine.connect() as conn:
        mark = audit_top(conn)
    try:
        result = import_roster(
            engine,
            file,
            grid_code=None,
            create=create,
            dry_run=dry_run,
            actor=actor,
            lang=language(),
            then=lambda conn: keep_hub_versions(conn, mark, actor),
        )
    except RosterError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    report_roster(file, result, dry_run)


@hub_group.group("supervisor")
def supervisor() -> None:
    """Who decides at this hub's desk (`gridwalker hub --as NAME`)."""


@supervisor.command("add")
@click.argument("name")
@click.option("--street", help="The street they supervise (its name).")
@click.option("--community", help="The community they supervise (its name).")
@DB_OPTION
def supervisor_add(
    name: str, street: str | None, community: str | None, db: Path | DatabaseUrl | None
) -> None:
    """Register a supervisor of this hub."""
    from gridwalker.store.desk.people import MemberProblem, add_supervisor

    engine = _hub_engine(db)
    try:
        with engine.begin() as conn:
            row = add_supervisor(conn, name, street, community)
    except MemberProblem as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    where = " / ".join(p for p in (row.street, row.community) if p) or _("the whole hub")
    click.echo(_("supervisor {name}: {where}").format(name=row.name, where=where))


@supervisor.command("list")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def supervisor_list(db: Path | DatabaseUrl | None, as_json: bool) -> None:
    """The supervisors of this hub."""
    from gridwalker.store.desk.people import supervisors

    engine = _hub_engine(db)
    try:
        with engine.connect() as conn:
            rows = supervisors(conn)
    finally:
        engine.dispose()
    if as_json:
        _print_json(
            {
                "supervisors": [
                    {"name": r.name, "street": r.street or None, "community": r.community or None}
                    for r in rows
                ]
            }
        )
        return
    for r in rows:
        click.echo(f"{r.name}\t{r.street or '-'}\t{r.community or '-'}")
