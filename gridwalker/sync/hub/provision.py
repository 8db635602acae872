"""`hub provision --member NAME --out DIR`: a laptop's grid as the hub holds it (CLI.md).

A hub bundle of `kind: full` for the member's enrolled device (the newest one enrolled from a
pairing file, not revoked): the street, community and grid rows, the member, the grid's
buildings, households, residents and visits, the enterprises of its buildings and their census
records, the grid's issues not yet closed with their events, and the supervisor's decisions on
the grid's records (the pending returns among them). It is the next bundle of that device's
hub chain, so `gridwalker import FILE` on the laptop applies it like any hub bundle: to an
empty database, or merged by revs. The device's next `hub export` sends only what is newer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, false, func, select

from gridwalker.config import Paths
from gridwalker.domain.choices import IssueStatus
from gridwalker.store import returns
from gridwalker.store.tables import (
    Audit,
    Building,
    CensusRecord,
    Community,
    Consultation,
    ConsultRoom,
    ConsultVote,
    Enterprise,
    Grid,
    Household,
    Issue,
    IssueEvent,
    Member,
    Resident,
    Visit,
)
from gridwalker.store.tables.hub import HubDevice
from gridwalker.store.tables.review import HubDecision
from gridwalker.sync.hub.export import (
    DUMPS,
    HubContent,
    HubExportResult,
    _record_lines,
    consult_top,
    decision_record,
    write_hub_bundle,
)
from gridwalker.sync.keys import load_hub_signing_key

CLOSED = (IssueStatus.CLOSED.value,)


class ProvisionProblem(ValueError):
    """A provisioning that cannot be made (bilingual message)."""


def member_device(conn: Connection, name: str) -> tuple[str, str, str]:
    """(member uuid, device id, recipient) of the member's newest enrolled laptop."""
    member = conn.execute(
        select(Member.uuid).where(Member.name == name.strip(), Member.deleted == false())
    ).scalar()
    if member is None:
        raise ProvisionProblem(
            f"没有网格员「{name}」/ no member called {name!r}: gridwalker hub member add NAME --grid CODE"
        )
    device = conn.execute(
        select(HubDevice.device_id, HubDevice.recipient)
        .where(
            HubDevice.member == name.strip(),
            HubDevice.revoked_at.is_(None),
            HubDevice.device_id.is_not(None),
            HubDevice.recipient.is_not(None),
        )
        .order_by(HubDevice.enrolled_at.desc())
        .limit(1)
    ).first()
    if device is None:
        raise ProvisionProblem(
            f"{name} 还没有登记的笔记本 / no laptop enrolled for {name}: on the laptop, "
            "gridwalker setup … --pair-out DIR; here, gridwalker hub enroll PAIRFILE"
        )
    return member, device.device_id, device.recipient


def grid_rows(conn: Connection, member_uuid: str) -> dict[str, list[str]]:
    """The uuids, per entity, of everything a member's grid holds at the hub."""
    grids = set(
        conn.execute(
            select(Grid.uuid).where(Grid.member_uuid == member_uuid, Grid.deleted == false())
        ).scalars()
    )
    grids |= set(
        conn.execute(
            select(Member.grid_uuid).where(
                Member.uuid == member_uuid, Member.grid_uuid.is_not(None)
            )
        ).scalars()
    )
    if not grids:
        raise ProvisionProblem(
            "该网格员没有网格 / the member walks no grid: gridwalker hub member move"
        )

    def ids(stmt: Any) -> list[str]:
        return sorted({u for u in conn.execute(stmt).scalars() if u})

    in_grids = sorted(grids)
    buildings = select(Building.uuid).where(Building.grid_uuid.in_(in_grids))
    households = select(Household.uuid).where(Household.building_uuid.in_(buildings))
    enterprises = select(Enterprise.uuid).where(Enterprise.building_uuid.in_(buildings))
    issues = select(Issue.uuid).where(
        Issue.grid_uuid.in_(in_grids), Issue.deleted == false(), Issue.status.not_in(CLOSED)
    )
    communities = select(Grid.community_uuid).where(Grid.uuid.in_(in_grids))
    visits = select(Visit.uuid).where(Visit.household_uuid.in_(households))
    records = select(CensusRecord.uuid).where(CensusRecord.enterprise_uuid.in_(enterprises))
    out: dict[str, list[str]] = {
        "street": ids(select(Community.street_uuid).where(Community.uuid.in_(communities))),
        "community": ids(communities),
        "grid": in_grids,
        "building": ids(buildings),
        "household": ids(households),
        "resident": ids(select(Resident.uuid).where(Resident.household_uuid.in_(households))),
        "visit": ids(visits),
        "enterprise": ids(enterprises),
        "census_record": ids(records),
        "issue": ids(issues),
        "issue_event": ids(select(IssueEvent.uuid).where(IssueEvent.issue_uuid.in_(issues))),
    }
    # Everyone the rows name: who made the visits, census entries and issues sent.
    named = {member_uuid}
    named |= set(ids(select(Visit.member_uuid).where(Visit.uuid.in_(visits))))
    named |= set(ids(select(CensusRecord.member_uuid).where(CensusRecord.uuid.in_(records))))
    named |= set(ids(select(Issue.logged_by).where(Issue.uuid.in_(issues))))
    consultations = select(Consultation.uuid).where(
        Consultation.grid_uuid.in_(in_grids), Consultation.deleted == false()
    )
    out["consultation"] = ids(consultations)
    out["consult_room"] = ids(
        select(ConsultRoom.uuid).where(ConsultRoom.consultation_uuid.in_(consultations))
    )
    out["consult_vote"] = ids(
        select(ConsultVote.uuid).where(ConsultVote.consultation_uuid.in_(consultations))
    )
    out["member"] = sorted(named)
    return {entity: uuids for entity, uuids in out.items() if uuids}


def provision(engine: Engine, home: Paths, name: str, out_dir: Path) -> HubExportResult:
    """Write the provisioning bundle of a member's laptop into `out_dir` (which must exist)."""
    if not out_dir.is_dir():
        raise ProvisionProblem(
            f"{out_dir}: 文件夹不存在（U 盘插好了吗？）/ folder not found (is the USB stick mounted?)"
        )
    key = load_hub_signing_key(home)
    with engine.connect() as conn:
        member_uuid, device_id, recipient = member_device(conn, name)
        rows = grid_rows(conn, member_uuid)
        grids = set(rows["grid"])
        audit_top = conn.execute(select(func.coalesce(func.max(Audit.id), 0))).scalar_one()
        consulted_top = consult_top(conn)
        decision_top = conn.execute(select(func.coalesce(func.max(HubDecision.id), 0))).scalar_one()
        entities = []
        for entity, uuids in rows.items():
            lines, changes = [], []
            for i in range(0, len(uuids), 900):  # SQLite's bound parameters, per query
                more_lines, more_changes = _record_lines(
                    conn, entity, uuids[i : i + 900], device_id
                )
                lines += more_lines
                changes += more_changes
            entities.append((entity, lines, changes))
        decisions = [
            DUMPS(decision_record(d))
            for d in returns.iter_decisions(conn, 0, device_id, grids, decision_top)
        ]
    result = HubExportResult(device_id, name.strip())
    write_hub_bundle(
        engine,
        home,
        key,
        HubContent(
            device_id,
            recipient,
            entities,
            decisions,
            audit_top,
            decision_top,
            "full",
            consult_top=consulted_top,
        ),
        out_dir,
        result,
    )
    return result
