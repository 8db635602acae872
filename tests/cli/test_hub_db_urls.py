"""A hub command's --db is a path or a database URL (#15): a URL is never taken for a path,
GRIDWALKER_HUB_DB gives the default, and no password is ever taken from a command line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from gridwalker import config
from gridwalker.cli import main
from gridwalker.store.engine import make_engine
from gridwalker.store.migrate import current_revision, head_revision


def run(*args: str, home: Path, **env: str) -> tuple[int, str, str]:
    """Run gridwalker in a home, from the home's parent folder; (exit code, stdout, stderr)."""
    result = CliRunner().invoke(
        main, list(args), env={config.HOME_ENV: str(home), **env}, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def in_tmp(tmp_path: Path) -> Path:
    """The test's folder as the working directory: a URL taken for a path would land here."""
    before = Path.cwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(before)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return current_revision(conn)
    finally:
        engine.dispose()


def test_hub_init_on_a_url_creates_the_schema_there(in_tmp: Path, empty_pg_database: str) -> None:
    hub = in_tmp / "hub"
    assert _tables(empty_pg_database) == set()
    code, out, err = run("hub", "init", "--db", empty_pg_database, "--json", home=hub)
    assert code == 0, err
    made = json.loads(out)
    assert made["database"] == empty_pg_database
    assert _revision(empty_pg_database) == head_revision()
    assert {"hub_ledger", "visit", "hub_review"} <= _tables(empty_pg_database)
    assert sorted(p.name for p in in_tmp.iterdir()) == ["hub"]  # no folder named after the URL
    assert not config.paths(hub).hub_db.exists()


def test_a_home_with_its_identity_moves_to_a_server(in_tmp: Path, empty_pg_database: str) -> None:
    """hub init --db URL on a set-up home: exit 0, the same recipient, the schema made there."""
    hub = in_tmp / "hub"
    code, out, err = run("hub", "init", "--json", home=hub)
    assert code == 0, err
    first = json.loads(out)
    code, out, err = run("hub", "init", "--db", empty_pg_database, home=hub)
    assert code == 0, err
    assert out.splitlines()[0] == first["recipient"]
    assert _revision(empty_pg_database) == head_revision()


def test_the_default_comes_from_gridwalker_hub_db(in_tmp: Path, empty_pg_database: str) -> None:
    hub = in_tmp / "hub"
    env = {"GRIDWALKER_HUB_DB": empty_pg_database}
    assert run("hub", "init", home=hub, **env)[0] == 0
    assert _revision(empty_pg_database) == head_revision()
    code, _out, err = run("hub", "member", "list", home=hub, **env)
    assert code == 0 and "还没有网格员" in err
    assert not config.paths(hub).hub_db.exists()


def test_postgresql_urls_without_a_driver_use_psycopg(in_tmp: Path, empty_pg_database: str) -> None:
    plain = make_url(empty_pg_database).set(drivername="postgresql").render_as_string()
    code, out, err = run("hub", "init", "--db", plain, "--json", home=in_tmp / "hub")
    assert code == 0, err
    assert json.loads(out)["database"].startswith("postgresql+psycopg://")


def test_a_sqlite_url_is_its_file(in_tmp: Path) -> None:
    db = in_tmp / "elsewhere" / "hub.db"
    db.parent.mkdir()
    code, out, err = run("hub", "init", "--db", f"sqlite:///{db}", "--json", home=in_tmp / "hub")
    assert code == 0, err
    assert json.loads(out)["database"] == str(db) and db.exists()
    assert (db.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql+psycopg://gw:s3cret@127.0.0.1:54329/hub", "no password"),
        ("postgresql://gw:s3cret@127.0.0.1/hub", "no password"),
        ("mysql://gw@127.0.0.1/hub", "SQLite or PostgreSQL"),
        ("sqlite:///:memory:", "names a file"),
        ("postgresql+psycopg://gw@127.0.0.1:port/hub", "not a database URL"),
    ],
)
def test_refused_urls_write_nothing(in_tmp: Path, url: str, says: str) -> None:
    hub = in_tmp / "hub"
    code, out, err = run("hub", "init", "--db", url, home=hub)
    assert code == 2 and says in err
    assert "s3cret" not in out + err.replace(url, "")  # said once, as typed, and nowhere else
    assert sorted(p.name for p in in_tmp.iterdir()) == []  # no keys, no folder, no file
    code, _out, err = run("hub", "member", "list", home=hub, GRIDWALKER_HUB_DB=url)
    assert code == 2 and says in err


def _commands(name: str, command: click.Command) -> list[tuple[str, click.Command]]:
    """A command and, for a group, every command under it, by their full names."""
    found = [(name, command)]
    for sub, inner in getattr(command, "commands", {}).items():
        found += _commands(f"{name} {sub}", inner)
    return found


def test_a_folder_is_not_a_database(in_tmp: Path) -> None:
    for db in (str(in_tmp), f"{in_tmp}/nowhere/"):
        code, _out, err = run("hub", "member", "list", "--db", db, home=in_tmp / "hub")
        assert code == 2 and "not a folder" in err
    assert sorted(p.name for p in in_tmp.iterdir()) == []


def test_every_hub_command_takes_a_url() -> None:
    """Each hub command (and the reports) reads --db as a path or URL, GRIDWALKER_HUB_DB too."""
    from gridwalker.cli.common import DATABASE, HUB_DB_ENV

    report = main.commands["report"].commands
    wanted = _commands("hub", main.commands["hub"]) + [
        ("report coverage", report["coverage"]),
        ("report census", report["census"]),
    ]
    checked = 0
    for name, command in wanted:
        if isinstance(command, click.Group) and name != "hub":
            continue  # a group: its commands are checked
        options = [p for p in command.params if "--db" in getattr(p, "opts", [])]
        assert options, f"{name} has no --db"
        assert options[0].type is DATABASE and options[0].envvar == HUB_DB_ENV, name
        checked += 1
    assert checked >= 14


def test_a_server_that_does_not_answer_is_a_reason_not_a_traceback(in_tmp: Path) -> None:
    url = "postgresql+psycopg://gw@127.0.0.1:1/hub"
    code, out, err = run(
        "hub", "member", "list", "--db", url, home=in_tmp / "hub", PGPASSWORD="pw-7f3a"
    )
    assert code == 1 and ("could not be opened" in err or "无法打开" in err)
    assert "pw-7f3a" not in out + err and "Traceback" not in err
