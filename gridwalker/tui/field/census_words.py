"""The census in words: rule flags, floors, party organisation, a tower's progress."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridwalker.domain.choices import PartyOrgKind, PartyOrgStatus
from gridwalker.domain.i18n import _, label
from gridwalker.tui.format import choice_label, join_words, percent

if TYPE_CHECKING:
    from gridwalker.domain.census import CensusFlag
    from gridwalker.store.census import Coverage, TowerRow


def flags_text(flags: list[CensusFlag]) -> str:
    """Rule flags as "⚑ label、label" ("" when none)."""
    return "⚑ " + join_words([label(f) for f in flags]) if flags else ""


def floor_words(floor: int | None) -> str:
    """A floor number as words ("floor 12" / "12层")."""
    if floor is None:
        return _("Floor unknown")
    return _("Floor {n}").format(n=floor)


def party_text(status: str | None, kind: str | None, members: int | None) -> str:
    """Party organisation as words: status, kind and members ("never censused" when unknown)."""
    if status is None:
        return _("never censused")
    words = choice_label(PartyOrgStatus, status)
    if kind:
        words += "·" + choice_label(PartyOrgKind, kind)
    if members is not None:
        words += " " + _("{n} party members").format(n=members)
    return words


def tower_figures(row: TowerRow | Coverage, year: int) -> str:
    """Census progress and coverage of a tower or a scope, as one line."""
    return _(
        "{present} present · censused in {year}: {censused} / {present} · "
        "party-organisation coverage {ratio} ({with_org} / {present}) · blank spots {blank}"
    ).format(
        present=row.enterprises,
        year=year,
        censused=row.censused,
        ratio=percent(row.ratio),
        with_org=row.with_org,
        blank=row.blank_spots,
    )
