"""The kinds of record, in words: what a supervisor reviews (the desk and the laptop's
returned list name them) and what a search finds."""

from __future__ import annotations

from gridwalker.domain.i18n import _
from gridwalker.tui.keys import N_

KIND_LABELS: dict[str, str] = {
    "visit": N_("Visit"),
    "household": N_("Household"),
    "resident": N_("Resident"),
    "census_record": N_("Census record"),
    "enterprise": N_("Enterprise"),
    "issue": N_("Issue"),
}


# The other kinds a sync bundle carries (the export names them), not reviewed one by one.
BUNDLE_KIND_LABELS: dict[str, str] = {
    "street": N_("Street"),
    "community": N_("Community"),
    "member": N_("Grid member"),
    "grid": N_("Grid"),
    "building": N_("Building"),
    "issue_event": N_("Issue history"),
    "consultation": N_("Consultation"),
    "consult_room": N_("Owner register room"),
    "consult_vote": N_("Owner's vote"),
}


def kind_label(entity: str) -> str:
    """A kind of record in words (an unknown kind as it is)."""
    words = KIND_LABELS.get(entity) or BUNDLE_KIND_LABELS.get(entity)
    return _(words) if words else entity
