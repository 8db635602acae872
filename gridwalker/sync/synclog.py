"""The sync log file in the log folder: one line per export or import, never personal data.

A log line is one line whatever a file name or a reason holds: `log_line` escapes every
character that is not printable (newline, carriage return, ESC and the other C0/C1 controls,
bidi overrides, line separators), and `log_value` quotes a value that is not a plain word, so
a file called `x.zip\\n2026-01-01 import status=applied` cannot forge a line or a field.
"""

from __future__ import annotations

from gridwalker.config import Paths, private_dir, private_opener
from gridwalker.domain import clock

LOG_NAME = "sync.log"
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_PLAIN_PUNCTUATION = frozenset("._-+:/@,")


def _escape_char(ch: str) -> str:
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def inert(text: str) -> str:
    """`text` with every non-printable character escaped (\\n, \\x1b, \\u202e …): one line, no
    terminal sequences."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape_char(ch) for ch in text)


def log_value(value: object) -> str:
    """A value for a `key=value` field: as it is when it is a plain word (letters, digits,
    ._-+:/@,), else in double quotes with backslash, quote and non-printable characters
    escaped."""
    text = "-" if value is None or value == "" else str(value)
    if text and all(ch.isalnum() or ch in _PLAIN_PUNCTUATION for ch in text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{inert(escaped)}"'


def log_line(home: Paths, text: str) -> None:
    """Append a time-stamped line (ids, counts, file names; no names, phones or addresses).

    The text is made inert (one line); quote the values inside it with `log_value`.
    """
    private_dir(home.log)
    stamp = clock.now().isoformat(timespec="seconds")
    with open(home.log / LOG_NAME, "a", encoding="utf-8", opener=private_opener) as log:
        log.write(f"{stamp} {inert(text)}\n")
