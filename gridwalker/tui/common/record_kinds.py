"""The kinds of record a supervisor reviews, in words (the desk and the laptop's returned
list both name them)."""

from __future__ import annotations

from gridwalker.domain.i18n import _
from gridwalker.tui.keys import N_

KIND_LABELS: dict[str, str] = {
    "visit": N_("Visit"),
    "household": N_("Household"),
    "resident": N_("Resident"),
    "census_record": N_("Census record"),
    "issue": N_("Issue"),
}


def kind_label(entity: str) -> str:
    """A reviewed entity in words."""
    return _(KIND_LABELS[entity]) if entity in KIND_LABELS else entity
