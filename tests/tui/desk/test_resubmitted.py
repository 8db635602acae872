"""The desk on a resubmitted record (a new revision of a returned one): marked 重新提交, the
earlier comment, the changes against the returned version; and the record view in words:
names and places for uuids, 无 for empty care data, no `{}` and no English in Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Static

from gridwalker.domain.choices import ReviewState
from gridwalker.store.desk.queue import QueueFilter, queue_page
from gridwalker.store.desk.records import record_detail
from gridwalker.store.tables import Household, Member, Resident, Visit
from gridwalker.tui.desk.queue import QueueScreen
from gridwalker.tui.desk.record import RecordScreen
from tests.support.apps import SIZE, make_desk_app, press, settle, text_of
from tests.support.laptops import Field
from tests.support.scenes import RESUBMITTED_CONCERNS, RETURN_COMMENT, BusyDesk, resubmit

RESUBMITTED = frozenset({ReviewState.CORRECTED.value})


def test_a_resubmission_keeps_the_return_and_diffs_against_the_returned_version(
    busy_desk: BusyDesk, field_a: Field
) -> None:
    uuid = resubmit(busy_desk, field_a)
    with busy_desk.desk.engine.connect() as conn:
        rows = queue_page(conn, QueueFilter(states=RESUBMITTED), 0, 10)
        detail = record_detail(conn, "visit", uuid)
    assert [r.uuid for r in rows] == [uuid] and rows[0].state.zh == "重新提交"
    assert detail.returned is not None and detail.returned.comment == RETURN_COMMENT
    assert detail.returned.rev != detail.record["rev"]
    assert [(c.field, c.after) for c in detail.changes] == [("concerns", RESUBMITTED_CONCERNS)]


async def open_resubmitted(pilot: Pilot[None]) -> None:
    """From the queue, the resubmitted record."""
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, QueueScreen)
    screen.refilter(QueueFilter(states=RESUBMITTED))
    await settle(pilot)
    await press(pilot, "enter")


async def test_the_record_view_says_names_and_places_in_chinese(
    busy_desk: BusyDesk, field_a: Field
) -> None:
    uuid = resubmit(busy_desk, field_a)
    with field_a.engine.connect() as conn:
        visit = conn.execute(select(Visit).where(Visit.uuid == uuid)).one()
        seen = conn.execute(
            select(Resident.name).where(Resident.uuid.in_(visit.residents_seen))
        ).scalars()
        member = conn.execute(select(Member.name).where(Member.uuid == visit.member_uuid)).scalar()
        room = conn.execute(
            select(Household.room).where(Household.uuid == visit.household_uuid)
        ).scalar_one()
    app = make_desk_app(busy_desk.desk)
    async with app.run_test(size=SIZE) as pilot:
        await open_resubmitted(pilot)
        screen = app.screen
        assert isinstance(screen, RecordScreen)
        fields = text_of(screen.query_one("#record-fields", Static))
        head = text_of(screen.query_one("#record-head", Static))
        decisions = text_of(screen.query_one("#record-decisions", Static))
    for uuid_like in (visit.household_uuid, visit.member_uuid, *visit.residents_seen):
        if uuid_like:
            assert uuid_like[:8] not in fields
    assert room in fields
    if member:
        assert member in fields
    for name in seen:
        assert name in fields
    if not visit.care_checks:
        assert re.search(r"关爱情况\s+无", fields)
    everything = fields + head + decisions
    assert "{}" not in everything and "[]" not in everything
    # No English words in the Chinese UI (device ids, rev numbers and codes aside).
    words = set(re.findall(r"[A-Za-z]{3,}", everything)) - {"lap"}
    assert words == set(), words
    assert "重新提交" in head and RETURN_COMMENT in head and "已退回" in decisions


def test_snapshot_resubmitted_record(
    snap_compare: Callable[..., bool], busy_desk: BusyDesk, field_a: Field
) -> None:
    """The desk's view of a resubmitted record (a screenshot of issue #13 §3)."""
    resubmit(busy_desk, field_a)
    assert snap_compare(
        make_desk_app(busy_desk.desk), terminal_size=SIZE, run_before=open_resubmitted
    )


@pytest.mark.parametrize("entity", ["visit", "household", "resident", "census_record", "issue"])
async def test_every_kind_of_record_reads_in_chinese(busy_desk: BusyDesk, entity: str) -> None:
    with busy_desk.desk.engine.connect() as conn:
        rows = queue_page(conn, QueueFilter(entity=entity, states=frozenset()), 0, 50)
    assert rows
    app = make_desk_app(busy_desk.desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = []
        for row in rows[:12]:
            app.push_screen(RecordScreen(entity, row.uuid))
            await settle(pilot)
            screen = app.screen
            shown.append(
                "\n".join(
                    text_of(screen.query_one(f"#record-{part}", Static))
                    for part in ("head", "fields", "changes", "revisions", "decisions")
                )
            )
            assert screen.detail is not None
            fields = text_of(screen.query_one("#record-fields", Static))
            for name, value in screen.detail.record.items():
                if name.endswith("_uuid") and name != "uuid" and value:
                    assert value[:8] not in fields, (name, value)  # a name or a place instead
            await press(pilot, "escape")
    everything = "\n".join(shown)
    assert "{}" not in everything and "[]" not in everything
    # Data aside (device ids lap-…, the demo street's rows written by "demo"): no English.
    words = set(re.findall(r"\b[A-Za-z]{3,}\b", everything)) - {"lap", "demo"}
    assert words == set(), words
