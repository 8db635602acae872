"""`make bench`: each figure of DESIGN.md's budget, measured side by side with its baseline.

Prints one line per figure: `name: measured (budget) ok|OVER`. The hub-size demo street is
built once into the cache folder (git-ignored) and reused.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 20)
RESULTS: list[tuple[str, str, str, bool]] = []


def report(name: str, measured: str, budget: str, ok: bool) -> None:
    RESULTS.append((name, measured, budget, ok))
    print(f"{name}: {measured} ({budget}) {'ok' if ok else 'OVER'}", flush=True)


def street_db(cache: Path) -> Path:
    """The hub-size demo street, built once (its build rate is itself a figure)."""
    from gridwalker.demo.street import build_demo
    from gridwalker.store.migrate import open_database

    path = cache / f"street-{TODAY.isoformat()}.db"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building")
    for leftover in cache.glob(tmp.name + "*"):
        leftover.unlink()
    engine = open_database(tmp)
    started = time.perf_counter()
    summary = build_demo(engine, today=TODAY)
    seconds = time.perf_counter() - started
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    tmp.replace(path)
    rows = sum(summary.counts.values())
    report(
        "demo build (hub-size street)",
        f"{rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s",
        "well under a minute",
        seconds < 60,
    )
    return path


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bench_search(db: Path, key: bytes | None = None, label: str = "") -> list[float]:
    """Search as you type: our search against the raw FTS5 query on the same text (on an
    encrypted copy with `key`); returns the samples of every query typed."""
    from sqlalchemy import select

    from gridwalker.store import search
    from gridwalker.store.migrate import open_database
    from gridwalker.store.tables import Resident

    engine = open_database(db, key=key)
    rng = random.Random(1)
    with engine.connect() as conn:
        names = conn.execute(select(Resident.name).limit(5000)).scalars().all()
        typed: list[str] = []
        for name in rng.sample(names, 60):
            spell, initials = search.pinyin_keys(name)
            typed += [name[:2], name, spell[:3], spell, initials]
        typed += [
            "邮三",
            "邮三社区",
            "302",
            "1502",
            "加装电梯",
            "停车",
            "高空抛物",
            "良友大厦",
            "wang",
            "zh",
        ]
        long_ones = [q for q in typed if len(q) >= 3]
        for q in typed[:20]:  # warm the caches, as a user's second keystroke would
            search.search(conn, q)
        ours_long, raw_long, ours_all = [], [], []
        for _ in range(3):
            for q in long_ones:
                raw_long.append(timed(lambda q=q: search.raw_fts(conn, q, 60)))
                ours_long.append(timed(lambda q=q: search.search(conn, q)))
            ours_all += [timed(lambda q=q: search.search(conn, q)) for q in typed]
    engine.dispose()
    ratio = p95(ours_long) / p95(raw_long)
    report(
        "search p95 vs raw FTS5 (3+ chars)" + label,
        f"{p95(ours_long) * 1000:.1f} ms vs {p95(raw_long) * 1000:.1f} ms = {ratio:.2f}x",
        "<= 2x",
        ratio <= 2,
    )
    report(
        "search p95, every query typed" + label,
        f"{p95(ours_all) * 1000:.1f} ms over {len(typed)} queries",
        "<= 30 ms",
        p95(ours_all) <= 0.030,
    )
    return ours_all


FRAME_SCRIPT = """
import sys, time
t0 = time.perf_counter()
from textual import events
{imports}
class Timed({base}):
    def on_ready(self, event: events.Ready) -> None:
        sys.stdout.write(f"{{time.perf_counter() - t0:.4f}}\\n")
        self.exit()
{make}.run(headless=True, size=(120, 40))
"""

MINIMAL = FRAME_SCRIPT.format(
    imports="from textual.app import App\nfrom textual.widgets import Header, Footer, Static",
    base="App",
    make="(type('M', (Timed,), {'compose': lambda self: iter([Header(), Static('hello'), Footer()])}))()",
)


def app_script(db: Path) -> str:
    return FRAME_SCRIPT.format(
        imports="from pathlib import Path\nfrom gridwalker.tui.field.app import GridwalkerApp",
        base="GridwalkerApp",
        make=f"Timed(Path({str(db)!r}))",
    )


def first_frame(script: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return float(out.stdout.strip().splitlines()[-1])


def bench_first_frame(db: Path) -> None:
    """First frame of gridwalker on the hub-size street against a minimal Textual app."""
    ours, base = [], []
    app = app_script(db)
    for _ in range(5):  # interleaved, so machine noise hits both alike
        base.append(first_frame(MINIMAL))
        ours.append(first_frame(app))
    ratio = statistics.median(ours) / statistics.median(base)
    report(
        "first frame vs minimal Textual app",
        f"{statistics.median(ours) * 1000:.0f} ms vs {statistics.median(base) * 1000:.0f} ms = {ratio:.2f}x",
        "<= 1.5x",
        ratio <= 1.5,
    )


LIST_SCRIPT = """
import sys, time
from pathlib import Path
from sqlalchemy import func, select
from textual.app import App
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Household, Resident
from gridwalker.tui.common.paged import PagedList
from rich.text import Text

engine = open_database(Path({db!r}), key=bytes.fromhex({key!r}) if {key!r} else None)
rows = select(Resident.name, Resident.uuid, Resident.household_uuid)
if {small}:  # the residents of the first households: about 35 rows
    rows = rows.where(Resident.household_uuid.in_(select(Household.uuid).order_by(Household.uuid).limit(14)))
rows = rows.subquery()

def count(conn):
    return conn.execute(select(func.count()).select_from(rows)).scalar_one()

def page(conn, offset, limit):
    stmt = select(rows.c.name, rows.c.uuid).order_by(rows.c.household_uuid, rows.c.uuid)
    return conn.execute(stmt.offset(offset).limit(limit)).all()

class Bench(App):
    def compose(self):
        yield PagedList(lambda row, width: Text(row[0] + "  " + row[1]))
    def on_ready(self):
        self.t0 = time.perf_counter()
        self.query_one(PagedList).set_source(engine, count, page)
    def on_paged_list_highlighted(self, message):
        self.call_after_refresh(self.done, message.paged.count)
    def done(self, count):
        sys.stdout.write(f"{{count}} {{time.perf_counter() - self.t0:.4f}}\\n")
        self.exit()

Bench().run(headless=True, size=(120, 40))
"""


def bench_list(db: Path, key: bytes | None = None, label: str = "") -> None:
    """A paged list's first page painted, at 35,000 rows and at 35 (encrypted with `key`)."""
    big, small, sizes = [], [], {}
    for _ in range(5):
        for is_small, out in ((False, big), (True, small)):
            script = LIST_SCRIPT.format(db=str(db), small=is_small, key=key.hex() if key else "")
            res = subprocess.run(
                [sys.executable, "-c", script],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
            n, seconds = res.stdout.strip().splitlines()[-1].split()
            sizes[is_small] = int(n)
            out.append(float(seconds))
    b, s = statistics.median(big), statistics.median(small)
    report(
        f"list first page painted, {sizes[False]:,} rows vs {sizes[True]}{label}",
        f"{b * 1000:.0f} ms vs {s * 1000:.0f} ms",
        "<= 100 ms at both sizes",
        b <= 0.100 and s <= 0.100,
    )


MEMORY_SCRIPT = """
import asyncio, resource, sys
from pathlib import Path
from gridwalker import config
from gridwalker.tui.field.app import GridwalkerApp

async def main():
    app = GridwalkerApp(Path({db!r}), lang="zh")
    app.animation_level = "none"
    async with app.run_test(size=(120, 40)) as pilot:
        for keys in ((), ("r",), ("end",), ("escape",), ("slash", "w", "a", "n", "g"), ("escape",), ("p",)):
            await pilot.press(*keys)
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()
    # VmHWM is this process's own peak: ru_maxrss survives fork+exec on Linux, so it would
    # report the bench's own size when the bench built the street just before.
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                print(int(line.split()[1]) / 1024)
                return
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

asyncio.run(main())
"""


def bench_memory(db: Path, home: Path) -> None:
    """Peak memory of the TUI on the hub-size street: Today, the round list, search, places."""
    import os

    from gridwalker import config
    from gridwalker.store import rounds
    from gridwalker.store.migrate import open_database

    engine = open_database(db)
    with engine.connect() as conn:
        member = rounds.members(conn)[0]
    engine.dispose()
    paths = config.paths(home)
    config.save_settings(
        paths,
        config.Settings(
            member_uuid=member.uuid, member_name=member.name, grid_code=member.grid_code
        ),
    )
    env = {**os.environ, "GRIDWALKER_HOME": str(home)}
    res = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT.format(db=str(db))],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    peak = float(res.stdout.strip().splitlines()[-1])
    report("TUI peak memory at hub size", f"{peak:.0f} MB", "<= 150 MB", peak <= 150)


DESK_MEMORY_SCRIPT = """
import asyncio, resource, sys
from pathlib import Path
from gridwalker import config
from gridwalker.tui.desk.app import MODE_KEYS, HubApp

async def settle(pilot, app):
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()

async def main():
    app = HubApp({db!r}, lang="zh", home=config.paths(), actor={actor!r})
    app.animation_level = "none"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")  # the first record of the queue, whole
        await settle(pilot, app)
        await pilot.press("escape")
        await settle(pilot, app)
        for key in MODE_KEYS.values():  # every tab of the desk, opened once
            await pilot.press(key)
            await settle(pilot, app)
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                print(int(line.split()[1]) / 1024)
                return
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

asyncio.run(main())
"""


def desk_peak_mb(db: Path | str, home: Path) -> float:
    """The desk's peak memory (VmHWM, MB) in a process of its own: from start through the
    queue, one record and the first open of every tab."""
    import os

    from gridwalker.demo.hub import SUPERVISOR

    env = {**os.environ, "GRIDWALKER_HOME": str(home)}
    res = subprocess.run(
        [sys.executable, "-c", DESK_MEMORY_SCRIPT.format(db=str(db), actor=SUPERVISOR)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env=env,
    )
    return float(res.stdout.strip().splitlines()[-1])


def bench_desk_memory(cache: Path) -> None:
    """The desk's peak memory at hub size on SQLite (the demo hub: the whole street)."""
    import shutil
    import tempfile

    from gridwalker.store.desk.queue import QueueFilter, queue_count
    from gridwalker.store.migrate import open_database

    home, db = hub_street(cache)
    with tempfile.TemporaryDirectory() as tmp:  # opening the desk picks up arrivals: a copy
        work = Path(tmp) / "hub.db"
        shutil.copy(db, work)
        engine = open_database(work)
        with engine.connect() as conn:
            waiting = queue_count(conn, QueueFilter())
        engine.dispose()
        peak = desk_peak_mb(work, home.data.parent)
    report(
        f"desk peak memory at hub size, every tab ({waiting:,} waiting) [SQLite]",
        f"{peak:.0f} MB",
        "<= 150 MB",
        peak <= 150,
    )


def bench_pg_url() -> str:
    """The PostgreSQL server of the bench: GRIDWALKER_BENCH_PG_URL, else the tests' (the
    throwaway cluster of scripts/test-postgres, started when needed)."""
    import os

    url = os.environ.get("GRIDWALKER_BENCH_PG_URL") or os.environ.get("GRIDWALKER_TEST_PG_URL")
    if url:
        return url
    script = Path(__file__).resolve().parents[1] / "scripts" / "test-postgres"
    run = subprocess.run([str(script)], capture_output=True, text=True, check=True)
    return run.stdout.strip().splitlines()[-1]


def pg_hub_street(cache: Path) -> tuple[Path, str]:
    """The demo hub of the whole street built into a PostgreSQL database of the bench's own
    (built once and kept on that server, as the SQLite one is kept in the cache)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from gridwalker import config
    from gridwalker.demo.hub import build_demo_hub, demo_hub_present

    server = make_url(bench_pg_url())
    name = f"gridwalker_bench_hub_{TODAY.strftime('%Y%m%d')}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        there = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar()
        if not there:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = server.set(database=name).render_as_string(hide_password=False)
    home = config.paths(cache / f"hub-pg-{TODAY.isoformat()}")
    if not demo_hub_present(url):
        started = time.perf_counter()
        build_demo_hub(home, today=TODAY, db=url)
        report(
            "demo hub build into PostgreSQL (34 laptops' bundles of the street)",
            f"{time.perf_counter() - started:.0f} s",
            "informational: built once, kept on the server",
            True,
        )
    return home.data.parent, url


def bench_desk_memory_pg(cache: Path) -> None:
    """The desk's peak memory at hub size on PostgreSQL (the same demo hub, on the server)."""
    from gridwalker.store.desk.queue import QueueFilter, queue_count
    from gridwalker.store.migrate import open_database

    root, url = pg_hub_street(cache)
    engine = open_database(url)
    with engine.connect() as conn:
        waiting = queue_count(conn, QueueFilter())
    engine.dispose()
    peak = desk_peak_mb(url, root)
    report(
        f"desk peak memory at hub size, every tab ({waiting:,} waiting) [PostgreSQL]",
        f"{peak:.0f} MB",
        "<= 150 MB",
        peak <= 150,
    )


def hub_street(cache: Path):  # noqa: ANN201 - (Paths, Path)
    """The demo hub holding the whole street as received from its 34 laptops (built once)."""
    from gridwalker import config
    from gridwalker.demo.hub import build_demo_hub

    home = config.paths(cache / f"hub-{TODAY.isoformat()}")
    if not home.hub_db.exists():
        started = time.perf_counter()
        build_demo_hub(home, today=TODAY)
        report(
            "demo hub build (34 laptops' bundles of the street)",
            f"{time.perf_counter() - started:.0f} s",
            "informational: built once, cached",
            True,
        )
    return home, home.hub_db


def bench_review(cache: Path) -> None:
    """The review desk at hub size: the queue's first page, the coverage dashboard, hub export."""
    import shutil
    import tempfile

    from sqlalchemy import func, select

    from gridwalker.store.desk.coverage import coverage_table
    from gridwalker.store.desk.queue import QueueFilter, queue_count, queue_page
    from gridwalker.store.migrate import open_database
    from gridwalker.store.tables import Visit
    from gridwalker.sync.hub.export import export_hub_bundles

    home, db = hub_street(cache)
    with tempfile.TemporaryDirectory() as tmp:  # decisions and exports must not pile up
        work = Path(tmp) / "hub.db"
        shutil.copy(db, work)
        engine = open_database(work)
        with engine.connect() as conn:
            visits = conn.execute(select(func.count()).select_from(Visit)).scalar_one()
            flt = QueueFilter()
            first = [
                timed(lambda: (queue_count(conn, flt), queue_page(conn, flt, 0, 50)))
                for _ in range(5)
            ]
            cover = [timed(lambda: coverage_table(conn, TODAY)) for _ in range(3)]
            queued = queue_count(conn, flt)
        q, c = statistics.median(first), statistics.median(cover)
        report(
            f"review queue first page ({queued:,} waiting, {visits:,} visits)",
            f"{q * 1000:.0f} ms",
            "<= 100 ms",
            q <= 0.100,
        )
        report(
            "coverage dashboard (34 grids, 9 communities)", f"{c * 1000:.0f} ms", "<= 1 s", c <= 1.0
        )
        started = time.perf_counter()
        results = export_hub_bundles(engine, home, out_dir=Path(tmp) / "out")
        seconds = time.perf_counter() - started
        engine.dispose()
        bundles = sum(len(r.paths) for r in results)
        report(
            f"hub export for {len(results)} devices",
            f"{bundles} bundles, {sum(r.decisions for r in results):,} decisions in {seconds:.1f} s",
            "informational: no budget in DESIGN.md",
            True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache", type=Path, default=Path(".bench"))
    parser.add_argument(
        "--only-at-rest", action="store_true", help="Only the plain vs encrypted figures."
    )
    parser.add_argument(
        "--only-desk-memory",
        action="store_true",
        help="Only the desk's peak memory, on SQLite and PostgreSQL.",
    )
    parser.add_argument(
        "--only-pg",
        action="store_true",
        help="Only the PostgreSQL figures (GRIDWALKER_BENCH_STREETS streets, default 3).",
    )
    args = parser.parse_args()
    if args.only_desk_memory:
        bench_desk_memory(args.cache)
        bench_desk_memory_pg(args.cache)
        return
    db = street_db(args.cache)
    from bench.at_rest_bench import bench_at_rest
    from bench.pg_bench import bench_pg_streets

    if args.only_at_rest:
        bench_at_rest(db, args.cache, report)
        return
    if args.only_pg:
        from bench.sync_bench import bench_pg_only

        bench_pg_only(db, report)
        bench_pg_streets(args.cache, TODAY, report)
        return
    bench_search(db)
    bench_first_frame(db)
    bench_list(db)
    bench_memory(db, args.cache / "home")
    bench_review(args.cache)
    bench_desk_memory(args.cache)
    bench_desk_memory_pg(args.cache)
    from bench.sync_bench import bench_sync

    bench_sync(db, report)
    bench_pg_streets(args.cache, TODAY, report)
    bench_at_rest(db, args.cache, report)
    over = [name for name, _m, _b, ok in RESULTS if not ok]
    print(
        f"{len(RESULTS) - len(over)} within budget, {len(over)} over"
        + (f": {', '.join(over)}" if over else "")
    )


if __name__ == "__main__":
    main()
