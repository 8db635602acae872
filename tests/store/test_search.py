"""Search: Chinese, pinyin (full and initials), two-character names, rooms, communities."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridwalker.store import search
from gridwalker.store.tables import Building, Community, Grid, Household, Resident
from gridwalker.store.writes import Writer


@pytest.fixture
def zhang_san(demo_engine):
    """A resident 张三 in a known household of the demo laptop."""
    with demo_engine.begin() as conn:
        hh = conn.execute(select(Household.uuid).order_by(Household.uuid).limit(1)).scalar_one()
        uuid = Writer(conn, "t").insert(
            "resident", {"household_uuid": hh, "name": "张三", "relation": "spouse"}
        )
    return uuid


@pytest.mark.parametrize("query", ["张三", "zs", "zhangsan", "ZhangSan", "zhang"])
def test_name_pinyin_and_initials_find_zhang_san(demo_engine, zhang_san, query) -> None:
    with demo_engine.connect() as conn:
        hits = search.search(conn, query)
    assert zhang_san in [h.uuid for h in hits if h.entity == "resident"]


def test_exact_name_ranks_first(demo_engine, zhang_san) -> None:
    with demo_engine.connect() as conn:
        hits = search.search(conn, "张三")
    assert hits[0].uuid == zhang_san
    assert "邮三社区" in hits[0].subtitle  # where the hit is


def test_two_character_community_prefix_finds_households(demo_engine) -> None:
    with demo_engine.connect() as conn:
        hits = search.search(conn, "邮三", limit=30)
        assert hits and all("邮三社区" in (h.title + h.subtitle) for h in hits)
        assert any(h.entity == "household" for h in hits)


def test_three_characters_use_the_trigram_index(demo_engine) -> None:
    with demo_engine.connect() as conn:
        assert search.raw_fts(conn, "加装电梯")
        hits = search.search(conn, "加装电梯")
    assert hits and all(h.entity == "issue" for h in hits)


def test_room_number_finds_households(demo_engine) -> None:
    with demo_engine.connect() as conn:
        hits = search.search(conn, "302")
        assert hits
        rooms = {
            conn.execute(select(Household.room).where(Household.uuid == h.uuid)).scalar_one()
            for h in hits
            if h.entity == "household"
        }
    assert rooms == {"302"}


def test_nothing_found_and_blank_query(demo_engine) -> None:
    with demo_engine.connect() as conn:
        assert search.search(conn, "   ") == []
        assert search.search(conn, "不存在的名字啊") == []
        assert search.search(conn, '"') == []


def test_moved_resident_is_reindexed_and_deleted_one_disappears(demo_engine, zhang_san) -> None:
    with demo_engine.begin() as conn:
        Writer(conn, "t").update("resident", zhang_san, {"name": "张三丰"})
        assert zhang_san in [h.uuid for h in search.search(conn, "zsf")]
        Writer(conn, "t").delete("resident", zhang_san)
        assert zhang_san not in [h.uuid for h in search.search(conn, "张三丰")]


def test_every_live_record_is_indexed(demo_engine) -> None:
    with demo_engine.connect() as conn:
        residents = conn.execute(select(func.count()).select_from(Resident)).scalar_one()
        households = conn.execute(select(func.count()).select_from(Household)).scalar_one()
        docs = search.doc_count(conn)
    assert docs > residents + households


def test_grid_filter(demo_engine) -> None:
    with demo_engine.connect() as conn:
        grid = conn.execute(
            select(Grid.uuid).join(Community).where(Community.name == "邮三社区").limit(1)
        ).scalar_one()
        other = search.search(conn, "wang", grid_uuid="not-a-grid")
        mine = search.search(conn, "wang", grid_uuid=grid)
    assert other == [] and mine and all(h.grid_uuid == grid for h in mine)


def test_pinyin_keys() -> None:
    assert search.pinyin_keys("张三") == ("zhangsan", "zs")
    assert search.pinyin_keys("") == ("", "")


def test_building_names_appear_in_subtitles(demo_engine) -> None:
    with demo_engine.connect() as conn:
        name = conn.execute(select(Building.name).limit(1)).scalar_one()
        hits = search.search(conn, "wang")
    assert any(name in h.subtitle or "栋" in h.subtitle for h in hits)


@pytest.mark.parametrize(
    ("query", "unit"),
    [("1-302", None), ("1栋302", None), ("1栋1单元302", 1), ("1-1-302", 1), ("1号楼 302室", None)],
)
def test_addresses_as_people_write_them(demo_engine, query: str, unit: int | None) -> None:
    """1-302, 1栋302, 1栋1单元302, 1-1-302: the household at that door comes first."""
    with demo_engine.connect() as conn:
        hits = search.search(conn, query)
        assert hits and hits[0].entity == "household", query
        doors = [
            conn.execute(
                select(Building.name, Household.unit, Household.room)
                .join(Building, Building.uuid == Household.building_uuid)
                .where(Household.uuid == h.uuid)
            ).one()
            for h in hits
            if h.entity == "household"
        ]
    assert doors
    for building, found_unit, room in doors[:1]:
        assert building.startswith("1") and not building[1].isdigit() and room == "302"
        assert unit is None or found_unit == unit


def test_an_address_not_there_finds_no_door(demo_engine) -> None:
    with demo_engine.connect() as conn:
        hits = search.search(conn, "99-9999")
    assert not [h for h in hits if h.entity == "household"]
