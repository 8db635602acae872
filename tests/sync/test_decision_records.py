"""The supervisor's decisions travel as `records/review_decision.jsonl` in the hub bundle:
the record format, the laptop's checks (file and line, nothing written), repeats as no-ops."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, update

from gridwalker.domain import clock
from gridwalker.store.desk.decisions import approve, return_item
from gridwalker.store.returns import decision_of, returned_items
from gridwalker.store.revs import next_rev
from gridwalker.store.tables import SYNCED_TABLES, Audit, Household
from gridwalker.store.tables.review import HubDecision, HubInbox, HubOutbox, ReviewDecision
from gridwalker.store.writes import Writer
from gridwalker.sync import bundle as fmt
from gridwalker.sync.inspect import inspect_bundle
from gridwalker.sync.records import RECORD_KEYS
from tests.support.bundles import decision_lines, hub_bundle_entries, reseal
from tests.support.hubs import Desk
from tests.support.laptops import Field, visit_uuids

DECISIONS = "records/review_decision.jsonl"


def _decide(desk: Desk, field: Field, returned: int = 1, approved: int = 2) -> list[str]:
    """Import the laptop's first bundle, return and approve some visits; their uuids."""
    assert desk.one(field.export().path).status == "applied"
    desk.arrivals()
    uuids = visit_uuids(field, returned + approved)
    with desk.engine.begin() as conn:
        for uuid in uuids[:returned]:
            return_item(conn, "visit", uuid, "请补充走访情况", "王书记")
        approve(conn, [("visit", u) for u in uuids[returned:]], "王书记")
    return uuids


def _laptop_state(engine: Engine) -> dict[str, Any]:
    """What a hub bundle could change on a laptop."""
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for model in (ReviewDecision, HubInbox, Audit):
            out[model.__tablename__] = sorted(map(repr, conn.execute(select(model.__table__))))
        for entity, model in SYNCED_TABLES.items():
            out[entity] = conn.execute(
                select(func.count(), func.max(model.change)).select_from(model)
            ).one()
    return out


def test_decisions_are_records_with_the_standard_envelope(desk: Desk, field_a: Field) -> None:
    first, second, third = _decide(desk, field_a)
    result = desk.export_to("lap-a")
    assert (len(result.paths), result.decisions, result.records) == (1, 3, 0)
    assert result.counts == {"review_decision": 3}
    entries = hub_bundle_entries(field_a, result.paths[0])
    manifest = json.loads(entries[fmt.MANIFEST])
    assert "decisions" not in manifest
    assert manifest["counts"]["review_decision"] == 3
    [item] = manifest["files"]
    assert item["path"] == DECISIONS and item["records"] == 3
    assert item["sha256"] == fmt.sha256_hex(entries[DECISIONS])
    lines = decision_lines(field_a, result.paths[0])
    with desk.engine.connect() as conn:
        logged = conn.execute(select(HubDecision).order_by(HubDecision.id)).all()
    assert [line["change"] for line in lines] == [d.id for d in logged]
    for line, d in zip(lines, logged, strict=True):
        assert line.keys() == RECORD_KEYS
        assert (line["entity"], line["op"], line["base_rev"], line["origin"]) == (
            "review_decision",
            "upsert",
            None,
            None,
        )
        assert line["rev"] == next_rev(None, line["data"])
        assert line["updated_by"] == "王书记"
        assert datetime.fromisoformat(line["updated_at"]) == d.at
        assert line["data"] == {
            "record_entity": "visit",
            "record_uuid": d.uuid,
            "record_rev": d.rev,
            "state": d.state,
            "comment": d.comment,
        }
    decided = [(line["data"]["record_uuid"], line["data"]["state"]) for line in lines]
    assert decided[0] == (first, "returned")
    assert sorted(decided[1:]) == sorted([(second, "approved"), (third, "approved")])
    # The same decisions exported again (the outbox forgotten) have the same uuids and revs.
    with desk.engine.begin() as conn:
        conn.execute(HubOutbox.__table__.delete())
    again = decision_lines(field_a, desk.export_to("lap-a").paths[0])
    assert [(d["uuid"], d["rev"]) for d in again] == [(d["uuid"], d["rev"]) for d in lines]
    assert len({d["uuid"] for d in lines}) == 3


def test_one_bundle_per_device_however_many_decisions(desk: Desk, field_a: Field) -> None:
    assert desk.one(field_a.export().path).status == "applied"
    desk.arrivals()
    uuids = visit_uuids(field_a, 10_000)
    rounds = 2500 // len(uuids) + 1  # more than the 2000 a bundle's manifest once held
    with desk.engine.begin() as conn:
        for _ in range(rounds):
            approve(conn, [("visit", u) for u in uuids], "王书记")
    result = desk.export_to("lap-a")
    assert (len(result.paths), result.decisions) == (1, rounds * len(uuids))
    outcome = field_a.apply(result.paths[0])
    assert outcome.status == "applied", outcome.message
    assert (outcome.decisions, outcome.decisions_known) == (rounds * len(uuids), 0)
    with field_a.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ReviewDecision)).scalar_one() == len(
            uuids
        )


def test_malformed_decision_records_refused_with_file_and_line(
    desk: Desk, field_a: Field, tmp_path: Path
) -> None:
    _decide(desk, field_a, returned=2, approved=2)
    with field_a.engine.connect() as conn:
        household = conn.execute(
            select(Household.uuid).order_by(Household.uuid).limit(1)
        ).scalar_one()
    with desk.engine.begin() as conn:  # a row the hub wrote: the bundle carries records too
        Writer(conn, "王书记").update("household", household, {"phone": "13911112222"})
    good = desk.export_to("lap-a").paths[0]
    assert json.loads(hub_bundle_entries(field_a, good)[fmt.MANIFEST])["counts"]["household"] == 1
    lines = decision_lines(field_a, good)
    assert len(lines) == 4
    before = _laptop_state(field_a.engine)

    def with_lines(*edited: dict[str, Any]) -> bytes:
        return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in edited).encode()

    bad_state = {**lines[1], "data": {**lines[1]["data"], "state": "maybe"}}
    bad_uuid = {**lines[2], "uuid": "not-a-uuid"}
    bad_at = {**lines[3], "updated_at": "yesterday"}
    cases = {
        "states": (
            with_lines(lines[0], bad_state, bad_uuid, bad_at),
            [
                f"{DECISIONS} line 2: data.state: unknown review state 'maybe'",
                f"{DECISIONS} line 3: uuid: expected a UUID",
                f"{DECISIONS} line 4: updated_at: expected an ISO 8601 date-time",
            ],
        ),
        "entity": (
            with_lines(
                lines[0],
                lines[1],
                lines[2],
                {**lines[3], "data": {**lines[3]["data"], "record_entity": "spaceship"}},
            ),
            [f"{DECISIONS} line 4: data.record_entity: unknown entity 'spaceship'"],
        ),
        "comment": (
            with_lines({**lines[0], "data": {**lines[0]["data"], "comment": 7}}, *lines[1:]),
            [f"{DECISIONS} line 1: data.comment: expected a string"],
        ),
        "rev": (
            with_lines(
                {**lines[0], "data": {**lines[0]["data"], "comment": "改过的意见"}}, *lines[1:]
            ),
            [f"{DECISIONS} line 1: rev: does not match the data"],
        ),
        "field": (
            with_lines({**lines[0], "extra": 1}, *lines[1:]),
            [f"{DECISIONS} line 1: unknown extra"],
        ),
        "repeat": (
            with_lines(lines[0], lines[1], lines[2], lines[1]),
            [f"{DECISIONS} line 4: uuid {lines[1]['uuid']} appears twice"],
        ),
        "json": (with_lines(*lines[:3]) + b"{not json\n", [f"{DECISIONS} line 4: not a JSON line"]),
    }
    for name, (data, messages) in cases.items():
        bad = reseal(desk, field_a, good, tmp_path / f"bad-{name}.zip.age", {DECISIONS: data})
        outcome = field_a.apply(bad)
        assert (outcome.status, outcome.reason) == ("refused", "schema"), (name, outcome.message)
        for message in messages:
            assert message in outcome.message, (name, outcome.message)
        assert _laptop_state(field_a.engine) == before, name
    # Decisions both in the manifest (as an older hub wrote them) and as records: refused.
    both = reseal(desk, field_a, good, tmp_path / "both.zip.age", manifest_edit={"decisions": []})
    outcome = field_a.apply(both)
    assert (outcome.status, outcome.reason) == ("refused", "bad-manifest"), outcome.message
    assert _laptop_state(field_a.engine) == before
    bad_legacy = reseal(
        desk,
        field_a,
        good,
        tmp_path / "bad-legacy.zip.age",
        manifest_edit={"decisions": [{"entity": "visit"}]},
        drop=(DECISIONS,),
    )
    outcome = field_a.apply(bad_legacy)
    assert (outcome.status, outcome.reason) == ("refused", "bad-manifest"), outcome.message
    assert "decisions[1]" in outcome.message
    assert _laptop_state(field_a.engine) == before
    # The good bundle still applies: rows and decisions together.
    outcome = field_a.apply(good)
    assert (outcome.status, outcome.applied, outcome.decisions, outcome.returned) == (
        "applied",
        1,
        4,
        2,
    ), outcome.message


def test_a_decision_sent_again_changes_nothing(desk: Desk, field_a: Field) -> None:
    first, second, _third = _decide(desk, field_a)
    one = desk.export_to("lap-a")
    assert field_a.apply(one.paths[0]).status == "applied"
    with desk.engine.begin() as conn:  # the member's returned visit: approved after all
        approve(conn, [("visit", first)], "王书记", "电话核实")
    assert field_a.apply(desk.export_to("lap-a").paths[0]).status == "applied"
    with field_a.engine.connect() as conn:
        kept = conn.execute(select(ReviewDecision.__table__)).all()
        assert decision_of(conn, "visit", first).state == "approved"
    # The hub forgets what it sent (say, restored from a backup): its next bundle sends
    # every decision again, the return of `first` among them, and one new decision.
    with desk.engine.begin() as conn:
        conn.execute(update(HubOutbox).values(decision_mark=0))
        return_item(conn, "visit", second, "门牌号有误", "张书记")
    later = clock.now() + timedelta(hours=2)
    with clock.frozen(later):
        resent = desk.export_to("lap-a").paths[0]
        lines = decision_lines(field_a, resent)
        assert len(lines) == 5
        assert lines[0] == decision_lines(field_a, one.paths[0])[0]  # the same record
        outcome = field_a.apply(resent)
    assert outcome.status == "applied", outcome.message
    assert (outcome.decisions, outcome.decisions_known, outcome.returned) == (5, 4, 1)
    with field_a.engine.connect() as conn:
        now = {r.uuid: r for r in conn.execute(select(ReviewDecision.__table__))}
        for row in kept:
            if row.uuid != second:
                assert now[row.uuid] == row  # not even received_at moved
        assert decision_of(conn, "visit", first).state == "approved"
        assert decision_of(conn, "visit", second).comment == "门牌号有误"
        assert now[second].received_at == later.replace(microsecond=0)
        audits = conn.execute(
            select(func.count()).select_from(Audit).where(Audit.entity == "review_decision")
        ).scalar_one()
        assert audits == 5  # three, then one, then the new one
    # The same bundle file again is "already imported", as any bundle.
    assert field_a.apply(resent).status == "already"


def test_inspect_shows_and_checks_a_hub_bundle(desk: Desk, field_a: Field, tmp_path: Path) -> None:
    _decide(desk, field_a)
    path = desk.export_to("lap-a").paths[0]

    def unknown(key_id: str) -> fmt.SigningKey:
        raise fmt.BundleRefused("unknown-key", key_id)

    report = inspect_bundle(path, [], unknown, home=field_a.home)
    assert report.ok, report.lines()
    text = "\n".join(report.lines())
    assert "to       device lap-a (a hub bundle)" in text
    assert "records  review_decision 3" in text
    assert "decision records: 3 decisions" in text
    assert "the hub this laptop trusts" in text
    lines = decision_lines(field_a, path)
    bad = {**lines[1], "data": {**lines[1]["data"], "state": "maybe"}}
    data = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in (lines[0], bad, lines[2]))
    broken = reseal(desk, field_a, path, tmp_path / "broken.zip.age", {DECISIONS: data.encode()})
    report = inspect_bundle(broken, [], unknown, home=field_a.home)
    assert report.reason == "schema"
    assert f"{DECISIONS} line 2: data.state" in report.message


def test_a_hub_bundle_of_an_older_hub_with_decisions_in_its_manifest_applies(
    desk: Desk, field_a: Field, tmp_path: Path
) -> None:
    """A hub bundle written before the hub was updated may still be on its way."""
    _decide(desk, field_a, returned=1, approved=2)
    good = desk.export_to("lap-a").paths[0]
    legacy = [
        {
            "entity": line["data"]["record_entity"],
            "uuid": line["data"]["record_uuid"],
            "rev": line["data"]["record_rev"],
            "state": line["data"]["state"],
            "comment": line["data"]["comment"],
            "actor": line["updated_by"],
            "at": line["updated_at"],
        }
        for line in decision_lines(field_a, good)
    ]
    old = reseal(
        desk,
        field_a,
        good,
        tmp_path / "old.zip.age",
        manifest_edit={"decisions": legacy},
        drop=(DECISIONS,),
    )
    outcome = field_a.apply(old)
    assert (outcome.status, outcome.decisions, outcome.returned) == ("applied", 3, 1), (
        outcome.message
    )
    with field_a.engine.connect() as conn:
        assert len(returned_items(conn)) == 1
