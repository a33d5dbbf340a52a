"""Test fixtures: every test gets a fresh temporary database and data folder; Qt runs offscreen."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

# Without a display Qt aborts the whole process: force the offscreen platform before any Qt import.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("ANQUAN_DB", None)

import pytest
import time_machine

from anquan_desk.core import clock
from anquan_desk.core.checklists import ChecklistLibrary, load_library
from anquan_desk.core.db import Database, open_database
from anquan_desk.services.demo import create_demo


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch the real user data folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated, empty database in its own folder."""
    database = open_database(tmp_path / "data" / "anquan.db")
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def demo_today() -> date:
    """The day the demo of this run is laid out around (the local date when the run started): tests
    that read the demo's hazards "as of today" use it, so a run that goes past midnight still agrees
    with the demo."""
    return clock.today()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory, demo_today: date) -> Path:
    """The small demo built once per run; tests get copies."""
    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    database = open_database(path)
    with database.session("demo") as session:
        create_demo(session, scale="small", today=demo_today)
    database.dispose()
    return path


@pytest.fixture
def demo_db_path(_demo_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo" / "anquan.db"
    target.parent.mkdir(parents=True)
    shutil.copy2(_demo_template, target)
    return target


@pytest.fixture
def demo_db(demo_db_path: Path) -> Iterator[Database]:
    """A private copy of the small demo database."""
    database = open_database(demo_db_path)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def library() -> ChecklistLibrary:
    """The shipped checklist library, loaded once (it is immutable)."""
    return load_library()


#: The week of the document scenario of ``tests/helpers/doc_setup.py`` (a check on 2026-11-20, its
#: 复查 on 2026-11-27): documents issued "now" are dated, and numbered, in 2026 whatever the clock says.
DOCUMENT_WEEK = datetime(2026, 11, 30, 9, 0)


@pytest.fixture
def document_week() -> Iterator[None]:
    """Pin "now" (local time, still ticking) to Monday after the scenario's 复查."""
    with time_machine.travel(DOCUMENT_WEEK.astimezone(), tick=True):
        yield
