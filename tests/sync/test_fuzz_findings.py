"""What the fuzz test (test_fuzz_bundles.py) found, each pinned by its own crafted bundle.

At the hub: control characters in a record's uuid, its author or a visit's uuid lists and
notes were stored; a visit's roster changes could nest as deep as the JSON parser allows
(the apply then failed: "TypeError: Recursion limit reached"); a date-time at the edge of
time failed the apply with an OverflowError. Now each is a schema refusal naming the line,
the hub unchanged and the file in place. On a laptop: a decision's comment and author were
taken as they came (now a note's rules), and the desk refuses to write such a comment.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gridwalker.store.desk.decisions import return_item
from gridwalker.store.desk.errors import ReviewError
from tests.support.bundles import decision_lines, hub_bundle_entries, read_zip, rebuild, reseal
from tests.support.fuzz import db_digest
from tests.support.hubs import Desk, Hub, snapshot
from tests.support.laptops import Field, Laptop, visit_uuids

DEEP = 600  # deeper than a JSON writer's recursion limit (orjson: 255), well within a parser's
CASES = {
    "updated_by control": ({"updated_by": "李\x1b[31m晓梅"}, "updated_by: expected a string"),
    "uuid control": ({"uuid": "a\x1b[31m"}, "uuid: expected a string of 1 to 36"),
    "updated_at year 1": ({"updated_at": "0001-01-01T00:00:00+01:00"}, "updated_at: date-time"),
    "updated_at year 9999": ({"updated_at": "9999-12-31T23:59:59-01:00"}, "updated_at: date-time"),
    "visited_at year 1": (
        {"d_visited_at": "0001-01-01T00:00:00+01:00"},
        "data.visited_at: date-time",
    ),
    "residents_seen control": ({"d_residents_seen": ["\x1b[2J"]}, "data.residents_seen"),
    "care_checks control": ({"d_care_checks": {"\x1b[2J": "x\x07"}}, "data.care_checks"),
    "roster_changes deep": ({"d_roster_changes": ["\x00DEEP"]}, "data.roster_changes"),
    "roster_changes control": ({"d_roster_changes": [{"name": "\x1b[2J"}]}, "data.roster_changes"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_visit_record_is_a_schema_refusal(
    hub: Hub, laptop: Laptop, tmp_path: Path, case: str
) -> None:
    changes, words = CASES[case]
    source = laptop.export(plaintext=True).path
    lines = dict(read_zip(source))["records/visit.jsonl"].splitlines()
    record = json.loads(lines[0])
    for key, value in changes.items():
        if key.startswith("d_"):
            record["data"][key[2:]] = value
        else:
            record[key] = value
    text = json.dumps(record, ensure_ascii=False)
    lines[0] = text.replace('"\\u0000DEEP"', '{"a":' * DEEP + "1" + "}" * DEEP).encode()
    path = rebuild(
        laptop, source, tmp_path / source.name, {"records/visit.jsonl": b"\n".join(lines) + b"\n"}
    )
    content = path.read_bytes()
    before = snapshot(hub.engine)
    outcome = hub.one(path)
    assert outcome.status == "refused" and outcome.reason == "schema", outcome.summary()
    assert "records/visit.jsonl line 1: " + words in outcome.message
    assert snapshot(hub.engine) == before
    assert path.read_bytes() == content


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"comment": "请补充\x1b]8;;http://x\x07走访情况"}, "invisible control character"),
        ({"comment": "请补充" * 2000}, "longer than 5000 characters"),
        ({"record_uuid": "v\u202e1"}, "data.record_uuid"),
    ],
    ids=["comment-control", "comment-long", "record-uuid-bidi"],
)
def test_a_hostile_decision_is_refused_on_the_laptop(
    desk: Desk, field_a: Field, tmp_path: Path, data: dict, words: str
) -> None:
    from tests.sync.test_decision_records import _decide

    _decide(desk, field_a)
    source = desk.export_to("lap-a").paths[0]
    first = decision_lines(field_a, source)[0]
    first["data"].update(data)
    records = hub_bundle_entries(field_a, source)["records/review_decision.jsonl"].splitlines()
    records[0] = json.dumps(first, ensure_ascii=False).encode()
    path = reseal(
        desk,
        field_a,
        source,
        tmp_path / source.name,
        {"records/review_decision.jsonl": b"\n".join(records) + b"\n"},
    )
    before = db_digest(field_a.db)
    outcome = field_a.apply(path)
    assert outcome.status == "refused" and outcome.reason == "schema", outcome.summary()
    assert "records/review_decision.jsonl line 1" in outcome.message and words in outcome.message
    assert db_digest(field_a.db) == before


def test_the_desk_writes_no_comment_a_laptop_would_refuse(desk: Desk, field_a: Field) -> None:
    assert desk.one(field_a.export().path).status == "applied"
    desk.arrivals()
    uuid = visit_uuids(field_a, 1)[0]
    before = db_digest(desk.home.hub_db)
    with pytest.raises(ReviewError, match="invisible control character"):
        with desk.engine.begin() as conn:
            return_item(conn, "visit", uuid, "请补充\x1b[2J", "王书记")
    assert db_digest(desk.home.hub_db) == before
