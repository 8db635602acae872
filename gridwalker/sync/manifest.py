"""A bundle's manifest: parsed with limits, then checked against its schema before any use.

`parse_manifest` is only called on bytes whose signature has been verified (bundle.open_bundle),
and still trusts nothing: the size, the nesting depth, every number (a whole number below 2^53)
and every string's length are bounded, so a hostile manifest is a refusal with a reason,
never a RecursionError, a ValueError or an OverflowError. `check_manifest` then checks the
fields by name: types, ranges and lengths.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import orjson

from gridwalker.store.tables import SYNCED_TABLES
from gridwalker.sync.refusals import BundleRefused

FORMAT = "gridwalker-bundle"
FORMAT_VERSION = "1.1"  # 1.1: consultations, their owner register and votes
MAX_MANIFEST_BYTES = 1 << 20  # a hub bundle of an old hub may carry its decisions here
MAX_SIGNATURE_BYTES = 4096
MAX_DEPTH = 6  # the manifest object, its files list, one file's object … with room to spare
MAX_STRING = 10_000
MAX_ITEMS = 100_000  # values in all (a legacy hub bundle's decisions are the largest part)
MAX_FILES = 64
MAX_NUMBER = 1 << 53  # every number is a whole number below 2^53 (exact in any JSON reader)
MAX_COUNT = 1 << 30

# name: (type, the largest length) for strings; (int, lowest, highest) for numbers.
_STRINGS = {
    "app_version": 32,
    "schema_version": 64,
    "bundle_id": 64,
    "device_id": 64,
    "device_key_id": 16,
    "member": 100,
    "hub": 100,
    "created_at": 40,
    "prev_manifest_sha256": 64,
    "kind": 8,
}
_NUMBERS = {
    "seq": (1, MAX_NUMBER - 1),
    "from_change": (0, MAX_NUMBER - 1),
    "to_change": (0, MAX_NUMBER - 1),
}
_OPTIONAL_STRINGS = {"direction": 32, "to_device": 64}
HEX = frozenset("0123456789abcdefABCDEF")


def _bad(detail: str) -> BundleRefused:
    return BundleRefused("bad-manifest", detail)


def parse_manifest(data: bytes) -> dict[str, Any]:
    """The manifest's JSON object, parsed within limits; BundleRefused `bad-manifest` else."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise BundleRefused(
            "too-large", f"manifest.json: {len(data):,} bytes (at most {MAX_MANIFEST_BYTES:,})"
        )
    try:
        # orjson: strict UTF-8 and RFC 8259, no NaN, its own depth limit (no recursion error);
        # a number too large for a double is an error, not an exception of another kind.
        manifest = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise _bad(f"manifest.json is not JSON ({exc})") from None
    _check_limits(manifest)
    if type(manifest) is not dict:
        raise BundleRefused("not-a-bundle", "manifest.json is not a gridwalker manifest")
    return manifest


def _check_limits(value: Any) -> None:
    """Depth, number, string and size limits of a parsed JSON value (walked without recursion)."""
    todo: list[tuple[Any, int]] = [(value, 1)]
    items = 0
    while todo:
        item, depth = todo.pop()
        items += 1
        if items > MAX_ITEMS:
            raise _bad(f"manifest.json: more than {MAX_ITEMS:,} values")
        kind = type(item)
        if kind is dict or kind is list:
            if depth > MAX_DEPTH:
                raise _bad(f"manifest.json: nested deeper than {MAX_DEPTH} levels")
            children = item.values() if kind is dict else item
            todo.extend((child, depth + 1) for child in children)
            if kind is dict and any(len(k) > MAX_STRING for k in item):
                raise _bad(f"manifest.json: a name longer than {MAX_STRING:,} characters")
        elif kind is float or (kind is int and not -MAX_NUMBER < item < MAX_NUMBER):
            raise _bad(
                f"manifest.json: a number that is not a whole number below 2^53 ({item!r:.30})"
            )
        elif kind is str and len(item) > MAX_STRING:
            raise _bad(f"manifest.json: a string longer than {MAX_STRING:,} characters")


def check_manifest(manifest: dict[str, Any], extra_entities: Collection[str] = ()) -> None:
    """Check every field of a parsed manifest (`parse_manifest`) before any is used."""
    if manifest.get("format") != FORMAT:
        raise BundleRefused("not-a-bundle", "manifest.json is not a gridwalker manifest")
    version = manifest.get("format_version")
    if type(version) is not str or version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
        raise BundleRefused(
            "format-version",
            f"{str(version)[:16]!r} (this gridwalker reads {FORMAT_VERSION.split('.')[0]}.x)",
        )
    for name, longest in _STRINGS.items():
        value = manifest.get(name)
        if type(value) is not str or len(value) > longest:
            raise _bad(f"{name}: expected text of at most {longest} characters")
    for name, longest in _OPTIONAL_STRINGS.items():
        value = manifest.get(name, "")
        if type(value) is not str or len(value) > longest:
            raise _bad(f"{name}: expected text of at most {longest} characters")
    for name, (low, high) in _NUMBERS.items():
        value = manifest.get(name)
        if type(value) is not int or not low <= value <= high:
            raise _bad(f"{name}: expected a whole number from {low} to 2^53 - 1")
    if manifest["kind"] not in ("delta", "full"):
        raise _bad("kind: expected delta or full")
    if not manifest["from_change"] <= manifest["to_change"] + 1:
        raise _bad("from_change/to_change out of order")
    device = manifest["device_id"]
    if not device or not device.replace("-", "").isalnum() or not device.isascii():
        raise _bad("device_id must be letters, digits and dashes")
    prev = manifest["prev_manifest_sha256"]
    if prev and (len(prev) != 64 or not HEX.issuperset(prev)):
        raise _bad("prev_manifest_sha256: expected 64 hex digits or nothing")
    _check_counts(manifest.get("counts"), extra_entities)
    _check_files(manifest.get("files"), extra_entities)


def _known(entity: str, extra_entities: Collection[str]) -> bool:
    return entity in SYNCED_TABLES or entity in extra_entities


def _check_counts(counts: Any, extra_entities: Collection[str]) -> None:
    if type(counts) is not dict:
        raise _bad("counts: missing or of the wrong type")
    for entity, count in counts.items():
        if not _known(entity, extra_entities):
            raise _bad(f"counts: {entity[:64]!r}")
        if type(count) is not int or not 0 <= count <= MAX_COUNT:
            raise _bad(f"counts: {entity} expected a whole number from 0 to {MAX_COUNT:,}")


def _check_files(files: Any, extra_entities: Collection[str]) -> None:
    if type(files) is not list:
        raise _bad("files: missing or of the wrong type")
    if len(files) > MAX_FILES:
        raise _bad(f"files: {len(files)} files (at most {MAX_FILES})")
    paths = set()
    for item in files:
        if type(item) is not dict or type(item.get("path")) is not str:
            raise _bad("files: each needs path, sha256, bytes, records")
        path = item["path"]
        entity = path.removeprefix("records/").removesuffix(".jsonl")
        if path != f"records/{entity}.jsonl" or not _known(entity, extra_entities) or path in paths:
            raise _bad(f"files: unexpected path {path[:80]!r}")
        paths.add(path)
        for key in ("bytes", "records"):
            if type(item.get(key)) is not int or not 0 <= item[key] <= MAX_COUNT:
                raise _bad(f"files: {path} {key}")
        digest = item.get("sha256")
        if type(digest) is not str or len(digest) != 64 or not HEX.issuperset(digest):
            raise _bad(f"files: {path} sha256")
