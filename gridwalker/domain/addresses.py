"""How a household's place is written: one way everywhere (lists, search, issues, reports)."""

from __future__ import annotations

import re


def door(building: str, unit: int | None, room: str | None) -> str:
    """Building, unit and room: 7栋 1单元 602 (a missing unit or room is left out)."""
    parts = [str(building)]
    if unit is not None:
        parts.append(f"{unit}单元")
    if room:
        parts.append(str(room))
    return " ".join(parts)


def address(community: str, building: str, unit: int | None, room: str | None) -> str:
    """The community before the door: 邮三社区·7栋 1单元 602."""
    return f"{community}·{door(building, unit, room)}"


_RUNS = re.compile(r"(\d+)")


def natural_key(text: str | None) -> tuple[tuple[int, int | str], ...]:
    """A sort key that orders numbers by value: 1栋 < 2栋 < 10栋, 201 < 1001."""
    parts = _RUNS.split(text or "")
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)


# "1-201", "1-2-201", "1栋201", "1栋2单元201", "1号楼2单元201室", "1幢 201"
_DASHED = re.compile(r"^(\d+)\s*[-－—]\s*(?:(\d+)\s*[-－—]\s*)?([0-9A-Za-z]+)$")
_WRITTEN = re.compile(
    r"^(\d+)\s*(?:栋|幢|号楼|号|座)\s*(?:(\d+)\s*单元)?\s*([0-9A-Za-z]+)\s*(?:室|号)?$"
)


def parse_door(query: str) -> tuple[int, int | None, str] | None:
    """(building number, unit or None, room) of an address as people write it, else None."""
    text = " ".join(query.split())
    found = _DASHED.match(text) or _WRITTEN.match(text)
    if found is None:
        return None
    building, unit, room = found.groups()
    return int(building), int(unit) if unit else None, room.upper()


def building_number(name: str) -> int | None:
    """The number a building's name starts with (1栋, 1号楼, 1幢 → 1), or None."""
    found = re.match(r"^\s*(\d+)", name or "")
    return int(found.group(1)) if found else None
