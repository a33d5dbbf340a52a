"""The layers and the arrows between them (README, "how the code is organised"):

* ``core`` (domain, data model, rules) imports neither Qt, ``io`` nor ``services``;
* ``io`` (file formats) imports neither Qt nor ``services``;
* ``services`` are the only code that opens database sessions and commits;
* ``ui`` and ``cli`` call services: they import neither ``core.db``, ``core.models`` nor SQLAlchemy,
  and open no session.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

import anquan_desk

PACKAGE = Path(anquan_desk.__file__).parent
QT = ("PySide6", "shiboken6", "anquan_desk.ui")
#: Calls that open a database session or end a transaction.
SESSION_CALLS = frozenset({"session", "reader", "unit", "query", "commit", "sessionmaker"})


def _modules(*layers: str) -> list[Path]:
    files = [f for layer in layers for f in (PACKAGE / layer).rglob("*.py") if "forms" not in f.parts]
    assert files, layers
    return files


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


#: Modules whose same-named functions are not database calls (``csv.reader()``).
NOT_A_DATABASE = frozenset({"csv"})


def _session_calls(path: Path) -> list[str]:
    """``x.session()``, ``x.reader()``, ``x.unit()``, ``x.query()``, ``x.commit()`` … calls."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"line {node.lineno}: .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SESSION_CALLS
        and not (isinstance(node.func.value, ast.Name) and node.func.value.id in NOT_A_DATABASE)
    ]


def _shown(file: Path) -> str:
    return str(file.relative_to(PACKAGE)) if file.is_relative_to(PACKAGE) else file.name


def import_offenders(files: Iterable[Path], forbidden: Iterable[str]) -> list[str]:
    bad = tuple(forbidden)
    offenders: list[str] = []
    for file in files:
        names = _imports(file)
        offenders.extend(
            f"{_shown(file)} imports {f}" for f in bad if any(n == f or n.startswith(f + ".") for n in names)
        )
    return offenders


def session_offenders(files: Iterable[Path]) -> list[str]:
    return [f"{_shown(file)} {call}" for file in files for call in _session_calls(file)]


def test_core_imports_neither_qt_io_nor_services() -> None:
    assert import_offenders(_modules("core"), (*QT, "anquan_desk.io", "anquan_desk.services")) == []


def test_io_imports_neither_qt_nor_services() -> None:
    assert import_offenders(_modules("io"), (*QT, "anquan_desk.services")) == []


def test_services_import_no_qt() -> None:
    assert import_offenders(_modules("services"), QT) == []


@pytest.mark.parametrize("layer", ["ui", "cli"])
def test_screens_and_commands_reach_data_only_through_services(layer: str) -> None:
    forbidden = ("anquan_desk.core.db", "anquan_desk.core.models", "sqlalchemy")
    assert import_offenders(_modules(layer), forbidden) == []
    assert session_offenders(_modules(layer)) == []


def test_only_services_open_sessions_and_commit() -> None:
    """core.db defines the sessions; core, io and the migrations never open one themselves."""
    files = [f for f in _modules("core", "io") if f != PACKAGE / "core" / "db.py"]
    assert session_offenders(files) == []


def test_the_checks_catch_a_violation(tmp_path: Path) -> None:
    """The rules above fail on code that breaks them (guards the checks themselves)."""
    bad = tmp_path / "probe_screen.py"
    bad.write_text(
        "from anquan_desk.core.db import Database\n"
        "def f(db: Database) -> None:\n"
        "    with db.session() as s:\n"
        "        s.commit()\n",
        encoding="utf-8",
    )
    assert import_offenders([bad], ("anquan_desk.core.db",)) == ["probe_screen.py imports anquan_desk.core.db"]
    assert session_offenders([bad]) == ["probe_screen.py line 3: .session()", "probe_screen.py line 4: .commit()"]


def test_core_runs_without_qt_loaded() -> None:
    """Importing every core/io/services module leaves PySide6 unloaded (no indirect import either)."""
    modules = sorted(
        ".".join(("anquan_desk", *f.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        for f in _modules("core", "io", "services")
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
