"""Crash bench: SIGKILL ``anquan-desk`` imports, exports, document issues, backups and restores at
random moments, hundreds of times, and count what the next start finds.

Each trial is the harness of ``tests/crash/crash_harness.py``: a child process runs the real command
on its own copy of a prepared small demo database (with photos) and is killed at a moment drawn from
a seeded RNG between "imports done" and 1.15 × the time the command takes uninterrupted; then the
database integrity, the before/after state, the output's completeness, ``audit verify`` and — after
the next start's housekeeping — any partial or scratch file left anywhere (data folder, beside the
target, TMPDIR) are checked.

Usage: .venv/bin/python bench/bench_crash.py [--trials 200] [--seed 15] [--actions import export …]
Prints, per action: trials, killed (the rest finished before the kill), database found as before /
as after, output file present (complete) after the kill, and trials with a problem (their folders
are kept under --work and listed).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "crash"))

from crash_harness import ACTIONS, Outcome, build_template, calibrate, run_trials  # noqa: E402

from anquan_desk.core.db import open_database  # noqa: E402
from anquan_desk.services.demo import create_demo  # noqa: E402


def _demo(folder: Path) -> Path:
    path = folder / "demo" / "demo.db"
    path.parent.mkdir(parents=True)
    database = open_database(path)
    with database.session("demo") as session:
        create_demo(session, scale="small")
    database.dispose()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=200, help="killed trials per action")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--actions", nargs="*", choices=ACTIONS, default=list(ACTIONS))
    parser.add_argument("--demo", type=Path, help="a small demo database to start from (else one is built)")
    parser.add_argument("--work", type=Path, help="work folder (default: a new temp folder)")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="anquan-crash-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    demo = args.demo or _demo(work)
    template = build_template(work / "template", demo)
    calibration = calibrate(template, work / "calibration", tuple(args.actions))
    print(f"prepared in {time.perf_counter() - started:.1f} s; work folder {work}")
    for action in args.actions:
        print(f"  {action}: {calibration.seconds[action]:.2f} s uninterrupted")

    header = (f"{'action':<8} {'trials':>6} {'killed':>6} {'before':>6} {'after':>6} {'output':>6} "
              f"{'problems':>8}  seconds")
    print(header)
    failed: list[tuple[str, Outcome]] = []
    for action in args.actions:
        rng = random.Random(f"{args.seed}-{action}")
        t0 = time.perf_counter()
        outcomes = run_trials(template, work / "trials", calibration, action, args.trials, rng)
        states = Counter(o.state for o in outcomes)
        killed = sum(o.killed for o in outcomes)
        bad = [o for o in outcomes if not o.ok]
        failed.extend((action, o) for o in bad)
        output = sum(o.output for o in outcomes)
        print(
            f"{action:<8} {len(outcomes):>6} {killed:>6} {states['before']:>6} {states['after']:>6} {output:>6} "
            f"{len(bad):>8}  {time.perf_counter() - t0:.0f}"
        )
        variants = Counter(o.variant for o in outcomes if o.variant)
        if variants:
            print(f"{'':<8} variants: {dict(variants)}")
    for action, outcome in failed:
        print(f"PROBLEM {action} {outcome.variant} killed after {outcome.delay:.3f} s: {outcome.problems}")
    print(f"total {time.perf_counter() - started:.0f} s; {len(failed)} trial(s) with a problem")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
