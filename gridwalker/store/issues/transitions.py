"""The workflow's transitions of an issue, each with its event (who, when, note)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Connection,
    false,
    select,
)

from gridwalker.domain import clock
from gridwalker.domain.choices import (
    IssueStatus,
    Role,
    Urgency,
)
from gridwalker.domain.validators import Invalid
from gridwalker.domain.workflow import (
    IssueAction,
    TransitionError,
    apply_action,
    default_due,
    requires_note,
)
from gridwalker.store.issues.constants import MIN_PREFIX, S
from gridwalker.store.issues.errors import IssueNotFound
from gridwalker.store.issues.reporting import record_event
from gridwalker.store.tables import (
    Issue,
    IssueEvent,
)
from gridwalker.store.writes import Writer


def resolve_issue(conn: Connection, text: str) -> str:
    """The uuid of the live issue named by a full uuid or a unique prefix of 6+ characters."""
    key = (text or "").strip().lower()
    if len(key) < MIN_PREFIX:
        raise IssueNotFound(
            Invalid(
                "issue.prefix_short",
                f"事件编号至少要写{MIN_PREFIX}位（「{key}」太短）",
                f"Give at least {MIN_PREFIX} characters of the issue id ({key!r} is too short)",
            )
        )
    found = (
        conn.execute(
            select(Issue.uuid)
            .where(Issue.uuid.startswith(key, autoescape=True), Issue.deleted == false())
            .order_by(Issue.uuid)
            .limit(2)
        )
        .scalars()
        .all()
    )
    if not found:
        raise IssueNotFound(Invalid("issue.not_found", f"找不到事件「{key}」", f"No issue {key!r}"))
    if len(found) > 1:
        raise IssueNotFound(
            Invalid(
                "issue.ambiguous",
                f"「{key}」对应多个事件，请多写几位",
                f"{key!r} matches several issues; give more characters",
            )
        )
    return found[0]


def _check_someone_else_verifies(conn: Connection, issue_uuid: str, who: str) -> None:
    """Separation of duties: whoever resolved an issue does not verify it (已核查 by another)."""
    resolved_by = conn.execute(
        select(IssueEvent.actor)
        .where(
            IssueEvent.issue_uuid == issue_uuid,
            IssueEvent.deleted == false(),
            IssueEvent.action.in_((IssueAction.RESOLVE.value, IssueAction.RESOLVE_ON_SPOT.value)),
        )
        .order_by(IssueEvent.at.desc(), IssueEvent.change.desc())
        .limit(1)
    ).scalar()
    if resolved_by is not None and resolved_by == who:
        raise TransitionError(
            Invalid(
                "workflow.verify_own",
                "办结人不能核查自己办结的事件：请由他人核查",
                "Whoever resolved an issue cannot verify it: someone else checks it",
            )
        )


def transition(
    conn: Connection,
    issue_uuid: str,
    action: IssueAction | str,
    *,
    role: Role | str,
    actor: str,
    note: str = "",
    member_uuid: str | None = None,
    expect_rev: str | None = None,
) -> IssueStatus:
    """Apply a workflow action and record its event; refused: TransitionError, nothing written.

    `expect_rev` is the rev of the issue as the screen showed it: when the issue moved on
    since (another window or a command took a step), StaleWrite and nothing is written, even
    when the action would still be allowed from where it is now (an action the workflow
    refuses from there says so first, with its own reason)."""
    # The event's actor is the member uuid when there is one (the timeline shows the member's
    # name); `actor` stamps the row (updated_by) and stands in for scripts without a member.
    row = conn.execute(
        select(Issue.status, Issue.held_from, Issue.rev).where(
            Issue.uuid == issue_uuid, Issue.deleted == false()
        )
    ).first()
    if row is None:
        raise IssueNotFound(
            Invalid("issue.not_found", f"找不到事件「{issue_uuid}」", f"No issue {issue_uuid!r}")
        )
    old = S(row.status)
    held_from = S(row.held_from) if row.held_from else None
    new = apply_action(old, action, role, held_from)  # also checks action and role codes
    act = IssueAction(action)
    note = (note or "").strip()
    if requires_note(act) and not note:
        raise TransitionError(
            Invalid(
                "workflow.note_required",
                f"{act.zh}必须填写原因",
                f"Say why in a note to {act.en.lower()} an issue",
            )
        )
    writer = Writer(conn, actor)
    if expect_rev is not None and row.rev != expect_rev:
        # Allowed from where it is now, but not from what the screen showed: StaleWrite.
        writer.current("issue", issue_uuid, expect_rev)
    if act is IssueAction.VERIFY:
        _check_someone_else_verifies(conn, issue_uuid, member_uuid or actor)
    changes: dict[str, Any] = {"status": new.value}
    if act is IssueAction.HOLD:
        changes["held_from"] = old.value
    elif act is IssueAction.RESUME:
        changes["held_from"] = None
    if act is IssueAction.SUBMIT:
        # Reported today: a due date that was only the default moves with it.
        changes["reported_on"] = clock.today()
        row = conn.execute(
            select(Issue.urgency, Issue.reported_on, Issue.due_date).where(Issue.uuid == issue_uuid)
        ).one()
        urgency = Urgency(row.urgency)
        if row.due_date == default_due(urgency, row.reported_on):
            changes["due_date"] = default_due(urgency, clock.today())
    writer.update("issue", issue_uuid, changes, expect_rev=expect_rev)
    record_event(writer, issue_uuid, act, old, new, note, member_uuid or actor)
    return new
