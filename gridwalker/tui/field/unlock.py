"""The unlock screen: the passphrase of an encrypted laptop, at start and after a lock.

Three wrong tries, then a wait that doubles with every further wrong try (5 s, 10 s, 20 s …,
at most 5 minutes): guessing at the keyboard is slow, a typo costs nothing. The passphrase is
checked off the UI thread (Argon2id takes a fraction of a second by design). The screen
covers the whole app, so a locked laptop shows nothing of the grid; what lies beneath (an
open form, its draft) is left exactly as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from gridwalker.domain.i18n import _
from gridwalker.tui.common.workers import DbResult
from gridwalker.tui.keys import N_, translate_bindings

FREE_TRIES = 3
MAX_DELAY = 300.0


class PassphraseChecked(DbResult):
    """The unlock worker's answer: the database key, or None for a wrong passphrase."""


class UnlockScreen(ModalScreen[bytes]):
    """Type the passphrase; the screen dismisses with the database key."""

    CSS_PATH = "unlock.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "app.quit", N_("Quit"), priority=True),
    ]
    DELAY_SECONDS: ClassVar[float] = 5.0  # the first wait after FREE_TRIES wrong tries

    def __init__(self, db_path: Path, *, locked: bool = False) -> None:
        super().__init__()
        translate_bindings(self)
        self.db_path = db_path
        self.locked = locked
        self.failures = 0
        self.waiting = False

    def compose(self) -> ComposeResult:
        with Vertical(id="unlock-panel"):
            yield Static(
                _("Locked") if self.locked else _("Unlock this laptop's database"),
                id="unlock-title",
            )
            yield Static(
                _(
                    "The grid's records are encrypted on this laptop. Type your passphrase "
                    "and press Enter."
                ),
                id="unlock-hint",
            )
            yield Input(id="passphrase", password=True, placeholder=_("Passphrase"))
            yield Static("", id="unlock-status")

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after `failures` wrong tries (none for the first FREE_TRIES)."""
        if failures < FREE_TRIES:
            return 0.0
        return min(self.DELAY_SECONDS * 2 ** (failures - FREE_TRIES), MAX_DELAY)

    @on(Input.Submitted, "#passphrase")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.waiting or not event.value:
            return
        self.waiting = True
        event.input.disabled = True
        self._status(_("Checking…"))
        self._check(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="unlock")
    def _check(self, passphrase: str) -> None:
        from gridwalker.store.dbkey import WrongPassphrase, unlock

        try:
            key: bytes | None = unlock(self.db_path, passphrase)
        except WrongPassphrase:
            key = None
        self.post_message(PassphraseChecked(key))

    @on(PassphraseChecked)
    def _checked(self, message: PassphraseChecked) -> None:
        if message.result is not None:
            self.dismiss(message.result)
            return
        self.failures += 1
        field = self.query_one("#passphrase", Input)
        field.value = ""
        delay = self.delay_after(self.failures)
        if not delay:
            self._status(
                _("Wrong passphrase ({tries} of {free} tries).").format(
                    tries=self.failures, free=FREE_TRIES
                ),
                error=True,
            )
            self._ready()
            return
        self._status(
            _("Wrong passphrase. Too many tries: wait {seconds} s.").format(seconds=int(delay)),
            error=True,
        )
        self.set_timer(delay, self._ready)

    def _ready(self) -> None:
        self.waiting = False
        field = self.query_one("#passphrase", Input)
        field.disabled = False
        field.focus()
        if self.failures >= FREE_TRIES:
            self._status(_("Try again."), error=True)

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#unlock-status", Static)
        status.update(text)
        status.set_class(error, "error")
