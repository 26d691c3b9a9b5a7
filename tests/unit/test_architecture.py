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
        "'leader', 'hall')"
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
    assert imported_packages(ROOT / "db") & {*APPS, "ui", "hall", "textual", "rich"} == set()


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
    others = {a for a in APPS if a != app} | {"hall"}
    assert imported_packages(folder) & others == set()
