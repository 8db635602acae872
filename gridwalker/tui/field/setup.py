"""First-run setup in the app: a laptop with no member is set up here, not left at a dead end.

The member gives their name (phone optional), their grid (one the laptop holds after a roster
import, or a new one: its code and its path 街道/社区/网格), the hub card from the USB stick
and where to write the pairing file. `sync.laptop.setup.set_up_laptop` does the rest, exactly
as `gridwalker setup` does; its refusal is shown under the form and nothing is written.

A plain database is then encrypted with the passphrase typed twice (`store.at_rest`, as
`gridwalker db encrypt` does) and reopened with its key; the form says first that a forgotten
passphrase means provisioning the laptop again from the hub.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    """The laptop was set up (a SetupOutcome)."""


@dataclass
class SetupOutcome:
    """What the setup worker did: the setup, and the database reopened encrypted (or why not)."""

    result: SetupResult
    engine: Engine | None = None  # the encrypted database's engine, replacing the app's
    key: bytes | None = None
    not_encrypted: str = ""  # why the database stayed plain, when it did


def set_up_and_encrypt(
    engine: Engine,
    home: Paths,
    request: Any,
    db_path: Path,
    passphrase: str | None,
    hold_seconds: int = 0,
) -> SetupOutcome:
    """Set the laptop up, then encrypt its (still plain) database and reopen it; the key is
    held for the session (`hold_seconds`), as after an unlock."""
    from gridwalker.store.at_rest import AtRestError, encrypt_in_place
    from gridwalker.store.migrate import open_database
    from gridwalker.sync.laptop.setup import set_up_laptop

    result = set_up_laptop(engine, home, request)
    if passphrase is None:
        return SetupOutcome(result)
    engine.dispose()
    try:
        done = encrypt_in_place(db_path, passphrase)
    except (AtRestError, ValueError) as exc:
        return SetupOutcome(result, not_encrypted=str(exc))
    if hold_seconds > 0:
        from gridwalker.store.session_key import hold_key

        hold_key(db_path, done.key, hold_seconds)
    return SetupOutcome(result, open_database(db_path, key=done.key), done.key)


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
                yield Static(
                    _(
                        "The grid's records are stored encrypted with this passphrase. A "
                        "forgotten passphrase means provisioning this laptop again from the hub "
                        "(nothing already exported is lost)."
                    ),
                    id="setup-passphrase-hint",
                    classes="passphrase",
                )
                yield Label(_("Passphrase"), classes="passphrase")
                with Horizontal(id="passphrases", classes="passphrase"):
                    yield Input(id="passphrase", password=True, placeholder=_("Passphrase"))
                    yield Input(id="passphrase2", password=True, placeholder=_("Passphrase again"))
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
        for widget in self.query(".passphrase"):
            widget.display = self.asks_passphrase

    @property
    def asks_passphrase(self) -> bool:
        """A plain database is encrypted at setup; an encrypted one already has its key."""
        from gridwalker.store.dbkey import is_encrypted

        return not is_encrypted(self.gw.db_path)

    def _passphrase(self) -> str | None:
        """The passphrase typed twice (None when the database is already encrypted)."""
        from gridwalker.store.dbkey import check_new_passphrase

        if not self.asks_passphrase:
            return None
        first = self.query_one("#passphrase", Input).value
        if first != self.query_one("#passphrase2", Input).value:
            raise ValueError(_("The two passphrases differ: type the same one twice."))
        check_new_passphrase(first)
        return first

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
        if text:
            self.call_after_refresh(shown.scroll_visible, animate=False)

    def action_set_up(self) -> None:
        if self.result is not None:
            self._start()
            return
        try:
            request = self._request()
            passphrase = self._passphrase()
        except ValueError as exc:
            self._error(str(exc))
            return
        self._error("")
        db_path = self.gw.db_path
        hold = max(self.gw.settings.hold_key_hours, 0) * 3600

        def run(engine: Engine, home: Paths) -> SetupOutcome:
            return set_up_and_encrypt(engine, home, request, db_path, passphrase, hold)

        self.run_engine(run, SetUp, failed=self._refused)

    def _refused(self, error: BaseException) -> bool:
        from gridwalker.sync.keys import KeyProblem

        if isinstance(error, (KeyProblem, ValueError)):
            self._error(str(error))
            return True
        return False

    @on(SetUp)
    def _done(self, message: SetUp) -> None:
        outcome: SetupOutcome = message.result
        result = outcome.result
        self.result = result
        if outcome.engine is not None:  # the database reopened encrypted: the app uses it now
            old, self.gw.engine = self.gw.engine, outcome.engine
            self.gw.db_key = outcome.key  # type: ignore[attr-defined]
            if old is not None:
                old.dispose()
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
        if outcome.not_encrypted:
            lines.append(
                _("The database is NOT encrypted ({reason}): run gridwalker db encrypt.").format(
                    reason=outcome.not_encrypted
                )
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
