"""Reading a roster XLSX with bounds: its zip entries, its XML, its rows and columns.

Before openpyxl opens the workbook, the zip's directory is checked: the number of entries,
each entry's size and compression ratio, the total. zipfile never inflates an entry past the
size its directory gives (and fails its CRC when the directory lied), so these sizes bound
what is read. The XML is parsed by defusedxml (openpyxl uses it when installed; we refuse
to read a workbook without it), which refuses entity declarations: no billion laughs. Rows
and columns are counted while the sheet streams, so a sheet that claims row 1,000,000,000
stops at the limit.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from pathlib import Path
from time import monotonic
from typing import Any

from gridwalker.store.roster.columns import RosterError, in_language
from gridwalker.store.roster.csv_file import too_many_columns, too_many_rows

MAX_ENTRIES = 1_000
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # one inflated part (a sheet, the shared strings)
MAX_TOTAL_BYTES = 128 * 1024 * 1024  # all parts inflated
MAX_RATIO = 100  # inflated / compressed, for parts over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_ROWS = 200_000
MAX_SECONDS = 60.0  # reading the rows of one workbook (a street's roster takes a few seconds)
MAX_COLUMNS = 100


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as trimmed text: dates ISO, whole floats without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _refused(path: Path, lang: str, zh: str, en: str) -> RosterError:
    """The workbook refused, with why."""
    return RosterError(
        in_language(
            lang, f"{path}：拒绝读取Excel文件：{zh}", f"{path}: Excel workbook refused: {en}"
        )
    )


def _check_zip(path: Path, archive: zipfile.ZipFile, lang: str) -> None:
    """Refuse a workbook whose parts are too many, too big or inflate too far (a zip bomb)."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise _refused(
            path,
            lang,
            f"含有{len(entries)}个部件，超过{MAX_ENTRIES}个",
            f"it holds {len(entries)} parts, more than {MAX_ENTRIES}",
        )
    total = 0
    for info in entries:
        total += info.file_size
        name = info.filename
        if info.file_size > MAX_ENTRY_BYTES:
            raise _refused(
                path,
                lang,
                f"部件「{name}」解压后为{info.file_size}字节，超过上限{MAX_ENTRY_BYTES}字节",
                f"part {name!r} inflates to {info.file_size} bytes, over the limit of "
                f"{MAX_ENTRY_BYTES}",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise _refused(
                path,
                lang,
                f"部件「{name}」的压缩比为{ratio:.0f}:1，超过{MAX_RATIO}:1（疑似压缩炸弹）",
                f"part {name!r} has a compression ratio of {ratio:.0f}:1, over {MAX_RATIO}:1 "
                "(a zip bomb?)",
            )
        if total > MAX_TOTAL_BYTES:
            raise _refused(
                path,
                lang,
                f"解压后超过{MAX_TOTAL_BYTES}字节",
                f"it inflates to more than {MAX_TOTAL_BYTES} bytes",
            )


def xlsx_records(path: Path, lang: str) -> list[tuple[int, list[str]]]:
    """(line, cells) of every row of the first sheet of an XLSX workbook, within the limits."""
    import openpyxl

    if not openpyxl.DEFUSEDXML:  # e.g. OPENPYXL_DEFUSEDXML=False: the XML would not be safe
        raise _refused(
            path,
            lang,
            "安全的XML解析器（defusedxml）未启用",
            "the safe XML parser (defusedxml) is not in use",
        )
    try:
        with path.open("rb") as fh:
            with zipfile.ZipFile(fh) as archive:
                _check_zip(path, archive, lang)
            fh.seek(0)
            return _rows(path, openpyxl.load_workbook(fh, read_only=True, data_only=True), lang)
    except RosterError:
        raise
    except Exception as exc:  # a hostile or broken file must be a reason, never a traceback
        bomb = _entities(exc)
        if bomb is not None:
            raise _refused(
                path,
                lang,
                f"XML中声明了实体（{type(bomb).__name__}），可能是XML炸弹",
                f"its XML declares entities ({type(bomb).__name__}), as an XML bomb does",
            ) from None
        raise RosterError(
            in_language(
                lang,
                f"{path}：无法读取Excel文件（{type(exc).__name__}: {exc}）",
                f"{path}: cannot read the Excel workbook ({type(exc).__name__}: {exc})",
            )
        ) from None


def _entities(exc: BaseException) -> BaseException | None:
    """The defusedxml refusal behind an error (openpyxl wraps it in a ValueError), if any."""
    from defusedxml import DefusedXmlException

    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None or isinstance(seen, DefusedXmlException):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _rows(path: Path, workbook: Any, lang: str) -> list[tuple[int, list[str]]]:
    """The first sheet's rows, counted while they stream; trailing empty cells dropped."""
    try:
        if not workbook.worksheets:
            return []
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        out: list[tuple[int, list[str]]] = []
        deadline = monotonic() + MAX_SECONDS
        for line, row in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            if line > MAX_ROWS:
                raise too_many_rows(path, lang, MAX_ROWS)
            if monotonic() > deadline:
                raise _refused(
                    path,
                    lang,
                    f"读取超过{MAX_SECONDS:.0f}秒仍未完成（读到第{line}行）",
                    f"reading it took longer than {MAX_SECONDS:.0f} s (stopped at row {line})",
                )
            cells = [_cell_text(v) for v in row]
            while cells and not cells[-1]:
                cells.pop()
            if len(cells) > MAX_COLUMNS:
                raise too_many_columns(path, lang, line, MAX_COLUMNS)
            out.append((line, cells))
        return out
    finally:
        workbook.close()
