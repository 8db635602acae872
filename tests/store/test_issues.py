"""The issue log at the store level: workflow, events, overdue, prefill, validation, lists."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, false, func, select

from gridwalker.domain import clock
from gridwalker.domain.choices import IssueCategory, IssueStatus, Role
from gridwalker.domain.workflow import (
    TRANSITIONS,
    IssueAction,
    TransitionError,
    allowed_actions,
    apply_action,
    is_overdue,
    requires_note,
)
from gridwalker.store import issues as store
from gridwalker.store.issues import IssueFilter, IssueInput, IssueInputError
from gridwalker.store.tables import (
    Building,
    Community,
    Device,
    Enterprise,
    Grid,
    Household,
    Issue,
    IssueEvent,
    Member,
    Visit,
)
from gridwalker.store.writes import Writer

S = IssueStatus
A = IssueAction
TODAY = date(2026, 11, 20)

# How to bring a freshly reported issue into each status (as a supervisor, who may do all).
PATH_TO: dict[IssueStatus, tuple[IssueAction, ...]] = {
    S.DRAFT: (),
    S.REPORTED: (),
    S.ACCEPTED: (A.ACCEPT,),
    S.DECLINED: (A.DECLINE,),
    S.IN_PROGRESS: (A.ACCEPT, A.START),
    S.RESOLVED: (A.ACCEPT, A.START, A.RESOLVE),
    S.VERIFIED: (A.ACCEPT, A.START, A.RESOLVE, A.VERIFY),
    S.CLOSED: (A.ACCEPT, A.START, A.RESOLVE, A.VERIFY, A.CLOSE),
    S.ON_HOLD: (A.ACCEPT, A.HOLD),
}


def changes(conn: Connection) -> int:
    """The device change counter (advances on every write)."""
    return conn.execute(select(Device.change_counter)).scalar_one()


def event_count(conn: Connection, issue_uuid: str) -> int:
    """Hand count of an issue's events."""
    stmt = select(func.count()).select_from(IssueEvent).where(IssueEvent.issue_uuid == issue_uuid)
    return conn.execute(stmt).scalar_one()


def status_of(conn: Connection, issue_uuid: str) -> str:
    """An issue's status, read directly."""
    return conn.execute(select(Issue.status).where(Issue.uuid == issue_uuid)).scalar_one()


def member(conn: Connection) -> str:
    """The demo laptop's member uuid."""
    return conn.execute(select(Member.uuid).order_by(Member.uuid).limit(1)).scalar_one()


def first_household(conn: Connection) -> str:
    """A live household of the demo grid."""
    stmt = select(Household.uuid).where(Household.deleted == false()).order_by(Household.uuid)
    return conn.execute(stmt.limit(1)).scalar_one()


def new_issue(
    conn: Connection, status: IssueStatus = S.REPORTED, due: date | None = None, **kw: object
) -> str:
    """A new issue from a household, brought into `status`."""
    data = IssueInput(
        category="noise",
        description="夜间施工噪音扰民",
        household_uuid=first_household(conn),
        due_date=due,
        **kw,  # type: ignore[arg-type]
    )
    uuid = store.log_issue(
        conn, data, actor="王网格", member_uuid=member(conn), draft=status is S.DRAFT
    )
    for action in PATH_TO[status]:
        who = "王网格" if action is A.RESOLVE else "网格长"  # another verifies (separation)
        store.transition(conn, uuid, action, role=Role.SUPERVISOR, actor=who, note="因为")
    assert status_of(conn, uuid) == status.value
    return uuid


# --- the state machine ----------------------------------------------------------------------

ALLOWED = [
    (t.action, source, role)
    for t in TRANSITIONS.values()
    for source in t.sources
    for role in sorted(t.roles)
]


@pytest.mark.parametrize(("action", "source", "role"), ALLOWED)
def test_every_allowed_transition_records_one_event(
    demo_engine: Engine, action: IssueAction, source: IssueStatus, role: Role
) -> None:
    with demo_engine.begin() as conn:
        uuid = new_issue(conn, source)
        before_events = event_count(conn, uuid)
        new = store.transition(
            conn, uuid, action, role=role, actor="李晓梅", note="已处理", member_uuid=member(conn)
        )
        held = {S.ON_HOLD: S.ACCEPTED}.get(source)
        expected = TRANSITIONS[action].target or held
        assert new is expected
        assert status_of(conn, uuid) == expected.value
        assert event_count(conn, uuid) == before_events + 1
        last = store.issue_timeline(conn, uuid)[-1]
        assert (last.action, last.from_status, last.to_status) == (action, source, expected)
        assert last.actor == member(conn) and last.who == "李晓梅"
        assert last.note == "已处理"


def test_every_other_pair_is_refused_and_writes_nothing(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        issues = {status: new_issue(conn, status) for status in IssueStatus}
        refused = 0
        for status, uuid in issues.items():
            for action in IssueAction:
                for role in Role:
                    if action in allowed_actions(status, role):
                        continue
                    counter, events = changes(conn), event_count(conn, uuid)
                    with pytest.raises(TransitionError) as err:
                        store.transition(conn, uuid, action, role=role, actor="x", note="n")
                    assert err.value.invalid.code in ("workflow.not_allowed", "workflow.role")
                    assert err.value.invalid.zh and err.value.invalid.en
                    assert changes(conn) == counter, (status, action, role)
                    assert event_count(conn, uuid) == events
                    assert status_of(conn, uuid) == status.value
                    refused += 1
        allowed = sum(len(allowed_actions(s, r)) for s in IssueStatus for r in Role)
        assert refused == len(IssueStatus) * len(IssueAction) * len(Role) - allowed


def test_member_may_not_decline_or_close(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        reported, verified = new_issue(conn, S.REPORTED), new_issue(conn, S.VERIFIED)
        for uuid, action in ((reported, A.DECLINE), (verified, A.CLOSE)):
            with pytest.raises(TransitionError) as err:
                store.transition(conn, uuid, action, role="member", actor="x", note="n")
            assert err.value.invalid.code == "workflow.role"


@pytest.mark.parametrize(("source", "action"), [(S.REPORTED, A.DECLINE), (S.RESOLVED, A.RETURN_)])
def test_decline_and_return_need_a_note(
    demo_engine: Engine, source: IssueStatus, action: IssueAction
) -> None:
    assert requires_note(action)
    with demo_engine.begin() as conn:
        uuid = new_issue(conn, source)
        counter = changes(conn)
        for note in ("", "   "):
            with pytest.raises(TransitionError) as err:
                store.transition(conn, uuid, action, role="supervisor", actor="x", note=note)
            assert err.value.invalid.code == "workflow.note_required"
        assert changes(conn) == counter and status_of(conn, uuid) == source.value
        store.transition(conn, uuid, action, role="supervisor", actor="x", note=" 不属职责 ")
        assert store.issue_timeline(conn, uuid)[-1].note == "不属职责"


@pytest.mark.parametrize("held_from", [S.ACCEPTED, S.IN_PROGRESS])
def test_hold_and_resume_return_to_the_held_from_status(
    demo_engine: Engine, held_from: IssueStatus
) -> None:
    with demo_engine.begin() as conn:
        uuid = new_issue(conn, held_from)
        assert store.transition(conn, uuid, A.HOLD, role="member", actor="x") is S.ON_HOLD
        assert store.issue_detail(conn, uuid).held_from is held_from
        assert store.transition(conn, uuid, A.RESUME, role="member", actor="x") is held_from
        detail = store.issue_detail(conn, uuid)
        assert detail.status is held_from and detail.held_from is None
        assert [e.to_status for e in detail.timeline[-2:]] == [S.ON_HOLD, held_from]


def test_a_draft_has_no_event_until_submitted(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        with clock.frozen(TODAY - timedelta(days=3)):
            uuid = new_issue(conn, S.DRAFT)
        assert event_count(conn, uuid) == 0
        assert store.issue_detail(conn, uuid).actions("member") == [A.SUBMIT]
        assert store.transition(conn, uuid, A.SUBMIT, role="member", actor="x") is S.REPORTED
        detail = store.issue_detail(conn, uuid)
        assert detail.reported_on == TODAY
        assert detail.due_date == TODAY + timedelta(days=15)  # the default moved with the report
        assert [(e.from_status, e.to_status) for e in detail.timeline] == [(S.DRAFT, S.REPORTED)]


def test_unknown_issue_action_and_role(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        uuid = new_issue(conn)
        with pytest.raises(store.IssueNotFound):
            store.transition(conn, "no-such-issue", A.ACCEPT, role="member", actor="x")
        for action, role in (("fly", "member"), ("accept", "mayor")):
            with pytest.raises(TransitionError) as err:
                store.transition(conn, uuid, action, role=role, actor="x")
            assert err.value.invalid.code == "workflow.unknown"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(list(IssueAction)), st.sampled_from(list(Role)), st.booleans()),
        max_size=25,
    ),
    draft=st.booleans(),
)
def test_random_action_sequences_keep_a_consistent_event_chain(
    demo_engine: Engine, steps: list[tuple[IssueAction, Role, bool]], draft: bool
) -> None:
    with demo_engine.connect() as conn:
        trans = conn.begin()
        try:
            uuid = new_issue(conn, S.DRAFT if draft else S.REPORTED)
            status, held_from = (S.DRAFT if draft else S.REPORTED), None
            for action, role, with_note in steps:
                note = "说明" if with_note else ""
                try:
                    expected = apply_action(status, action, role, held_from)
                except TransitionError:
                    expected = None
                if expected is not None and requires_note(action) and not note:
                    expected = None
                counter = changes(conn)
                who = "y" if action is A.VERIFY else "x"  # whoever resolved does not verify
                if expected is None:
                    with pytest.raises(TransitionError):
                        store.transition(conn, uuid, action, role=role, actor=who, note=note)
                    assert changes(conn) == counter
                    continue
                assert store.transition(conn, uuid, action, role=role, actor=who, note=note) is (
                    expected
                )
                held_from = (
                    status if action is A.HOLD else None if action is A.RESUME else held_from
                )
                status = expected
            timeline = store.issue_timeline(conn, uuid)
            assert len(timeline) == event_count(conn, uuid)
            previous = S.DRAFT if draft else None
            for event in timeline:
                assert event.from_status == previous
                if previous is not None:
                    assert previous in TRANSITIONS[event.action].sources
                previous = event.to_status
            last = timeline[-1].to_status if timeline else S.DRAFT
            assert status_of(conn, uuid) == last.value == status.value
        finally:
            trans.rollback()


# --- overdue --------------------------------------------------------------------------------


def test_overdue_across_the_due_date(demo_engine: Engine) -> None:
    due = TODAY + timedelta(days=5)
    with demo_engine.begin() as conn:
        uuid = new_issue(conn, S.IN_PROGRESS, due=due)
        mine = IssueFilter(overdue=True, mine=member(conn), category="noise")
        for day, expected in (
            (due - timedelta(days=1), False),
            (due, False),
            (due + timedelta(1), True),
        ):
            with clock.frozen(day):
                assert store.issue_detail(conn, uuid).overdue is expected, day
                rows = store.issue_page(conn, IssueFilter(mine=member(conn)), "due", 0, 1000)
                assert [r.overdue for r in rows if r.uuid == uuid] == [expected]
                listed = [r.uuid for r in store.issue_page(conn, mine, "due", 0, 1000)]
                assert (uuid in listed) is expected
                assert store.issue_count(conn, mine) == len(listed)


@pytest.mark.parametrize("status", [S.RESOLVED, S.VERIFIED, S.CLOSED, S.DECLINED, S.DRAFT])
def test_done_and_draft_issues_are_never_overdue(demo_engine: Engine, status: IssueStatus) -> None:
    with demo_engine.begin() as conn:
        uuid = new_issue(conn, status, due=TODAY)
        with clock.frozen(TODAY + timedelta(days=60)):
            assert store.issue_detail(conn, uuid).overdue is False
            assert uuid not in {
                r.uuid for r in store.issue_page(conn, IssueFilter(overdue=True), "due", 0, 500)
            }


def test_sql_overdue_agrees_with_the_domain_for_every_demo_issue(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        for day in (TODAY, TODAY - timedelta(days=90), TODAY + timedelta(days=30)):
            with clock.frozen(day):
                rows = store.issue_page(conn, IssueFilter(), "age", 0, 1000)
                assert len(rows) == conn.execute(select(func.count()).select_from(Issue)).scalar()
                for r in rows:
                    assert r.overdue == is_overdue(r.status, r.due_date, day)
                    assert r.age_days == (day - r.reported_on).days


# --- logging and prefill --------------------------------------------------------------------


def household_place(conn: Connection, household_uuid: str) -> tuple[str, str, str]:
    """(expected place text, building uuid, grid uuid) of a household, by direct query."""
    row = conn.execute(
        select(
            Community.name, Building.name, Household.unit, Household.room, Building.uuid, Grid.uuid
        )
        .join(Building, Building.uuid == Household.building_uuid)
        .join(Grid, Grid.uuid == Building.grid_uuid)
        .join(Community, Community.uuid == Grid.community_uuid)
        .where(Household.uuid == household_uuid)
    ).one()
    return f"{row[0]}·{row[1]} {row[2]}单元 {row[3]}", row[4], row[5]


def test_logging_from_a_household_prefills_the_place(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        hh = first_household(conn)
        text, building, grid = household_place(conn, hh)
        pre = store.place_prefill(conn, household_uuid=hh)
        assert (pre.place, pre.building_uuid, pre.grid_uuid) == (text, building, grid)
        assert "单元" in pre.place and "·" in pre.place
        uuid = store.log_issue(
            conn,
            IssueInput("repairs", "楼道灯坏了", household_uuid=hh),
            actor="x",
            member_uuid=None,
        )
        detail = store.issue_detail(conn, uuid)
        assert (detail.place, detail.household_address) == (text, text)
        assert (detail.building_uuid, detail.grid_uuid) == (building, grid)


def test_logging_from_an_enterprise_prefills_the_place(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        ent = conn.execute(
            select(
                Enterprise.uuid,
                Enterprise.name,
                Enterprise.floor,
                Enterprise.room,
                Building.uuid.label("building_uuid"),
                Building.name.label("building"),
                Building.grid_uuid,
            )
            .join(Building, Building.uuid == Enterprise.building_uuid)
            .where(Enterprise.floor.is_not(None), Enterprise.room.is_not(None))
            .limit(1)
        ).one()
        pre = store.place_prefill(conn, enterprise_uuid=ent.uuid)
        assert pre.place == f"{ent.building} {ent.floor}层 {ent.room} {ent.name}"
        assert (pre.building_uuid, pre.grid_uuid, pre.enterprise_uuid) == (
            ent.building_uuid,
            ent.grid_uuid,
            ent.uuid,
        )
        data = IssueInput(
            "fire_hazard", "消防通道堵塞", reporter_kind="enterprise", enterprise_uuid=ent.uuid
        )
        detail = store.issue_detail(
            conn, store.log_issue(conn, data, actor="x", member_uuid=member(conn))
        )
        assert detail.place == pre.place and detail.enterprise_name == ent.name
        assert detail.building_name == ent.building and detail.household_uuid is None


def test_logging_from_a_building_prefills_the_place(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        b = conn.execute(
            select(Building.uuid, Building.name, Building.grid_uuid, Community.name.label("c"))
            .join(Grid, Grid.uuid == Building.grid_uuid)
            .join(Community, Community.uuid == Grid.community_uuid)
            .order_by(Building.seq)
            .limit(1)
        ).one()
        pre = store.place_prefill(conn, building_uuid=b.uuid)
        assert (pre.place, pre.grid_uuid) == (f"{b.c}·{b.name}", b.grid_uuid)
        uuid = store.log_issue(
            conn,
            IssueInput("parking", "车辆乱停", building_uuid=b.uuid),
            actor="x",
            member_uuid=None,
        )
        assert store.issue_detail(conn, uuid).place == f"{b.c}·{b.name}"


def test_logging_from_the_visit_form_prefills_the_place(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        visit, hh = conn.execute(select(Visit.uuid, Visit.household_uuid).limit(1)).one()
        text, building, grid = household_place(conn, hh)
        pre = store.place_prefill(conn, visit_uuid=visit)
        assert (pre.place, pre.household_uuid, pre.visit_uuid) == (text, hh, visit)
        data = IssueInput("welfare", "独居老人需要助餐", visit_uuid=visit, urgency="urgent")
        uuid = store.log_issue(conn, data, actor="x", member_uuid=member(conn))
        detail = store.issue_detail(conn, uuid)
        assert (detail.visit_uuid, detail.household_uuid, detail.place) == (visit, hh, text)
        assert detail.due_date == TODAY + timedelta(days=3)  # urgent default
        assert [(e.action, e.from_status, e.to_status) for e in detail.timeline] == [
            (A.SUBMIT, None, S.REPORTED)
        ]


def test_logged_issue_fields_and_defaults(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        me = member(conn)
        data = IssueInput(
            "噪音扰民",
            "  夜间施工\n第二行  ",
            place="江边小广场",
            reporter_name=" 王芳 ",
            people_affected=0,
        )
        uuid = store.log_issue(conn, data, actor="李晓梅", member_uuid=me)
        detail = store.issue_detail(conn, uuid)
        assert detail.category is IssueCategory.NOISE  # labels are accepted, codes stored
        assert detail.description == "夜间施工\n第二行" and detail.reporter_name == "王芳"
        assert detail.place == "江边小广场" and detail.household_uuid is None
        assert detail.status is S.REPORTED and detail.reported_on == TODAY
        assert detail.due_date == TODAY + timedelta(days=15)
        assert detail.grid_uuid == conn.execute(select(Member.grid_uuid)).scalar()  # member's grid
        assert detail.logged_by == me and detail.logged_by_name
        assert detail.timeline[0].who == detail.logged_by_name
        row = store.issue_page(conn, IssueFilter(mine=me), "age", 0, 1)[0]
        assert row.uuid == uuid and row.summary == "夜间施工" and row.age_days == 0


BAD_INPUTS = [
    ("description", {"description": "  "}, "issue.description_empty"),
    ("category", {"category": "ufo"}, "issue.category"),
    ("urgency", {"urgency": "yesterday"}, "issue.urgency"),
    ("reporter_kind", {"reporter_kind": "alien"}, "issue.reporter_kind"),
    ("people_affected", {"people_affected": -1}, "issue.people_negative"),
    ("people_affected", {"people_affected": "many"}, "issue.people_not_number"),
    ("due_date", {"due_date": TODAY - timedelta(days=1)}, "issue.due_past"),
    ("household_uuid", {"household_uuid": "nope"}, "issue.place_missing"),
    ("enterprise_uuid", {"enterprise_uuid": "nope"}, "issue.place_missing"),
    ("building_uuid", {"building_uuid": "nope"}, "issue.place_missing"),
    ("visit_uuid", {"visit_uuid": "nope"}, "issue.place_missing"),
    ("grid_uuid", {"grid_uuid": "nope"}, "issue.place_missing"),
    ("place", {"place": "", "household_uuid": None}, "issue.place_empty"),
]


@pytest.mark.parametrize(
    ("field", "change", "code"), BAD_INPUTS, ids=[b[2] + "-" + b[0] for b in BAD_INPUTS]
)
def test_invalid_input_names_its_field_and_writes_nothing(
    demo_engine: Engine, field: str, change: dict, code: str
) -> None:
    with demo_engine.begin() as conn:
        good = IssueInput("noise", "噪音", household_uuid=first_household(conn), place="")
        data = replace(good, **change)
        counter, issues = (
            changes(conn),
            conn.execute(select(func.count()).select_from(Issue)).scalar(),
        )
        with pytest.raises(IssueInputError) as err:
            store.log_issue(conn, data, actor="x", member_uuid=None)
        assert set(err.value.problems) == {field}
        reason = err.value.problems[field]
        assert reason.code == code and reason.zh and reason.en
        assert changes(conn) == counter
        assert conn.execute(select(func.count()).select_from(Issue)).scalar() == issues


def test_places_that_contradict_each_other_are_refused(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        hh = first_household(conn)
        _, building, _ = household_place(conn, hh)
        other = conn.execute(
            select(Building.uuid).where(Building.uuid != building).limit(1)
        ).scalar()
        visit = conn.execute(select(Visit.uuid).where(Visit.household_uuid != hh).limit(1)).scalar()
        for change, field in (
            ({"building_uuid": other}, "building_uuid"),
            ({"visit_uuid": visit}, "visit_uuid"),
        ):
            data = replace(IssueInput("noise", "噪音", household_uuid=hh), **change)
            with pytest.raises(IssueInputError) as err:
                store.log_issue(conn, data, actor="x", member_uuid=None)
            assert err.value.problems[field].code == "issue.place_mismatch"
        with pytest.raises(IssueInputError) as err:
            store.place_prefill(conn, household_uuid="nope")
        assert err.value.problems["household_uuid"].code == "issue.place_missing"


# --- lists and counts -----------------------------------------------------------------------


def hand_rows(conn: Connection) -> list:
    """Every live issue, read directly (the demo laptop holds ~150)."""
    return list(conn.execute(select(Issue).where(Issue.deleted == false())))


def test_list_filters_match_hand_counts(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        me = member(conn)
        new_issue(conn, S.ACCEPTED)  # at least one issue logged by the member through the store
        rows = hand_rows(conn)
        building = rows[0].building_uuid
        household = next(r.household_uuid for r in rows if r.household_uuid)
        enterprise = next(r.enterprise_uuid for r in rows if r.enterprise_uuid)
        cases = [
            (IssueFilter(), lambda r: True),
            (
                IssueFilter(statuses=frozenset({"reported", "on_hold"})),
                lambda r: r.status in ("reported", "on_hold"),
            ),
            (IssueFilter(category="elevator"), lambda r: r.category == "elevator"),
            (IssueFilter(building_uuid=building), lambda r: r.building_uuid == building),
            (IssueFilter(household_uuid=household), lambda r: r.household_uuid == household),
            (IssueFilter(enterprise_uuid=enterprise), lambda r: r.enterprise_uuid == enterprise),
            (IssueFilter(overdue=True), lambda r: is_overdue(r.status, r.due_date, TODAY)),
            (IssueFilter(mine=me), lambda r: r.logged_by == me),
            (IssueFilter(open_only=True), lambda r: S(r.status).is_open),
            (
                IssueFilter(due_within_days=7),
                lambda r: (
                    not S(r.status).is_done_for_overdue
                    and r.status != "draft"
                    and TODAY <= r.due_date <= TODAY + timedelta(days=7)
                ),
            ),
            (
                IssueFilter(category="noise", overdue=True, mine=me),
                lambda r: (
                    r.category == "noise"
                    and r.logged_by == me
                    and is_overdue(r.status, r.due_date, TODAY)
                ),
            ),
        ]
        for flt, keep in cases:
            expected = {r.uuid for r in rows if keep(r)}
            assert expected or flt.category == "noise", flt  # most filters select something
            assert store.issue_count(conn, flt) == len(expected), flt
            assert {r.uuid for r in store.issue_page(conn, flt, "due", 0, 1000)} == expected, flt


def test_sorting_and_paging(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        undated = new_issue(conn)
        conn.execute(Issue.__table__.update().where(Issue.uuid == undated).values(due_date=None))
        flt = IssueFilter()
        total = store.issue_count(conn, flt)
        for sort in ("due", "age"):
            paged = []
            for offset in range(0, total, 25):
                paged += store.issue_page(conn, flt, sort, offset, 25)
            assert len(paged) == total == len({r.uuid for r in paged})
            assert paged == store.issue_page(conn, flt, sort, 0, total)
            if sort == "due":
                dated = [r.due_date for r in paged if r.due_date is not None]
                assert dated == sorted(dated) and paged[-1].uuid == undated
            else:
                days = [r.reported_on for r in paged]
                assert days == sorted(days, reverse=True)
        with pytest.raises(ValueError):
            store.issue_page(conn, flt, "size", 0, 10)  # type: ignore[arg-type]


def test_status_counts_match_a_group_by(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        rows = hand_rows(conn)
        counts = store.status_counts(conn, IssueFilter(statuses=frozenset({"closed"})))
        assert set(counts) == {s.value for s in IssueStatus}
        for status in IssueStatus:
            assert counts[status.value] == sum(r.status == status.value for r in rows)
        elevator = store.status_counts(conn, IssueFilter(category="elevator"))
        assert sum(elevator.values()) == sum(r.category == "elevator" for r in rows)


def test_today_counts(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        new_issue(conn, S.ACCEPTED, due=TODAY + timedelta(days=7))  # due this week, the last day
        new_issue(conn, S.ACCEPTED, due=TODAY + timedelta(days=8))  # not this week
        rows = hand_rows(conn)
        grid = conn.execute(select(Grid.uuid)).scalar()
        counts = store.today_counts(conn, grid)
        assert counts == store.today_counts(conn)  # the laptop holds one grid
        assert counts.open == sum(S(r.status).is_open for r in rows)
        assert counts.overdue == sum(is_overdue(r.status, r.due_date, TODAY) for r in rows)
        live = [r for r in rows if r.status in store.OVERDUE_CAPABLE]
        week = sum(TODAY <= r.due_date <= TODAY + timedelta(days=7) for r in live)
        assert counts.due_this_week == week and week >= 1
        for name, flt in store.today_filters(grid).items():
            assert store.issue_count(conn, flt) == getattr(counts, name)
        assert store.today_counts(conn, "another-grid") == store.TodayCounts(0, 0, 0)


def test_issue_detail_of_a_demo_issue(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        uuid = conn.execute(
            select(Issue.uuid)
            .where(Issue.status == "closed", Issue.household_uuid.is_not(None))
            .order_by(Issue.uuid)
            .limit(1)
        ).scalar_one()
        detail = store.issue_detail(conn, uuid)
        assert detail.community_name and detail.grid_code and detail.building_name
        assert detail.household_address and detail.household_address.startswith(
            detail.community_name + "·"
        )
        times = [e.at for e in detail.timeline]
        assert times == sorted(times) and detail.timeline[0].action is A.SUBMIT
        assert detail.timeline[-1].to_status is S.CLOSED
        assert {e.who for e in detail.timeline} <= {detail.logged_by_name, "supervisor"}
        for role in Role:
            assert detail.actions(role) == allowed_actions(S.CLOSED, role) == []
        with pytest.raises(store.IssueNotFound):
            store.issue_detail(conn, "missing")


def test_resolve_issue_by_prefix(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        uuid = new_issue(conn)
        assert store.resolve_issue(conn, uuid) == uuid
        assert store.resolve_issue(conn, uuid[:8].upper()) == uuid
        writer = Writer(conn, "x")
        base = {"category": "noise", "description": "d", "reported_on": TODAY}
        writer.insert("issue", base, uuid="abcdef01-0000-4000-8000-000000000000")
        writer.insert("issue", base, uuid="abcdef02-0000-4000-8000-000000000000")
        for text, code in (
            ("abcde", "issue.prefix_short"),
            ("abcdef", "issue.ambiguous"),
            ("ffffff99", "issue.not_found"),
        ):
            with pytest.raises(store.IssueNotFound) as err:
                store.resolve_issue(conn, text)
            assert err.value.invalid.code == code
        assert store.resolve_issue(conn, "abcdef02").startswith("abcdef02")


def test_whoever_resolved_an_issue_does_not_verify_it(demo_engine: Engine) -> None:
    """Separation of duties: 已核查 needs someone else than who resolved it."""
    with demo_engine.begin() as conn:
        uuid = new_issue(conn, S.IN_PROGRESS)
        me = member(conn)
        store.transition(conn, uuid, A.RESOLVE, role=Role.MEMBER, actor="李晓梅", member_uuid=me)
        counter = changes(conn)
        with pytest.raises(TransitionError, match="someone else checks it"):
            store.transition(conn, uuid, A.VERIFY, role=Role.MEMBER, actor="李晓梅", member_uuid=me)
        assert changes(conn) == counter and status_of(conn, uuid) == S.RESOLVED.value
        store.transition(conn, uuid, A.VERIFY, role=Role.SUPERVISOR, actor="网格长")
        assert status_of(conn, uuid) == S.VERIFIED.value
