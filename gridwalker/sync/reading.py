"""Reading an opened bundle's records (sync.bundle checked its files): every line checked
against the schema (sync.records.check_record) as it is read from the bundle's private copy,
in batches for the apply, or only checked; file and line of the first errors in the refusal.

A big bundle is checked beside its apply (`CheckBeside`): another process reads and checks
every record of the same private copy while the apply converts the lines without checking
them (`converted_batches`), and the apply commits only on that process's verdict.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from gridwalker.store.tables import SYNCED_TABLES
from gridwalker.sync import streams
from gridwalker.sync.bundle import MAX_ENTRY_BYTES, MAX_ERRORS, OpenedBundle, RecordsFiles
from gridwalker.sync.records import RecordError, check_record, record_row
from gridwalker.sync.refusals import BundleRefused

# Records are applied in batches of at most so many records and bytes of JSON lines.
APPLY_BATCH = 5000
APPLY_BATCH_BYTES = 8 << 20
# From so many records on, a bundle is checked in another process beside its apply (below,
# starting that process costs more than checking in line).
BESIDE_FROM = 20_000


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


def converted_batches(
    bundle: OpenedBundle, files: RecordsFiles, size: int = APPLY_BATCH
) -> Iterator[tuple[str, list[Checked]]]:
    """As `checked_batches`, for a bundle a `CheckBeside` checks: each line converted to its
    row values without the checks (`records.record_row`). A bad line raises whatever it
    raises, or gives values nothing checked: the caller writes them only in a transaction
    the verdict commits or rolls back."""
    for entity in SYNCED_TABLES:
        if entity not in files:
            continue
        batch: list[Checked] = []
        weight = 0
        for _number, line in _record_lines(bundle, files[entity]):
            record = orjson.loads(line)
            batch.append((record, record_row(entity, record)))
            weight += len(line)
            if len(batch) >= size or weight >= APPLY_BATCH_BYTES:
                yield entity, batch
                batch, weight = [], 0
        if batch:
            yield entity, batch


@dataclass
class _Copy:
    """The private copy of an opened bundle as another process reads it: what
    `check_records` needs of an OpenedBundle."""

    zip: zipfile.ZipFile
    manifest: dict[str, Any]
    scratch: Path

    def refuse(self, reason: str, detail: str = "") -> BundleRefused:
        return BundleRefused(reason, detail)  # the manifest is added by the importing side


def _check_copy(job: dict[str, Any]) -> dict[str, Any]:
    """In the other process: check every record of the copy; {"ok": count} or
    {"refused": [reason, detail]}."""
    try:
        with zipfile.ZipFile(job["path"]) as zf:
            copy = _Copy(zf, job["manifest"], Path(job["scratch"]))
            files = {entity: zf.getinfo(name) for entity, name in job["names"].items()}
            return {"ok": check_records(copy, files)}  # type: ignore[arg-type]
    except BundleRefused as exc:
        return {"refused": [exc.reason, exc.detail]}


class CheckBeside:
    """Every record of an opened bundle checked in another process while the caller applies
    the converted lines (`converted_batches`); `verdict` waits for it.

    The other process (this module run by the same Python) reads the same private copy of
    the bundle, nothing of the hub, and writes only its own scratch folder. Should it end
    without a verdict (killed, out of memory), the records are checked here instead: a
    bundle is never taken unchecked.
    """

    def __init__(self, bundle: OpenedBundle, files: RecordsFiles) -> None:
        self.bundle, self.files = bundle, files
        scratch = bundle.scratch / "beside"
        scratch.mkdir(mode=0o700, exist_ok=True)
        job = {
            "path": bundle.zip.filename,
            "manifest": bundle.manifest,
            "names": {entity: info.filename for entity, info in files.items()},
            "scratch": str(scratch),
        }
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", __name__],  # this Python, this module, no shell
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:  # no process to start: the verdict is taken here instead
            self._process = None
            return
        assert self._process.stdin is not None
        with contextlib.suppress(OSError), self._process.stdin:  # it may have ended at once
            self._process.stdin.write(orjson.dumps(job))

    def verdict(self) -> int:
        """The number of records when every one is good, else BundleRefused (as
        `check_records` refuses)."""
        message = None
        if self._process is not None:
            assert self._process.stdout is not None
            try:
                with self._process.stdout:
                    out = self._process.stdout.read()
                if self._process.wait() == 0:
                    message = orjson.loads(out)
            except (OSError, ValueError):
                message = None
        if not isinstance(message, dict):  # the process ended without a verdict
            return check_records(self.bundle, self.files)
        if "refused" in message:
            raise self.bundle.refuse(*message["refused"])
        return message["ok"]

    def close(self) -> None:
        """Stop the other process when the apply ended without waiting for its verdict."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


if __name__ == "__main__":  # the other process of CheckBeside: the job on stdin
    sys.stdout.buffer.write(orjson.dumps(_check_copy(orjson.loads(sys.stdin.buffer.read()))))
