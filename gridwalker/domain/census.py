"""Enterprise census rules: flags shown to the user, never blocking a save."""

from __future__ import annotations

from .choices import Choice, PartyOrgKind, PartyOrgStatus

MIN_MEMBERS_FOR_OWN_ORG = 3
MIN_MEMBERS_FOR_GENERAL_BRANCH = 50
MIN_MEMBERS_FOR_COMMITTEE = 100


class CensusFlag(Choice):
    """A census record that does not fit the party-organisation rules."""

    SHOULD_SET_UP = (
        "should_set_up",
        "应单独组建党组织",
        "3+ party members, no organisation: should set up its own branch",
    )
    TOO_FEW_MEMBERS = (
        "too_few_members",
        "党员不足3人却单独组建",
        "Own organisation with fewer than 3 party members: inconsistent",
    )
    EXPECT_GENERAL_BRANCH = (
        "expect_general_branch",
        "应设党总支",
        "50–99 party members: a general party branch is expected",
    )
    EXPECT_COMMITTEE = (
        "expect_committee",
        "应设党委",
        "100+ party members: a party committee is expected",
    )


def census_flags(
    party_members: int | None,
    org_status: PartyOrgStatus | str | None,
    org_kind: PartyOrgKind | str | None,
) -> list[CensusFlag]:
    """Return the rule flags for a census record; unknown member counts raise no flag.

    A missing organisation status counts as "none"; status and kind may be codes or labels.
    """
    if party_members is None:
        return []
    status = PartyOrgStatus.NONE if org_status in (None, "") else PartyOrgStatus.parse(org_status)
    kind = None if org_kind in (None, "") else PartyOrgKind.parse(org_kind)
    flags: list[CensusFlag] = []
    if status is PartyOrgStatus.NONE and party_members >= MIN_MEMBERS_FOR_OWN_ORG:
        flags.append(CensusFlag.SHOULD_SET_UP)
    if status is PartyOrgStatus.OWN:
        if party_members < MIN_MEMBERS_FOR_OWN_ORG:
            flags.append(CensusFlag.TOO_FEW_MEMBERS)
        elif party_members >= MIN_MEMBERS_FOR_COMMITTEE:
            if kind is not PartyOrgKind.COMMITTEE:
                flags.append(CensusFlag.EXPECT_COMMITTEE)
        elif party_members >= MIN_MEMBERS_FOR_GENERAL_BRANCH:
            if kind is not PartyOrgKind.GENERAL_BRANCH:
                flags.append(CensusFlag.EXPECT_GENERAL_BRANCH)
    return flags


def coverage_ratio(covered: int, total: int) -> float | None:
    """Return covered / total, or None when there is nothing to cover."""
    if total <= 0:
        return None
    return covered / total
