"""Pilot tests of the visit form: a full visit, drafts that survive closing, refusals, walking on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import RadioSet, SelectionList, TextArea

from gridwalker.domain import clock
from gridwalker.domain.forms import VisitInput
from gridwalker.domain.masking import mask_id
from gridwalker.domain.validators import make_resident_id
from gridwalker.store import rounds
from gridwalker.store.tables import Visit
from gridwalker.tui.common.dialogs import Ask
from gridwalker.tui.field.app import GridwalkerApp
from gridwalker.tui.field.drafts_offer import DraftsOffer, offer_drafts
from gridwalker.tui.field.household import HouseholdScreen
from gridwalker.tui.field.resident import ResidentForm
from gridwalker.tui.field.visit import VisitScreen
from tests.support.apps import SIZE, make_app, screen_text, settle
from tests.tui.field.test_household import (
    TODAY,
    change_counter,
    grid_of,
    household,
    open_household,
    read,
    type_into,
    words_of,
)

CONCERNS = "楼道灯坏了，老人晚上出门不方便。"


async def open_visit(pilot: Pilot[None], uuid: str) -> VisitScreen:
    """Open a household, then its visit form (v), and wait for its roster."""
    await open_household(pilot, uuid)
    await pilot.press("v")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, VisitScreen)
    return screen


async def choose_outcome(pilot: Pilot[None], code: str) -> None:
    """Pick an outcome in the radio set with the keyboard."""
    radios = pilot.app.screen.query_one("#outcome", RadioSet)
    radios.focus()
    codes = [(b.id or "").removeprefix("outcome-") for b in radios.query("RadioButton")]
    await pilot.press("home")
    for _step in range(codes.index(code)):
        await pilot.press("down")
    await pilot.press("enter")
    await pilot.pause()


async def tick_resident(pilot: Pilot[None], index: int) -> None:
    """Tick a resident in the residents-seen list with the keyboard."""
    seen = pilot.app.screen.query_one("#residents_seen", SelectionList)
    seen.focus()
    seen.highlighted = index
    await pilot.press("space")
    await pilot.pause()


async def write_concerns(pilot: Pilot[None], text: str) -> None:
    """Type into the concerns box (as an input method commits a phrase)."""
    area = pilot.app.screen.query_one("#concerns", TextArea)
    area.focus()
    area.insert(text)
    await pilot.pause()


def latest_visit(db: Path, uuid: str) -> dict[str, Any]:
    """The household's newest visit row, column by column."""
    table = Visit.__table__  # type: ignore[attr-defined]
    stmt = select(table).where(table.c.household_uuid == uuid).order_by(table.c.visited_at.desc())
    return read(db, lambda conn: dict(conn.execute(stmt).mappings().first() or {}))


def draft_of(db: Path, uuid: str) -> rounds.DraftRow | None:
    """The household's waiting visit draft."""
    return read(db, lambda conn: rounds.load_draft(conn, rounds.visit_draft_key(uuid)))


async def test_complete_visit_with_a_roster_change(demo_db: Path) -> None:
    uuid = household(demo_db, "302")
    people = read(demo_db, lambda conn: rounds.residents_of(conn, uuid))
    child_id = make_resident_id("420103", date(2016, 3, 8), 45, "male")
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        visit = await open_visit(pilot, uuid)
        await choose_outcome(pilot, "roster_updated")
        await tick_resident(pilot, 0)
        await pilot.press("a")  # a resident met at the door, added during the visit
        await settle(pilot)
        assert isinstance(app.screen, ResidentForm)
        await type_into(pilot, "#name", "邓小宝")
        await type_into(pilot, "#id_number", child_id)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is visit
        assert "新增 邓小宝" in screen_text(app)
        await write_concerns(pilot, CONCERNS)
        await type_into(pilot, "#follow_up", "2026-11-27")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert visit.saved
        assert "走访已保存" in screen_text(app)
        row = latest_visit(demo_db, uuid)
        assert row["visited_on"] == TODAY
        added = next(
            p
            for p in read(demo_db, lambda conn: rounds.residents_of(conn, uuid))
            if p.name == "邓小宝"
        )
        assert row["outcome"] == "roster_updated"
        assert row["residents_seen"] == [people[0].uuid]
        assert row["concerns"] == CONCERNS
        assert row["follow_up"] == date(2026, 11, 27)
        assert row["roster_changes"] == [{"op": "add", "resident": added.uuid, "name": "邓小宝"}]
        assert draft_of(demo_db, uuid) is None
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        shown = screen_text(app)
        assert "邓小宝" in shown and mask_id(child_id) in shown and child_id not in shown
        history = [line for line in shown.splitlines() if "2026-" in line and "│" in line]
        top = next(line for line in history if "信息已更新" in line or "李晓梅" in line)
        assert "2026-11-20" in top and "信息已更新" in top and "楼道灯坏了" in top


async def test_a_draft_survives_closing_and_comes_back_exactly(demo_db: Path) -> None:
    uuid = household(demo_db, "302")
    first = read(demo_db, lambda conn: rounds.residents_of(conn, uuid))[0]
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        visit = await open_visit(pilot, uuid)
        await choose_outcome(pilot, "request")
        assert visit.log_issue_hint_visible
        assert "有诉求：保存走访后" in screen_text(app)
        await tick_resident(pilot, 0)
        await write_concerns(pilot, CONCERNS)
        await type_into(pilot, "#follow_up", "2026-12-01")
        typed = visit.form_data()
        # Leave at once, without Ctrl+S: the last change is not lost.
    expected = VisitInput(
        outcome="request",
        residents_seen=[first.uuid],
        concerns=CONCERNS,
        follow_up="2026-12-01",
    )
    assert typed == expected
    draft = draft_of(demo_db, uuid)
    assert draft is not None
    assert rounds.visit_from_payload(draft.payload) == (expected, [])
    assert draft.title == "邮三社区·1栋 1单元 302"

    again = make_app(demo_db, signed_in=True)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the next start offers the draft back by itself
        assert isinstance(again.screen, DraftsOffer)
        assert len(again.screen_stack) == 2  # offered once, over Today
        assert "邮三社区·1栋 1单元 302" in screen_text(again)
        await pilot.press("enter")
        await settle(pilot)
        restored = again.screen
        assert isinstance(restored, VisitScreen)
        assert restored.form_data() == expected
        shown = screen_text(again)
        assert CONCERNS in shown and "2026-12-01" in shown and "已从草稿恢复" in shown
        assert restored.log_issue_hint_visible
        assert restored.query_one("#outcome", RadioSet).pressed_button.id == "outcome-request"


async def test_every_change_is_drafted_while_the_form_is_open(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(VisitScreen, "draft_pause", 0)
    uuid = household(demo_db, "302")
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        visit = await open_visit(pilot, uuid)
        assert draft_of(demo_db, uuid) is None  # opening alone writes nothing
        await choose_outcome(pilot, "refused")
        await settle(pilot)
        draft = draft_of(demo_db, uuid)
        assert draft is not None and draft.payload == visit.draft_payload()
        await write_concerns(pilot, "不愿开门")
        await settle(pilot)
        draft = draft_of(demo_db, uuid)
        assert draft is not None and draft.payload == visit.draft_payload()
        assert draft.payload["visit"]["concerns"] == "不愿开门"


async def test_drafts_offer_discards_after_asking(demo_db: Path) -> None:
    uuid = household(demo_db, "302")
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_visit(pilot, uuid)
        await write_concerns(pilot, CONCERNS)
    assert draft_of(demo_db, uuid) is not None
    again = make_app(demo_db, signed_in=True)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the app offers waiting drafts by itself at start
        assert isinstance(again.screen, DraftsOffer)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(again.screen, Ask)
        await pilot.press("y")
        await settle(pilot)
        assert not isinstance(again.screen, DraftsOffer | Ask)
        offer_drafts(again)  # nothing waits now: nothing is offered
        await settle(pilot)
        assert not isinstance(again.screen, DraftsOffer)
    assert draft_of(demo_db, uuid) is None


INVALID_VISITS = {
    "follow-up in the past": ("visited", None, "2026-11-01", "follow_up", "回访日期不能早于今天"),
    "follow-up not a date": (
        "visited",
        None,
        "2026-13-01",
        "follow_up",
        "回访日期 2026-13-01 无法识别，请按 YYYY-MM-DD 填写",
    ),
    "nobody home, yet someone seen": (
        "nobody_home",
        0,
        "",
        "residents_seen",
        "“无人在家”时不能勾选见到的人员",
    ),
}


@pytest.mark.parametrize("case", list(INVALID_VISITS))
async def test_an_invalid_visit_is_refused_with_its_reason(demo_db: Path, case: str) -> None:
    outcome, seen, follow_up, field, message = INVALID_VISITS[case]
    uuid = household(demo_db, "302")
    before = change_counter(demo_db)
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        visit = await open_visit(pilot, uuid)
        await choose_outcome(pilot, outcome)
        if seen is not None:
            await tick_resident(pilot, seen)
        if follow_up:
            await type_into(pilot, "#follow_up", follow_up)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is visit and not visit.saved
        assert words_of(visit.query_one(f"#err-{field}")) == message.replace(" ", "")
        assert app.focused is visit.query_one(f"#{field}")
        assert "未保存：请先改正标出的字段。" in screen_text(app)
    assert change_counter(demo_db) == before
    row = latest_visit(demo_db, uuid)
    assert row["visited_on"] < TODAY


async def test_escape_with_unsaved_changes_asks_first(demo_db: Path) -> None:
    uuid = household(demo_db, "302")
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        visit = await open_visit(pilot, uuid)
        await pilot.press("escape")  # nothing typed: leaves at once
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        await pilot.press("v")
        await settle(pilot)
        visit = app.screen
        assert isinstance(visit, VisitScreen)
        await write_concerns(pilot, CONCERNS)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, Ask)
        shown = screen_text(app)
        assert "这次走访还没有保存。" in shown
        assert "保留草稿并离开" in shown and "放弃草稿并离开" in shown and "留在此页" in shown
        await pilot.press("s")  # stay
        await pilot.pause()
        assert app.screen is visit
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("k")  # keep the draft and leave
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        draft = draft_of(demo_db, uuid)
        assert draft is not None and draft.payload["visit"]["concerns"] == CONCERNS
        assert "有一份未保存的走访草稿" in screen_text(app)
        await pilot.press("v")  # the draft comes back…
        await settle(pilot)
        assert isinstance(app.screen, VisitScreen)
        assert app.screen.form_data().concerns == CONCERNS
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("d")  # …and can be thrown away
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
    assert draft_of(demo_db, uuid) is None


async def test_n_after_saving_walks_on_to_the_next_unvisited(demo_db: Path) -> None:
    uuid = household(demo_db, "302")
    grid = grid_of(demo_db)
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_visit(pilot, uuid)
        depth = len(app.screen_stack)
        await pilot.press("n")  # not before saving
        await pilot.pause()
        assert isinstance(app.screen, VisitScreen)
        await tick_resident(pilot, 0)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "n 下一户未走访" in screen_text(app)
        expected = read(demo_db, lambda conn: rounds.next_unvisited(conn, grid, uuid))
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household_uuid == expected != uuid
        assert len(app.screen_stack) == depth - 1  # the visit and its household were replaced
        info = read(demo_db, lambda conn: rounds.household_info(conn, expected))
        assert info.address in screen_text(app)


# --- snapshots -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_visit_form_snapshot(snap_compare: Callable[..., bool], demo_db: Path, lang: str) -> None:
    uuid = household(demo_db, "402")  # two residents, one with care tags
    app: GridwalkerApp = make_app(demo_db, lang, signed_in=True)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_visit(pilot, uuid)

    with clock.frozen(TODAY):
        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
