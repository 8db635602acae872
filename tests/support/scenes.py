"""Hubs with a story: a desk that holds records in every review state, a conflict, a held and
a refused bundle, as the desk's screens and their snapshots need."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from gridwalker.store.desk.decisions import approve, return_item
from gridwalker.store.desk.queue import QueueFilter, queue_page
from gridwalker.store.tables import Household
from tests.support.demo import SUPERVISOR
from tests.support.hubs import Desk
from tests.support.laptops import Field, Laptop, make_field, make_laptop

RETURN_COMMENT = "关爱对象的走访情况没有填写，请补充。"


@dataclass
class BusyDesk:
    """A hub with records in every review state, a conflict, a held and a quarantined bundle."""

    desk: Desk
    conflicted: str  # the household both laptops edited
    held_household: str  # the household the held bundle changes


def _households(lap: Field, n: int) -> list[str]:
    with lap.engine.connect() as conn:
        return list(
            conn.execute(select(Household.uuid).order_by(Household.uuid).limit(n)).scalars()
        )


def fill_desk(
    desk: Desk, field_a: Field, root: Path, template: Path
) -> tuple[BusyDesk, list[Laptop]]:
    """Two enrolled laptops of one grid and one nobody enrolled, sending to the hub.

    Returns the desk and the two laptops made here (the caller disposes of their engines).
    """
    field_b = make_field(root / "lap-b", template, "lap-b", desk)
    stranger = make_laptop(root / "lap-c", template, "lap-c", desk)
    conflicted, held = _households(field_a, 2)
    assert desk.one(field_a.export().path).status == "applied"
    assert desk.one(field_b.export().path).status == "applied"
    field_a.edit("household", conflicted, phone="13900000001", head_name="甲")
    field_b.edit("household", conflicted, phone="18600000002", head_name="乙")
    assert desk.one(field_a.export().path).status == "applied"
    assert desk.one(field_b.export().path).conflicts == 1
    field_a.edit("household", held, phone="13900000003")
    field_a.export()  # seq 3 stays on the laptop: the gap
    field_a.edit("household", held, phone="13900000004")
    assert desk.one(field_a.export().path).status == "held"
    assert desk.one(stranger.export().path).status == "refused"
    desk.arrivals()
    with desk.engine.begin() as conn:
        rows = queue_page(conn, QueueFilter(entity="visit"), 0, 6)
        approve(conn, [(r.entity, r.uuid) for r in rows[:3]], SUPERVISOR)
        return_item(conn, "visit", rows[3].uuid, RETURN_COMMENT, SUPERVISOR)
    return BusyDesk(desk, conflicted, held), [field_b, stranger]


RESUBMITTED_CONCERNS = "已补充：独居老人身体良好，药品充足。"


def resubmit(busy: BusyDesk, field_a: Field) -> str:
    """The returned visit back on the laptop, corrected there and sent again: the hub holds
    it as resubmitted (the laptop's whole outbox goes, so the bundle held for a gap goes in
    too). Returns the visit's uuid."""
    from gridwalker.store.returns import returned_items

    assert field_a.apply(busy.desk.export_to("lap-a").paths[0]).status == "applied"
    with field_a.engine.connect() as conn:
        (item,) = returned_items(conn)
    field_a.edit("visit", item.uuid, concerns=RESUBMITTED_CONCERNS)
    field_a.export()
    busy.desk.import_(field_a.home.outbox)
    busy.desk.arrivals()
    return item.uuid
