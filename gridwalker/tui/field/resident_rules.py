"""The household rules on the resident form: one 本人 per household (the reason next to the
relation, as the store would refuse it) and the care tags that follow from the facts
(高龄老人 from the birth date, 独居老人 from the household), offered — ticked only when the
member presses the key — or flagged when they no longer fit. Never a silent change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.screen import Screen
from textual.widgets import Select, SelectionList, Static

from gridwalker.domain import clock
from gridwalker.domain.choices import Relation
from gridwalker.domain.forms import ResidentInput, TagHint, second_head, tag_hints
from gridwalker.domain.i18n import _, language
from gridwalker.tui.common.workers import DbMixin, DbResult

if TYPE_CHECKING:
    from gridwalker.domain.validators import Invalid
    from gridwalker.store.rounds import HouseholdFacts


class HouseholdFactsRead(DbResult):
    """The facts of the resident's household (a HouseholdFacts)."""


class ResidentRules(DbMixin, metaclass=type(Screen)):  # Textual's metaclass registers @on here
    """The resident form's household rules. The form gives `household_uuid`, `resident_uuid`,
    `initial`, `restored`, `form_data()` and `show_problems()`."""

    household_uuid: str
    resident_uuid: str | None
    initial: ResidentInput
    restored: ResidentInput | None
    facts: HouseholdFacts | None = None

    def read_facts(self) -> None:
        """Read the household's heads and size (in a worker)."""
        from gridwalker.store import rounds

        household, resident = self.household_uuid, self.resident_uuid
        self.db_read(
            lambda conn: rounds.household_facts(conn, household, resident), HouseholdFactsRead
        )

    @on(HouseholdFactsRead)
    def _facts_read(self, message: HouseholdFactsRead) -> None:
        self.facts = message.result
        if self.resident_uuid is None and self.restored is None and self.facts.other_heads:
            # A new resident of a household that has its head: not a second head by default.
            other = Relation.OTHER.value
            self.initial.relation = other
            with self.prevent(Select.Changed):  # type: ignore[attr-defined]
                self.query_one("#relation", Select).value = other  # type: ignore[attr-defined]
        self.show_problems()  # type: ignore[attr-defined]
        self.show_hints()

    def rule_problems(self, data: ResidentInput) -> dict[str, Invalid]:
        """What the household rules refuse in the form (known once the facts are read)."""
        if self.facts is None or self.facts.moved_out:
            return {}
        head = second_head(data.relation, self.facts.other_heads)
        return {} if head is None else {"relation": head}

    def hints(self) -> list[TagHint]:
        """The tags the facts offer or flag for the form as typed."""
        from gridwalker.domain.forms import parse_iso_day, resident_fields

        if self.facts is None or self.facts.moved_out:
            return []
        data: ResidentInput = self.form_data()  # type: ignore[attr-defined]
        birth = parse_iso_day(data.birth_date) if data.birth_date.strip() else None
        if birth is None and not data.birth_date.strip():
            birth = resident_fields(data)["birth_date"]  # from the ID number, when valid
        alone = self.facts.others_present == 0
        return tag_hints(birth, data.care_tags, clock.today(), lives_alone=alone)

    def show_hints(self) -> None:
        """Offers and flags under the care tags, with the key that takes the offers."""
        lang = language()
        text = Text()
        hints = self.hints()
        for hint in hints:
            if text:
                text.append("\n")
            if hint.offer:
                text.append("＋" + hint.text(lang), style="bold green")
            else:
                text.append("⚠" + hint.text(lang), style="bold yellow")
        if any(h.offer for h in hints):
            text.append("\n" + _("Ctrl+T adds the suggested tags"), style="dim")
        box = self.query_one("#tag-hints", Static)  # type: ignore[attr-defined]
        box.update(text)
        box.display = bool(hints)

    def action_accept_tags(self) -> None:
        """Tick the tags the facts offer (the member's choice: nothing is ticked without it)."""
        offers = [h.tag for h in self.hints() if h.offer]
        if not offers:
            self.notify(_("No tag to suggest for these facts."))  # type: ignore[attr-defined]
            return
        tags = self.query_one("#care_tags", SelectionList)  # type: ignore[attr-defined]
        for tag in offers:
            tags.select(tag)

    def fill_from_id(self) -> None:
        """A valid ID gives the birth date and sex when those are still empty."""
        from textual.widgets import Input

        from gridwalker.domain.validators import (
            birth_date_from_id,
            normalize_resident_id,
            sex_from_id,
        )

        query_one = self.query_one  # type: ignore[attr-defined]
        id_number = normalize_resident_id(query_one("#id_number", Input).value)
        if len(id_number) != 18 or "id_number" in self.problems():  # type: ignore[attr-defined]
            return
        birth = query_one("#birth_date", Input)
        born = birth_date_from_id(id_number)
        if not birth.value.strip() and born is not None:
            birth.value = born.isoformat()
        sex = query_one("#sex", Select)
        from_id = sex_from_id(id_number)
        if not (sex.value if isinstance(sex.value, str) else "") and from_id:
            sex.value = from_id
