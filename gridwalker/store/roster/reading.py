"""Reading a roster file: CSV in UTF-8 or GB18030, or XLSX, into header-keyed rows."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from gridwalker.store.roster.columns import COLUMNS, REQUIRED, SUPPORTED, RosterError, in_language


def _header_key(text: str) -> str:
    """Fold a header for lookup: NFKC, case-folded, without spaces, _, -, * markers."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s_\-*]", "", folded)


_ALIASES: dict[str, str] = {}
for _key, (_zh, _en, _more) in COLUMNS.items():
    for _spelling in (_zh, _en, *_more):
        _ALIASES[_header_key(_spelling)] = _key


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


def _decode(path: Path, data: bytes, lang: str) -> str:
    """Decode CSV bytes: a UTF-8 BOM, else strict UTF-8, else GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RosterError(
                in_language(
                    lang,
                    f"{path}：文件标明为UTF-8但含有无效字节（{exc}）",
                    f"{path}: marked as UTF-8 but holds invalid bytes ({exc})",
                )
            ) from None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError(
        in_language(
            lang,
            f"{path}：无法识别文件编码（支持UTF-8、带BOM的UTF-8和GB18030）",
            f"{path}: unknown text encoding (UTF-8, UTF-8 with BOM and GB18030 are supported)",
        )
    )


def _csv_records(path: Path, lang: str) -> Iterable[tuple[int, list[str]]]:
    """(line, cells) of every record of a CSV file, blank ones included."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterError(
            in_language(
                lang,
                f"{path}：无法读取文件（{exc.strerror or exc}）",
                f"{path}: cannot read the file ({exc.strerror or exc})",
            )
        ) from None
    text = _decode(path, data, lang)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise RosterError(
            in_language(lang, f"{path}：CSV格式错误（{exc}）", f"{path}: malformed CSV ({exc})")
        ) from None
    return [(i, [c.strip() for c in record]) for i, record in enumerate(records, start=1)]


def _xlsx_records(path: Path, lang: str) -> Iterable[tuple[int, list[str]]]:
    """(line, cells) of every row of the first sheet of an XLSX workbook."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise RosterError(
            in_language(
                lang,
                f"{path}：无法读取Excel文件（{exc}）",
                f"{path}: cannot read the Excel workbook ({exc})",
            )
        ) from None
    try:
        if not workbook.worksheets:
            return []
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=1, values_only=True)
        return [(i, [_cell_text(v) for v in row]) for i, row in enumerate(rows, start=1)]
    finally:
        workbook.close()


def read_rows(path: Path, lang: str) -> tuple[list[str], dict[str, str], list[tuple[int, dict]]]:
    """Canonical keys, the header text each key had in the file, and the data rows."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise RosterError(
            in_language(
                lang,
                f"{path}：不支持的文件类型「{path.suffix or '无扩展名'}」，请用 .csv 或 .xlsx",
                f"{path}: unsupported file type {path.suffix or '(none)'!r}; use .csv or .xlsx",
            )
        )
    if not path.is_file():
        raise RosterError(in_language(lang, f"{path}：文件不存在", f"{path}: no such file"))
    records = _csv_records(path, lang) if suffix == ".csv" else _xlsx_records(path, lang)
    filled = [(line, cells) for line, cells in records if any(cells)]
    if not filled:
        raise RosterError(in_language(lang, f"{path}：文件为空", f"{path}: the file is empty"))
    _header_line, header = filled[0]
    positions: dict[str, int] = {}
    originals: dict[str, str] = {}
    for pos, text in enumerate(header):
        key = _ALIASES.get(_header_key(text)) if text else None
        if key is None:
            continue
        if key in positions:
            raise RosterError(
                in_language(
                    lang,
                    f"{path}：列「{originals[key]}」和「{text}」重复",
                    f"{path}: columns {originals[key]!r} and {text!r} are the same column",
                )
            )
        positions[key] = pos
        originals[key] = text
    missing = [key for key in REQUIRED if key not in positions]
    if missing:
        raise RosterError(
            in_language(
                lang,
                f"{path}：缺少必填列：{'、'.join(COLUMNS[k][0] for k in missing)}",
                f"{path}: missing required columns: {', '.join(COLUMNS[k][1] for k in missing)}",
            )
        )
    rows = []
    for line, cells in filled[1:]:
        rows.append((line, {k: cells[p] if p < len(cells) else "" for k, p in positions.items()}))
    if not rows:
        raise RosterError(
            in_language(lang, f"{path}：只有表头，没有数据行", f"{path}: a header but no data rows")
        )
    keys = [k for k in COLUMNS if k in positions]
    return keys, originals, rows


def read_roster(
    path: Path, *, lang: str = "zh"
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Read a roster file: its canonical column keys and (line, row) pairs of non-blank rows."""
    keys, _originals, rows = read_rows(Path(path), lang)
    return keys, rows
