"""The core and the file layer never import Qt (they must run in a plain Python process)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import anquan_desk

PACKAGE = Path(anquan_desk.__file__).parent
QT_FREE = ("core", "io")
FORBIDDEN = ("PySide6", "shiboken6", "anquan_desk.ui")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_core_and_io_do_not_import_qt() -> None:
    offenders = []
    files = [f for layer in QT_FREE for f in (PACKAGE / layer).rglob("*.py")]
    assert len(files) > 5
    for file in files:
        for name in _imports(file):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                offenders.append(f"{file.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_core_runs_without_qt_loaded() -> None:
    """Importing every core/io module leaves PySide6 unloaded (no indirect import either)."""
    modules = sorted(
        ".".join(("anquan_desk", *f.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        for layer in QT_FREE
        for f in (PACKAGE / layer).rglob("*.py")
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
