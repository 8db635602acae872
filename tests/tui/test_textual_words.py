"""Textual's own words in the UI language: the key descriptions F1 help lists, the command
palette's placeholder, "no matches" and system commands, and how keys are spelled."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import widgets
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette
from textual.containers import ScrollableContainer
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets._select import SelectOverlay

from gridwalker.domain.i18n import _, set_language
from gridwalker.tui.keys import key_label
from tests.support.apps import make_app, press, screen_text, settle, sign_in

# The Textual widgets our screens use (and what they stand on): their keys show in F1 help.
USED = [
    *(
        getattr(widgets, name)
        for name in (
            "Button",
            "Checkbox",
            "DataTable",
            "Input",
            "OptionList",
            "RadioSet",
            "RadioButton",
            "Select",
            "SelectionList",
            "TextArea",
            "Tree",
        )
    ),
    SelectOverlay,
    ScrollableContainer,
    Screen,
    CommandPalette,
]
# A household of the demo round with people in it (1栋 1-302).
ROUND_ROW = 5


async def shows(pilot: Pilot[None], *words: str) -> str:
    """The screen once it shows all `words` (the palette gathers and answers in its own
    time); it is returned as it is after a bounded wait either way, for the asserts."""
    for _round in range(100):
        shown = screen_text(pilot.app)
        if all(word in shown for word in words):
            break
        await pilot.pause(0.05)
    return shown


def descriptions() -> set[str]:
    """Every key description of the widgets we use, as Textual writes it."""
    found: set[str] = set()
    for cls in USED:
        for klass in cls.__mro__:
            for binding in klass.__dict__.get("BINDINGS", []):
                text = binding.description if isinstance(binding, Binding) else binding[2:3]
                if text and isinstance(text, str):
                    found.add(text)
    return found


def test_every_key_description_of_the_widgets_we_use_has_chinese() -> None:
    set_language("zh")
    missing = sorted(d for d in descriptions() if _(d) == d)
    assert not missing, f"no Chinese for Textual's {missing} (add them to tui/keys.py)"


@pytest.mark.parametrize(
    ("key", "zh", "en"),
    [
        ("ctrl+q", "Ctrl+Q", "Ctrl+Q"),
        ("slash", "/", "/"),
        ("up", "↑", "↑"),
        ("pagedown", "PgDn", "PgDn"),
        ("space", "空格", "Space"),
        ("shift+tab", "Shift+Tab", "Shift+Tab"),
    ],
)
def test_keys_are_spelled_for_people(key: str, zh: str, en: str) -> None:
    set_language("zh")
    assert key_label(key) == zh
    set_language("en")
    assert key_label(key) == en


async def test_f1_help_on_the_visit_form_is_all_chinese(demo_db: Path) -> None:
    sign_in(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "r", *["down"] * ROUND_ROW, "enter", "v")
        assert type(app.screen).__name__ == "VisitScreen"
        await press(pilot, "f1")
        shown = screen_text(app)
        # The focused radio set's keys, in Chinese; none of Textual's English words.
        assert "上一个选项" in shown and "下一个选项" in shown
        for english in ("Previous option", "Next option", "Toggle", "Scroll", "Slash", "Page"):
            assert english not in shown


async def test_the_palette_speaks_chinese_and_offers_the_system_commands(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved: list[Path] = []

    def save_screenshot(self: App[None], *_args: object, **_kwargs: object) -> str:
        path = tmp_path / "screen.svg"
        path.write_text(self.export_screenshot())
        saved.append(path)
        return str(path)

    monkeypatch.setattr(App, "save_screenshot", save_screenshot)
    sign_in(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        shown = await shows(pilot, "搜索命令…")
        assert "搜索命令…" in shown and "Search for commands" not in shown
        await press(pilot, *"主题")
        assert "更换界面配色" in await shows(pilot, "更换界面配色")
        await press(pilot, "backspace", "backspace", *"qqqqzzzz")
        shown = await shows(pilot, "没有匹配的命令")  # after the palette's own countdown
        assert "没有匹配的命令" in shown and "No matches" not in shown
        await press(pilot, *["backspace"] * 8, *"截图")
        shown = await shows(pilot, "把当前屏幕保存为图片")
        assert "把当前屏幕保存为图片" in shown and "Screenshot" not in shown
        await press(pilot, "enter")
        await settle(pilot)
        assert saved and saved[0].read_text().startswith("<svg")
        notes = [n.message for n in app._notifications]  # noqa: SLF001 - what was said
        assert any(note.startswith("截图已保存：") for note in notes), notes


async def test_the_palette_in_english_keeps_english(demo_db: Path) -> None:
    sign_in(demo_db)
    app = make_app(demo_db, "en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        assert "Search for commands…" in await shows(pilot, "Search for commands…")
        await press(pilot, *"screens")
        shown = await shows(pilot, "Screenshot")
        assert "Screenshot" in shown and "截图" not in shown
