"""The census's rows as screens and reports get them, its form, and the form's fields."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

from gridwalker.domain.census import CensusFlag, census_flags
from gridwalker.domain.choices import (
    Choice,
    Industry,
    OperatingStatus,
    Ownership,
    PartyOrgKind,
    PartyOrgStatus,
    Scale,
)
from gridwalker.domain.validators import Invalid
from gridwalker.store.census.values import as_int

GONE_STATUSES = tuple(s.value for s in OperatingStatus if s.is_gone)
COVERED_STATUSES = tuple(s.value for s in PartyOrgStatus if s.covered)

# The form fields that hold a value-list code, and their value list.
CHOICE_FIELDS: dict[str, type[Choice]] = {
    "industry": Industry,
    "ownership": Ownership,
    "scale": Scale,
    "operating_status": OperatingStatus,
    "party_org_status": PartyOrgStatus,
    "party_org_kind": PartyOrgKind,
}
# What the enterprise row holds (the rest of the form is this year's census record).
ENTERPRISE_FIELDS = (
    "name",
    "uscc",
    "industry",
    "ownership",
    "floor",
    "room",
    "contact_name",
    "contact_phone",
    "operating_status",
)
RECORD_FIELDS = (
    "industry",
    "ownership",
    "scale",
    "employees",
    "operating_status",
    "contact_name",
    "contact_phone",
    "party_org_status",
    "party_org_kind",
    "party_members",
    "instructor_assigned",
    "has_union",
    "has_youth_league",
)


class CensusInputError(ValueError):
    """A census form that cannot be saved: `problems` maps each bad field to its reason."""

    def __init__(self, problems: dict[str, Invalid]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{name}: {p.en}" for name, p in problems.items()))


# --- rows -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TowerRow:
    """A tower with its census progress and party-organisation coverage."""

    uuid: str
    name: str
    kind: str
    floors: int | None
    grid_uuid: str
    grid_code: str
    enterprises: int  # present: not moved out or deregistered
    censused: int  # present and censused in the year
    with_org: int  # present, with an own or a joint organisation
    blank_spots: int  # present, without an organisation
    flagged: int  # present, with at least one rule flag
    gone: int  # moved out or deregistered, kept with their history
    to_census: int
    ratio: float | None


@dataclass(frozen=True, slots=True)
class EnterpriseMark:
    """An enterprise on its floor, marked for the tower view."""

    uuid: str
    name: str
    floor: int | None
    room: str | None
    uscc: str | None
    operating_status: str
    gone: bool
    censused_this_year: bool
    last_census_year: int | None
    party_org_status: str | None  # None: never censused
    party_org_kind: str | None
    party_members: int | None
    flags: list[CensusFlag]


@dataclass(frozen=True, slots=True)
class FloorRow:
    """One floor of a tower with its enterprises in room order."""

    floor: int | None
    enterprises: list[EnterpriseMark]
    present: int
    censused: int


@dataclass(frozen=True, slots=True)
class EnterpriseRef:
    """Where an enterprise is recorded: enough to show it and link to it."""

    uuid: str
    name: str
    uscc: str | None
    tower_uuid: str
    tower_name: str
    floor: int | None
    room: str | None
    operating_status: str

    def place(self, lang: str = "zh") -> str:
        """Tower, floor and room as one line, e.g. "良友大厦 12层 1203"."""
        parts = [self.tower_name]
        if self.floor is not None:
            parts.append(f"floor {self.floor}" if lang == "en" else f"{self.floor}层")
        if self.room:
            parts.append(f"room {self.room}" if lang == "en" else self.room)
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class CensusRecordRow:
    """One year's census answers of an enterprise."""

    uuid: str
    year: int
    census_date: date
    member_uuid: str | None
    member_name: str | None
    industry: str | None
    ownership: str | None
    scale: str | None
    employees: int | None
    operating_status: str
    contact_name: str | None
    contact_phone: str | None
    party_org_status: str
    party_org_kind: str | None
    party_members: int
    instructor_assigned: bool
    has_union: bool
    has_youth_league: bool
    flags: list[CensusFlag]


@dataclass(frozen=True, slots=True)
class InfoRow:
    """One enterprise of the information base (contact phone raw: mask it at output)."""

    uuid: str
    tower_uuid: str
    tower: str
    floor: int | None
    room: str | None
    name: str
    uscc: str | None
    industry: str | None
    ownership: str | None
    scale: str | None
    employees: int | None
    operating_status: str
    census_year: int | None
    party_org_status: str | None
    party_org_kind: str | None
    party_members: int | None
    instructor_assigned: bool | None
    has_union: bool | None
    has_youth_league: bool | None
    flags: list[CensusFlag]
    contact_name: str | None
    contact_phone: str | None


@dataclass(frozen=True, slots=True)
class InfoFilter:
    """What the information base shows; None means "any"."""

    grid_uuid: str | None = None
    street_uuid: str | None = None
    tower_uuid: str | None = None
    industry: str | None = None
    party_org_status: str | None = None
    flag: CensusFlag | None = None
    include_gone: bool = False
    year: int | None = None  # latest record up to this year (default: this year)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Party-organisation coverage (组织覆盖率) and blank spots (空白点) of a scope."""

    towers: int
    enterprises: int
    censused: int
    with_org: int
    ratio: float | None
    blank_spots: int
    towers_without_org: int


@dataclass
class CensusForm:
    """Every field of the census form; values as typed (codes or labels, numbers or text)."""

    uscc: str = ""
    name: str = ""
    industry: str | None = None
    ownership: str | None = None
    scale: str | None = None
    employees: int | str | None = None
    operating_status: str | None = OperatingStatus.NORMAL.value
    contact_name: str | None = None
    contact_phone: str | None = None
    party_org_status: str | None = None
    party_org_kind: str | None = None
    party_members: int | str | None = None
    instructor_assigned: bool = False
    has_union: bool = False
    has_youth_league: bool = False
    floor: int | str | None = None
    room: str | None = None
    # Where the answers came from (not saved): this year's record being edited, or the year
    # whose answers were carried over; None for a form started from the enterprise row.
    record_uuid: str | None = field(default=None, compare=False)
    source_year: int | None = field(default=None, compare=False)
    # The revs the form was read at (not saved): the enterprise row's, and this year's
    # record's (None when there was no record this year); None for a new enterprise. Saving
    # with them (`save_census(expect_revs=...)`) refuses to overwrite a change made since.
    enterprise_rev: str | None = field(default=None, compare=False)
    record_rev: str | None = field(default=None, compare=False)

    def flags(self) -> list[CensusFlag]:
        """The rule flags of the answers as they stand (never blocking)."""
        members = as_int(self.party_members)
        if members is None or members < 0:
            return []
        return safe_flags(members, self.party_org_status, self.party_org_kind)

    def to_dict(self) -> dict[str, Any]:
        """The form as JSON-ready data (for drafts)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CensusForm:
        """A form from `to_dict` data; unknown keys (an older draft) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def safe_flags(members: int | None, status: str | None, kind: str | None) -> list[CensusFlag]:
    """The rule flags, or none when a stored code is not one the domain knows."""
    try:
        return census_flags(members, status, kind)
    except ValueError:
        return []
