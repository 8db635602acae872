"""How a screen asks to open another, so that screens never import each other.

A screen calls `navigator(self)` (or `field_navigator` / `desk_navigator` on a screen that
lives in one app only) and asks for what the user wants to see: the app answers, importing
the screen it opens at that moment. The field app and the review desk each implement their
protocol; a screen both apps show (the issue list, help) uses only the common `Navigator`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.dom import DOMNode

    from gridwalker.store.desk.coverage import CoverageRow
    from gridwalker.store.desk.queue import QueueFilter
    from gridwalker.store.issues import IssueFilter
    from gridwalker.store.returns import CorrectionTarget, ReturnedItem
    from gridwalker.store.rounds import ResidentRow


class Navigator(Protocol):
    """What every app offers its screens."""

    def open_household(self, household_uuid: str) -> None:
        """Show a household (the field app: its roster and visits; the desk: its record)."""

    def open_issue(self, issue_uuid: str) -> None:
        """Show one issue with the actions the user's role may take."""

    def log_issue(
        self, *, on_logged: Callable[[str | None], None] | None = None, **start: str
    ) -> None:
        """The issue form, started from a household, enterprise, building or visit uuid
        (`start`), or from nowhere; `on_logged` gets the new issue's uuid or None."""


class FieldNavigator(Navigator, Protocol):
    """What the grid member's app offers its screens."""

    def open_household(self, household_uuid: str, *, replacing: str | None = None) -> None:
        """Show a household; in place of the screen of household `replacing` when that
        screen is on top (walking on does not grow the stack)."""

    def open_round(self, status: str | None = None) -> None:
        """This cycle's walking list (optionally one status)."""

    def open_attention_list(self, kind: str) -> None:
        """One of Today's lists: follow-ups due, care-tagged not seen, drafts waiting."""

    def open_visit(self, household_uuid: str, *, draft: dict[str, Any] | None = None) -> None:
        """The visit form of a household (with a draft's values when one is taken up)."""

    def open_resident_form(
        self,
        household_uuid: str,
        resident: ResidentRow | None = None,
        *,
        draft: dict[str, Any] | None = None,
        then: Callable[[str | None], None] | None = None,
    ) -> None:
        """Add a resident to a household, or edit one; `then` gets the saved uuid or None."""

    def resume_draft(
        self, kind: str, payload: dict[str, Any], household_uuid: str | None = None
    ) -> bool:
        """Open the form a draft of `kind` belongs to, as it was left; False when no form
        takes it (a visit draft needs its household)."""

    def open_issues(self, figure: str = "issues") -> None:
        """The issue log of the member's grid, as one of Today's figures shows it."""

    def open_towers(self) -> None:
        """The commercial towers of the grid (the enterprise census)."""

    def open_consultations(self) -> None:
        """The building consultations (意见征询) of the member's grid."""

    def open_consultation(self, consultation_uuid: str) -> None:
        """One consultation: the live count, its rooms, recording an owner's opinion."""

    def open_tower(self, tower_uuid: str) -> None:
        """A tower's floors and their enterprises."""

    def open_infobase(self, *, street: bool, tower_uuid: str | None = None) -> None:
        """The information base of the grid or the street (optionally one tower)."""

    def open_enterprise(self, enterprise_uuid: str) -> None:
        """One enterprise and its census records."""

    def open_census_history(self, enterprise_uuid: str) -> None:
        """An enterprise's census records year by year."""

    def open_census_form(
        self,
        enterprise_uuid: str | None,
        tower_uuid: str,
        *,
        draft: dict[str, Any] | None = None,
        on_saved: Callable[[str], None] | None = None,
    ) -> None:
        """The census form of an enterprise (None: a new one in `tower_uuid`); `on_saved`
        gets the enterprise's uuid after each save."""

    def open_export(self) -> None:
        """The export dialog (the nightly bundle, by hand)."""

    def open_returned(self) -> None:
        """The records a supervisor returned, with the comment, to correct."""

    def correct_returned(self, item: ReturnedItem, target: CorrectionTarget) -> None:
        """The record a supervisor returned, in the form it is corrected in (a visit in the
        visit form, a resident in the resident form, …), the comment above it."""


class DeskNavigator(Navigator, Protocol):
    """What the supervisors' review desk offers its screens."""

    def open_record(
        self, entity: str, uuid: str, *, then: Callable[[str | None], None] | None = None
    ) -> None:
        """One record as the hub holds it: its revisions, decisions and what to decide;
        `then` gets the state it was decided to (None when left without a decision)."""

    def open_consultation(self, consultation_uuid: str) -> None:
        """One building consultation: its count, its votes, closing it."""

    def open_queue(self, flt: QueueFilter) -> None:
        """The review queue under a filter (a member's, a community's or a grid's records)."""

    def open_issues(self, flt: IssueFilter) -> None:
        """The street's issue log under a filter (a grid's open or overdue issues)."""

    def open_coverage_list(self, row: CoverageRow, column: str) -> None:
        """The list behind a coverage figure: `row`'s place, the figure's column title."""


def navigator(node: DOMNode) -> Navigator:
    """The app of `node`, as the navigator every app is."""
    return cast("Navigator", node.app)


def field_navigator(node: DOMNode) -> FieldNavigator:
    """The field app of `node` (for screens that only the field app shows)."""
    return cast("FieldNavigator", node.app)


def desk_navigator(node: DOMNode) -> DeskNavigator:
    """The review desk of `node` (for screens that only the desk shows)."""
    return cast("DeskNavigator", node.app)
