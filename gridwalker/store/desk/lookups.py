"""Small look-ups the desk's screens need: the places the review queue can be filtered by and
a record's own fields (where a returned record is corrected on a laptop:
`store.returns.correction_target`). Screens call these in workers and get plain data back."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection

from gridwalker.store import queries, rounds
from gridwalker.store.tables import data_columns


@dataclass(frozen=True)
class Place:
    """A community, grid or member the queue can be filtered by."""

    uuid: str
    name: str
    parent: str = ""


@dataclass(frozen=True)
class Places:
    """What the pickers offer: communities, grids and members of the hub, and its streets."""

    communities: list[Place]
    grids: list[Place]
    members: list[Place]
    streets: list[Place] = field(default_factory=list)


def queue_places(conn: Connection) -> Places:
    """Communities, grids and members for the queue's pickers."""
    communities: list[Place] = []
    grids: list[Place] = []
    streets: list[Place] = []
    for street in queries.street_overview(conn):
        streets.append(Place(street.uuid, street.name))
        for community in queries.communities(conn, street.uuid):
            communities.append(Place(community.uuid, community.name))
            for grid in queries.grids(conn, community.uuid):
                grids.append(Place(grid.uuid, f"{grid.code} {grid.name}", community.name))
    members = [
        Place(m.uuid, m.name, m.grid_code) for m in rounds.members(conn) if m.grid_uuid is not None
    ]
    return Places(communities, grids, members, streets)


def record_fields(entity: str) -> list[str]:
    """The fields of a reviewed record, in the table's order (no sync columns)."""
    return data_columns(entity)
