"""The record schema check (check_record) and the search index a hub import leaves behind."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from gridwalker.domain import fields
from gridwalker.store import search
from gridwalker.store.tables import SYNCED_TABLES, SearchDoc
from gridwalker.sync.records import (
    Column_,
    RecordError,
    check_record,
    columns,
    db_values,
    record_row,
)
from tests.support.hubs import Hub, both_engines
from tests.support.laptops import Laptop

GOOD = {
    "str": "abc",
    "int": 3,
    "bool": True,
    "date": "2026-11-20",
    "datetime": "2026-11-20T09:30:00+08:00",
    "json": ["x"],
}
BAD = {
    "str": [3, True, 1.5, {}],
    "int": ["3", True, 1.5],
    "bool": [1, "true", 0],
    "date": ["2026-13-01", "20261120", 20261120, "2026-11-20T09:00:00+00:00"],
    "datetime": ["2026-11-20T09:30:00", "yesterday", 5],
    "json": ["[]", 3, True],
}


# Fields whose good values have a shape of their own (decimal text, an object of coefficients).
SHAPED = {
    ("consultation", "coefficients"): {"2": "0.8"},
    ("consultation", "cost"): "630000.00",
    ("consultation", "subsidy"): "250000.00",
    ("consult_room", "area"): "85.30",
    ("consultation", "counted"): ["v-1", "v-2"],
    ("consultation", "counted_rooms"): {"r-1": {"owner": "张三", "area": "85.30"}},
}


def _good(col: Column_) -> Any:
    """A valid value of a column: a code of its value list, a JSON value of its shape."""
    if (col.entity, col.name) in SHAPED:
        return SHAPED[col.entity, col.name]
    if col.codes is not None:
        return sorted(col.codes)[0]
    if col.kind == "json":
        return {"r-1": "ok"} if col.name == "care_checks" else []
    return GOOD[col.kind]


def _record(entity: str, **data: Any) -> dict[str, Any]:
    values = {c.name: _good(c) for c in columns(entity)}
    values.update(data)
    return {
        "entity": entity,
        "uuid": "u-1",
        "op": "upsert",
        "rev": "2-0123456789abcdef01234567",
        "base_rev": "1-0123456789abcdef01234567",
        "origin": None,
        "change": 5,
        "updated_at": "2026-11-20T01:30:00+00:00",
        "updated_by": "李晓梅",
        "data": values,
    }


@pytest.mark.parametrize("entity", sorted(SYNCED_TABLES))
def test_good_record_converts_like_db_values(entity: str) -> None:
    record = _record(entity)
    row = check_record(entity, record, 1, 10)
    assert {k: row[k] for k in record["data"]} == db_values(entity, record["data"])
    for col in columns(entity):
        value = row[col.name]
        if col.kind == "date":
            assert type(value) is date
        elif col.kind == "datetime":
            assert type(value) is datetime and value.utcoffset() is not None
    assert row["uuid"] == "u-1" and row["change"] == 5 and row["deleted"] is False
    assert check_record(entity, {**record, "op": "delete"}, 1, 10)["deleted"] is True


@pytest.mark.parametrize("entity", sorted(SYNCED_TABLES))
def test_a_good_record_converts_alike_checked_or_not(entity: str) -> None:
    # The import of a big bundle converts lines unchecked while another process checks them:
    # for a good record both give the same row, value for value and type for type.
    nullable = {c.name: None for c in columns(entity) if c.nullable}
    for record in (
        _record(entity),
        {**_record(entity), "op": "delete", "base_rev": None, "origin": "1-" + "a" * 24},
        _record(entity, **nullable),
        {**_record(entity), "updated_at": "2026-11-20T09:30:00.123456+08:00"},
    ):
        checked, unchecked = check_record(entity, record, 1, 10), record_row(entity, record)
        assert list(unchecked.items()) == list(checked.items())
        assert [type(v) for v in unchecked.values()] == [type(v) for v in checked.values()]


@pytest.mark.parametrize("entity", sorted(SYNCED_TABLES))
def test_every_bad_value_names_its_field(entity: str) -> None:
    for col in columns(entity):
        bad = list(BAD[col.kind])
        if not col.nullable:
            bad.append(None)
        if col.kind == "str" and col.length is not None:
            bad.append("x" * (col.length + 1))
        for value in bad:
            with pytest.raises(RecordError, match=rf"^data\.{col.name}: "):
                check_record(entity, _record(entity, **{col.name: value}), 1, 10)
        if col.nullable:
            assert (
                check_record(entity, _record(entity, **{col.name: None}), 1, 10)[col.name] is None
            )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("counted", ["v-1", "v-1"]),  # a vote counted twice
        ("counted", ["v-1", 7]),
        ("counted", ["v\u202e1"]),
        ("counted_rooms", {"r-1": {"owner": "张三", "area": "0"}}),  # no area of 0 m²
        ("counted_rooms", {"r-1": {"owner": "张三", "area": 85.3}}),  # a float, not text
        ("counted_rooms", {"r-1": {"owner": "张三"}}),
        ("counted_rooms", {"r-1": {"owner": "张三", "area": "85", "extra": 1}}),
        ("counted_rooms", {"r-1": ["张三", "85"]}),
        ("counted_rooms", ["r-1"]),
    ],
)
def test_a_closed_consultations_fixed_result_has_its_shape(name: str, value: Any) -> None:
    with pytest.raises(RecordError, match=rf"^data\.{name}: "):
        check_record("consultation", _record("consultation", **{name: value}), 1, 10)


@pytest.mark.parametrize(("entity", "name"), sorted(fields.DECIMALS))
@pytest.mark.parametrize("value", ["abc", "85.3.1", "", "NaN", "-"])
def test_a_decimal_text_that_is_no_number_is_refused(entity: str, name: str, value: str) -> None:
    # An area or an amount is text holding a number: the hub refuses anything else, as the
    # laptop's form does (the vote count reads these numbers).
    with pytest.raises(RecordError, match=rf"^data\.{name}: "):
        check_record(entity, _record(entity, **{name: value}), 1, 10)


def test_missing_and_unknown_data_fields() -> None:
    record = _record("household")
    del record["data"]["room"]
    record["data"]["colour"] = "red"
    with pytest.raises(RecordError, match="^data: missing room; unknown colour$"):
        check_record("household", record, 1, 10)
    with pytest.raises(RecordError, match="^change: "):
        check_record("household", _record("household"), 6, 10)
    with pytest.raises(RecordError, match="^rev: "):
        check_record("household", {**_record("household"), "rev": "2-XYZ"}, 1, 10)


@both_engines
def test_a_hub_indexes_nothing_until_it_rebuilds_its_search(laptop: Laptop, hub: Hub) -> None:
    """The desk has no search box: imports skip the index; `search.rebuild` makes a whole one."""
    assert hub.one(laptop.export().path).status == "applied"
    with hub.engine.begin() as conn:
        assert conn.execute(select(SearchDoc.id)).first() is None
        assert search.rebuild(conn) > 0
        sample = conn.execute(select(SearchDoc.text, SearchDoc.id)).all()
        for text, doc_id in sample[:: max(1, len(sample) // 20)]:
            word = max(text.split(), key=len)
            if len(word) >= 3:
                assert doc_id in search.raw_fts(conn, word, limit=100_000), word
        name = conn.execute(
            select(SearchDoc.name).where(SearchDoc.entity == "resident").limit(1)
        ).scalar_one()
        hits = search.search(conn, name, limit=50)
    assert any(h.entity == "resident" and h.title == name for h in hits)


# -- found by the fuzz test (tests/sync/test_fuzz_bundles.py): the hub stored these, or its
# -- apply failed with an OverflowError ("apply-failed") instead of a schema refusal


@pytest.mark.parametrize(
    ("envelope", "words"),
    [
        ({"updated_by": "李\x1b[31m晓梅"}, "updated_by: expected a string of at most 64"),
        ({"uuid": "u-1\u202e"}, "uuid: expected a string of 1 to 36 characters"),
        ({"updated_at": "0001-01-01T00:00:00+01:00"}, "updated_at: date-time 0001-01-01"),
        ({"updated_at": "9999-12-31T23:59:59-01:00"}, "is not between 1890-01-01 and 2199-12-31"),
    ],
    ids=["updated_by-control", "uuid-bidi", "updated_at-year-1", "updated_at-year-9999"],
)
def test_envelope_texts_and_instants_within_the_domain(envelope: dict, words: str) -> None:
    record = {**_record("household"), **envelope}
    with pytest.raises(RecordError, match=re.escape(words)):
        check_record("household", record, 1, 10)


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_date_time_field_at_the_edge_of_time_is_refused(instant: str) -> None:
    with pytest.raises(RecordError, match="data.visited_at: date-time .* is not between"):
        check_record("visit", _record("visit", visited_at=instant), 1, 10)
