"""The laptop figures again on the encrypted database (SQLCipher), beside the plain ones.

An encrypted copy of the hub-size street is made once by `store.at_rest.encrypt_in_place`
(cached next to the plain one). On it: opening (the key given raw, and the Argon2id unlock
on its own), search as you type, a paged list's first page, and a full export — each with the
budget of DESIGN.md, its baseline taken on the same encrypted data, and a line setting the
encrypted figure beside the plain one.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

Report = Callable[[str, str, str, bool], None]
PASSPHRASE = "bench passphrase 门牌"
TAG = " [encrypted]"


def encrypted_street(db: Path, cache: Path, report: Report) -> tuple[Path, bytes]:
    """The encrypted copy of the street and its key (made once; the making is a figure)."""
    from gridwalker.store.at_rest import encrypt_in_place
    from gridwalker.store.dbkey import key_record_path, unlock

    path = cache / f"{db.stem}-encrypted.db"
    if not (path.exists() and key_record_path(path).exists()):
        tmp = cache / f"{db.stem}-encrypting.db"
        for leftover in cache.glob(tmp.name + "*"):
            leftover.unlink()
        shutil.copy(db, tmp)
        started = time.perf_counter()
        done = encrypt_in_place(tmp, PASSPHRASE)
        seconds = time.perf_counter() - started
        shutil.move(key_record_path(tmp), key_record_path(path))
        tmp.replace(path)
        report(
            "db encrypt (hub-size street, rows compared)",
            f"{done.rows:,} rows, {db.stat().st_size / 1e6:.0f} MB in {seconds:.1f} s",
            "informational: no budget in DESIGN.md",
            True,
        )
    started = time.perf_counter()
    key = unlock(path, PASSPHRASE)
    report(
        "unlock: Argon2id (64 MiB, t=3) + AES-GCM",
        f"{(time.perf_counter() - started) * 1000:.0f} ms, once per start",
        "informational: slow by design",
        True,
    )
    return path, key


def _open_time(db: Path, key: bytes | None) -> float:
    from gridwalker.store.migrate import open_database

    started = time.perf_counter()
    engine = open_database(db, key=key)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM resident").scalar()
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def _baseline_export(connect: Callable[[], object], out: Path) -> int:
    """The plain loop of sync_bench, over a connection `connect` gives (plain or keyed)."""
    from gridwalker.store.tables import SYNCED_TABLES

    conn = connect()
    rows = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for entity in SYNCED_TABLES:
            cursor = conn.execute(f"SELECT * FROM {entity}")  # type: ignore[attr-defined]
            names = [d[0] for d in cursor.description]
            with zf.open(f"records/{entity}.jsonl", "w") as entry:
                while batch := cursor.fetchmany(2000):
                    lines = [
                        json.dumps(dict(zip(names, r, strict=True)), ensure_ascii=False)
                        for r in batch
                    ]
                    entry.write(("\n".join(lines) + "\n").encode())
                    rows += len(batch)
    conn.close()  # type: ignore[attr-defined]
    return rows


def _export_rates(db: Path, key: bytes, root: Path) -> tuple[float, float, int]:
    """(ours, baseline) rows/s of a full export of the encrypted laptop, best of two."""
    from sqlcipher3 import dbapi2

    from gridwalker import config
    from gridwalker.domain import clock
    from gridwalker.store.dbkey import key_record_path
    from gridwalker.store.migrate import open_database
    from gridwalker.sync.keys import init_device_key, init_hub_identity, trust_hub
    from gridwalker.sync.laptop.export import export_bundle

    laptop = root / "laptop.db"
    shutil.copy(db, laptop)
    shutil.copy(key_record_path(db), key_record_path(laptop))
    lap_home, hub_home = config.paths(root / "laptop"), config.paths(root / "hub")
    init_device_key(lap_home)
    recipient, _path = init_hub_identity(hub_home, clock.now())
    trust_hub(lap_home, recipient)

    def keyed() -> object:
        conn = dbapi2.connect(str(laptop))
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        return conn

    engine = open_database(laptop, key=key)
    ours, base, records = [], [], 0
    for attempt in range(2):
        started = time.perf_counter()
        rows = _baseline_export(keyed, root / f"baseline-{attempt}.zip")
        base.append(rows / (time.perf_counter() - started))
        result = export_bundle(engine, lap_home, full=True, out_dir=root / "outbox")
        ours.append(result.records / result.seconds)
        records = result.records
    engine.dispose()
    return max(ours), max(base), records


def bench_at_rest(db: Path, cache: Path, report: Report) -> None:
    """Every laptop figure on the encrypted street, then encrypted beside plain."""
    from bench.run import bench_list, bench_search, p95

    sealed, key = encrypted_street(db, cache, report)
    plain_times, sealed_times = [], []
    for _ in range(5):  # interleaved, so machine noise hits both alike
        plain_times.append(_open_time(db, None))
        sealed_times.append(_open_time(sealed, key))
    plain_open, sealed_open = statistics.median(plain_times), statistics.median(sealed_times)
    report(
        "open + first query, encrypted vs plain",
        f"{sealed_open * 1000:.0f} ms vs {plain_open * 1000:.0f} ms "
        f"({(sealed_open - plain_open) * 1000:+.0f} ms; the app paints first either way)",
        "informational: no budget in DESIGN.md",
        True,
    )
    sealed_all = bench_search(sealed, key, TAG)
    plain_all = bench_search(db, None, " [plain, for the line below]")
    report(
        "search p95 every query, encrypted vs plain",
        f"{p95(sealed_all) * 1000:.1f} ms vs {p95(plain_all) * 1000:.1f} ms = "
        f"{p95(sealed_all) / p95(plain_all):.2f}x",
        "encrypted within the 30 ms budget",
        p95(sealed_all) <= 0.030,
    )
    bench_list(sealed, key, TAG)
    bench_list(db, None, " [plain, for comparison]")
    with tempfile.TemporaryDirectory(prefix="gridwalker-at-rest-bench-") as tmp:
        ours, base, records = _export_rates(sealed, key, Path(tmp))
    ratio = ours / base
    report(
        "export full bundle vs sqlcipher→json→zipfile" + TAG,
        f"{ours:,.0f} vs {base:,.0f} rows/s = {ratio:.2f}x ({records:,} records)",
        ">= 0.5x",
        ratio >= 0.5,
    )
