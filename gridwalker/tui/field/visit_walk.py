"""After a visit is saved: walk on to the next household not yet visited (the visit form's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.screen import Screen

from gridwalker.domain.i18n import _
from gridwalker.tui.common.workers import DbResult
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from gridwalker.store.rounds import HouseholdInfo


class NextUnvisitedFound(DbResult):
    """The next household not yet visited (None when every one is)."""


class WalkOn(metaclass=type(Screen)):  # Textual's metaclass registers @on here
    """`n` after saving: the next unvisited household, in walking order, in place of this one."""

    household_uuid: str
    info: HouseholdInfo | None
    saved: bool

    def action_next_household(self) -> None:
        """After saving: open the next household not yet visited, in walking order."""
        from gridwalker.store import rounds

        if not self.saved or self.info is None:
            return
        grid, here = self.info.grid_uuid, self.household_uuid
        self.db_read(  # type: ignore[attr-defined]
            lambda conn: rounds.next_unvisited(conn, grid, here), NextUnvisitedFound
        )

    @on(NextUnvisitedFound)
    def _walk_on(self, message: NextUnvisitedFound) -> None:
        household_uuid: str | None = message.result
        if household_uuid is None or household_uuid == self.household_uuid:
            self.notify(_("Every household of the grid is visited this cycle."))  # type: ignore[attr-defined]
            return
        navigate = field_navigator(self)  # type: ignore[arg-type]
        self.app.pop_screen()  # type: ignore[attr-defined]
        # Walking on replaces this household's screen too, so the stack does not grow.
        navigate.open_household(household_uuid, replacing=self.household_uuid)
