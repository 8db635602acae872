"""The places tree (street → community → grid → building) and the details of one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree

from gridwalker.domain.choices import BuildingKind
from gridwalker.domain.i18n import _
from gridwalker.tui.format import choice_label
from gridwalker.tui.keys import N_, translate_bindings

if TYPE_CHECKING:
    from gridwalker.store.queries import BuildingRow, CommunityRow, GridRow, StreetRow

    PlaceRow = StreetRow | CommunityRow | GridRow | BuildingRow

PlaceKind = Literal["street", "community", "grid", "building"]

CHILD_KIND: dict[PlaceKind, PlaceKind] = {
    "street": "community",
    "community": "grid",
    "grid": "building",
}


@dataclass(slots=True)
class Place:
    """What a tree node stands for: its kind, its row, and whether its children are loaded."""

    kind: PlaceKind
    row: PlaceRow
    loaded: bool = False

    @property
    def name(self) -> str:
        """The name shown for the place (a grid shows its code too)."""
        if self.kind == "grid":
            grid = cast("GridRow", self.row)
            return f"{grid.code} {grid.name}"
        return self.row.name

    @property
    def child_count(self) -> int:
        """How many children the place has (0 for a building, whose doors live elsewhere)."""
        if self.kind == "street":
            return cast("StreetRow", self.row).community_count
        if self.kind == "community":
            return cast("CommunityRow", self.row).grid_count
        if self.kind == "grid":
            return cast("GridRow", self.row).building_count
        return 0


def counted(n: int, one: str, many: str) -> str:
    """Fill "{n}" of the singular or plural (already translated) text with n, grouped 1,650."""
    return (one if n == 1 else many).format(n=f"{n:,}")


def _households(n: int) -> str:
    """A household count in the UI language, e.g. "1,650 households"."""
    return counted(n, _("{n} household"), _("{n} households"))


def summary(place: Place) -> str:
    """The counts shown after a place's name, e.g. "4 grids · 1,650 households"."""
    sep = " · "
    if place.kind == "street":
        street = cast("StreetRow", place.row)
        return counted(street.community_count, _("{n} community"), _("{n} communities"))
    if place.kind == "community":
        community = cast("CommunityRow", place.row)
        grids = counted(community.grid_count, _("{n} grid"), _("{n} grids"))
        return grids + sep + _households(community.household_count)
    if place.kind == "grid":
        grid = cast("GridRow", place.row)
        buildings = counted(grid.building_count, _("{n} building"), _("{n} buildings"))
        return buildings + sep + _households(grid.household_count)
    building = cast("BuildingRow", place.row)
    parts = []
    if building.household_count or not building.enterprise_count:
        parts.append(_households(building.household_count))
    if building.enterprise_count:
        parts.append(counted(building.enterprise_count, _("{n} enterprise"), _("{n} enterprises")))
    return sep.join(parts)


def place_labels(places: list[Place]) -> list[Text]:
    """Tree labels for siblings: names padded in cells so that their counts line up."""
    width = max((cell_len(p.name) for p in places), default=0)
    return [
        Text.assemble((p.name, "bold"), " " * (width - cell_len(p.name) + 2), (summary(p), "dim"))
        for p in places
    ]


def _number(value: int | None) -> str:
    """A count for the details panel; unknown values show as a dash."""
    return "—" if value is None else f"{value:,}"


def place_facts(place: Place) -> tuple[str, list[tuple[str, str]]]:
    """The details panel's title and (label, value) rows for a place."""
    if place.kind == "street":
        street = cast("StreetRow", place.row)
        return _("Street") + " · " + street.name, [
            (_("Area code"), street.area_code),
            (_("Communities"), _number(street.community_count)),
        ]
    if place.kind == "community":
        community = cast("CommunityRow", place.row)
        return _("Community") + " · " + community.name, [
            (_("Grids"), _number(community.grid_count)),
            (_("Households"), _number(community.household_count)),
        ]
    if place.kind == "grid":
        grid = cast("GridRow", place.row)
        return _("Grid") + " · " + grid.name, [
            (_("Code"), grid.code),
            (_("Grid member"), grid.member_name or _("not assigned")),
            (_("Buildings"), _number(grid.building_count)),
            (_("Households"), _number(grid.household_count)),
        ]
    building = cast("BuildingRow", place.row)
    return _("Building") + " · " + building.name, [
        (_("Kind"), choice_label(BuildingKind, building.kind)),
        (_("Floors"), _number(building.floors)),
        (_("Units"), _number(building.units)),
        (_("Elevator"), _("Yes") if building.has_elevator else _("No")),
        (_("Households"), _number(building.household_count)),
        (_("Enterprises"), _number(building.enterprise_count)),
    ]


def details_text(place: Place | None) -> Text:
    """The details panel for a place: a title, then labels padded in cells and values."""
    if place is None:
        return Text(_("Move to a place on the left to see its details."), style="dim")
    title, facts = place_facts(place)
    width = max(cell_len(label) for label, _value in facts)
    text = Text(title, style="bold")
    text.append("\n")
    for label, value in facts:
        text.append("\n")
        text.append(label + " " * (width - cell_len(label) + 2), style="dim")
        text.append(value)
    return text


class PlacesTree(Tree[Place]):
    """The places tree, with its keys described in the UI language."""

    BINDINGS = [
        Binding("enter", "select_cursor", N_("Open or close"), show=False),
        Binding("space", "toggle_node", N_("Open or close"), show=False),
        Binding("shift+space", "toggle_expand_all", N_("Open or close all below"), show=False),
        Binding("shift+left", "cursor_parent", N_("Go to the parent"), show=False),
        Binding(
            "shift+right",
            "cursor_parent_next_sibling",
            N_("Go to the parent's next sibling"),
            show=False,
        ),
        Binding("shift+up", "cursor_previous_sibling", N_("Previous sibling"), show=False),
        Binding("shift+down", "cursor_next_sibling", N_("Next sibling"), show=False),
        Binding("up", "cursor_up", N_("Move up"), show=False),
        Binding("down", "cursor_down", N_("Move down"), show=False),
    ]

    def __init__(self, label: str, *, id: str | None = None) -> None:  # noqa: A002
        """A tree whose root shows `label` until the places are loaded."""
        super().__init__(label, id=id)
        translate_bindings(self)
