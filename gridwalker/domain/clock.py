"""The one place the app asks for "now" and "today"; tests and the demo freeze it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone, tzinfo

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    LOCAL_TZ: tzinfo = ZoneInfo("Asia/Shanghai")
except (ImportError, ZoneInfoNotFoundError):  # no tzdata on this machine
    LOCAL_TZ = timezone(timedelta(hours=8), "CST")

ENV_TODAY = "GRIDWALKER_TODAY"
FROZEN_HOUR = time(9, 0)

_frozen: datetime | None = None


def _as_local(at: datetime | date) -> datetime:
    """Turn a date (09:00 that day) or a datetime (naive = local) into an aware local time."""
    if not isinstance(at, datetime):
        return datetime.combine(at, FROZEN_HOUR, tzinfo=LOCAL_TZ)
    if at.tzinfo is None:
        return at.replace(tzinfo=LOCAL_TZ)
    return at.astimezone(LOCAL_TZ)


def now() -> datetime:
    """Return the current (or frozen) time, timezone-aware, in Asia/Shanghai."""
    if _frozen is not None:
        return _frozen
    return datetime.now(LOCAL_TZ)


def today() -> date:
    """Return the current (or frozen) local date."""
    return now().date()


def freeze(at: datetime | date | None) -> None:
    """Freeze the clock at `at` (a date freezes at 09:00 local); None unfreezes it."""
    global _frozen
    _frozen = None if at is None else _as_local(at)


def is_frozen() -> bool:
    """Whether the clock is frozen."""
    return _frozen is not None


@contextmanager
def frozen(at: datetime | date | None) -> Iterator[datetime]:
    """Freeze the clock for the duration of a with-block, then restore the previous state."""
    global _frozen
    previous = _frozen
    freeze(at)
    try:
        yield now()
    finally:
        _frozen = previous


def parse_day(text: str) -> date:
    """Parse YYYY-MM-DD, raising a bilingual ValueError."""
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ValueError(
            f"日期格式应为 YYYY-MM-DD，实际为「{text}」/ "
            f"a date must be written YYYY-MM-DD, got {text!r}"
        ) from None


def freeze_from_env() -> None:
    """Freeze the clock at GRIDWALKER_TODAY (YYYY-MM-DD) when that variable is set."""
    value = os.environ.get(ENV_TODAY, "").strip()
    if value:
        try:
            freeze(parse_day(value))
        except ValueError as exc:
            raise ValueError(f"{ENV_TODAY}: {exc}") from None


def cycle_bounds(day: date) -> tuple[date, date]:
    """Return the cycle holding `day`: first of its month to first of the next (half-open)."""
    start = day.replace(day=1)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def cycle_label(day: date) -> str:
    """Return the cycle label, e.g. "2026-11"."""
    return f"{day.year:04d}-{day.month:02d}"


try:
    freeze_from_env()
except ValueError:
    pass  # a malformed GRIDWALKER_TODAY is reported by the command line, not at import
