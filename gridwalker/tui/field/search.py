"""Search (`/` from anywhere): residents, households, enterprises and issues as you type.

Every keystroke starts a worker; a newer one replaces the older, and a sequence number drops
the results of any query that is no longer the one in the box. The whole database is
searched, with the hits of the member's own grid first. Enter opens the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from gridwalker.domain.i18n import _
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.record_kinds import kind_label
from gridwalker.tui.common.workers import DbModal, DbResult
from gridwalker.tui.format import fit
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.search import Hit

LIMIT = 30
KIND_STYLES = {"resident": "cyan", "household": "green", "enterprise": "magenta", "issue": "yellow"}
TITLE_CELLS = 34
WHERE_CELLS = 36


@dataclass(frozen=True)
class Found:
    """The hits of one query, with the code of each hit's grid."""

    seq: int
    query: str
    hits: list[Hit]
    grid_codes: dict[str, str]


class HitsFound(DbResult):
    """The answer to one query (a Found)."""


class ResidentHomeFound(DbResult):
    """The household a resident lives in (None when the resident is gone)."""


def find(
    conn: Connection, query: str, grid_uuid: str | None, limit: int = LIMIT
) -> tuple[list[Hit], dict[str, str]]:
    """Hits in the whole database, the member's grid first, and their grid codes (in a worker)."""
    from gridwalker.store import search

    hits = search.search(conn, query, limit)
    if grid_uuid:
        if len(hits) >= limit and any(h.grid_uuid != grid_uuid for h in hits):
            # The limit may have cut off hits of the member's grid: ask for those first.
            own = search.search(conn, query, limit, grid_uuid)
            keys = {(h.entity, h.uuid) for h in own}
            hits = (own + [h for h in hits if (h.entity, h.uuid) not in keys])[:limit]
        else:
            hits = sorted(hits, key=lambda h: h.grid_uuid != grid_uuid)
    return hits, search.grid_codes(conn, (h.grid_uuid for h in hits if h.grid_uuid))


def kind_width() -> int:
    """The cells of the widest kind label in the UI language, plus a gap."""
    return max(cell_len(kind_label(entity)) for entity in KIND_STYLES) + 2


def render_hit(hit: Hit, grid_codes: dict[str, str], own_grid: str | None) -> Text:
    """One hit: its kind, its title and where it is, in aligned columns, then its grid."""
    text = Text(fit(kind_label(hit.entity), kind_width()), style=KIND_STYLES[hit.entity])
    text.append(fit(hit.title, TITLE_CELLS) + "  ", style="bold")
    text.append(fit(hit.subtitle, WHERE_CELLS) + "  ")
    code = grid_codes.get(hit.grid_uuid or "", "")
    text.append(code, style="dim" if own_grid and hit.grid_uuid == own_grid else "yellow")
    return text


class ResultList(OptionList):
    """The hits; up on the first one, or typing, goes back to the search box."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "up_or_leave", N_("Up"), show=False),
    ]

    class Leave(Message):
        """Back to the search box, with the key typed (if any) to put into it."""

        def __init__(self, character: str = "", backspace: bool = False) -> None:
            super().__init__()
            self.character = character
            self.backspace = backspace

    def action_up_or_leave(self) -> None:
        """Move up, or leave for the search box from the first hit."""
        if not self.highlighted:
            self.post_message(self.Leave())
        else:
            self.action_cursor_up()

    def on_key(self, event: events.Key) -> None:
        """Typing while on the hits goes on typing in the search box."""
        if event.key == "backspace":
            event.stop()
            event.prevent_default()
            self.post_message(self.Leave(backspace=True))
        elif event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self.post_message(self.Leave(event.character))


class SearchScreen(DbModal):
    """Find anyone or anything as you type; Enter opens it, Escape closes."""

    CSS_PATH = "search.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", N_("Close")),
        Binding("down", "to_results", N_("To the results"), show=False),
        Binding("enter", "open", N_("Open"), show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.seq = 0
        self.query_text = ""
        self.hits: list[Hit] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="search-panel"):
            yield Static(_("Search"), id="search-title")
            yield Input(
                placeholder=_("Name, pinyin (zs), room number, enterprise or issue"),
                id="search-input",
            )
            yield Static(self.hint(), id="search-count")
            yield ResultList(id="search-results")
            yield Static(_("↓ to the results · Enter opens · Esc closes"), id="search-keys")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()
        super().on_mount()

    @property
    def own_grid(self) -> str | None:
        """The signed-in member's grid, whose hits come first."""
        member = self.gw.member
        return member.grid_uuid if member else None

    def hint(self) -> str:
        """What to type, shown while the box is empty."""
        return _("Type a name, its pinyin or initials, a room number or an address.")

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        """Search for what is in the box now; older answers are dropped."""
        self.seq += 1
        self.query_text = event.value.strip()
        if not self.query_text:
            self.show(Found(self.seq, "", [], {}))
            return
        seq, query, grid = self.seq, self.query_text, self.own_grid

        def run(conn: Connection) -> Found:
            hits, codes = find(conn, query, grid)
            return Found(seq, query, hits, codes)

        self.db_read(run, HitsFound)

    @on(HitsFound)
    def _answered(self, message: HitsFound) -> None:
        """Show the answer if it is to the query still in the box."""
        found: Found = message.result
        if found.seq == self.seq:
            self.show(found)

    def show(self, found: Found) -> None:
        """Put hits (or the reason there are none) on screen."""
        self.hits = found.hits
        results = self.query_one("#search-results", ResultList)
        count = self.query_one("#search-count", Static)
        results.clear_options()
        if not found.query:
            count.update(self.hint())
        elif not found.hits:
            count.update(
                Text(_("Nothing found for “{query}”.").format(query=found.query), "yellow")
            )
        else:
            n = len(found.hits)
            words = _("{n} hit") if n == 1 else _("{n} hits")
            if n >= LIMIT:
                words = _("The first {n} hits; type more to narrow them down.")
            count.update(words.format(n=n))
            own = self.own_grid
            results.add_options(
                Option(render_hit(hit, found.grid_codes, own), id=str(i))
                for i, hit in enumerate(found.hits)
            )
            results.highlighted = 0
        results.set_class(not found.hits, "-empty")

    def action_to_results(self) -> None:
        """From the box down into the hits."""
        results = self.query_one("#search-results", ResultList)
        if self.hits:
            results.focus()
            if results.highlighted is None:
                results.highlighted = 0

    @on(ResultList.Leave)
    def _leave_results(self, event: ResultList.Leave) -> None:
        """Back into the box, carrying on with what was typed."""
        box = self.query_one("#search-input", Input)
        box.focus()
        box.cursor_position = len(box.value)
        if event.backspace:
            box.action_delete_left()
        elif event.character:
            box.insert_text_at_cursor(event.character)

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter in the box opens the highlighted (or first) hit."""
        event.stop()
        self.action_open()

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        """Enter (or a click) on a hit opens it."""
        event.stop()
        self.open_hit(self.hits[int(event.option.id or 0)])

    def action_open(self) -> None:
        """Open the highlighted hit, or the first one."""
        if not self.hits:
            return
        highlighted = self.query_one("#search-results", ResultList).highlighted
        self.open_hit(self.hits[highlighted or 0])

    def open_hit(self, hit: Hit) -> None:
        """Open what a hit stands for: a household, a person's household, an enterprise, an issue."""
        if hit.entity == "household":
            self.leave_for_household(hit.uuid)
        elif hit.entity == "resident":
            from gridwalker.store import search

            uuid = hit.uuid
            self.db_read(lambda conn: search.household_of_resident(conn, uuid), ResidentHomeFound)
        elif hit.entity == "enterprise":
            navigate = field_navigator(self)
            self.dismiss(None)
            navigate.open_enterprise(hit.uuid)
        elif hit.entity == "issue":
            navigate = field_navigator(self)
            self.dismiss(None)
            navigate.open_issue(hit.uuid)

    @on(ResidentHomeFound)
    def _open_home(self, message: ResidentHomeFound) -> None:
        """A resident opens the household they live in."""
        household: str | None = message.result
        if household is None:
            self.notify(_("This resident is no longer in the database."), severity="warning")
        else:
            self.leave_for_household(household)

    def leave_for_household(self, household_uuid: str) -> None:
        """Close the search and show a household."""
        navigate = field_navigator(self)
        self.dismiss(None)
        navigate.open_household(household_uuid)

    def action_close(self) -> None:
        """Close the search."""
        self.dismiss(None)
