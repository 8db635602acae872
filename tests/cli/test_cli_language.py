"""The command line speaks one language, picked as the apps pick it: --lang (the command's,
or `gridwalker --lang` / `gridwalker hub --lang` before it), else the settings, else the
locale (English when it names English), else Chinese; and `issue act --help` lists every
action with its labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gridwalker import config
from gridwalker.cli import main
from gridwalker.domain.workflow import IssueAction


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    """A folder holding one bundle that is no bundle (the hub refuses it)."""
    folder = tmp_path / "stick"
    folder.mkdir()
    (folder / "gridwalker-3f9c2a1b7d4e-000001.zip.age").write_bytes(b"\x00" * 64)
    return folder


@pytest.fixture
def hub_home() -> None:
    """This home is a hub (its identity and database)."""
    assert run("hub", "init").exit_code == 0


@pytest.mark.usefixtures("hub_home")
def test_a_result_line_follows_the_language_asked_for(
    stick: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")
    zh = run("hub", "import", str(stick))
    en = run("--lang", "en", "hub", "import", str(stick))
    en_hub = run("hub", "--lang", "en", "import", str(stick))
    assert zh.exit_code == en.exit_code == en_hub.exit_code == 1
    # The first import refuses it; later ones say it was refused before.
    assert "拒收 [" in zh.stderr and "refused" not in zh.stderr.split("]")[0]
    assert "refused before [" in en.stderr and "拒收过" not in en.stderr
    assert "refused before [" in en_hub.stderr


@pytest.mark.parametrize(
    ("setting", "locale", "expected"),
    [
        ("", "C.UTF-8", "这里没有数据库"),
        ("", "en_GB.UTF-8", "no database here"),
        ("en", "zh_CN.UTF-8", "no database here"),
        ("zh", "en_US.UTF-8", "这里没有数据库"),
    ],
)
def test_without_lang_the_settings_then_the_locale_decide(
    setting: str, locale: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", locale)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    config.save_settings(config.paths(), config.Settings(language=setting))
    result = run("export")
    assert result.exit_code == 1 and expected in result.stderr, result.stderr


def test_lang_on_the_command_wins_over_the_group_and_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")
    config.save_settings(config.paths(), config.Settings(language="zh"))
    result = run("--lang", "zh", "issue", "list", "--lang", "en")
    assert result.exit_code == 1 and "no database here" in result.stderr


def test_issue_list_speaks_the_groups_language(demo_db: Path) -> None:
    en = run("--lang", "en", "issue", "list", "--db", str(demo_db), "--limit", "3")
    zh = run("--lang", "zh", "issue", "list", "--db", str(demo_db), "--limit", "3")
    assert en.exit_code == zh.exit_code == 0
    assert "3 of" in en.stderr and "Reported" in en.stderr
    assert "显示 3 件" in zh.stderr and "已上报" in zh.stderr


def test_issue_act_help_lists_every_action_with_its_labels() -> None:
    result = run("issue", "act", "--help")
    assert result.exit_code == 0
    for action in IssueAction:
        line = next(
            (x for x in result.stdout.splitlines() if x.strip().startswith(action.value + " ")),
            "",
        )
        assert action.zh in line and action.en in line, (action, result.stdout)
    assert "[--as supervisor]" in result.stdout
