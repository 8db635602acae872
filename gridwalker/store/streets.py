"""Which street a place-bound row belongs to: one rule, derived from the row's place chain.

Places chain household → building → grid → community → street; every record of a grid
member (a resident, a visit, a census record, an issue, a consultation …) hangs from one of
them. Each such table carries a `street_uuid` column (`tables.base.StreetField`) that the
filters, the reports and PostgreSQL's row-level security read (`store.rls`). It is derived,
never a field of the record: it does not travel in a bundle nor enter a rev.

`streets_for` gives rows about to be written their street (the Writer: a supervisor's login
may insert only rows of its street, so the street must be there at once; the hub's import,
which writes rows with their street rather than rewrite every row it loaded afterwards);
`fill_streets_of` sets it for some rows by uuid (the import's merged rows, and those whose
place arrived after them); `fill_streets` sets it, set-based, for every row written since a
change number: every write path gives each row it writes a new change number, so one call
after the writes fills them all, however the rows were inserted. A row whose
place moved (a building given to another grid) is derived again when it is written; rows
hanging from it keep their street until they are written again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, false, func, select, update

from gridwalker.store.tables import SYNCED_TABLES, Device, Street

# Per street-bound entity, in the order a fill must go (a parent before its children): the
# columns naming its place and the entity each names. Several: the first known wins.
PLACE_OF: dict[str, tuple[tuple[str, str], ...]] = {
    "grid": (("community_uuid", "community"),),
    "member": (("grid_uuid", "grid"),),
    "building": (("grid_uuid", "grid"),),
    "household": (("building_uuid", "building"),),
    "resident": (("household_uuid", "household"),),
    "visit": (("household_uuid", "household"),),
    "enterprise": (("building_uuid", "building"),),
    "census_record": (("enterprise_uuid", "enterprise"),),
    "issue": (
        ("grid_uuid", "grid"),
        ("household_uuid", "household"),
        ("building_uuid", "building"),
        ("enterprise_uuid", "enterprise"),
    ),
    "issue_event": (("issue_uuid", "issue"),),
    "consultation": (("grid_uuid", "grid"),),
    "consult_room": (("consultation_uuid", "consultation"),),
    "consult_vote": (("consultation_uuid", "consultation"),),
}

STREET_BOUND: tuple[str, ...] = tuple(PLACE_OF)
# The entities other rows hang from (whose street their children take).
PLACES: frozenset[str] = frozenset(p for chain in PLACE_OF.values() for _column, p in chain)
FILL_CHUNK = 5000  # uuids per UPDATE of fill_streets_of (well under any parameter limit)


def derived_street(entity: str) -> ColumnElement[str | None]:
    """The street of a row of `entity`, as a SQL expression over that table's row."""
    table = SYNCED_TABLES[entity].__table__
    picks = []
    for column, parent_entity in PLACE_OF[entity]:
        parent = SYNCED_TABLES[parent_entity].__table__.alias(f"place_{parent_entity}")
        picks.append(
            select(parent.c.street_uuid).where(parent.c.uuid == table.c[column]).scalar_subquery()
        )
    return picks[0] if len(picks) == 1 else func.coalesce(*picks)


def streets_for(
    conn: Connection,
    entity: str,
    rows: Sequence[dict[str, Any]],
    places: dict[str, dict[str, str | None]] | None = None,
) -> list[str | None]:
    """The street of each row (dicts of data fields) about to be inserted, by the same rule
    as `derived_street`: a row written with its street passes a confined login's policy.

    `places` (by entity, uuid → street) are the streets of places the caller has just
    written itself: those are not read again.
    """
    found: list[str | None] = [None] * len(rows)
    for column, parent_entity in PLACE_OF[entity]:
        wanted = {row.get(column) for row, street in zip(rows, found, strict=True) if not street}
        wanted.discard(None)
        if not wanted:
            continue
        parent = SYNCED_TABLES[parent_entity].__table__
        written = (places or {}).get(parent_entity, {})
        known = {u: s for u in wanted if (s := written.get(u))}
        if missing := wanted - known.keys():
            known |= dict(
                conn.execute(
                    select(parent.c.uuid, parent.c.street_uuid).where(parent.c.uuid.in_(missing))
                ).all()
            )
        found = [
            street or known.get(row.get(column)) for row, street in zip(rows, found, strict=True)
        ]
    return found


def change_mark(conn: Connection) -> int:
    """The change number written last in this database (fill what comes after it)."""
    return int(conn.execute(select(Device.change_counter).where(Device.id == 1)).scalar() or 0)


def fill_streets(
    conn: Connection, after_change: int, entities: Iterable[str] | None = None
) -> None:
    """Give every row written after `after_change` the street its place says (all
    street-bound entities, or those of `entities`), parents before children."""
    wanted = set(STREET_BOUND if entities is None else entities)
    for entity in STREET_BOUND:
        if entity not in wanted:
            continue
        table = SYNCED_TABLES[entity].__table__
        conn.execute(
            update(table)
            .where(table.c.change > after_change)
            .values(street_uuid=derived_street(entity))
        )


def fill_streets_of(conn: Connection, entity: str, uuids: Iterable[str]) -> None:
    """Give some rows of one entity, by uuid, the street their place says now."""
    table = SYNCED_TABLES[entity].__table__
    wanted = sorted(set(uuids))
    for start in range(0, len(wanted), FILL_CHUNK):
        conn.execute(
            update(table)
            .where(table.c.uuid.in_(wanted[start : start + FILL_CHUNK]))
            .values(street_uuid=derived_street(entity))
        )


def fill_all_streets(conn: Connection) -> None:
    """Every row's street (a migration's backfill, or after places were reorganised)."""
    fill_streets(conn, after_change=-1)


class UnknownStreet(LookupError):
    """A street named on a command line that this database does not hold (or holds twice)."""


def find_street(conn: Connection, wanted: str) -> str:
    """The uuid of the live street named `wanted`: by its name, its uuid, or its area code
    when one street has it. UnknownStreet names the streets there are otherwise."""
    wanted = wanted.strip()
    live = select(Street.uuid, Street.name, Street.area_code).where(Street.deleted == false())
    rows = conn.execute(live.order_by(Street.name)).all()
    for column in ("name", "uuid"):
        hits = [r.uuid for r in rows if getattr(r, column) == wanted]
        if len(hits) == 1:
            return hits[0]
    coded = [r for r in rows if r.area_code == wanted]
    if len(coded) == 1:
        return coded[0].uuid
    known = "、".join(f"{r.name} ({r.area_code})" for r in rows) or "-"
    if len(coded) > 1:
        raise UnknownStreet(
            f"区划代码 {wanted} 有 {len(coded)} 个街道，请写街道名 / area code {wanted} has "
            f"{len(coded)} streets: give the street's name; streets: {known}"
        )
    raise UnknownStreet(f"没有街道「{wanted}」/ no street {wanted!r}; streets here: {known}")


def street_names(conn: Connection) -> dict[str, str]:
    """Every live street's name by its uuid."""
    return dict(
        conn.execute(select(Street.uuid, Street.name).where(Street.deleted == false())).all()
    )
