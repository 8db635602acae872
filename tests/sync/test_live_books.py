"""The hub's live row names its version's device and origin (its books), as `hub_rev` does:
a version is written once, in the live row while it is live, in `hub_rev` once superseded;
readers of a version's device take it from the live row when `hub_rev` has no row."""

from __future__ import annotations

from sqlalchemy import select

from gridwalker.store.desk.records import record_detail
from gridwalker.store.tables import Household
from gridwalker.store.tables.hub import HubRev
from gridwalker.store.tables.review import HubReview
from gridwalker.store.writes import Writer
from gridwalker.sync.hub import export
from tests.support.hubs import Desk, both_engines
from tests.support.laptops import Field

pytestmark = both_engines


def _live(desk: Desk, uuid: str) -> tuple[str, str | None, str | None]:
    with desk.engine.connect() as conn:
        row = conn.execute(
            select(Household.rev, Household.device_id, Household.origin).where(
                Household.uuid == uuid
            )
        ).one()
    return row.rev, row.device_id, row.origin


def test_the_live_row_keeps_the_books_of_its_version(desk: Desk, field_a: Field) -> None:
    assert desk.one(field_a.export().path).status == "applied"
    with desk.engine.connect() as conn:
        uuid = conn.execute(select(Household.uuid).order_by(Household.uuid)).scalars().first()
        assert conn.execute(select(Household.uuid).where(Household.device_id.is_(None))).all() == []
    first, device, origin = _live(desk, uuid)
    assert (device, origin) == ("lap-a", None)  # a first export: no origin

    field_a.edit("household", uuid, phone="13900000077")
    assert desk.one(field_a.export().path).status == "applied"  # a fast-forward
    rev, device, origin = _live(desk, uuid)
    assert rev != first and (device, origin) == ("lap-a", first)
    # Each version is written once: the superseded one went to hub_rev with its books, the
    # live one is in the live row alone.
    assert _kept(desk, uuid) == {first: ("lap-a", None)}

    with desk.engine.begin() as conn:  # the hub writes the row: its version is the hub's own
        Writer(conn, "王主任").update("household", uuid, {"phone": "13900000078"})
    now = _live(desk, uuid)
    assert now[1:] == (None, None)
    assert _kept(desk, uuid) == {first: ("lap-a", None), rev: ("lap-a", first)}  # kept first


def _kept(desk: Desk, uuid: str) -> dict[str, tuple[str | None, str | None]]:
    with desk.engine.connect() as conn:
        return {
            r.rev: (r.device_id, r.origin)
            for r in conn.execute(
                select(HubRev.rev, HubRev.device_id, HubRev.origin).where(HubRev.uuid == uuid)
            )
        }


def test_a_version_kept_only_in_the_live_row_is_read_with_its_device(
    desk: Desk, field_a: Field
) -> None:
    assert desk.one(field_a.export().path).status == "applied"
    with desk.engine.connect() as conn:
        uuid = conn.execute(select(Household.uuid).order_by(Household.uuid)).scalars().first()
    assert _kept(desk, uuid) == {}  # a new row's version is written once, in the live row
    rev = _live(desk, uuid)[0]
    desk.arrivals()
    with desk.engine.connect() as conn:
        review = conn.execute(
            select(HubReview.device_id).where(HubReview.uuid == uuid, HubReview.rev == rev)
        ).scalar_one()
        detail = record_detail(conn, "household", uuid)
        sent = export._origins(conn, "household", [uuid], "lap-a")
        other = export._origins(conn, "household", [uuid], "lap-b")
    assert review == "lap-a"
    assert [(r.rev, r.device_id) for r in detail.revisions] == [(rev, "lap-a")]
    assert sent == {uuid: rev} and other == {}
