"""The offer of waiting drafts at start: forms left unsaved last time, to open as they were."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from gridwalker.domain.i18n import _
from gridwalker.tui.common.dialogs import ask_yes_no
from gridwalker.tui.common.workers import DbModal, DbResult
from gridwalker.tui.format import error_reason, local_time
from gridwalker.tui.keys import N_
from gridwalker.tui.navigation import field_navigator

if TYPE_CHECKING:
    from gridwalker.store.rounds import DraftRow
    from gridwalker.tui.app_base import GridwalkerBaseApp


class OfferedDraftDiscarded(DbResult):
    """A draft offered at start was thrown away."""


class DraftsOffer(DbModal):
    """Forms left unsaved last time: open one as it was, discard one, or decide later."""

    CSS_PATH = "drafts_offer.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", N_("Open")),
        Binding("d", "discard", N_("Discard draft")),
        Binding("escape", "later", N_("Later")),
    ]

    def __init__(self, drafts: list[DraftRow]) -> None:
        super().__init__()
        self.drafts = list(drafts)
        self.discarding: DraftRow | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="drafts-panel"):
            yield Static(_("Unsaved forms are waiting"), id="drafts-title")
            yield Static(
                _("Enter opens the highlighted one as you left it · d discards it · Esc later"),
                id="drafts-hint",
            )
            yield OptionList(id="drafts")

    def on_mount(self) -> None:
        self._fill()

    def _fill(self) -> None:
        listing = self.query_one("#drafts", OptionList)
        listing.clear_options()
        width = max((cell_len(d.title) for d in self.drafts), default=0) + 3
        for d in self.drafts:
            words = Text(d.title + " " * (width - cell_len(d.title)), style="bold")
            words.append(_("last change {when}").format(when=local_time(d.updated_at)), "dim")
            listing.add_option(Option(words, id=d.key))
        listing.highlighted = 0 if self.drafts else None
        listing.focus()

    def current(self) -> DraftRow | None:
        """The highlighted draft."""
        listing = self.query_one("#drafts", OptionList)
        if listing.highlighted is None or not self.drafts:
            return None
        return self.drafts[listing.highlighted]

    @on(OptionList.OptionSelected, "#drafts")
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        """Open the highlighted draft's form, restored exactly (a visit over its household)."""
        from gridwalker.store import rounds

        draft = self.current()
        if draft is None:
            return
        navigate = field_navigator(self)
        self.dismiss(None)
        household = rounds.household_of_visit_draft(draft.key)
        if household is not None:
            navigate.open_household(household)
            navigate.open_visit(household, draft=draft.payload)
            return
        navigate.resume_draft(draft.kind, draft.payload)

    def action_discard(self) -> None:
        """Discard the highlighted draft, after asking."""
        draft = self.current()
        if draft is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                from gridwalker.store import rounds

                self.discarding = draft
                self.db_write(
                    lambda conn: rounds.delete_draft(conn, draft.key), OfferedDraftDiscarded
                )

        self.app.push_screen(
            ask_yes_no(
                _("Discard the draft of {title}?").format(title=draft.title),
                _("Discard"),
                _("Keep"),
                _("What was typed in it will be lost."),
            ),
            answered,
        )

    @on(OfferedDraftDiscarded)
    def _discarded(self) -> None:
        self.notify(_("Draft discarded."))
        self.drafts = [d for d in self.drafts if d is not self.discarding]
        if not self.drafts:
            self.dismiss(None)
            return
        self._fill()

    def action_later(self) -> None:
        """Keep the drafts for later."""
        self.dismiss(None)


def offer_drafts(app: GridwalkerBaseApp) -> None:
    """Look for waiting drafts (visits, issues, census forms) in a worker; offer any."""
    engine = app.engine
    if engine is None:
        return

    def show(drafts: list[DraftRow]) -> None:
        app.push_screen(DraftsOffer(drafts))

    def work() -> None:
        from gridwalker.store import rounds

        try:
            with engine.connect() as conn:
                drafts = rounds.list_drafts(conn)
        except Exception as exc:  # reported on screen, never a traceback
            app.call_from_thread(app.notify, error_reason(exc), severity="error")
            return
        if drafts:
            app.call_from_thread(show, drafts)

    app.run_worker(work, thread=True, group="drafts-offer", exclusive=True, exit_on_error=False)
