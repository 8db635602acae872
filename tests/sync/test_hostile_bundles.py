"""Hostile bundles (issue #14, points 1, 4 and 6): the signature is verified before the manifest
is parsed, the manifest is parsed with limits and checked against its schema, sizes are
counted while reading, and a key signs for its own device only.

Each test builds its own hostile file and asserts the reason, that no exception escapes, and
that nothing was written (the hub's or the laptop's database unchanged)."""

from __future__ import annotations

import json
import struct
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gridwalker import config
from gridwalker.cli import main
from gridwalker.sync import bundle as fmt
from gridwalker.sync.keys import load_device_key, load_hub_signing_key
from gridwalker.sync.manifest import MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES
from tests.support.bundles import hub_bundle_entries, read_zip, reseal, write_zip
from tests.support.hubs import Desk, Hub, snapshot
from tests.support.laptops import Field, Laptop, make_laptop
from tests.sync.test_refusals import refused

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # duplicate names in crafted zips


@pytest.fixture
def plain(laptop: Laptop) -> Path:
    """A valid plaintext bundle (seq 1) of the enrolled laptop, not yet imported."""
    return laptop.export(plaintext=True).path


def manifest_of(path: Path) -> dict[str, Any]:
    """The manifest of a plain bundle."""
    return json.loads(dict(read_zip(path))[fmt.MANIFEST])


def with_manifest(laptop: Laptop, path: Path, text: bytes, signature: bytes | None = None) -> Path:
    """The bundle with these raw manifest bytes, signed by the laptop's key (or `signature`)."""
    sig = signature or load_device_key(laptop.home).sign(text, "timestamp:0\tfile:manifest.json")
    entries = dict(read_zip(path))
    entries[fmt.MANIFEST], entries[fmt.SIGNATURE] = text, sig
    return write_zip(path, list(entries.items()))


def edited(path: Path, **changes: Any) -> bytes:
    """The bundle's manifest with some fields changed, as bytes."""
    return (json.dumps({**manifest_of(path), **changes}, indent=2) + "\n").encode()


def no_traceback_on_the_cli(hub: Hub, path: Path, reason: str) -> None:
    """`hub import FILE` refuses it: exit 1, the reason on stderr, no traceback."""
    result = CliRunner().invoke(
        main,
        ["hub", "import", str(path)],
        env={config.HOME_ENV: str(hub.home.data.parent)},
        catch_exceptions=True,
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1, result.output
    assert f"[{reason}]" in result.stderr
    assert "Traceback" not in result.output + result.stderr


# --- 1. verify before parse: limits and schema of a signed manifest ---------------------------

DEEP = b'{"format": "gridwalker-bundle", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (DEEP, "depth"),
        (b'{"x": ' + b"[" * 20 + b"]" * 20 + b"}\n", "nested deeper than"),
        (b'{"seq": ' + b"9" * 5000 + b"}\n", "number"),
        (b'{"seq": 1.' + b"5" * 5000 + b"}\n", "whole number below 2^53"),
        (b'{"seq": 9223372036854775808}\n', "whole number below 2^53"),
        (b'{"seq": NaN}\n', "not JSON"),
        (b'{"member": "\xff\xfe"}\n', "not JSON"),
        (b"[1, 2, 3]\n", "not a gridwalker manifest"),
    ],
    ids=[
        "100000-deep",
        "20-deep",
        "5000-digits",
        "5000-digit-fraction",
        "2^63",
        "nan",
        "bytes",
        "list",
    ],
)
def test_hostile_manifest_signed_by_an_enrolled_key(
    laptop: Laptop, plain: Path, hub: Hub, text: bytes, words: str
) -> None:
    with_manifest(laptop, plain, text)
    message = refused(hub, plain, "not-a-bundle" if text.startswith(b"[") else "bad-manifest")
    assert words in message


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"seq": 2**63}, "2^53"),
        ({"seq": 2**53}, "not a whole number below 2^53 (9007199254740992)"),
        ({"seq": 0}, "seq: expected a whole number from 1"),
        ({"seq": "1"}, "seq: expected a whole number"),
        ({"seq": True}, "seq: expected a whole number"),
        ({"to_change": -1}, "to_change"),
        ({"device_id": 5}, "device_id: expected text"),
        ({"device_id": "lap-a\n"}, "device_id must be letters"),
        ({"member": "x" * 5000}, "member: expected text of at most 100"),
        ({"member": "x" * 20_000}, "a string longer than"),
        ({"kind": ["delta"]}, "kind: expected text"),
        ({"counts": []}, "counts: missing or of the wrong type"),
        ({"counts": {"visit": -1}}, "counts: visit"),
        ({"files": {}}, "files: missing or of the wrong type"),
        ({"files": [{"path": "records/visit.jsonl"}] * 65}, "65 files"),
        ({"prev_manifest_sha256": "z" * 64}, "prev_manifest_sha256"),
        ({"to_device": ["lap-a"]}, "to_device"),
    ],
    ids=lambda v: str(v)[:30],
)
def test_manifest_against_its_schema(
    laptop: Laptop, plain: Path, hub: Hub, change: dict[str, Any], words: str
) -> None:
    with_manifest(laptop, plain, edited(plain, **change))
    assert words in refused(hub, plain, "bad-manifest")


def test_hostile_manifest_not_signed_is_never_parsed(
    laptop: Laptop, plain: Path, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The original signature over another manifest: refused on the signature, and the JSON
    parser never sees the bytes."""
    from gridwalker.sync import bundle

    signature = dict(read_zip(plain))[fmt.SIGNATURE]
    with_manifest(laptop, plain, DEEP, signature)

    def parse(data: bytes) -> dict[str, Any]:
        raise AssertionError("a manifest was parsed before its signature was verified")

    monkeypatch.setattr(bundle, "parse_manifest", parse)
    assert "verification failed" in refused(hub, plain, "bad-signature")


def test_hostile_manifest_signed_by_a_stranger(
    tmp_path: Path, small_street: Path, hub: Hub, plain: Path
) -> None:
    stranger = make_laptop(tmp_path / "stranger", small_street, "stranger", hub)
    with_manifest(stranger, plain, DEEP)
    assert "hub enroll" in refused(hub, plain, "not-enrolled")


def test_oversize_manifest(laptop: Laptop, plain: Path, hub: Hub) -> None:
    text = edited(plain, member="x" * 10) + b" " * MAX_MANIFEST_BYTES
    with_manifest(laptop, plain, text)
    assert "manifest.json: more than" in refused(hub, plain, "too-large")


def test_oversize_signature(laptop: Laptop, plain: Path, hub: Hub) -> None:
    signature = dict(read_zip(plain))[fmt.SIGNATURE]
    with_manifest(laptop, plain, dict(read_zip(plain))[fmt.MANIFEST], signature * 40)
    assert len(signature * 40) > MAX_SIGNATURE_BYTES
    assert "manifest.json.minisig: more than" in refused(hub, plain, "too-large")


def test_hostile_manifest_through_the_command_line(laptop: Laptop, plain: Path, hub: Hub) -> None:
    with_manifest(laptop, plain, b'{"seq": ' + b"9" * 5000 + b"}\n")
    before = snapshot(hub.engine)
    no_traceback_on_the_cli(hub, plain, "bad-manifest")
    assert snapshot(hub.engine) == before


# --- 1. the same on a laptop importing a hub bundle -------------------------------------------


def laptop_refuses(field: Field, path: Path, reason: str) -> str:
    """The laptop refuses a hub bundle: reason, nothing written, the file still in place."""
    from tests.sync.test_decision_records import _laptop_state

    before = _laptop_state(field.engine)
    outcome = field.apply(path)
    assert (outcome.status, outcome.reason) == ("refused", reason), outcome.summary()
    assert _laptop_state(field.engine) == before
    assert path.exists()
    return outcome.message


def hub_resealed(desk: Desk, field: Field, source: Path, target: Path, text: bytes) -> Path:
    """A hub bundle with these raw manifest bytes, signed by the hub, encrypted to the laptop."""
    import pyrage
    from pyrage import x25519

    from tests.support.bundles import zip_bytes

    entries = hub_bundle_entries(field, source)
    entries[fmt.MANIFEST] = text
    entries[fmt.SIGNATURE] = load_hub_signing_key(desk.home).sign(text, "timestamp:0")
    plain_zip = zip_bytes(list(entries.items()))
    target.write_bytes(pyrage.encrypt(plain_zip, [x25519.Recipient.from_str(field.recipient)]))
    return target


@pytest.fixture
def hub_bundle(desk: Desk, field_a: Field) -> Path:
    """A valid hub bundle for lap-a (one decision), not yet imported."""
    from tests.sync.test_decision_records import _decide

    _decide(desk, field_a)
    return desk.export_to("lap-a").paths[0]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (DEEP, "depth"),
        (b'{"seq": ' + b"9" * 5000 + b"}\n", "number"),
        (b'{"seq": 9223372036854775808}\n', "2^53"),
    ],
    ids=["deep", "5000-digits", "2^63"],
)
def test_hostile_hub_manifest_on_the_laptop(
    desk: Desk, field_a: Field, hub_bundle: Path, tmp_path: Path, text: bytes, words: str
) -> None:
    bad = hub_resealed(desk, field_a, hub_bundle, tmp_path / hub_bundle.name, text)
    assert words in laptop_refuses(field_a, bad, "bad-manifest")


def test_hub_manifest_of_the_wrong_types_on_the_laptop(
    desk: Desk, field_a: Field, hub_bundle: Path, tmp_path: Path
) -> None:
    bad = reseal(desk, field_a, hub_bundle, tmp_path / hub_bundle.name, manifest_edit={"seq": "2"})
    assert "seq: expected a whole number" in laptop_refuses(field_a, bad, "bad-manifest")


def test_unsigned_hub_manifest_is_never_parsed_on_the_laptop(
    desk: Desk, field_a: Field, hub_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gridwalker.sync import bundle

    other = tmp_path / "other-hub"
    from tests.support.hubs import make_desk

    stranger = make_desk(other)
    bad = hub_resealed(stranger, field_a, hub_bundle, tmp_path / hub_bundle.name, DEEP)
    monkeypatch.setattr(bundle, "parse_manifest", lambda data: pytest.fail("parsed unverified"))
    assert "the trusted hub is" in laptop_refuses(field_a, bad, "other-hub-key")
    stranger.engine.dispose()


# --- 4. sizes counted while reading, not trusted from the zip's headers ------------------------


def _patch_sizes(data: bytearray, name: bytes, packed: int | None, size: int | None) -> None:
    """Rewrite an entry's sizes in its local header and in the central directory."""
    for signature, at in ((b"PK\x03\x04", 18), (b"PK\x01\x02", 20)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                if packed is not None:
                    struct.pack_into("<I", data, start + at, packed)
                if size is not None:
                    struct.pack_into("<I", data, start + at + 4, size)
            start += 4


def bomb_bundle(laptop: Laptop, plain: Path, unpacked: int, claimed: int) -> Path:
    """The bundle with records/household.jsonl replaced by `unpacked` bytes of newlines whose
    zip headers and (re-signed) manifest say `claimed` bytes."""
    name = "records/household.jsonl"
    bomb = b"\n" * unpacked
    manifest = manifest_of(plain)
    for item in manifest["files"]:
        if item["path"] == name:
            item.update(bytes=claimed, sha256=fmt.sha256_hex(bomb[:claimed]))
    text = (json.dumps(manifest, indent=2) + "\n").encode()
    entries = dict(read_zip(plain))
    entries[name] = bomb
    entries[fmt.MANIFEST] = text
    entries[fmt.SIGNATURE] = load_device_key(laptop.home).sign(text, "timestamp:0")
    write_zip(plain, list(entries.items()))
    data = bytearray(plain.read_bytes())
    _patch_sizes(data, name.encode(), None, claimed)
    plain.write_bytes(bytes(data))
    return plain


def test_entry_inflating_past_its_header_stops_there(laptop: Laptop, plain: Path, hub: Hub) -> None:
    """200 MB of newlines (about 200 KB packed) whose headers and manifest say 1,000 bytes:
    refused, and memory stays far below what the entry would inflate to."""
    bomb_bundle(laptop, plain, 200 << 20, 1000)
    tracemalloc.start()
    try:
        message = refused(hub, plain, "truncated")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "household.jsonl" in message
    assert peak < 20 << 20, f"{peak:,} bytes at the peak"


def test_directory_lying_about_packed_size(laptop: Laptop, plain: Path, hub: Hub) -> None:
    """A directory claiming more packed bytes than the entry holds (to pass the ratio check)."""
    bomb_bundle(laptop, plain, 50 << 20, 50 << 20)
    data = bytearray(plain.read_bytes())
    _patch_sizes(data, b"records/household.jsonl", 1 << 20, None)
    plain.write_bytes(bytes(data))
    tracemalloc.start()
    try:
        message = refused(hub, plain, "truncated")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "the file holds at most" in message
    assert peak < 20 << 20, f"{peak:,} bytes at the peak"


def test_inflate_bomb_under_an_honest_header(laptop: Laptop, plain: Path, hub: Hub) -> None:
    bomb_bundle(laptop, plain, 50 << 20, 50 << 20)
    assert "household.jsonl" in refused(hub, plain, "compression-ratio")


def test_read_entry_counts_what_it_inflates(tmp_path: Path) -> None:
    """Whatever the headers say, reading stops one chunk past the limit."""
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("records/visit.jsonl", b"\n" * (8 << 20))
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("records/visit.jsonl")
        with pytest.raises(fmt.BundleRefused) as caught:
            fmt._read_entry(zf, info, 4096)
    assert caught.value.reason == "too-large"
    assert "more than 4,096 bytes" in caught.value.message


# --- 6. a key signs for its own device -------------------------------------------------------


def test_device_b_claiming_to_be_device_a(
    tmp_path: Path, small_street: Path, laptop: Laptop, hub: Hub
) -> None:
    """B (enrolled, its own bundles applied) sends a bundle naming A: refused; A unaffected."""
    b = make_laptop(tmp_path / "lap-b", small_street, "lap-b", hub)
    hub.enroll(b, "赵敏")
    assert hub.one(b.export().path).status == "applied"
    forged = b.export(plaintext=True, full=True).path
    manifest = manifest_of(forged)
    manifest.update(device_id=laptop.device_id, seq=1, prev_manifest_sha256="")
    with_manifest(b, forged, (json.dumps(manifest, indent=2) + "\n").encode())
    message = refused(hub, forged, "device-key")
    assert "signed by device lap-b" in message and "claims device lap-a" in message
    outcome = hub.one(laptop.export().path)
    assert outcome.status == "applied", outcome.summary()
    assert outcome.device_id == "lap-a"
    b.engine.dispose()
