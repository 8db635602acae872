"""The count of a consultation from its register and votes, and the elevator cost shares.

The rules are the domain's (`domain.consultation.tally`); here the rooms and each room's
latest vote are read and handed over, so a laptop and the hub holding the same rows count
the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from gridwalker.domain.consultation import (
    ConsultError,
    CostRoom,
    Room,
    Tally,
    area_text,
    cost_shares,
    fraction_text,
    owner_key,
    tally,
)
from gridwalker.store.consult import ConsultProblem
from gridwalker.store.consult.consultations import ConsultationInfo
from gridwalker.store.consult.register import RegisterRoom, register_rooms, room_label
from gridwalker.store.consult.votes import Vote, effective_votes, vote_history


@dataclass(frozen=True)
class Count:
    """A consultation's count with what it was made from."""

    consultation: ConsultationInfo
    tally: Tally
    rooms: list[RegisterRoom]
    latest: dict[str, Vote]  # room uuid → its latest vote
    history: list[Vote]  # the votes counted (of a closed consultation: those it was closed on)
    late: list[Vote] = field(default_factory=list)  # arrived after closing: kept, not counted
    absent: int = 0  # counted votes this database does not hold yet (a laptop behind the hub)


def count(conn: Connection, consultation: ConsultationInfo) -> Count:
    """Count a consultation as its database holds it now."""
    rooms = register_rooms(conn, consultation.uuid)
    history = vote_history(conn, consultation.uuid)
    late: list[Vote] = []
    absent = 0
    if consultation.closed_at is not None:
        # Fixed at closing: only the votes it was closed on count, wherever it is counted.
        late = [v for v in history if v.uuid not in consultation.counted]
        history = [v for v in history if v.uuid in consultation.counted]
        absent = len(consultation.counted) - len(history)
    latest = effective_votes(history)
    register = [Room(r.uuid, owner_key(r.owner, unsold=r.unsold), Decimal(r.area)) for r in rooms]
    if consultation.closed_at is not None and consultation.counted_rooms:
        # the register as it was counted: a room typed or changed after closing moves nothing
        register = [
            Room(uuid, room["owner"], Decimal(room["area"]))
            for uuid, room in sorted(consultation.counted_rooms.items())
        ]
    result = tally(
        consultation.kind,
        consultation.matter,
        register,
        {room: vote.choice for room, vote in latest.items()},
        consultation.options,
    )
    return Count(consultation, result, rooms, latest, history, late, absent)


def shares(consultation: ConsultationInfo, rooms: list[RegisterRoom]) -> dict[str, Decimal]:
    """Each room's share of the cost (room uuid → yuan); empty when no cost was set."""
    if consultation.cost is None or not consultation.coefficients:
        return {}
    # keyed by the room as people name it, so a refusal says which room (1单元 901)
    by_label = {room_label(r.unit, r.room): r.uuid for r in rooms}
    try:
        split = cost_shares(
            consultation.cost,
            consultation.subsidy or Decimal(0),
            consultation.coefficients,
            [CostRoom(room_label(r.unit, r.room), r.floor, Decimal(r.area)) for r in rooms],
        )
    except ConsultError as exc:
        raise ConsultProblem(str(exc)) from None
    return {by_label[label]: share for label, share in split.items()}


def _share(share: Any, *, threshold: bool = True) -> dict[str, Any]:
    out = {
        "owners": share.owners,
        "area": area_text(share.area),
        "owners_ratio": fraction_text(share.owners_ratio),
        "area_ratio": fraction_text(share.area_ratio),
    }
    if threshold:
        out["met"] = share.met
    return out


def tally_json(found: Count) -> dict[str, Any]:
    """The count as `consult tally --json` prints it (CLI contract, issue #17): ratios as
    "num/den", areas as decimal strings, `missing` 0 once passed."""
    t, c = found.tally, found.consultation
    out: dict[str, Any] = {
        "id": c.uuid,
        "title": c.title,
        "scope": c.scope,
        "kind": t.kind.value,
        "matter": t.matter.value if t.matter else None,
        "rooms": t.rooms,
        "owners": t.owners,
        "area_total": area_text(t.area_total),
        "participation": _share(t.participation),
        "agree": _share(t.agree) if t.agree else None,
        "passed": t.passed,
        "missing": (
            {"owners": t.missing.owners, "area": area_text(t.missing.area)} if t.missing else None
        ),
        "votes": len(found.history),
        "not_asked": len(t.not_asked),
        # closed at the hub: the result is fixed; later votes are kept, listed, not counted
        "status": c.status.value,
        "closed_at": c.closed_at.isoformat() if c.closed_at else None,
        "closed_by": c.closed_by,
        "after_closing": len(found.late),
    }
    if t.options:
        out["options"] = [{"option": o.option, **_share(o, threshold=False)} for o in t.options]
    return out


def household_consultations(
    conn: Connection, household_uuid: str
) -> list[tuple[ConsultationInfo, RegisterRoom]]:
    """The open consultations whose owner register holds a household's room, with the room
    (what "record the owner's opinion" on the household screen offers)."""
    from sqlalchemy import select

    from gridwalker.domain.consultation import ConsultStatus
    from gridwalker.store.consult.consultations import find_consultation
    from gridwalker.store.tables import ConsultRoom

    stmt = select(ConsultRoom.consultation_uuid, ConsultRoom.uuid).where(
        ConsultRoom.household_uuid == household_uuid, ConsultRoom.deleted.is_(False)
    )
    out = []
    for consultation_uuid, room_uuid in conn.execute(stmt).all():
        info = find_consultation(conn, consultation_uuid)
        if info.status is not ConsultStatus.OPEN:
            continue
        room = next(r for r in register_rooms(conn, consultation_uuid) if r.uuid == room_uuid)
        out.append((info, room))
    return sorted(out, key=lambda pair: pair[0].title)


def open_counts(conn: Connection, grid_uuid: str) -> list[Count]:
    """The open consultations of a grid, each with its live count (what the round shows per
    building), by building, unit and title."""
    from gridwalker.store.consult.consultations import list_consultations

    found = [
        count(conn, info)
        for info in list_consultations(conn)
        if info.grid_uuid == grid_uuid and not info.closed
    ]
    return sorted(
        found,
        key=lambda c: (c.consultation.building, c.consultation.unit or 0, c.consultation.title),
    )
