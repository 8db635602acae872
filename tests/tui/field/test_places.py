"""Pilot tests of the places screen: loading, the lazy tree, details, help, palette, errors."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

import gridwalker.store.migrate
from gridwalker.demo.street import build_demo
from gridwalker.store.migrate import open_database
from gridwalker.store.writes import Writer
from gridwalker.tui.common.help import HelpScreen
from gridwalker.tui.common.palette import ActionCommands
from gridwalker.tui.field.app import GridwalkerApp
from gridwalker.tui.field.places import PlacesScreen
from tests.support.apps import SIZE, footer_text, make_app, settle, text_of


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 400-household demo database, built once for this module (the app only reads it)."""
    path = tmp_path_factory.mktemp("tui") / "demo.db"
    engine = open_database(path)
    build_demo(engine, households=400, today=date(2026, 11, 20))
    with engine.connect() as conn:  # fold the WAL into the file so that a copy is complete
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def tree_of(app: GridwalkerApp) -> Tree:
    """The places tree."""
    return app.screen.query_one("#places", Tree)


def child(node: TreeNode, prefix: str) -> TreeNode:
    """The child of `node` whose label starts with `prefix`."""
    found = [c for c in node.children if str(c.label).startswith(prefix)]
    assert found, f"no child {prefix!r} under {node.label}: {[str(c.label) for c in node.children]}"
    return found[0]


async def walk_to_first_building(pilot: Pilot[None]) -> None:
    """From the street, open 邮三社区 and its first grid by keyboard and stop on 1栋."""
    await pilot.press("down", "space")  # 邮三社区
    await settle(pilot)
    await pilot.press("down", "space")  # XH-01-01
    await settle(pilot)
    await pilot.press("down")  # 1栋
    await pilot.pause()


async def test_tree_shows_street_and_communities(demo_file: Path) -> None:
    app = make_app(demo_file, start="places")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = tree_of(app)
        assert str(tree.root.label).startswith("新华街")
        assert tree.root.is_expanded
        community = child(tree.root, "邮三社区")
        assert "1 个网格 · 400 户" in str(community.label)
        assert "新华街" in text_of(tree)
        assert "邮三社区" in text_of(tree)
        assert app.focused is tree


async def test_opening_a_grid_lists_its_buildings(demo_file: Path) -> None:
    app = make_app(demo_file, start="places")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await walk_to_first_building(pilot)
        tree = tree_of(app)
        grid = child(child(tree.root, "邮三社区"), "XH-01-01")
        assert grid.is_expanded
        names = [str(node.label).split()[0] for node in grid.children]
        assert names[0] == "1栋"
        assert "良友大厦" in names
        assert "1栋" in text_of(tree)


async def test_highlighted_building_shows_its_details(demo_file: Path) -> None:
    app = make_app(demo_file, start="places")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await walk_to_first_building(pilot)
        assert str(tree_of(app).cursor_node.label).startswith("1栋")
        details = text_of(app.screen.query_one("#details"))
        assert "楼栋 · 1栋" in details
        for word in ("居民楼", "层数", "单元数", "有无电梯", "户数", "企业数"):
            assert word in details


async def test_details_follow_the_cursor(demo_file: Path) -> None:
    app = make_app(demo_file, start="places")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        details = app.screen.query_one("#details")
        assert "街道 · 新华街" in text_of(details)
        assert "420103" in text_of(details)
        await pilot.press("down")
        assert "社区 · 邮三社区" in text_of(details)


async def test_counts_line_up_in_cells(demo_file: Path) -> None:
    app = make_app(demo_file, start="places")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await walk_to_first_building(pilot)
        lines = [line.rstrip(" │") for line in text_of(tree_of(app)).splitlines()]
        pattern = re.compile(r"\d[\d,]* (户|家企业)$")
        counts = [m for m in map(pattern.search, lines) if m and "·" not in m.string]
        assert any("良友大厦" in m.string for m in counts) and len(counts) > 2
        # Chinese names are two cells wide: the counts still start in one column on screen.
        assert len({cell_len(m.string[: m.start()]) for m in counts}) == 1


async def test_f1_opens_help_listing_the_keys(demo_file: Path) -> None:
    app = make_app(demo_file, start="places")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        shown = text_of(app.screen.query_one("#help-keys"))
        assert "Ctrl+Q" in shown and "退出" in shown
        assert "F1" in shown and "帮助" in shown
        assert "Enter / 空格" in shown and "展开或收起" in shown
        await pilot.press("escape")
        assert isinstance(app.screen, PlacesScreen)


async def test_ctrl_q_quits(demo_file: Path) -> None:
    app = make_app(demo_file, start="places")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_command_palette_offers_every_action(demo_file: Path) -> None:
    app = make_app(demo_file, start="places")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        provider = ActionCommands(app.screen)
        found = {hit.text: hit async for hit in provider.discover()}
        assert {"退出", "帮助"} <= set(found)
        assert "命令" not in found  # the palette does not offer itself
        hits = [hit async for hit in provider.search("帮助")]
        assert [hit.text for hit in hits] == ["帮助"]
        assert hits[0].help == "F1"
        await hits[0].command()
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_english_labels(demo_file: Path) -> None:
    app = make_app(demo_file, lang="en", start="places")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        label = str(child(tree_of(app).root, "邮三社区").label)
        assert "1 grid · 400 households" in label
        assert "9 communities" in str(tree_of(app).root.label)
        await walk_to_first_building(pilot)
        details = text_of(app.screen.query_one("#details"))
        assert "Building · 1栋" in details and "Residential" in details
        footer = footer_text(app)
        assert "Quit" in footer and "Help" in footer
        assert "0 grids · 0 households" in text_of(tree_of(app))


async def test_unopenable_database_shows_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    app = make_app(blocker / "gridwalker.db", start="places")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = app.screen.query_one("#status")
        shown = text_of(status)
        assert "无法打开数据库" in shown
        assert "请检查该文件夹" in shown
        assert "Traceback" not in shown
        assert status.has_class("-error")
        assert not app.screen.query_one("#body").display
        assert app.is_running


async def test_first_frame_comes_before_the_database(
    demo_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real_open: Callable[..., Engine] = gridwalker.store.migrate.open_database

    def slow_open(path: Path, *args: Any, **kwargs: Any) -> Engine:
        """Hold the opening worker until the test has looked at the first frame."""
        assert release.wait(10), "the test never released the database"
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(gridwalker.store.migrate, "open_database", slow_open)
    app = make_app(demo_file, start="places")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        status = app.screen.query_one("#status")
        assert "正在打开数据库…" in text_of(status)
        assert app.engine is None
        assert "退出" in footer_text(app)
        release.set()
        await settle(pilot)
        assert not status.display
        assert str(tree_of(app).root.label).startswith("新华街")


def test_tui_start_does_not_import_the_database_layer() -> None:
    code = (
        "import sys, gridwalker.tui.field.app; "
        "print(','.join(m for m in ('sqlalchemy', 'sqlmodel', 'alembic', "
        "'gridwalker.store.tables') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == ""


async def test_several_streets_load_lazily(demo_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "two-streets.db"
    shutil.copy(demo_file, path)
    engine = open_database(path)
    with engine.begin() as conn:
        Writer(conn, "t").insert("street", {"name": "民权街", "area_code": "420104"})
    engine.dispose()
    app = make_app(path, start="places")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        root = tree_of(app).root
        assert str(root.label) == "全部街道"
        streets = [str(node.label).split()[0] for node in root.children]
        assert streets == ["新华街", "民权街"]
        empty = child(root, "民权街")
        assert "0 个社区" in str(empty.label)
        street = child(root, "新华街")
        street.expand()
        await settle(pilot)
        assert "1 个网格 · 400 户" in str(child(street, "邮三社区").label)
        empty.expand()
        await settle(pilot)
        assert [str(node.label) for node in empty.children] == ["暂无内容"]
