"""The bundle file (BUNDLE.md): write one, and open one with every check made before use.

Layers: `NAME.zip` (manifest.json stored, manifest.json.minisig, records/<entity>.jsonl
deflated), optionally wrapped as `NAME.zip.age` (age X25519). Reading never trusts a byte
before it is checked: container type, zip structure (names, duplicates, sizes, compression
ratios), then the signature (read first, its key known here), the raw manifest bytes
verified with that key, and only then the manifest parsed with limits and checked against
its schema (sync.manifest), its hub and device; then the file list, sizes (counted while
inflating, never taken from the zip's headers) and sha256 of every file, then the schema of
every record (sync.reading). Each refusal carries a stable reason code (sync.refusals).

Memory stays bounded whatever the file (sync.streams): it is read once, hashed while decrypted
(or copied) into a private scratch copy that every later pass reads; records files are hashed
as they inflate, then read line by line, checked and applied in batches (sync.reading).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Collection, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from gridwalker.store.tables import SYNCED_TABLES
from gridwalker.sync import streams
from gridwalker.sync.manifest import (
    FORMAT,
    FORMAT_VERSION,
    MAX_MANIFEST_BYTES,
    MAX_SIGNATURE_BYTES,
    check_manifest,
    parse_manifest,
)
from gridwalker.sync.refusals import BundleRefused

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_MANIFEST_BYTES",
    "BundleRefused",
    "OpenedBundle",
    "RecordsFiles",
    "SigningKey",
    "check_files",
    "open_bundle",
]

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.minisig"
AGE_MAGIC = b"age-encryption.org/v1\n"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")

# Sane limits against zip bombs and junk (a hub-size street is ~100 MB of JSON lines).
MAX_FILE_BYTES = 1 << 30
MAX_ENTRY_BYTES = 1 << 30
MAX_TOTAL_BYTES = 2 << 30
MAX_RATIO = 100  # uncompressed / compressed, for entries above RATIO_FLOOR bytes
RATIO_FLOOR = 1 << 16
MAX_ENTRIES = 64
MAX_ERRORS = 5


def bundle_name(device_id: str, seq: int, encrypted: bool) -> str:
    """`gridwalker-<device_id>-<seq, 6 digits>.zip[.age]`."""
    return f"gridwalker-{device_id}-{seq:06d}.zip" + (".age" if encrypted else "")


def is_bundle_name(name: str) -> bool:
    """Whether a file name looks like a finished bundle (temp and partial files are not)."""
    return not name.startswith(".") and (name.endswith(".zip") or name.endswith(".zip.age"))


def sha256_hex(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


# --- writing ---------------------------------------------------------------------------------


@dataclass
class WrittenZip:
    """What writing the zip produced."""

    manifest: dict[str, Any]
    manifest_bytes: bytes
    records: int


def _zip_time(at: datetime) -> tuple[int, int, int, int, int, int]:
    return (max(at.year, 1980), at.month, at.day, at.hour, at.minute, at.second)


def write_zip(
    out: io.BufferedIOBase | io.BytesIO,
    manifest: dict[str, Any],
    entities: Iterable[tuple[str, Iterable[list[str]]]],
    sign: Callable[[bytes], bytes],
    progress: Callable[[str, int], None] | None = None,
) -> WrittenZip:
    """Write the zip: records files from batches of JSON lines, then the manifest and its signature.

    `manifest` is completed with `counts` (every synced entity, and any other entity written,
    such as a hub bundle's `review_decision`) and `files`; `sign` returns the minisig bytes.
    """
    stamp = _zip_time(datetime.fromisoformat(manifest["created_at"]))
    counts: dict[str, int] = {}
    files: list[dict[str, Any]] = []
    total = 0
    with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        for entity, batches in entities:
            path = f"records/{entity}.jsonl"
            info = zipfile.ZipInfo(path, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            digest = hashlib.sha256()
            size = 0
            count = 0
            with zf.open(info, "w", force_zip64=True) as entry:
                for lines in batches:
                    if not lines:
                        continue
                    chunk = ("\n".join(lines) + "\n").encode()
                    digest.update(chunk)
                    entry.write(chunk)
                    size += len(chunk)
                    count += len(lines)
                    if progress:
                        progress(entity, total + count)
            total += count
            counts[entity] = count
            if count:
                files.append(
                    {"path": path, "sha256": digest.hexdigest(), "bytes": size, "records": count}
                )
            else:
                _drop_last_entry(zf, path)
        manifest["counts"] = {e: counts.get(e, 0) for e in (*SYNCED_TABLES, *counts)}
        manifest["files"] = files
        manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
        info = zipfile.ZipInfo(MANIFEST, date_time=stamp)
        info.compress_type = zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        zf.writestr(info, manifest_bytes)
        info = zipfile.ZipInfo(SIGNATURE, date_time=stamp)
        info.compress_type = zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        zf.writestr(info, sign(manifest_bytes))
    return WrittenZip(manifest, manifest_bytes, total)


def _drop_last_entry(zf: zipfile.ZipFile, path: str) -> None:
    """Forget an empty records file just written (its bytes stay as dead space, never listed)."""
    if zf.filelist and zf.filelist[-1].filename == path:
        info = zf.filelist.pop()
        zf.NameToInfo.pop(path, None)
        zf.fp.seek(info.header_offset)  # type: ignore[union-attr]
        zf.fp.truncate()  # type: ignore[union-attr]
        zf.start_dir = info.header_offset


# --- reading ---------------------------------------------------------------------------------

KeyLookup = Callable[[str], "SigningKey"]


@dataclass(frozen=True)
class SigningKey:
    """A public key that may sign bundles: its base64 line, whose it is, and whether revoked."""

    key_id: str
    public_line: str
    member: str = ""
    revoked: bool = False
    device_id: str = ""  # the device this key signs for at this hub ("": none yet, or any)
    revoked_note: str = ""  # when and why it was revoked


@dataclass
class OpenedBundle:
    """A bundle whose container, structure, signature and manifest have been checked.

    Its zip is read from a private copy in a scratch folder (the decrypted bundle, or the
    plain one copied while hashed): every later pass reads the bytes the checks read. Close
    it (or use it in a `with`) to close the zip and remove the copy.
    """

    path: Path
    encrypted: bool
    file_sha256: str
    zip: zipfile.ZipFile
    manifest: dict[str, Any]
    manifest_bytes: bytes
    manifest_sha256: str
    signature: bytes
    key: SigningKey
    scratch: Path
    _resources: ExitStack = field(default_factory=ExitStack, repr=False)

    @property
    def device_id(self) -> str:
        """The device the bundle comes from."""
        return str(self.manifest.get("device_id", ""))

    @property
    def seq(self) -> int:
        """The bundle's sequence number."""
        return int(self.manifest.get("seq", 0))

    def refuse(self, reason: str, detail: str = "") -> BundleRefused:
        """A refusal that carries this bundle's manifest (device, seq) for the log."""
        return BundleRefused(reason, detail, self.manifest)

    def close(self) -> None:
        """Close the zip and remove the private copy (again: nothing happens)."""
        self._resources.close()

    def __enter__(self) -> OpenedBundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_container(
    path: Path, identities: list[object], scratch: Path
) -> tuple[zipfile.ZipFile, bool, str]:
    """(the zip, encrypted?, sha256 of the file): the file read once, a chunk at a time,
    hashed while it is decrypted (or copied) into a private file in `scratch`."""
    try:
        size = path.stat().st_size
        handle = path.open("rb")
    except OSError as exc:
        raise BundleRefused("not-a-bundle", f"{path}: {exc.strerror}") from exc
    with handle:
        if size == 0:
            raise BundleRefused("empty", path.name)
        if size > MAX_FILE_BYTES:
            raise BundleRefused("too-large", f"{path.name}: {size:,} bytes")
        head = handle.read(len(AGE_MAGIC))
        handle.seek(0)
        reader = streams.HashingReader(handle, path.name, MAX_FILE_BYTES)
        encrypted = head.startswith(AGE_MAGIC)
        if not encrypted and not head.startswith(ZIP_MAGICS):
            raise BundleRefused("not-a-bundle", f"{path.name}: neither a zip nor an age file")
        if encrypted and not identities:
            raise BundleRefused(
                "encrypted", f"{path.name}: give the hub identity (--identity hub.key)"
            )
        out = streams.private_output(scratch / "bundle.zip")
        try:
            if encrypted:
                _decrypt(path, reader, out, identities)
            else:
                while chunk := reader.read(streams.READ_CHUNK):
                    out.write(chunk)
            reader.drain()
            out.flush()
            out.seek(0)
            zf = zipfile.ZipFile(out)
        except zipfile.BadZipFile as exc:
            out.close()
            raise BundleRefused("truncated", f"{path.name}: {exc}") from None
        except BaseException:
            out.close()
            raise
    return zf, encrypted, reader.hexdigest()


def _decrypt(path: Path, reader: streams.HashingReader, out: Any, identities: list[object]) -> None:
    """Decrypt the age file `reader` reads into `out`, streamed (pyrage reads 8 KB at a time)."""
    import pyrage

    try:
        pyrage.decrypt_io(reader, out, identities)
    except BundleRefused:
        raise
    except pyrage.DecryptError as exc:
        if "no matching keys" in str(exc).lower():
            raise BundleRefused(
                "other-hub", f"{path.name}: not encrypted to this hub's key"
            ) from None
        raise BundleRefused("truncated", f"{path.name}: cannot decrypt ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - a too-large read surfaces through pyrage
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, BundleRefused):
            raise cause from None
        raise BundleRefused("truncated", f"{path.name}: cannot decrypt ({exc})") from None


def _unsafe(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return True
    return any(part in ("..", "") for part in name.replace("\\", "/").rstrip("/").split("/"))


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A small entry's bytes, read a chunk at a time and counted: more than `limit` is refused
    as soon as it is read, whatever the zip's headers say (memory stays within the limit)."""
    return streams.read_entry(zf, info, limit)


def _check_structure(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise BundleRefused("too-large", f"{len(infos)} entries (at most {MAX_ENTRIES})")
    seen: dict[str, zipfile.ZipInfo] = {}
    total = 0
    # What an entry can really hold: the bytes up to the next entry (or the directory); a
    # directory claiming more compressed bytes lies, and the ratio is taken from the real span.
    starts = sorted({i.header_offset for i in infos} | {zf.start_dir})
    spans = {s: e - s for s, e in zip(starts, starts[1:], strict=False)}
    for info in infos:
        name = info.orig_filename
        span = spans.get(info.header_offset, 0)
        if info.compress_size > span:
            raise BundleRefused(
                "truncated",
                f"{name}: the zip directory says {info.compress_size:,} packed bytes, "
                f"the file holds at most {span:,}",
            )
        if _unsafe(name):
            raise BundleRefused("unsafe-name", repr(name))
        if name in seen:
            raise BundleRefused("duplicate-entry", name)
        seen[name] = info
        if info.file_size > MAX_ENTRY_BYTES:
            raise BundleRefused("too-large", f"{name}: {info.file_size:,} bytes")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise BundleRefused("too-large", f"{total:,} bytes unpacked in all")
        packed = max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * packed:
            ratio = info.file_size / packed
            raise BundleRefused(
                "compression-ratio", f"{name}: {ratio:,.0f}:1 (at most {MAX_RATIO}:1)"
            )
    return seen


def open_bundle(
    path: Path,
    identities: list[object],
    hub_id: str | None,
    lookup: KeyLookup,
    *,
    extra_entities: Collection[str] = (),
) -> OpenedBundle:
    """Open a bundle: its container and structure, then its signature, then its manifest.

    Nothing of the manifest is parsed before its bytes are verified: the signature file is
    read first (bounded), its key id names the key `lookup` returns (BundleRefused when not
    known here), the raw manifest bytes (bounded) are verified with that key, and only then
    are they parsed with limits and checked against the schema; the manifest must name the
    key that signed it and, when the key signs for a device here, that device.
    `extra_entities`: records files besides the synced tables this reader accepts (a laptop
    reading a hub bundle: `review_decision`); a device bundle listing any other is refused.
    """
    resources = ExitStack()
    try:
        scratch = resources.enter_context(streams.scratch_dir())
        zf, encrypted, file_sha = open_container(path, identities, scratch)
        resources.callback(zf.fp.close)  # type: ignore[union-attr]
        resources.callback(zf.close)
        opened = _open_zip(path, zf, lookup, hub_id, extra_entities)
        return OpenedBundle(
            path=path,
            encrypted=encrypted,
            file_sha256=file_sha,
            zip=zf,
            scratch=scratch,
            _resources=resources,
            **opened,
        )
    except BaseException:
        resources.close()
        raise


def _open_zip(
    path: Path,
    zf: zipfile.ZipFile,
    lookup: KeyLookup,
    hub_id: str | None,
    extra_entities: Collection[str],
) -> dict[str, Any]:
    """The signature, then the manifest verified, parsed and checked (open_bundle's steps)."""
    entries = _check_structure(zf)
    if MANIFEST not in entries:
        raise BundleRefused("not-a-bundle", f"{path.name}: no manifest.json")
    if SIGNATURE not in entries:
        raise BundleRefused("no-signature", SIGNATURE)
    signature = _read_entry(zf, entries[SIGNATURE], MAX_SIGNATURE_BYTES)
    key_id = signature_key_id(signature)
    key = lookup(key_id)
    if key.revoked:
        raise BundleRefused("revoked", f"key {key_id} ({key.member}): {key.revoked_note}")
    manifest_bytes = _read_entry(zf, entries[MANIFEST], MAX_MANIFEST_BYTES)
    _verify(manifest_bytes, signature, key)
    manifest = parse_manifest(manifest_bytes)
    check_manifest(manifest, extra_entities)
    if manifest["device_key_id"].upper() != key_id:
        raise BundleRefused(
            "bad-signature",
            f"signed by key {key_id}, the manifest says {manifest['device_key_id']}",
            manifest,
        )
    if key.device_id and manifest["device_id"] != key.device_id:
        raise BundleRefused(
            "device-key",
            f"signed by device {key.device_id} (key {key_id}), claims device "
            f"{manifest['device_id']}",
            manifest,
        )
    if hub_id is not None and manifest["hub"] not in ("", hub_id):
        raise BundleRefused(
            "other-hub", f"the manifest names hub {manifest['hub'][:16]}…", manifest
        )
    return {
        "manifest": manifest,
        "manifest_bytes": manifest_bytes,
        "manifest_sha256": sha256_hex(manifest_bytes),
        "signature": signature,
        "key": key,
    }


def signature_key_id(signature: bytes) -> str:
    """The key id (16 hex digits) a minisign signature names; BundleRefused when unreadable."""
    from minisign import Signature

    try:
        sig = Signature.from_bytes(signature.strip())
    except Exception as exc:  # noqa: BLE001 - py-minisign raises several parse errors
        raise BundleRefused("bad-signature", f"unreadable signature ({exc})") from None
    return bytes(sig._key_id).hex().upper()


def _verify(manifest_bytes: bytes, signature: bytes, key: SigningKey) -> None:
    """Verify the raw manifest bytes with the key; BundleRefused `bad-signature` else."""
    from minisign import Signature
    from minisign.exceptions import Error as MinisignError

    from gridwalker.sync.keys import public_key_from_line

    try:
        sig = Signature.from_bytes(signature.strip())
        public_key_from_line(key.public_line).verify(manifest_bytes, sig)  # type: ignore[attr-defined]
    except (MinisignError, ValueError) as exc:
        raise BundleRefused("bad-signature", f"key {key.key_id}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a damaged signature may fail in other ways
        raise BundleRefused("bad-signature", f"key {key.key_id}: {exc}") from None


RecordsFiles = dict[str, zipfile.ZipInfo]  # entity → its checked records file in the zip


def check_files(bundle: OpenedBundle, *, extra_entities: Collection[str] = ()) -> RecordsFiles:
    """Check the file list, sizes and sha256 of every records file (each inflated, counted and
    hashed a chunk at a time, nothing kept); returns the records files by entity.

    `counts` may name only synced entities and `extra_entities` (as for `open_bundle`).
    """
    listed = {item["path"]: item for item in bundle.manifest["files"]}
    names = {info.orig_filename for info in bundle.zip.infolist()} - {MANIFEST, SIGNATURE}
    extra = sorted(names - listed.keys())
    if extra:
        raise bundle.refuse("unlisted-file", ", ".join(extra))
    missing = sorted(listed.keys() - names)
    if missing:
        raise bundle.refuse("missing-file", ", ".join(missing))
    counts = bundle.manifest["counts"]
    out: RecordsFiles = {}
    for path, item in listed.items():
        info = bundle.zip.getinfo(path)
        if info.file_size != item["bytes"]:
            raise bundle.refuse(
                "size-mismatch", f"{path}: {info.file_size:,} bytes, manifest {item['bytes']:,}"
            )
        # At most the size the signed manifest gives, counted while inflating.
        size, digest = streams.entry_digest(bundle.zip, info, min(item["bytes"], MAX_ENTRY_BYTES))
        if size != item["bytes"]:
            raise bundle.refuse(
                "size-mismatch", f"{path}: {size:,} bytes, manifest {item['bytes']:,}"
            )
        if digest != item["sha256"]:
            raise bundle.refuse("hash-mismatch", path)
        entity = path.removeprefix("records/").removesuffix(".jsonl")
        if counts.get(entity) != item["records"]:
            raise bundle.refuse(
                "count-mismatch",
                f"{path}: counts says {counts.get(entity)}, files says {item['records']}",
            )
        out[entity] = info
    for entity, count in counts.items():
        known = entity in SYNCED_TABLES or entity in extra_entities
        if not known or type(count) is not int:
            raise bundle.refuse("bad-manifest", f"counts: {entity!r}")
        if count and entity not in out:
            raise bundle.refuse(
                "missing-file", f"records/{entity}.jsonl ({count} records in counts)"
            )
    return out
