"""Small dialogs both apps share: leave a form, a question with one key per answer, a pick
from a short list."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from gridwalker.domain.i18n import _
from gridwalker.tui.format import literal
from gridwalker.tui.keys import N_, translate_bindings


class LeaveDialog(ModalScreen[str | None]):
    """Leaving a form with unsaved changes: keep the draft, discard it, or stay."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("k", "choose('keep')", N_("Keep the draft")),
        Binding("d", "choose('discard')", N_("Discard")),
        Binding("escape", "choose('')", N_("Stay")),
    ]
    DEFAULT_CSS = """
    LeaveDialog { align: center middle; }
    LeaveDialog > Vertical {
        width: 64; height: auto; border: round $warning; padding: 1 2; background: $surface;
    }
    LeaveDialog Horizontal { height: auto; margin-top: 1; }
    LeaveDialog Button { margin-right: 2; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self.title_text), classes="title")
            yield Static(_("Keep it as a draft to finish later, or discard it?"))
            with Horizontal():
                yield Button(_("Keep the draft") + " (k)", id="keep", variant="primary")
                yield Button(_("Discard") + " (d)", id="discard", variant="error")
                yield Button(_("Stay") + " (Esc)", id="stay")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose("" if event.button.id == "stay" else str(event.button.id))

    def action_choose(self, choice: str) -> None:
        """Close the dialog with the choice ("" stays on the form)."""
        self.dismiss(choice or None)


class Ask(ModalScreen[Any]):
    """A small question with one key per answer (buttons for the mouse); Escape is the last."""

    DEFAULT_CSS = """
    Ask {
        align: center middle;
    }
    Ask #ask-panel {
        width: auto;
        max-width: 90%;
        height: auto;
        padding: 1 2;
        border: round $warning;
        background: $surface;
    }
    Ask #ask-question {
        width: auto;
        max-width: 100%;
        text-style: bold;
        margin-bottom: 1;
    }
    Ask #ask-detail {
        width: auto;
        max-width: 100%;
        color: $text-muted;
        margin-bottom: 1;
    }
    Ask #ask-buttons {
        width: auto;
        height: auto;
    }
    Ask Button {
        margin-right: 2;
    }
    """

    def __init__(
        self, question: str, answers: list[tuple[str, str, Any]], detail: str = ""
    ) -> None:
        """Ask `question`; each answer is (key, words, value); Escape gives the last value."""
        super().__init__()
        translate_bindings(self)
        self.question = question
        self.detail = detail
        self.answers = answers
        for index, (key, words, _value) in enumerate(answers):
            self._bindings.bind(key, f"answer({index})", words)
        self._bindings.bind("escape", f"answer({len(answers) - 1})", _("Cancel"), show=False)

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-panel"):
            yield Static(literal(self.question), id="ask-question")
            if self.detail:
                yield Static(literal(self.detail), id="ask-detail")
            with Horizontal(id="ask-buttons"):
                for index, (key, words, _value) in enumerate(self.answers):
                    variant = "primary" if index == 0 else "default"
                    yield Button(
                        literal(f"{key.upper()}  {words}"), id=f"answer-{index}", variant=variant
                    )

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_answer(int((event.button.id or "answer-0").rsplit("-", 1)[1]))

    def action_answer(self, index: int) -> None:
        """Close with the value of answer `index`."""
        self.dismiss(self.answers[index][2])


def ask_yes_no(question: str, yes: str, no: str, detail: str = "") -> Ask:
    """A yes/no question whose answers say what they do: y gives True, n or Escape False."""
    return Ask(question, [("y", yes, True), ("n", no, False)], detail)


class PickerModal(ModalScreen[str | None]):
    """Choose one entry of a short list (Enter), or leave it as it is (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]
    DEFAULT_CSS = """
    PickerModal { align: center middle; }
    PickerModal > Vertical {
        width: 50; height: auto; max-height: 30; border: round $primary; padding: 1 2;
        background: $surface;
    }
    PickerModal .title { text-style: bold; margin-bottom: 1; }
    PickerModal OptionList { height: auto; max-height: 22; }
    """

    def __init__(self, title: str, options: list[tuple[Text | str, str]], current: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title
        self.options = options
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self.title_text), classes="title")
            yield OptionList(*(Option(literal(text), id=key) for text, key in self.options))

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        keys = [key for _text, key in self.options]
        listing.highlighted = keys.index(self.current) if self.current in keys else 0
        listing.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
