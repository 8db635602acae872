"""The sync log file in the log folder: one line per export or import, never personal data."""

from __future__ import annotations

from gridwalker.config import Paths
from gridwalker.domain import clock

LOG_NAME = "sync.log"


def log_line(home: Paths, text: str) -> None:
    """Append a time-stamped line (ids, counts, file names; no names, phones or addresses)."""
    home.log.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().isoformat(timespec="seconds")
    with open(home.log / LOG_NAME, "a", encoding="utf-8") as log:
        log.write(f"{stamp} {text}\n")
