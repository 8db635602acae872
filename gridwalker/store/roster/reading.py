"""Reading a roster file (CSV in UTF-8 or GB18030, or XLSX) into header-keyed rows.

The file formats are read by `csv_file` and `workbook`, each within its limits; here the
header names the columns. Lines the format itself refuses (a stray quote, a wrong number of
fields, another encoding) come back as row errors, so every bad line is listed at once.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from gridwalker.store.roster.columns import (
    COLUMNS,
    REQUIRED,
    SUPPORTED,
    RosterError,
    RowError,
    in_language,
)
from gridwalker.store.roster.csv_file import csv_records
from gridwalker.store.roster.workbook import xlsx_records


def _header_key(text: str) -> str:
    """Fold a header for lookup: NFKC, case-folded, without spaces, _, -, * markers."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s_\-*]", "", folded)


Columns = dict[str, tuple[str, str, tuple[str, ...]]]


def _aliases(columns: Columns) -> dict[str, str]:
    """Every accepted spelling of a header (folded) → its canonical key."""
    out: dict[str, str] = {}
    for key, (zh, en, more) in columns.items():
        for spelling in (zh, en, *more):
            out[_header_key(spelling)] = key
    return out


_ALIASES = _aliases(COLUMNS)


def read_rows(
    path: Path,
    lang: str,
    columns: Columns = COLUMNS,
    required: tuple[str, ...] = REQUIRED,
) -> tuple[list[str], dict[str, str], list[tuple[int, dict]], list[RowError]]:
    """Canonical keys, the header text each key had, the data rows and the lines in error.

    `columns` and `required` name the table's columns (the roster's unless another table,
    such as a consultation's owner register, gives its own)."""
    aliases = _ALIASES if columns is COLUMNS else _aliases(columns)
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
    if suffix == ".csv":
        records, errors = csv_records(path, lang)
    else:
        records, errors = xlsx_records(path, lang), []
    filled = [(line, cells) for line, cells in records if any(cells)]
    if not filled and errors:
        raise RosterError(
            in_language(
                lang,
                f"{path}：没有一行可以读取（第{errors[0].line}行：{errors[0].message}）",
                f"{path}: no line could be read (line {errors[0].line}: {errors[0].message})",
            )
        )
    if not filled:
        raise RosterError(in_language(lang, f"{path}：文件为空", f"{path}: the file is empty"))
    _header_line, header = filled[0]
    positions: dict[str, int] = {}
    originals: dict[str, str] = {}
    for pos, text in enumerate(header):
        key = aliases.get(_header_key(text)) if text else None
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
    missing = [key for key in required if key not in positions]
    if missing:
        raise RosterError(
            in_language(
                lang,
                f"{path}：缺少必填列：{'、'.join(columns[k][0] for k in missing)}",
                f"{path}: missing required columns: {', '.join(columns[k][1] for k in missing)}",
            )
        )
    rows = []
    for line, cells in filled[1:]:
        rows.append((line, {k: cells[p] if p < len(cells) else "" for k, p in positions.items()}))
    if not rows and not errors:
        raise RosterError(
            in_language(lang, f"{path}：只有表头，没有数据行", f"{path}: a header but no data rows")
        )
    keys = [k for k in columns if k in positions]
    return keys, originals, rows, errors


def read_roster(
    path: Path, *, lang: str = "zh"
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Read a roster file: its canonical column keys and (line, row) pairs of non-blank rows.

    A line the file format refuses is a RosterError here, naming every such line.
    """
    keys, _originals, rows, errors = read_rows(Path(path), lang)
    if errors:
        listed = "; ".join(f"{e.line}: {e.message}" for e in errors)
        raise RosterError(
            in_language(
                lang, f"{path}：以下行无法读取：{listed}", f"{path}: unreadable lines: {listed}"
            )
        )
    return keys, rows
