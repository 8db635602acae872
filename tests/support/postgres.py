"""The tests' PostgreSQL: the throwaway server of scripts/test-postgres, one database per test.

The server's URL comes from GRIDWALKER_TEST_PG_URL (CI and `make test` set it), else this
starts the same throwaway cluster itself. When no server can be had the tests that need one
fail with the reason: they are never skipped (DESIGN.md).

Each test process migrates one template database once; every test then gets its own database
copied from it (CREATE DATABASE … TEMPLATE, a file copy: far faster than migrating again), so
tests stay independent under xdist.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gridwalker.store.engine import make_engine
from gridwalker.store.migrate import upgrade

URL_ENV = "GRIDWALKER_TEST_PG_URL"
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "test-postgres"

_server: str | None = None
_template: str | None = None
_numbers = itertools.count(1)


def server_url() -> str:
    """The test server's URL (its maintenance database), starting the cluster when needed."""
    global _server
    if _server is None:
        url = os.environ.get(URL_ENV, "").strip()
        if not url:
            try:
                run = subprocess.run([str(SCRIPT)], capture_output=True, text=True, check=False)
                failed, reason = run.returncode != 0 or not run.stdout.strip(), run.stderr.strip()
            except OSError as exc:
                failed, reason = True, str(exc)
            if failed:
                pytest.fail(
                    f"PostgreSQL for the tests could not be started by {SCRIPT} "
                    f"(or set {URL_ENV}): {reason or 'no URL printed'}",
                    pytrace=False,
                )
            url = run.stdout.strip().splitlines()[-1]
        _server = url
    return _server


def _admin():  # noqa: ANN202 - an Engine
    """An autocommit engine on the maintenance database (CREATE/DROP DATABASE)."""
    return create_engine(server_url(), isolation_level="AUTOCOMMIT")


def _with_database(name: str) -> str:
    return make_url(server_url()).set(database=name).render_as_string(hide_password=False)


def _prefix() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"gw_{worker}_{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _drop_leftovers(conn) -> None:  # noqa: ANN001 - an autocommit Connection
    """Drop the databases of test processes that are gone (killed before their session's end).

    Only on a server of this machine: there the process ids in the names are ours to check.
    """
    if make_url(server_url()).host not in ("127.0.0.1", "localhost", "::1", None):
        return
    names = conn.execute(
        text("SELECT datname FROM pg_database WHERE datname LIKE 'gw\\_%'")
    ).scalars()
    for name in list(names):
        parts = name.split("_")  # gw_<worker>_<pid>_<n or tpl>
        if len(parts) == 4 and parts[2].isdigit() and not _alive(int(parts[2])):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def template_name() -> str:
    """This process's migrated template database, made on first use."""
    global _template
    if _template is None:
        name = f"{_prefix()}_tpl"
        admin = _admin()
        try:
            with admin.connect() as conn:
                _drop_leftovers(conn)
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # noqa: BLE001 - any failure is the run's failure, with its reason
            pytest.fail(
                f"PostgreSQL at {server_url()} refused a test database: {exc}", pytrace=False
            )
        finally:
            admin.dispose()
        engine = make_engine(_with_database(name))
        try:
            upgrade(engine)
        finally:
            engine.dispose()  # a template cannot be copied while anyone is connected to it
        _template = name
    return _template


def new_database(migrated: bool = True) -> str:
    """A database of its own, migrated (else empty): its URL."""
    template = template_name() if migrated else "template1"
    name = f"{_prefix()}_{next(_numbers)}"
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    finally:
        admin.dispose()
    return _with_database(name)


def drop_database(url: str) -> None:
    """Drop a test's database (its connections are closed by force)."""
    name = make_url(url).database
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def drop_template() -> None:
    """Drop this process's template at the end of the session."""
    global _template
    if _template is not None:
        drop_database(_with_database(_template))
        _template = None
