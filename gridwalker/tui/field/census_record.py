"""The census form's record as loaded: the revs a save is made over (the enterprise's and this
year's record's), the values they were read with, and what the form does when either was
changed elsewhere meanwhile (read them again, fill them in, start from them): the parts of
`DraftingForm`'s stale-save handling that only the census form knows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Static

from gridwalker.domain.i18n import _
from gridwalker.tui.field.census_fields import FIELDS, LABELS, FieldState, form_state
from gridwalker.tui.format import literal

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.census import CensusForm

# What a census form was read at, kept with its draft: {"enterprise_rev", "record_rev",
# "record_uuid", "source_year"} (record_rev None: there was no record this year yet).
CensusBase = dict[str, Any]


def base_of(form: CensusForm) -> CensusBase | None:
    """The revs (and where the answers came from) of a prefilled form; None for a new
    enterprise, which has nothing to check."""
    if form.enterprise_rev is None:
        return None
    return {
        "enterprise_rev": form.enterprise_rev,
        "record_rev": form.record_rev,
        "record_uuid": form.record_uuid,
        "source_year": form.source_year,
    }


def expected_revs(base: CensusBase | None) -> tuple[str, str | None] | None:
    """What `save_census` checks: (the enterprise's rev, this year's record's or None)."""
    if not base:
        return None
    return str(base["enterprise_rev"]), base.get("record_rev")


def read_census_now(
    conn: Connection, enterprise_uuid: str, year: int
) -> tuple[CensusBase, FieldState] | None:
    """The enterprise and this year's answers as stored now, as the form; None when gone."""
    from gridwalker.store import census

    try:
        form = census.census_prefill(conn, enterprise_uuid, year)
    except LookupError:
        return None
    base = base_of(form)
    return (base, form_state(form)) if base is not None else None


class CensusRecord:
    """What the census form says when its enterprise was changed elsewhere (a mixin of it)."""

    enterprise_uuid: str | None
    year: int
    record_uuid: str | None
    source_year: int | None
    touched: set[str]
    base_rev: Any
    base_state: Any

    def take_base(self, form: CensusForm, payload: dict[str, Any] | None) -> None:
        """Saved only over the revs just read, or over those a restored draft was typed over."""
        self.base_rev, self.base_state = base_of(form), self.state()  # type: ignore[attr-defined]
        if payload and payload.get("base_rev") and payload.get("base"):
            self.base_rev, self.base_state = payload["base_rev"], payload["base"]

    def say(self, text: str | Text) -> None:
        """A line under the form."""
        self.query_one("#form-status", Static).update(literal(text))  # type: ignore[attr-defined]

    def show_status(self, text: str | Text) -> None:
        """The form's status line."""
        self.say(text)

    def field_label(self, name: str) -> str:
        """A field's words on the form."""
        return _(LABELS.get(name, name))

    def read_record(self) -> Callable[[Connection], tuple[CensusBase, FieldState] | None]:
        """The enterprise and this year's answers as stored now (None when gone)."""
        uuid, year = self.enterprise_uuid, self.year
        assert uuid is not None
        return lambda conn: read_census_now(conn, uuid, year)

    def fill_state(self, state: FieldState) -> None:
        """Put values into the widgets (not counted as typing)."""
        self.fill(state)  # type: ignore[attr-defined]

    def record_reloaded(self) -> None:
        """Reloaded: the answers now start from the stored ones; say where they come from."""
        base: CensusBase = self.base_rev
        self.record_uuid, self.source_year = base["record_uuid"], base["source_year"]
        now = self.state()  # type: ignore[attr-defined]
        start = self.draft_baseline  # type: ignore[attr-defined]
        self.touched = {name for name in FIELDS if now[name] != start[name]}
        self.show_origin()  # type: ignore[attr-defined]
        self.show_flags()  # type: ignore[attr-defined]
        self.check_uscc()  # type: ignore[attr-defined]
