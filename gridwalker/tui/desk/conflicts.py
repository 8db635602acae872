"""Conflicts at the hub: the records two laptops edited differently, and one of them decided.

The list pages from SQL; a record shows its two versions side by side, field by field. Per
field in conflict the supervisor keeps mine (the value shown now), takes theirs, or types the
merged value; a reason is required. Saving writes a new revision, recorded with who and why.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Header, Input, Static

from gridwalker.domain.i18n import _, language
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.common.paged import PagedList
from gridwalker.tui.common.record_kinds import kind_label
from gridwalker.tui.common.workers import DbResult, DbScreen
from gridwalker.tui.desk.decisions import decider
from gridwalker.tui.desk.labels import field_label, show_value
from gridwalker.tui.format import cell, literal, local_time
from gridwalker.tui.keys import N_, translate_bindings

if TYPE_CHECKING:
    from gridwalker.store.desk.conflicts import ConflictDetail, ConflictField, ConflictRow

MINE = "mine"
THEIRS = "theirs"
YES_WORDS = {"yes", "y", "true", "1", "是", "有"}
NO_WORDS = {"no", "n", "false", "0", "否", "无"}


class ConflictsCounted(DbResult):
    """The records in conflict were counted."""


class ConflictLoaded(DbResult):
    """A conflict was read: both versions, field by field."""


class ConflictResolved(DbResult):
    """A conflict was decided (the new revision)."""


def conflict_titles() -> Text:
    """The titles above the conflict list."""
    text = Text(" ")
    for width, title in ((8, N_("Kind")), (16, N_("Found at")), (40, N_("Record"))):
        text.append_text(cell(_(title), width, "bold"))
    text.append(_("Fields in conflict"), style="bold")
    return text


def render_conflict_row(row: ConflictRow, width: int) -> Text:
    """One record in conflict: kind, when found, title, the fields."""
    text = Text(" ")
    text.append_text(cell(kind_label(row.entity), 8, "bold"))
    text.append_text(cell(local_time(row.created_at), 16, "dim"))
    text.append_text(cell(row.title, 40))
    text.append("、".join(field_label(f) for f in row.fields), style="red")
    return text


def candidate_time(value: Any) -> str:
    """A candidate's ISO time in the local zone, to the minute ("—" when none)."""
    if not value:
        return "—"
    try:
        return local_time(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def typed_value(text: str, like: Any) -> Any:
    """A typed merged value, as the type of the values it replaces (JSON types)."""
    text = text.strip()
    if not text:
        return None
    if isinstance(like, bool):
        if text.casefold() in YES_WORDS:
            return True
        if text.casefold() in NO_WORDS:
            return False
        raise ValueError(_("Write yes or no."))
    if isinstance(like, int):
        try:
            return int(text)
        except ValueError:
            raise ValueError(_("Write a whole number, e.g. 12.")) from None
    if isinstance(like, list | dict):
        try:
            return json.loads(text)
        except ValueError:
            raise ValueError(_("Write the value as JSON, like the values shown.")) from None
    return text


class ConflictListScreen(DbScreen):
    """Records with fields in conflict, oldest first; Enter decides one."""

    CSS_PATH = "conflicts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("f5", "refresh", N_("Refresh"), show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="conflicts-summary")
        yield Static(conflict_titles(), id="conflicts-columns")
        yield PagedList(
            render_conflict_row,
            empty_text=_("No conflict is open."),
            open_label=_("Decide"),
            id="conflicts-list",
        )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Conflicts")
        if self.engine is not None:
            self.database_ready()

    def database_ready(self, cursor: int = 0) -> None:
        from gridwalker.store.desk.conflicts import (
            conflict_count,
            conflict_page,
        )

        if self.engine is None:
            return
        self.db_read(conflict_count, ConflictsCounted)
        self.query_one(PagedList).set_source(
            self.engine,
            conflict_count,
            lambda conn, offset, limit: conflict_page(conn, offset, limit),
            cursor=cursor,
        )
        self.query_one(PagedList).focus()

    @on(ConflictsCounted)
    def _show_count(self, message: ConflictsCounted) -> None:
        n: int = message.result
        self.query_one("#conflicts-summary", Static).update(
            Text.assemble(
                (_("{n} records in conflict").format(n=n), "bold red" if n else "bold"),
                "   ",
                (
                    _("Two laptops changed the same field; the hub kept one value for now.")
                    + "   Enter: "
                    + _("decide"),
                    "dim",
                ),
            )
        )

    @on(PagedList.Selected, "#conflicts-list")
    def _open(self, event: PagedList.Selected) -> None:
        index = event.index
        self.app.push_screen(ConflictScreen(event.row.id), lambda _done: self.database_ready(index))

    def action_refresh(self) -> None:
        self.database_ready(self.query_one(PagedList).cursor)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Back only when there is a screen to go back to."""
        if action == "back":
            return self.gw.can_go_back()
        return True

    def action_back(self) -> None:
        self.gw.go_back()


class ValueModal(ModalScreen[str | None]):
    """Type the merged value of one field; Enter keeps it, Esc leaves the field as it was."""

    CSS_PATH = "conflicts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, name: str, mine: str, theirs: str, start: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.field_name = name
        self.mine = mine
        self.theirs = theirs
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical(id="value-panel"):
            yield Static(
                literal(
                    _("The merged value of {field}").format(field=field_label(self.field_name))
                ),
                id="value-title",
            )
            yield Static(
                Text.assemble(
                    (_("Mine") + ": ", "dim"),
                    self.mine,
                    "   ",
                    (_("Theirs") + ": ", "dim"),
                    self.theirs,
                ),
                id="value-sides",
            )
            yield Input(self.start, placeholder=_("Merged value"), id="value")
            with Horizontal(id="value-buttons"):
                yield Button(_("Keep") + " (Enter)", id="value-ok", variant="primary")
                yield Button(_("Cancel") + " (Esc)", id="value-cancel")

    def on_mount(self) -> None:
        self.query_one("#value", Input).focus()

    @on(Input.Submitted, "#value")
    @on(Button.Pressed, "#value-ok")
    def _ok(self) -> None:
        self.dismiss(self.query_one("#value", Input).value)

    @on(Button.Pressed, "#value-cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        """Close without a typed value."""
        self.dismiss(None)


class ConflictScreen(DbScreen):
    """One record in conflict: both versions field by field; choose, give a reason, save.

    Dismisses with the new revision after saving (None when left without one).
    """

    CSS_PATH = "conflicts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back")),
        Binding("m", "choose('mine')", N_("Keep mine")),
        Binding("t", "choose('theirs')", N_("Take theirs")),
        Binding("e", "type_value", N_("Type the merged value")),
        Binding("ctrl+s", "save", N_("Save the decision")),
    ]

    def __init__(self, conflict_id: int) -> None:
        super().__init__()
        self.conflict_id = conflict_id
        self.detail: ConflictDetail | None = None
        self.choices: dict[str, Any] = {}
        self.rows: list[str] = []
        self.theirs_data: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(_("Loading…"), id="conflict-head")
        yield DataTable(id="conflict-fields", cursor_type="row", zebra_stripes=False)
        yield Static(
            "m: "
            + _("keep mine")
            + "   t: "
            + _("take theirs")
            + "   e: "
            + _("type the merged value")
            + "   Tab: "
            + _("the reason")
            + "   Ctrl+S: "
            + _("save"),
            id="conflict-hint",
        )
        yield Input(placeholder=_("Reason (required): why these values"), id="conflict-reason")
        yield Static("", id="conflict-error")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.sub_title = _("Conflict")
        if self.engine is not None:
            self.database_ready()

    def database_ready(self) -> None:
        from gridwalker.store.desk.conflicts import (
            conflict_detail,
        )

        conflict_id = self.conflict_id
        self.db_read(
            lambda conn: conflict_detail(conn, conflict_id),
            ConflictLoaded,
            failed=self._not_found,
        )

    def _not_found(self, exc: BaseException) -> bool:
        """A conflict the review rules do not know: say so in place of its head."""
        from gridwalker.store.desk.errors import ReviewError

        if isinstance(exc, ReviewError):
            self.query_one("#conflict-head", Static).update(literal(exc.invalid.text(language())))
            return True
        return False

    def _field(self, name: str) -> ConflictField | None:
        d = self.detail
        return next((f for f in d.fields if f.field == name), None) if d else None

    @on(ConflictLoaded)
    def _show_conflict(self, message: ConflictLoaded) -> None:
        from gridwalker.store.desk import lookups

        detail: ConflictDetail = message.result
        self.detail = detail
        mine_cand, theirs_cand = self._sides(detail)
        theirs_rev = theirs_cand.get("rev") if theirs_cand else None
        theirs = next((v for v in detail.versions if v.rev == theirs_rev), None)
        self.theirs_data = dict(theirs.data) if theirs else {}
        self.query_one("#conflict-head", Static).update(self._head(detail, mine_cand, theirs_cand))
        in_conflict = [f.field for f in detail.fields]
        others = [n for n in lookups.record_fields(detail.entity) if n not in in_conflict]
        self.rows = in_conflict + others
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column("", width=2)
        table.add_column(_("Field"), width=16)
        table.add_column(_("Mine (shown now)"), width=30)
        table.add_column(_("Theirs"), width=30)
        table.add_column(_("Decision"), width=22)
        for name in self.rows:
            table.add_row(*self._cells(name), key=name)
        table.focus()

    @staticmethod
    def _sides(detail: ConflictDetail) -> tuple[dict[str, Any], dict[str, Any]]:
        """The candidates of the first field: the value shown now (mine) and the other."""
        if not detail.fields:
            return {}, {}
        first = detail.fields[0]
        mine = next((c for c in first.candidates if c.get("value") == first.mine), {})
        theirs = next((c for c in first.candidates if c is not mine), {})
        return mine, theirs

    def _head(self, d: ConflictDetail, mine: dict[str, Any], theirs: dict[str, Any]) -> Text:
        """The record, and who made each version when."""
        text = Text.assemble((kind_label(d.entity), "bold"), "  ", (d.title, "bold"))
        text.append(f"   #{d.uuid[:8]}", style="dim")
        for words, side in ((_("Mine (shown now)"), mine), (_("Theirs"), theirs)):
            text.append("\n")
            text.append(words + ": ", style="bold")
            text.append(
                _("{who} on {device} at {at}").format(
                    who=side.get("updated_by") or "—",
                    device=side.get("device_id") or _("hub"),
                    at=candidate_time(side.get("updated_at")),
                ),
                style="dim",
            )
        return text

    def _cells(self, name: str) -> tuple[Text, Text, Text, Text, Text]:
        """A field's row: mark, name, mine, theirs, the decision so far."""
        found = self._field(name)
        if found is None:
            mine = self.detail.record.get(name) if self.detail else None
            theirs = self.theirs_data.get(name, mine)
            return (
                Text(""),
                Text(field_label(name), style="dim"),
                Text(show_value(name, mine), style="dim"),
                Text(show_value(name, theirs), style="dim"),
                Text(_("merged"), style="dim"),
            )
        choice = self.choices.get(name, MINE)
        if choice == MINE:
            decision = Text("◀ " + _("mine"), style="bold green")
        elif choice == THEIRS:
            decision = Text(_("theirs") + " ▶", style="bold cyan")
        else:
            decision = Text("✎ " + show_value(name, choice["value"]), style="bold yellow")
        return (
            Text("!", style="bold red"),
            Text(field_label(name), style="bold"),
            Text(show_value(name, found.mine), style="green" if choice == MINE else ""),
            Text(show_value(name, found.theirs), style="cyan" if choice == THEIRS else ""),
            decision,
        )

    def _current(self) -> str | None:
        """The field under the cursor, when it is in conflict."""
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        name = self.rows[table.cursor_row]
        if self._field(name) is None:
            self.notify(_("Only the fields marked ! are in conflict."))
            return None
        return name

    def _show(self, name: str) -> None:
        table = self.query_one(DataTable)
        for column, value in enumerate(self._cells(name)):
            table.update_cell_at((self.rows.index(name), column), value)

    def action_choose(self, side: str) -> None:
        """Keep mine or take theirs for the field under the cursor."""
        name = self._current()
        if name is None:
            return
        self.choices[name] = side
        self._show(name)
        table = self.query_one(DataTable)
        conflicted = len(self.detail.fields) if self.detail else 0
        if table.cursor_row < conflicted - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def action_type_value(self) -> None:
        """Type the merged value of the field under the cursor."""
        name = self._current()
        found = self._field(name) if name else None
        if name is None or found is None:
            return
        choice = self.choices.get(name, MINE)
        start = (
            found.mine if choice == MINE else found.theirs if choice == THEIRS else choice["value"]
        )
        text = (
            ""
            if start is None
            else (
                json.dumps(start, ensure_ascii=False)
                if isinstance(start, list | dict)
                else str(start)
            )
        )
        self.app.push_screen(
            ValueModal(name, show_value(name, found.mine), show_value(name, found.theirs), text),
            lambda typed: self._typed(name, typed),
        )

    def _typed(self, name: str, typed: str | None) -> None:
        found = self._field(name)
        if typed is None or found is None:
            return
        like = found.mine if found.mine is not None else found.theirs
        try:
            value = typed_value(typed, like)
        except ValueError as exc:
            self.query_one("#conflict-error", Static).update(literal(f"{field_label(name)}: {exc}"))
            return
        self.query_one("#conflict-error", Static).update("")
        self.choices[name] = {"value": value}
        self._show(name)

    def action_save(self) -> None:
        """Resolve with the choices and the reason (refused without a reason)."""
        from gridwalker.store.desk.conflicts import (
            resolve_conflict,
        )

        if self.detail is None:
            return
        reason = self.query_one("#conflict-reason", Input).value.strip()
        if not reason:
            self.query_one("#conflict-error", Static).update(
                _("A decision needs a reason: say why these values (e.g. checked by phone).")
            )
            self.query_one("#conflict-reason", Input).focus()
            return
        choices = {
            name: choice if choice in (MINE, THEIRS) else choice["value"]
            for name, choice in self.choices.items()
        }
        conflict_id = self.conflict_id
        actor = decider(self)
        self.db_write(
            lambda conn: resolve_conflict(conn, conflict_id, choices, actor, reason),
            ConflictResolved,
            failed=self._refused,
        )

    @on(Input.Submitted, "#conflict-reason")
    def _reason_done(self) -> None:
        self.action_save()

    @on(ConflictResolved)
    def _resolved(self, message: ConflictResolved) -> None:
        rev: str = message.result
        self.notify(
            _("Decided: a new revision v{n} is recorded.").format(n=rev.split("-", 1)[0]),
            title=_("Done"),
        )
        self.dismiss(rev)

    def _refused(self, exc: BaseException) -> bool:
        """A decision the review rules refused: say why under the reason."""
        from gridwalker.store.desk.errors import ReviewError

        if isinstance(exc, ReviewError):
            self.query_one("#conflict-error", Static).update(literal(exc.invalid.text(language())))
            return True
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Choices only while the fields table has the focus (letters go to the reason)."""
        if action in ("choose", "type_value"):
            return isinstance(self.focused, DataTable)
        return True

    def action_back(self) -> None:
        self.dismiss(None)
