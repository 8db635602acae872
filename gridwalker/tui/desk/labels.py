"""A record under review in words: its fields, their values and its review state (the queue,
the record and the conflict screens show them alike)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from rich.text import Text

from gridwalker.domain import choices as ch
from gridwalker.domain.choices import ReviewState
from gridwalker.domain.i18n import _, label, language
from gridwalker.domain.masking import mask_id, mask_phone
from gridwalker.tui.format import care_labels, choice_label, join_words, local_time, yes_no
from gridwalker.tui.keys import N_

STATE_STYLES: dict[str, str] = {
    "received": "yellow",
    "corrected": "cyan",
    "returned": "red",
    "approved": "green",
}
FIELD_LABELS: dict[str, str] = {
    "household_uuid": N_("Household"),
    "member_uuid": N_("Member"),
    "visited_on": N_("Visited on"),
    "visited_at": N_("Visited at"),
    "outcome": N_("Outcome"),
    "residents_seen": N_("Residents seen"),
    "care_checks": N_("Care checks"),
    "concerns": N_("Concerns"),
    "follow_up": N_("Follow-up"),
    "roster_changes": N_("Roster changes"),
    "building_uuid": N_("Building"),
    "unit": N_("Unit"),
    "floor": N_("Floor"),
    "room": N_("Room"),
    "occupancy": N_("Occupancy"),
    "head_name": N_("Head of household"),
    "phone": N_("Phone"),
    "name": N_("Name"),
    "sex": N_("Sex"),
    "birth_date": N_("Birth date"),
    "id_number": N_("ID number"),
    "relation": N_("Relation to the head"),
    "residence_type": N_("Residence"),
    "care_tags": N_("Care tags"),
    "moved_out": N_("Moved out"),
    "moved_out_on": N_("Moved out on"),
    "moved_to": N_("Moved to"),
    "enterprise_uuid": N_("Enterprise"),
    "year": N_("Year"),
    "census_date": N_("Census date"),
    "industry": N_("Industry"),
    "ownership": N_("Ownership"),
    "scale": N_("Scale"),
    "employees": N_("Employees"),
    "operating_status": N_("Operating status"),
    "contact_name": N_("Contact"),
    "contact_phone": N_("Contact phone"),
    "party_org_status": N_("Party organisation"),
    "party_org_kind": N_("Kind of party organisation"),
    "party_members": N_("Party members"),
    "instructor_assigned": N_("Party instructor assigned"),
    "has_union": N_("Trade union"),
    "has_youth_league": N_("Youth league"),
    "grid_uuid": N_("Grid"),
    "visit_uuid": N_("Visit"),
    "place": N_("Place"),
    "reporter_kind": N_("Reported by"),
    "reporter_name": N_("Reporter's name"),
    "category": N_("Category"),
    "description": N_("Description"),
    "people_affected": N_("People affected"),
    "urgency": N_("Urgency"),
    "status": N_("Status"),
    "held_from": N_("Held from"),
    "reported_on": N_("Reported on"),
    "due_date": N_("Due date"),
    "logged_by": N_("Logged by"),
    "deleted": N_("Deleted"),
}
CHOICE_FIELDS: dict[str, type[ch.Choice]] = {
    "outcome": ch.VisitOutcome,
    "occupancy": ch.Occupancy,
    "sex": ch.Sex,
    "relation": ch.Relation,
    "residence_type": ch.ResidenceType,
    "industry": ch.Industry,
    "ownership": ch.Ownership,
    "scale": ch.Scale,
    "operating_status": ch.OperatingStatus,
    "party_org_status": ch.PartyOrgStatus,
    "party_org_kind": ch.PartyOrgKind,
    "reporter_kind": ch.ReporterKind,
    "category": ch.IssueCategory,
    "urgency": ch.Urgency,
    "status": ch.IssueStatus,
    "held_from": ch.IssueStatus,
}


def field_label(name: str) -> str:
    """A record's field in words."""
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name


def state_text(state: ReviewState | str | None) -> Text:
    """A review state in words and in its colour."""
    if state is None:
        return Text("—", style="dim")
    state = ReviewState(state)
    return Text(label(state), style="bold " + STATE_STYLES[state.value])


def _named(uuid: Any, names: Mapping[str, str]) -> str:
    """A uuid as the name or place it stands for (its first characters when not known)."""
    return names.get(uuid) or str(uuid)[:8]


def _roster_change(change: Any, names: Mapping[str, str]) -> str:
    """One roster change made during a visit, in words: 新增 张三."""
    if not isinstance(change, dict):
        return str(change)
    words = _("added") if change.get("op") == "add" else _("edited")
    who = change.get("name") or _named(change.get("resident") or "", names)
    return f"{words} {who}".strip()


def show_value(name: str, value: Any, names: Mapping[str, str] | None = None) -> str:
    """A field's value for the screen: words for codes, IDs and phones masked, uuids as the
    names and places they stand for (`names`, uuid -> words; else their first characters),
    and empty lists and care checks as "none"."""
    names = names or {}
    if name in ("residents_seen", "care_checks", "roster_changes", "care_tags") and not value:
        return _("none")
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return yes_no(value)
    if name == "id_number":
        return mask_id(str(value))
    if name in ("phone", "contact_phone"):
        return mask_phone(str(value)) or str(value)
    if name in CHOICE_FIELDS:
        return choice_label(CHOICE_FIELDS[name], value)
    if name == "care_tags" and isinstance(value, list):
        return care_labels(value)
    if name == "residents_seen" and isinstance(value, list):
        return join_words(_named(uuid, names) for uuid in value)
    if name == "care_checks" and isinstance(value, dict):
        zh = language() == "zh"
        return ("；" if zh else "; ").join(
            f"{_named(uuid, names)}{'：' if zh else ': '}{note}" for uuid, note in value.items()
        )
    if name == "roster_changes" and isinstance(value, list):
        return join_words(_roster_change(change, names) for change in value)
    if name.endswith("_uuid") and isinstance(value, str):
        return _named(value, names)
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
