"""The house's rules (docs/architecture.md) that import-linter cannot say.

`make test` runs `lint-imports` for the layer contracts in pyproject.toml; these tests add:
no import cycles (counting imports inside functions, which run too), no SQL in the TUI,
worker results as typed messages, one home for each small formatting helper, and sizes.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import grimp
import pytest

import gridwalker

PACKAGE = Path(gridwalker.__file__).resolve().parent
TUI = PACKAGE / "tui"
MAX_MODULE_LINES = 600
MAX_SCREEN_LINES = 300
LONG_REASON = "longer than 600 lines because"  # written at the top of a module that must be


def _sources(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "migrations" not in p.parts)


def _strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components of more than one module (or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1 or node in edges.get(node, ()):
                        found.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles() -> None:
    """No two modules import each other, directly or around a circle, at any level.

    grimp sees every import statement: at the top of a module, inside functions (they run
    when the function does) and under `if TYPE_CHECKING:` (a circle that only type hints
    close is still a tangle to read). A package and the modules inside it are separate
    nodes, so a package's face naming its modules' functions is no cycle.
    """
    graph = grimp.build_graph("gridwalker", exclude_type_checking_imports=False, cache_dir=None)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    cycles = _strongly_connected(edges)
    assert cycles == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The check above can fail: a circle of three and a self-import are both found."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}, "e": {"a"}}
    assert _strongly_connected(edges) == [["a", "b", "c"], ["d"]]


def _runtime_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, module) of every import that runs: all but those under `if TYPE_CHECKING:`."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("path", _sources(TUI), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_sql_in_the_tui(path: Path) -> None:
    """Screens ask `store` functions and get plain data back: no SQL, no tables in tui/."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [
        f"line {line}: {module}"
        for line, module in _runtime_imports(tree)
        if module.split(".")[0] in ("sqlalchemy", "sqlmodel")
        or module.startswith("gridwalker.store.tables")
    ]
    assert bad == [], f"{path.name} runs SQL of its own: " + "; ".join(bad)


DISPATCH_BY_NAME = re.compile(r"getattr\(\s*self\s*,\s*f[\"']")
OLD_HANDLER = re.compile(r"^\s+def (loaded|saved|failed)_\w+\(", re.M)


@pytest.mark.parametrize("path", _sources(TUI), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_worker_results_are_typed_messages(path: Path) -> None:
    """Worker results arrive as DbResult messages handled with @on, never found by name."""
    text = path.read_text(encoding="utf-8")
    assert not DISPATCH_BY_NAME.search(text), f"{path.name} looks a handler up by name"
    assert not OLD_HANDLER.search(text), f"{path.name} has a loaded_/saved_/failed_ handler"


# The one home of each small helper (tui/format.py; masking in domain/masking.py); a copy
# elsewhere in tui/ is a drift waiting.
FORMAT_HELPERS = {
    "fit",
    "cell",
    "pad",
    "local_time",
    "choice_label",
    "join_words",
    "care_labels",
    "yes_no",
    "percent",
    "mask_id",
    "mask_phone",
}


@pytest.mark.parametrize("path", _sources(TUI), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_small_helpers_have_one_home(path: Path) -> None:
    """fit, pad, local time, choice and care labels, yes/no, masking: never again in tui/."""
    if path == TUI / "format.py":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    copies = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.lstrip("_") in FORMAT_HELPERS
    ]
    assert copies == [], f"{path.name} defines its own {copies}: use gridwalker.tui.format"


@pytest.mark.parametrize("path", _sources(PACKAGE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path: Path) -> None:
    """No module over 600 lines unless it says at its top why it must be."""
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n")
    if lines <= MAX_MODULE_LINES:
        return
    docstring = ast.get_docstring(ast.parse(text)) or ""
    assert LONG_REASON in docstring.lower(), (
        f"{path.relative_to(PACKAGE)} has {lines} lines: split it by what it holds, or say "
        f"at its top why it is {LONG_REASON} …"
    )


SCREEN_BASES = {"Screen", "ModalScreen", "DbScreen", "DbModal"}


@pytest.mark.parametrize("path", _sources(TUI), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_screens_stay_small(path: Path) -> None:
    """No screen class over 300 lines: split it by what the user sees (a table, a pane …)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    big = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_SCREEN_LINES
        and any(
            (b.id if isinstance(b, ast.Name) else ast.unparse(b))
            .split("[")[0]
            .endswith(tuple(SCREEN_BASES))
            or "Screen" in ast.unparse(b)
            for b in node.bases
        )
    ]
    assert big == [], f"{path.name}: screens over {MAX_SCREEN_LINES} lines: {big}"
