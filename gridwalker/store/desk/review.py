"""Temporary: the names tui still imports from here; removed once tui imports the new modules."""

from gridwalker.store.desk.arrivals import record_arrivals
from gridwalker.store.desk.conflicts import (
    ConflictDetail,
    ConflictField,
    ConflictRow,
    conflict_count,
    conflict_detail,
    conflict_page,
    resolve_conflict,
)
from gridwalker.store.desk.coverage import CoverageRow, coverage_table, write_coverage_report
from gridwalker.store.desk.decisions import approve, issue_action, return_item
from gridwalker.store.desk.errors import ReviewError
from gridwalker.store.desk.members import SPARK_DAYS, MemberStats, member_stats
from gridwalker.store.desk.queue import QueueFilter, QueueRow, queue_count, queue_page, state_counts
from gridwalker.store.desk.records import RecordDetail, record_detail
from gridwalker.store.ledger import (
    HeldRow,
    LedgerRow,
    QuarantineRow,
    bundle_count,
    bundle_page,
    held_bundles,
    quarantined,
)
from gridwalker.store.returns import ReturnedItem, returned_items

__all__ = [
    "SPARK_DAYS",
    "ConflictDetail",
    "ConflictField",
    "ConflictRow",
    "CoverageRow",
    "HeldRow",
    "LedgerRow",
    "MemberStats",
    "QuarantineRow",
    "QueueFilter",
    "QueueRow",
    "RecordDetail",
    "ReturnedItem",
    "ReviewError",
    "approve",
    "bundle_count",
    "bundle_page",
    "conflict_count",
    "conflict_detail",
    "conflict_page",
    "coverage_table",
    "held_bundles",
    "issue_action",
    "member_stats",
    "quarantined",
    "queue_count",
    "queue_page",
    "record_arrivals",
    "record_detail",
    "resolve_conflict",
    "return_item",
    "returned_items",
    "state_counts",
    "write_coverage_report",
]
