"""The review queue's filters: what each picker offers, what a choice makes of the filter, and
the filter in words (the line above the queue)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text

from gridwalker.domain import clock
from gridwalker.domain.choices import ReviewState
from gridwalker.domain.i18n import _, label
from gridwalker.tui.common.record_kinds import KIND_LABELS, kind_label
from gridwalker.tui.format import pad
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from gridwalker.store.desk.lookups import Place, Places
    from gridwalker.store.desk.queue import QueueFilter

STATE_PICKS: dict[str, tuple[str, ...]] = {
    "queue": ("received", "corrected"),
    "received": ("received",),
    "corrected": ("corrected",),
    "returned": ("returned",),
    "approved": ("approved",),
    "all": (),
}
STATE_PICK_LABELS = {"queue": N_("To review (awaiting and resubmitted)"), "all": N_("All states")}
DATE_PICKS = ("any", "today", "yesterday", "week", "cycle", "last_cycle")
DATE_LABELS = {
    "any": N_("Any day"),
    "today": N_("Today"),
    "yesterday": N_("Yesterday"),
    "week": N_("The last 7 days"),
    "cycle": N_("This cycle"),
    "last_cycle": N_("The last cycle"),
}
FLAG_LABELS = {
    "conflict": N_("In conflict"),
    "deleted": N_("Deleted"),
    "new": N_("New (first revision)"),
    "edited": N_("Edited (later revision)"),
}
ANY = "any"
# A place picker: the filter's field, the Places list it offers, "everyone", its title.
PLACE_PICKS = {
    "street": ("street_uuid", "streets", N_("All streets"), N_("Show records of street")),
    "community": (
        "community_uuid",
        "communities",
        N_("All communities"),
        N_("Show records of community"),
    ),
    "grid": ("grid_uuid", "grids", N_("All grids"), N_("Show records of grid")),
    "member": ("member_uuid", "members", N_("All members"), N_("Show records of member")),
}

Options = list[tuple[Text | str, str]]


@dataclass(frozen=True)
class Pick:
    """One picker: its title, its entries, the one chosen now, and the filter a choice makes."""

    title: str
    options: Options
    current: str
    apply: Callable[[QueueFilter, str], QueueFilter]


def date_range(pick: str, today: date) -> tuple[date | None, date | None]:
    """The days (inclusive) a date pick stands for."""
    if pick == "today":
        return today, today
    if pick == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    if pick == "week":
        return today - timedelta(days=6), today
    if pick == "cycle":
        start, end = clock.cycle_bounds(today)
        return start, end - timedelta(days=1)
    if pick == "last_cycle":
        start, _end = clock.cycle_bounds(clock.cycle_bounds(today)[0] - timedelta(days=1))
        return start, clock.cycle_bounds(today)[0] - timedelta(days=1)
    return None, None


def state_pick(flt: QueueFilter) -> Pick:
    """The review states shown."""
    options: Options = []
    for key, states in STATE_PICKS.items():
        words = (
            _(STATE_PICK_LABELS[key]) if key in STATE_PICK_LABELS else label(ReviewState(states[0]))
        )
        options.append((words, key))
    current = next((k for k, v in STATE_PICKS.items() if frozenset(v) == flt.states), "queue")
    return Pick(
        _("Show records in state"),
        options,
        current,
        lambda flt, choice: replace(flt, states=frozenset(STATE_PICKS[choice])),
    )


def place_pick(flt: QueueFilter, field: str, places: list[Place], every: str, title: str) -> Pick:
    """A community, grid or member to filter by (`field` of the filter)."""
    width = max((cell_len(p.name) for p in places), default=0) + 2
    options: Options = [(every, ANY)]
    for p in places:
        options.append((Text.assemble(pad(p.name, width), (p.parent, "dim")), p.uuid))
    return Pick(
        title,
        options,
        getattr(flt, field) or ANY,
        lambda flt, choice: replace(flt, **{field: None if choice == ANY else choice}),
    )


def kind_pick(flt: QueueFilter) -> Pick:
    """A kind of record."""
    options: Options = [(_("All kinds"), ANY)]
    options += [(kind_label(k), k) for k in KIND_LABELS]
    return Pick(
        _("Show records of kind"),
        options,
        flt.entity or ANY,
        lambda flt, choice: replace(flt, entity=None if choice == ANY else choice),
    )


def date_pick(current: str) -> Pick:
    """The days of the records (the days a pick stands for are counted from today)."""

    def days(flt: QueueFilter, choice: str) -> QueueFilter:
        start, end = date_range(choice, clock.today())
        return replace(flt, date_from=start, date_to=end)

    options: Options = [(_(DATE_LABELS[k]), k) for k in DATE_PICKS]
    return Pick(_("Show records of the days"), options, current, days)


def flag_pick(flt: QueueFilter) -> Pick:
    """A flag: in conflict, deleted, new or edited."""
    options: Options = [(_("Any flags"), ANY)]
    options += [(_(words), flag) for flag, words in FLAG_LABELS.items()]
    return Pick(
        _("Show records flagged"),
        options,
        next(iter(sorted(flt.flags)), ANY),
        lambda flt, choice: replace(
            flt, flags=frozenset() if choice == ANY else frozenset({choice})
        ),
    )


def filter_pick(what: str, flt: QueueFilter, places: Places | None, days: str) -> Pick | None:
    """The picker of one filter ("state", "street", "community", "grid", "member", "kind",
    "date", "flag"); None while the places it would offer are not read yet."""
    if what in PLACE_PICKS:
        if places is None:
            return None
        field, offered, everyone, title = PLACE_PICKS[what]
        return place_pick(flt, field, getattr(places, offered), _(everyone), _(title))
    if what == "state":
        return state_pick(flt)
    if what == "kind":
        return kind_pick(flt)
    if what == "date":
        return date_pick(days)
    return flag_pick(flt)


def _place_name(places: list[Place], uuid: str) -> str:
    return next((p.name for p in places if p.uuid == uuid), uuid[:8])


def describe(flt: QueueFilter, places: Places | None, date_choice: str) -> str:
    """The filter in words."""
    parts: list[str] = []
    states = tuple(sorted(flt.states))
    pick = next((k for k, v in STATE_PICKS.items() if tuple(sorted(v)) == states), None)
    if pick in STATE_PICK_LABELS:
        parts.append(_(STATE_PICK_LABELS[pick]))
    else:
        parts.append("、".join(label(ReviewState(s)) for s in states))
    if flt.street_uuid:
        parts.append(_place_name(places.streets if places else [], flt.street_uuid))
    if flt.community_uuid:
        parts.append(_place_name(places.communities if places else [], flt.community_uuid))
    if flt.grid_uuid:
        parts.append(_place_name(places.grids if places else [], flt.grid_uuid))
    if flt.member_uuid:
        parts.append(_place_name(places.members if places else [], flt.member_uuid))
    if flt.entity:
        parts.append(kind_label(flt.entity))
    if date_choice != ANY and date_choice in DATE_LABELS:
        parts.append(_(DATE_LABELS[date_choice]))
    elif flt.date_from or flt.date_to:
        parts.append(f"{flt.date_from or ''}…{flt.date_to or ''}")
    for flag in sorted(flt.flags):
        parts.append(_(FLAG_LABELS[flag]))
    return " · ".join(parts)
