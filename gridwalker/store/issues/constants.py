"""Statuses and limits that the issue log's modules share."""

from __future__ import annotations

from typing import Literal

from gridwalker.domain.choices import (
    IssueStatus,
)

S = IssueStatus

# Statuses that can be past due (is_overdue: not a draft, not resolved/verified/closed/declined).
OVERDUE_CAPABLE: tuple[str, ...] = tuple(
    s.value for s in IssueStatus if s is not S.DRAFT and not s.is_done_for_overdue
)
OPEN_STATUSES: tuple[str, ...] = tuple(s.value for s in IssueStatus if s.is_open)
DUE_SOON_DAYS = 7
MIN_PREFIX = 6

SortKey = Literal["due", "age"]
