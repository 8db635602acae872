"""One way for a form to keep what is typed: drafts as you type, restored, dirty, leaving.

A form mixes in `DraftingForm` ahead of its screen class and says what its draft is
(`draft_key`, `DRAFT_KIND`, `draft_title`, `draft_payload`) and what its state is
(`form_state`, compared with `draft_baseline` for `dirty`). On each change it calls
`draft_soon`: a pause after the last change the draft is written in a worker, one write at
a time and the newest state last, so an older state never lands over a newer one. A change
not yet written when the form is unmounted (the app is quitting) is written there and then.
`ask_to_leave` asks keep / discard / stay; `show_reason` puts a validation message next to
its field. Restoring is the form's own: it fills its widgets from the draft's payload.

A form that edits a stored record remembers what it loaded: `base_rev` (the rev, or revs,
its save passes to the store) and `base_state` (the record's values as a form state), both
kept in the draft too. When another window or a command changed the record meanwhile, the
store refuses the save (`StaleWrite`, nothing written) and the form hands it to
`stale_write`: the typing stays on screen and in the draft, the record is read again, and a
dialog says which fields the other side changed and offers to reload it with the user's own
changes re-applied on top, or to keep editing.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.screen import Screen
from textual.widgets import Static

from gridwalker.domain.i18n import _
from gridwalker.tui.common.dialogs import Ask
from gridwalker.tui.common.workers import DbMixin, DbResult
from gridwalker.tui.format import error_reason, join_words

if TYPE_CHECKING:
    from sqlalchemy import Connection

# What a draft write does: (key, title, payload), the payload None to drop the draft.
DraftRecord = tuple[str, str, "dict[str, Any] | None"]


class DraftWritten(DbResult):
    """A form's draft was written, or dropped (the DraftRecord now in the database)."""


class DraftDiscarded(DbResult):
    """A form's draft was thrown away on leaving it."""


class RecordReread(DbResult):
    """After a stale save: the record as it is now, (rev, form state), or None when gone."""


def state_fields(state: Any) -> dict[str, Any]:
    """A form state (a mapping or a dataclass) as a dict of its fields."""
    if isinstance(state, Mapping):
        return dict(state)
    return dataclasses.asdict(state)


def with_fields(state: Any, values: Mapping[str, Any]) -> Any:
    """A form state (a mapping or a dataclass) with some fields replaced."""
    if isinstance(state, Mapping):
        return {**state, **values}
    return dataclasses.replace(state, **values)


def merge_states(base: Any, theirs: Any, mine: Any) -> tuple[Any, list[str], list[str]]:
    """The record as it is now (`theirs`) with the fields the user changed from `base` put
    back on top: (merged state, fields they changed, fields the user changed)."""
    was, now, typed = state_fields(base), state_fields(theirs), state_fields(mine)
    changed_there = [name for name in now if now[name] != was.get(name)]
    changed_here = [name for name in typed if typed[name] != was.get(name)]
    merged = with_fields(theirs, {name: typed[name] for name in changed_here})
    return merged, changed_there, changed_here


def _stale_words(deleted: bool) -> str:
    """Why a save was refused as stale."""
    if deleted:
        return _("Not saved: this record was deleted elsewhere. What you typed is kept as a draft.")
    return _(
        "Not saved: this record was changed elsewhere while you were editing it. "
        "What you typed is kept."
    )


class DraftingForm(DbMixin, metaclass=type(Screen)):  # Textual's metaclass registers @on here
    """Draft-as-you-type, dirty tracking, the leave dialog and field reasons for a form."""

    DRAFT_KIND: ClassVar[str] = ""
    # Seconds of quiet after a change before the draft is written.
    draft_pause: ClassVar[float] = 0.4
    # Whether a form back as it opened drops its draft (else the draft keeps that state).
    drop_clean_draft: ClassVar[bool] = True
    # The id of a field's reason line, and whether a bad field is itself marked -invalid.
    REASON_ID: ClassVar[str] = "reason-{}"
    MARK_INVALID: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()
        self.draft_baseline: Any = None  # the state the form opened with (or was last saved)
        self.drafting = True  # False while saving or leaving: no draft is written then
        self._draft_stored: DraftRecord | None = None  # what the database holds, when known
        self._draft_next: DraftRecord | None = None  # a change not yet handed to a write
        self._draft_busy = False
        self._draft_again = False
        self._after_draft: Callable[[], None] | None = None
        self._after_discard: Callable[[], None] | None = None
        # The record as loaded: its rev(s), passed when saving (None: nothing to check, a new
        # record), and its values as a form state (what "changed by the user" is measured from).
        self.base_rev: Any = None
        self.base_state: Any = None

    # -- what each form says ------------------------------------------------------------------

    @property
    def draft_key(self) -> str:
        """Where this form's draft is kept."""
        raise NotImplementedError

    def form_state(self) -> Any:
        """The form as it is on screen, comparable with `draft_baseline` (its payload unless
        a form says otherwise)."""
        return self.draft_payload()

    def draft_title(self) -> str:
        """The draft's title in the list of drafts."""
        raise NotImplementedError

    def draft_payload(self) -> dict[str, Any]:
        """The form as a draft payload (what restoring it needs)."""
        raise NotImplementedError

    def after_pause(self) -> None:
        """Typing paused: keep the draft (a form may check itself here too)."""
        self.keep_draft()

    def draft_written(self, record: DraftRecord) -> None:
        """A draft write finished (a form may note that a draft now exists)."""

    def read_record(self) -> Callable[[Connection], tuple[Any, Any] | None]:
        """A function (run in a worker) reading the record as it is now: (rev, form state),
        or None when it is gone. Forms that edit a stored record say how."""
        raise NotImplementedError

    def fill_state(self, state: Any) -> None:
        """Put a form state into the widgets (a form that edits a stored record)."""
        raise NotImplementedError

    def field_label(self, name: str) -> str:
        """A field's name as the form shows it."""
        return name

    def show_status(self, text: str | Text) -> None:
        """A line under the form (the form's own status line)."""
        self.app.notify(str(text))  # type: ignore[attr-defined]

    def record_reloaded(self) -> None:
        """The record was reloaded with the user's changes on top (a form may recheck)."""

    # -- dirty tracking -----------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """Whether the form differs from how it opened (or was last saved)."""
        return self.form_state() != self.draft_baseline

    def mark_clean(self) -> None:
        """The form as it is now is the one it opened with (after loading or saving)."""
        self.draft_baseline = self.form_state()

    def mark_stored(self) -> None:
        """The database already holds the form as it is now: no write until it changes."""
        self._draft_stored = self._draft_record()

    # -- drafts as you type -------------------------------------------------------------------

    def _draft_record(self) -> DraftRecord:
        payload = None if self.drop_clean_draft and not self.dirty else self.draft_payload()
        return self.draft_key, self.draft_title(), payload

    def draft_soon(self) -> None:
        """The form changed: write its draft once typing pauses."""
        if not self.drafting:
            return
        self._draft_next = self._draft_record()
        if self.draft_pause > 0:
            self.run_worker(  # type: ignore[attr-defined]
                self._pause, group="draft-pause", exclusive=True, exit_on_error=False
            )
        else:
            self.call_later(self.after_pause)  # type: ignore[attr-defined]

    async def _pause(self) -> None:
        await asyncio.sleep(self.draft_pause)
        self.after_pause()

    def _cancel_pause(self) -> None:
        self.workers.cancel_group(self, "draft-pause")  # type: ignore[attr-defined]

    def keep_draft(self, then: Callable[[], None] | None = None) -> None:
        """Write the form as it is now (unless the database holds it already); then `then`."""
        if then is not None:
            self._after_draft = then
        if self._draft_busy:  # one write at a time: the newest state goes after this one
            self._draft_again = True
            return
        if not self.drafting:
            self._draft_done()
            return
        record = self._draft_record()
        self._draft_next = None
        if record == self._draft_stored:
            self._draft_done()
            return
        from gridwalker.store import rounds

        key, title, payload = record
        kind = self.DRAFT_KIND
        self._draft_busy = True

        def write(conn: Connection) -> DraftRecord:
            if payload is None:
                rounds.delete_draft(conn, key)
            else:
                rounds.save_draft(conn, key, kind, title, payload)
            return record

        self.db_write(write, DraftWritten, failed=self._draft_failed)

    @on(DraftWritten)
    def _draft_landed(self, message: DraftWritten) -> None:
        self._draft_busy = False
        self._draft_stored = message.result
        self.draft_written(message.result)
        if self._draft_again:  # changed while it was being written: write the rest
            self._draft_again = False
            self.keep_draft()
            return
        self._draft_done()

    def _draft_failed(self, exc: BaseException) -> bool:
        self._draft_busy = False
        self._draft_again = False
        self._draft_done()
        return False  # shown as any failure is

    def _draft_done(self) -> None:
        then, self._after_draft = self._after_draft, None
        if then is not None:
            then()

    def keep_draft_now(self, then: Callable[[], None]) -> None:
        """Write the draft at once, without waiting for the pause; then `then`."""
        self._cancel_pause()
        self.keep_draft(then)

    def stop_drafting(self, then: Callable[[], None]) -> None:
        """No more draft writes (saving, leaving); `then` once a write under way is done."""
        self.drafting = False
        self._draft_next = None
        self._draft_again = False
        self._cancel_pause()
        if self._draft_busy:
            self._after_draft = then
        else:
            then()

    def discard_draft(self, then: Callable[[], None]) -> None:
        """Throw the draft away (after any write under way), then `then`."""
        from gridwalker.store import rounds

        key = self.draft_key
        self._after_discard = then
        self.stop_drafting(
            lambda: self.db_write(lambda conn: rounds.delete_draft(conn, key), DraftDiscarded)
        )

    @on(DraftDiscarded)
    def _draft_gone(self) -> None:
        then, self._after_discard = self._after_discard, None
        if then is not None:
            then()

    def on_unmount(self) -> None:
        """Closing with a change not yet written (the app is quitting): write it now."""
        record, engine = self._draft_next, self.engine
        if not self.drafting or record is None or record == self._draft_stored or engine is None:
            return
        from gridwalker.store import rounds

        key, title, payload = record
        # No worker could report back from a screen that is going away, and the last
        # keystrokes must not be lost: this one small write runs here.
        try:
            with engine.begin() as conn:
                if payload is None:
                    rounds.delete_draft(conn, key)
                else:
                    rounds.save_draft(conn, key, self.DRAFT_KIND, title, payload)
        except Exception as exc:  # the app is closing: say so, never a traceback
            self.app.notify(  # type: ignore[attr-defined]
                _("The last change could not be kept: {reason}").format(reason=error_reason(exc)),
                severity="error",
            )

    # -- a record changed elsewhere meanwhile ---------------------------------------------------

    def base_payload(self) -> dict[str, Any]:
        """What a draft keeps of the record as loaded, so a restored draft is checked too."""
        if self.base_rev is None:
            return {}
        base = state_fields(self.base_state) if self.base_state is not None else None
        return {"base_rev": self.base_rev, "base": base}

    def stale_write(self, exc: BaseException) -> None:
        """The save was refused: the record changed (or went) elsewhere since it was loaded.

        Nothing was written and the form stays as typed; its draft is written now, the
        record is read again, and `_record_reread` asks what to do."""
        self.drafting = True  # the form stays open: its changes are drafted again
        deleted = bool(getattr(exc, "deleted", False))
        self.show_status(Text(_stale_words(deleted), style="bold red"))
        self.keep_draft_now(lambda: None)
        self.db_read(self.read_record(), RecordReread)

    @on(RecordReread)
    def _record_reread(self, message: RecordReread) -> None:
        now: tuple[Any, Any] | None = message.result
        if now is None:
            words = _stale_words(deleted=True)
            self.show_status(Text(words, style="bold red"))
            self.app.notify(words, severity="error", timeout=8)  # type: ignore[attr-defined]
            return
        rev, theirs = now
        base = self.base_state if self.base_state is not None else theirs
        merged, changed_there, changed_here = merge_states(base, theirs, self.form_state())

        def listed(fields: list[str]) -> str:
            return join_words(self.field_label(name) for name in fields) or _("nothing")

        both = [name for name in changed_here if name in changed_there]
        lines = [
            _("Changed there: {fields}").format(fields=listed(changed_there)),
            _("Changed by you: {fields}").format(fields=listed(changed_here)),
        ]
        if both:
            lines.append(
                _("Changed on both sides (yours is kept): {fields}").format(fields=listed(both))
            )
        lines.append(
            _("Reload takes their values and puts your changes back on top; then save again.")
        )

        def answered(reload: bool | None) -> None:
            if reload:
                self._reapply(rev, theirs, merged)

        dialog = Ask(
            _("This record was changed elsewhere while you were editing it"),
            [
                ("r", _("Reload and re-apply my changes"), True),
                ("k", _("Keep editing"), False),
            ],
            "\n".join(lines),
        )
        self.app.push_screen(dialog, answered)  # type: ignore[attr-defined]

    def _reapply(self, rev: Any, theirs: Any, merged: Any) -> None:
        """Take the record as it is now as the base, with the user's changes on top."""
        self.base_rev, self.base_state = rev, theirs
        self.fill_state(merged)
        self.draft_baseline = theirs  # dirty: the user's changes are not saved yet
        self.record_reloaded()
        words = _(
            "Reloaded with the changes made elsewhere; yours are re-applied on top. "
            "Check them and press Ctrl+S to save."
        )
        self.show_status(Text(words, style="bold yellow"))
        self.draft_soon()

    # -- leaving ------------------------------------------------------------------------------

    def ask_to_leave(self, dialog: Screen[Any], leave: Callable[[str], None]) -> None:
        """Ask with `dialog`: "keep" writes the draft, "discard" throws it away, and then
        `leave(choice)`; anything else stays on the form."""

        def answered(choice: str | None) -> None:
            if choice == "keep":
                self.keep_draft_now(lambda: leave("keep"))
            elif choice == "discard":
                self.discard_draft(lambda: leave("discard"))

        self.app.push_screen(dialog, answered)  # type: ignore[attr-defined]

    # -- reasons next to the fields -----------------------------------------------------------

    def show_reason(self, field: str, reason: str | None) -> None:
        """Put `reason` on the line of `field` (None or "": clear it)."""
        shown = bool(reason)
        box = self.query_one(f"#{self.REASON_ID.format(field)}", Static)  # type: ignore[attr-defined]
        box.update(Text(reason) if reason else "")
        box.display = shown
        box.set_class(shown, "-shown")
        if self.MARK_INVALID:
            self.query_one(f"#{field}").set_class(shown, "-invalid")  # type: ignore[attr-defined]

    def focus_first(self, fields: Iterable[str], problems: Mapping[str, object]) -> None:
        """Focus the first field, in form order, that has a problem."""
        first = next((name for name in fields if name in problems), None)
        if first is not None:
            self.query_one(f"#{first}").focus()  # type: ignore[attr-defined]
