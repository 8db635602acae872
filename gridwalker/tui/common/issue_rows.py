"""An issue as one line of text: the list's columns and rows, and the colours of a status and
an urgency (the detail's head uses them too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text

from gridwalker.domain.choices import IssueStatus, Urgency
from gridwalker.domain.i18n import _, label
from gridwalker.tui.format import cell
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from gridwalker.store.issues import IssueRow


def urgency_text(urgency: Urgency) -> Text:
    """An urgency label; urgent stands out."""
    style = "bold reverse red" if urgency is Urgency.URGENT else "dim"
    return Text(label(urgency), style=style)


def status_style(status: IssueStatus) -> str:
    """A colour for a status: live work yellow, done green, refused or closed dim."""
    if status in (IssueStatus.RESOLVED, IssueStatus.VERIFIED):
        return "green"
    if status in (IssueStatus.CLOSED, IssueStatus.DECLINED, IssueStatus.DRAFT):
        return "dim"
    if status is IssueStatus.ON_HOLD:
        return "magenta"
    return "yellow"


COLUMNS = ((2, ""), (10, N_("Category")), (8, N_("Status")), (8, N_("Urgency")), (10, N_("Due")))
COLUMNS_AFTER = ((10, N_("Reported")), (22, N_("Place")))


def column_titles() -> Text:
    """The titles above the list's columns."""
    text = Text(" ")
    for width, title in (*COLUMNS, *COLUMNS_AFTER):
        text.append_text(cell(_(title) if title else "", width, "bold"))
    text.append(_("Description"), style="bold")
    return text


def render_issue_row(row: IssueRow, width: int) -> Text:
    """One issue line: mark, category, status, urgency, due, reported, place, description."""
    base = "red" if row.overdue else ""
    text = Text(" ")
    text.append_text(cell("!" if row.overdue else "", 2, "bold red"))
    text.append_text(cell(label(row.category), 10, base or "bold"))
    text.append_text(cell(label(row.status), 8, base or status_style(row.status)))
    urgency = cell(label(row.urgency), 8)
    urgency.stylize(urgency_text(row.urgency).style, 0, cell_len(label(row.urgency)))
    text.append_text(urgency)
    text.append_text(cell(row.due_date.isoformat() if row.due_date else "—", 10, base or "bold"))
    text.append_text(cell(row.reported_on.isoformat(), 10, base))
    text.append_text(cell(row.place, 22, base))
    text.append(row.summary, style=base)
    return text
