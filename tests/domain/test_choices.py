"""Tests for the value-list enums."""

import json

import pytest

from gridwalker.domain import choices as c
from gridwalker.domain.choices import (
    CareTag,
    Choice,
    Industry,
    IssueStatus,
    OperatingStatus,
    PartyOrgStatus,
    Sex,
    Urgency,
    VisitOutcome,
    parse_care_tags,
)

ALL_CHOICES = [
    obj
    for obj in vars(c).values()
    if isinstance(obj, type) and issubclass(obj, Choice) and obj is not Choice
]


def test_every_value_list_is_present() -> None:
    names = {cls.__name__ for cls in ALL_CHOICES}
    assert names == {
        "BuildingKind", "Occupancy", "Sex", "Relation", "ResidenceType", "CareTag",
        "VisitOutcome", "Industry", "Ownership", "Scale", "OperatingStatus", "PartyOrgStatus",
        "PartyOrgKind", "IssueCategory", "Urgency", "ReporterKind", "IssueStatus",
        "ReviewState", "Role",
    }  # fmt: skip


@pytest.mark.parametrize("cls", ALL_CHOICES, ids=lambda cls: cls.__name__)
def test_members_are_codes_with_both_labels(cls: type[Choice]) -> None:
    for member in cls:
        assert cls(member.value) is member
        assert member == member.value
        assert str(member) == member.value
        assert f"{member}" == member.value
        assert member.zh and member.en
        assert member.label("zh") == member.zh
        assert member.label("en") == member.en
        assert member.label("fr") == member.zh
        assert cls.parse(member.value) is member
        assert cls.parse(f"  {member.zh} ") is member
        assert cls.parse(member.en.upper()) is member
    assert len({m.zh for m in cls}) == len(cls)
    assert len({m.en.casefold() for m in cls}) == len(cls)


def test_choices_in_definition_order() -> None:
    assert Sex.choices("zh") == [("男", "male"), ("女", "female")]
    assert Sex.choices("en") == [("Male", "male"), ("Female", "female")]
    assert [code for _, code in IssueStatus.choices("en")][:3] == ["draft", "reported", "accepted"]


def test_json_and_dict_keys_use_the_code() -> None:
    assert json.dumps({"sex": Sex.FEMALE}) == '{"sex": "female"}'
    assert {"male": 1}[Sex.MALE] == 1


def test_parse_rejects_unknown_with_allowed_labels() -> None:
    with pytest.raises(ValueError) as info:
        Sex.parse("未知")
    assert "男、女" in str(info.value)
    assert "Male, Female" in str(info.value)


def test_industry_sections() -> None:
    assert [m.value for m in Industry] == [chr(x) for x in range(ord("A"), ord("T") + 1)]
    assert Industry.I.zh == "信息传输、软件和信息技术服务业"
    assert Industry.J.zh == "金融业"
    assert Industry.L.zh == "租赁和商务服务业"
    assert Industry.A.zh == "农、林、牧、渔业"
    assert Industry.T.zh == "国际组织"
    assert Industry.parse("j") is Industry.J
    assert c.BuildingKind.COMMERCIAL.en == "Commercial tower"


def test_properties() -> None:
    assert [o for o in VisitOutcome if not o.counts_as_covered] == [VisitOutcome.NOBODY_HOME]
    assert {s for s in OperatingStatus if s.is_gone} == {
        OperatingStatus.MOVED_OUT,
        OperatingStatus.DEREGISTERED,
    }
    assert {s for s in PartyOrgStatus if s.covered} == {PartyOrgStatus.OWN, PartyOrgStatus.JOINT}
    assert Urgency.NORMAL.default_due_days == 15
    assert Urgency.URGENT.default_due_days == 3
    assert {s.value for s in IssueStatus if s.is_open} == {
        "reported",
        "accepted",
        "in_progress",
        "on_hold",
    }  # fmt: skip  (未办结: a resolved or verified issue is dealt with)
    assert {s.value for s in IssueStatus if s.is_done_for_overdue} == {
        "resolved", "verified", "closed", "declined",
    }  # fmt: skip


def test_parse_care_tags() -> None:
    text = " 独居老人；低保, dibao 、Veteran，; 党员 ;"
    assert parse_care_tags(text) == [
        CareTag.ELDERLY_ALONE,
        CareTag.DIBAO,
        CareTag.VETERAN,
        CareTag.PARTY_MEMBER,
    ]
    assert parse_care_tags("") == []
    assert parse_care_tags(" ;，、 ") == []


def test_parse_care_tags_names_the_bad_tag() -> None:
    with pytest.raises(ValueError, match="孤寡"):
        parse_care_tags("低保、孤寡")
