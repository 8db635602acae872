"""Reading a roster CSV: its encoding line by line, and each line parsed on its own.

A roster cell never spans lines, so every physical line is one record, parsed strictly by
itself: a stray quote is an error on its own line and can never swallow the lines after it
(other people's ID numbers into one resident's name). The encoding is UTF-8 (with or without
a BOM) or GB18030 as Excel saves it in China, decided by the first line that is not ASCII;
a line in another encoding, or in none, is an error naming that line.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from gridwalker.store.roster.columns import RosterError, RowError, in_language

MAX_BYTES = 64 * 1024 * 1024  # a roster of 200,000 people is well under this
MAX_ROWS = 200_000
MAX_COLUMNS = 100
MAX_CELL = 10_000  # characters in one cell

_BOM = b"\xef\xbb\xbf"
_LINE_END = re.compile(rb"\r\n|\r|\n")  # never inside a UTF-8 or GB18030 character


def _read_bounded(path: Path, lang: str) -> bytes:
    """The file's bytes, refused past MAX_BYTES (counted while reading, not from stat)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise RosterError(
            in_language(
                lang,
                f"{path}：无法读取文件（{exc.strerror or exc}）",
                f"{path}: cannot read the file ({exc.strerror or exc})",
            )
        ) from None
    if len(data) > MAX_BYTES:
        mb = MAX_BYTES // (1024 * 1024)
        raise RosterError(
            in_language(
                lang,
                f"{path}：文件超过{mb} MB，请拆分后再导入",
                f"{path}: the file is larger than {mb} MB; split it and import the parts",
            )
        )
    return data


def _unknown_encoding(path: Path, lang: str) -> RosterError:
    """The whole file is in no encoding we read."""
    return RosterError(
        in_language(
            lang,
            f"{path}：无法识别文件编码（支持UTF-8、带BOM的UTF-8和GB18030）",
            f"{path}: unknown text encoding (UTF-8, UTF-8 with BOM and GB18030 are supported)",
        )
    )


def _is_utf8(raw: bytes) -> bool:
    """Whether the bytes are valid UTF-8 holding a character of three bytes or more (CJK).

    GB18030 text decodes as UTF-8 only by accident, and then as two-byte Latin, Greek or
    Cyrillic letters, so a line of CJK characters that is valid UTF-8 is UTF-8.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(ord(ch) >= 0x800 for ch in text)


def _decode_lines(
    path: Path, data: bytes, lang: str, errors: list[RowError]
) -> list[tuple[int, str | None]]:
    """(line, text) of every physical line; text None for a line that is in error."""
    if b"\x00" in data:  # UTF-16 or a binary file: no CSV holds NUL
        raise _unknown_encoding(path, lang)
    marked = data.startswith(_BOM)
    raws = _LINE_END.split(data[len(_BOM) :] if marked else data)
    if raws and raws[-1] == b"":
        raws.pop()
    encoding = "utf-8" if marked else None
    out: list[tuple[int, str | None]] = []
    for line, raw in enumerate(raws, start=1):
        if raw.isascii():
            out.append((line, raw.decode("ascii")))
            continue
        if encoding is None:
            if _is_utf8(raw):
                encoding = "utf-8"
            else:
                try:
                    raw.decode("gb18030")
                except UnicodeDecodeError:
                    if line == 1:
                        raise _unknown_encoding(path, lang) from None
                else:
                    encoding = "gb18030"
        text, problem = _decode_line(raw, encoding, marked, lang)
        if problem is not None:
            if line == 1:
                raise _file_error(path, lang, problem)
            errors.append(RowError(line, None, problem))
        out.append((line, text))
    return out


def _decode_line(
    raw: bytes, encoding: str | None, marked: bool, lang: str
) -> tuple[str | None, str | None]:
    """(text, None) for a line in the file's encoding, else (None, why not)."""
    if encoding == "utf-8":
        try:
            return raw.decode("utf-8"), None
        except UnicodeDecodeError:
            pass
        try:
            raw.decode("gb18030")
        except UnicodeDecodeError:
            return None, _undecodable(lang)
        if marked:
            return None, in_language(
                lang,
                "文件标明为UTF-8（带BOM），但本行是另一种编码（GB18030？）；请将整个文件以同一编码另存",
                "the file is marked as UTF-8 (BOM) but this line is in another encoding "
                "(GB18030?); save the whole file again in one encoding",
            )
        return None, _mixed(lang, "UTF-8", "GB18030")
    if encoding == "gb18030":
        if _is_utf8(raw):
            return None, _mixed(lang, "GB18030", "UTF-8")
        try:
            return raw.decode("gb18030"), None
        except UnicodeDecodeError:
            return None, _undecodable(lang)
    return None, _undecodable(lang)


def _undecodable(lang: str) -> str:
    """A line in neither UTF-8 nor GB18030."""
    return in_language(
        lang,
        "本行含有无法识别的字节（既不是UTF-8也不是GB18030）",
        "this line holds bytes that are neither UTF-8 nor GB18030",
    )


def _mixed(lang: str, file_encoding: str, line_encoding: str) -> str:
    """A line in another encoding than the lines before it."""
    return in_language(
        lang,
        f"本行的编码（{line_encoding}）与文件其余部分（{file_encoding}）不同；"
        "请将整个文件以同一编码另存",
        f"this line is in {line_encoding} but the file is {file_encoding}; "
        "save the whole file again in one encoding",
    )


def _parse_line(text: str, delimiter: str, lang: str) -> tuple[list[str] | None, str | None]:
    """(cells, None) of one line, parsed strictly, else (None, why not)."""
    too_long = in_language(
        lang, f"单元格超过{MAX_CELL}个字符", f"a cell is longer than {MAX_CELL} characters"
    )
    try:
        records = list(csv.reader([text], delimiter=delimiter, strict=True))
    except csv.Error as exc:
        if "field larger" in str(exc):
            return None, too_long
        return None, in_language(
            lang,
            f"引号不成对或位置不对：以引号开头的单元格须在本行内以引号结束，引号后紧跟分隔符（{exc}）",
            "unbalanced or misplaced quote: a cell that starts with a quote must end with one "
            f"on the same line, right before the separator ({exc})",
        )
    cells = [c.strip() for c in records[0]] if records else []
    if any(len(c) > MAX_CELL for c in cells):
        return None, too_long
    return cells, None


def csv_records(path: Path, lang: str) -> tuple[list[tuple[int, list[str]]], list[RowError]]:
    """(line, cells) of every good line of a CSV file, and an error for every bad line.

    A line whose field count differs from the header's is an error (a missing or extra
    separator shifts every value after it into the wrong column); so is a line with a stray
    quote, or in another encoding. Blank lines are kept (as empty cells) and never an error.
    """
    errors: list[RowError] = []
    lines = _decode_lines(path, _read_bounded(path, lang), lang, errors)
    if len(lines) > MAX_ROWS:
        raise too_many_rows(path, lang, MAX_ROWS)
    first = next((text for _line, text in lines if text and text.strip(", \t")), "")
    delimiter = "\t" if "\t" in first and "," not in first else ","
    records: list[tuple[int, list[str]]] = []
    width: int | None = None
    for line, text in lines:
        if text is None:
            continue
        cells, problem = _parse_line(text, delimiter, lang)
        if cells is None:
            if width is None:  # the header itself
                raise _file_error(path, lang, problem or "")
            errors.append(RowError(line, None, problem or ""))
            continue
        if not any(cells):
            records.append((line, cells))
            continue
        if len(cells) > MAX_COLUMNS:
            raise too_many_columns(path, lang, line, MAX_COLUMNS)
        if width is None:
            width = len(cells)
        elif len(cells) != width:
            errors.append(
                RowError(
                    line,
                    None,
                    in_language(
                        lang,
                        f"本行有{len(cells)}个字段，表头有{width}个（少了或多了分隔符？）",
                        f"this line has {len(cells)} fields but the header has {width} "
                        "(a missing or extra separator?)",
                    ),
                )
            )
            continue
        records.append((line, cells))
    return records, errors


def _file_error(path: Path, lang: str, problem: str) -> RosterError:
    """A problem of the header line, which stops the whole file."""
    return RosterError(f"{path}：{problem}" if lang != "en" else f"{path}: {problem}")


def too_many_rows(path: Path, lang: str, limit: int) -> RosterError:
    """A file with more lines than an import reads."""
    return RosterError(
        in_language(
            lang,
            f"{path}：超过{limit}行，请拆分后再导入",
            f"{path}: more than {limit} rows; split the file and import the parts",
        )
    )


def too_many_columns(path: Path, lang: str, line: int, limit: int) -> RosterError:
    """A line with more cells than a roster has columns, by far."""
    return RosterError(
        in_language(
            lang,
            f"{path}：第{line}行超过{limit}列",
            f"{path}: line {line} has more than {limit} columns",
        )
    )
