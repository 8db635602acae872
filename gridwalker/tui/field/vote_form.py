"""Recording an owner's opinion at the door: the choice (同意/不同意/弃权, or a survey's
option), how it was given (在场签字 with the paper form's number, 委托 with the proxy's name,
书面送达) and the day. Saved as a new vote: an earlier vote of the room stays in the history
and this one replaces it in the count. The store checks everything again (`record_vote`);
its refusal is shown in the dialog and nothing is written."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from gridwalker.domain import clock
from gridwalker.domain.consultation import ConsultKind, VoteChoice, VoteWay, area_text
from gridwalker.domain.i18n import _, language
from gridwalker.domain.masking import mask_name
from gridwalker.tui.common.workers import DbModal, DbResult
from gridwalker.tui.field.actor import actor_of
from gridwalker.tui.format import literal
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from gridwalker.store.consult.consultations import ConsultationInfo
    from gridwalker.store.consult.register import RegisterRoom


class VoteSaved(DbResult):
    """The owner's vote was recorded (its uuid)."""


class VoteForm(DbModal):
    """The owner's opinion for one room; dismisses with True once recorded, else None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", N_("Record")),
        Binding("escape", "cancel", N_("Cancel")),
    ]
    DEFAULT_CSS = """
    VoteForm { align: center middle; }
    VoteForm > Vertical {
        width: 76; max-width: 100%; height: auto; border: round $warning; padding: 1 2;
        background: $surface;
    }
    VoteForm #vote-title { text-style: bold; margin-bottom: 1; }
    VoteForm OptionList { height: auto; max-height: 6; margin-bottom: 1; }
    VoteForm Horizontal { height: 3; }
    VoteForm Label { width: 14; color: $text-muted; padding-top: 1; }
    VoteForm Input { width: 1fr; }
    VoteForm #vote-error { height: auto; color: $text-error; margin-top: 1; }
    VoteForm #vote-hint { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, consultation: ConsultationInfo, room: RegisterRoom) -> None:
        super().__init__()
        self.consultation = consultation
        self.room = room

    def compose(self) -> ComposeResult:
        lang = language()
        c, r = self.consultation, self.room
        with Vertical():
            place = (f"{r.unit}单元 " if r.unit else "") + r.room
            title = Text.assemble(
                (c.title, "bold"),
                "\n",
                (f"{c.building} {place} · {mask_name(r.owner)} · {area_text_of(r.area)} m²", ""),
            )
            yield Static(title, id="vote-title")
            if c.kind is ConsultKind.DECISION:
                choices = [Option(v.label(lang), id=v.value) for v in VoteChoice]
            else:
                choices = [Option(literal(o), id=f"option-{i}") for i, o in enumerate(c.options)]
            yield OptionList(*choices, id="vote-choice")
            yield OptionList(*(Option(w.label(lang), id=w.value) for w in VoteWay), id="vote-way")
            with Horizontal():
                yield Label(_("Form no."))
                yield Input(placeholder=_("the paper form's number (signed)"), id="vote-form-no")
            with Horizontal():
                yield Label(_("Proxy"))
                yield Input(placeholder=_("who signed for the owner (by proxy)"), id="vote-proxy")
            with Horizontal():
                yield Label(_("Day"))
                yield Input(clock.today().isoformat(), placeholder="YYYY-MM-DD", id="vote-day")
            yield Static("", id="vote-error")
            yield Static(_("Ctrl+S record · Esc cancel"), id="vote-hint")

    def on_mount(self) -> None:
        super().on_mount()
        for box in ("#vote-choice", "#vote-way"):
            self.query_one(box, OptionList).highlighted = 0
        self.query_one("#vote-error", Static).display = False
        self.query_one("#vote-choice", OptionList).focus()

    def _choice(self) -> str:
        picked = self.query_one("#vote-choice", OptionList).highlighted or 0
        if self.consultation.kind is ConsultKind.DECISION:
            return list(VoteChoice)[picked].value
        return self.consultation.options[picked]

    def _way(self) -> str:
        return list(VoteWay)[self.query_one("#vote-way", OptionList).highlighted or 0].value

    def _refuse(self, reason: str) -> None:
        box = self.query_one("#vote-error", Static)
        box.update(Text(reason))
        box.display = True

    def action_save(self) -> None:
        """Record the vote (the store says why not, in the dialog)."""
        from gridwalker.store.consult.votes import record_vote

        try:
            day = date.fromisoformat(self.query_one("#vote-day", Input).value.strip())
        except ValueError:
            self._refuse(_("Write the day as YYYY-MM-DD."))
            return
        actor = actor_of(self.gw)
        consultation, room = self.consultation, self.room
        choice, way = self._choice(), self._way()
        form_no = self.query_one("#vote-form-no", Input).value
        proxy = self.query_one("#vote-proxy", Input).value
        self.db_write(
            lambda conn: record_vote(
                conn,
                actor,
                consultation,
                room,
                choice=choice,
                way=way,
                voted_on=day,
                form_no=form_no,
                proxy_name=proxy,
            ),
            VoteSaved,
            failed=self._refused,
        )

    def _refused(self, exc: BaseException) -> bool:
        from gridwalker.store.consult import ConsultProblem

        if not isinstance(exc, ConsultProblem):
            return False
        self._refuse(exc.in_language(language()))
        return True

    @on(VoteSaved)
    def _saved(self, _message: VoteSaved) -> None:
        self.dismiss(True)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)


def area_text_of(area: str) -> str:
    """A register area (decimal text) as shown: to the hundredth."""
    from decimal import Decimal

    return area_text(Decimal(area))
