"""The street's building consultations at the desk: their counts across every member's
bundles, and a supervisor closing one.

The hub holds the votes of every laptop of a grid, so its count is the street's truth. Closing
fixes the result: the consultation row at the hub (written as the hub's own version, like the
hub's other writes: `HubWriter`) becomes `closed` with the ids of the votes held at that
moment in `counted` and the owner register as it stood in `counted_rooms`. Every database that counts it afterwards — the hub, and each laptop once
the next hub bundle brings the row — counts those votes only; a vote arriving later is kept
but reported as after closing, and a laptop refuses new votes (`consultations.ensure_open`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from gridwalker.domain import clock
from gridwalker.domain.consultation import ConsultStatus, owner_key
from gridwalker.store.consult import ConsultProblem
from gridwalker.store.consult.consultations import (
    ConsultationInfo,
    find_consultation,
    list_consultations,
)
from gridwalker.store.consult.counting import Count, count
from gridwalker.store.consult.register import register_rooms
from gridwalker.store.consult.votes import vote_history
from gridwalker.store.desk.people import HubWriter


@dataclass(frozen=True)
class DeskConsultation:
    """A consultation in the desk's list: its count now (fixed once closed)."""

    found: Count


def street_consultations(conn: Connection) -> list[DeskConsultation]:
    """Every live consultation the hub holds, newest first, each with its count."""
    return [DeskConsultation(count(conn, info)) for info in list_consultations(conn)]


def consultation_count(conn: Connection, uuid: str) -> Count:
    """One consultation's count with its votes (for the desk's view of it)."""
    return count(conn, find_consultation(conn, uuid))


def close_consultation(conn: Connection, actor: str, uuid: str) -> Count:
    """Close a consultation at the hub: its result is fixed on the votes held now, and the
    closing travels to the grid's laptops in their next hub bundle. ConsultProblem when it
    is closed already (by another supervisor meanwhile, say)."""
    info: ConsultationInfo = find_consultation(conn, uuid)
    if info.closed:
        when = info.closed_at.date().isoformat() if info.closed_at else ""
        raise ConsultProblem(
            f"该征询已于 {when} 由 {info.closed_by or ''} 结束 / this consultation was closed "
            f"on {when} by {info.closed_by or ''} already"
        )
    counted = sorted(vote.uuid for vote in vote_history(conn, info.uuid))
    register = {
        room.uuid: {"owner": owner_key(room.owner, unsold=room.unsold), "area": room.area}
        for room in register_rooms(conn, info.uuid)
    }
    HubWriter(conn, actor).update(
        "consultation",
        info.uuid,
        {
            "status": ConsultStatus.CLOSED.value,
            "closed_at": clock.now(),
            "closed_by": actor,
            "counted": counted,
            "counted_rooms": register,
        },
    )
    return count(conn, find_consultation(conn, info.uuid))
