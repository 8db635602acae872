"""The enterprise census store: towers, floors, the form, history, the information base."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from itertools import product
from typing import Any

import pytest
from sqlalchemy import create_engine, func, literal, select
from sqlalchemy.exc import IntegrityError

from gridwalker.domain.census import CensusFlag, census_flags
from gridwalker.domain.validators import make_uscc
from gridwalker.store import census
from gridwalker.store.census import CensusForm, CensusInputError, InfoFilter
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import CensusRecord, Device, Enterprise
from gridwalker.store.writes import Writer

THIS_YEAR = 2026  # the frozen clock's year (tests/conftest.py)


def code(i: int, prefix: str = "91420103") -> str:
    """A valid credit code, different for each i."""
    return make_uscc(f"{prefix}MA4K{i:05d}")


@pytest.fixture
def engine(tmp_path):
    engine = open_database(tmp_path / "census.db")
    yield engine
    engine.dispose()


# The hand-counted fixture. Tower A, 8 enterprises:
#  a1 own/branch/5 members, 2026          covered, censused
#  a2 joint/branch/1, 2026                covered, censused
#  a3 own/branch/2, 2025 only             covered, not censused      TOO_FEW_MEMBERS
#  a4 none/4, 2026                        blank spot, censused       SHOULD_SET_UP
#  a5 no census at all (in difficulty)    blank spot, not censused
#  a6 moved out (own/branch/10, 2026)     gone: counted nowhere
#  a7 own/branch/120, 2026                covered, censused          EXPECT_COMMITTEE
#  a8 own/branch/60, 2026 (none/0 2025)   covered, censused          EXPECT_GENERAL_BRANCH
# → present 7, censused 5, with organisation 5, blank spots 2, flagged 4, gone 1.
# Tower B: b1 none/0 2026, b2 none/0 2025 → present 2, censused 1, covered 0, blank 2.
# Tower C: commercial, empty. A residential building with no enterprises is no tower.
TOWER_A = [
    ("a1", 3, "301", "normal", [(2026, "own", "branch", 5)]),
    ("a2", 3, "1302", "normal", [(2026, "joint", "branch", 1)]),
    ("a3", 5, "502", "normal", [(2025, "own", "branch", 2)]),
    ("a4", 5, "501", "normal", [(2026, "none", None, 4)]),
    ("a5", 7, "701", "difficulty", []),
    ("a6", 7, "702", "moved_out", [(2026, "own", "branch", 10)]),
    ("a7", 12, "1201", "normal", [(2026, "own", "branch", 120)]),
    ("a8", 12, "1202", "normal", [(2025, "none", None, 0), (2026, "own", "branch", 60)]),
]
TOWER_B = [
    ("b1", 2, "201", "normal", [(2026, "none", None, 0)]),
    ("b2", 2, "202", "normal", [(2025, "none", None, 0)]),
]


@pytest.fixture
def place(engine) -> dict[str, Any]:
    """A street with one grid, towers A, B, C and a residential block; returns the uuids."""
    ids: dict[str, Any] = {}
    with engine.begin() as conn:
        w = Writer(conn, "fixture")
        street = w.insert("street", {"name": "新华街", "area_code": "420103"})
        community = w.insert("community", {"street_uuid": street, "name": "江北社区"})
        ids["grid"] = w.insert(
            "grid", {"community_uuid": community, "code": "XH-02-01", "name": "第1网格"}
        )
        ids["member"] = w.insert("member", {"name": "王网格", "grid_uuid": ids["grid"]})
        for key, name, kind in [
            ("A", "甲大厦", "commercial"),
            ("B", "乙大厦", "commercial"),
            ("C", "丙大厦", "commercial"),
            ("R", "1栋", "residential"),
        ]:
            ids[key] = w.insert("building", {"grid_uuid": ids["grid"], "name": name, "kind": kind})
        n = 0
        for tower, rows in (("A", TOWER_A), ("B", TOWER_B)):
            for key, floor, room, status, records in rows:
                n += 1
                ids[key] = w.insert(
                    "enterprise",
                    {
                        "building_uuid": ids[tower],
                        "floor": floor,
                        "room": room,
                        "uscc": code(n),
                        "name": f"武汉{key}科技有限公司",
                        "industry": "I" if n % 2 else "L",
                        "ownership": "non_public",
                        "contact_name": "李四",
                        "contact_phone": f"1380000{n:04d}",
                        "operating_status": status,
                    },
                )
                for year, org, kind, members in records:
                    w.insert(
                        "census_record",
                        {
                            "enterprise_uuid": ids[key],
                            "year": year,
                            "census_date": date(year, 6, 1),
                            "scale": "small",
                            "employees": max(members * 2, 10),
                            "party_org_status": org,
                            "party_org_kind": kind,
                            "party_members": members,
                        },
                    )
    return ids


def counter(conn) -> int:
    return conn.execute(select(Device.change_counter)).scalar_one()


def good_form(**changes: Any) -> CensusForm:
    """A complete, valid form for a new enterprise."""
    form = CensusForm(
        uscc=code(900),
        name="武汉新来科技有限公司",
        industry="I",
        ownership="non_public",
        scale="micro",
        employees=8,
        operating_status="normal",
        contact_name="赵六",
        contact_phone="13912345678",
        party_org_status="none",
        party_members=0,
        floor=9,
        room="901",
    )
    return replace(form, **changes)


# --- towers, floors, coverage ---------------------------------------------------------------


def test_towers_overview_matches_the_hand_count(engine, place) -> None:
    with engine.connect() as conn:
        rows = census.towers_overview(conn, grid_uuid=place["grid"])
    assert [r.name for r in rows] == ["甲大厦", "乙大厦", "丙大厦"]  # most attention first
    a, b, c = rows
    assert (a.enterprises, a.censused, a.with_org, a.blank_spots, a.flagged, a.gone) == (
        7,
        5,
        5,
        2,
        4,
        1,
    )
    assert a.to_census == 2 and a.ratio == pytest.approx(5 / 7)
    assert (b.enterprises, b.censused, b.with_org, b.blank_spots, b.flagged) == (2, 1, 0, 2, 0)
    assert b.ratio == 0
    assert (c.enterprises, c.ratio) == (0, None)


def test_towers_overview_other_grid_and_last_year(engine, place) -> None:
    with engine.connect() as conn:
        assert census.towers_overview(conn, grid_uuid="no-such-grid") == []
        a = census.towers_overview(conn, year=2025)[0]
    # In 2025: a3, a8 (none/0) and b2 were censused; a8 had no organisation then.
    assert a.name == "甲大厦"
    assert (a.censused, a.with_org, a.blank_spots) == (2, 1, 6)


def test_coverage_of_street_grid_and_tower(engine, place) -> None:
    with engine.connect() as conn:
        street = census.coverage(conn)
        grid = census.coverage(conn, grid_uuid=place["grid"])
        tower_a = census.coverage(conn, tower_uuid=place["A"])
        tower_b = census.coverage(conn, tower_uuid=place["B"])
    assert street == grid
    assert (street.towers, street.enterprises, street.censused, street.with_org) == (3, 9, 6, 5)
    assert (street.blank_spots, street.towers_without_org) == (4, 1)
    assert street.ratio == pytest.approx(5 / 9)
    assert (tower_a.enterprises, tower_a.with_org, tower_a.towers_without_org) == (7, 5, 0)
    assert (tower_b.enterprises, tower_b.with_org, tower_b.towers_without_org) == (2, 0, 1)


def test_tower_floors_in_room_order_with_marks(engine, place) -> None:
    with engine.connect() as conn:
        floors = census.tower_floors(conn, place["A"])
    assert [f.floor for f in floors] == [3, 5, 7, 12]
    assert [m.room for m in floors[0].enterprises] == ["301", "1302"]  # shorter numbers first
    assert [m.room for m in floors[1].enterprises] == ["501", "502"]
    marks = {m.name[2:4]: m for f in floors for m in f.enterprises}
    assert marks["a1"].censused_this_year and marks["a1"].flags == []
    assert not marks["a3"].censused_this_year and marks["a3"].last_census_year == 2025
    assert marks["a3"].flags == [CensusFlag.TOO_FEW_MEMBERS]
    assert marks["a4"].flags == [CensusFlag.SHOULD_SET_UP]
    assert marks["a5"].party_org_status is None and marks["a5"].flags == []
    assert marks["a6"].gone and not marks["a1"].gone
    assert marks["a7"].flags == [CensusFlag.EXPECT_COMMITTEE]
    assert marks["a8"].flags == [CensusFlag.EXPECT_GENERAL_BRANCH]
    assert (floors[2].present, floors[2].censused) == (1, 0)  # a6 moved out, a5 not censused


def test_demo_tower_of_forty_matches_a_count_of_its_floors(demo_engine) -> None:
    with demo_engine.connect() as conn:
        (tower,) = census.towers_overview(conn)
        marks = [m for f in census.tower_floors(conn, tower.uuid) for m in f.enterprises]
        cov = census.coverage(conn, tower_uuid=tower.uuid)
    present = [m for m in marks if not m.gone]
    assert tower.name == "良友大厦" and len(marks) == 40
    assert tower.enterprises == len(present) == cov.enterprises
    assert tower.censused == sum(m.censused_this_year for m in present) == cov.censused
    covered = sum(m.party_org_status in ("own", "joint") for m in present)
    assert tower.with_org == covered == cov.with_org
    assert tower.flagged == sum(bool(m.flags) for m in present)


# --- rule flags -----------------------------------------------------------------------------


def test_sql_flag_rules_agree_with_the_domain() -> None:
    engine = create_engine("sqlite://")
    cases = product(
        [0, 2, 3, 49, 50, 99, 100, 300],
        ["own", "joint", "none", None],
        [None, "branch", "general_branch", "committee"],
    )
    with engine.connect() as conn:
        for members, status, kind in cases:
            rec = select(
                literal(members).label("party_members"),
                literal(status).label("party_org_status"),
                literal(kind).label("party_org_kind"),
            ).subquery()
            in_sql = [
                flag
                for flag in CensusFlag
                if conn.execute(select(census.flag_condition(flag, rec))).scalar()
            ]
            assert in_sql == census_flags(members, status, kind), (members, status, kind)
    engine.dispose()


def test_each_flag_in_infobase_rows_and_filter(engine, place) -> None:
    with engine.connect() as conn:
        rows = census.infobase_page(conn, InfoFilter(), 0, 100)
        by_flag = {
            flag: [r.name for r in census.infobase_page(conn, InfoFilter(flag=flag), 0, 100)]
            for flag in CensusFlag
        }
    flagged = {r.name: r.flags for r in rows if r.flags}
    assert flagged == {
        "武汉a3科技有限公司": [CensusFlag.TOO_FEW_MEMBERS],
        "武汉a4科技有限公司": [CensusFlag.SHOULD_SET_UP],
        "武汉a7科技有限公司": [CensusFlag.EXPECT_COMMITTEE],
        "武汉a8科技有限公司": [CensusFlag.EXPECT_GENERAL_BRANCH],
    }
    for flag in CensusFlag:
        assert by_flag[flag] == [name for name, flags in flagged.items() if flag in flags]


def test_form_flags_follow_the_answers() -> None:
    assert good_form(party_members="5").flags() == [CensusFlag.SHOULD_SET_UP]
    assert good_form(party_members="abc").flags() == []
    own = good_form(party_org_status="单独组建", party_org_kind="党支部", party_members=2)
    assert own.flags() == [CensusFlag.TOO_FEW_MEMBERS]


# --- the information base -------------------------------------------------------------------


def test_infobase_filters_count_and_pages(engine, place) -> None:
    with engine.connect() as conn:
        everyone = InfoFilter()
        assert census.infobase_count(conn, everyone) == 9
        assert census.infobase_count(conn, replace(everyone, include_gone=True)) == 10
        assert census.infobase_count(conn, InfoFilter(tower_uuid=place["B"])) == 2
        assert census.infobase_count(conn, InfoFilter(grid_uuid=place["grid"])) == 9
        assert census.infobase_count(conn, InfoFilter(grid_uuid="elsewhere")) == 0
        assert census.infobase_count(conn, InfoFilter(industry="I")) == len(
            [r for r in census.infobase_page(conn, everyone, 0, 50) if r.industry == "I"]
        )
        # No census yet counts as no organisation.
        assert census.infobase_count(conn, InfoFilter(party_org_status="未建立")) == 4
        assert census.infobase_count(conn, InfoFilter(party_org_status="joint")) == 1
        pages = [census.infobase_page(conn, everyone, i, 4) for i in range(0, 12, 4)]
        full = census.infobase_page(conn, everyone, 0, 100)
        with pytest.raises(ValueError):
            census.infobase_page(conn, everyone, -1, 5)
    assert [len(p) for p in pages] == [4, 4, 1]
    assert [r.uuid for p in pages for r in p] == [r.uuid for r in full]
    assert [r.tower for r in full] == ["乙大厦"] * 2 + ["甲大厦"] * 7  # by tower name (code point)
    a1 = next(r for r in full if r.name == "武汉a1科技有限公司")
    assert (a1.tower, a1.floor, a1.room, a1.party_org_status, a1.census_year) == (
        "甲大厦",
        3,
        "301",
        "own",
        2026,
    )
    assert a1.contact_phone == "13800000001"  # raw: masking happens at output


# --- find by credit code and validation -----------------------------------------------------


def test_find_by_uscc_links_to_the_record(engine, place) -> None:
    with engine.connect() as conn:
        ref = census.find_by_uscc(conn, code(1).lower())
        assert ref is not None
        assert (ref.uuid, ref.tower_name, ref.floor, ref.room) == (place["a1"], "甲大厦", 3, "301")
        assert ref.place("zh") == "甲大厦 3层 301"
        assert census.find_by_uscc(conn, code(1), exclude_uuid=place["a1"]) is None
        assert census.find_by_uscc(conn, code(999)) is None
        assert census.find_by_uscc(conn, "") is None
        assert census.enterprise_ref(conn, place["a1"]) == ref
        assert census.enterprise_ref(conn, "no-such-enterprise") is None


@pytest.mark.parametrize(
    "good",
    [
        code(1000),
        code(1001, prefix="Y1420103"),  # other organisation: letters at the start
        code(1002, prefix="N2420103"),  # rural collective economic organisation
        code(1003, prefix="52420103"),  # social organisation registered with civil affairs
        code(1004).lower(),
        " " + code(1005) + " ",
    ],
)
def test_good_credit_codes_pass(engine, place, good) -> None:
    with engine.connect() as conn:
        assert census.validate_census(conn, good_form(uscc=good)) == {}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("", "census.uscc.required"),
        (code(1000)[:17], "uscc.length"),
        (code(1000) + "1", "uscc.length"),
        ("91420103MA4KI0001X", "uscc.alphabet"),  # I is not in the alphabet
        ("91420103MA4KO0001X", "uscc.alphabet"),  # nor is O
        (code(1000)[:17] + ("0" if code(1000)[17] != "0" else "1"), "uscc.check"),
        ("Y1" + code(1001, prefix="Y1420103")[2:17] + "Z", "uscc.alphabet"),
    ],
)
def test_bad_credit_codes_are_refused_with_a_reason(engine, place, bad, reason) -> None:
    with engine.connect() as conn:
        problems = census.validate_census(conn, good_form(uscc=bad))
    assert list(problems) == ["uscc"]
    assert problems["uscc"].code == reason
    assert problems["uscc"].zh and problems["uscc"].en


def test_duplicate_code_names_the_other_enterprise(engine, place) -> None:
    with engine.connect() as conn:
        problems = census.validate_census(conn, good_form(uscc=code(1)))
        assert problems["uscc"].code == "census.duplicate_uscc"
        assert "武汉a1科技有限公司" in problems["uscc"].zh and "甲大厦" in problems["uscc"].zh
        assert "武汉a1科技有限公司" in problems["uscc"].en
        assert census.find_by_uscc(conn, code(1)).uuid == place["a1"]
        own = census.census_prefill(conn, place["a1"], THIS_YEAR)
        assert census.validate_census(conn, own, enterprise_uuid=place["a1"]) == {}
        other = replace(own, uscc=code(2))  # a1 typed a2's code
        assert census.validate_census(conn, other, enterprise_uuid=place["a1"])["uscc"].code == (
            "census.duplicate_uscc"
        )


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"name": "  "}, "name", "census.name.required"),
        ({"industry": "Z"}, "industry", "census.industry.choice"),
        ({"scale": "巨型"}, "scale", "census.scale.choice"),
        ({"operating_status": None}, "operating_status", "census.operating_status.required"),
        ({"employees": "-3"}, "employees", "census.count.negative"),
        ({"employees": "十个"}, "employees", "census.count.number"),
        ({"party_members": None}, "party_members", "census.party_members.required"),
        ({"party_members": -1}, "party_members", "census.count.negative"),
        ({"party_members": 9}, "party_members", "census.party_members.more_than_employees"),
        ({"party_org_status": None}, "party_org_status", "census.party_org_status.required"),
        ({"party_org_status": "own"}, "party_org_kind", "census.party_org_kind.required"),
        ({"party_org_kind": "branch"}, "party_org_kind", "census.party_org_kind.without_org"),
        ({"contact_phone": "1234567"}, "contact_phone", "phone.length"),
        ({"floor": "三楼"}, "floor", "census.floor.number"),
    ],
)
def test_each_rule_of_the_form(engine, place, changes, field, reason) -> None:
    with engine.connect() as conn:
        problems = census.validate_census(conn, good_form(**changes))
    assert list(problems) == [field]
    assert problems[field].code == reason


def test_labels_and_flags_do_not_block(engine, place) -> None:
    form = good_form(
        industry="信息传输、软件和信息技术服务业",
        ownership="Non-public",
        party_members=5,
        employees=None,
        contact_phone="027-85551234",
    )
    assert form.flags() == [CensusFlag.SHOULD_SET_UP]
    with engine.connect() as conn:
        assert census.validate_census(conn, form) == {}


# --- prefill, saving, history ---------------------------------------------------------------


def test_prefill_carries_last_years_answers_into_this_year(engine, place) -> None:
    with engine.begin() as conn:
        form = census.census_prefill(conn, place["a3"], THIS_YEAR)
        assert (form.source_year, form.record_uuid) == (2025, None)
        assert (form.party_org_status, form.party_org_kind, form.party_members) == (
            "own",
            "branch",
            2,
        )
        assert (form.scale, form.employees, form.floor, form.room) == ("small", 10, 5, "502")
        assert form.name == "武汉a3科技有限公司" and form.contact_phone == "13800000003"
        form.party_members = 4  # the only change typed this year
        _, rec = census.save_census(
            conn,
            form,
            year=THIS_YEAR,
            actor="王网格",
            member_uuid=place["member"],
            enterprise_uuid=place["a3"],
        )
        history = census.census_history(conn, place["a3"])
        assert [(h.year, h.party_members, h.scale) for h in history] == [
            (2026, 4, "small"),
            (2025, 2, "small"),
        ]
        assert history[0].uuid == rec and history[0].member_name == "王网格"
        assert history[0].census_date == date(2026, 11, 20) and history[1].flags == [
            CensusFlag.TOO_FEW_MEMBERS
        ]
        again = census.census_prefill(conn, place["a3"], THIS_YEAR)
        assert (again.source_year, again.record_uuid, again.party_members) == (2026, rec, 4)


def test_this_years_record_is_edited_not_duplicated(engine, place) -> None:
    with engine.begin() as conn:
        form = census.census_prefill(conn, place["a8"], THIS_YEAR)
        assert form.source_year == THIS_YEAR and form.record_uuid is not None
        form.party_org_kind = "general_branch"
        ent, rec = census.save_census(
            conn, form, year=THIS_YEAR, actor="t", member_uuid=None, enterprise_uuid=place["a8"]
        )
        assert (ent, rec) == (place["a8"], form.record_uuid)
        years = conn.execute(
            select(CensusRecord.year).where(CensusRecord.enterprise_uuid == ent)
        ).scalars()
        assert sorted(years) == [2025, 2026]
        assert census.census_history(conn, ent)[0].flags == []


def test_saving_an_unchanged_form_writes_nothing(engine, place) -> None:
    with engine.begin() as conn:
        for _ in range(2):  # the first save fills the record's copy of the enterprise fields
            form = census.census_prefill(conn, place["a1"], THIS_YEAR)
            before = counter(conn)
            census.save_census(
                conn, form, year=THIS_YEAR, actor="t", member_uuid=None, enterprise_uuid=place["a1"]
            )
        assert counter(conn) == before


def test_prefill_without_any_census_starts_from_the_enterprise(engine, place) -> None:
    with engine.connect() as conn:
        form = census.census_prefill(conn, place["a5"], THIS_YEAR)
        with pytest.raises(LookupError):
            census.census_prefill(conn, "no-such-enterprise", THIS_YEAR)
    assert (form.source_year, form.record_uuid) == (None, None)
    assert (form.operating_status, form.industry, form.floor, form.room) == (
        "difficulty",
        "I",
        7,
        "701",
    )
    assert form.party_org_status is None and form.party_members is None


def test_save_refuses_bad_input_and_writes_nothing(engine, place) -> None:
    with engine.begin() as conn:
        before = counter(conn)
        count = conn.execute(select(func.count()).select_from(Enterprise)).scalar_one()
        with pytest.raises(CensusInputError) as caught:
            census.save_census(
                conn,
                good_form(uscc=code(1), employees=-1),
                year=THIS_YEAR,
                actor="t",
                member_uuid=None,
                tower_uuid=place["A"],
            )
        assert set(caught.value.problems) == {"uscc", "employees"}
        assert counter(conn) == before
        assert conn.execute(select(func.count()).select_from(Enterprise)).scalar_one() == count


def test_save_a_new_enterprise_in_a_tower(engine, place) -> None:
    with engine.begin() as conn:
        form = good_form(uscc=" " + code(900).lower(), contact_phone="138 1234 5678")
        ent, rec = census.save_census(
            conn,
            form,
            year=THIS_YEAR,
            actor="t",
            member_uuid=place["member"],
            tower_uuid=place["C"],
        )
        row = conn.execute(select(Enterprise).where(Enterprise.uuid == ent)).mappings().one()
        assert (row["uscc"], row["contact_phone"], row["building_uuid"]) == (
            code(900),
            "13812345678",
            place["C"],
        )
        (c,) = [t for t in census.towers_overview(conn) if t.uuid == place["C"]]
        assert (c.enterprises, c.censused, c.blank_spots) == (1, 1, 1)
        assert census.census_history(conn, ent)[0].uuid == rec
        with pytest.raises(ValueError):
            census.save_census(
                conn, good_form(uscc=code(901)), year=THIS_YEAR, actor="t", member_uuid=None
            )


def test_moving_out_keeps_the_enterprise_and_its_history(engine, place) -> None:
    with engine.begin() as conn:
        form = census.census_prefill(conn, place["a1"], THIS_YEAR)
        form.operating_status = "已迁出"
        census.save_census(
            conn, form, year=THIS_YEAR, actor="t", member_uuid=None, enterprise_uuid=place["a1"]
        )
        assert [h.operating_status for h in census.census_history(conn, place["a1"])] == [
            "moved_out"
        ]
        a = census.coverage(conn, tower_uuid=place["A"])
        marks = [m for f in census.tower_floors(conn, place["A"]) for m in f.enterprises]
        gone = census.infobase_page(conn, InfoFilter(include_gone=True), 0, 100)
        ref = census.find_by_uscc(conn, code(1))
    assert (a.enterprises, a.with_org) == (6, 4)
    assert next(m for m in marks if m.uuid == place["a1"]).gone
    assert place["a1"] in [r.uuid for r in gone]
    assert ref is not None and ref.operating_status == "moved_out"


def test_form_round_trips_through_a_draft() -> None:
    form = good_form(employees="12")
    form.source_year = 2025
    data = form.to_dict()
    data["from_an_older_version"] = True
    again = CensusForm.from_dict(data)
    assert again == form and again.source_year == 2025


def test_a_deleted_record_never_blocks_a_new_one_of_the_same_year(engine, place) -> None:
    """A census entry deleted and entered again for the same enterprise and year is taken."""
    with engine.begin() as conn:
        form = census.census_prefill(conn, place["a8"], THIS_YEAR)
        deleted = form.record_uuid
        assert deleted is not None
        Writer(conn, "t").delete("census_record", deleted)
        form = census.census_prefill(conn, place["a8"], THIS_YEAR)
        ent, rec = census.save_census(
            conn, form, year=THIS_YEAR, actor="t", member_uuid=None, enterprise_uuid=place["a8"]
        )
        assert rec != deleted
        rows = conn.execute(
            select(CensusRecord.uuid, CensusRecord.deleted).where(
                CensusRecord.enterprise_uuid == ent, CensusRecord.year == THIS_YEAR
            )
        ).all()
        assert sorted(rows, key=lambda r: r.deleted) == [(rec, False), (deleted, True)]
        # Two live records of one year are still refused.
        with pytest.raises(IntegrityError):
            with conn.begin_nested():
                Writer(conn, "t").insert(
                    "census_record",
                    {"enterprise_uuid": ent, "year": THIS_YEAR, "census_date": date(2026, 11, 20)},
                )
