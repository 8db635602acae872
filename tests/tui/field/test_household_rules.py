"""Pilot tests of the household rules: one 本人 per household on the resident form, the care
tags that follow from the facts (offered with a key, flagged when stale, never changed
silently), and moving out with a day and where to. A refusal writes nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from textual.widgets import DataTable, Input, Select, SelectionList

from gridwalker.domain.forms import ResidentInput
from gridwalker.store import rounds
from gridwalker.store.tables import Household
from gridwalker.tui.field.household import HouseholdScreen
from gridwalker.tui.field.move_out import MoveOutDialog
from gridwalker.tui.field.resident import ResidentForm
from tests.support.apps import SIZE, make_app, press, screen_text
from tests.tui.field.test_household import change_counter, open_household, read, type_into, words_of


def write(db: Path, fn) -> object:
    from gridwalker.store.migrate import open_database

    engine = open_database(db)
    try:
        with engine.begin() as conn:
            return fn(conn)
    finally:
        engine.dispose()


def family(db: Path) -> tuple[str, rounds.ResidentRow, rounds.ResidentRow]:
    """A demo household with its head first and one other present resident."""

    def find(conn) -> tuple[str, rounds.ResidentRow, rounds.ResidentRow]:
        for hh in conn.execute(select(Household.uuid).order_by(Household.uuid)).scalars():
            people = [r for r in rounds.residents_of(conn, hh) if not r.moved_out]
            if len(people) >= 2 and people[0].relation == "self" and people[1].relation != "self":
                return hh, people[0], people[1]
        raise AssertionError("no family")

    return read(db, find)


def single(db: Path) -> tuple[str, rounds.ResidentRow]:
    """A demo household where one resident lives alone."""

    def find(conn) -> tuple[str, rounds.ResidentRow]:
        for hh in conn.execute(select(Household.uuid).order_by(Household.uuid)).scalars():
            people = rounds.residents_of(conn, hh)
            if len(people) == 1:
                return hh, people[0]
        raise AssertionError("no single")

    return read(db, find)


def restate(db: Path, uuid: str, birth: str, tags: list[str]) -> None:
    """Give a resident a birth date (no ID number) and tags, as a write elsewhere would."""

    def change(conn) -> None:
        row = rounds.resident_row(conn, uuid)
        data = row.as_input()
        data.id_number, data.birth_date, data.care_tags = "", birth, tags
        rounds.update_resident(conn, "t", uuid, data)

    write(db, change)


async def test_a_second_head_is_refused_next_to_the_relation(demo_db: Path) -> None:
    hh, head, _other = family(demo_db)
    before = change_counter(demo_db)
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_household(pilot, hh)
        await press(pilot, "a")
        form = app.screen
        assert isinstance(form, ResidentForm)
        relation = form.query_one("#relation", Select)
        assert relation.value == "other"  # the household has its head: not a second by default
        await type_into(pilot, "#name", "李四")
        relation.value = "self"
        await pilot.pause()
        reason = f"本户已有本人（户主）：{head.name}。每户只能有一位本人，请选择与户主的其他关系"
        error = form.query_one("#err-relation")
        assert error.display and words_of(error) == reason.replace(" ", "")
        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert "未保存：请先改正标出的字段。" in screen_text(app)
        assert app.focused is relation
    assert change_counter(demo_db) == before
    assert "李四" not in read(demo_db, lambda c: [r.name for r in rounds.residents_of(c, hh)])


async def test_the_store_refusal_shows_next_to_the_relation_too(demo_db: Path) -> None:
    hh, head, other = family(demo_db)
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_household(pilot, hh)
        screen.query_one("#roster", DataTable).move_cursor(row=1)
        await press(pilot, "e")
        form = app.screen
        assert isinstance(form, ResidentForm)
        form.query_one("#relation", Select).value = "self"
        await pilot.pause()
        assert form.query_one("#err-relation").display
        # Another window made someone else the head meanwhile: the form did not know.
        newcomer = write(
            demo_db,
            lambda c: rounds.add_resident(
                c, "t", hh, ResidentInput(name="王新", relation="tenant")
            ),
        )
        write(demo_db, lambda c: rounds.move_out(c, "t", head.uuid))
        renamed = read(demo_db, lambda c: rounds.resident_row(c, newcomer))
        data = renamed.as_input()
        data.relation = "self"
        write(demo_db, lambda c: rounds.update_resident(c, "t", newcomer, data))
        form.facts = rounds.HouseholdFacts([], 0)  # as read before that change
        await pilot.pause()
        before = change_counter(demo_db)
        await press(pilot, "ctrl+s")
        assert app.screen is form
        error = form.query_one("#err-relation")
        assert error.display and "本户已有本人（户主）：王新" in words_of(error)
    assert change_counter(demo_db) == before
    assert read(demo_db, lambda c: rounds.resident_row(c, other.uuid)).relation == other.relation


async def test_aged_80_is_offered_and_ticked_only_with_the_key(demo_db: Path) -> None:
    hh, head, _other = family(demo_db)
    restate(demo_db, head.uuid, "1946-11-20", [])  # 80 today
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_household(pilot, hh)
        assert "+高龄老人?" in screen_text(app)  # on the roster
        await press(pilot, "e")
        form = app.screen
        assert isinstance(form, ResidentForm)
        hints = form.query_one("#tag-hints")
        assert hints.display
        assert "＋已满80周岁（80岁）：可加“高龄老人”标签" in words_of(hints)
        assert "Ctrl+T加上建议的标签" in words_of(hints)
        tags = form.query_one("#care_tags", SelectionList)
        assert "aged_80" not in tags.selected  # offered, not added
        await press(pilot, "ctrl+t")
        assert "aged_80" in tags.selected
        assert not hints.display  # nothing left to say
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, HouseholdScreen)
    assert "aged_80" in read(demo_db, lambda c: rounds.resident_row(c, head.uuid)).care_tags


async def test_a_birth_date_typed_changes_the_offer(demo_db: Path) -> None:
    hh, head, _other = family(demo_db)
    restate(demo_db, head.uuid, "1990-01-01", [])
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_household(pilot, hh)
        await press(pilot, "e")
        form = app.screen
        assert isinstance(form, ResidentForm)
        hints = form.query_one("#tag-hints")
        assert not hints.display
        await type_into(pilot, "#birth_date", "1940-05-01")
        assert hints.display and "可加“高龄老人”标签" in words_of(hints)
        assert "独居老人" not in words_of(hints)  # others live here
        await type_into(pilot, "#birth_date", "1950-05-01")
        assert not hints.display


async def test_stale_tags_are_flagged_on_the_roster_and_the_form(demo_db: Path) -> None:
    hh, head, _other = family(demo_db)
    restate(demo_db, head.uuid, "1990-01-01", ["aged_80", "elderly_alone"])
    before = change_counter(demo_db)
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_household(pilot, hh)
        shown = screen_text(app)
        assert "⚠高龄老人、⚠独居老人" in shown
        await press(pilot, "e")
        form = app.screen
        assert isinstance(form, ResidentForm)
        hints = words_of(form.query_one("#tag-hints"))
        assert "“高龄老人”与出生日期不符：36岁，未满80周岁" in hints
        assert "“独居老人”与本户不符：户内还有其他在住人员" in hints
        tags = form.query_one("#care_tags", SelectionList)
        assert {"aged_80", "elderly_alone"} <= set(tags.selected)  # flagged, not removed
        await press(pilot, "escape")
    assert change_counter(demo_db) == before


async def test_living_alone_offers_elderly_alone(demo_db: Path) -> None:
    hh, person = single(demo_db)
    restate(demo_db, person.uuid, "1960-01-01", [])  # 66, alone
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_household(pilot, hh)
        assert "+独居老人?" in screen_text(app)
        await press(pilot, "e")
        hints = words_of(app.screen.query_one("#tag-hints"))
        assert "66岁，独自居住：可加“独居老人”标签" in hints


async def test_moving_out_asks_the_day_and_where_to(demo_db: Path) -> None:
    hh, _head, other = family(demo_db)
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_household(pilot, hh)
        screen.query_one("#roster", DataTable).move_cursor(row=1)
        before = change_counter(demo_db)
        await press(pilot, "m")
        dialog = app.screen
        assert isinstance(dialog, MoveOutDialog)
        day = dialog.query_one("#moved_out_on", Input)
        assert day.value == "2026-11-20"
        for bad, reason in (
            ("2026-12-01", "迁出日期晚于今天"),
            ("1900-01-01", "迁出日期早于出生日期"),
            ("下周", "迁出日期 下周 无法识别，请按 YYYY-MM-DD 填写"),
        ):
            await type_into(pilot, "#moved_out_on", bad)
            error = dialog.query_one("#err-moved_out_on")
            assert error.display and reason.replace(" ", "") in words_of(error)
            await press(pilot, "ctrl+s")
            assert app.screen is dialog
        await press(pilot, "escape")  # cancelled: nothing written
        assert app.screen is screen
        assert change_counter(demo_db) == before
        await press(pilot, "m")
        await type_into(pilot, "#moved_out_on", "2026-11-03")
        await type_into(pilot, "#moved_to", "武昌区积玉桥街")
        await press(pilot, "enter")
        assert app.screen is screen
        assert "已迁出 2026-11-03 → 武昌区积" in screen_text(app)
        roster = screen.query_one("#roster", DataTable)
        status = roster.get_row(other.uuid)[-1]
        assert status.plain == "已迁出 2026-11-03 → 武昌区积玉桥街"
    row = read(demo_db, lambda c: rounds.resident_row(c, other.uuid))
    assert (row.moved_out, str(row.moved_out_on), row.moved_to) == (
        True,
        "2026-11-03",
        "武昌区积玉桥街",
    )


async def test_moving_back_in_as_a_second_head_is_refused(demo_db: Path) -> None:
    hh, head, other = family(demo_db)
    write(demo_db, lambda c: rounds.move_out(c, "t", head.uuid))
    data = read(demo_db, lambda c: rounds.resident_row(c, other.uuid)).as_input()
    data.relation = "self"
    write(demo_db, lambda c: rounds.update_resident(c, "t", other.uuid, data))
    before = change_counter(demo_db)
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_household(pilot, hh)
        uuids = [r.uuid for r in screen.data.residents]
        screen.query_one("#roster", DataTable).move_cursor(row=uuids.index(head.uuid))
        await press(pilot, "m")
        await press(pilot, "y")
        assert isinstance(app.screen, HouseholdScreen)
        shown = [n.message for n in app._notifications]  # noqa: SLF001 - no public way
        assert any(f"本户已有本人（户主）：{other.name}" in m for m in shown), shown
    assert change_counter(demo_db) == before
    assert read(demo_db, lambda c: rounds.resident_row(c, head.uuid)).moved_out
