"""One enterprise: found by credit code, its reference, last census as a form, history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, false, select

from gridwalker.domain.validators import normalize_uscc
from gridwalker.store.census.rows import (
    GONE_STATUSES,
    CensusForm,
    CensusRecordRow,
    EnterpriseRef,
    safe_flags,
)
from gridwalker.store.tables import Building, CensusRecord, Enterprise, Member


def _ref_query() -> Select[Any]:
    """Live enterprises with their tower, as EnterpriseRef columns."""
    return (
        select(
            Enterprise.uuid,
            Enterprise.name,
            Enterprise.uscc,
            Building.uuid,
            Building.name,
            Enterprise.floor,
            Enterprise.room,
            Enterprise.operating_status,
        )
        .join(Building, Building.uuid == Enterprise.building_uuid)
        .where(Enterprise.deleted == false())
    )


def find_by_uscc(
    conn: Connection, uscc: str, *, exclude_uuid: str | None = None
) -> EnterpriseRef | None:
    """The enterprise already recorded with this credit code (present ones first), if any."""
    code = normalize_uscc(uscc or "")
    if not code:
        return None
    stmt = _ref_query().where(Enterprise.uscc == code)
    if exclude_uuid is not None:
        stmt = stmt.where(Enterprise.uuid != exclude_uuid)
    stmt = stmt.order_by(
        Enterprise.operating_status.in_(GONE_STATUSES), Enterprise.name, Enterprise.uuid
    ).limit(1)
    row = conn.execute(stmt).first()
    return None if row is None else EnterpriseRef(*row)


def enterprise_ref(conn: Connection, enterprise_uuid: str) -> EnterpriseRef | None:
    """Where a live enterprise is recorded (for a link or a form's title), or None."""
    row = conn.execute(_ref_query().where(Enterprise.uuid == enterprise_uuid)).first()
    return None if row is None else EnterpriseRef(*row)


def enterprise_row(conn: Connection, enterprise_uuid: str) -> dict[str, Any]:
    """A live enterprise row; LookupError when there is none."""
    row = (
        conn.execute(
            select(Enterprise.__table__).where(  # type: ignore[attr-defined]
                Enterprise.uuid == enterprise_uuid, Enterprise.deleted == false()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise LookupError(f"no enterprise {enterprise_uuid}")
    return dict(row)


def _record_of(conn: Connection, enterprise_uuid: str, year: int, *, before: bool) -> Any:
    """The live record of `year`, or with `before` the latest live one before it."""
    table = CensusRecord.__table__  # type: ignore[attr-defined]
    stmt = select(table).where(
        table.c.enterprise_uuid == enterprise_uuid, table.c.deleted == false()
    )
    if before:
        stmt = stmt.where(table.c.year < year).order_by(table.c.year.desc()).limit(1)
    else:
        stmt = stmt.where(table.c.year == year)
    return conn.execute(stmt).mappings().first()


def census_prefill(conn: Connection, enterprise_uuid: str, year: int) -> CensusForm:
    """The form for an enterprise's census of `year`.

    This year's record when there is one (editing), else the latest earlier record's answers
    (only changes need typing), else defaults; the enterprise's own fields come from its row.
    """
    ent = enterprise_row(conn, enterprise_uuid)
    form = CensusForm(
        uscc=ent["uscc"] or "",
        name=ent["name"],
        industry=ent["industry"],
        ownership=ent["ownership"],
        operating_status=ent["operating_status"],
        contact_name=ent["contact_name"],
        contact_phone=ent["contact_phone"],
        floor=ent["floor"],
        room=ent["room"],
        enterprise_rev=ent["rev"],
    )
    record = _record_of(conn, enterprise_uuid, year, before=False)
    if record is not None:
        form.record_uuid = record["uuid"]
        form.record_rev = record["rev"]
    else:
        record = _record_of(conn, enterprise_uuid, year, before=True)
    if record is None:
        return form
    form.source_year = record["year"]
    form.industry = ent["industry"] or record["industry"]
    form.ownership = ent["ownership"] or record["ownership"]
    form.contact_name = ent["contact_name"] or record["contact_name"]
    form.contact_phone = ent["contact_phone"] or record["contact_phone"]
    form.scale = record["scale"]
    form.employees = record["employees"]
    form.party_org_status = record["party_org_status"]
    form.party_org_kind = record["party_org_kind"]
    form.party_members = record["party_members"]
    form.instructor_assigned = bool(record["instructor_assigned"])
    form.has_union = bool(record["has_union"])
    form.has_youth_league = bool(record["has_youth_league"])
    return form


def census_history(conn: Connection, enterprise_uuid: str) -> list[CensusRecordRow]:
    """An enterprise's census records, newest year first, with who took them."""
    stmt = (
        select(
            CensusRecord.uuid,
            CensusRecord.year,
            CensusRecord.census_date,
            CensusRecord.member_uuid,
            Member.name,
            CensusRecord.industry,
            CensusRecord.ownership,
            CensusRecord.scale,
            CensusRecord.employees,
            CensusRecord.operating_status,
            CensusRecord.contact_name,
            CensusRecord.contact_phone,
            CensusRecord.party_org_status,
            CensusRecord.party_org_kind,
            CensusRecord.party_members,
            CensusRecord.instructor_assigned,
            CensusRecord.has_union,
            CensusRecord.has_youth_league,
        )
        .outerjoin(Member, Member.uuid == CensusRecord.member_uuid)
        .where(CensusRecord.enterprise_uuid == enterprise_uuid, CensusRecord.deleted == false())
        .order_by(CensusRecord.year.desc())
    )
    return [
        CensusRecordRow(*row, flags=safe_flags(row[14], row[12], row[13]))
        for row in conn.execute(stmt)
    ]
