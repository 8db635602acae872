"""Layers (DESIGN.md): nothing below tui/ imports textual or rich; domain imports nothing of ours."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gridwalker"


@pytest.mark.parametrize(
    "module",
    [
        "gridwalker.domain.choices",
        "gridwalker.domain.validators",
        "gridwalker.domain.workflow",
        "gridwalker.domain.census",
        "gridwalker.store.writes",
        "gridwalker.store.search",
        "gridwalker.demo.street",
        "gridwalker.store.migrate",
        "gridwalker.store.roster",
        "gridwalker.store.queries",
        "gridwalker.store.rounds",
        "gridwalker.store.issues",
        "gridwalker.store.census",
        "gridwalker.store.reports",
        "gridwalker.sync.laptop.export",
        "gridwalker.sync.hub.intake",
        "gridwalker.sync.inspect",
        "gridwalker.sync.keys",
        "gridwalker.config",
    ],
)
def test_no_ui_imports_below_tui(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} pulls in {out.stdout.strip()}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        (
            "domain",
            (
                "gridwalker.store",
                "gridwalker.sync",
                "gridwalker.tui",
                "gridwalker.cli",
                "sqlalchemy",
                "sqlmodel",
            ),
        ),
        ("store", ("gridwalker.sync", "gridwalker.tui", "gridwalker.cli", "textual", "rich")),
        ("sync", ("gridwalker.tui", "gridwalker.cli", "textual", "rich")),
    ],
)
def test_imports_only_point_down(layer: str, forbidden: tuple[str, ...]) -> None:
    for path in (PACKAGE / layer).rglob("*.py"):
        for name in _imports(path):
            assert not name.startswith(forbidden), f"{path.relative_to(PACKAGE)} imports {name}"
