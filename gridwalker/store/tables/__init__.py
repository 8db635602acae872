"""The table definitions, one module per area; this package names them all.

Every synced table carries the sync columns of BUNDLE.md (`base.Synced`). Enum-valued
columns hold the code of a `domain.choices` enum (e.g. "owner"), so the database stays
readable and portable; the domain layer turns codes into labels. The hub's books
(`tables.hub`) and the review desk's tables (`tables.review`) are imported by name.
"""

from __future__ import annotations

from gridwalker.store.tables.base import DERIVED, Synced
from gridwalker.store.tables.census import CensusRecord, Enterprise
from gridwalker.store.tables.consult import Consultation, ConsultRoom, ConsultVote
from gridwalker.store.tables.issues import Issue, IssueEvent
from gridwalker.store.tables.local import Audit, Device, Draft, SearchDoc
from gridwalker.store.tables.people import Resident
from gridwalker.store.tables.places import Building, Community, Grid, Household, Member, Street
from gridwalker.store.tables.visits import Visit

__all__ = [
    "SYNCED_TABLES",
    "SYNC_COLUMNS",
    "Audit",
    "Building",
    "CensusRecord",
    "Community",
    "ConsultRoom",
    "ConsultVote",
    "Consultation",
    "Device",
    "Draft",
    "Enterprise",
    "Grid",
    "Household",
    "Issue",
    "IssueEvent",
    "Member",
    "Resident",
    "SearchDoc",
    "Street",
    "Synced",
    "Visit",
    "data_columns",
]


# The synced entities in dependency order (parents before children): the order of writes
# in a bundle, and the names used in records/<entity>.jsonl.
SYNCED_TABLES: dict[str, type[Synced]] = {
    "street": Street,
    "community": Community,
    "member": Member,
    "grid": Grid,
    "building": Building,
    "household": Household,
    "resident": Resident,
    "visit": Visit,
    "enterprise": Enterprise,
    "census_record": CensusRecord,
    "issue": Issue,
    "issue_event": IssueEvent,
    "consultation": Consultation,
    "consult_room": ConsultRoom,
    "consult_vote": ConsultVote,
}

SYNC_COLUMNS = ("uuid", "rev", "base_rev", "change", "updated_at", "updated_by", "deleted")


def data_columns(entity: str) -> list[str]:
    """The row's own fields (what a record's `data` holds and the rev hashes): neither the
    sync columns nor the columns the database derives (a row's street)."""
    table = SYNCED_TABLES[entity].__table__
    return [c.name for c in table.columns if c.name not in SYNC_COLUMNS and not c.info.get(DERIVED)]
