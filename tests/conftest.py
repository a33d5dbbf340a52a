"""Test fixtures: every test gets a fresh temporary database and data folder; Qt runs offscreen.

Database tests run on both backends: the ``db`` and ``demo_db`` fixtures are parametrised over
SQLite (a file in the test's folder) and PostgreSQL (a database of its own, copied from a migrated
template, on a throwaway cluster started once per run: ``tests/helpers/pg_server.py``). A test about
something only SQLite has (the file, its backup API, its journal) is marked ``sqlite_only`` with the
reason. ``ANQUAN_TEST_BACKENDS=sqlite`` runs the SQLite half alone (while working on a laptop).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

# Without a display Qt aborts the whole process: force the offscreen platform before any Qt import.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("ANQUAN_DB", None)

import pytest
import time_machine

from anquan_desk.core import clock, security
from anquan_desk.core.checklists import ChecklistLibrary, load_library
from anquan_desk.core.db import Database, open_database
from anquan_desk.services.demo import create_demo
from tests.helpers.pg_roles import start_clerk_cluster
from tests.helpers.pg_server import PgCluster, find_bindir

BACKENDS = tuple(b for b in os.environ.get("ANQUAN_TEST_BACKENDS", "sqlite,postgresql").split(",") if b)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): about something only a SQLite file has")
    config.addinivalue_line("markers", "server_only: about the township's server (PostgreSQL) only")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``backend`` (behind ``db``/``demo_db``): every backend of the run; SQLite or the server alone
    where marked."""
    if "backend" in metafunc.fixturenames:
        backends = list(BACKENDS)
        if metafunc.definition.get_closest_marker("sqlite_only") is not None:
            backends = ["sqlite"]
        elif metafunc.definition.get_closest_marker("server_only") is not None:
            backends = [b for b in BACKENDS if b == "postgresql"]
        metafunc.parametrize("backend", backends, scope="function")


@pytest.fixture(autouse=True)
def _quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at libsodium's minimum limits inside a test: the program's strength (64 MiB, 3 passes,
    ~0.15 s a hash, again for each key) would add minutes to a suite that creates hundreds of users.
    The session's templates (the demo's users) keep the real strength, as the programs the tests start
    as separate processes do: a login there finds nothing to re-hash. ``test_user_keys`` checks the
    program's own default."""
    monkeypatch.setattr(security, "STRENGTH", security.FAST_FOR_TESTS)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch the real user data folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """The run's PostgreSQL cluster (started when the first PostgreSQL test needs it)."""
    bindir = find_bindir()
    if bindir is None:
        pytest.fail("找不到 PostgreSQL 的 initdb/pg_ctl（/usr/lib/postgresql/*/bin）：请用 sh scripts/test.sh 运行测试，"
                    "它会安装 postgresql-15；或设 ANQUAN_TEST_BACKENDS=sqlite 只测 SQLite。")
    cluster = PgCluster(bindir).start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def clerk_cluster() -> Iterator[PgCluster]:
    """A cluster of its own whose pg_hba.conf asks ``clerk`` for a password (tests/helpers/pg_roles.py)."""
    cluster = start_clerk_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def passfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """libpq's password file, in the test's folder."""
    path = tmp_path / "pgpass.conf"
    monkeypatch.setenv("PGPASSFILE", str(path))
    return path


@pytest.fixture(scope="session")
def _pg_empty_template(pg_cluster: PgCluster) -> str:
    """A migrated, empty database on the cluster; tests get copies (CREATE DATABASE … TEMPLATE)."""
    name = pg_cluster.new_name("template_empty")
    database = open_database(pg_cluster.create_database(name))
    database.dispose()
    return name


@pytest.fixture(scope="session")
def _pg_demo_template(pg_cluster: PgCluster, _pg_empty_template: str, demo_today: date) -> str:
    name = pg_cluster.new_name("template_demo")
    database = open_database(pg_cluster.create_database(name, _pg_empty_template))
    with database.session("demo") as session:
        create_demo(session, scale="small", today=demo_today)
    database.dispose()
    return name


@contextmanager
def _pg_copy(request: pytest.FixtureRequest, template_fixture: str) -> Iterator[Database]:
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    template: str = request.getfixturevalue(template_fixture)
    name = cluster.new_name()
    database = open_database(cluster.create_database(name, template))
    try:
        yield database
    finally:
        database.dispose()
        cluster.drop_database(name)


@pytest.fixture
def db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A fresh, migrated, empty database in its own folder (SQLite) or of its own (PostgreSQL)."""
    if backend == "postgresql":
        with _pg_copy(request, "_pg_empty_template") as database:
            yield database
        return
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
def demo_db(backend: str, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A private copy of the small demo database."""
    if backend == "postgresql":
        with _pg_copy(request, "_pg_demo_template") as database:
            yield database
        return
    database = open_database(request.getfixturevalue("demo_db_path"))
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
