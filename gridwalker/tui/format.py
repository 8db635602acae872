"""The one home of how values are written on screen, for both apps.

Text is measured in terminal cells (`rich.cells.cell_len`), never `len()`: Chinese is two
cells wide. Stored codes become words in the UI language here; sensitive values are masked
by `domain.masking`. Look here before writing a helper that formats something.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from gridwalker.domain import clock
from gridwalker.domain.choices import CareTag, Choice
from gridwalker.domain.i18n import _, label, language

ELLIPSIS = "…"


def fit(text: str, width: int) -> str:
    """Text padded or cut (an ellipsis marks the cut) to exactly `width` cells."""
    size = cell_len(text)
    if size > width:
        return set_cell_size(text, max(width - 1, 0)) + ELLIPSIS
    return text + " " * (width - size)


def cell(text: str, width: int, style: str = "") -> Text:
    """One column of a row: the text fitted to `width` cells, then one space."""
    column = Text(fit(text, width), style=style)
    column.append(" ")
    return column


def literal(text: str | Text, *, no_wrap: bool | None = None) -> Text:
    """Text shown exactly as written, never read as markup.

    Textual and Rich read a plain `str` given to a widget (Static, Label, Button, an option,
    a table cell, a tree label, a palette entry) as markup: a resident called `[/]张三[bold`
    would crash the screen and `[@click=app.quit]…` would run an action when clicked. Every
    string that can hold user text (names, addresses, notes, file names, reasons, messages
    built from them) reaches a widget through here; a `Text` is already literal and is
    returned as it is. `no_wrap=True` for a table cell (what DataTable does with a str).
    """
    if isinstance(text, Text):
        return text
    return Text(text, end="", no_wrap=no_wrap)


def pad(text: str, width: int, *, gap: int = 0) -> str:
    """Text padded to `width` cells, with at least `gap` spaces after it (never cut)."""
    return text + " " * max(width - cell_len(text), gap)


def local_time(at: datetime | None) -> str:
    """A stored time in the local zone, to the minute; "never" when there is none.

    Naive times are stored as local time already and are shown as they are.
    """
    if at is None:
        return _("never")
    if at.tzinfo is not None:
        at = at.astimezone(clock.LOCAL_TZ)
    return at.strftime("%Y-%m-%d %H:%M")


def choice_label(choice: type[Choice], code: object) -> str:
    """A stored code as words in the UI language ("" when empty, the code when unknown)."""
    if code is None or code == "":
        return ""
    try:
        return label(choice(code))
    except ValueError:
        return str(code)


def join_words(words: Iterable[str]) -> str:
    """Words as one list, the way the UI language lists things: 、 in Chinese, ", " in English."""
    return ("、" if language() == "zh" else ", ").join(words)


def care_labels(tags: Iterable[str]) -> str:
    """Care tags as words in the UI language (a tag this version does not know as stored)."""
    return join_words(choice_label(CareTag, tag) for tag in tags)


def yes_no(value: bool | None) -> str:
    """A yes/no answer in words ("—" when unknown)."""
    if value is None:
        return "—"
    return _("yes") if value else _("no")


def percent(ratio: float | None) -> str:
    """A share as a whole percentage, "—" when there is nothing to share."""
    return "—" if ratio is None else f"{ratio:.0%}"


def error_reason(exc: BaseException) -> str:
    """The useful part of an error for the screen (SQLAlchemy wraps the driver's message)."""
    return str(getattr(exc, "orig", None) or exc) or type(exc).__name__
