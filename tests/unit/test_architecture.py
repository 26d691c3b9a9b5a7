"""The arrows point one way: apps → ui → db, never db → UI, never ui → app, never app → app."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("kiosk", "counter", "display", "leader")
CORE_MODULES = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts)
    for p in (ROOT / "db").rglob("*.py")
    if p.stem != "__init__" and "migrations" not in p.parts
)


def test_core_loads_no_ui() -> None:
    # One fresh interpreter importing the whole core: nothing of the UI may come along.
    code = (
        f"import sys, {', '.join(CORE_MODULES)}; "
        "bad = [m for m in ('textual', 'rich', 'escpos', 'ui', 'kiosk', 'counter', 'display', "
        "'leader', 'hall', 'server')"
        " if m in sys.modules]; print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == ""


def imported_packages(folder: Path) -> set[str]:
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_core_names_no_app_or_cli() -> None:
    assert imported_packages(ROOT / "db") & {*APPS, "ui", "hall", "server", "textual",
                                             "rich"} == set()


def test_shared_ui_imports_only_the_core() -> None:
    # ui/ is what the apps share: of this project it may use only db (and itself), never
    # an app or the CLI.
    first_party = {*APPS, "hall", "ui", "db", "tests", "benchmarks"}
    assert imported_packages(ROOT / "ui") & first_party <= {"db", "ui"}


@pytest.mark.parametrize("app", APPS)
def test_apps_do_not_import_each_other(app: str) -> None:
    folder = ROOT / app
    if not folder.exists():
        pytest.skip(f"{app}/ is not built yet")
    others = {a for a in APPS if a != app} | {"hall", "server"}
    assert imported_packages(folder) & others == set()


def test_the_server_imports_only_the_core() -> None:
    # server/ starts each terminal's app as a process of its own (`python -m hall KIND …`),
    # by name: it imports no app and not the CLI, only db (and ui, were it to need it).
    first_party = {*APPS, "hall", "ui", "db", "server", "tests", "benchmarks"}
    assert imported_packages(ROOT / "server") & first_party <= {"db", "ui", "server"}


PACKAGES = ("db", "hall", "ui", "server", *APPS)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that runs: at the top, in functions, in methods (those under
    `if TYPE_CHECKING:` never run, so they are left out)."""
    found: list[ast.Import | ast.ImportFrom] = []
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(inner) for inner in ast.walk(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skipped:
            found.append(node)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module → the project's modules it imports (a `from package import name` points at the
    submodule when `name` is one)."""
    paths = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")
             if "migrations" not in p.parts]
    modules = {module_name(p): p for p in paths}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for node in runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name in modules}
            elif node.module and node.level == 0:
                for alias in node.names:
                    child = f"{node.module}.{alias.name}"
                    edges.add(child if child in modules else node.module)
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_anywhere() -> None:
    graph = import_graph()
    assert len(graph) > 100  # the whole project was read
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    # The check itself: two modules importing each other, even lazily, are one cycle.
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
