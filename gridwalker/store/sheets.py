"""Report files as CSV or XLSX: a report's columns, and a table written whole or not at all.

Rows stream into a temporary file next to the target, which replaces the target only when
complete: a failed or interrupted report leaves no half-written file behind.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gridwalker.config import private_file

REPORT_SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a report: headers, a spreadsheet width and how to read a row."""

    zh: str
    en: str
    width: int
    value: Callable[[Any, str, bool], Any]  # (row, lang, full)

    def header(self, lang: str) -> str:
        """The column's header in `lang` ("en", else Chinese)."""
        return self.en if lang == "en" else self.zh


def _cells(text: str) -> int:
    """Display width of text: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: object) -> object:
    """A cell value for CSV; typed text that Excel would run as a formula is quoted with '."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _write_csv(
    path: Path, rows: Iterable[Any], columns: tuple[Column, ...], lang: str, full: bool
) -> int:
    """Write rows as CSV in UTF-8 with a BOM (so Excel in China reads it as UTF-8)."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.header(lang) for c in columns])
        for row in rows:
            writer.writerow(
                [
                    "" if v is None else csv_text(v)
                    for v in (c.value(row, lang, full) for c in columns)
                ]
            )
            count += 1
    return count


def _write_xlsx(
    path: Path,
    rows: Iterable[Any],
    columns: tuple[Column, ...],
    lang: str,
    full: bool,
    title: str,
) -> int:
    """Write rows as an XLSX sheet (write-only, streamed) with a bold header row."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for i, column in enumerate(columns, start=1):
        width = max(column.width, _cells(column.header(lang)) + 2)
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header(lang))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        cells = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=column.value(row, lang, full))
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"  # typed text, never a formula Excel would run
            cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(path)
    return count


def report_suffix(out: Path) -> str:
    """The report format from the file name; ValueError for one we cannot write."""
    suffix = out.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ValueError(
            f"无法写入「{out.name}」：报表文件名须以 .csv 或 .xlsx 结尾 / "
            f"cannot write {out.name!r}: a report file name must end in .csv or .xlsx"
        )
    return suffix


def write_sheet(
    out: Path,
    rows: Iterable[Any],
    columns: tuple[Column, ...],
    lang: str,
    full: bool,
    title: str,
) -> int:
    """Write rows to `out` (.csv, or .xlsx with a sheet called `title`); returns the rows written.

    The suffix is checked before a row is read (ValueError), so pass rows lazily (a generator)
    to refuse a bad file name before any query runs.
    """
    out = Path(out)
    suffix = report_suffix(out)
    tmp = out.with_name(f".{out.name}.part")
    try:
        private_file(tmp)  # 0600 before a row is written; the writers keep the mode
        if suffix == ".csv":
            count = _write_csv(tmp, iter(rows), columns, lang, full)
        else:
            count = _write_xlsx(tmp, iter(rows), columns, lang, full, title)
        tmp.replace(out)
    except BaseException:
        if tmp.is_file():
            tmp.unlink()
        raise
    return count
