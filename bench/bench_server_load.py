"""Benchmark: several laptops on one township server (PostgreSQL 15), against one laptop on SQLite.

A throwaway cluster is started from Debian's binaries (``tests/helpers/pg_server.py``, durable as a
real server: fsync and synchronous commit on). The small demo and one user per laptop are put on it;
then N processes (``tests/helpers/laptop_worker.py``), each a laptop with its own identity, do C
checks each at the same time: start, answer every item (one failed: a hazard), a photo, finish with
a signature, issue the notice. Afterwards: every id a laptop was told was saved is there, no
document or hazard number repeats, ``audit verify`` (the chain) passes.

The same work by one process on a SQLite file (the laptop's usual database) is the baseline.

Prints, for each: checks per minute, p50/p95 of saving one answer and of issuing one notice, the
peak memory of a laptop process.

Usage: .venv/bin/python bench/bench_server_load.py [--laptops 8] [--checks 200] [--sqlite-checks 50]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from anquan_desk.core.audit import verify_chain  # noqa: E402
from anquan_desk.core.db import open_database  # noqa: E402
from tests.helpers.laptop_worker import PASSWORD, check_nothing_lost, prepare_server  # noqa: E402
from tests.helpers.pg_server import PgCluster, find_bindir  # noqa: E402


def run_laptops(url: str, laptops: int, checks: int, work: Path) -> tuple[list[dict[str, object]], float]:
    processes = []
    started = time.perf_counter()
    for n in range(1, laptops + 1):
        home = work / f"laptop{n}"
        home.mkdir(parents=True)
        env = dict(os.environ, HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
                   ANQUAN_DEVICE_FILE=str(home / "device.json"), PYTHONPATH=str(ROOT))
        out = home / "result.json"
        processes.append((subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.laptop_worker", "--db", url, "--user", f"laptop{n}",
             "--password", PASSWORD, "--checks", str(checks), "--out", str(out)], cwd=ROOT, env=env
        ), out))
    results = []
    for process, out in processes:
        if process.wait() != 0:
            raise SystemExit(f"a laptop failed (exit {process.returncode})")
        results.append(json.loads(out.read_text(encoding="utf-8")))
    return results, time.perf_counter() - started


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def report(label: str, results: list[dict[str, object]], seconds: float) -> None:
    answers = [t for r in results for t in r["timings"]["answer"]]  # type: ignore[index]
    notices = [t for r in results for t in r["timings"]["notice"]]  # type: ignore[index]
    checks = sum(len(r["saved"]) for r in results)  # type: ignore[arg-type]
    peak = max(float(r["peak_mib"]) for r in results)  # type: ignore[arg-type]
    print(f"{label:<34} {checks:>6} checks in {seconds:7.1f} s = {checks / seconds * 60:7.1f}/min | "
          f"answer p50 {_pct(answers, 0.5):6.1f} ms p95 {_pct(answers, 0.95):6.1f} ms | "
          f"notice p50 {_pct(notices, 0.5):6.0f} ms p95 {_pct(notices, 0.95):6.0f} ms | "
          f"peak {peak:5.0f} MiB/laptop | median of answers {statistics.median(answers) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laptops", type=int, default=8)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--sqlite-checks", type=int, default=50)
    args = parser.parse_args()
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin): apt-get install postgresql-15")
    with tempfile.TemporaryDirectory(prefix="anquan-bench-load-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)
        cluster = PgCluster(bindir, durable=True).start()
        try:
            db = open_database(cluster.create_database("township"))
            prepare_server(db, args.laptops)
            results, seconds = run_laptops(db.url, args.laptops, args.checks, work / "server")
            saved = check_nothing_lost(db, results)
            with db.engine.connect() as conn:
                chain = verify_chain(conn)
            report(f"PostgreSQL, {args.laptops} laptops at once", results, seconds)
            print(f"  {saved} checks confirmed and found; no number repeats; audit chain: {chain.message}")
            db.dispose()
        finally:
            cluster.stop()
        sqlite = open_database(work / "laptop.db")
        prepare_server(sqlite, 1)
        results, seconds = run_laptops(sqlite.url, 1, args.sqlite_checks, work / "sqlite")
        check_nothing_lost(sqlite, results)
        report("SQLite, one laptop", results, seconds)
        sqlite.dispose()


if __name__ == "__main__":
    main()
