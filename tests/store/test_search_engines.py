"""Search on a hub that rebuilds its index finds the same records on SQLite and PostgreSQL
(#15): FTS5 there, pg_trgm and the pairs array here; names of three characters and of two,
pinyin and initials, rooms, communities, text anywhere, within a grid."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from gridwalker.store import search
from gridwalker.store.tables import SearchDoc
from tests.support import postgres
from tests.support.hubs import Desk, make_desk, make_twin_desk
from tests.support.laptops import make_field


@pytest.fixture
def twins(tmp_path: Path, small_street: Path) -> Iterator[tuple[Desk, Desk]]:
    """One laptop's bundle in a SQLite hub and in a PostgreSQL one, each index rebuilt."""
    lite = make_desk(tmp_path / "lite")
    url = postgres.new_database()
    pg = make_twin_desk(lite, tmp_path / "pg", url)
    lap = make_field(tmp_path / "lap", small_street, "lap-a", lite)
    path = lap.export().path
    for desk in (lite, pg):
        if desk is pg:
            from gridwalker.sync.hub.enrol import enroll

            enroll(pg.engine, lap.pub, "李晓梅", lap.recipient)
        assert desk.one(path).status == "applied"
        with desk.engine.begin() as conn:
            assert search.rebuild(conn) > 100
    lap.engine.dispose()
    yield lite, pg
    lite.engine.dispose()
    pg.engine.dispose()
    postgres.drop_database(url)


def _queries(desk: Desk) -> list[str]:
    """What people type: names whole and in part, pinyin, initials, rooms, places, text."""
    with desk.engine.connect() as conn:
        docs = conn.execute(
            select(SearchDoc.name, SearchDoc.spell, SearchDoc.initials, SearchDoc.room)
            .where(SearchDoc.entity == "resident")
            .order_by(SearchDoc.uuid)
            .limit(12)
        ).all()
        place = conn.execute(
            select(SearchDoc.place).where(SearchDoc.place != "").limit(1)
        ).scalar_one()
    out = [place, place[:2], "单元", "1单元", "加装电梯", "zz%", "a_b", "x"]
    for name, spell, initials, room in docs:
        out += [name, name[:2], name[-2:], spell, spell[:3], initials, room]
    return list(dict.fromkeys(q for q in out if q))


def test_the_same_hits_on_both_engines(twins: tuple[Desk, Desk]) -> None:
    lite, pg = twins
    queries = _queries(lite)
    assert any(len(q) == 2 for q in queries) and any(len(q) >= 3 for q in queries)
    found = 0
    with lite.engine.connect() as a, pg.engine.connect() as b:
        grid = a.execute(select(SearchDoc.grid_uuid).limit(1)).scalar_one()
        for q in queries:
            for where in (None, grid):
                left = search.search(a, q, limit=100_000, grid_uuid=where)
                right = search.search(b, q, limit=100_000, grid_uuid=where)
                assert {(h.entity, h.uuid) for h in left} == {(h.entity, h.uuid) for h in right}, q
                found += len(left)
    assert found > 100


def test_text_anywhere_uses_the_indexes_on_postgresql(twins: tuple[Desk, Desk]) -> None:
    """The plans name migration 0014's indexes (trigrams; pairs), never a scan of every doc."""
    _lite, pg = twins
    with pg.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))  # a tiny table: make the choice visible
        conn.execute(text("ANALYZE search_doc"))
        long_plan = "\n".join(
            conn.execute(
                text("EXPLAIN SELECT id FROM search_doc WHERE text ILIKE :p ESCAPE '\\'"),
                {"p": "%单元%"},
            ).scalars()
        )
        pairs_plan = "\n".join(
            conn.execute(
                text(
                    "EXPLAIN SELECT id FROM search_doc "
                    "WHERE string_to_array(search_doc.pairs, ' ') @> ARRAY[CAST(:q AS text)]"
                ),
                {"q": "单元"},
            ).scalars()
        )
    assert "ix_search_doc_text_trgm" in long_plan
    assert "ix_search_doc_pairs" in pairs_plan


def test_raw_index_query_on_both(twins: tuple[Desk, Desk]) -> None:
    lite, pg = twins
    with lite.engine.connect() as a, pg.engine.connect() as b:
        word = a.execute(select(SearchDoc.name).where(SearchDoc.entity == "resident")).scalar()
        assert len(word) >= 2
        key = f"{word}1单元" if len(word) < 3 else word
        ids = lambda conn: {  # noqa: E731
            conn.execute(select(SearchDoc.uuid).where(SearchDoc.id == i)).scalar_one()
            for i in search.raw_fts(conn, key, limit=1000)
        }
        assert ids(a) == ids(b)
