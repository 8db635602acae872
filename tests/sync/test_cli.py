"""The sync commands of CLI.md: messages, --json, exit codes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from gridwalker import config
from gridwalker.cli import main


def run(*args: str, home: Path) -> tuple[int, str, str]:
    """Run gridwalker in a home; (exit code, stdout, stderr)."""
    result = CliRunner().invoke(
        main, list(args), env={config.HOME_ENV: str(home)}, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def test_keys_export_and_hub_import(tmp_path: Path, small_street: Path) -> None:
    lap, hub = tmp_path / "lap", tmp_path / "hub"
    db = config.paths(lap).field_db
    db.parent.mkdir(parents=True)
    shutil.copy(small_street, db)

    assert run("keys", "init", home=lap)[0] == 0
    code, _out, err = run("keys", "init", home=lap)
    assert code == 0 and "已设置" in err
    secret = config.paths(lap).keys / "device.key"
    assert secret.stat().st_mode & 0o777 == 0o600
    assert secret.parent.stat().st_mode & 0o777 == 0o700

    code, _out, err = run("export", home=lap)
    assert code == 1 and "gridwalker keys trust-hub age1" in err
    assert run("keys", "trust-hub", "age1notarecipient", home=lap)[0] == 1

    code, out, _err = run("hub", "init", "--json", home=hub)
    recipient = json.loads(out)["recipient"]
    code, out, _err = run("hub", "init", home=hub)  # never overwrites the identity
    assert code == 0 and out.splitlines()[0] == recipient
    assert run("keys", "trust-hub", recipient, home=lap)[0] == 0
    code, out, _err = run("keys", "show", "--json", home=lap)
    shown = json.loads(out)
    assert shown["trusted_hub"] == recipient and len(shown["key_id"]) == 16 and shown["device_id"]

    code, out, _err = run("export", "--json", home=lap)
    exported = json.loads(out)
    assert code == 0 and exported["exported"] and exported["encrypted"]
    bundle = Path(exported["path"])
    code, out, err = run("export", home=lap)
    assert code == 0 and out == "" and "没有新的变更" in err

    pub = config.paths(lap).keys / "device.pub"
    code, out, _err = run("bundle", "inspect", str(bundle), "--json", home=hub)
    assert code == 1 and json.loads(out)["reason"] == "not-enrolled"  # not enrolled at this hub yet
    assert run("hub", "enroll", str(pub), "--member", "李晓梅", home=hub)[0] == 0
    code, out, _err = run("bundle", "inspect", str(bundle), home=hub)
    assert code == 0 and "all checks passed" in out and "李晓梅" in out

    code, out, _err = run("hub", "import", str(bundle.parent), "--json", home=hub)
    result = json.loads(out)
    assert (
        code == 0
        and result["applied"] == 1
        and result["bundles"][0]["records"] == exported["records"]
    )
    shutil.copy(bundle, tmp_path / bundle.name)
    code, out, err = run("hub", "import", str(tmp_path / bundle.name), home=hub)
    assert code == 0 and "已导入过" in out, (out, err)

    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "gridwalker-x-000001.zip").write_text("<html></html>")
    (junk / ".gridwalker-x-000002.zip.age.partial").write_bytes(b"half")
    code, _out, err = run("hub", "import", str(junk), home=hub)
    assert code == 1 and "not-a-bundle" in err
    assert (junk / ".gridwalker-x-000002.zip.age.partial").exists()  # temp files are left alone
    log = (config.paths(hub).log / "sync.log").read_text(encoding="utf-8")
    assert "status=refused reason=not-a-bundle" in log


def test_import_lock(tmp_path: Path) -> None:
    from gridwalker.sync.hub.lock import HubLocked, hub_lock

    home = config.paths(tmp_path / "hub")
    with hub_lock(home):
        try:
            with hub_lock(home):
                raise AssertionError("a second importer got the lock")
        except HubLocked as exc:
            assert str(os.getpid()) in str(exc) and "another import is running" in str(exc)


def test_demo_laptop_can_export_at_once(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from gridwalker.cli import root
    from gridwalker.demo import street as demo

    real = demo.build_demo
    monkeypatch.setattr(
        demo,
        "build_demo",
        lambda engine, households, progress: real(engine, households=30, months=1),
    )
    home = config.paths(tmp_path / "demo-home")
    db = home.field_db
    db.parent.mkdir(parents=True)
    root._build_demo_laptop(home, db)
    code, out, err = run("export", "--json", home=tmp_path / "demo-home")
    assert code == 0, err
    assert json.loads(out)["encrypted"]
