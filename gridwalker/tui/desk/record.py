"""One record under review: whole, what changed against the previous revision, its
revisions and decisions; `a` approves it, `r` returns it with a comment (required).

Several desks share the queue (issue #15): opening a record claims it for this desk, and
while it stays open the screen renews the claim and looks every few seconds whether another
desk decided it. A record another desk holds, or decided meanwhile, can be read, not decided.

The panes are drawn by the functions below; the screen reads the record and decides.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Header, Static

from gridwalker.domain.choices import ReviewState
from gridwalker.domain.i18n import _, language
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.record_kinds import kind_label
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.desk.comment import CommentModal
from gridwalker.tui.desk.decisions import decider, desk_of, show_refusal
from gridwalker.tui.desk.labels import field_label, show_value, state_text
from gridwalker.tui.format import literal, local_time, pad
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from gridwalker.store.desk.changes import RecordMark
    from gridwalker.store.desk.claims import Claim
    from gridwalker.store.desk.records import RecordDetail


class RecordLoaded(DbResult):
    """The record, its revisions and its decisions were read."""


class RecordClaimed(DbResult):
    """The record was claimed for this desk, or found held by another (the live claim)."""


class RecordWatched(DbResult):
    """Where the open record stands now: its review and the claim on it."""


class RecordApproved(DbResult):
    """The record was approved as it is now."""


class RecordReturned(DbResult):
    """The record was returned to its member with a comment."""


def head_text(d: RecordDetail) -> Text:
    """Kind, title, state, who decided and the comment; the fields in conflict."""
    text = Text.assemble((kind_label(d.entity), "bold"), "  ", (d.title, "bold"), "  ")
    text.append_text(state_text(d.state))
    if d.record.get("deleted"):
        text.append("  " + _("deleted"), style="bold magenta")
    text.append(f"   #{d.uuid[:8]}", style="dim")
    record = d.record
    text.append("\n")
    text.append(
        _("Revision {n} by {who} at {at}").format(
            n=str(record.get("rev") or "0").split("-", 1)[0],
            who=record.get("updated_by") or "—",
            at=local_time(record["updated_at"]) if record.get("updated_at") else "—",
        ),
        style="dim",
    )
    if d.returned is not None:
        text.append("\n")
        text.append(
            _("Resubmitted after a return by {who} at {at}:").format(
                who=d.returned.actor, at=local_time(d.returned.at)
            ),
            style="bold cyan",
        )
        text.append("  “" + d.returned.comment + "”", style="italic")
    if d.decided_by and d.decided_at:
        text.append("\n")
        text.append(
            _("Decided by {who} at {at}").format(who=d.decided_by, at=local_time(d.decided_at))
        )
        if d.comment:
            text.append("  “" + d.comment + "”", style="italic")
    if d.conflict_fields:
        text.append("\n")
        text.append(
            _("In conflict: {fields} (decide on the Conflicts screen, key 2)").format(
                fields="、".join(field_label(f) for f in d.conflict_fields)
            ),
            style="bold red",
        )
    return text


def held_text(claim: Claim) -> Text:
    """Who has the record at another desk, since when: it can be read here, not decided."""
    return Text(
        _("Being handled by {who} since {at}: you can read it, not decide it").format(
            who=claim.actor, at=local_time(claim.claimed_at)
        ),
        style="bold yellow",
    )


def decided_elsewhere_text(d: RecordDetail) -> Text:
    """The record was decided at another desk while it was open here."""
    return Text(
        _("Decided at another desk by {who} at {at}: it cannot be decided again here").format(
            who=d.decided_by or "—", at=local_time(d.decided_at) if d.decided_at else "—"
        ),
        style="bold yellow",
    )


def fields_text(d: RecordDetail) -> Text:
    """Every field of the record; the ones changed since the previous revision stand out."""
    from gridwalker.store.desk import lookups

    changed = {c.field for c in d.changes}
    names = lookups.record_fields(d.entity)
    width = max(cell_len(field_label(n)) for n in names) + 2
    text = Text()
    for i, name in enumerate(names):
        if i:
            text.append("\n")
        mark = name in changed
        text.append("▸ " if mark else "  ", style="bold yellow")
        text.append(pad(field_label(name), width), style="bold" if mark else "dim")
        text.append(show_value(name, d.record.get(name), d.names), style="yellow" if mark else "")
    return text


def changes_title(d: RecordDetail) -> str:
    """What the changes are measured against: the returned revision, or the previous one."""
    if d.returned is not None:
        return _("Changes against the returned version")
    return _("Changes against the previous revision")


def changes_text(d: RecordDetail) -> Text:
    """Field by field: the previous (or the returned) value → the value now."""
    if d.previous is None:
        return Text(_("The first revision: nothing to compare with."), style="dim")
    if not d.changes:
        return Text(_("No field changed."), style="dim")
    width = max(cell_len(field_label(c.field)) for c in d.changes) + 2
    text = Text()
    for i, change in enumerate(d.changes):
        if i:
            text.append("\n")
        text.append(pad(field_label(change.field), width), style="bold")
        text.append(show_value(change.field, change.before, d.names), style="red")
        text.append(" → ")
        text.append(show_value(change.field, change.after, d.names), style="green")
    return text


def revisions_text(d: RecordDetail) -> Text:
    """Oldest first: generation, when, who, from which device, its review state."""
    text = Text()
    current = d.record.get("rev")
    for i, rev in enumerate(d.revisions):
        if i:
            text.append("\n")
        now = rev.rev == current
        text.append("● " if now else "○ ", style="bold" if now else "dim")
        text.append(f"v{rev.rev.split('-', 1)[0]} ", style="bold")
        text.append(local_time(rev.updated_at) + "  ", style="dim")
        text.append(pad(rev.updated_by or "—", 8, gap=1))
        text.append(pad(rev.device_id or _("hub"), 10, gap=1), style="dim")
        text.append_text(state_text(rev.state) if rev.state else Text(""))
        if rev.deleted:
            text.append(" " + _("deleted"), style="magenta")
        if rev.comment:
            text.append("\n    “" + rev.comment + "”", style="italic")
    return text


def decisions_text(d: RecordDetail) -> Text:
    """Every decision logged on the record."""
    if not d.decisions:
        return Text(_("No decision yet."), style="dim")
    text = Text()
    for i, dec in enumerate(d.decisions):
        if i:
            text.append("\n")
        text.append(local_time(dec.at) + "  ", style="dim")
        text.append(pad(dec.actor, 8, gap=1))
        text.append_text(state_text(dec.state))
        text.append(f"  v{dec.rev.split('-', 1)[0]}", style="dim")
        if dec.comment:
            text.append("  “" + dec.comment + "”", style="italic")
    return text


class RecordScreen(DbScreen):
    """One record under review: whole, its revisions, what changed; approve or return it.

    Dismisses with the new state's code after a decision (None when left without one).
    """

    # How often the open record looks whether another desk decided or claimed it (seconds).
    POLL_SECONDS: ClassVar[float] = 3.0
    CSS_PATH = "record.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("a", "approve", N_("Approve")),
        Binding("r", "return", N_("Return")),
    ]

    def __init__(self, entity: str, uuid: str) -> None:
        super().__init__()
        self.entity = entity
        self.uuid = uuid
        self.detail: RecordDetail | None = None
        self.claim: Claim | None = None  # the live claim on the record (this desk's or not)
        self.claimed_at = 0.0  # when this desk last took or renewed its claim (monotonic)
        self.decided_elsewhere = False
        self.deciding = False  # this desk's own decision is under way
        self.watching = False  # a look at the record is under way

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(_("Loading…"), id="record-head")
        with Horizontal(id="record-body"):
            with VerticalScroll(id="record-left"):
                yield Static(_("Record"), classes="section")
                yield Static("", id="record-fields")
            with VerticalScroll(id="record-right"):
                yield Static(
                    _("Changes against the previous revision"),
                    classes="section",
                    id="record-changes-title",
                )
                yield Static("", id="record-changes")
                yield Static(_("Revisions"), classes="section")
                yield Static("", id="record-revisions")
                yield Static(_("Decisions"), classes="section")
                yield Static("", id="record-decisions")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Record under review")
        self.set_interval(self.POLL_SECONDS, self._watch)
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        self._claim()
        self._read()

    def _read(self) -> None:
        from gridwalker.store.desk.records import record_detail

        entity, uuid = self.entity, self.uuid
        self.db_read(
            lambda conn: record_detail(conn, entity, uuid),
            RecordLoaded,
            failed=self._not_found,
        )

    # -- the claim, and decisions taken elsewhere -------------------------------------------

    @property
    def held_elsewhere(self) -> bool:
        """Whether another desk holds the record now."""
        return self.claim is not None and not self.claim.held_by(desk_of(self))

    def _claim(self) -> None:
        """Claim the record for this desk (or renew the claim); another's claim stands."""
        from gridwalker.store.desk.claims import claim

        holder = desk_of(self)
        if holder is None:
            return
        entity, uuid, actor = self.entity, self.uuid, decider(self)
        self.db_write(lambda conn: claim(conn, entity, uuid, holder, actor), RecordClaimed)

    @on(RecordClaimed)
    def _claimed(self, message: RecordClaimed) -> None:
        claim: Claim = message.result
        if claim.held_by(desk_of(self)):
            self.claimed_at = time.monotonic()
        self._set_claim(claim)

    def _set_claim(self, claim: Claim | None) -> None:
        """Show who holds the record when it changed (the keys follow)."""
        before = self.claim
        self.claim = claim
        same = (before is None) == (claim is None) and (
            claim is None
            or before is None
            or (before.holder, before.actor) == (claim.holder, claim.actor)
        )
        if not same:
            self._paint_head()
            self.refresh_bindings()

    def _watch(self) -> None:
        """Every few seconds: where the record stands now (a cheap read)."""
        from gridwalker.store.desk.changes import record_mark

        if self.engine is None or self.detail is None or self.deciding or self.watching:
            return
        entity, uuid = self.entity, self.uuid
        self.watching = True  # the next look waits for this one (none is cancelled)
        self.db_read(
            lambda conn: record_mark(conn, entity, uuid), RecordWatched, failed=self._unwatched
        )

    def _unwatched(self, exc: BaseException) -> bool:
        """A look that failed is let go quietly; the next one tries again."""
        self.watching = False
        return True

    @on(RecordWatched)
    def _watched(self, message: RecordWatched) -> None:
        from gridwalker.store.desk.claims import RENEW_EVERY

        self.watching = False
        mark: RecordMark = message.result
        d = self.detail
        if d is None or self.deciding:
            return
        if mark.state is not d.state or mark.rev != d.record.get("rev"):
            # Decided (or resubmitted) elsewhere since it was read: read it again.
            if mark.state in (ReviewState.APPROVED, ReviewState.RETURNED):
                self.decided_elsewhere = True
                self.notify(
                    _("{who} decided this record at another desk.").format(
                        who=mark.decided_by or "—"
                    ),
                    title=_("Decided elsewhere"),
                    severity="warning",
                )
            self._read()
        mine = mark.claim is not None and mark.claim.held_by(desk_of(self))
        if mark.claim is None or (
            mine and time.monotonic() - self.claimed_at >= RENEW_EVERY.total_seconds()
        ):
            self._claim()  # free again (its desk closed it or quit), or time to renew ours
        else:
            self._set_claim(mark.claim)

    def _paint_head(self) -> None:
        """The head: the record's, then who holds it elsewhere or who decided it meanwhile."""
        d = self.detail
        if d is None:
            return
        text = head_text(d)
        if self.decided_elsewhere:
            text.append("\n")
            text.append_text(decided_elsewhere_text(d))
        elif self.held_elsewhere and self.claim is not None:
            text.append("\n")
            text.append_text(held_text(self.claim))
        self.query_one("#record-head", Static).update(text)

    def on_unmount(self) -> None:
        """The record closes: give up this desk's claim on it."""
        release = getattr(self.app, "release_claim", None)
        # Also before the claim was confirmed (left at once): only this desk's claim goes.
        if release is not None and not self.held_elsewhere:
            release(self.entity, self.uuid)

    @on(RecordLoaded)
    def _show(self, message: RecordLoaded) -> None:
        detail: RecordDetail = message.result
        self.detail = detail
        self._paint_head()
        self.query_one("#record-fields", Static).update(fields_text(detail))
        self.query_one("#record-changes-title", Static).update(changes_title(detail))
        self.query_one("#record-changes", Static).update(changes_text(detail))
        self.query_one("#record-revisions", Static).update(revisions_text(detail))
        self.query_one("#record-decisions", Static).update(decisions_text(detail))
        self.refresh_bindings()
        self.query_one("#record-left").focus()

    def _not_found(self, exc: BaseException) -> bool:
        """A record the review rules do not know: say so in place of its head."""
        from gridwalker.store.desk.errors import ReviewError

        if isinstance(exc, ReviewError):
            self.query_one("#record-head", Static).update(literal(exc.invalid.text(language())))
            return True
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Approve and return only a record with a review row, and not twice the same way;
        not a record another desk holds or decided while it was open here."""
        d = self.detail
        if action in ("approve", "return") and (self.held_elsewhere or self.decided_elsewhere):
            return False
        if action == "approve":
            return d is not None and d.state is not None and d.state is not ReviewState.APPROVED
        if action == "return":
            return d is not None and d.state is not None and d.state is not ReviewState.RETURNED
        return True

    def action_approve(self) -> None:
        """Approve the record as it is now."""
        from gridwalker.store.desk.decisions import approve

        if self.detail is None or self.detail.state is None:
            return
        item, actor, desk = (self.entity, self.uuid), decider(self), desk_of(self)
        seen = {item: self.detail.state}
        self.deciding = True
        self.db_write(
            lambda conn: approve(conn, [item], actor, desk=desk, seen=seen),
            RecordApproved,
            failed=self._refused,
        )

    @on(RecordApproved)
    def _approved(self) -> None:
        self.notify(_("Approved."), title=_("Done"))
        self.dismiss(ReviewState.APPROVED.value)

    def action_return(self) -> None:
        """Return the record to its member with a comment."""
        if self.detail is None:
            return
        subject = f"{kind_label(self.entity)} · {self.detail.title}"
        self.app.push_screen(CommentModal(subject), self._return)

    def _return(self, comment: str | None) -> None:
        from gridwalker.store.desk.decisions import return_item

        if comment is None or self.detail is None or self.detail.state is None:
            return
        entity, uuid, actor, desk = self.entity, self.uuid, decider(self), desk_of(self)
        seen = self.detail.state
        self.deciding = True
        self.db_write(
            lambda conn: return_item(conn, entity, uuid, comment, actor, desk=desk, seen=seen),
            RecordReturned,
            failed=self._refused,
        )

    @on(RecordReturned)
    def _returned(self) -> None:
        self.notify(_("Returned to the member for correction."), title=_("Done"))
        self.dismiss(ReviewState.RETURNED.value)

    def _refused(self, exc: BaseException) -> bool:
        """A refused decision: say why, and show the record as it stands now."""
        self.deciding = False
        refused = show_refusal(self, exc)
        code = getattr(getattr(exc, "invalid", None), "code", "")
        if code == "review.decided_elsewhere":
            self.decided_elsewhere = True
            self._read()
        elif code == "review.claimed":
            self._watch()
        return refused

    def action_back(self) -> None:
        self.dismiss(None)
