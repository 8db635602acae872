"""The street's issue log at the hub: the common list and detail, with the supervisor's side
of the workflow (transitions recorded as hub revisions) and without what only a member's
laptop offers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridwalker.domain.choices import IssueStatus
from gridwalker.tui.common.issue_detail import IssueDetailScreen, IssueMoved
from gridwalker.tui.common.issues import IssueListScreen
from gridwalker.tui.desk.decisions import decider

if TYPE_CHECKING:
    from gridwalker.domain.workflow import IssueAction


class HubIssueListScreen(IssueListScreen):
    """The street's issue log at the hub (no logging, no "mine": the desk is no member)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Leave out what only a member's laptop offers; back only when possible."""
        if action in ("log_issue", "toggle_mine"):
            return False
        if action == "back":
            return self.gw.can_go_back()
        return True

    def action_back(self) -> None:
        self.gw.go_back()


class HubIssueDetailScreen(IssueDetailScreen):
    """One issue at the hub: the supervisor's transitions, recorded as hub revisions."""

    def _take(self, action: IssueAction, note: str | None) -> None:
        """Run the supervisor's transition in a worker (a revision the hub approves itself)."""
        from gridwalker.store.desk.decisions import issue_action

        if note is None:
            return
        uuid, actor, rev = self.uuid, decider(self), self.shown_rev
        self.db_write(
            lambda conn: (
                action,
                IssueStatus(issue_action(conn, uuid, action, actor, note, expect_rev=rev)),
            ),
            IssueMoved,
            failed=self._transition_failed,
        )
