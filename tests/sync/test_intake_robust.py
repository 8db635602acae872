"""The hub's intake never stops and never loses (issue #14, points 2, 3, 5 and 7).

Each test crafts its own hostile input and asserts the outcome, its reason, an unchanged hub
(row digest) and where the file is afterwards.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select

from gridwalker import config
from gridwalker.cli import main
from gridwalker.store import engine as engine_mod
from gridwalker.store.tables import CensusRecord, Issue
from gridwalker.store.tables.hub import HubDevice, HubQuarantine
from gridwalker.store.writes import Writer
from gridwalker.sync import bundle as fmt
from gridwalker.sync.hub import intake, lock
from gridwalker.sync.hub.folders import quarantine_dir
from gridwalker.sync.hub.lock import HubBusy
from tests.support.bundles import read_zip, rebuild, write_zip
from tests.support.hubs import Hub, snapshot
from tests.support.laptops import Laptop


def quarantine_entries(hub: Hub) -> int:
    """Rows in the hub's quarantine book."""
    with hub.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(HubQuarantine)).scalar_one()


def nested_manifest_zip(path: Path, depth: int = 100_000) -> Path:
    """A plain zip whose manifest nests lists deeper than any JSON parser's recursion."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(fmt.MANIFEST, b"[" * depth + b"]" * depth)
        zf.writestr(fmt.SIGNATURE, b"untrusted comment: x\nRWQ\n")
    return path


# -- 2. one bad file never stops a folder --------------------------------------------------


def test_a_poison_file_does_not_stop_the_folder(laptop: Laptop, hub: Hub, tmp_path: Path) -> None:
    folder = tmp_path / "stick"
    folder.mkdir()
    good = laptop.export(plaintext=True).path
    shutil.move(good, folder / good.name)
    poison = nested_manifest_zip(folder / "gridwalker-aaa-000001.zip")  # sorts first
    outcomes = hub.import_(folder)
    by_name = {o.path.name: o for o in outcomes}
    assert by_name[poison.name].status == "refused"
    assert by_name[poison.name].reason and by_name[poison.name].message
    assert by_name[good.name].status == "applied", by_name[good.name].summary()
    assert "refused" in by_name[poison.name].summary()


def test_any_error_in_one_file_is_that_files_refusal(
    laptop: Laptop, hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "stick"
    folder.mkdir()
    first = laptop.export(plaintext=True).path
    shutil.move(first, folder / first.name)
    poison = nested_manifest_zip(folder / "gridwalker-aaa-000001.zip", depth=3)
    real_open = fmt.open_bundle

    def open_bundle(path: Path, *args: object, **kwargs: object) -> fmt.OpenedBundle:
        if path.name == poison.name:
            raise OverflowError("int too large to convert to C int")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(fmt, "open_bundle", open_bundle)
    outcomes = {o.path.name: o for o in hub.import_(folder)}
    refused = outcomes[poison.name]
    assert refused.status == "refused" and refused.reason == "unexpected"
    assert "OverflowError: int too large" in refused.message
    assert refused.quarantined is not None and refused.quarantined.exists()
    assert poison.exists()  # copied to the quarantine, the original left in place
    assert outcomes[first.name].status == "applied"


def test_an_unwritable_quarantine_still_refuses_and_goes_on(
    laptop: Laptop, hub: Hub, tmp_path: Path
) -> None:
    folder = tmp_path / "stick"
    folder.mkdir()
    good = laptop.export(plaintext=True).path
    shutil.move(good, folder / good.name)
    poison = nested_manifest_zip(folder / "gridwalker-aaa-000001.zip")
    qdir = quarantine_dir(hub.home)
    qdir.parent.mkdir(parents=True, exist_ok=True)
    qdir.write_text("not a folder")  # quarantining fails: the folder is a file
    outcomes = {o.path.name: o for o in hub.import_(folder)}
    refused = outcomes[poison.name]
    assert refused.status == "refused" and refused.reason == "unexpected"
    assert "FileExistsError" in refused.message or "NotADirectoryError" in refused.message
    assert poison.exists()  # not lost: it stays where it was
    assert quarantine_entries(hub) == 0
    assert outcomes[good.name].status == "applied"


# -- 5. hashes before the "already imported" shortcut ----------------------------------------


def test_a_damaged_copy_of_an_imported_bundle_is_refused_as_damaged(
    laptop: Laptop, hub: Hub, tmp_path: Path
) -> None:
    path = laptop.export(plaintext=True).path
    assert hub.one(path).status == "applied"
    copy = tmp_path / "copy" / path.name
    copy.parent.mkdir()
    entries = read_zip(path)
    name, data = next((n, d) for n, d in entries if n == "records/resident.jsonl")
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x01
    write_zip(copy, [(n, bytes(flipped) if n == name else d) for n, d in entries])
    before = snapshot(hub.engine)
    outcome = hub.one(copy)
    assert outcome.status == "refused", outcome.summary()
    assert outcome.reason == "hash-mismatch"
    assert "records/resident.jsonl" in outcome.message
    assert snapshot(hub.engine) == before
    # The good copy is still known as already imported.
    assert hub.one(path).status == "already"


# -- 7. a transient lock is not a refusal --------------------------------------------------


@pytest.fixture
def quick_busy(monkeypatch: pytest.MonkeyPatch, hub: Hub) -> None:
    """A short busy_timeout and one retry without a pause, so a held lock fails fast."""
    pragmas = tuple(
        "PRAGMA busy_timeout=50" if p.startswith("PRAGMA busy_timeout") else p
        for p in engine_mod.SQLITE_PRAGMAS
    )
    monkeypatch.setattr(engine_mod, "SQLITE_PRAGMAS", pragmas)
    monkeypatch.setattr(lock, "BUSY_RETRIES", 1)
    monkeypatch.setattr(lock, "BUSY_PAUSE_SECONDS", 0.0)
    hub.engine.dispose()  # new connections take the short timeout


@pytest.fixture
def writer_holding(hub: Hub) -> Iterator[sqlite3.Connection]:
    """Another connection holding a write transaction on hub.db."""
    other = sqlite3.connect(hub.home.hub_db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    other.execute("ROLLBACK")
    other.close()


def test_a_locked_hub_is_busy_not_a_refusal(
    laptop: Laptop, hub: Hub, quick_busy: None, writer_holding: sqlite3.Connection
) -> None:
    path = laptop.export(plaintext=True).path
    content = path.read_bytes()
    before = snapshot(hub.engine)
    with pytest.raises(HubBusy, match="hub busy, try again"):
        hub.import_(path)
    assert path.read_bytes() == content  # untouched, in place
    assert snapshot(hub.engine) == before
    assert quarantine_entries(hub) == 0
    assert not quarantine_dir(hub.home).exists() or not any(quarantine_dir(hub.home).iterdir())
    writer_holding.execute("ROLLBACK")
    writer_holding.execute("BEGIN")  # the fixture's rollback still has a transaction to end
    assert hub.one(path).status == "applied"


def test_a_refusal_meeting_a_locked_hub_leaves_the_file_for_the_next_run(
    laptop: Laptop, hub: Hub, quick_busy: None, writer_holding: sqlite3.Connection
) -> None:
    poison = nested_manifest_zip(laptop.home.data / "gridwalker-aaa-000001.zip")
    with pytest.raises(HubBusy):
        hub.import_(poison)
    assert poison.exists()
    assert quarantine_entries(hub) == 0


def test_hub_import_command_says_busy_and_exits_1(
    laptop: Laptop,
    hub: Hub,
    quick_busy: None,
    writer_holding: sqlite3.Connection,
    tmp_path: Path,
) -> None:
    path = laptop.export(plaintext=True).path
    result = CliRunner().invoke(
        main,
        ["hub", "import", str(path)],
        env={config.HOME_ENV: str(tmp_path / "hub")},
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    assert "hub busy, try again" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert path.exists()
    assert quarantine_entries(hub) == 0


def test_busy_is_read_from_the_driver_not_from_quoted_values() -> None:
    from sqlalchemy.exc import IntegrityError

    quoted = IntegrityError("INSERT ...", {"name": "database is locked"}, Exception("UNIQUE"))
    assert not lock.is_busy(quoted)
    assert not intake.is_busy(ValueError("database is locked"))


# -- 3. every record checked against its entity's rules before anything is written ---------


# About 10 MB of UTF-8 that does not compress away (the zip-bomb check would take it first).
TEN_MB_NAME = "".join(
    random.Random(14).choices([chr(c) for c in range(0x4E00, 0x9FA5)], k=3_400_000)
)


def _edit_first(data: bytes, **changes: object) -> bytes:
    """A records file whose first record's data has some fields changed."""
    lines = data.split(b"\n")
    record = json.loads(lines[0])
    record["data"].update(changes)
    lines[0] = json.dumps(record, ensure_ascii=False).encode()
    return b"\n".join(lines)


@pytest.mark.parametrize(
    ("entity", "changes", "reason"),
    [
        ("resident", {"sex": "alien"}, "data.sex: unknown code 'alien'"),
        ("resident", {"care_tags": [1, {"x": 2}]}, "data.care_tags: expected a list of care tag"),
        ("resident", {"care_tags": ["dibao", "pirate"]}, "data.care_tags: expected a list"),
        ("resident", {"name": TEN_MB_NAME}, "data.name: longer than 200 characters"),
        ("resident", {"birth_date": "2026-02-30"}, "data.birth_date: expected a date"),
        ("resident", {"birth_date": "0001-01-01"}, "data.birth_date: date 0001-01-01 is not"),
        ("household", {"occupancy": "squatted"}, "data.occupancy: unknown code 'squatted'"),
        ("household", {"floor": 2**63}, "data.floor: out of range"),
        ("building", {"property_company": "x" * 501}, "data.property_company: longer than 500"),
        ("visit", {"outcome": "abducted"}, "data.outcome: unknown code 'abducted'"),
        ("visit", {"concerns": "长" * 5001}, "data.concerns: longer than 5000 characters"),
        ("visit", {"care_checks": {"r": 5}}, "data.care_checks: expected an object"),
        ("visit", {"residents_seen": "all"}, "data.residents_seen: expected a JSON list"),
        ("resident", {"name": "张\x1b[2J三"}, "data.name: holds an invisible control character"),
        ("resident", {"name": "张三\u202e"}, "data.name: holds an invisible control character"),
        ("household", {"room": "201\n"}, "data.room: holds an invisible control character"),
        ("visit", {"concerns": "ok\x00"}, "data.concerns: holds an invisible control character"),
    ],
)
def test_a_record_outside_its_rules_is_refused_before_anything_is_written(
    laptop: Laptop, hub: Hub, tmp_path: Path, entity: str, changes: dict, reason: str
) -> None:
    source = laptop.export(plaintext=True).path
    name = f"records/{entity}.jsonl"
    data = dict(read_zip(source))[name]
    path = rebuild(laptop, source, tmp_path / source.name, {name: _edit_first(data, **changes)})
    before = snapshot(hub.engine)
    outcome = hub.one(path)
    assert outcome.status == "refused", outcome.summary()
    assert outcome.reason == "schema"
    assert f"{name} line 1: {reason}" in outcome.message
    assert snapshot(hub.engine) == before
    assert outcome.quarantined is not None and outcome.quarantined.exists()


def _drop_field(data: bytes, field: str) -> bytes:
    """A records file whose records lack one data field (made by an older gridwalker)."""
    lines = []
    for line in data.split(b"\n"):
        if line.strip():
            record = json.loads(line)
            del record["data"][field]
            line = json.dumps(record, ensure_ascii=False).encode()
        lines.append(line)
    return b"\n".join(lines)


def test_a_bundle_from_an_older_version_says_to_upgrade_both_sides(
    laptop: Laptop, hub: Hub, tmp_path: Path
) -> None:
    """Records without a field a later migration added (resident.moved_to, 0011): refused as
    records outside their schema, with the cause named (the versions differ) and the cure."""
    source = laptop.export(plaintext=True).path
    name = "records/resident.jsonl"
    data = dict(read_zip(source))[name]
    older = rebuild(
        laptop,
        source,
        tmp_path / source.name,
        {name: _drop_field(data, "moved_to")},
        {"schema_version": "0010"},
    )
    before = snapshot(hub.engine)
    outcome = hub.one(older)
    assert outcome.status == "refused" and outcome.reason == "schema"
    assert "made by gridwalker at schema 0010" in outcome.message
    assert "upgrade gridwalker on the laptop and the hub to the same version" in outcome.message
    assert f"{name} line 1: data: missing moved_to" in outcome.message
    assert snapshot(hub.engine) == before

    # The same versions: a field missing is damage, not an upgrade to make.
    (tmp_path / "same").mkdir()
    same = rebuild(
        laptop, source, tmp_path / "same" / source.name, {name: _drop_field(data, "moved_to")}
    )
    outcome = hub.one(same)
    assert outcome.status == "refused" and "upgrade" not in outcome.message


def test_an_unknown_issue_state_never_reaches_the_issue_list(
    laptop: Laptop, hub: Hub, tmp_path: Path
) -> None:
    source = laptop.export(plaintext=True).path
    entries = dict(read_zip(source))
    name = "records/issue.jsonl"
    assert entries.get(name), "the small street has issues"
    path = rebuild(
        laptop, source, tmp_path / source.name, {name: _edit_first(entries[name], status="lost")}
    )
    outcome = hub.one(path)
    assert outcome.status == "refused" and outcome.reason == "schema"
    assert "data.status: unknown code 'lost'" in outcome.message
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Issue)).scalar_one() == 0


def test_a_file_refused_before_is_noted_not_quarantined_again(
    laptop: Laptop, hub: Hub, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    poison = nested_manifest_zip(stick / "gridwalker-aaa-000001.zip")
    content = poison.read_bytes()
    first = hub.one(poison)
    assert first.status == "refused" and first.quarantined is not None
    assert quarantine_entries(hub) == 1
    poison.write_bytes(content)  # the same file comes again (copied back onto the stick)
    before = snapshot(hub.engine)
    again = hub.one(poison)
    assert again.status == "refused" and again.reason == first.reason
    assert again.refused_at is not None and again.quarantined is None
    assert "refused before" in again.summary() and "\n" not in again.summary()
    assert poison.read_bytes() == content  # left where it is
    assert quarantine_entries(hub) == 1
    assert snapshot(hub.engine) == before


def test_another_file_of_the_same_name_is_checked_anew(
    laptop: Laptop, hub: Hub, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    poison = nested_manifest_zip(stick / "gridwalker-aaa-000001.zip")
    assert hub.one(poison).status == "refused"
    nested_manifest_zip(poison, depth=100_001)  # other bytes, same name
    again = hub.one(poison)
    assert again.refused_at is None and again.quarantined is not None
    assert quarantine_entries(hub) == 2


def test_a_retry_from_the_quarantine_checks_anew(laptop: Laptop, hub: Hub) -> None:
    from gridwalker.sync.hub.backlog import retry

    path = laptop.export(plaintext=True).path
    with hub.engine.begin() as conn:
        conn.execute(delete(HubDevice))  # not enrolled yet
    refused = hub.one(path)
    assert refused.status == "refused" and refused.quarantined is not None, refused.summary()
    hub.enroll(laptop)
    with hub.engine.connect() as conn:
        entry = conn.execute(select(HubQuarantine.id)).scalar_one()
    outcomes = retry(hub.engine, hub.home, entry)
    assert outcomes[0].status == "applied", outcomes[0].summary()


def test_a_census_record_deleted_and_entered_again_travels_to_the_hub(
    hub: Hub, laptop: Laptop
) -> None:
    """A tombstone never blocks a new row with the same natural key, at the hub either."""
    assert hub.one(laptop.export().path).status == "applied"
    with laptop.engine.begin() as conn:
        old = conn.execute(select(CensusRecord).where(CensusRecord.deleted.is_(False))).first()
        assert old is not None
        Writer(conn, "李晓梅").delete("census_record", old.uuid)
        new = Writer(conn, "李晓梅").insert(
            "census_record",
            {
                "enterprise_uuid": old.enterprise_uuid,
                "year": old.year,
                "census_date": old.census_date,
            },
        )
    outcome = hub.one(laptop.export().path)
    assert outcome.status == "applied", outcome.message
    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(CensusRecord.uuid, CensusRecord.deleted).where(
                CensusRecord.enterprise_uuid == old.enterprise_uuid,
                CensusRecord.year == old.year,
            )
        ).all()
    assert sorted(rows, key=lambda r: r.deleted) == [(new, False), (old.uuid, True)]
