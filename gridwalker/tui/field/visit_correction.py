"""The visit form on a stored visit the supervisor returned: the comment above the form, the
visit's values to correct, saved over the rev it loaded (else the DraftingForm's stale-save
dialog); saving changes the visit's rev, so it leaves the returned list as "resubmitted"."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text

from gridwalker.domain.forms import VisitInput
from gridwalker.domain.i18n import _
from gridwalker.tui.field.actor import actor_of
from gridwalker.tui.field.return_note import ReturnNote
from gridwalker.tui.field.visit import VisitHouseholdRead, VisitScreen
from gridwalker.tui.field.visit_fields import VisitFields
from gridwalker.tui.format import literal

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Connection

    from gridwalker.store.rounds import HouseholdInfo, ResidentRow, StoredVisit

FIELD_WORDS = {
    "outcome": "Outcome",
    "residents_seen": "Residents seen",
    "care_checks": "Care checks",
    "concerns": "Concerns",
    "follow_up": "Follow-up date",
}


def read_correction(conn: Connection, household_uuid: str, visit_uuid: str) -> tuple[Any, ...]:
    """The household, its roster and the supervisor's decision on the visit (in a worker)."""
    from gridwalker.store import rounds
    from gridwalker.store.returns import decision_of

    return (
        rounds.household_info(conn, household_uuid),
        rounds.residents_of(conn, household_uuid),
        decision_of(conn, "visit", visit_uuid),
    )


def read_stored(visit_uuid: str) -> Callable[[Connection], tuple[str, VisitInput] | None]:
    """The visit as stored now, (rev, values), or None when it is gone (in a worker)."""

    def read(conn: Connection) -> tuple[str, VisitInput] | None:
        from gridwalker.store import rounds

        stored = rounds.stored_visit(conn, visit_uuid)
        return None if stored is None else (stored.rev, stored.data)

    return read


class VisitCorrection(ReturnNote, VisitScreen):
    """Correct a stored (returned) visit: its values, its comment above, its own draft."""

    NOTE_BEFORE = "#visit-head"

    def __init__(
        self,
        household_uuid: str,
        visit_uuid: str,
        *,
        stored: StoredVisit | None = None,
        draft_payload: dict[str, Any] | None = None,
    ) -> None:
        """The visit as `stored`, or as a draft of its correction left it (with its base)."""
        super().__init__(household_uuid, draft_payload)
        self.visit_uuid = visit_uuid
        draft = draft_payload or {}
        if draft.get("base_rev"):
            self.base_rev = draft["base_rev"]
            self.base_state = VisitInput(**(draft.get("base") or {}))
        elif stored is not None:
            self.base_rev, self.base_state = stored.rev, stored.data
        if draft_payload is None and stored is not None:
            self.start, self.roster_changes = stored.data, list(stored.roster_changes)
        self.stored_roster = (
            list(stored.roster_changes)
            if stored is not None
            else list(draft.get("base_roster") or [])
        )
        self.visit_day = stored.visited_on if stored is not None else None
        if self.visit_day is None and draft.get("visited_on"):
            self.visit_day = date.fromisoformat(draft["visited_on"])
        if isinstance(self.base_state, VisitInput):
            self.kept_follow_up = self.base_state.follow_up

    # -- loading ------------------------------------------------------------------------------

    def database_ready(self) -> None:
        household, visit = self.household_uuid, self.visit_uuid or ""
        self.db_read(lambda conn: read_correction(conn, household, visit), VisitHouseholdRead)

    def household_loaded(self, result: Any) -> tuple[HouseholdInfo | None, list[ResidentRow]]:
        info, residents, decision = result
        self.sub_title = _("Correct a returned visit")
        self.show_return_note(decision)
        return info, residents

    # -- the draft and the stale check (DraftingForm) -----------------------------------------

    @property
    def draft_key(self) -> str:
        """One correction draft per visit (apart from a new visit's draft of the household)."""
        from gridwalker.store import rounds

        return rounds.visit_fix_draft_key(self.visit_uuid or "")

    def draft_title(self) -> str:
        return f"{super().draft_title()} · {_('Correction')}"

    def draft_payload(self) -> dict[str, Any]:
        return {
            **super().draft_payload(),
            "visit_uuid": self.visit_uuid,
            "household_uuid": self.household_uuid,
            "visited_on": self.visit_day.isoformat() if self.visit_day else None,
            "base_roster": self.stored_roster,
            **self.base_payload(),
        }

    def form_state(self) -> VisitInput:
        return self.form_data()

    def read_record(self) -> Callable[[Connection], tuple[str, VisitInput] | None]:
        return read_stored(self.visit_uuid or "")

    def fill_state(self, state: Any) -> None:
        self.query_one(VisitFields).fill(state, self.residents)

    def field_label(self, name: str) -> str:
        return _(FIELD_WORDS[name]) if name in FIELD_WORDS else name

    def show_status(self, text: str | Text) -> None:
        from textual.widgets import Static

        self.query_one("#visit-status", Static).update(literal(text))

    def record_reloaded(self) -> None:
        self.show_problems()

    # -- saving -------------------------------------------------------------------------------

    @property
    def changed(self) -> bool:
        """Whether the form differs from the visit as loaded (or roster changes were made)."""
        now, base = self.form_data(), self.base_state
        if not isinstance(base, VisitInput):
            return True
        same_people = set(now.residents_seen) == set(base.residents_seen)
        if same_people:
            now = dataclasses.replace(now, residents_seen=base.residents_seen)
        return now != base or self.roster_changes != self.stored_roster

    def action_save(self) -> None:
        """Save the correction; nothing changed is said, not saved (the visit stays returned)."""
        if self.ready and not self.saved and not self.changed:
            self.show_status(
                Text(_("Nothing changed yet: correct what the comment asks, then save."), "yellow")
            )
            return
        super().action_save()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A correction does not walk on to the next household: it goes back to the list."""
        if action == "next_household":
            return False
        return super().check_action(action, parameters)

    def visit_writer(self) -> Callable[[Connection], str | None]:
        """The correction, over the rev the form loaded (StaleWrite when it moved on)."""
        from gridwalker.store import rounds

        data, changes = self.form_data(), list(self.roster_changes)
        actor, visit, base_rev = actor_of(self.gw), self.visit_uuid or "", self.base_rev

        def write(conn: Connection) -> str:
            rounds.update_visit(conn, actor, visit, data, changes, expect_rev=base_rev)
            return visit

        return write

    def banner_when_saved(self) -> Text:
        return Text.assemble(
            ("✓ " + _("Correction saved: resubmitted with the next export."), "bold"),
            "   ",
            _("Esc: back"),
        )
