"""`gridwalker hub user add`: a PostgreSQL login confined to its street (CLI.md).

The login authenticates however the server's administrator arranged it (pg_hba.conf, a
password set by them, ~/.pgpass on the supervisor's machine): no password on this command
line. Row-level security (`store.rls`) confines a supervisor login to its street; an admin
login sees all. A SQLite hub has no logins: one supervisor file per street stays.
"""

from __future__ import annotations

from pathlib import Path

import click

from gridwalker.cli.common import EXAMPLES, DatabaseUrl, epilog, fail, hub_db_option
from gridwalker.cli.people_cmds import _hub_engine
from gridwalker.cli.sync_cmds import hub_group
from gridwalker.domain.i18n import _

EXAMPLES.update(
    {
        "hub_user_add": "gridwalker hub user add wang_li --street 新华街道 "
        "--db postgresql+psycopg://hub@db.example:5432/district",
    }
)


@hub_group.group("user")
def user() -> None:
    """PostgreSQL logins of the hub, each confined to its street (row-level security)."""


@user.command("add", epilog=epilog("hub_user_add"))
@click.argument("login")
@click.option("--street", required=True, help="The street the login may see (its name or code).")
@click.option(
    "--role",
    type=click.Choice(["supervisor", "admin"]),
    default="supervisor",
    show_default=True,
    help="supervisor: its street's rows only; admin: every street.",
)
@hub_db_option()
def user_add(login: str, street: str, role: str, db: Path | DatabaseUrl | None) -> None:
    """Create or grant the PostgreSQL login LOGIN for a street (run as the hub's owner)."""
    from gridwalker.store.rls import LoginProblem, add_login, check_login_name, is_postgresql
    from gridwalker.store.streets import UnknownStreet, find_street

    try:
        check_login_name(login)
    except LoginProblem as exc:
        fail(str(exc), 2)
    engine = _hub_engine(db)
    try:
        with engine.begin() as conn:
            if not is_postgresql(conn):
                fail(
                    _(
                        "hub user add needs a PostgreSQL hub (--db postgresql+psycopg://…); "
                        "a SQLite hub keeps one supervisor file per street: "
                        "gridwalker hub supervisor add NAME --street STREET"
                    ),
                    2,
                )
            try:
                street_uuid = find_street(conn, street)
                result = add_login(conn, login, street_uuid, role)
            except (UnknownStreet, LoginProblem) as exc:
                fail(str(exc), 2)
    finally:
        engine.dispose()
    words = {"supervisor": _("supervisor"), "admin": _("admin")}[result.role]
    if not result.added:
        line = _("login {login}: {street} ({role}), already so").format(
            login=login, street=street, role=words
        )
    elif result.created_role:
        line = _("login {login}: {street} ({role}), role created").format(
            login=login, street=street, role=words
        )
    else:
        line = _("login {login}: {street} ({role}), granted").format(
            login=login, street=street, role=words
        )
    click.echo(line)
