"""Export from the app: the next sync bundle, with a progress bar, then the file and counts.

The same `sync.laptop.export.export_bundle` the nightly `gridwalker export` runs; a refusal (no
device key, no trusted hub) says what to run instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import ProgressBar, Static

from gridwalker.domain.i18n import _
from gridwalker.tui.common.record_kinds import kind_label
from gridwalker.tui.common.workers import DbModal
from gridwalker.tui.format import error_reason, literal
from gridwalker.tui.keys import N_

if TYPE_CHECKING:
    from gridwalker.sync.laptop.export import ExportResult


class ExportScreen(DbModal):
    """Writes the next bundle into the outbox and shows what it wrote."""

    CSS_PATH = "export.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", N_("Close"))]

    class Step(Message):
        """The export worker finished a step (an entity's records)."""

        def __init__(self, label: str, done: int, total: int) -> None:
            super().__init__()
            self.label = label
            self.done = done
            self.total = total

    class Finished(Message):
        """The export worker wrote a bundle, found nothing new, or was refused."""

        def __init__(self, result: ExportResult | None, refusal: str | None) -> None:
            super().__init__()
            self.result = result
            self.refusal = refusal

    def compose(self) -> ComposeResult:
        with Vertical(id="export-panel"):
            yield Static(_("Export the changes (sync bundle)"), id="export-title")
            yield Static(_("Writing…"), id="export-step")
            yield ProgressBar(total=None, show_eta=False, id="export-bar")
            yield Static("", id="export-result")
            yield Static(_("Esc closes."), id="export-hint")

    def database_ready(self) -> None:
        engine, home, member = self.engine, self.gw.home, self.gw.member

        def work() -> None:
            from gridwalker.sync.keys import KeyProblem
            from gridwalker.sync.laptop.export import ExportRefused, export_bundle

            try:
                result = export_bundle(
                    engine,
                    home,
                    member=member.name if member else "",
                    progress=lambda label, done, total: self.post_message(
                        self.Step(label, done, total)
                    ),
                )
            except (ExportRefused, KeyProblem) as exc:
                self.post_message(self.Finished(None, str(exc)))
            except Exception as exc:  # shown in the dialog, never a traceback
                self.post_message(self.Finished(None, error_reason(exc)))
            else:
                self.post_message(self.Finished(result, None))

        self.run_worker(work, thread=True, group="export", exclusive=True, exit_on_error=False)

    def on_export_screen_step(self, message: Step) -> None:
        self.query_one("#export-step", Static).update(
            literal(_("Writing {entity}…").format(entity=kind_label(message.label)))
        )
        self.query_one("#export-bar", ProgressBar).update(
            total=message.total, progress=message.done
        )

    def on_export_screen_finished(self, message: Finished) -> None:
        bar = self.query_one("#export-bar", ProgressBar)
        step = self.query_one("#export-step", Static)
        shown = self.query_one("#export-result", Static)
        if message.refusal is not None:
            bar.display = False
            step.update(Text(_("Not exported."), style="bold red"))
            shown.update(Text(message.refusal))
            return
        result = message.result
        assert result is not None
        bar.update(total=1, progress=1)
        if result.path is None:
            step.update(Text(_("Nothing new to export."), style="bold"))
            shown.update(_("No file was written; the next export carries every new change."))
        else:
            step.update(Text("✓ " + _("Exported."), style="bold green"))
            counts = "  ".join(
                f"{kind_label(entity)} {n:,}" for entity, n in result.counts.items() if n
            )
            lines: list[Any] = [
                (_("File") + ": ", "bold"),
                str(result.path),
                "\n",
                (_("Records") + ": ", "bold"),
                f"{result.records:,}  ({counts})",
                "\n",
                (_("Bundle number") + ": ", "bold"),
                str(result.seq),
                "  ",
                _("encrypted to the hub") if result.encrypted else _("NOT encrypted"),
            ]
            shown.update(Text.assemble(*lines))
        self.gw.refresh_home()

    def action_close(self) -> None:
        self.dismiss(None)
