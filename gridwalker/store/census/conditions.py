"""SQL pieces of census reads: latest and this year's records, rule flags, rooms in order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Alias, ColumnElement, Subquery, and_, case, false, func, or_, select

from gridwalker.domain import clock
from gridwalker.domain.census import (
    MIN_MEMBERS_FOR_COMMITTEE,
    MIN_MEMBERS_FOR_GENERAL_BRANCH,
    MIN_MEMBERS_FOR_OWN_ORG,
    CensusFlag,
)
from gridwalker.domain.choices import PartyOrgKind, PartyOrgStatus
from gridwalker.store.census.rows import GONE_STATUSES
from gridwalker.store.tables import CensusRecord, Enterprise


def this_year(year: int | None) -> int:
    """The census year asked for, else the clock's year."""
    return clock.today().year if year is None else year


def _record_table(name: str) -> Alias:
    """An alias of the census record table."""
    return CensusRecord.__table__.alias(name)  # type: ignore[attr-defined]


def latest_record(year: int) -> Subquery:
    """Each enterprise's latest live census record up to `year` (joined by enterprise_uuid)."""
    rec = _record_table("rec")
    newest = (
        select(CensusRecord.enterprise_uuid, func.max(CensusRecord.year).label("year"))
        .where(CensusRecord.deleted == false(), CensusRecord.year <= year)
        .group_by(CensusRecord.enterprise_uuid)
        .subquery("newest")
    )
    return (
        select(rec)
        .join(
            newest,
            and_(newest.c.enterprise_uuid == rec.c.enterprise_uuid, newest.c.year == rec.c.year),
        )
        .where(rec.c.deleted == false())
        .subquery("latest")
    )


def year_record(year: int) -> Subquery:
    """The live census records of exactly `year`."""
    cur = _record_table("cur_rec")
    return (
        select(cur.c.uuid, cur.c.enterprise_uuid)
        .where(cur.c.year == year, cur.c.deleted == false())
        .subquery("cur")
    )


def flag_condition(flag: CensusFlag, rec: Any) -> ColumnElement[bool]:
    """The rule of `flag` as a SQL condition on a census record's columns (`rec.c`)."""
    members = rec.c.party_members
    status = func.coalesce(rec.c.party_org_status, PartyOrgStatus.NONE.value)
    kind = func.coalesce(rec.c.party_org_kind, "")
    own = status == PartyOrgStatus.OWN.value
    if flag is CensusFlag.SHOULD_SET_UP:
        return and_(status == PartyOrgStatus.NONE.value, members >= MIN_MEMBERS_FOR_OWN_ORG)
    if flag is CensusFlag.TOO_FEW_MEMBERS:
        return and_(own, members < MIN_MEMBERS_FOR_OWN_ORG)
    if flag is CensusFlag.EXPECT_GENERAL_BRANCH:
        return and_(
            own,
            members >= MIN_MEMBERS_FOR_GENERAL_BRANCH,
            members < MIN_MEMBERS_FOR_COMMITTEE,
            kind != PartyOrgKind.GENERAL_BRANCH.value,
        )
    if flag is CensusFlag.EXPECT_COMMITTEE:
        return and_(own, members >= MIN_MEMBERS_FOR_COMMITTEE, kind != PartyOrgKind.COMMITTEE.value)
    raise ValueError(f"no SQL rule for flag {flag!r}")


def any_flag(rec: Any) -> ColumnElement[bool]:
    """Whether a census record raises any rule flag."""
    return or_(*(flag_condition(flag, rec) for flag in CensusFlag))


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), zero for no rows."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def still_present() -> ColumnElement[bool]:
    """An enterprise still in its tower (not moved out or deregistered)."""
    return Enterprise.operating_status.not_in(GONE_STATUSES)


def room_order() -> tuple[Any, ...]:
    """Floor (unknown floors last), then room with shorter numbers first, then name."""
    return (
        Enterprise.floor.is_(None),
        Enterprise.floor,
        func.length(func.coalesce(Enterprise.room, "")),
        Enterprise.room,
        Enterprise.name,
        Enterprise.uuid,
    )
