"""Resident and visit form checks: every rule with a good and a bad value."""

from __future__ import annotations

from datetime import date

import pytest

from gridwalker.domain.forms import (
    ResidentInput,
    VisitInput,
    check_resident,
    check_visit,
    resident_fields,
)
from gridwalker.domain.validators import make_resident_id

TODAY = date(2026, 11, 20)
GOOD_ID = make_resident_id("420103", date(1950, 3, 15), 123, "male")


def test_good_resident_has_no_problems() -> None:
    data = ResidentInput(name="王建国", id_number=GOOD_ID, phone="138 0000 1234", sex="male")
    assert check_resident(data, TODAY) == {}
    fields = resident_fields(data)
    assert fields["birth_date"] == date(1950, 3, 15)  # taken from the ID
    assert fields["phone"] == "13800001234"


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"name": " "}, "name", "resident.name"),
        (
            {"id_number": GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")},
            "id_number",
            "id.check",
        ),
        ({"phone": "12800001234"}, "phone", "phone.mobile_prefix"),
        ({"birth_date": "1950-02-30"}, "birth_date", "resident.birth_format"),
        ({"birth_date": "2030-01-01", "id_number": ""}, "birth_date", "resident.birth_future"),
        ({"birth_date": "1951-03-15"}, "birth_date", "resident.birth_mismatch"),
        ({"sex": "female"}, "sex", "resident.sex_mismatch"),
        ({"relation": "cousin"}, "relation", "resident.relation"),
        ({"care_tags": ["rich"]}, "care_tags", "resident.care_tag"),
    ],
)
def test_each_bad_resident_field_has_its_reason(changes, field, code) -> None:
    data = ResidentInput(name="王建国", id_number=GOOD_ID, sex="male")
    for k, v in changes.items():
        setattr(data, k, v)
    problems = check_resident(data, TODAY)
    assert field in problems and problems[field].code == code
    assert problems[field].zh and problems[field].en


def test_visit_checks() -> None:
    people = {"a", "b"}
    ok = VisitInput(
        outcome="visited", residents_seen=["a"], care_checks={"a": "好"}, follow_up="2026-12-01"
    )
    assert check_visit(ok, TODAY, people, {"a"}) == {}
    assert "outcome" in check_visit(VisitInput(outcome="partied"), TODAY, people, set())
    assert "residents_seen" in check_visit(VisitInput(residents_seen=["z"]), TODAY, people, set())
    nobody = VisitInput(outcome="nobody_home", residents_seen=["a"])
    assert (
        check_visit(nobody, TODAY, people, set())["residents_seen"].code == "visit.nobody_home_seen"
    )
    assert "care_checks" in check_visit(VisitInput(care_checks={"b": "x"}), TODAY, people, {"a"})
    assert (
        check_visit(VisitInput(follow_up="2026-11-19"), TODAY, people, set())["follow_up"].code
        == "visit.follow_up_past"
    )
    assert (
        check_visit(VisitInput(follow_up="next week"), TODAY, people, set())["follow_up"].code
        == "visit.follow_up_format"
    )
    assert "concerns" in check_visit(VisitInput(concerns="很" * 2001), TODAY, people, set())
