"""The issue log: logging, the workflow's transitions with their events, lists and detail.

Every write goes through `Writer` in the caller's transaction; a refused input or transition
raises before anything is written. The package's face names what the rest of gridwalker uses:
`reporting` (logging an issue and its checks), `transitions` (the workflow), `lists` (pages and
counts, "overdue" in SQL), `detail` (one issue whole), `errors`, `constants`.
"""

from __future__ import annotations

from gridwalker.store.issues.constants import (
    OPEN_STATUSES,
    OVERDUE_CAPABLE,
    SortKey,
)
from gridwalker.store.issues.detail import (
    IssueDetail,
    building_name,
    issue_detail,
    issue_timeline,
)
from gridwalker.store.issues.errors import (
    IssueInputError,
    IssueNotFound,
)
from gridwalker.store.issues.lists import (
    IssueFilter,
    IssueRow,
    TodayCounts,
    issue_count,
    issue_page,
    status_counts,
    today_counts,
    today_filters,
)
from gridwalker.store.issues.reporting import (
    IssueInput,
    Prefill,
    check_issue,
    log_issue,
    place_prefill,
)
from gridwalker.store.issues.transitions import (
    resolve_issue,
    transition,
)

__all__ = [
    "IssueDetail",
    "IssueFilter",
    "IssueInput",
    "IssueInputError",
    "IssueNotFound",
    "IssueRow",
    "OPEN_STATUSES",
    "OVERDUE_CAPABLE",
    "Prefill",
    "SortKey",
    "TodayCounts",
    "building_name",
    "check_issue",
    "issue_count",
    "issue_detail",
    "issue_page",
    "issue_timeline",
    "log_issue",
    "place_prefill",
    "resolve_issue",
    "status_counts",
    "today_counts",
    "today_filters",
    "transition",
]
