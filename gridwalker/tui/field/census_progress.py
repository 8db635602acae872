"""Where a tower's census stands: its figures, and the next enterprise still to census."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.census import FloorRow, TowerRow


def next_to_census(floors: list[FloorRow], after: str | None) -> str | None:
    """The first present enterprise not censused this year after `after` (wrapping round)."""
    marks = [m for f in floors for m in f.enterprises]
    start = next((i + 1 for i, m in enumerate(marks) if m.uuid == after), 0)
    for mark in marks[start:] + marks[:start]:
        if not mark.gone and not mark.censused_this_year and mark.uuid != after:
            return mark.uuid
    return None


def tower_row(conn: Connection, tower_uuid: str) -> TowerRow | None:
    """One tower's census figures (runs in a worker)."""
    from gridwalker.store import census

    return next((t for t in census.towers_overview(conn) if t.uuid == tower_uuid), None)
