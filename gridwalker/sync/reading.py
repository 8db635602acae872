"""Reading an opened bundle's records (sync.bundle checked its files): every line checked
against the schema (sync.records.check_record) as it is read from the bundle's private copy,
in batches for the apply, or only checked; file and line of the first errors in the refusal.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any

import orjson

from gridwalker.store.tables import SYNCED_TABLES
from gridwalker.sync import streams
from gridwalker.sync.bundle import MAX_ENTRY_BYTES, MAX_ERRORS, OpenedBundle, RecordsFiles
from gridwalker.sync.records import RecordError, check_record
from gridwalker.sync.refusals import BundleRefused

# Records are applied in batches of at most so many records and bytes of JSON lines.
APPLY_BATCH = 5000
APPLY_BATCH_BYTES = 8 << 20


def iter_records(
    bundle: OpenedBundle, files: RecordsFiles, entity: str
) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON or the RecordError) of each line of a records file, streamed
    from the zip (lines of a bounded length: BundleRefused `too-large` past it)."""
    info = files[entity]
    try:
        for number, line in streams.entry_lines(bundle.zip, info, MAX_ENTRY_BYTES):
            try:
                yield number, orjson.loads(line)  # strict RFC 8259: no NaN, valid UTF-8 only
            except orjson.JSONDecodeError as exc:
                yield number, RecordError(f"not a JSON line ({exc.__class__.__name__})")
    except BundleRefused as exc:
        raise bundle.refuse(exc.reason, exc.detail) from None


Checked = tuple[dict[str, Any], dict[str, Any]]  # a record and its row values


def check_records(bundle: OpenedBundle, files: RecordsFiles) -> int:
    """Validate every record against the schema, streamed, writing nothing (a bundle held for
    later, `gridwalker inspect`): the number of records, or BundleRefused as `checked_batches`."""
    return sum(len(part) for _entity, part in checked_batches(bundle, files))


def checked_batches(
    bundle: OpenedBundle, files: RecordsFiles, size: int = APPLY_BATCH
) -> Iterator[tuple[str, list[Checked]]]:
    """Every records file, entity by entity in SYNCED_TABLES' order, checked against the
    schema as it is read (once) from the bundle's private copy: (entity, batch of (record, row
    values)), at most `size` records and about APPLY_BATCH_BYTES bytes of lines a batch, for
    the apply to write as they come. Memory holds one batch, whatever the bundle's size.

    A bundle is good whole or refused whole: from the first bad record on, no batch is given;
    the rest is still read and checked, to name file and line of the first MAX_ERRORS errors,
    and BundleRefused ends the iteration (a caller writing the batches in one transaction
    rolls it back). Each uuid at most once a file; each file as many lines as the manifest says.
    """
    errors: list[str] = []
    low, high = bundle.manifest["from_change"], bundle.manifest["to_change"]
    for entity in SYNCED_TABLES:
        if entity not in files:
            continue
        count = weight = 0
        batch: list[Checked] = []
        seen = streams.SeenUuids(bundle.scratch, entity)
        try:
            for number, line in _record_lines(bundle, files[entity]):
                count += 1
                try:
                    try:
                        record = orjson.loads(line)  # strict RFC 8259: no NaN, valid UTF-8 only
                    except orjson.JSONDecodeError as exc:
                        raise RecordError(f"not a JSON line ({exc.__class__.__name__})") from None
                    row = check_record(entity, record, low, high)
                    if not seen.add(row["uuid"]):
                        raise RecordError(f"uuid {row['uuid']} appears twice")
                except RecordError as exc:
                    errors.append(f"records/{entity}.jsonl line {number}: {exc}")
                    if len(errors) >= MAX_ERRORS:
                        raise bundle.refuse("schema", "; ".join(errors)) from None
                    continue
                if errors:
                    continue
                batch.append((record, row))
                weight += len(line)
                if len(batch) >= size or weight >= APPLY_BATCH_BYTES:
                    yield entity, batch
                    batch, weight = [], 0
        finally:
            seen.close()
        if count != bundle.manifest["counts"][entity]:
            errors.append(
                f"records/{entity}.jsonl: {count} lines, the manifest says {bundle.manifest['counts'][entity]}"
            )
        if batch and not errors:
            yield entity, batch
    if errors:
        reason = "schema" if any(" line " in e for e in errors) else "count-mismatch"
        raise bundle.refuse(reason, "; ".join(errors))


def _record_lines(bundle: OpenedBundle, info: zipfile.ZipInfo) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of each non-empty line of a records file, streamed from the zip;
    a line or file past its limit is refused (`too-large`) as the bundle's refusal."""
    try:
        yield from streams.entry_lines(bundle.zip, info, MAX_ENTRY_BYTES)
    except BundleRefused as exc:
        raise bundle.refuse(exc.reason, exc.detail) from None
