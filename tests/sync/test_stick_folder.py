"""`hub import FOLDER` on a USB stick (issue #13 §4, issue #14 point 2): a refused file is copied
to the quarantine and the original left where it was; a hub bundle for a laptop lying in the
same folder is skipped, neither refused nor quarantined; a file refused before is noted in one
line on the next run."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import func, select

from gridwalker import config
from gridwalker.cli import main
from gridwalker.store.tables import Household
from gridwalker.store.tables.hub import HubQuarantine
from gridwalker.sync.hub.folders import backlog_dir, quarantine_dir
from gridwalker.sync.hub.intake import FOR_A_LAPTOP
from tests.support.hubs import Desk, Hub, snapshot
from tests.support.laptops import Field, Laptop
from tests.sync.test_decision_records import _decide
from tests.sync.test_intake_robust import nested_manifest_zip


def hub_import(hub: Hub, *args: str) -> Result:
    """`gridwalker hub import …` at this hub's home."""
    return CliRunner().invoke(
        main,
        ["hub", "import", *args],
        env={config.HOME_ENV: str(hub.home.data.parent)},
        catch_exceptions=False,
    )


def quarantine_rows(hub: Hub) -> int:
    """Rows in the hub's quarantine book."""
    with hub.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(HubQuarantine)).scalar_one()


def household_uuid(lap: Laptop) -> str:
    """The first household of a laptop."""
    with lap.engine.connect() as conn:
        return conn.execute(select(Household.uuid).order_by(Household.uuid).limit(1)).scalar_one()


def on_stick(stick: Path, path: Path) -> Path:
    """A copy of a bundle on the stick, world-readable as files on a FAT stick look."""
    target = stick / path.name
    shutil.copyfile(path, target)
    os.chmod(target, 0o644)
    return target


def test_a_refused_file_is_copied_and_stays_on_the_stick(
    laptop: Laptop, hub: Hub, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    good = on_stick(stick, laptop.export(plaintext=True).path)
    poison = nested_manifest_zip(stick / "gridwalker-aaa-000001.zip")
    os.chmod(poison, 0o644)
    content = poison.read_bytes()
    result = hub_import(hub, str(stick), "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert (report["applied"], report["refused"], report["skipped"]) == (1, 1, 0)
    by_name = {Path(b["file"]).name: b for b in report["bundles"]}
    copy = Path(by_name[poison.name]["quarantined"])
    assert copy.parent == quarantine_dir(hub.home)
    assert copy.read_bytes() == content
    assert copy.stat().st_mode & 0o777 == 0o600
    assert poison.read_bytes() == content  # the stick is not the hub's to empty
    assert good.exists()
    assert quarantine_rows(hub) == 1
    # The next nightly run finds it again: one line, no second quarantine entry or copy.
    before = snapshot(hub.engine)
    again = hub_import(hub, str(stick))
    assert again.exit_code == 1
    lines = [line for line in again.stderr.splitlines() if poison.name in line]
    assert len(lines) == 1 and "拒收过" in lines[0], again.stderr
    assert quarantine_rows(hub) == 1
    assert sorted(p.name for p in quarantine_dir(hub.home).iterdir()) == [
        copy.name,
        copy.name + ".reason.txt",
    ]
    assert snapshot(hub.engine) == before
    assert poison.read_bytes() == content


def test_a_hub_bundle_for_a_laptop_is_skipped_and_left_alone(
    desk: Desk, field_a: Field, tmp_path: Path
) -> None:
    _decide(desk, field_a)  # the laptop's seq 1 is in; decisions wait for it
    stick = tmp_path / "stick"
    stick.mkdir()
    for_laptop = on_stick(stick, desk.export_to("lap-a").paths[0])
    content = for_laptop.read_bytes()
    field_a.edit("household", household_uuid(field_a), phone="13911112222")
    good = on_stick(stick, field_a.export().path)
    before = quarantine_rows(desk)
    result = hub_import(desk, str(stick), "--json")
    assert result.exit_code == 0, result.output  # a skipped file is no refusal
    report = json.loads(result.stdout)
    assert (report["applied"], report["refused"], report["skipped"]) == (1, 0, 1)
    skipped = next(b for b in report["bundles"] if Path(b["file"]).name == for_laptop.name)
    assert skipped["status"] == "skipped" and skipped["quarantined"] is None
    assert skipped["message"] == FOR_A_LAPTOP
    assert for_laptop.read_bytes() == content
    assert quarantine_rows(desk) == before
    assert not quarantine_dir(desk.home).exists() or not any(quarantine_dir(desk.home).iterdir())
    assert good.exists()
    # In words, bilingual, on stdout (it is not an error).
    text = hub_import(desk, str(for_laptop))
    assert text.exit_code == 0
    assert "a bundle for a laptop, not for this hub" in text.stdout
    assert "不是发给本枢纽的" in text.stdout
    assert for_laptop.read_bytes() == content
    # The laptop imports it afterwards as if the hub had never seen it.
    assert field_a.apply(for_laptop).status == "applied"


def test_an_unknown_age_file_named_like_a_device_bundle_is_still_refused(
    desk: Desk, field_a: Field, tmp_path: Path
) -> None:
    """Only a hub bundle's name makes "not for this hub" a skip: a device bundle encrypted to
    another hub is that file's refusal, copied to the quarantine."""
    _decide(desk, field_a)
    stick = tmp_path / "stick"
    stick.mkdir()
    renamed = stick / "gridwalker-lap-a-000009.zip.age"
    shutil.copyfile(desk.export_to("lap-a").paths[0], renamed)
    outcome = desk.one(renamed)
    assert outcome.status == "refused" and outcome.reason == "other-hub", outcome.summary()
    assert outcome.quarantined is not None and renamed.exists()


def test_a_held_copy_refused_later_leaves_the_backlog(laptop: Laptop, hub: Hub) -> None:
    """The hub's own copies (the backlog) are moved into the quarantine, not copied: nothing
    stray stays behind in the backlog folder."""
    from gridwalker.sync.hub.folders import quarantine
    from gridwalker.sync.refusals import BundleRefused

    folder = backlog_dir(hub.home)
    folder.mkdir(parents=True)
    held = folder / "gridwalker-lap-a-000003.zip"
    held.write_bytes(b"PK\x05\x06" + bytes(18))
    target = quarantine(hub.engine, hub.home, held, BundleRefused("truncated"), "lap-a", 3)
    assert target is not None and target.read_bytes() == b"PK\x05\x06" + bytes(18)
    assert not held.exists()
