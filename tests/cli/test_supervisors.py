"""Supervisors (#13 §2): the desk's --as must be a known supervisor; the default is remembered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gridwalker import config
from gridwalker.cli import main
from tests.support.hubs import both_engines


def run(*args: str, home: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, list(args), env={config.HOME_ENV: str(home)}, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Who the desk was opened as (the desk itself is not started)."""
    seen: list[str] = []
    import gridwalker.tui.desk.app as desk

    monkeypatch.setattr(desk, "run_hub", lambda db, lang, home, actor: seen.append(actor))
    return seen


@both_engines
def test_the_desk_opens_only_as_a_known_supervisor(
    tmp_path: Path, opened: list[str], hub_db: str | None
) -> None:
    hub = tmp_path / "hub"
    assert run("hub", "init", home=hub)[0] == 0
    assert run("hub", "member", "list", home=hub)[0] == 0  # makes hub.db
    code, _out, err = run("hub", home=hub)
    assert code == 1 and "gridwalker hub supervisor add NAME" in err and not opened

    assert run("hub", "supervisor", "add", "王建华", home=hub)[0] == 0
    code, _out, err = run("hub", "supervisor", "add", "王建华", home=hub)
    assert code == 1 and "is a supervisor here already" in err
    code, _out, err = run("hub", "supervisor", "add", "李四", "--street", "无此街", home=hub)
    assert code == 1 and "unknown street" in err
    assert run("hub", "supervisor", "add", "周芳", home=hub)[0] == 0
    listed = json.loads(run("hub", "supervisor", "list", "--json", home=hub)[1])["supervisors"]
    assert [s["name"] for s in listed] == sorted(["王建华", "周芳"])

    code, _out, err = run("hub", home=hub)  # two supervisors, none remembered yet
    assert code == 1 and "--as" in err and "王建华" in err and "周芳" in err
    code, _out, err = run("hub", "--as", "王建化", home=hub)  # a typo
    assert code == 1 and "'王建化' is not a supervisor here" in err and "王建华" in err
    assert not opened
    assert run("hub", "--as", "王建华", home=hub)[0] == 0
    assert run("hub", home=hub)[0] == 0  # remembered for this hub user
    assert opened == ["王建华", "王建华"]
