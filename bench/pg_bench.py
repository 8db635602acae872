"""PostgreSQL figures of DESIGN.md's budget (#15), each beside its baseline in the same run.

- hub import of a full bundle on PostgreSQL (rows/s) vs a raw COPY of the same rows into the
  same tables, in one transaction (psycopg 3, no SQLAlchemy);
- at N demo streets in one PostgreSQL hub (GRIDWALKER_BENCH_STREETS, default 3; the issue's
  figure is at 10): the review queue's first page, search p95 over every query typed, the
  district-wide coverage.

The server: GRIDWALKER_TEST_PG_URL, else the throwaway cluster of scripts/test-postgres. The
N-street database is built once (`build_demo_streets`, the real import) and kept in that
cluster under a name that says what it holds, as the SQLite bench keeps its street in .bench.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

Report = Callable[[str, str, str, bool], None]
ROOT = Path(__file__).resolve().parents[1]
STREETS_ENV = "GRIDWALKER_BENCH_STREETS"
HOUSEHOLDS_ENV = "GRIDWALKER_BENCH_HOUSEHOLDS"


def server_url() -> str:
    """The PostgreSQL server's maintenance URL (starting the throwaway cluster when unset)."""
    url = os.environ.get("GRIDWALKER_TEST_PG_URL", "").strip()
    if url:
        return url
    run = subprocess.run(
        [str(ROOT / "scripts" / "test-postgres")], capture_output=True, text=True, check=True
    )
    return run.stdout.strip().splitlines()[-1]


def _url(name: str) -> str:
    return make_url(server_url()).set(database=name).render_as_string(hide_password=False)


def _exists(name: str) -> bool:
    admin = create_engine(server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        here = found.first() is not None
    admin.dispose()
    return here


def _recreate(name: str) -> str:
    """An empty database `name` (dropped first when it was there); its URL."""
    admin = create_engine(server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return _url(name)


def _drop(name: str) -> None:
    admin = create_engine(server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def raw_copy(source: Path, url: str) -> tuple[int, float]:
    """COPY every synced row of a SQLite file into a migrated PostgreSQL database, one
    transaction, psycopg alone; (rows, seconds of the COPYs and the commit). The rows are
    read beforehand, untimed."""
    import psycopg

    from gridwalker.store.tables import SYNCED_TABLES

    src = sqlite3.connect(source)
    tables = []
    for entity in SYNCED_TABLES:
        cursor = src.execute(f"SELECT * FROM {entity}")  # noqa: S608 - our own table names
        names = [d[0] for d in cursor.description]
        tables.append((entity, names, cursor.fetchall()))
    src.close()
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    rows = 0
    with psycopg.connect(dsn, options="-c timezone=UTC") as conn:
        started = time.perf_counter()
        with conn.cursor() as cur:
            for entity, names, data in tables:
                # SQLite's own text: COPY's text format reads 0/1 as booleans, its date-times
                # in the session's UTC, JSON text as JSONB.
                with cur.copy(f"COPY {entity} ({', '.join(names)}) FROM STDIN") as copy:  # noqa: S608
                    for row in data:
                        copy.write_row(row)
                rows += len(data)
        conn.commit()
        seconds = time.perf_counter() - started
    return rows, seconds


def bench_pg_import(laptop_db: Path, bundle: Path, lap_home, hub_home, report: Report) -> None:  # noqa: ANN001
    """The same full bundle imported into a PostgreSQL hub, beside a raw COPY of its rows
    (interleaved, best of two each: a shared machine's load hits both alike)."""
    from gridwalker.store.migrate import open_database
    from gridwalker.sync.hub.enrol import enroll
    from gridwalker.sync.hub.intake import import_paths
    from gridwalker.sync.keys import device_key_paths

    base_rates, ours_rates, records = [], [], 0
    for attempt in range(2):
        name = f"gw_bench_copy_{os.getpid()}_{attempt}"
        url = _recreate(name)
        open_database(url).dispose()  # migrated, empty
        rows, seconds = raw_copy(laptop_db, url)
        base_rates.append(rows / seconds)
        _drop(name)
        name = f"gw_bench_import_{os.getpid()}_{attempt}"
        url = _recreate(name)
        hub = open_database(url)
        enroll(hub, device_key_paths(lap_home)[1], "bench")
        started = time.perf_counter()
        outcome = import_paths(hub, hub_home, [bundle])[0]
        seconds = time.perf_counter() - started
        assert outcome.status == "applied", outcome.summary()
        records = outcome.records
        ours_rates.append(records / seconds)
        hub.dispose()
        _drop(name)
    ratio = max(ours_rates) / max(base_rates)
    report(
        "import full bundle on PostgreSQL vs raw COPY",
        f"{max(ours_rates):,.0f} vs {max(base_rates):,.0f} rows/s = {ratio:.2f}x "
        f"({records:,} records; checks, revs, version history)",
        ">= 0.5x",
        ratio >= 0.5,
    )


def streets_database(cache: Path, today: date, report: Report) -> tuple[str, int]:
    """The N-street PostgreSQL hub (built once, kept in the cluster); its URL and N."""
    from gridwalker import config
    from gridwalker.demo.streets import build_demo_streets
    from gridwalker.store import search
    from gridwalker.store.migrate import head_revision, open_database

    # 3 by default: one full street took about 11 minutes to build and import on the shared
    # 2-core machine (docs/scaling.md); GRIDWALKER_BENCH_STREETS=10 gives the figure.
    streets = int(os.environ.get(STREETS_ENV, "3"))
    households = int(os.environ.get(HOUSEHOLDS_ENV, "14000"))
    # The name says what the database holds: another N, size, day or schema is another one.
    name = f"gw_bench_{streets}x{households}_{today:%Y%m%d}_{head_revision()}"
    done = f"{name}_built"
    if _exists(done):  # renamed only once complete: a build cut short is never reused
        return _url(done), streets
    url = _recreate(name)
    home = config.paths(cache / f"pg-home-{name}")
    started = time.perf_counter()
    summary = build_demo_streets(home, url, streets, households=households, today=today)
    engine = open_database(url)
    with engine.begin() as conn:  # the hub's search box, built once (store.search.rebuild)
        search.rebuild(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    rows = sum(summary.rows.values())
    report(
        f"demo hub build, {streets} streets on PostgreSQL",
        f"{rows:,} rows in {time.perf_counter() - started:.0f} s",
        "informational: built once, kept in the cluster",
        True,
    )
    admin = create_engine(server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" RENAME TO "{done}"'))
    admin.dispose()
    return _url(done), streets


def bench_pg_streets(cache: Path, today: date, report: Report) -> None:
    """The desk's figures at N demo streets on PostgreSQL."""
    from sqlalchemy import func, select

    from gridwalker.store import search
    from gridwalker.store.desk.coverage import coverage_table
    from gridwalker.store.desk.queue import QueueFilter, queue_count, queue_page
    from gridwalker.store.migrate import open_database
    from gridwalker.store.tables import Resident, Visit
    from gridwalker.store.tables.review import HubReview

    url, streets = streets_database(cache, today, report)
    engine = open_database(url)

    def timed(fn: Callable[[], object]) -> float:
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started

    with engine.connect() as conn:
        visits = conn.execute(select(func.count()).select_from(Visit)).scalar_one()
        flt = QueueFilter()
        first = [
            timed(lambda: (queue_count(conn, flt), queue_page(conn, flt, 0, 50))) for _ in range(5)
        ]
        queued = queue_count(conn, flt)
        # One street's queue (what a street's supervisor sees) and one community's: served by
        # an index, or scanning the rest?
        street = conn.execute(
            select(HubReview.street_uuid)
            .where(HubReview.street_uuid.is_not(None))
            .order_by(HubReview.street_uuid)
            .limit(1)
        ).scalar_one()
        own = QueueFilter(street_uuid=street)
        by_street = [
            timed(lambda: (queue_count(conn, own), queue_page(conn, own, 0, 50))) for _ in range(5)
        ]
        community = conn.execute(
            select(HubReview.community_uuid)
            .where(HubReview.community_uuid.is_not(None))
            .order_by(HubReview.community_uuid.desc())
            .limit(1)
        ).scalar_one()
        one = QueueFilter(community_uuid=community)
        narrow = [
            timed(lambda: (queue_count(conn, one), queue_page(conn, one, 0, 50))) for _ in range(5)
        ]
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        rng = random.Random(1)
        names = conn.execute(select(Resident.name).limit(5000)).scalars().all()
        typed: list[str] = []
        for name in rng.sample(names, min(60, len(names))):
            spell, initials = search.pinyin_keys(name)
            typed += [name[:2], name, spell[:3], spell, initials]
        typed += ["邮三", "邮三社区", "302", "1502", "加装电梯", "停车", "高空抛物", "wang", "zh"]
        for q in typed[:20]:  # warm, as a user's second keystroke would
            search.search(conn, q)
        samples = [timed(lambda q=q: search.search(conn, q)) for _ in range(3) for q in typed]
        district = [timed(lambda: coverage_table(conn, today)) for _ in range(3)]
        one_street = [timed(lambda: coverage_table(conn, today, street)) for _ in range(3)]
    engine.dispose()
    q = statistics.median(first)
    report(
        f"PG, {streets} streets: review queue first page ({queued:,} waiting, {visits:,} visits)",
        f"{q * 1000:.0f} ms",
        "<= 100 ms",
        q <= 0.100,
    )
    n = statistics.median(by_street)
    report(
        f"PG, {streets} streets: one street's review queue first page",
        f"{n * 1000:.0f} ms",
        "<= 100 ms",
        n <= 0.100,
    )
    n = statistics.median(narrow)
    report(
        f"PG, {streets} streets: one community's review queue first page",
        f"{n * 1000:.0f} ms",
        "<= 100 ms",
        n <= 0.100,
    )
    report(
        f"PG, {streets} streets: database size",
        f"{size / 1e9:.2f} GB, {visits:,} visits",
        "informational",
        True,
    )
    p95 = statistics.quantiles(samples, n=20)[-1]
    report(
        f"PG, {streets} streets: search p95, every query typed",
        f"{p95 * 1000:.1f} ms over {len(typed)} queries",
        "<= 30 ms",
        p95 <= 0.030,
    )
    d = statistics.median(district)
    report(
        f"PG, {streets} streets: district-wide coverage",
        f"{d * 1000:.0f} ms",
        "<= 2 s",
        d <= 2.0,
    )
    c = statistics.median(one_street)
    report(
        f"PG, {streets} streets: one street's coverage",
        f"{c * 1000:.0f} ms",
        "<= 500 ms",
        c <= 0.500,
    )
