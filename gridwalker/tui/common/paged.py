"""A list of any length that reads its rows from the database one page at a time.

Textual's DataTable measures every row it holds (30,000 rows cost seconds before the first
paint), so long lists use this Line-API widget instead: its virtual height is the row count,
and only the pages in view are read — in a worker — into a small LRU cache (the approach of
toolong's log_lines.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gridwalker.domain.i18n import _
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

RowRenderer = Callable[[Any, int], Text]
CountFn = Callable[["Connection"], int]
PageFn = Callable[["Connection", int, int], list[Any]]


class PagedList(ScrollView, can_focus=True):
    """Rows read page by page; arrow keys, PgUp/PgDn, Home/End and Enter, or the mouse."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"paged-list--cursor", "paged-list--pending"}
    DEFAULT_CSS = """
    PagedList {
        height: 1fr;
    }
    PagedList > .paged-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    PagedList:blur > .paged-list--cursor {
        background: $block-cursor-blurred-background;
        text-style: none;
    }
    PagedList > .paged-list--pending {
        color: $text-muted;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", N_("Up"), show=False),
        Binding("down", "cursor(1)", N_("Down"), show=False),
        Binding("pageup", "page(-1)", N_("Page Up"), show=False),
        Binding("pagedown", "page(1)", N_("Page Down"), show=False),
        Binding("home", "jump(0)", N_("First"), show=False),
        Binding("end", "jump(-1)", N_("Last"), show=False),
        Binding("enter", "select", N_("Open"), show=False),
    ]

    cursor: reactive[int] = reactive(0, init=False)

    class Selected(Message):
        """Enter (or a double click) on a row."""

        def __init__(self, paged: PagedList, index: int, row: Any) -> None:
            super().__init__()
            self.paged = paged
            self.index = index
            self.row = row

        @property
        def control(self) -> PagedList:
            return self.paged

    class Highlighted(Message):
        """The cursor moved onto a row."""

        def __init__(self, paged: PagedList, index: int, row: Any) -> None:
            super().__init__()
            self.paged = paged
            self.index = index
            self.row = row

        @property
        def control(self) -> PagedList:
            return self.paged

    class _Counted(Message):
        def __init__(self, generation: int, count: int) -> None:
            super().__init__()
            self.generation = generation
            self.count = count

    class _PageLoaded(Message):
        def __init__(self, generation: int, page: int, rows: list[Any]) -> None:
            super().__init__()
            self.generation = generation
            self.page = page
            self.rows = rows

    class _Failed(Message):
        def __init__(self, generation: int, reason: str) -> None:
            super().__init__()
            self.generation = generation
            self.reason = reason

    def __init__(
        self,
        render_row: RowRenderer,
        *,
        page_size: int = 100,
        cache_pages: int = 10,
        empty_text: str = "",
        open_label: str = "",
        id: str | None = None,  # noqa: A002 - Textual's name
        classes: str | None = None,
    ) -> None:
        """`open_label` (in the UI language) shows Enter in the footer with what it does."""
        super().__init__(id=id, classes=classes)
        if open_label:  # in place of the class's hidden Enter
            self._bindings.key_to_bindings["enter"] = [Binding("enter", "select", open_label)]
        self.render_row = render_row
        self.page_size = page_size
        self.cache_pages = cache_pages
        self.empty_text = empty_text
        self.count: int | None = None  # None until counted
        self._pages: OrderedDict[int, list[Any]] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0
        self._engine: Engine | None = None
        self._count_fn: CountFn | None = None
        self._page_fn: PageFn | None = None
        self._want_cursor: int | None = None
        self.error: str | None = None

    # -- data -------------------------------------------------------------------------------

    def set_source(
        self, engine: Engine, count_fn: CountFn, page_fn: PageFn, *, cursor: int = 0
    ) -> None:
        """Show another query's rows (or the same one again, fresh), cursor at `cursor`."""
        self._engine, self._count_fn, self._page_fn = engine, count_fn, page_fn
        self.reload(cursor=cursor)

    def reload(self, *, cursor: int | None = None) -> None:
        """Read the count and the page in view again (after a write)."""
        if self._engine is None:
            return
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self._want_cursor = self.cursor if cursor is None else cursor
        self.error = None
        generation, engine, count_fn = self._generation, self._engine, self._count_fn

        def count() -> None:
            try:
                with engine.connect() as conn:
                    n = count_fn(conn)
            except Exception as exc:  # shown in the list, never a traceback
                self.post_message(self._Failed(generation, str(getattr(exc, "orig", exc))))
            else:
                self.post_message(self._Counted(generation, n))

        self.run_worker(
            count, thread=True, group="paged-count", exclusive=True, exit_on_error=False
        )

    @on(_Counted)
    def _counted(self, message: _Counted) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self.count = message.count
        self.virtual_size = Size(self.size.width, message.count)
        want = min(self._want_cursor or 0, max(message.count - 1, 0))
        self._want_cursor = None
        self.set_reactive(PagedList.cursor, want)
        self._scroll_to_cursor(center=True)
        self._request(want // self.page_size)
        self.refresh()

    @on(_PageLoaded)
    def _page_loaded(self, message: _PageLoaded) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._pending.discard(message.page)
        self._pages[message.page] = message.rows
        self._pages.move_to_end(message.page)
        while len(self._pages) > self.cache_pages:
            self._pages.popitem(last=False)
        if message.page == self.cursor // self.page_size:
            self._post_highlight()
        self.refresh()

    @on(_Failed)
    def _failed(self, message: _Failed) -> None:
        message.stop()
        if message.generation == self._generation:
            self.error = message.reason
            self.count = 0
            self.virtual_size = Size(self.size.width, 1)
            self.refresh()

    def _request(self, page: int) -> None:
        if page in self._pages or page in self._pending or self._engine is None:
            return
        self._pending.add(page)
        generation, engine, page_fn, size = (
            self._generation,
            self._engine,
            self._page_fn,
            self.page_size,
        )

        def fetch() -> None:
            try:
                with engine.connect() as conn:
                    rows = page_fn(conn, page * size, size)
            except Exception as exc:
                self.post_message(self._Failed(generation, str(getattr(exc, "orig", exc))))
            else:
                self.post_message(self._PageLoaded(generation, page, rows))

        self.run_worker(fetch, thread=True, group=f"paged-{page}", exit_on_error=False)

    def row_at(self, index: int) -> Any | None:
        """The row at an index if its page is read (else None, and the page is requested)."""
        if self.count is None or not 0 <= index < self.count:
            return None
        page = index // self.page_size
        rows = self._pages.get(page)
        if rows is None:
            self._request(page)
            return None
        self._pages.move_to_end(page)
        offset = index - page * self.page_size
        return rows[offset] if offset < len(rows) else None

    @property
    def current(self) -> Any | None:
        """The row under the cursor, when read."""
        return self.row_at(self.cursor)

    # -- drawing ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        base = self.rich_style
        if self.count is None or self.error or self.count == 0:
            if y != 0:
                return Strip.blank(width, base)
            if self.error:
                text = Text(
                    _("Could not read the list: {reason}").format(reason=self.error),
                    style="bold red",
                )
            elif self.count is None:
                text = Text(
                    _("Loading…"), style=self.get_component_rich_style("paged-list--pending")
                )
            else:
                text = Text(
                    self.empty_text or _("Nothing here."),
                    style=self.get_component_rich_style("paged-list--pending"),
                )
            return self._strip(text, width, base)
        if index >= self.count:
            return Strip.blank(width, base)
        row = self.row_at(index)
        if row is None:
            text = Text("…", style=self.get_component_rich_style("paged-list--pending"))
        else:
            text = self.render_row(row, width)
        style = base
        if index == self.cursor:
            style = base + self.get_component_rich_style("paged-list--cursor")
        return self._strip(text, width, style)

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        text = text.copy()
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = [
            Segment(s.text, style + s.style if s.style else style)
            for s in text.render(self.app.console)
        ]
        return Strip(segments).adjust_cell_length(width, style)

    def on_resize(self, _event: events.Resize) -> None:
        if self.count is not None:
            self.virtual_size = Size(self.size.width, max(self.count, 1))

    # -- moving -----------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        self._post_highlight()

    def _post_highlight(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Highlighted(self, self.cursor, row))

    def _scroll_to_cursor(self, center: bool = False) -> None:
        height = max(self.scrollable_content_region.height, 1)
        top = self.scroll_offset.y
        if center and not top <= self.cursor < top + height:
            self.scroll_to(y=max(self.cursor - height // 2, 0), animate=False, immediate=True)
        elif self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def move_to(self, index: int) -> None:
        """Put the cursor on a row."""
        if self.count:
            self.cursor = max(0, min(index, self.count - 1))

    def action_cursor(self, step: int) -> None:
        self.move_to(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(self.scrollable_content_region.height - 1, 1))

    def action_jump(self, where: int) -> None:
        self.move_to(0 if where == 0 else (self.count or 1) - 1)

    def action_select(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Selected(self, self.cursor, row))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if self.count and 0 <= index < self.count:
            self.cursor = index
            if event.chain >= 2:
                self.action_select()
