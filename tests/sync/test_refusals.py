"""Every refusal of BUNDLE.md, each with its exact reason, and the hub left unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from gridwalker.store.tables import Household
from gridwalker.store.writes import Writer
from gridwalker.sync import bundle as fmt
from gridwalker.sync.hub.enrol import revoke
from gridwalker.sync.hub.folders import quarantine_dir
from gridwalker.sync.keys import load_device_key, trust_hub
from tests.support.bundles import read_zip, rebuild, write_zip
from tests.support.hubs import Hub, both_engines, make_hub, snapshot
from tests.support.laptops import Laptop, make_laptop


@pytest.fixture
def second(laptop: Laptop, hub: Hub) -> Path:
    """Seq 1 imported; returns seq 2 (one household edited), a plain bundle."""
    assert hub.one(laptop.export().path).status == "applied"
    with laptop.engine.begin() as conn:
        uuid = conn.execute(select(Household.uuid).order_by(Household.uuid).limit(1)).scalar_one()
        Writer(conn, "李晓梅").update("household", uuid, {"phone": "13911112222"})
    return laptop.export(plaintext=True).path


def refused(hub: Hub, path: Path, reason: str) -> str:
    """Import a bad file: assert the reason, an unchanged hub and the quarantined copy."""
    before = snapshot(hub.engine)
    content = path.read_bytes()
    outcome = hub.one(path)
    assert outcome.status == "refused", outcome.summary()
    assert outcome.reason == reason, outcome.summary()
    assert snapshot(hub.engine) == before
    assert outcome.quarantined is not None and outcome.quarantined.read_bytes() == content
    assert outcome.quarantined.stat().st_mode & 0o777 == 0o600
    assert path.read_bytes() == content  # the original stays where it was, untouched
    reason_file = outcome.quarantined.with_name(outcome.quarantined.name + ".reason.txt")
    assert f"reason: {reason}" in reason_file.read_text(encoding="utf-8")
    return outcome.message


def test_truncated_file(second: Path, hub: Hub) -> None:
    data = second.read_bytes()
    second.write_bytes(data[: len(data) // 2])
    refused(hub, second, "truncated")


def test_truncated_encrypted_file(laptop: Laptop, hub: Hub) -> None:
    path = laptop.export().path
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    refused(hub, path, "truncated")


def test_flipped_byte_in_a_records_file(laptop: Laptop, second: Path, hub: Hub) -> None:
    entries = read_zip(second)
    name, data = next((n, d) for n, d in entries if n == "records/household.jsonl")
    flipped = data.replace(b"13911112222", b"13911112223")
    write_zip(second, [(n, flipped if n == name else d) for n, d in entries])
    assert "household.jsonl" in refused(hub, second, "hash-mismatch")


def test_flipped_byte_in_the_manifest(second: Path, hub: Hub) -> None:
    entries = read_zip(second)
    manifest = dict(entries)[fmt.MANIFEST].replace(b'"kind": "delta"', b'"kind": "full" ')
    write_zip(second, [(n, manifest if n == fmt.MANIFEST else d) for n, d in entries])
    refused(hub, second, "bad-signature")


def test_damaged_bytes_in_the_zip(second: Path, hub: Hub) -> None:
    data = bytearray(second.read_bytes())
    at = data.index(b'"format"')  # inside the stored manifest: its CRC no longer matches
    data[at + 3] ^= 0x01
    second.write_bytes(bytes(data))
    refused(hub, second, "truncated")


def test_bad_signature(laptop: Laptop, second: Path, hub: Hub) -> None:
    entries = read_zip(second)
    other = load_device_key(laptop.home).sign(b"something else", "timestamp:0")
    write_zip(second, [(n, other if n == fmt.SIGNATURE else d) for n, d in entries])
    assert "verification failed" in refused(hub, second, "bad-signature")


def test_missing_signature(second: Path, hub: Hub) -> None:
    write_zip(second, [(n, d) for n, d in read_zip(second) if n != fmt.SIGNATURE])
    refused(hub, second, "no-signature")


def test_key_not_enrolled(tmp_path: Path, small_street: Path, hub: Hub) -> None:
    stranger = make_laptop(tmp_path / "stranger", small_street, "stranger", hub)
    assert "hub enroll" in refused(hub, stranger.export().path, "not-enrolled")


def test_revoked_key(laptop: Laptop, second: Path, hub: Hub) -> None:
    from gridwalker.sync.keys import read_public_key

    assert revoke(hub.engine, read_public_key(laptop.pub)[0])
    refused(hub, second, "revoked")


def test_encrypted_to_another_hub(tmp_path: Path, laptop: Laptop, hub: Hub) -> None:
    other = make_hub(tmp_path / "other-hub")
    trust_hub(laptop.home, other.recipient)
    refused(hub, laptop.export().path, "other-hub")


def test_plaintext_for_another_hub(tmp_path: Path, laptop: Laptop, hub: Hub) -> None:
    other = make_hub(tmp_path / "other-hub")
    trust_hub(laptop.home, other.recipient)
    refused(hub, laptop.export(plaintext=True).path, "other-hub")


def test_unknown_format_major(laptop: Laptop, second: Path, hub: Hub) -> None:
    rebuild(laptop, second, second, edit_manifest={"format_version": "2.0"})
    assert "'2.0'" in refused(hub, second, "format-version")


def test_file_not_listed_in_the_manifest(second: Path, hub: Hub) -> None:
    write_zip(second, [*read_zip(second), ("records/extra.jsonl", b"{}\n")])
    assert "records/extra.jsonl" in refused(hub, second, "unlisted-file")


def test_dotdot_entry(second: Path, hub: Hub) -> None:
    write_zip(second, [*read_zip(second), ("records/../../evil.sh", b"rm -rf /\n")])
    refused(hub, second, "unsafe-name")


def test_absolute_entry_name(second: Path, hub: Hub) -> None:
    write_zip(second, [*read_zip(second), ("/etc/cron.d/evil", b"* * * * * root true\n")])
    refused(hub, second, "unsafe-name")


def test_duplicate_entry_names(second: Path, hub: Hub) -> None:
    entries = read_zip(second)
    dup = next((n, d) for n, d in entries if n.startswith("records/"))
    write_zip(second, [*entries, dup])
    assert dup[0] in refused(hub, second, "duplicate-entry")


def test_oversized_entry(second: Path, hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fmt, "MAX_ENTRY_BYTES", 256)  # the one-record household file is ~430 bytes
    assert "records/household.jsonl" in refused(hub, second, "too-large")


def test_over_compressed_entry(second: Path, hub: Hub) -> None:
    write_zip(second, [*read_zip(second), ("records/bomb.jsonl", b"\n" * (8 << 20))])
    assert "bomb" in refused(hub, second, "compression-ratio")


def test_empty_file(tmp_path: Path, hub: Hub) -> None:
    path = tmp_path / "gridwalker-x-000001.zip"
    path.write_bytes(b"")
    refused(hub, path, "empty")


def test_html_renamed_to_zip(tmp_path: Path, hub: Hub) -> None:
    path = tmp_path / "gridwalker-x-000001.zip"
    path.write_text("<!DOCTYPE html><html><body>404 Not Found</body></html>", encoding="utf-8")
    refused(hub, path, "not-a-bundle")


def test_record_failing_schema(laptop: Laptop, second: Path, hub: Hub) -> None:
    data = dict(read_zip(second))["records/household.jsonl"]
    record = json.loads(data.splitlines()[0])
    record["data"]["unit"] = "two"
    bad = (json.dumps(record, ensure_ascii=False) + "\n").encode()
    rebuild(laptop, second, second, edit_records={"records/household.jsonl": bad})
    message = refused(hub, second, "schema")
    assert "records/household.jsonl line 1: data.unit: expected an integer" in message


def test_same_seq_different_hash_is_a_fork(laptop: Laptop, second: Path, hub: Hub) -> None:
    assert hub.one(second).status == "applied"
    fork = second.with_name("fork-" + second.name)
    # The same seq 2, re-signed with other content (a laptop restored from an old backup).
    copy = laptop.export(full=True, plaintext=True).path  # seq 3, any valid bundle to rework
    manifest = json.loads(dict(read_zip(copy))[fmt.MANIFEST])
    prev = manifest["prev_manifest_sha256"]
    rebuild(laptop, copy, fork, edit_manifest={"seq": 2, "prev_manifest_sha256": prev})
    message = refused(hub, fork, "fork")
    assert "seq 2" in message
    assert (quarantine_dir(hub.home) / fork.name).exists()


@pytest.mark.parametrize("listed", ["files and counts", "counts only"])
def test_device_bundle_with_decision_records(
    laptop: Laptop, second: Path, hub: Hub, listed: str
) -> None:
    """Decisions go from the hub to the laptops, never back: a device bundle carrying
    records/review_decision.jsonl is refused, however well signed and listed."""
    path = "records/review_decision.jsonl"
    record = {
        "entity": "review_decision",
        "uuid": "6f1f4f0e-0b8e-5a43-9d59-3c5c1f7f2a10",
        "op": "upsert",
        "rev": "1-0123456789abcdef01234567",
        "base_rev": None,
        "origin": None,
        "change": 1,
        "updated_at": "2026-11-20T09:00:00+08:00",
        "updated_by": "李晓梅",
        "data": {
            "record_entity": "visit",
            "record_uuid": "0a34a2ef-3c4d-4b51-9d8e-6f0a1b2c3d4e",
            "record_rev": "1-0123456789abcdef01234567",
            "state": "approved",
            "comment": "",
        },
    }
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode()
    manifest = json.loads(dict(read_zip(second))[fmt.MANIFEST])
    edit: dict = {"counts": {**manifest["counts"], "review_decision": 1}}
    files = {}
    if listed == "files and counts":
        item = {"path": path, "sha256": fmt.sha256_hex(data), "bytes": len(data), "records": 1}
        edit["files"] = [*manifest["files"], item]
        files[path] = data
    rebuild(laptop, second, second, edit_records=files, edit_manifest=edit)
    message = refused(hub, second, "bad-manifest")
    assert "review_decision" in message


def _last_visit_bad(laptop: Laptop, path: Path, how: str) -> None:
    """The bundle's last visit line made bad: a wrong change number, or the first visit again."""
    lines = dict(read_zip(path))["records/visit.jsonl"].splitlines()
    assert len(lines) > 10
    if how in ("bad field", "bad date-time"):
        record = json.loads(lines[-1])
        if how == "bad field":
            record["change"] = "x"
        else:  # what converting the line without checking it chokes on
            record["data"]["visited_at"] = "yesterday"
        lines[-1] = json.dumps(record, ensure_ascii=False).encode()
    else:
        lines[-1] = lines[0]
    bad = b"\n".join(lines) + b"\n"
    rebuild(laptop, path, path, edit_records={"records/visit.jsonl": bad})


WANT = {
    "bad field": "change: expected an integer",
    "bad date-time": "data.visited_at: expected an ISO 8601 date-time",
    "uuid twice": "appears twice",
}


@both_engines
@pytest.mark.parametrize("checked", ["in line", "beside"])
@pytest.mark.parametrize("how", sorted(WANT))
def test_a_bad_last_record_refuses_what_was_written_before_it(
    laptop: Laptop, hub: Hub, monkeypatch: pytest.MonkeyPatch, how: str, checked: str
) -> None:
    """The import checks records as it writes them, a batch at a time, or (a big bundle) in
    another process beside the writes: a bad record after whole batches (every entity before
    visits, and visits in batches of 3) were written refuses the bundle, and nothing of it
    stays, whatever the engine."""
    from gridwalker.sync import reading
    from gridwalker.sync.hub import apply

    monkeypatch.setattr(apply, "BATCH", 3)
    if checked == "beside":
        monkeypatch.setattr(reading, "BESIDE_FROM", 1)
    path = laptop.export(full=True, plaintext=True).path
    _last_visit_bad(laptop, path, how)
    message = refused(hub, path, "schema")
    assert "records/visit.jsonl line " in message and WANT[how] in message, message


@pytest.mark.parametrize("bad", [True, False])
def test_without_a_verdict_from_beside_the_records_are_checked_in_line(
    laptop: Laptop, hub: Hub, monkeypatch: pytest.MonkeyPatch, bad: bool
) -> None:
    """The other process ends without a verdict (here: it runs no Python), or cannot be
    started at all: the import checks the records itself, refusing a bad bundle and taking a
    good one."""
    from gridwalker.sync import reading

    monkeypatch.setattr(reading, "BESIDE_FROM", 1)
    monkeypatch.setattr(reading.sys, "executable", "/bin/false" if bad else "/nonexistent")
    path = laptop.export(full=True, plaintext=True).path
    if bad:
        _last_visit_bad(laptop, path, "bad field")
        assert WANT["bad field"] in refused(hub, path, "schema")
    else:
        assert hub.one(path).status == "applied"
