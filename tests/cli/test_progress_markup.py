"""The progress bar on a terminal shows its labels (file names, device ids) as written."""

from __future__ import annotations

import io
import sys

import pytest

from gridwalker.cli.common import Progress

HOSTILE = (
    "[/]张三[bold",
    "[link=https://x]点我[/link]",
    "[@click=app.quit]退出[/]",
    "[red]红[/red]",
)


@pytest.mark.parametrize("label", HOSTILE)
def test_a_markup_label_is_shown_as_written(monkeypatch: pytest.MonkeyPatch, label: str) -> None:
    terminal = io.StringIO()
    terminal.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stderr", terminal)
    with Progress("import") as progress:
        assert progress.bar is not None  # the rich bar, as on a terminal
        progress(label, 1, 2)
        shown = progress.bar.get_renderable()
        progress.bar.console.begin_capture()
        progress.bar.console.print(shown)
        text = progress.bar.console.end_capture()
    assert f"import: {label}" in text
