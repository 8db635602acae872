"""The census form's checks: the credit code as typed (and the enterprise already recorded
with it), the rule flags, and the whole form against the store's rules after a refused save;
each reason under its field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.screen import Screen
from textual.widgets import Static

from gridwalker.domain.i18n import language
from gridwalker.domain.validators import check_uscc, normalize_uscc
from gridwalker.tui.common.workers import DbMixin, DbResult
from gridwalker.tui.field.census_fields import CHECK_FIELDS, FIELDS, duplicate_text, flags_reminder

if TYPE_CHECKING:
    from gridwalker.domain.validators import Invalid
    from gridwalker.store.census import CensusForm, EnterpriseRef


class DuplicateLookedUp(DbResult):
    """The credit code looked up, and the enterprise already recorded with it (or None)."""


class CensusChecked(DbResult):
    """The store's reasons against the whole form."""


class CensusChecks(DbMixin, metaclass=type(Screen)):  # Textual's metaclass registers @on here
    """What the census form checks as you type. The form gives `state()`, `census_form()`,
    `enterprise_uuid` and (from DraftingForm) `show_reason`."""

    enterprise_uuid: str | None

    def __init__(self) -> None:
        super().__init__()
        self.problems: dict[str, Invalid] = {}
        self.duplicate: EnterpriseRef | None = None

    def state(self) -> dict[str, Any]:
        """The form's widgets as values, field by field."""
        raise NotImplementedError

    def census_form(self) -> CensusForm:
        """The form as the store's CensusForm."""
        raise NotImplementedError

    def check_uscc(self) -> None:
        """Check the credit code as typed; when valid, look for another enterprise with it."""
        from gridwalker.store import census

        code = normalize_uscc(str(self.state()["uscc"]))
        bad = check_uscc(code) if code else None
        if bad is None:
            self.problems.pop("uscc", None)
        else:
            self.problems["uscc"] = bad
        self.show_problems()
        self.show_duplicate(None)
        if code and bad is None:
            exclude = self.enterprise_uuid
            self.db_read(
                lambda conn: (code, census.find_by_uscc(conn, code, exclude_uuid=exclude)),
                DuplicateLookedUp,
            )

    @on(DuplicateLookedUp)
    def _duplicate_looked_up(self, message: DuplicateLookedUp) -> None:
        """Show the enterprise already recorded with the code (when it is still the code typed)."""
        code: str
        other: EnterpriseRef | None
        code, other = message.result
        if normalize_uscc(str(self.state()["uscc"])) == code:
            self.show_duplicate(other)

    def show_duplicate(self, other: EnterpriseRef | None) -> None:
        """Show (or hide) the enterprise that already has this credit code."""
        self.duplicate = other
        box = self.query_one("#duplicate", Static)
        box.update(duplicate_text(other) if other is not None else "")
        box.set_class(other is not None, "-shown")
        self.refresh_bindings()

    def show_flags(self) -> None:
        """The rule flags of the answers as they stand: warnings that never block saving."""
        flags = self.census_form().flags()
        box = self.query_one("#form-flags", Static)
        box.update(flags_reminder(flags) if flags else "")
        box.set_class(bool(flags), "-shown")

    def check_form(self) -> None:
        """Check the whole form against the store's rules in a worker."""
        from gridwalker.store import census

        form, ent = self.census_form(), self.enterprise_uuid
        self.db_read(
            lambda conn: census.validate_census(conn, form, enterprise_uuid=ent), CensusChecked
        )

    @on(CensusChecked)
    def _checked(self, message: CensusChecked) -> None:
        """Show the reasons the form cannot be saved yet."""
        self.problems = dict(message.result)
        self.show_problems()

    def show_problems(self) -> None:
        """Each reason under its field."""
        lang = language()
        for name in FIELDS:
            if name in CHECK_FIELDS:
                continue
            why = self.problems.get(name)
            self.show_reason(name, why.text(lang) if why else None)
