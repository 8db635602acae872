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


def kind_label(entity: str) -> str:
    """A kind of record in words (an unknown kind as it is)."""
    return _(KIND_LABELS[entity]) if entity in KIND_LABELS else entity
