"""The roster import: every row checked, matched in the database, then written at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from gridwalker.domain.choices import Relation, ResidenceType
from gridwalker.domain.forms import second_head
from gridwalker.store import search
from gridwalker.store.roster.checking import CheckedRow, RowChecker
from gridwalker.store.roster.columns import RosterError, RosterResult
from gridwalker.store.roster.places import Places, PlannedPlace
from gridwalker.store.roster.reading import read_rows
from gridwalker.store.tables import Household, Resident
from gridwalker.store.writes import Writer, new_uuid

_BATCH = 5000


def _chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    """Slices of at most `size` items."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _changes(existing: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The given fields that differ from the stored resident (care tags compared as sets)."""
    out = {}
    for key, value in data.items():
        old = existing[key]
        if key == "care_tags":
            if set(old or []) != set(value):
                out[key] = value
        elif old != value:
            out[key] = value
    return out


def _insert_data(household: str, data: dict[str, Any]) -> dict[str, Any]:
    """A new resident's row: the given fields plus defaults."""
    return {
        "household_uuid": household,
        "relation": Relation.SELF.value,
        "residence_type": ResidenceType.PERMANENT.value,
        "care_tags": [],
        **data,
    }


def import_roster(
    engine: Engine,
    path: Path,
    *,
    grid_code: str | None,
    create: bool,
    dry_run: bool,
    actor: str,
    lang: str = "zh",
    then: Callable[[Connection], None] | None = None,
) -> RosterResult:
    """Check a roster file and, when every row is fine and it is no dry run, apply it at once.

    `then` runs in the same transaction after the rows are written (the hub keeps their
    versions as its own: `store.desk.people.keep_hub_versions`).
    """
    _keys, headers, raw_rows, unreadable = read_rows(Path(path), lang)
    if grid_code and "/" in grid_code.replace("／", "/"):  # a grid named by its path of names
        from gridwalker.store.rounds.setup import SetupProblem, find_grid

        with engine.connect() as conn:
            try:
                found = find_grid(conn, grid_code)
            except SetupProblem as exc:
                raise RosterError(str(exc)) from None
        if found is None:
            raise RosterError(f"未知网格「{grid_code}」/ unknown grid {grid_code!r}")
        grid_code = found.code
    checker = RowChecker(headers, grid_code, lang)
    checker.errors.extend(unreadable)
    result = RosterResult(rows=len(raw_rows) + len(unreadable))
    rows = [row for line, raw in raw_rows if (row := checker.check(line, raw)) is not None]
    _duplicates(rows, checker)

    with engine.begin() as conn:
        places = Places(conn, create, checker)
        placed = [(row, b) for row in rows if (b := places.building(row)) is not None]
        result.places_created = places.created

        planned_ids = {p.uuid for p in places.planned}
        known = sorted({b for _, b in placed if b not in planned_ids})
        households: dict[tuple[str, int, str], str] = {}
        for chunk in _chunks(known):
            for uuid, building, unit, room in conn.execute(
                select(
                    Household.uuid, Household.building_uuid, Household.unit, Household.room
                ).where(Household.building_uuid.in_(chunk), Household.deleted.is_(False))
            ):
                households.setdefault((building, unit, str(room)), uuid)
        residents: dict[str, list[dict[str, Any]]] = {}
        ids = sorted(set(households.values()))
        for chunk in _chunks(ids):
            for r in conn.execute(
                select(Resident.__table__).where(
                    Resident.household_uuid.in_(chunk), Resident.deleted.is_(False)
                )
            ).mappings():
                residents.setdefault(r["household_uuid"], []).append(dict(r))

        new_households: dict[tuple[str, int, str], PlannedPlace] = {}
        inserts: list[dict[str, Any]] = []
        updates: list[tuple[str, dict[str, Any]]] = []
        claimed: dict[str, int] = {}
        heads = _Heads(residents, checker)
        for row, building in placed:
            if not row.ok:
                continue
            key = (building, row.unit, row.room)
            household = households.get(key)
            if household is None:
                planned = new_households.get(key)
                if planned is None:
                    planned = PlannedPlace(
                        "household",
                        new_uuid(),
                        {
                            "building_uuid": building,
                            "unit": row.unit,
                            "floor": row.floor,
                            "room": row.room,
                        },
                    )
                    new_households[key] = planned
                if not heads.place(planned.uuid, row, None):
                    continue
                if row.data["relation"] == "self" and "head_name" not in planned.data:
                    planned.data["head_name"] = row.data["name"]
                    if "phone" in row.data:
                        planned.data["phone"] = row.data["phone"]
                inserts.append(_insert_data(planned.uuid, row.data))
                continue
            match = _match(residents.get(household, []), row.data)
            if match is None:
                if heads.place(household, row, None):
                    inserts.append(_insert_data(household, row.data))
                continue
            if match["uuid"] in claimed:
                first = claimed[match["uuid"]]
                checker.error(
                    row.line,
                    "name",
                    f"与第{first}行匹配到同一位居民",
                    f"matches the same resident as line {first}",
                )
                continue
            claimed[match["uuid"]] = row.line
            if not heads.place(household, row, match):
                continue
            changes = _changes(match, row.data)
            if changes:
                updates.append((match["uuid"], changes))
            else:
                result.unchanged += 1

        result.households_created = len(new_households)
        result.residents_created = len(inserts)
        result.residents_updated = len(updates)
        result.errors = sorted(checker.errors, key=lambda e: e.line)
        if result.errors or dry_run or not (inserts or updates or places.planned):
            return result

        places.walk_new_buildings_in_order()
        writer = Writer(conn, actor, index=False)
        for entity in ("street", "community", "grid", "building"):
            chosen = [p for p in places.planned if p.entity == entity]
            writer.insert_many(entity, [p.data for p in chosen], [p.uuid for p in chosen])
        planned_households = list(new_households.values())
        for chunk in _chunks(planned_households, _BATCH):
            writer.insert_many("household", [p.data for p in chunk], [p.uuid for p in chunk])
        resident_ids: list[str] = []
        for chunk in _chunks(inserts, _BATCH):
            resident_ids += writer.insert_many("resident", chunk)
        for uuid, changes in updates:
            writer.update("resident", uuid, changes)
            resident_ids.append(uuid)
        search.index_rows(conn, "household", [p.uuid for p in planned_households])
        search.index_rows(conn, "resident", resident_ids)
        if then is not None:
            then(conn)
        result.written = True
    return result


class _Heads:
    """One 本人 per household (`domain.forms.second_head`, the rule the resident form
    applies): the heads each household has, stored and from earlier rows of the file."""

    def __init__(self, stored: dict[str, list[dict[str, Any]]], checker: RowChecker) -> None:
        self.checker = checker
        self.heads: dict[str, dict[str, str]] = {
            household: {
                r["uuid"]: r["name"]
                for r in people
                if r["relation"] == Relation.SELF.value and not r["moved_out"]
            }
            for household, people in stored.items()
        }

    def place(self, household: str, row: CheckedRow, match: dict[str, Any] | None) -> bool:
        """Whether the row may be written; a new resident of no given relation is the head
        when the household has none yet, else 其他 (other). A second head is the row's error."""
        heads = self.heads.setdefault(household, {})
        key = match["uuid"] if match is not None else f"line:{row.line}"
        others = [name for uuid, name in heads.items() if uuid != key]
        if "relation" not in row.data and match is None:
            row.data["relation"] = Relation.OTHER.value if others else Relation.SELF.value
        relation = row.data.get("relation", match["relation"] if match else Relation.SELF.value)
        if match is not None and match["moved_out"]:
            return True  # not of the household now: no head to count
        bad = second_head(relation, others)
        if bad is not None:
            self.checker.error(row.line, "relation", bad.zh, bad.en)
            return False
        if relation == Relation.SELF.value:
            heads[key] = row.data["name"]
        else:
            heads.pop(key, None)
        return True


def _match(candidates: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any] | None:
    """The stored resident a row is: same ID number, else same name (without a different ID)."""
    id_number = data.get("id_number")
    if id_number:
        for resident in candidates:
            if resident["id_number"] == id_number:
                return resident
    for resident in candidates:
        if resident["name"] == data["name"] and not (id_number and resident["id_number"]):
            return resident
    return None


def _duplicates(rows: list[CheckedRow], checker: RowChecker) -> None:
    """Flag the second and later rows of a person already in the file (same ID or address+name)."""
    by_id: dict[str, int] = {}
    by_place: dict[tuple[Any, ...], int] = {}
    for row in rows:
        if not row.data["name"]:
            continue
        id_number = row.data.get("id_number")
        if id_number and id_number in by_id:
            first = by_id[id_number]
            checker.error(
                row.line,
                "id_number",
                f"与第{first}行重复：身份证号相同",
                f"duplicate of line {first}: same ID number",
            )
            row.ok = False
            continue
        place = (row.grid, row.building, row.unit, row.room, row.data["name"])
        if place in by_place:
            first = by_place[place]
            checker.error(
                row.line,
                "name",
                f"与第{first}行重复：同一房屋中的同一姓名",
                f"duplicate of line {first}: same name at the same address",
            )
            row.ok = False
            continue
        if id_number:
            by_id[id_number] = row.line
        by_place[place] = row.line
