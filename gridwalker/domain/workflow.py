"""The issue state machine: which action moves an issue from which status, and who may act."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from .choices import Choice, IssueStatus, Role, Urgency
from .validators import Invalid

S = IssueStatus


class IssueAction(Choice):
    """An action on an issue; each one is recorded as an event."""

    SUBMIT = ("submit", "上报", "Submit")
    ACCEPT = ("accept", "受理", "Accept")
    DECLINE = ("decline", "不予受理", "Decline")
    START = ("start", "开始处置", "Start work")
    RESOLVE = ("resolve", "办结", "Resolve")
    RESOLVE_ON_SPOT = ("resolve_on_spot", "就地办结", "Resolve on the spot")
    VERIFY = ("verify", "核查通过", "Verify")
    RETURN_ = ("return", "退回", "Return")
    CLOSE = ("close", "关闭", "Close")
    HOLD = ("hold", "挂起", "Put on hold")
    RESUME = ("resume", "恢复", "Resume")


A = IssueAction
C = TypeVar("C", bound=Choice)


@dataclass(frozen=True)
class Transition:
    """One row of the state machine: from which statuses an action leads where."""

    action: IssueAction
    sources: tuple[IssueStatus, ...]
    target: IssueStatus | None  # None: resume returns to the status the issue was held from
    roles: frozenset[Role]


_ANYONE = frozenset({Role.MEMBER, Role.SUPERVISOR})
_SUPERVISOR = frozenset({Role.SUPERVISOR})

TRANSITIONS: dict[IssueAction, Transition] = {
    t.action: t
    for t in (
        Transition(A.SUBMIT, (S.DRAFT,), S.REPORTED, _ANYONE),
        Transition(A.ACCEPT, (S.REPORTED,), S.ACCEPTED, _ANYONE),
        Transition(A.DECLINE, (S.REPORTED,), S.DECLINED, _SUPERVISOR),
        Transition(A.START, (S.ACCEPTED,), S.IN_PROGRESS, _ANYONE),
        Transition(A.RESOLVE, (S.IN_PROGRESS,), S.RESOLVED, _ANYONE),
        Transition(A.RESOLVE_ON_SPOT, (S.REPORTED,), S.RESOLVED, _ANYONE),
        Transition(A.VERIFY, (S.RESOLVED,), S.VERIFIED, _ANYONE),
        Transition(A.RETURN_, (S.RESOLVED,), S.IN_PROGRESS, _ANYONE),
        Transition(A.CLOSE, (S.VERIFIED,), S.CLOSED, _SUPERVISOR),
        Transition(A.HOLD, (S.ACCEPTED, S.IN_PROGRESS), S.ON_HOLD, _ANYONE),
        Transition(A.RESUME, (S.ON_HOLD,), None, _ANYONE),
    )
}

HOLDABLE: tuple[IssueStatus, ...] = TRANSITIONS[A.HOLD].sources
DONE_FOR_OVERDUE = frozenset(s for s in IssueStatus if s.is_done_for_overdue)

# English phrases for error messages ("A closed issue cannot be accepted").
_EN_ISSUE = {
    S.DRAFT: "A draft issue",
    S.REPORTED: "A reported issue",
    S.ACCEPTED: "An accepted issue",
    S.DECLINED: "A declined issue",
    S.IN_PROGRESS: "An issue in progress",
    S.RESOLVED: "A resolved issue",
    S.VERIFIED: "A verified issue",
    S.CLOSED: "A closed issue",
    S.ON_HOLD: "An issue on hold",
}
_EN_DONE = {
    A.SUBMIT: "submitted",
    A.ACCEPT: "accepted",
    A.DECLINE: "declined",
    A.START: "started",
    A.RESOLVE: "resolved",
    A.RESOLVE_ON_SPOT: "resolved on the spot",
    A.VERIFY: "verified",
    A.RETURN_: "returned",
    A.CLOSE: "closed",
    A.HOLD: "put on hold",
    A.RESUME: "resumed",
}


class TransitionError(ValueError):
    """An action that the workflow does not allow; `.invalid` says why in zh and en."""

    def __init__(self, invalid: Invalid) -> None:
        super().__init__(f"{invalid.zh} / {invalid.en}")
        self.invalid = invalid


def _coerce(kind: type[C], value: C | str, what: str) -> C:
    """Return `value` as a member of `kind`, raising TransitionError for unknown codes."""
    try:
        return kind(value)
    except ValueError:
        raise TransitionError(
            Invalid(
                "workflow.unknown",
                f"未知的{what}「{value}」",
                f"Unknown {kind.__name__} {value!r}",
            )
        ) from None


def allowed_actions(status: IssueStatus, role: Role) -> list[IssueAction]:
    """Return the actions `role` may take on an issue in `status`, in a stable order."""
    status = _coerce(IssueStatus, status, "状态")
    role = _coerce(Role, role, "角色")
    return [t.action for t in TRANSITIONS.values() if status in t.sources and role in t.roles]


def apply_action(
    status: IssueStatus,
    action: IssueAction,
    role: Role,
    held_from: IssueStatus | None = None,
) -> IssueStatus:
    """Return the status after `action`, raising TransitionError when it is not allowed."""
    status = _coerce(IssueStatus, status, "状态")
    action = _coerce(IssueAction, action, "操作")
    role = _coerce(Role, role, "角色")
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        raise TransitionError(
            Invalid(
                "workflow.not_allowed",
                f"{status.zh}的事件不能{action.zh}",
                f"{_EN_ISSUE[status]} cannot be {_EN_DONE[action]}",
            )
        )
    if role not in transition.roles:
        raise TransitionError(
            Invalid(
                "workflow.role",
                f"只有网格长可以{action.zh}事件",
                f"Only a supervisor may {action.en.lower()} an issue",
            )
        )
    if transition.target is not None:
        return transition.target
    if held_from is None:
        raise TransitionError(
            Invalid(
                "workflow.resume_needs_status",
                "恢复需要知道挂起前的状态",
                "Resume needs the status it was held from",
            )
        )
    held_from = _coerce(IssueStatus, held_from, "状态")
    if held_from not in HOLDABLE:
        raise TransitionError(
            Invalid(
                "workflow.resume_bad_status",
                f"挂起前的状态只能是{'或'.join(s.zh for s in HOLDABLE)}，不能是{held_from.zh}",
                f"An issue can only have been held from "
                f"{' or '.join(s.en.lower() for s in HOLDABLE)}, not {held_from.en.lower()}",
            )
        )
    return held_from


def requires_note(action: IssueAction) -> bool:
    """Whether the action needs a note (declining and returning must say why)."""
    return action in (IssueAction.DECLINE, IssueAction.RETURN_)


def is_overdue(status: IssueStatus, due: date | None, today: date) -> bool:
    """Whether a live issue is past its due date (the due day itself is still on time)."""
    status = IssueStatus(status)
    if due is None or today <= due:
        return False
    return status is not IssueStatus.DRAFT and status not in DONE_FOR_OVERDUE


def default_due(urgency: Urgency, reported_on: date) -> date:
    """Return the default due date for an issue of `urgency` reported on `reported_on`."""
    return reported_on + timedelta(days=Urgency(urgency).default_due_days)
