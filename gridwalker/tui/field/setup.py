"""First-run setup in the app: a laptop with no member is set up here, not left at a dead end.

The member gives their name (phone optional), their grid (one the laptop holds after a roster
import, or a new one: its code and its path 街道/社区/网格), the hub card from the USB stick
and where to write the pairing file. `sync.laptop.setup.set_up_laptop` does the rest, exactly
as `gridwalker setup` does; its refusal is shown under the form and nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from gridwalker.domain.i18n import _
from gridwalker.tui.common.workers import DbModal, DbResult
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from gridwalker.config import Paths
    from gridwalker.store.rounds.setup import GridRef
    from gridwalker.sync.laptop.setup import SetupResult

NEW_GRID = "__new__"


class GridsRead(DbResult):
    """The grids this laptop holds were read."""


class SetUp(DbResult):
    """The laptop was set up (a SetupResult)."""


def _grids(conn: Connection) -> list[GridRef]:
    from gridwalker.store.rounds.setup import grids

    return grids(conn)


def expand(text: str) -> Path | None:
    """A path as typed (~ expanded), or None when blank."""
    text = text.strip()
    return Path(text).expanduser() if text else None


class SetupScreen(DbModal):
    """Set up this laptop: member, grid, hub card, pairing file (ctrl+s)."""

    CSS_PATH = "setup.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "set_up", N_("Set up"), priority=True),
        Binding("escape", "leave", N_("Quit")),
    ]

    def __init__(self, *, first: bool = True) -> None:
        super().__init__()
        self.first = first  # no member at all yet: Esc quits the app
        self.grid_list: list[GridRef] = []
        self.result: SetupResult | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="setup-panel"):
            yield Static(_("Set up this laptop"), id="setup-title")
            yield Static(
                _(
                    "First start: give your name and your grid, and the hub card your supervisor "
                    "gave you (hub-card.json on the USB stick). The laptop makes its keys and "
                    "writes a pairing file for the hub. ctrl+s sets up, Esc quits."
                ),
                id="setup-hint",
            )
            with Grid(id="setup-fields"):
                yield Label(_("Your name"))
                yield Input(id="name", placeholder=_("e.g. 李晓梅"))
                yield Label(_("Phone (optional)"))
                yield Input(id="phone", placeholder="138…")
                yield Label(_("Your grid"))
                yield Select[str]([], id="grid", prompt=_("Choose your grid"), allow_blank=True)
                yield Label(_("New grid"), id="new-grid-label")
                with Horizontal(id="new-grid"):
                    yield Input(id="code", placeholder=_("Code, e.g. XH-03-09"))
                    yield Input(id="place", placeholder=_("Street/Community/Grid"))
                yield Label(_("Hub card"))
                yield Input(id="card", placeholder="/media/usb/hub-card.json")
                yield Label(_("Pairing file to"))
                yield Input(id="pair-out", placeholder=_("folder; blank: next to the hub card"))
            yield Static("", id="setup-error")
            yield Static("", id="setup-done")
            with Horizontal(id="setup-buttons"):
                yield Button(_("Set up (ctrl+s)"), id="do-setup", variant="primary")
                yield Button(_("Start working"), id="start", variant="success")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#start", Button).display = False
        self.query_one("#setup-done", Static).display = False
        self.query_one("#setup-error", Static).display = False
        self.query_one("#name", Input).focus()

    def database_ready(self) -> None:
        self.db_read(_grids, GridsRead)

    @on(GridsRead)
    def _show_grids(self, message: GridsRead) -> None:
        self.grid_list = message.result
        options = [(f"{g.code}  {g.path}", g.code) for g in self.grid_list]
        options.append((_("Another grid (type its code and path)"), NEW_GRID))
        select = self.query_one("#grid", Select)
        select.set_options(options)
        if not self.grid_list:
            select.value = NEW_GRID
        self._show_new_grid()

    @on(Select.Changed, "#grid")
    def _grid_chosen(self) -> None:
        self._show_new_grid()

    def _show_new_grid(self) -> None:
        new = self.query_one("#grid", Select).value == NEW_GRID
        self.query_one("#new-grid").display = new
        self.query_one("#new-grid-label").display = new

    def _request(self) -> Any:
        from gridwalker.sync.laptop.setup import SetupRequest

        value = lambda wid: self.query_one(f"#{wid}", Input).value  # noqa: E731
        chosen = self.query_one("#grid", Select).value
        new = chosen == NEW_GRID
        card = expand(value("card"))
        if card is None:
            raise ValueError(_("Give the hub card: the hub-card.json file on the USB stick."))
        if chosen == Select.BLANK:
            raise ValueError(_("Choose your grid."))
        pair_out = expand(value("pair-out")) or card.parent
        return SetupRequest(
            member=value("name"),
            grid=value("code") if new else str(chosen),
            hub_card=card,
            phone=value("phone") or None,
            place=value("place") if new else None,
            pair_out=pair_out,
        )

    def _error(self, text: str) -> None:
        shown = self.query_one("#setup-error", Static)
        shown.update(Text(text))  # inert: a file name or a name may hold [brackets]
        shown.display = bool(text)

    def action_set_up(self) -> None:
        if self.result is not None:
            self._start()
            return
        try:
            request = self._request()
        except ValueError as exc:
            self._error(str(exc))
            return
        self._error("")

        def run(engine: Engine, home: Paths) -> SetupResult:
            from gridwalker.sync.laptop.setup import set_up_laptop

            return set_up_laptop(engine, home, request)

        self.run_engine(run, SetUp, failed=self._refused)

    def _refused(self, error: BaseException) -> bool:
        from gridwalker.sync.keys import KeyProblem

        if isinstance(error, (KeyProblem, ValueError)):
            self._error(str(error))
            return True
        return False

    @on(SetUp)
    def _done(self, message: SetUp) -> None:
        result: SetupResult = message.result
        self.result = result
        lines = [
            _("Set up: {member}, grid {code} ({path}).").format(
                member=result.member, code=result.grid.code, path=result.grid.path
            ),
            _("Device {device}, key {key}; trusted hub: {hub}.").format(
                device=result.device_id, key=result.key_id, hub=result.hub_name
            ),
        ]
        if result.pairing_file is not None:
            lines.append(
                _(
                    "Pairing file: {path} — give it to your supervisor (gridwalker hub enroll)."
                ).format(path=result.pairing_file)
            )
        lines.append(_("Press Enter to start work."))
        done = self.query_one("#setup-done", Static)
        done.update(Text("\n".join(lines)))
        done.display = True
        self.query_one("#setup-fields").display = False  # what was typed is done with
        self.query_one("#setup-hint").display = False
        self.query_one("#do-setup", Button).display = False
        start = self.query_one("#start", Button)
        start.display = True
        start.focus()

    @on(Button.Pressed, "#do-setup")
    def _pressed_setup(self) -> None:
        self.action_set_up()

    @on(Button.Pressed, "#start")
    def _start(self) -> None:
        from gridwalker.store.rounds.signin import MemberRef

        result = self.result
        if result is None:
            return
        grid = result.grid
        self.dismiss(
            MemberRef(
                result.member_uuid, result.member, grid.uuid, grid.code, grid.name, grid.community
            )
        )

    def action_leave(self) -> None:
        if self.first:
            self.app.exit()
        else:
            self.dismiss(None)
