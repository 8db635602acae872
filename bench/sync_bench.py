"""Sync figures of DESIGN.md's budget, each beside its plain baseline run in the same process.

- export of a full bundle (rows/s) vs a plain sqlite3 → json → zipfile loop over the same rows;
- import (rows/s) vs a plain executemany of the same rows in one transaction;
- a repeat import vs the first; the bundle size.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

Report = Callable[[str, str, str, bool], None]


def _baseline_export(db: Path, out: Path) -> int:
    """The plain loop: every synced row as a JSON line into a deflated zip entry per table."""
    from gridwalker.store.tables import SYNCED_TABLES

    conn = sqlite3.connect(db)
    rows = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for entity in SYNCED_TABLES:
            cursor = conn.execute(f"SELECT * FROM {entity}")  # noqa: S608 - our own table names
            names = [d[0] for d in cursor.description]
            with zf.open(f"records/{entity}.jsonl", "w") as entry:
                while batch := cursor.fetchmany(2000):
                    lines = [
                        json.dumps(dict(zip(names, r, strict=True)), ensure_ascii=False)
                        for r in batch
                    ]
                    entry.write(("\n".join(lines) + "\n").encode())
                    rows += len(batch)
    conn.close()
    return rows


def _baseline_import(source: Path, target: Path) -> tuple[int, float]:
    """A plain executemany of the same rows (read beforehand, not timed) in one transaction."""
    from gridwalker.store.migrate import open_database
    from gridwalker.store.tables import SYNCED_TABLES

    open_database(target).dispose()
    src = sqlite3.connect(source)
    tables = []
    for entity in SYNCED_TABLES:
        cursor = src.execute(f"SELECT * FROM {entity}")  # noqa: S608 - our own table names
        names = [d[0] for d in cursor.description]
        tables.append((entity, names, cursor.fetchall()))
    src.close()
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    started = time.perf_counter()
    conn.execute("BEGIN")
    rows = 0
    for entity, names, data in tables:
        marks = ", ".join("?" for _ in names)
        conn.executemany(f"INSERT INTO {entity} ({', '.join(names)}) VALUES ({marks})", data)  # noqa: S608
        rows += len(data)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return rows, seconds


def bench_sync(db: Path, report: Report, *, pg: bool = True) -> None:
    """Export and import of a full bundle of the hub-size street against their baselines
    (with `pg`, the import on PostgreSQL against a raw COPY too)."""
    from gridwalker import config
    from gridwalker.domain import clock
    from gridwalker.store.migrate import open_database
    from gridwalker.sync.hub.enrol import enroll
    from gridwalker.sync.hub.intake import import_paths
    from gridwalker.sync.keys import device_key_paths, init_device_key, init_hub_identity, trust_hub
    from gridwalker.sync.laptop.export import export_bundle

    with tempfile.TemporaryDirectory(prefix="gridwalker-sync-bench-") as tmp:
        root = Path(tmp)
        laptop_db = root / "laptop.db"
        shutil.copy(db, laptop_db)
        lap_home, hub_home = config.paths(root / "laptop"), config.paths(root / "hub")
        init_device_key(lap_home)
        recipient, _path = init_hub_identity(hub_home, clock.now())
        trust_hub(lap_home, recipient)
        engine = open_database(laptop_db)

        ours, base, records, bundle = [], [], 0, None
        for attempt in range(2):  # interleaved, best of two each
            started = time.perf_counter()
            rows = _baseline_export(laptop_db, root / f"baseline-{attempt}.zip")
            base.append(rows / (time.perf_counter() - started))
            result = export_bundle(engine, lap_home, full=True, out_dir=root / "outbox")
            ours.append(result.records / result.seconds)
            records, bundle = result.records, result.path
        engine.dispose()
        ratio = max(ours) / max(base)
        report(
            "export full bundle vs sqlite3→json→zipfile",
            f"{max(ours):,.0f} vs {max(base):,.0f} rows/s = {ratio:.2f}x ({records:,} records, signed, age)",
            ">= 0.5x",
            ratio >= 0.5,
        )
        size = bundle.stat().st_size
        report(
            "bundle size (full, hub-size street)",
            f"{size / 1e6:.1f} MB = {size / records:.0f} bytes/record; database {db.stat().st_size / 1e6:.0f} MB",
            "smaller than the database",
            size < db.stat().st_size,
        )

        # Interleaved, best of two each (as for export): the baseline's few seconds are easily
        # disturbed by other load on a shared machine.
        base_rates, firsts = [], []
        for attempt in range(2):
            base_rows, base_seconds = _baseline_import(
                laptop_db, root / f"baseline-hub-{attempt}.db"
            )
            base_rates.append(base_rows / base_seconds)
            hub = open_database(root / f"hub-{attempt}.db")
            enroll(hub, device_key_paths(lap_home)[1], "bench")
            started = time.perf_counter()
            outcomes = import_paths(hub, hub_home, [bundle])
            firsts.append(time.perf_counter() - started)
            assert outcomes[0].status == "applied", outcomes[0].summary()
            if attempt == 0:
                hub.dispose()
        first = min(firsts)
        started = time.perf_counter()
        again = import_paths(hub, hub_home, [bundle])
        repeat = time.perf_counter() - started
        assert again[0].status == "already", again[0].summary()
        hub.dispose()
        ours_rate, base_rate = records / first, max(base_rates)
        ratio = ours_rate / base_rate
        report(
            "import full bundle vs plain executemany",
            f"{ours_rate:,.0f} vs {base_rate:,.0f} rows/s = {ratio:.2f}x (checks, revs, version history)",
            ">= 0.5x",
            ratio >= 0.5,
        )
        share = repeat / first
        report(
            "repeat import vs first",
            f"{repeat * 1000:.0f} ms vs {first:.1f} s = {share:.1%}",
            "<= 5%",
            share <= 0.05,
        )
        if pg:
            from bench.pg_bench import bench_pg_import

            bench_pg_import(laptop_db, bundle, lap_home, hub_home, report)


def bench_pg_only(db: Path, report: Report) -> None:
    """Only the PostgreSQL import figure: a full bundle of the street, then bench_pg_import."""
    from bench.pg_bench import bench_pg_import
    from gridwalker import config
    from gridwalker.domain import clock
    from gridwalker.store.migrate import open_database
    from gridwalker.sync.keys import init_device_key, init_hub_identity, trust_hub
    from gridwalker.sync.laptop.export import export_bundle

    with tempfile.TemporaryDirectory(prefix="gridwalker-pg-bench-") as tmp:
        root = Path(tmp)
        laptop_db = root / "laptop.db"
        shutil.copy(db, laptop_db)
        lap_home, hub_home = config.paths(root / "laptop"), config.paths(root / "hub")
        init_device_key(lap_home)
        recipient, _path = init_hub_identity(hub_home, clock.now())
        trust_hub(lap_home, recipient)
        engine = open_database(laptop_db)
        bundle = export_bundle(engine, lap_home, full=True, out_dir=root / "outbox").path
        engine.dispose()
        bench_pg_import(laptop_db, bundle, lap_home, hub_home, report)
