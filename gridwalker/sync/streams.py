"""Reading a bundle in bounded memory: files hashed while read, entries counted while inflated,
records files split into lines of a bounded length, and each uuid's first sighting remembered.

Nothing here holds a whole file or a whole entry: a bundle of any size (and a zip bomb) is
read a chunk at a time, so memory stays within a few tens of MB whatever the input. What must
be kept while reading (the decrypted zip) goes to a private scratch folder (0700, files 0600)
that is removed when the bundle is closed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from gridwalker.config import PRIVATE_DIR, make_private, private_opener
from gridwalker.sync.refusals import BundleRefused

READ_CHUNK = 1 << 20  # files and entries are read and counted a chunk at a time
# The longest records line read: above what the schema lets a record hold (a visit's care
# checks: 500 notes of 5,000 characters), far below what would strain memory.
MAX_LINE_BYTES = 16 << 20
SEEN_IN_MEMORY = 200_000  # uuids kept in a set per file; beyond, in a database on disk


SCRATCH_PREFIX = "gridwalker-bundle-"


@contextmanager
def scratch_dir() -> Iterator[Path]:
    """A private temporary folder (0700), removed with everything in it when left.

    Its name carries this process's id: the folder of a process that is gone (killed in the
    middle of an import, the decrypted copy of a bundle still in it) is removed by the next
    one made (`sweep_scratch`)."""
    sweep_scratch()
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-") as name:
        make_private(name, PRIVATE_DIR)
        yield Path(name)


def sweep_scratch() -> int:
    """Remove this user's scratch folders whose process is gone; returns how many (POSIX:
    elsewhere a process id cannot be probed safely, nothing is removed)."""
    if os.name != "posix":
        return 0
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        try:  # only a real folder of this user (the temp folder is shared)
            info = folder.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        pid = folder.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    """Whether a process of this id runs (a reused id counts as alive: nothing is removed)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # another user's process; no process id at all
        return True
    return True


def private_output(path: Path) -> IO[bytes]:
    """A new file opened for writing and reading, 0600 whatever the umask."""
    return open(path, "w+b", opener=private_opener)  # noqa: SIM115 - the caller closes it


class HashingReader:
    """A file read through `read`, hashed (sha256) and counted; more than `limit` bytes is
    refused as soon as it is read (the file may have grown since its size was taken)."""

    def __init__(self, handle: IO[bytes], name: str, limit: int) -> None:
        self._handle = handle
        self._name = name
        self._limit = limit
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        """Up to `n` bytes (a chunk when `n` is negative)."""
        data = self._handle.read(READ_CHUNK if n is None or n < 0 else n)
        self.size += len(data)
        if self.size > self._limit:
            raise BundleRefused("too-large", f"{self._name}: more than {self._limit:,} bytes")
        self.digest.update(data)
        return data

    def drain(self) -> None:
        """Read (and hash) whatever is left of the file."""
        while self.read(READ_CHUNK):
            pass

    def hexdigest(self) -> str:
        """The sha256 of what was read."""
        return self.digest.hexdigest()


def entry_chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
    """An entry a chunk at a time, counted: more than `limit` bytes is refused as soon as it
    is inflated, whatever the zip's headers say; a damaged stream is refused as truncated."""
    size = 0
    try:
        with zf.open(info) as entry:
            while chunk := entry.read(min(READ_CHUNK, limit + 1 - size)):
                size += len(chunk)
                if size > limit:
                    raise BundleRefused(
                        "too-large", f"{info.filename}: more than {limit:,} bytes when unpacked"
                    )
                yield chunk
    except (BundleRefused, MemoryError):
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise BundleRefused("truncated", f"{info.filename}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - zlib.error and friends from a damaged stream
        raise BundleRefused("truncated", f"{info.filename}: {exc}") from None


def read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A small entry's bytes (the manifest, the signature), at most `limit`, counted."""
    return b"".join(entry_chunks(zf, info, limit))


def entry_digest(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> tuple[int, str]:
    """(size, sha256) of an entry, inflated and counted a chunk at a time."""
    digest = hashlib.sha256()
    size = 0
    for chunk in entry_chunks(zf, info, limit):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def entry_blocks(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, max_line: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, list[bytes]]]:
    """The lines of an entry, streamed a block (the lines ending in one chunk) at a time: (the
    number of the block's first line, its lines, empty ones too). A line longer than
    `max_line` is refused (`too-large`, with its number) as soon as it is that long."""
    number = 1
    tail = b""
    for chunk in entry_chunks(zf, info, limit):
        lines = (tail + chunk).split(b"\n") if tail else chunk.split(b"\n")
        tail = lines.pop()
        if len(tail) > max_line:
            raise _long_line(info, number + len(lines), max_line)
        if lines:
            if max(map(len, lines)) > max_line:
                longest = next(i for i, line in enumerate(lines) if len(line) > max_line)
                raise _long_line(info, number + longest, max_line)
            yield number, lines
            number += len(lines)
    if tail:
        yield number, [tail]


def entry_lines(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, max_line: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of each non-empty line of an entry, streamed (as `entry_blocks`)."""
    for first, lines in entry_blocks(zf, info, limit, max_line):
        for number, line in enumerate(lines, start=first):
            if line:
                yield number, line


def _long_line(info: zipfile.ZipInfo, number: int, max_line: int) -> BundleRefused:
    return BundleRefused(
        "too-large", f"{info.filename} line {number}: longer than {max_line:,} bytes"
    )


class SeenUuids:
    """The uuids met in one records file, to find one that appears twice.

    A set while it is small (every real bundle), then a table in a database in the scratch
    folder: a file of millions of tiny records never holds its uuids in memory.
    """

    def __init__(self, scratch: Path, name: str) -> None:
        self._scratch = scratch
        self._name = name
        self._set: set[str] = set()
        self._db: sqlite3.Connection | None = None

    def add(self, uuid: str) -> bool:
        """Remember a uuid; False when it was met before."""
        if self._db is None:
            if uuid in self._set:
                return False
            self._set.add(uuid)
            if len(self._set) > SEEN_IN_MEMORY:
                self._spill()
            return True
        try:
            self._db.execute("INSERT INTO seen VALUES (?)", (uuid,))
        except sqlite3.IntegrityError:
            return False
        return True

    def _spill(self) -> None:
        path = self._scratch / f"seen-{self._name}.db"
        path.unlink(missing_ok=True)
        open(path, "wb", opener=private_opener).close()
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("CREATE TABLE seen (uuid TEXT PRIMARY KEY) WITHOUT ROWID")
        db.execute("BEGIN")
        db.executemany("INSERT INTO seen VALUES (?)", ((u,) for u in self._set))
        self._set = set()
        self._db = db

    def close(self) -> None:
        """Forget everything (the database file goes with the scratch folder)."""
        self._set = set()
        if self._db is not None:
            self._db.close()
            self._db = None
