"""The SQL that differs per engine (store/dialect.py) means the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from gridwalker.store.dialect import json_list_has, json_list_has_any
from gridwalker.store.tables.base import JsonDoc
from tests.support.hubs import Hub, both_engines

pytestmark = both_engines

AWKWARD = ["a%", "a_b", 'he said "hi"', "back\\slash", "张三", "x"]


LISTS = Table(
    "scratch_lists",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("tags", JsonDoc, nullable=False),
)


@pytest.fixture
def lists(hub: Hub) -> Table:
    """A scratch table of JSON lists in the hub's own test database."""
    table = LISTS
    table.create(hub.engine)
    with hub.engine.begin() as conn:
        conn.execute(
            insert(table),
            [
                {"id": 1, "tags": AWKWARD},
                {"id": 2, "tags": ["ab", "a", "aged_80"]},
                {"id": 3, "tags": []},
            ],
        )
    return table


def _ids(hub: Hub, condition) -> list[int]:  # noqa: ANN001 - a SQL condition
    with hub.engine.connect() as conn:
        return sorted(conn.execute(select(LISTS.c.id).where(condition)).scalars())


@pytest.mark.parametrize("value", AWKWARD)
def test_a_list_holds_exactly_its_items(hub: Hub, lists: Table, value: str) -> None:
    assert _ids(hub, json_list_has(lists.c.tags, value)) == [1]


def test_no_pattern_or_part_of_an_item_matches(hub: Hub, lists: Table) -> None:
    for value in ("a_", "%", "_", "b", "he said", "张", '"x"', "aged"):
        assert _ids(hub, json_list_has(lists.c.tags, value)) == [], value
    assert _ids(hub, json_list_has(lists.c.tags, "a")) == [2]


def test_any_of_several(hub: Hub, lists: Table) -> None:
    assert _ids(hub, json_list_has_any(lists.c.tags, {"aged_80", "nobody"})) == [2]
    assert _ids(hub, json_list_has_any(lists.c.tags, {"x", "a"})) == [1, 2]
    assert _ids(hub, json_list_has_any(lists.c.tags, {"aged"})) == []
    assert _ids(hub, ~json_list_has_any(lists.c.tags, {"x", "a"})) == [3]


def test_a_column_on_both_sides(hub: Hub, lists: Table) -> None:
    """The value may be another column (a resident's uuid against a visit's list)."""
    names = Table("scratch_names", MetaData(), Column("name", String(20), primary_key=True))
    names.create(hub.engine)
    with hub.engine.begin() as conn:
        conn.execute(insert(names), [{"name": n} for n in ("a", "x", "zz", "a%")])
        found = conn.execute(
            select(names.c.name, lists.c.id)
            .join(lists, json_list_has(lists.c.tags, names.c.name))
            .order_by(names.c.name, lists.c.id)
        ).all()
    assert [tuple(r) for r in found] == [("a", 2), ("a%", 1), ("x", 1)]
