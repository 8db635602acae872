"""PostgreSQL row-level security: a supervisor's login sees and changes only its street's rows.

All of the engine-specific SQL for it is here (DESIGN.md: one module per engine piece). A
login is made by `hub user add` (`add_login`): a PostgreSQL role, its grants, and its rows
in `hub_user` (login → street, role). The policies read `hub_user` through two SECURITY
DEFINER functions given `current_user`:

- `gridwalker_sees_all(login)`: the login is an admin here, or a member of the role that
  owns the hub's tables (the role the hub's imports, exports and migrations run as);
- `gridwalker_streets_of(login)`: the streets a supervisor login may see.

Two kinds of policy, both for every command (SELECT, INSERT, UPDATE, DELETE):

- by street, on every table whose rows carry `street_uuid` (`STREET_TABLES`): the row's
  street is one of the login's;
- by record, on the tables that name a record by (entity, uuid) (`RECORD_TABLES`: versions,
  conflicts, decisions, the audit trail, the search index): the record itself is visible to
  the login (its street policy answers), street and community rows always.

A login of no street and no admin row sees nothing of those tables. SQLite has no roles:
there, one supervisor file per street stays, and every function here does nothing.

Row-level security is ENABLEd, not FORCEd: the role owning the tables (the hub's imports,
exports, migrations and an owner's desk) must see and write every street, and a FORCEd
policy would only cost it: measured here, a table under a policy loses its pg_trgm index
for `LIKE '%…%'` (LIKE is not leakproof, so it may not run before the policy) and search
falls back to a scan. So the owner role is never a supervisor's (docs/security.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from gridwalker.domain import clock
from gridwalker.store.streets import STREET_BOUND
from gridwalker.store.tables.hub import HubUser

ROLES = ("supervisor", "admin")
STREET_TABLES: tuple[str, ...] = (*STREET_BOUND, "hub_review")
RECORD_TABLES: tuple[str, ...] = (
    "hub_rev",
    "hub_conflict",
    "hub_decision",
    "hub_resolution",
    "audit",
    "search_doc",
    "hub_claim",  # who has a record open at a desk: seen only by those who see the record
)
# What the desk writes (decisions, the issue workflow, conflict resolutions, the search
# index of what it wrote); a login reads every table of the hub.
DESK_WRITES: tuple[str, ...] = (
    *STREET_TABLES,
    *RECORD_TABLES,
    "hub_mark",
    "device",
)
POLICY = "gridwalker_street"
# A PostgreSQL role name as `hub user add` accepts it: plain lower-case, never quoted.
LOGIN_PATTERN = re.compile(r"[a-z_][a-z0-9_]{0,62}")
RESERVED = frozenset({"postgres", "public", "pg_database_owner"})


class LoginProblem(ValueError):
    """A login that cannot be made as asked (its name, its street, this engine)."""


def is_postgresql(conn: Connection) -> bool:
    """True on PostgreSQL (the only engine with roles and policies)."""
    return conn.dialect.name == "postgresql"


def _street_check() -> str:
    return (
        "((SELECT gridwalker_sees_all(current_user)) "
        "OR street_uuid IN (SELECT unnest(gridwalker_streets_of(current_user))))"
    )


def _record_check(table: str) -> str:
    cases = " ".join(
        f"WHEN '{entity}' THEN EXISTS (SELECT 1 FROM {entity} AS r WHERE r.uuid = {table}.uuid)"
        for entity in STREET_BOUND
    )
    return (
        "((SELECT gridwalker_sees_all(current_user)) OR "
        f"CASE {table}.entity {cases} WHEN 'street' THEN true WHEN 'community' THEN true "
        "ELSE false END)"
    )


def install(conn: Connection) -> None:
    """Create (or replace) the functions and the policies; nothing on SQLite."""
    if not is_postgresql(conn):
        return
    schema = conn.execute(text("SELECT quote_ident(current_schema())")).scalar_one()
    settings = f"LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp"
    conn.execute(
        text(
            "CREATE OR REPLACE FUNCTION gridwalker_sees_all(login name) RETURNS boolean "
            f"{settings} AS $$ SELECT pg_has_role($1, "
            "(SELECT relowner FROM pg_class WHERE oid = 'hub_user'::regclass), 'MEMBER') "
            "OR EXISTS (SELECT 1 FROM hub_user u WHERE u.login = $1::text "
            "AND u.role = 'admin') $$"
        )
    )
    conn.execute(
        text(
            "CREATE OR REPLACE FUNCTION gridwalker_streets_of(login name) RETURNS text[] "
            f"{settings} AS $$ SELECT coalesce(array_agg(u.street_uuid::text), '{{}}') "
            "FROM hub_user u WHERE u.login = $1::text AND u.role = 'supervisor' $$"
        )
    )
    for table in (*STREET_TABLES, *RECORD_TABLES):
        check = _street_check() if table in STREET_TABLES else _record_check(table)
        conn.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        conn.execute(text(f"DROP POLICY IF EXISTS {POLICY} ON {table}"))
        conn.execute(
            text(f"CREATE POLICY {POLICY} ON {table} FOR ALL USING {check} WITH CHECK {check}")
        )


def uninstall(conn: Connection) -> None:
    """Drop the policies and the functions; nothing on SQLite."""
    if not is_postgresql(conn):
        return
    for table in (*STREET_TABLES, *RECORD_TABLES):
        conn.execute(text(f"DROP POLICY IF EXISTS {POLICY} ON {table}"))
        conn.execute(text(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"))
    conn.execute(text("DROP FUNCTION IF EXISTS gridwalker_sees_all(name)"))
    conn.execute(text("DROP FUNCTION IF EXISTS gridwalker_streets_of(name)"))


@dataclass(frozen=True)
class LoginResult:
    """What `add_login` did: the role made or found, the street granted or already there."""

    login: str
    role: str
    street_uuid: str
    created_role: bool
    added: bool  # False: this login had this street and role already


def check_login_name(login: str) -> str:
    """The login as PostgreSQL will name it, or LoginProblem saying which names are taken."""
    if not LOGIN_PATTERN.fullmatch(login):
        raise LoginProblem(
            f"登录名「{login}」不合规：只用小写字母、数字和下划线，以字母或下划线开头，最多 63 个"
            f" / login {login!r}: lower-case letters, digits and _ only, not starting with a "
            "digit, at most 63"
        )
    if login in RESERVED or login.startswith("pg_"):
        raise LoginProblem(f"登录名「{login}」是保留名 / login {login!r} is a reserved name")
    return login


def add_login(conn: Connection, login: str, street_uuid: str, role: str) -> LoginResult:
    """Create or grant the PostgreSQL login `login` for `street_uuid` as `role`, in the
    caller's transaction (run it as the role owning the hub's tables, with CREATEROLE).

    Idempotent: the same login, street and role again changes nothing. A login that is this
    connection's own role (the hub's owner) is refused: it sees all anyway.
    """
    if not is_postgresql(conn):
        raise LoginProblem(
            "SQLite 枢纽没有登录角色：每个街道用一个主管文件（gridwalker hub supervisor add）"
            " / a SQLite hub has no login roles: one supervisor file per street stays "
            "(gridwalker hub supervisor add)"
        )
    check_login_name(login)
    if role not in ROLES:
        raise LoginProblem(f"未知角色「{role}」/ unknown role {role!r} ({', '.join(ROLES)})")
    me = conn.execute(text("SELECT current_user")).scalar_one()
    if login == me:
        raise LoginProblem(
            f"「{login}」是本枢纽表的所有者，已能看到全部 / {login!r} owns the hub's tables "
            "and sees all already"
        )
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": login}).first()
    if exists is None:
        # A name checked against LOGIN_PATTERN: safe to write into the statement unquoted.
        conn.execute(text(f"CREATE ROLE {login} LOGIN NOINHERIT"))
    _grant(conn, login)
    rows = conn.execute(
        select(HubUser.street_uuid, HubUser.role).where(HubUser.login == login)
    ).all()
    had = {(r.street_uuid, r.role) for r in rows}
    added = (street_uuid, role) not in had
    if added:
        # One role per login: a second street keeps the role, a new role applies to all.
        conn.execute(HubUser.__table__.update().where(HubUser.login == login).values(role=role))
        if street_uuid not in {s for s, _r in had}:
            conn.execute(
                HubUser.__table__.insert().values(
                    login=login, street_uuid=street_uuid, role=role, added_at=clock.now()
                )
            )
    return LoginResult(login, role, street_uuid, exists is None, added)


def _grant(conn: Connection, login: str) -> None:
    """What a desk needs: connect, read the hub's tables, write the desk's, use sequences."""
    database = conn.execute(text("SELECT quote_ident(current_database())")).scalar_one()
    schema = conn.execute(text("SELECT quote_ident(current_schema())")).scalar_one()
    conn.execute(text(f"GRANT CONNECT ON DATABASE {database} TO {login}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {login}"))
    conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {login}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {login}"))
    tables = ", ".join(DESK_WRITES)
    conn.execute(text(f"GRANT INSERT, UPDATE, DELETE ON {tables} TO {login}"))


def hub_login(conn: Connection) -> str | None:
    """This connection's login when it is one of `hub user add`'s (None elsewhere, SQLite too)."""
    if not is_postgresql(conn):
        return None
    me = conn.execute(text("SELECT current_user")).scalar_one()
    found = conn.execute(select(HubUser.login).where(HubUser.login == me).limit(1)).first()
    return me if found else None


def confined(conn: Connection) -> bool:
    """True when this connection sees only some streets' rows (a supervisor login)."""
    if not is_postgresql(conn):
        return False
    return not conn.execute(text("SELECT gridwalker_sees_all(current_user)")).scalar_one()
