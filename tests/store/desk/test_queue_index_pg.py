"""On PostgreSQL the default review queue's page reads the waiting rows' own index (0017),
and one street's queue its own (0019),
never walking the decided rows (2.6 s at three demo streets without it, 30 ms with it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, text

from gridwalker.store.desk.queue import QueueFilter, _queue_where, queue_count, queue_page
from gridwalker.store.migrate import open_database
from gridwalker.store.tables.review import HubReview
from tests.support import postgres


def _review_rows(waiting: Callable[[int], bool], n: int = 20_000) -> list[dict]:
    """`n` current visit reviews over 300 days and three streets; `waiting(i)`: row i is
    received, else approved."""
    now = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    return [
        {
            "entity": "visit",
            "uuid": f"u{i:05d}",
            "rev": "1-" + f"{i:024x}",
            "state": "received" if waiting(i) else "approved",
            "current": True,
            "title": "x",
            "street_uuid": f"s{i % 3}",
            "day": date(2025, 1, 1) + timedelta(days=i % 300),
            "generation": 1,
            "deleted": False,
            "updated_at": now,
            "updated_by": "x",
            "received_at": now,
            "comment": "",
        }
        for i in range(n)
    ]


@pytest.fixture
def pg() -> Iterator[Engine]:
    url = postgres.new_database()
    engine = open_database(url)
    yield engine
    engine.dispose()
    postgres.drop_database(url)


def test_the_default_queue_page_reads_the_waiting_index(pg: Engine) -> None:
    # Most rows decided long ago, as on a hub after a year: the plain day index would walk
    # all of them before the first waiting one.
    rows = _review_rows(lambda i: i % 50 == 0)
    with pg.begin() as conn:
        conn.execute(HubReview.__table__.insert(), rows)
        conn.execute(text("ANALYZE hub_review"))
    flt = QueueFilter()
    stmt = (
        select(HubReview.id)
        .where(*_queue_where(flt))
        .order_by(HubReview.day, HubReview.received_at, HubReview.id)
        .limit(50)
    )
    with pg.connect() as conn:
        sql = str(stmt.compile(pg, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + sql)))
        page = queue_page(conn, flt, 0, 50)
    assert "using ix_hub_review_waiting on" in plan, plan  # not the street's (0019)
    assert len(page) == 50 and {str(r.state) for r in page} <= {"received", "ReviewState.RECEIVED"}


def test_one_street_s_queue_is_counted_from_its_own_index(pg: Engine) -> None:
    """A street's supervisor's queue (0019): its count and page read the street's waiting rows
    from the index alone (187 ms at three demo streets without it, 7 ms with it)."""
    rows = _review_rows(lambda i: i % 4 == 0)
    with pg.begin() as conn:
        conn.execute(HubReview.__table__.insert(), rows)
    with pg.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE hub_review"))  # the visibility map: index-only
    flt = QueueFilter(street_uuid="s1")
    count = select(func.count()).select_from(HubReview).where(*_queue_where(flt))
    with pg.connect() as conn:
        sql = str(count.compile(pg, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + sql)))
        n = queue_count(conn, flt)
    assert "using ix_hub_review_waiting_street on" in plan, plan
    assert n == sum(1 for i in range(20_000) if i % 4 == 0 and i % 3 == 1)
