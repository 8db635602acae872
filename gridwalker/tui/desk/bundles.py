"""The hub's book of bundles: what arrived from which device (paged from SQL, it grows with
every import), the held bundles (force-apply) and the quarantined ones (retry)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Header, Static

from gridwalker.domain.i18n import _
from gridwalker.tui.common.dialogs import ask_yes_no
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.desk.decisions import decider
from gridwalker.tui.format import cell, literal, local_time
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from gridwalker.store.ledger import DeviceRow, HeldRow, LedgerRow, QuarantineRow

LEDGER_COLUMNS = (
    (16, N_("Device")),
    (8, N_("Member")),
    (5, N_("Seq")),
    (6, N_("Kind")),
    (8, N_("Records")),
    (8, N_("Applied")),
    (8, N_("Known")),
    (6, N_("Conflicts")),
    (16, N_("Received at")),
)
BUNDLE_KINDS = {"full": N_("full"), "delta": N_("delta")}


class BooksLoaded(DbResult):
    """The held and quarantined bundles were read, and the received ones counted."""


class BundleForced(DbResult):
    """A held bundle was applied by force (the outcome, with the bundles applied after it)."""


class BundleRetried(DbResult):
    """A quarantined bundle was imported again (the outcome of each bundle)."""


def ledger_titles() -> Text:
    """The titles above the ledger."""
    text = Text(" ")
    for width, title in LEDGER_COLUMNS:
        text.append_text(cell(_(title), width, "bold"))
    text.append(_("File"), style="bold")
    return text


def render_ledger_row(row: LedgerRow, width: int) -> Text:
    """One bundle received: device, member, seq, kind, counts, when, the file."""
    text = Text(" ")
    text.append_text(cell(row.device_id, 16, "bold"))
    text.append_text(cell(row.member, 8))
    text.append_text(cell(str(row.seq), 5))
    kind = BUNDLE_KINDS.get(row.kind)
    text.append_text(cell(_(kind) if kind else row.kind, 6, "dim"))
    text.append_text(cell(f"{row.records:,}", 8))
    text.append_text(cell(f"{row.applied:,}", 8, "green" if row.applied else "dim"))
    text.append_text(cell(f"{row.skipped:,}", 8, "dim"))
    text.append_text(cell(str(row.conflicts), 6, "bold red" if row.conflicts else "dim"))
    text.append_text(cell(local_time(row.imported_at), 16, "dim"))
    if row.forced_by:
        forced = _("forced by {who}").format(who=row.forced_by)
        if row.missing:
            forced += ", " + _("missing {seqs}").format(seqs=", ".join(map(str, row.missing)))
        text.append(forced + "  ", style="bold yellow")
    text.append(row.file, style="dim")
    return text


@dataclass(frozen=True)
class BundleBooks:
    """The held and quarantined bundles, and how many were received."""

    received: int
    held: list[HeldRow]
    quarantined: list[QuarantineRow]
    devices: list[DeviceRow]


def device_cells(d: DeviceRow) -> tuple[Text | str, ...]:
    """One laptop's row: device, member, last bundle, when last seen, trusted or revoked."""
    if d.revoked_at is not None:
        state = Text(
            _("revoked {day}").format(day=local_time(d.revoked_at)[:10])
            + (f": {d.revoked_reason}" if d.revoked_reason else ""),
            style="bold red",
        )
    elif d.last_seen is None:
        state = Text(_("enrolled, nothing received yet"), style="yellow")
    else:
        state = Text(_("trusted"), style="green")
    return (
        Text(d.device_id, style="bold"),
        literal(d.member),
        str(d.last_seq) if d.last_seq is not None else "—",
        local_time(d.last_seen) if d.last_seen else "—",
        state,
    )


# Cells of a quarantine row besides the reason: three columns (16, 16, 5), each cell's
# padding, the table's margins, border and scrollbar.
QUARANTINE_FIXED = 16 + 16 + 5 + 4 * 2 + 4 + 2 + 2


class BundlesScreen(DbScreen):
    """What arrived from which device; held bundles (force-apply) and quarantined ones (retry)."""

    CSS_PATH = "bundles.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("f", "force", N_("Force-apply held bundle")),
        Binding("t", "retry", N_("Retry quarantined bundle")),
        Binding("f5", "refresh", N_("Refresh"), show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.books: BundleBooks | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="bundles-summary")
        yield Static(_("Laptops: last bundle, last seen, trusted or revoked"), classes="section")
        yield DataTable(id="devices-table", cursor_type="row")
        yield Static(ledger_titles(), id="ledger-columns")
        yield PagedList(
            render_ledger_row, empty_text=_("No bundle has arrived yet."), id="ledger-list"
        )
        yield Static(_("Held: waiting for the bundles before them"), classes="section")
        yield DataTable(id="held-table", cursor_type="row")
        yield Static(_("Quarantined: refused, with the reason"), classes="section")
        yield DataTable(id="quarantine-table", cursor_type="row")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Bundles")
        laptops = self.query_one("#devices-table", DataTable)
        for title, width in ((_("Device"), 16), (_("Member"), 10), (_("Seq"), 5)):
            laptops.add_column(title, width=width)
        laptops.add_column(_("Last seen"), width=16)
        laptops.add_column(_("State"))
        laptops.show_cursor = False
        held = self.query_one("#held-table", DataTable)
        held.add_column(_("Device"), width=16)
        held.add_column(_("Seq"), width=5)
        held.add_column(_("Missing"), width=12)
        held.add_column(_("Received at"), width=16)
        held.add_column(_("File"))
        held.show_cursor = False
        quarantine = self.query_one("#quarantine-table", DataTable)
        quarantine.add_column(_("Received at"), width=16)
        quarantine.add_column(_("Device"), width=16)
        quarantine.add_column(_("Seq"), width=5)
        # The reason wraps in what the terminal leaves of its width, the file below it.
        quarantine.add_column(_("Reason"), width=max(30, self.app.size.width - QUARANTINE_FIXED))
        quarantine.show_cursor = False
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        from gridwalker.store.ledger import (
            bundle_count,
            bundle_page,
            devices,
            held_bundles,
            quarantined,
        )

        if self.engine is None:
            return
        self.db_read(
            lambda conn: BundleBooks(
                bundle_count(conn), held_bundles(conn), quarantined(conn), devices(conn)
            ),
            BooksLoaded,
        )
        self.query_one(PagedList).set_source(
            self.engine,
            bundle_count,
            lambda conn, offset, limit: bundle_page(conn, offset, limit),
        )
        if self.focused is None:
            self.query_one(PagedList).focus()

    @on(BooksLoaded)
    def _show_books(self, message: BooksLoaded) -> None:
        books: BundleBooks = message.result
        self.books = books
        self.query_one("#bundles-summary", Static).update(
            Text.assemble(
                (_("{n} bundles received").format(n=books.received), "bold"),
                "   ",
                (
                    _("{n} held").format(n=len(books.held)),
                    "bold yellow" if books.held else "dim",
                ),
                "   ",
                (
                    _("{n} quarantined").format(n=len(books.quarantined)),
                    "bold red" if books.quarantined else "dim",
                ),
                "   ",
                (
                    "Tab: " + _("next list") + "   f: " + _("force-apply") + "   t: " + _("retry"),
                    "dim",
                ),
            )
        )
        laptops = self.query_one("#devices-table", DataTable)
        laptops.clear()
        for d in books.devices:
            laptops.add_row(*device_cells(d), key=d.device_id)
        held = self.query_one("#held-table", DataTable)
        held.clear()
        for h in books.held:
            held.add_row(
                Text(h.device_id, style="bold"),
                str(h.seq),
                Text(", ".join(str(s) for s in h.missing) or "—", style="bold yellow"),
                local_time(h.received_at),
                Text(Path(h.path).name, style="dim"),
                key=str(h.id),
            )
        held.show_cursor = bool(books.held)
        quarantine = self.query_one("#quarantine-table", DataTable)
        quarantine.clear()
        for q in books.quarantined:
            quarantine.add_row(
                local_time(q.at),
                literal(q.device_id or "—", no_wrap=True),
                str(q.seq) if q.seq is not None else "—",
                Text.assemble((f"[{q.reason}] {q.message}", "red"), "\n", (q.file, "dim")),
                key=str(q.id),
                height=None,
            )
        quarantine.show_cursor = bool(books.quarantined)
        self.refresh_bindings()

    def _chosen(self, table_id: str, rows: list[Any]) -> Any | None:
        """The row under the cursor of a small table (the first when it has no focus)."""
        if not rows:
            return None
        table = self.query_one(table_id, DataTable)
        index = table.cursor_row if table.cursor_row is not None else 0
        return rows[min(max(index, 0), len(rows) - 1)]

    def action_force(self) -> None:
        """Apply the chosen held bundle now, after a confirmation."""
        if self.books is None:
            return
        held: HeldRow | None = self._chosen("#held-table", self.books.held)
        if held is None:
            self.notify(_("No bundle is held."))
            return
        question = _("Force-apply bundle {seq} of {device} now?").format(
            seq=held.seq, device=held.device_id
        )
        detail = _(
            "Bundles {missing} have not arrived. It is applied now, after every check, and "
            "booked as forced by you; the missing bundles still apply when they arrive."
        ).format(missing=", ".join(str(s) for s in held.missing) or "—")
        self.app.push_screen(
            ask_yes_no(question, _("Force-apply"), _("Cancel"), detail),
            lambda yes: self._force(held, yes),
        )

    def _force(self, held: HeldRow, yes: bool | None) -> None:
        from gridwalker.sync.hub.backlog import force_apply

        if not yes:
            return
        actor = decider(self)
        backlog_id = held.id
        self.run_engine(
            lambda engine, home: force_apply(engine, home, backlog_id, actor),
            BundleForced,
            failed=self._not_forced,
        )

    @on(BundleForced)
    def _forced(self, message: BundleForced) -> None:
        outcome = message.result
        self.notify(
            _(
                "Bundle {seq} of {device}: {applied} records applied, {conflicts} in conflict."
            ).format(
                seq=outcome.seq,
                device=outcome.device_id,
                applied=outcome.applied,
                conflicts=outcome.conflicts,
            )
            + "".join(
                " " + _("Held bundle {seq} applied after it.").format(seq=o.seq)
                for o in outcome.after
                if o.status == "applied"
            )
            + "".join(
                " " + _("Held bundle {seq} refused: {reason}").format(seq=o.seq, reason=o.reason)
                for o in outcome.after
                if o.status == "refused"
            ),
            title=_("Force-applied"),
            timeout=8,
        )
        self.database_ready()

    def _not_forced(self, exc: BaseException) -> bool:
        return self._problem(exc, _("Not force-applied"))

    def action_retry(self) -> None:
        """Import the chosen quarantined bundle again (e.g. after enrolling its device)."""
        from gridwalker.sync.hub.backlog import retry

        if self.books is None:
            return
        row: QuarantineRow | None = self._chosen("#quarantine-table", self.books.quarantined)
        if row is None:
            self.notify(_("No bundle is quarantined."))
            return
        quarantine_id = row.id
        self.run_engine(
            lambda engine, home: retry(engine, home, quarantine_id),
            BundleRetried,
            failed=self._not_retried,
        )

    @on(BundleRetried)
    def _retried(self, message: BundleRetried) -> None:
        outcomes: list[Any] = message.result
        refused = [o for o in outcomes if o.status == "refused"]
        if refused:
            self.notify(
                _("Refused again: {reason}").format(
                    reason=f"[{refused[0].reason}] {refused[0].message}"
                ),
                title=_("Quarantined"),
                severity="warning",
                timeout=8,
            )
        else:
            self.notify(_("The bundle was imported."), title=_("Done"))
        self.database_ready()

    def _not_retried(self, exc: BaseException) -> bool:
        return self._problem(exc, _("Not retried"))

    def _problem(self, exc: BaseException, title: str) -> bool:
        from gridwalker.sync.hub.backlog import BacklogProblem
        from gridwalker.sync.hub.lock import HubLocked

        if isinstance(exc, BacklogProblem | HubLocked):
            self.notify(str(exc), title=title, severity="error", timeout=8)
            self.database_ready()
            return True
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Force and retry only when there is something to act on; back only when possible."""
        if action == "force":
            return self.books is not None and bool(self.books.held)
        if action == "retry":
            return self.books is not None and bool(self.books.quarantined)
        if action == "back":
            return self.gw.can_go_back()
        return True

    def action_refresh(self) -> None:
        self.database_ready()

    def action_back(self) -> None:
        self.gw.go_back()
