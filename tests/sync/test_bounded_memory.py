"""Bounded memory while reading a bundle (issue #14, point 4), proved under a resource limit.

`hub import` runs in a subprocess whose address space is limited (RLIMIT_AS) to what the
command needs once loaded plus LIMIT_MARGIN. The hostile bundles are crafted by the test,
streamed (1 GiB of zeros is never held here): an entry inflating past 1 GiB under headers
and a signed manifest that say 1 GiB, the same inside age encryption, and zip directories
lying about sizes. Each is refused with its reason (no traceback, no MemoryError), the hub's
database is unchanged, the file is left in place (its copy in the quarantine); a normal
bundle still imports under the same limit.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest
from pyrage import x25519

from gridwalker import config
from gridwalker.sync import bundle as fmt
from gridwalker.sync import reading, streams
from gridwalker.sync.hub.enrol import key_lookup
from gridwalker.sync.keys import load_device_key, load_hub_identity, load_hub_signing_key
from tests.support.bundles import hub_bundle_entries, read_zip
from tests.support.hubs import Desk, Hub, snapshot
from tests.support.laptops import Field, Laptop
from tests.sync.test_decision_records import DECISIONS, _decide, _laptop_state

ROOT = Path(__file__).resolve().parents[2]
LIMIT_MARGIN = 200 << 20  # what an import may add to the loaded command's address space
GIB = 1 << 30
TARGET = "records/household.jsonl"

# Loads what `hub import` loads, then reports the peak address space (the baseline).
BASELINE = """
import gridwalker.cli, gridwalker.sync.hub.intake, pyrage, minisign, orjson, sqlite3
print(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmPeak:")))
"""
# Runs the command line under an address-space limit (argv: limit, then the command's args).
UNDER_LIMIT = """
import resource, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from gridwalker.cli import main
sys.argv = ["gridwalker", *sys.argv[2:]]
main()
"""
# Proves the limit bites: allocating 1 GiB under it fails.
ALLOCATE = """
import resource, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import gridwalker.cli
try:
    block = bytearray(1 << 30)
except MemoryError:
    sys.exit(3)
"""

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads the address space from /proc"
)


def _python(code: str, *args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if home is not None:
        env[config.HOME_ENV] = str(home)
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@functools.cache
def memory_limit() -> int:
    """The loaded command's peak address space plus LIMIT_MARGIN, in bytes."""
    done = _python(BASELINE)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip()) * 1024 + LIMIT_MARGIN


def import_under_limit(hub: Hub, path: Path) -> subprocess.CompletedProcess[str]:
    """`gridwalker hub import FILE` in a subprocess under the memory limit."""
    return _python(
        UNDER_LIMIT, str(memory_limit()), "hub", "import", str(path), home=hub.home.data.parent
    )


# --- crafting: a zip written by hand, entries and directory saying what the test wants -------


@dataclass
class Entry:
    """A zip entry as written: the bytes in the file and what its headers claim."""

    name: str
    method: int  # 0 stored, 8 deflated
    packed: bytes  # the bytes in the file (with any padding after the stream)
    crc: int
    packed_claim: int
    size_claim: int


def honest(name: str, data: bytes) -> Entry:
    """An entry whose headers tell the truth (the manifest and signature stored)."""
    if name.startswith("manifest"):
        return Entry(name, 0, data, zlib.crc32(data), len(data), len(data))
    squeeze = zlib.compressobj(6, zlib.DEFLATED, -15)
    packed = squeeze.compress(data) + squeeze.flush()
    return Entry(name, 8, packed, zlib.crc32(data), len(packed), len(data))


def write_raw_zip(path: Path, entries: list[Entry]) -> Path:
    """Local headers, data and central directory exactly as the entries say (no zip64)."""
    directory = b""
    with path.open("wb") as out:
        for e in entries:
            offset = out.tell()
            name = e.name.encode()
            fields = (e.method, 0, 0x21, e.crc, e.packed_claim, e.size_claim, len(name))
            out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, *fields, 0) + name)
            out.write(e.packed)
            directory += struct.pack(
                "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, *fields, 0, 0, 0, 0, 0, offset
            )
            directory += name
        start = out.tell()
        out.write(directory)
        out.write(
            struct.pack(
                "<4s4H2LH",
                b"PK\x05\x06",
                0,
                0,
                len(entries),
                len(entries),
                len(directory),
                start,
                0,
            )
        )
    return path


@dataclass(frozen=True)
class Zeros:
    """A raw deflate stream of `total` zero bytes, and the crc32 and sha256 of its first `prefix`."""

    packed: bytes
    crc: int
    sha256: str


@functools.cache
def zeros(total: int, prefix: int) -> Zeros:
    """Compressed a MiB at a time (about 5 MB packed per GiB; computed once per session)."""
    squeeze = zlib.compressobj(1, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    parts, crc, digest, done = [], 0, hashlib.sha256(), 0
    while done < total:
        piece = chunk[: min(len(chunk), total - done)]
        parts.append(squeeze.compress(piece))
        head = piece[: max(0, prefix - done)]
        crc = zlib.crc32(head, crc)
        digest.update(head)
        done += len(piece)
    parts.append(squeeze.flush())
    return Zeros(b"".join(parts), crc, digest.hexdigest())


def bombed(
    entries: list[tuple[str, bytes]],
    sign: Callable[[bytes], bytes],
    stream: Zeros,
    size: int,
    packed: int | None = None,
    target: str = TARGET,
) -> list[Entry]:
    """The entries with `target` replaced by `stream`, its headers and the manifest (signed
    again by `sign`) claiming `size` bytes (the stream's crc and sha256), and a packed size of
    `packed` (by default the stream's, padded with junk after it so the ratio looks sane)."""
    manifest = json.loads(dict(entries)[fmt.MANIFEST])
    for item in manifest["files"]:
        if item["path"] == target:
            item.update(bytes=size, sha256=stream.sha256)
    text = (json.dumps(manifest, indent=2) + "\n").encode()
    # Ratio 50:1 (the limit is 100:1); the inflater stops at the end of the stream.
    padding = bytes(max(0, size // 50 - len(stream.packed))) if packed is None else b""
    out = []
    for name, data in entries:
        if name == target:
            body = stream.packed + padding
            out.append(Entry(name, 8, body, stream.crc, packed or len(body), size))
        else:
            new = {fmt.MANIFEST: text, fmt.SIGNATURE: sign(text)}.get(name, data)
            out.append(honest(name, new))
    return out


def bomb(laptop: Laptop, plain: Path, stream: Zeros, size: int, packed: int | None = None) -> Path:
    """The laptop's plain bundle with TARGET bombed (as `bombed`), signed by its key."""
    key = load_device_key(laptop.home)
    entries = bombed(
        read_zip(plain), lambda text: key.sign(text, "timestamp:0"), stream, size, packed
    )
    return write_raw_zip(plain, entries)


def encrypt(path: Path, recipient: str) -> Path:
    """The file age-encrypted to the hub (`.age` beside it; the plain one removed)."""
    target = path.with_name(path.name + ".age")
    pyrage.encrypt_file(str(path), str(target), [x25519.Recipient.from_str(recipient)])
    path.unlink()
    return target


def refused_under_limit(hub: Hub, path: Path, reason: str) -> str:
    """Imported under the limit: exit 1 with the reason, no traceback or MemoryError, the hub
    unchanged, the file in place and its copy in the quarantine. Returns the error output."""
    before = snapshot(hub.engine)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    done = import_under_limit(hub, path)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert f"[{reason}]" in done.stderr, output
    assert "Traceback" not in output and "MemoryError" not in output, output
    assert "allocate" not in output, output  # zlib's MemoryError, reported as damage
    assert snapshot(hub.engine) == before
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # in place, untouched
    kept = hub.home.data / "quarantine" / path.name
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == digest
    return done.stderr


@pytest.fixture
def plain(laptop: Laptop) -> Path:
    """A valid plaintext bundle (seq 1) of the enrolled laptop, not yet imported."""
    return laptop.export(plaintext=True).path


# --- the tests ---------------------------------------------------------------------------------


def test_the_limit_bites() -> None:
    """The limit is real: 1 GiB cannot be allocated under it (so a refusal below is not luck)."""
    assert memory_limit() < 2 * GIB
    assert _python(ALLOCATE, str(memory_limit())).returncode == 3


def test_a_normal_bundle_imports_under_the_limit(laptop: Laptop, hub: Hub) -> None:
    path = laptop.export().path
    done = import_under_limit(hub, path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "已应用" in done.stdout or "applied" in done.stdout  # the CLI's language
    assert snapshot(hub.engine)["household"]


def test_an_entry_of_a_gib_of_zeros_is_streamed(laptop: Laptop, plain: Path, hub: Hub) -> None:
    """1 GiB + 16 MiB of zeros behind headers and a signed manifest saying 1 GiB (with the
    right crc and sha256): read to the claimed size and hashed, counted, never held; the
    records check then stops at the first line's length limit."""
    bomb(laptop, plain, zeros(GIB + (16 << 20), GIB), GIB)
    message = refused_under_limit(hub, plain, "too-large")
    assert f"{TARGET} line 1: longer than {streams.MAX_LINE_BYTES:,} bytes" in message


def test_the_same_inside_age_encryption(laptop: Laptop, plain: Path, hub: Hub) -> None:
    """Decrypted a chunk at a time into a private scratch file, never into memory."""
    bomb(laptop, plain, zeros(GIB + (16 << 20), GIB), GIB)
    path = encrypt(plain, hub.recipient)
    message = refused_under_limit(hub, path, "too-large")
    assert f"{TARGET} line 1: longer than" in message


def test_a_directory_lying_about_the_unpacked_size(laptop: Laptop, plain: Path, hub: Hub) -> None:
    """The directory (and the manifest) say 1,000 bytes; the entry inflates past 1 GiB and its
    crc is that of the whole stream: reading stops at 1,000 bytes and the crc fails."""
    stream = zeros(GIB + (16 << 20), GIB)
    bomb(laptop, plain, stream, 1000)
    message = refused_under_limit(hub, plain, "truncated")
    assert TARGET in message


def test_a_directory_lying_about_the_packed_size(laptop: Laptop, plain: Path, hub: Hub) -> None:
    """The directory says 20 MiB packed (a sane 1 GiB / 20 MiB ratio) for a stream of a few
    MB: refused from the structure, before anything is inflated."""
    stream = zeros(GIB + (16 << 20), GIB)
    bomb(laptop, plain, stream, GIB, packed=20 << 20)
    message = refused_under_limit(hub, plain, "truncated")
    assert "the file holds at most" in message


def test_a_long_line_is_refused_with_its_number(tmp_path: Path) -> None:
    """Lines are cut at MAX_LINE_BYTES, named by their number; shorter ones pass whole."""
    path = tmp_path / "x.zip"
    body = b'{"a": 1}\n\n' + b"x" * 5000 + b"\n" + b"y" * 200 + b"\n"
    write_raw_zip(path, [honest("records/visit.jsonl", body)])
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("records/visit.jsonl")
        with pytest.raises(fmt.BundleRefused) as caught:
            list(streams.entry_lines(zf, info, 1 << 20, max_line=4096))
        assert caught.value.reason == "too-large"
        assert "records/visit.jsonl line 3: longer than 4,096 bytes" in caught.value.message
        lines = list(streams.entry_lines(zf, info, 1 << 20, max_line=5000))
    assert [n for n, _ in lines] == [1, 3, 4]
    assert lines[0][1] == b'{"a": 1}' and lines[2][1] == b"y" * 200


def test_a_file_growing_past_the_limit_while_read(tmp_path: Path) -> None:
    """The size taken before reading is not trusted either: reading counts."""
    path = tmp_path / "x.bin"
    path.write_bytes(bytes(5000))
    with path.open("rb") as handle:
        reader = streams.HashingReader(handle, path.name, 4096)
        with pytest.raises(fmt.BundleRefused) as caught:
            reader.drain()
    assert caught.value.reason == "too-large"
    assert "x.bin: more than 4,096 bytes" in caught.value.message


def test_the_private_copy_is_private_and_removed(
    laptop: Laptop, hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decrypted copy lives in a 0700 folder as a 0600 file while the bundle is open, and
    is gone when it is closed, after an import and after a refusal."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    path = laptop.export().path
    ident, hub_id = load_hub_identity(hub.home)
    with hub.engine.connect() as conn:
        opened = fmt.open_bundle(path, [ident], hub_id, key_lookup(conn))
    with opened:
        assert opened.scratch.parent == scratch
        assert opened.scratch.stat().st_mode & 0o777 == 0o700
        assert (opened.scratch / "bundle.zip").stat().st_mode & 0o777 == 0o600
        assert reading.check_records(opened, fmt.check_files(opened)) > 0
    assert not opened.scratch.exists()
    assert hub.one(path).status == "applied"
    damaged = laptop.export(plaintext=True, full=True).path
    damaged.write_bytes(damaged.read_bytes()[:-200])
    assert hub.one(damaged).status == "refused"
    assert list(scratch.iterdir()) == []


def test_only_the_scratch_folder_of_a_process_that_is_gone_is_swept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next scratch folder made removes those whose process is gone (a killed import's
    decrypted copy), and nothing else in the shared temp folder."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    gone = tmp_path / f"{streams.SCRATCH_PREFIX}{ended}-a1"
    gone.mkdir(mode=0o700)
    (gone / "bundle.zip").write_bytes(b"decrypted")
    kept = [
        tmp_path / f"{streams.SCRATCH_PREFIX}{os.getpid()}-a2",  # this process's own
        tmp_path / f"{streams.SCRATCH_PREFIX}1-a3",  # a process that runs
        tmp_path / f"{streams.SCRATCH_PREFIX}b4x9k2m1",  # no process id in its name
        tmp_path / f"{streams.SCRATCH_PREFIX}{'9' * 30}-a6",  # none any process can have
    ]
    for folder in kept:
        folder.mkdir()
    link = tmp_path / f"{streams.SCRATCH_PREFIX}{ended}-a5"
    link.symlink_to(kept[0])  # not a folder of its own: never followed
    with streams.scratch_dir() as made:
        assert made.name.startswith(f"{streams.SCRATCH_PREFIX}{os.getpid()}-")
        assert not gone.exists()
        assert all(folder.exists() for folder in kept) and link.is_symlink()
    assert streams.sweep_scratch() == 0


def test_a_hub_bundle_of_a_gib_of_zeros_on_the_laptop(
    desk: Desk, field_a: Field, tmp_path: Path
) -> None:
    """`gridwalker import` of a hub bundle (signed by the trusted hub, encrypted to this laptop)
    whose decision records inflate to a GiB of zeros: refused under the limit, nothing written,
    the file left where it is."""
    _decide(desk, field_a)
    good = desk.export_to("lap-a").paths[0]
    key = load_hub_signing_key(desk.home)
    entries = bombed(
        list(hub_bundle_entries(field_a, good).items()),
        lambda text: key.sign(text, "timestamp:0"),
        zeros(GIB + (16 << 20), GIB),
        GIB,
        target=DECISIONS,
    )
    path = encrypt(write_raw_zip(tmp_path / "hub-bomb.zip", entries), field_a.recipient)
    before = _laptop_state(field_a.engine)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    done = _python(
        UNDER_LIMIT, str(memory_limit()), "import", str(path), home=field_a.home.data.parent
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "[too-large]" in done.stderr and f"{DECISIONS} line 1: longer than" in done.stderr, (
        output
    )
    assert "Traceback" not in output and "MemoryError" not in output, output
    assert _laptop_state(field_a.engine) == before
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_uuids_beyond_the_set_go_to_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file of more records than SEEN_IN_MEMORY still finds a uuid met twice, on either side
    of the spill, in a private database in the scratch folder."""
    monkeypatch.setattr(streams, "SEEN_IN_MEMORY", 3)
    seen = streams.SeenUuids(tmp_path, "visit")
    assert all(seen.add(f"u{i}") for i in range(10))
    database = tmp_path / "seen-visit.db"
    assert database.stat().st_mode & 0o777 == 0o600
    assert not seen.add("u1") and not seen.add("u9")
    assert seen.add("u10")
    seen.close()
