"""The review-desk commands: keys for the way back, hub export, import, report coverage."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from gridwalker import config
from gridwalker.cli import main
from gridwalker.store.desk.arrivals import record_arrivals
from gridwalker.store.desk.decisions import return_item
from gridwalker.store.desk.queue import QueueFilter, queue_page
from gridwalker.store.migrate import open_database
from gridwalker.sync.keys import init_device_key
from tests.support.hubs import both_engines, hub_database


def run(*args: str, home: Path) -> tuple[int, str, str]:
    """Run gridwalker in a home; (exit code, stdout, stderr)."""
    result = CliRunner().invoke(
        main, list(args), env={config.HOME_ENV: str(home)}, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


@both_engines
def test_keys_hub_export_import_and_coverage(
    tmp_path: Path, small_street: Path, hub_db: str | None
) -> None:
    lap, hub = tmp_path / "lap", tmp_path / "hub"
    lap_home = config.paths(lap)
    lap_home.data.mkdir(parents=True)
    shutil.copy(small_street, lap_home.field_db)
    old_key = init_device_key(lap_home)  # a laptop from before: a signing key, no age identity
    code, out, _err = run("keys", "init", "--json", home=lap)
    info = json.loads(out)
    assert code == 0 and info["key_id"] == old_key and not info["already_set_up"]
    code, out, _err = run("keys", "init", "--json", home=lap)  # both exist: nothing to make
    assert code == 0 and json.loads(out)["already_set_up"] and json.loads(out)["key_id"] == old_key
    recipient = info["recipient"]

    code, out, _err = run("hub", "init", "--json", home=hub)
    hub_info = json.loads(out)
    assert code == 0 and hub_info["signing_key_id"]
    assert run("hub", "init", home=hub)[0] == 0  # idempotent: the same identity
    assert (
        run(
            "keys",
            "trust-hub",
            hub_info["recipient"],
            "--hub-key",
            hub_info["signing_public_key"],
            home=lap,
        )[0]
        == 0
    )
    code, out, _err = run("keys", "show", "--json", home=lap)
    shown = json.loads(out)
    assert shown["recipient"] == recipient
    assert shown["hub_signing_key_id"] == hub_info["signing_key_id"]
    assert (
        run(
            "hub",
            "enroll",
            str(lap_home.keys / "device.pub"),
            "--member",
            "李晓梅",
            "--recipient",
            recipient,
            home=hub,
        )[0]
        == 0
    )
    assert run("export", home=lap)[0] == 0
    assert run("hub", "import", str(lap_home.outbox), home=hub)[0] == 0
    assert run("hub", "export", home=hub)[0] == 2  # --device or --all
    engine = open_database(hub_database(hub))
    with engine.begin() as conn:
        record_arrivals(conn)
        first = queue_page(conn, QueueFilter(entity="visit"), 0, 1)[0]
        return_item(conn, "visit", first.uuid, "请补充走访情况", "王书记")
    engine.dispose()
    out_dir = tmp_path / "usb"
    code, _out, err = run("hub", "export", "--all", "--out", str(out_dir), home=hub)
    assert code == 1 and "is the USB stick mounted?" in err and not out_dir.exists()
    out_dir.mkdir()
    code, out, _err = run("hub", "export", "--all", "--out", str(out_dir), "--json", home=hub)
    exported = json.loads(out)
    assert code == 0 and exported["files"] == 1
    [path] = exported["devices"][0]["paths"]
    code, out, _err = run("import", path, "--json", home=lap)
    assert code == 0 and json.loads(out)["returned"] == 1
    code, out, _err = run("bundle", "inspect", path, home=lap)  # the laptop's key and hub key
    assert code == 0, out
    assert "records  review_decision 1" in out and "decision records: 1 decisions" in out
    code, _out, err = run("import", path, home=hub)  # the hub home has no laptop database
    assert code == 1
    code, out, _err = run("hub", "export", "--all", "--out", str(out_dir), home=hub)
    assert code == 0 and "没有新内容" in _err

    for name in ("coverage.csv", "coverage.xlsx"):
        target = tmp_path / name
        code, out, err = run(
            "report", "coverage", "--out", str(target), "--today", "2026-11-20", home=hub
        )
        assert code == 0, err
        assert target.stat().st_size > 0
    lines = (tmp_path / "coverage.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("社区,网格,户数,本轮已走访")
    assert lines[-1].split(",")[1] == "全街道"
