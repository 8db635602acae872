"""How a household's place is written: one way everywhere (lists, search, issues, reports)."""

from __future__ import annotations


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
