"""A file name on a stick is anyone's to choose: result lines stay one line, no escape codes."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from gridwalker import config
from gridwalker.cli import main
from tests.support.hubs import Hub


def test_a_hostile_file_name_is_printed_inert(tmp_path: Path, hub: Hub) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    name = "gridwalker-x\x1b[2J\nforged-000001.zip"
    (stick / name).write_bytes(b"PK\x03\x04 not really a zip")
    result = CliRunner().invoke(
        main,
        ["hub", "import", str(stick / name)],
        env={config.HOME_ENV: str(hub.home.data.parent)},
        catch_exceptions=False,
    )
    out = result.stdout + result.stderr
    assert result.exit_code == 1
    assert "\x1b" not in out
    lines = [line for line in out.splitlines() if "gridwalker-x" in line]
    assert len(lines) == 1 and "\\x1b[2J\\nforged" in lines[0], out
