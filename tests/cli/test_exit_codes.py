"""Exit codes as CLI.md says, for every command: 2 for wrong usage, 1 for a command that ran
and refused (with its reason on stderr, or its report on stdout, and nothing written), never
a traceback. A command added without a row here fails `test_every_command_has_a_row`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from gridwalker.cli import main

# Each command: (wrong usage, a refused case); {tmp} is the test's folder, where `files`
# made a broken bundle, a JSON file that is no card, a CSV that is no roster, a file that is
# no database.
COMMANDS: dict[str, tuple[list[str], list[str]]] = {
    "bundle inspect": (["bundle", "inspect"], ["bundle", "inspect", "{tmp}/junk.zip.age"]),
    "db check": (["db", "check", "extra"], ["db", "check", "--db", "{tmp}/not-a.db"]),
    "db encrypt": (["db", "encrypt", "--db"], ["db", "encrypt", "--db", "{tmp}/not-a.db"]),
    "db passphrase": (
        ["db", "passphrase", "--new-passphrase-file"],
        ["db", "passphrase", "--db", "{tmp}/not-a.db"],
    ),
    "consult list": (["consult", "list", "extra"], ["consult", "list", "--db", "{tmp}/not-a.db"]),
    "consult new": (
        ["consult", "new", "--title", "t"],
        ["consult", "new", "--title", "t", "--scope", "XH-01-01/1栋", "--kind", "survey"],
    ),
    "consult owners import": (
        ["consult", "owners", "import", "6d2c538d"],
        ["consult", "owners", "import", "6d2c538d", "{tmp}/junk.csv", "--db", "{tmp}/not-a.db"],
    ),
    "consult tally": (["consult", "tally"], ["consult", "tally", "6d2c538d"]),
    "consult votes import": (
        ["consult", "votes", "import"],
        ["consult", "votes", "import", "6d2c538d", "{tmp}/junk.csv"],
    ),
    "demo build": (
        ["demo", "build", "--households", "0"],
        ["demo", "build", "--db", "{tmp}/not-a.db"],
    ),
    "export": (["export", "--out"], ["export"]),
    "hub demo build": (
        ["hub", "demo", "build", "--streets", "0"],
        ["hub", "demo", "build", "--db", "{tmp}/junk.csv"],
    ),
    "hub enroll": (["hub", "enroll"], ["hub", "enroll", "{tmp}/junk.json"]),
    "hub export": (["hub", "export"], ["hub", "export", "--all"]),
    "hub import": (["hub", "import"], ["hub", "import", "{tmp}/stick"]),
    "hub init": (["hub", "init", "--name"], ["hub", "init", "--rotate"]),
    "hub member add": (
        ["hub", "member", "add", "张三"],
        ["hub", "member", "add", "张三", "--grid", "XH-99-99", "--db", "{tmp}/not-a.db"],
    ),
    "hub member list": (
        ["hub", "member", "list", "extra"],
        ["hub", "member", "list", "--db", "{tmp}/not-a.db"],
    ),
    "hub member move": (
        ["hub", "member", "move", "张三"],
        ["hub", "member", "move", "张三", "--grid", "XH-99-99", "--db", "{tmp}/not-a.db"],
    ),
    "hub member retire": (
        ["hub", "member", "retire"],
        ["hub", "member", "retire", "张三", "--db", "{tmp}/not-a.db"],
    ),
    "hub provision": (
        ["hub", "provision", "--out", "{tmp}"],
        ["hub", "provision", "--member", "张三", "--out", "{tmp}/no-stick"],
    ),
    "hub revoke": (["hub", "revoke"], ["hub", "revoke", "nodevice", "--db", "{tmp}/not-a.db"]),
    "hub roster import": (
        ["hub", "roster", "import"],
        ["hub", "roster", "import", "{tmp}/junk.csv", "--db", "{tmp}/not-a.db"],
    ),
    "hub supervisor add": (
        ["hub", "supervisor", "add"],
        ["hub", "supervisor", "add", "王建华", "--db", "{tmp}/not-a.db"],
    ),
    "hub supervisor list": (
        ["hub", "supervisor", "list", "extra"],
        ["hub", "supervisor", "list", "--db", "{tmp}/not-a.db"],
    ),
    "hub user add": (
        ["hub", "user", "add", "wang_li"],
        ["hub", "user", "add", "wang_li", "--street", "新华街道", "--db", "{tmp}/not-a.db"],
    ),
    "import": (["import"], ["import", "{tmp}/junk.zip.age"]),
    "issue act": (["issue", "act", "6d2c538d", "fly"], ["issue", "act", "6d2c538d", "accept"]),
    "issue list": (["issue", "list", "--status", "nope"], ["issue", "list"]),
    "issue show": (["issue", "show"], ["issue", "show", "6d2c538d"]),
    "keys init": (["keys", "init", "extra"], ["keys", "init", "--rotate"]),
    "keys pair": (["keys", "pair"], ["keys", "pair", "--out", "{tmp}/no-stick"]),
    "keys show": (["keys", "show", "extra"], ["keys", "show", "--db", "{tmp}/not-a.db"]),
    "keys trust-hub": (["keys", "trust-hub"], ["keys", "trust-hub", "--card", "{tmp}/junk.json"]),
    "report census": (
        ["report", "census", "--out", "{tmp}/r.txt"],
        ["report", "census", "--out", "{tmp}/r.csv"],
    ),
    "report consultation": (
        ["report", "consultation", "6d2c538d", "--out", "{tmp}/r.txt"],
        ["report", "consultation", "6d2c538d", "--out", "{tmp}/r.csv"],
    ),
    "report coverage": (
        ["report", "coverage", "--out", "{tmp}/r.txt"],
        ["report", "coverage", "--out", "{tmp}/r.csv"],
    ),
    "roster import": (["roster", "import"], ["roster", "import", "{tmp}/junk.csv"]),
    "setup": (
        ["setup", "--grid", "XH-01-01", "--hub-card", "{tmp}/junk.json"],
        ["setup", "--member", "张三", "--grid", "XH-01-01", "--hub-card", "{tmp}/junk.json"],
    ),
}
# Commands whose refusal is a report on stdout (what was checked), not a message on stderr.
REPORTS_ON_STDOUT = {"bundle inspect"}


def leaf_commands(group: click.Group, path: tuple[str, ...] = ()) -> set[str]:
    """Every command a user can run, by its words ("hub member add")."""
    found: set[str] = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= leaf_commands(command, (*path, name))
        else:
            found.add(" ".join((*path, name)))
    return found


def test_every_command_has_a_row() -> None:
    assert leaf_commands(main) == set(COMMANDS)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """The hostile inputs, in their own folder (the home is elsewhere)."""
    folder = tmp_path / "inputs"
    (folder / "stick").mkdir(parents=True)
    (folder / "junk.zip.age").write_bytes(b"age-encryption.org/v1\nnot really")
    (folder / "stick" / "gridwalker-3f9c2a1b7d4e-000001.zip.age").write_bytes(b"\x00" * 64)
    (folder / "junk.json").write_text('{"format": "something else", "version": 1}')
    (folder / "junk.csv").write_text("甲,乙\n1,2\n", encoding="utf-8")
    (folder / "not-a.db").write_bytes(b"this is not a database at all" * 40)
    return folder


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root` with its size and modification time."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run(args: list[str], folder: Path) -> Result:
    return CliRunner().invoke(main, [a.replace("{tmp}", str(folder)) for a in args])


def no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_wrong_usage_exits_2(command: str, files: Path, gridwalker_home: Path) -> None:
    result = run(COMMANDS[command][0], files)
    no_traceback(result)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stderr.strip()  # click says what was wrong
    assert not gridwalker_home.exists() or not tree(gridwalker_home)


WRITES_ON_REFUSAL: set[str] = set()  # none: a refused command leaves nothing behind


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(
            c,
            marks=pytest.mark.xfail(strict=True, reason="creates the database before refusing"),
        )
        if c in WRITES_ON_REFUSAL
        else c
        for c in sorted(COMMANDS)
    ],
)
def test_a_refusal_exits_1_says_why_and_writes_nothing(
    command: str, files: Path, gridwalker_home: Path
) -> None:
    inputs = tree(files)
    result = run(COMMANDS[command][1], files)
    no_traceback(result)
    assert result.exit_code == 1, (result.exit_code, result.output)
    said: Callable[[], str] = (
        (lambda: result.stdout) if command in REPORTS_ON_STDOUT else (lambda: result.stderr)
    )
    assert said().strip(), result.output
    assert tree(files) == inputs  # the inputs are left as they were
    assert not gridwalker_home.exists() or not tree(gridwalker_home), tree(gridwalker_home)


@pytest.mark.parametrize(
    "args",
    [["--lang", "fr"], ["hub", "--as", "  "], ["--lang", "en", "issue", "list", "--sort", "x"]],
    ids=["root --lang", "hub --as", "issue list --sort"],
)
def test_group_options_are_usage_too(args: list[str], files: Path) -> None:
    result = run(args, files)
    no_traceback(result)
    assert result.exit_code == 2, result.output
