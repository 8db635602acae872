"""Bundles in the tests: reading them, and tampered copies re-signed so only content checks fail."""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyrage
from pyrage import x25519

from gridwalker.sync import bundle as fmt
from gridwalker.sync.keys import load_device_identity, load_device_key, load_hub_signing_key

if TYPE_CHECKING:
    from tests.support.hubs import Desk
    from tests.support.laptops import Field, Laptop


def read_zip(path: Path) -> list[tuple[str, bytes]]:
    """The entries of a plain bundle, in order."""
    with zipfile.ZipFile(path) as zf:
        return [(i.orig_filename, zf.read(i)) for i in zf.infolist()]


def write_zip(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    """Write entries as a zip (manifest stored, the rest deflated), duplicates and all."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in entries:
                info = zipfile.ZipInfo(name, date_time=(2026, 11, 20, 9, 0, 0))
                info.compress_type = (
                    zipfile.ZIP_STORED if name.startswith("manifest") else zipfile.ZIP_DEFLATED
                )
                zf.writestr(info, data)
    return path


def zip_bytes(entries: list[tuple[str, bytes]]) -> bytes:
    """A zip in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buffer.getvalue()


def resign(laptop: Laptop, manifest: dict[str, Any]) -> tuple[bytes, bytes]:
    """Manifest bytes and a valid signature by the laptop's key."""
    data = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    return data, load_device_key(laptop.home).sign(data, "timestamp:0\tfile:manifest.json")


def rebuild(
    laptop: Laptop,
    source: Path,
    target: Path,
    edit_records: dict[str, bytes] | None = None,
    edit_manifest: dict[str, Any] | None = None,
) -> Path:
    """A re-signed copy of a plain bundle with some records files or manifest fields changed."""
    entries = dict(read_zip(source))
    manifest = json.loads(entries[fmt.MANIFEST])
    for name, data in (edit_records or {}).items():
        entries[name] = data
        for item in manifest["files"]:
            if item["path"] == name:
                item["sha256"] = fmt.sha256_hex(data)
                item["bytes"] = len(data)
    manifest.update(edit_manifest or {})
    entries[fmt.MANIFEST], entries[fmt.SIGNATURE] = resign(laptop, manifest)
    return write_zip(target, list(entries.items()))


def hub_bundle_entries(field: Field, path: Path) -> dict[str, bytes]:
    """The entries of a hub bundle, decrypted with the laptop's age identity."""
    identity, _recipient = load_device_identity(field.home)
    plain = pyrage.decrypt(path.read_bytes(), [identity])
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        return {i.orig_filename: zf.read(i) for i in zf.infolist()}


def decision_lines(field: Field, path: Path) -> list[dict[str, Any]]:
    """The decision records of a hub bundle."""
    data = hub_bundle_entries(field, path).get("records/review_decision.jsonl", b"")
    return [json.loads(line) for line in data.splitlines()]


def reseal(
    desk: Desk,
    field: Field,
    source: Path,
    target: Path,
    records: dict[str, bytes] | None = None,
    manifest_edit: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
) -> Path:
    """A hub bundle with some records files or manifest fields changed (or records files
    dropped), re-signed by the hub's key and encrypted to the laptop: only the checks of the
    content can find it out."""
    entries = hub_bundle_entries(field, source)
    manifest = json.loads(entries[fmt.MANIFEST])
    for name, data in (records or {}).items():
        entries[name] = data
        for item in manifest["files"]:
            if item["path"] == name:
                item.update(sha256=fmt.sha256_hex(data), bytes=len(data))
    for name in drop:
        del entries[name]
        manifest["files"] = [item for item in manifest["files"] if item["path"] != name]
        manifest["counts"].pop(name.removeprefix("records/").removesuffix(".jsonl"), None)
    manifest.update(manifest_edit or {})
    text = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    entries[fmt.MANIFEST] = text
    entries[fmt.SIGNATURE] = load_hub_signing_key(desk.home).sign(text, "timestamp:0")
    plain = zip_bytes(list(entries.items()))
    target.write_bytes(pyrage.encrypt(plain, [x25519.Recipient.from_str(field.recipient)]))
    return target
