"""Tests for the enterprise census rule flags."""

import pytest

from gridwalker.domain.census import CensusFlag, census_flags, coverage_ratio
from gridwalker.domain.choices import PartyOrgKind, PartyOrgStatus

F = CensusFlag
OWN, JOINT, NONE = PartyOrgStatus.OWN, PartyOrgStatus.JOINT, PartyOrgStatus.NONE
BRANCH, GENERAL, COMMITTEE = (
    PartyOrgKind.BRANCH,
    PartyOrgKind.GENERAL_BRANCH,
    PartyOrgKind.COMMITTEE,
)


@pytest.mark.parametrize(
    ("members", "status", "kind", "flags"),
    [
        # should set up its own branch: 3+ members, no organisation
        (2, NONE, None, []),
        (3, NONE, None, [F.SHOULD_SET_UP]),
        (3, None, None, [F.SHOULD_SET_UP]),
        (3, JOINT, None, []),
        (0, NONE, None, []),
        # own organisation with fewer than 3 members
        (2, OWN, BRANCH, [F.TOO_FEW_MEMBERS]),
        (0, OWN, BRANCH, [F.TOO_FEW_MEMBERS]),
        (3, OWN, BRANCH, []),
        (2, JOINT, BRANCH, []),
        # 50–99 members: general branch expected
        (49, OWN, BRANCH, []),
        (50, OWN, BRANCH, [F.EXPECT_GENERAL_BRANCH]),
        (50, OWN, None, [F.EXPECT_GENERAL_BRANCH]),
        (50, OWN, GENERAL, []),
        (99, OWN, BRANCH, [F.EXPECT_GENERAL_BRANCH]),
        (99, OWN, COMMITTEE, [F.EXPECT_GENERAL_BRANCH]),
        (99, OWN, GENERAL, []),
        (60, JOINT, BRANCH, []),
        # 100+ members: committee expected
        (100, OWN, GENERAL, [F.EXPECT_COMMITTEE]),
        (100, OWN, BRANCH, [F.EXPECT_COMMITTEE]),
        (100, OWN, COMMITTEE, []),
        (250, OWN, COMMITTEE, []),
        (100, NONE, None, [F.SHOULD_SET_UP]),
        # unknown member count: nothing to say
        (None, NONE, None, []),
        (None, OWN, BRANCH, []),
    ],
)
def test_census_flags(members, status, kind, flags) -> None:
    assert census_flags(members, status, kind) == flags


def test_codes_and_labels_are_accepted() -> None:
    assert census_flags(50, "own", "branch") == [F.EXPECT_GENERAL_BRANCH]
    assert census_flags(120, "单独组建", "党总支") == [F.EXPECT_COMMITTEE]
    assert census_flags(5, "未建立", "") == [F.SHOULD_SET_UP]


def test_flag_labels() -> None:
    assert F.SHOULD_SET_UP.zh == "应单独组建党组织"
    assert F.EXPECT_COMMITTEE.zh == "应设党委"
    assert F.EXPECT_GENERAL_BRANCH.zh == "应设党总支"


def test_coverage_ratio() -> None:
    assert coverage_ratio(3, 4) == 0.75
    assert coverage_ratio(0, 5) == 0.0
    assert coverage_ratio(0, 0) is None
