"""Mutations for the property tests of hostile input: bytes, zips, JSON values; a row digest.

Each strategy draws a *description* of a mutation (small, printable, shrinkable) and a
function applies it to real, valid input built by the test, so a failing example reads as
"flip byte 812 of the bundle" or "set data.unit to 2**63 on line 2 of household.jsonl".
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
import struct
import warnings
import zipfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

# Settings of every fuzz test: reproducible in CI (derandomize), no deadline (real databases),
# no shrinking of real databases beyond what is quick.
FUZZ = settings(
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# --- raw bytes -------------------------------------------------------------------------------

byte_edit = st.tuples(
    st.sampled_from(["flip", "insert", "delete", "truncate", "overwrite"]),
    st.floats(0, 1, allow_nan=False),  # where, as a fraction of the length
    st.integers(0, 255),  # a byte value, or a bit for flip
    st.integers(1, 64),  # how many bytes (delete, overwrite, insert)
)


def edit_bytes(data: bytes, edit: tuple[str, float, int, int]) -> bytes:
    """One raw edit of a file's bytes; always a change (a flip of a bit, at least)."""
    op, where, value, n = edit
    if not data:
        return bytes([value])
    at = min(int(where * len(data)), max(len(data) - 1, 0))
    if op == "flip":
        return data[:at] + bytes([data[at] ^ (1 << (value % 8))]) + data[at + 1 :]
    if op == "insert":
        return data[:at] + bytes([value]) * n + data[at:]
    if op == "delete":
        return data[:at] + data[at + n :]
    if op == "truncate":
        return data[:at]
    junk = bytes((value + i * 37) % 256 for i in range(n))
    out = data[:at] + junk + data[at + len(junk) :]
    return out if out != data else data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


# --- zip headers -----------------------------------------------------------------------------

# Fields of a zip's central directory entry (offset in the record, struct format).
CENTRAL_FIELDS = {
    "flags": (8, "<H"),
    "method": (10, "<H"),
    "crc": (16, "<I"),
    "packed": (20, "<I"),
    "size": (24, "<I"),
    "name_length": (28, "<H"),
    "extra_length": (30, "<H"),
    "local_offset": (42, "<I"),
}
# The same in the local file header.
LOCAL_FIELDS = {
    "flags": (6, "<H"),
    "method": (8, "<H"),
    "crc": (14, "<I"),
    "packed": (18, "<I"),
    "size": (22, "<I"),
    "name_length": (26, "<H"),
    "extra_length": (28, "<H"),
}

header_edit = st.tuples(
    st.sampled_from(["central", "local"]),
    st.integers(0, 7),  # which entry (modulo the entries there are)
    st.sampled_from(sorted(CENTRAL_FIELDS)),
    st.one_of(
        st.sampled_from([0, 1, 8, 12, 14, 99, 0xFFFF, 0xFFFFFFFF, 2**31]),
        st.integers(0, 2**32 - 1),
    ),
)


def edit_header(data: bytes, edit: tuple[str, int, str, int]) -> bytes:
    """Overwrite one field of one entry's central or local header with a value."""
    where, index, name, value = edit
    signature = b"PK\x01\x02" if where == "central" else b"PK\x03\x04"
    fields = CENTRAL_FIELDS if where == "central" else LOCAL_FIELDS
    if name not in fields:
        name = "method"
    starts = []
    at = data.find(signature)
    while at != -1:
        starts.append(at)
        at = data.find(signature, at + 4)
    if not starts:
        return data + b"\x00"
    start = starts[index % len(starts)]
    offset, fmt = fields[name]
    value %= 1 << (8 * struct.calcsize(fmt))
    packed = struct.pack(fmt, value)
    return data[: start + offset] + packed + data[start + offset + len(packed) :]


# --- zip entries ------------------------------------------------------------------------------

zip_edit = st.tuples(
    st.sampled_from(["drop", "duplicate", "rename", "reorder", "add", "method", "empty"]),
    st.integers(0, 20),  # which entry (modulo)
    st.sampled_from(
        [
            "../records/visit.jsonl",
            "/etc/passwd",
            "records/",
            "records/stranger.jsonl",
            "records/visit.jsonl",
            "manifest.json",
            "manifest.json.minisig",
            "C:\\x",
            "records//visit.jsonl",
            "记录.jsonl",
            "",
        ]
    ),
)


def edit_zip(entries: list[tuple[str, bytes]], edit: tuple) -> list[tuple[str, bytes]]:
    """One change to the list of zip entries (names, order, duplicates)."""
    op, index, name = edit
    entries = list(entries)
    at = index % len(entries)
    if op == "drop":
        del entries[at]
    elif op == "duplicate":
        entries.insert(at, entries[at])
    elif op == "rename":
        entries[at] = (name or "x", entries[at][1])
    elif op == "reorder":
        entries.reverse()
    elif op == "add":
        entries.append((name or "x", b"{}\n"))
    elif op == "empty":
        entries[at] = (entries[at][0], b"")
    else:  # method: all stored, no compression at all
        return [(f"\x00stored\x00{n}", d) for n, d in entries]
    return entries


def write_entries(entries: list[tuple[str, bytes]]) -> bytes:
    """A zip of entries (names prefixed "\\0stored\\0" are stored, the rest as a bundle does)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(buffer, "w") as zf:
            for name, data in entries:
                stored = name.startswith("\x00stored\x00")
                name = name.removeprefix("\x00stored\x00")
                info = zipfile.ZipInfo(name, date_time=(2026, 11, 20, 9, 0, 0))
                info.compress_type = (
                    zipfile.ZIP_STORED
                    if stored or name.startswith("manifest")
                    else zipfile.ZIP_DEFLATED
                )
                zf.writestr(info, data)
    return buffer.getvalue()


# --- JSON values -----------------------------------------------------------------------------


def _nested(depth: int, leaf: Any = 1) -> Any:
    value: Any = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


CONTROL = ["\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\u202e", "\u2028", "\r", "\t", "\n"]

hostile_value = st.one_of(
    st.sampled_from(
        [
            None,
            True,
            False,
            0,
            -1,
            2**31,
            -(2**31) - 1,
            2**53,
            2**63,
            -(2**63),
            2**64,
            10**30,
            1.5,
            1e308,
            -0.0,
            "",
            "lost",
            "x" * 20_000,
            "长" * 6_000,
            "2026-02-30",
            "2026-13-01",
            "0001-01-01",
            "9999-12-31",
            "1800-01-01",
            "2026-11-20T25:00:00+08:00",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "2026-11-20T09:00:00",
            "2026-11-20",
            "1-0123456789abcdef01234567",
            "99999999999-0123456789abcdef01234567",
            "[/]张三[bold",
            "[@click=app.quit]x[/]",
            [],
            {},
            ["senior", 1],
            [None],
            {"": None},
            [[[]]],
            ["x" * 100] * 600,
            _nested(40),
            _nested(900),
        ]
    ),
    st.sampled_from(CONTROL).map(lambda c: f"名{c}字"),
    st.integers(),
    st.text(max_size=40),
    st.lists(st.text(max_size=8), max_size=4),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
)


# --- a digest of a database --------------------------------------------------------------------


def db_digest(path: Path, skip: tuple[str, ...] = ()) -> str:
    """A digest of every row of every table of a SQLite database (but the tables `skip`)."""
    h = hashlib.sha256()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for name in sorted(set(names) - set(skip)):
            h.update(name.encode())
            for row in sorted(repr(r) for r in conn.execute(f'SELECT * FROM "{name}"')):
                h.update(row.encode())
    finally:
        conn.close()
    return h.hexdigest()
