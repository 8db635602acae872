"""The enterprise census (楼宇企业普查): towers, floors, the census form, history, the info base.

Reads use SQLAlchemy expressions only (portable to the hub's PostgreSQL) and skip tombstoned
rows; counts come from GROUP BY queries, long lists from pages. An enterprise's party
organisation is read from its latest census record up to the year asked for; an enterprise
never censused counts as without an organisation until a census says otherwise. Writes go
through `Writer`. The rule flags of DOMAIN.md are computed by `domain.census.census_flags`;
the same rules written as SQL (`flag_condition`) only filter and count.

This face re-exports the package's public names: `from gridwalker.store import census` then
`census.save_census(...)`; the modules hold rows, conditions, towers, enterprises, saving
and the info base.
"""

from __future__ import annotations

from gridwalker.store.census.conditions import (
    flag_condition,
    latest_record,
    room_order,
    still_present,
    year_record,
)
from gridwalker.store.census.enterprises import (
    census_history,
    census_prefill,
    enterprise_ref,
    find_by_uscc,
)
from gridwalker.store.census.infobase import infobase_count, infobase_page
from gridwalker.store.census.rows import (
    COVERED_STATUSES,
    CensusForm,
    CensusInputError,
    CensusRecordRow,
    Coverage,
    EnterpriseMark,
    EnterpriseRef,
    FloorRow,
    InfoFilter,
    InfoRow,
    TowerRow,
)
from gridwalker.store.census.saving import save_census, validate_census
from gridwalker.store.census.towers import (
    NO_TOWERS,
    coverage,
    coverage_by_grid,
    tower_floors,
    towers_overview,
)

__all__ = [
    "NO_TOWERS",
    "COVERED_STATUSES",
    "CensusForm",
    "CensusInputError",
    "CensusRecordRow",
    "Coverage",
    "EnterpriseMark",
    "EnterpriseRef",
    "FloorRow",
    "InfoFilter",
    "InfoRow",
    "TowerRow",
    "census_history",
    "census_prefill",
    "coverage",
    "coverage_by_grid",
    "enterprise_ref",
    "find_by_uscc",
    "flag_condition",
    "infobase_count",
    "infobase_page",
    "latest_record",
    "room_order",
    "save_census",
    "still_present",
    "tower_floors",
    "towers_overview",
    "validate_census",
    "year_record",
]
