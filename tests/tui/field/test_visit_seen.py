"""The residents-seen list of the visit form: ☑ and ☐ in their own colours, Space ticks the
focused row, and a care-tagged resident ticked there counts as seen (Today's care list)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import SelectionList

from gridwalker.domain.choices import is_care_case
from gridwalker.store import rounds
from gridwalker.tui.field.visit_fields import SeenList
from tests.support.apps import SIZE, make_app, settle
from tests.tui.field.test_household import grid_of, read
from tests.tui.field.test_visit import choose_outcome, open_visit


def box(listing: SelectionList[str], index: int) -> tuple[str, str]:
    """The box drawn on a row of the list, and its colour."""
    strip = listing.render_line(index - listing.scroll_offset.y)
    segment = next(s for s in strip if s.text in ("☑", "☐"))
    color = segment.style.color.name if segment.style and segment.style.color else ""
    return segment.text, color


async def test_a_care_tagged_resident_ticked_with_space_counts_as_seen(demo_db: Path) -> None:
    grid = grid_of(demo_db)
    first = read(demo_db, lambda conn: rounds.care_not_seen(conn, grid))[0]
    uuid = first.household_uuid  # a household with a care-tagged resident not seen yet
    people = read(demo_db, lambda conn: rounds.residents_of(conn, uuid))
    tagged = next(p for p in people if p.uuid == first.resident_uuid)
    assert is_care_case(tagged.care_tags)
    app = make_app(demo_db, signed_in=True)
    async with app.run_test(size=SIZE) as pilot:
        visit = await open_visit(pilot, uuid)
        await choose_outcome(pilot, "visited")
        listing = visit.query_one("#residents_seen", SeenList)
        index = next(
            i
            for i in range(listing.option_count)
            if listing.get_option_at_index(i).value == tagged.uuid
        )
        listing.focus()
        listing.highlighted = index
        await pilot.pause()
        before = box(listing, index)
        await pilot.press("space")
        await pilot.pause()
        after = box(listing, index)
        assert before[0] == "☐" and after == ("☑", "green")
        assert before[1] != after[1]
        assert tagged.uuid in visit.form_data().residents_seen
        await pilot.press("space")  # Space again: not seen
        await pilot.pause()
        assert box(listing, index)[0] == "☐"
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert visit.saved
    unseen = {r.resident_uuid for r in read(demo_db, lambda conn: rounds.care_not_seen(conn, grid))}
    assert tagged.uuid not in unseen
