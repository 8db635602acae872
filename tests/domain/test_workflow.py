"""Tests for the issue state machine."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridwalker.domain.choices import IssueStatus, Role, Urgency
from gridwalker.domain.workflow import (
    IssueAction,
    TransitionError,
    allowed_actions,
    apply_action,
    default_due,
    is_overdue,
    requires_note,
)

S = IssueStatus
A = IssueAction

# (from, action) -> to, written out independently of the module's table.
TABLE: dict[tuple[IssueStatus, IssueAction], IssueStatus] = {
    (S.DRAFT, A.SUBMIT): S.REPORTED,
    (S.REPORTED, A.ACCEPT): S.ACCEPTED,
    (S.REPORTED, A.DECLINE): S.DECLINED,
    (S.ACCEPTED, A.START): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.RESOLVE): S.RESOLVED,
    (S.REPORTED, A.RESOLVE_ON_SPOT): S.RESOLVED,
    (S.RESOLVED, A.VERIFY): S.VERIFIED,
    (S.RESOLVED, A.RETURN_): S.IN_PROGRESS,
    (S.VERIFIED, A.CLOSE): S.CLOSED,
    (S.ACCEPTED, A.HOLD): S.ON_HOLD,
    (S.IN_PROGRESS, A.HOLD): S.ON_HOLD,
}
SUPERVISOR_ONLY = {A.DECLINE, A.CLOSE}


def test_action_codes() -> None:
    assert A("return") is A.RETURN_
    assert A.RETURN_.zh == "退回"
    assert [a.value for a in A] == [
        "submit", "accept", "decline", "start", "resolve", "resolve_on_spot",
        "verify", "return", "close", "hold", "resume",
    ]  # fmt: skip


@pytest.mark.parametrize(("source", "action"), list(TABLE), ids=str)
def test_allowed_transitions(source: IssueStatus, action: IssueAction) -> None:
    assert apply_action(source, action, Role.SUPERVISOR) is TABLE[source, action]
    if action not in SUPERVISOR_ONLY:
        assert apply_action(source, action, Role.MEMBER) is TABLE[source, action]


@pytest.mark.parametrize(
    ("source", "action"),
    [
        (s, a)
        for s in IssueStatus
        for a in IssueAction
        if (s, a) not in TABLE and not (s is S.ON_HOLD and a is A.RESUME)
    ],
    ids=str,
)
def test_everything_else_is_refused(source: IssueStatus, action: IssueAction) -> None:
    for role in Role:
        with pytest.raises(TransitionError) as info:
            apply_action(source, action, role, held_from=S.ACCEPTED)
        assert info.value.invalid.code == "workflow.not_allowed"


def test_refusal_message() -> None:
    with pytest.raises(TransitionError) as info:
        apply_action(S.CLOSED, A.ACCEPT, Role.SUPERVISOR)
    assert info.value.invalid.zh == "已关闭的事件不能受理"
    assert info.value.invalid.en == "A closed issue cannot be accepted"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(("source", "action"), [(S.REPORTED, A.DECLINE), (S.VERIFIED, A.CLOSE)])
def test_supervisor_only(source: IssueStatus, action: IssueAction) -> None:
    with pytest.raises(TransitionError) as info:
        apply_action(source, action, Role.MEMBER)
    assert info.value.invalid.code == "workflow.role"
    assert "supervisor" in info.value.invalid.en and "网格长" in info.value.invalid.zh


@pytest.mark.parametrize("held_from", [S.ACCEPTED, S.IN_PROGRESS])
def test_resume_returns_to_held_status(held_from: IssueStatus) -> None:
    held = apply_action(held_from, A.HOLD, Role.MEMBER)
    assert held is S.ON_HOLD
    assert apply_action(held, A.RESUME, Role.MEMBER, held_from=held_from) is held_from


def test_resume_needs_a_proper_held_from() -> None:
    with pytest.raises(TransitionError) as info:
        apply_action(S.ON_HOLD, A.RESUME, Role.MEMBER)
    assert info.value.invalid.code == "workflow.resume_needs_status"
    for bad in (S.DRAFT, S.REPORTED, S.RESOLVED, S.CLOSED, S.ON_HOLD):
        with pytest.raises(TransitionError) as info:
            apply_action(S.ON_HOLD, A.RESUME, Role.MEMBER, held_from=bad)
        assert info.value.invalid.code == "workflow.resume_bad_status"


def test_codes_are_accepted_and_unknown_codes_refused() -> None:
    assert apply_action("reported", "accept", "member") is S.ACCEPTED
    with pytest.raises(TransitionError):
        apply_action("reported", "teleport", "member")


def test_allowed_actions() -> None:
    assert allowed_actions(S.REPORTED, Role.SUPERVISOR) == [A.ACCEPT, A.DECLINE, A.RESOLVE_ON_SPOT]
    assert allowed_actions(S.REPORTED, Role.MEMBER) == [A.ACCEPT, A.RESOLVE_ON_SPOT]
    assert allowed_actions(S.VERIFIED, Role.MEMBER) == []
    assert allowed_actions(S.VERIFIED, Role.SUPERVISOR) == [A.CLOSE]
    assert allowed_actions(S.ON_HOLD, Role.MEMBER) == [A.RESUME]
    assert allowed_actions(S.CLOSED, Role.SUPERVISOR) == []
    assert allowed_actions(S.DECLINED, Role.SUPERVISOR) == []


@pytest.mark.parametrize("status", list(IssueStatus))
@pytest.mark.parametrize("role", list(Role))
def test_allowed_actions_agree_with_apply(status: IssueStatus, role: Role) -> None:
    for action in IssueAction:
        allowed = action in allowed_actions(status, role)
        try:
            apply_action(status, action, role, held_from=S.ACCEPTED)
        except TransitionError:
            assert not allowed
        else:
            assert allowed


def test_requires_note() -> None:
    assert {a for a in IssueAction if requires_note(a)} == {A.DECLINE, A.RETURN_}


STEPS = st.tuples(st.sampled_from(list(IssueAction)), st.sampled_from(list(Role)))


# The suite's autouse fixtures (GRIDWALKER_HOME) are harmless to reuse across examples.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(STEPS, max_size=40))
def test_random_sequences_follow_the_table(steps: list[tuple[IssueAction, Role]]) -> None:
    status, held_from = S.DRAFT, None
    for action, role in steps:
        try:
            new = apply_action(status, action, role, held_from=held_from)
        except TransitionError:
            continue
        assert status not in (S.CLOSED, S.DECLINED)
        if action is A.RESUME:
            assert status is S.ON_HOLD and new is held_from
        else:
            assert TABLE[status, action] is new
        if action is A.HOLD:
            held_from = status
        assert action in allowed_actions(status, role)
        status = new


# Due dates and overdue

DUE = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("today", "expected"),
    [(date(2026, 11, 29), False), (DUE, False), (date(2026, 12, 1), True)],
)
def test_overdue_across_the_due_date(today: date, expected: bool) -> None:
    assert is_overdue(S.IN_PROGRESS, DUE, today) is expected


@pytest.mark.parametrize("status", list(IssueStatus))
def test_overdue_by_status(status: IssueStatus) -> None:
    late = date(2027, 1, 1)
    expected = status in (S.REPORTED, S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD)
    assert is_overdue(status, DUE, late) is expected
    assert is_overdue(status, None, late) is False


def test_default_due() -> None:
    assert default_due(Urgency.NORMAL, date(2026, 11, 20)) == date(2026, 12, 5)
    assert default_due(Urgency.URGENT, date(2026, 12, 30)) == date(2027, 1, 2)
