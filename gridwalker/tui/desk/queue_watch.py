"""The review queue follows the hub (a part of QueueScreen): other desks' decisions and
claims, new arrivals.

Several desks share the queue (issue #15): every few seconds the queue reads the hub's change
mark (store.desk.changes) and, only when it moved (a decision, an arrival, a claim at any
desk), reads its page and counts again where the cursor stands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from gridwalker.domain.i18n import _
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.common.workers import DbResult
from gridwalker.tui.desk.decisions import show_refusal

if TYPE_CHECKING:
    from gridwalker.store.desk.queue import QueueFilter


class QueueMarked(DbResult):
    """The hub's change mark was read (store.desk.changes.queue_mark)."""


class ArrivalsRecorded(DbResult):
    """What arrived since the desk last looked was picked up (how many records)."""


class QueueWatch:
    """The queue follows the hub (a part of QueueScreen): every few seconds it reads the hub's
    change mark, and only when the mark moved its page and counts again; F5 picks up new
    arrivals; a decision refused because of another desk reads the queue again."""

    POLL_SECONDS: ClassVar[float] = 3.0  # how often the queue looks (seconds)
    engine: Any
    flt: QueueFilter | None
    is_current: bool
    looking: bool
    mark: object | None
    db_read: Any
    db_write: Any
    notify: Any
    query_one: Any
    reload: Any
    _summarise: Any

    def watch_the_hub(self) -> None:
        """Start looking (from on_mount)."""
        self.mark = None
        self.looking = False  # a look is under way: the next waits for it (none cancelled)
        self.set_interval(self.POLL_SECONDS, self._look)  # type: ignore[attr-defined]

    def _look(self) -> None:
        """Every few seconds, while the queue is on screen: did anything change at the hub?"""
        from gridwalker.store.desk.changes import queue_mark

        if self.engine is None or self.flt is None or not self.is_current or self.looking:
            return
        self.looking = True
        self.db_read(queue_mark, QueueMarked, failed=self._look_failed)

    def _look_failed(self, exc: BaseException) -> bool:
        """A look that failed is let go quietly: the next one tries again (a decision or a
        page that fails says why)."""
        self.looking = False
        return True

    def on_queue_marked(self, message: QueueMarked) -> None:
        """Read the page and the counts again when the mark moved (the cursor stays)."""
        self.looking = False
        before, self.mark = self.mark, message.result
        paged = self.query_one(PagedList)
        if before is not None and before != self.mark and paged.count is not None:
            paged.reload()
            self._summarise()

    def _refused(self, exc: BaseException) -> bool:
        """A refused decision: say why, and read the queue again (it changed elsewhere)."""
        refused = show_refusal(self, exc)
        if refused:
            self.reload(self.query_one(PagedList).cursor)
        return refused

    def action_refresh(self) -> None:
        """Pick up what arrived since (imports run beside the desk), then read again."""
        from gridwalker.store.desk.arrivals import record_arrivals

        self.db_write(record_arrivals, ArrivalsRecorded)

    def on_arrivals_recorded(self, message: ArrivalsRecorded) -> None:
        if message.result:
            self.notify(_("{n} new records arrived.").format(n=message.result))
        self.reload(self.query_one(PagedList).cursor)

    def on_screen_resume(self) -> None:
        """Back from another screen: a decision may have been taken elsewhere."""
        paged = self.query_one(PagedList)
        if self.engine is not None and self.flt is not None and paged.count is not None:
            paged.reload()
            self._summarise()
