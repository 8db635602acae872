"""The grid member's rounds: coverage this cycle, the walking list, households, visits, drafts.

A household counts as covered when it has a visit in the current cycle whose outcome is not
"nobody home" (DOMAIN.md); it needs a revisit when its only visits this cycle found nobody.
Lists page from SQL in walking order (building, unit, floor, room). Queries are portable
SQLAlchemy expressions; writes go through `Writer`.

This face names what the rest of gridwalker uses; the modules hold sign-in, the cycle, the
walking list, households, attention, edits and drafts.
"""

from __future__ import annotations

from gridwalker.store.rounds.attention import (
    LastExport,
    care_not_seen,
    care_tagged,
    follow_ups_due,
    last_export,
)
from gridwalker.store.rounds.cycle import (
    NO_HOUSEHOLDS,
    Coverage,
    coverage,
    coverage_by_grid,
    cycle_visits,
)
from gridwalker.store.rounds.drafts import (
    DraftRow,
    delete_draft,
    household_of_visit_draft,
    list_drafts,
    load_draft,
    save_draft,
    visit_draft_key,
    visit_fix_draft_key,
    visit_from_payload,
    visit_payload,
)
from gridwalker.store.rounds.edits import (
    FormError,
    StoredVisit,
    add_resident,
    move_out,
    save_visit,
    stored_visit,
    update_resident,
    update_visit,
)
from gridwalker.store.rounds.households import (
    HouseholdFacts,
    HouseholdInfo,
    ResidentRow,
    VisitRow,
    household_facts,
    household_info,
    resident_row,
    residents_of,
    visits_of,
)
from gridwalker.store.rounds.signin import MemberRef, member_ref, members
from gridwalker.store.rounds.walking import (
    WALK_ORDER,
    RoundRow,
    next_unvisited,
    round_count,
    round_page,
    round_position,
)

__all__ = [
    "NO_HOUSEHOLDS",
    "Coverage",
    "DraftRow",
    "FormError",
    "HouseholdFacts",
    "HouseholdInfo",
    "LastExport",
    "MemberRef",
    "ResidentRow",
    "RoundRow",
    "VisitRow",
    "WALK_ORDER",
    "add_resident",
    "care_not_seen",
    "care_tagged",
    "coverage",
    "coverage_by_grid",
    "cycle_visits",
    "delete_draft",
    "follow_ups_due",
    "household_facts",
    "household_info",
    "last_export",
    "list_drafts",
    "load_draft",
    "member_ref",
    "members",
    "move_out",
    "next_unvisited",
    "resident_row",
    "residents_of",
    "round_count",
    "round_page",
    "round_position",
    "save_draft",
    "save_visit",
    "stored_visit",
    "StoredVisit",
    "update_resident",
    "update_visit",
    "visit_fix_draft_key",
    "household_of_visit_draft",
    "visit_draft_key",
    "visit_from_payload",
    "visit_payload",
    "visits_of",
]
