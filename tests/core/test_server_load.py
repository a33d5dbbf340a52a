"""Several laptops on one server at once, as separate processes (``tests/helpers/laptop_worker.py``):
nothing any of them was told was saved is lost, no document or hazard number repeats, the audit log
stays one verifiable chain — also when the server is killed in the middle and started again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from anquan_desk.core.db import Database, open_database
from anquan_desk.core.models import Document
from tests.helpers.laptop_worker import PASSWORD, check_nothing_lost, prepare_server
from tests.helpers.pg_server import PgCluster, find_bindir

pytestmark = [pytest.mark.server_only, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def start_laptops(url: str, count: int, checks: int, tmp_path: Path, stop_file: Path | None = None) -> list[
    tuple[subprocess.Popen[bytes], Path]
]:
    laptops = []
    for n in range(1, count + 1):
        home = tmp_path / f"laptop{n}"
        home.mkdir()
        env = dict(os.environ, HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
                   ANQUAN_DEVICE_FILE=str(home / "device.json"), PYTHONPATH=str(ROOT))
        out = home / "result.json"
        args = [sys.executable, "-m", "tests.helpers.laptop_worker", "--db", url, "--user", f"laptop{n}",
                "--password", PASSWORD, "--checks", str(checks), "--out", str(out)]
        if stop_file is not None:
            args += ["--stop-file", str(stop_file)]
        laptops.append((subprocess.Popen(args, cwd=ROOT, env=env, stderr=subprocess.PIPE), out))
    return laptops


def results_of(laptops: list[tuple[subprocess.Popen[bytes], Path]]) -> list[dict[str, object]]:
    results = []
    for process, out in laptops:
        _out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err.decode(errors="replace")[-3000:]
        results.append(json.loads(out.read_text(encoding="utf-8")))
    return results


def test_four_laptops_at_once(db: Database, tmp_path: Path) -> None:
    prepare_server(db, 4)
    results = results_of(start_laptops(db.url, 4, 3, tmp_path))
    assert check_nothing_lost(db, results) == 12
    assert all(not r["errors"] for r in results)


@pytest.fixture
def durable_cluster() -> Iterator[PgCluster]:
    bindir = find_bindir()
    assert bindir is not None
    cluster = PgCluster(bindir, durable=True).start()
    yield cluster
    cluster.stop()


def test_the_server_killed_in_the_middle(backend: str, durable_cluster: PgCluster, tmp_path: Path) -> None:
    db = open_database(durable_cluster.create_database("township"))
    try:
        prepare_server(db, 3)
        laptops = start_laptops(db.url, 3, 6, tmp_path)
        deadline = time.monotonic() + 120
        with db.reader() as s:  # wait until the laptops are at work: a few notices issued
            def issued() -> int:
                return int(s.scalar(select(func.count()).select_from(Document).where(Document.doc_type == "安全隐患整改通知书")) or 0)
            while issued() < 3 and time.monotonic() < deadline:
                s.rollback()
                time.sleep(0.2)
        durable_cluster.pg_ctl_stop("immediate")  # the power goes, mid-save
        time.sleep(1.5)
        durable_cluster.pg_ctl_start()
        results = results_of(laptops)
        assert check_nothing_lost(db, results) == 18
        assert any(r["errors"] for r in results)  # they did meet the dead server, and carried on
    finally:
        db.dispose()
