"""The forms a returned record opens in, with the supervisor's comment above each: a resident
in the resident form, a census record in the census form of its enterprise and year, a
household on its screen (`h` edits its head, phone and occupancy; its roster and visits are
corrected there too), an issue in its detail. A visit has its own module (visit_correction)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType

from gridwalker.tui.common.issue_detail import IssueDetailScreen
from gridwalker.tui.field.census_form import CensusFormScreen
from gridwalker.tui.field.household import HouseholdScreen
from gridwalker.tui.field.resident import ResidentForm
from gridwalker.tui.field.return_note import ReturnNote
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from gridwalker.store.returns import ReturnedItem
    from gridwalker.store.rounds import ResidentRow


class ResidentCorrection(ReturnNote, ResidentForm):
    """The resident form on a returned resident, the comment at the top of the dialog."""

    NOTE_PARENT = "#resident-panel"
    NOTE_BEFORE = "#resident-title"

    def __init__(self, household_uuid: str, resident: ResidentRow, item: ReturnedItem) -> None:
        super().__init__(household_uuid, resident)
        self.return_decision = item


class CensusCorrection(ReturnNote, CensusFormScreen):
    """The census form of a returned record's enterprise and year, the comment above it."""

    NOTE_BEFORE = "#census-form"

    def __init__(
        self, enterprise_uuid: str, tower_uuid: str, year: int, item: ReturnedItem
    ) -> None:
        super().__init__(enterprise_uuid, tower_uuid)
        self.year = year
        self.return_decision = item


class HouseholdCorrection(ReturnNote, HouseholdScreen):
    """A returned household: its screen (roster, visits), the comment above it; `h` shown."""

    NOTE_BEFORE = "#hh-summary"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h", "edit_household", N_("Edit household")),
    ]

    def __init__(self, household_uuid: str, item: ReturnedItem) -> None:
        super().__init__(household_uuid)
        self.return_decision = item


class IssueCorrection(ReturnNote, IssueDetailScreen):
    """A returned issue: its detail and actions, the comment above it."""

    NOTE_PARENT = "#issue-detail"
    NOTE_BEFORE = "#issue-head"

    def __init__(self, issue_uuid: str, item: ReturnedItem) -> None:
        super().__init__(issue_uuid)
        self.return_decision = item
