"""Two homes: laptop export → hub import → return → hub export → laptop import → correction →
export → the hub shows "corrected" with both revisions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridwalker.domain.choices import ReviewState
from gridwalker.store.desk.decisions import approve, return_item
from gridwalker.store.desk.errors import ReviewError
from gridwalker.store.desk.queue import QueueFilter, queue_count, queue_page
from gridwalker.store.desk.records import record_detail
from gridwalker.store.returns import decision_of, returned_items
from gridwalker.store.tables.review import HubInbox, ReviewDecision
from tests.support.hubs import Desk, both_engines
from tests.support.laptops import Field, visit_uuids


@both_engines
def test_round_trip_across_two_homes(desk: Desk, field_a: Field) -> None:
    assert desk.one(field_a.export().path).status == "applied"
    assert desk.arrivals() > 0
    first, second, third = visit_uuids(field_a, 3)
    with desk.engine.begin() as conn:
        total = queue_count(conn, QueueFilter())
        assert total == queue_count(conn, QueueFilter(states=frozenset()))
        with pytest.raises(ReviewError, match="comment"):
            return_item(conn, "visit", first, "  ", "王书记")
        return_item(conn, "visit", first, "关爱对象未填写走访情况，请补充", "王书记")
        assert approve(conn, [("visit", second), ("visit", third)], "王书记") == 2
        assert queue_count(conn, QueueFilter()) == total - 3
        old_rev = record_detail(conn, "visit", first).record["rev"]

    result = desk.export_to("lap-a")
    assert len(result.paths) == 1 and result.decisions == 3
    assert desk.export_to("lap-a").paths == []  # nothing new → no file
    outcome = field_a.apply(result.paths[0])
    assert outcome.status == "applied", outcome.message
    assert (outcome.decisions, outcome.returned) == (3, 1)
    assert field_a.apply(result.paths[0]).status == "already"
    with field_a.engine.connect() as conn:
        returned = returned_items(conn)
        assert [(r.uuid, r.comment) for r in returned] == [
            (first, "关爱对象未填写走访情况，请补充")
        ]
        assert decision_of(conn, "visit", second).state == "approved"

    new_rev = field_a.edit("visit", first, concerns="已补充：独居老人身体良好")
    with field_a.engine.connect() as conn:
        assert returned_items(conn) == []
    assert desk.one(field_a.export().path).status == "applied"
    desk.arrivals()
    with desk.engine.connect() as conn:
        detail = record_detail(conn, "visit", first)
        assert detail.state == ReviewState.CORRECTED
        revs = [r.rev for r in detail.revisions]
        assert old_rev in revs and new_rev in revs and revs[-1] == new_rev
        assert [c.field for c in detail.changes] == ["concerns"]
        assert [
            r.uuid for r in queue_page(conn, QueueFilter(states=frozenset({"corrected"})), 0, 10)
        ] == [first]


def test_hub_bundles_refused_by_the_wrong_laptop_or_from_another_hub(
    desk: Desk, field_a: Field, tmp_path, small_street
) -> None:
    import shutil

    from gridwalker import config
    from gridwalker.store.migrate import open_database
    from gridwalker.sync.keys import init_hub_signing_key
    from tests.support.hubs import Desk as DeskType
    from tests.support.laptops import make_field

    desk.one(field_a.export().path)
    desk.arrivals()
    first = visit_uuids(field_a, 1)[0]
    with desk.engine.begin() as conn:
        return_item(conn, "visit", first, "地址不对", "王书记")

    other = make_field(tmp_path / "lap-b", small_street, "lap-b", None)
    mine = desk.export_to("lap-a").paths[0]
    refused = other.apply(mine)
    assert (refused.status, refused.reason) == ("refused", "no-hub-key")
    from gridwalker.sync.keys import hub_signing_paths, trust_hub

    trust_hub(other.home, desk.recipient, hub_signing_paths(desk.home)[1])
    refused = other.apply(mine)
    assert (refused.status, refused.reason) == ("refused", "other-device")

    # Another hub: the same books, its own signing key.
    home2 = config.paths(tmp_path / "hub2")
    home2.keys.mkdir(parents=True)
    home2.data.mkdir(parents=True)
    shutil.copy(desk.home.keys / "hub.key", home2.keys / "hub.key")
    with desk.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(desk.home.hub_db, home2.hub_db)
    init_hub_signing_key(home2)
    desk2 = DeskType(home2, open_database(home2.hub_db), desk.recipient)
    with desk2.engine.begin() as conn:
        return_item(conn, "visit", visit_uuids(field_a, 2)[1], "另一枢纽", "张书记")
    forged = desk2.export_to("lap-a").paths[0]
    desk2.engine.dispose()
    refused = field_a.apply(forged)
    assert (refused.status, refused.reason) == ("refused", "other-hub-key")
    with field_a.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ReviewDecision)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(HubInbox)).scalar_one() == 0
    assert field_a.apply(mine).status == "applied"
