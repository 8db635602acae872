"""The resident form's record as loaded: its fields and their names, the rev a save is made
over, and what the form does when the resident was changed elsewhere meanwhile (read it
again, fill it in, start from it): the parts of `DraftingForm`'s stale-save handling that
only the resident form knows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Input, Select, SelectionList

from gridwalker.domain.forms import ResidentInput
from gridwalker.domain.i18n import _
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.rounds import ResidentRow

# Form order: the first bad field in this order gets the focus when saving fails.
RESIDENT_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "id_number",
    "phone",
    "relation",
    "residence_type",
    "care_tags",
)
# Each field's name as the form shows it (the words of its label).
RESIDENT_LABELS = {
    "name": N_("Name"),
    "sex": N_("Sex"),
    "birth_date": N_("Birth date"),
    "id_number": N_("ID number"),
    "phone": N_("Phone"),
    "relation": N_("Relation to head"),
    "residence_type": N_("Residence"),
    "care_tags": N_("Care tags"),
}


def base_of(
    resident: ResidentRow | None, draft: dict[str, Any]
) -> tuple[str | None, ResidentInput | None]:
    """The rev a save is made over and the values it was loaded with: the resident's as read,
    else the ones a draft was typed over; (None, None) for a new resident (nothing to check)
    or a draft that does not say."""
    if resident is not None:
        return resident.rev or None, resident.as_input()
    if draft.get("base_rev") and draft.get("base"):
        return str(draft["base_rev"]), ResidentInput(**draft["base"])
    return None, None


class ResidentRecord:
    """What the resident form says when its resident was changed elsewhere (a mixin of it)."""

    resident_uuid: str | None
    initial: ResidentInput
    touched: set[str]
    base_state: Any

    def show_status(self, text: str | Text) -> None:
        """The form's status line."""
        self._say(text)  # type: ignore[attr-defined]

    def field_label(self, name: str) -> str:
        """A field's name as the form shows it."""
        return _(RESIDENT_LABELS.get(name, name))

    def read_record(self) -> Callable[[Connection], tuple[str, ResidentInput] | None]:
        """The resident as stored now: (rev, as the form), or None when gone."""
        from gridwalker.store import rounds

        uuid = self.resident_uuid
        assert uuid is not None

        def read(conn: Connection) -> tuple[str, ResidentInput] | None:
            row = rounds.resident_row(conn, uuid)
            return None if row is None else (row.rev, row.as_input())

        return read

    def fill_state(self, state: ResidentInput) -> None:
        """Put a resident's values into the widgets."""
        query_one = self.query_one  # type: ignore[attr-defined]
        # Not typing: no change messages (they would clear the status line that says why).
        with self.prevent(Input.Changed, Select.Changed, SelectionList.SelectedChanged):  # type: ignore[attr-defined]
            for name in ("name", "birth_date", "id_number", "phone"):
                query_one(f"#{name}", Input).value = getattr(state, name)
            for name in ("sex", "relation", "residence_type"):
                query_one(f"#{name}", Select).value = getattr(state, name) or Select.NULL
            tags = query_one("#care_tags", SelectionList)
            tags.deselect_all()
            for tag in state.care_tags:
                tags.select(tag)

    def record_reloaded(self) -> None:
        """Reloaded: the stored values are the ones the form now starts from."""
        assert isinstance(self.base_state, ResidentInput)
        self.initial = self.base_state
        typed = self.form_data()  # type: ignore[attr-defined]
        self.touched = {n for n in RESIDENT_FIELDS if getattr(self.initial, n) != getattr(typed, n)}
        self.show_problems()  # type: ignore[attr-defined]
