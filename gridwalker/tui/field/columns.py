"""Rows of a small list as columns padded in cells (Chinese is two cells wide)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from gridwalker.tui.format import fit


def widths(rows: list[tuple[str, ...]], cap: int = 40) -> list[int]:
    """The cells each column needs (the last one is free), at most `cap`."""
    count = len(rows[0])
    return [min(max(cell_len(r[i]) for r in rows), cap) for i in range(count - 1)]


def line(columns: tuple[str, ...], sizes: list[int], style: str = "") -> Text:
    """Columns padded (or cut) in cells, two cells apart; the last column as it is."""
    text = Text(style=style, no_wrap=True, overflow="ellipsis")
    for value, size in zip(columns, sizes, strict=False):
        text.append(fit(value, size) + "  ")
    text.append(columns[-1])
    return text
