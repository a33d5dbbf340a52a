"""Kill -9 at a random moment of an import, an export, a document issue, a backup and a restore.

Each action runs for real in a child process (``anquan-desk import places`` / ``export ledger`` /
``doc render`` / ``backup`` / ``restore``), which is SIGKILLed at a moment drawn from a seeded RNG;
then the database is checked (integrity, wholly before or wholly after, audit chain), the output (if
any) must be complete, and after the next start's housekeeping nothing partial may be left in the
data folder, beside the target or in ``TMPDIR`` (see ``crash_harness.py``).

The normal run makes ``ANQUAN_CRASH_TRIALS`` (default 2) killed trials per action; for hundreds run
``ANQUAN_CRASH_TRIALS=200 pytest tests/crash`` or ``bench/bench_crash.py --trials 200``.
``ANQUAN_CRASH_SEED`` changes the random moments (default 15).
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from crash_harness import (
    ACTIONS,
    Calibration,
    Template,
    build_template,
    calibrate,
    check_trial,
    make_trial,
    run_trials,
)

from anquan_desk.core.db import host_tag

TRIALS = int(os.environ.get("ANQUAN_CRASH_TRIALS", "2"))
SEED = int(os.environ.get("ANQUAN_CRASH_SEED", "15"))


@pytest.fixture(scope="module")
def template(_demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Template:
    return build_template(tmp_path_factory.mktemp("crash-template"), _demo_template)


@pytest.fixture(scope="module")
def calibrations() -> dict[str, Calibration]:
    return {}


def _calibrated(action: str, template: Template, calibrations: dict[str, Calibration], work: Path) -> Calibration:
    """One uninterrupted run of the action (how long it works, the state after it), once per module."""
    if action not in calibrations:
        calibrations[action] = calibrate(template, work, (action,))
    return calibrations[action]


@pytest.mark.parametrize("action", ACTIONS)
def test_killed_action_leaves_a_whole_database_and_nothing_behind(
    action: str, template: Template, calibrations: dict[str, Calibration], tmp_path: Path
) -> None:
    calibration = _calibrated(action, template, calibrations, tmp_path / "calibration")
    rng = random.Random(f"{SEED}-{action}")
    outcomes = run_trials(template, tmp_path, calibration, action, TRIALS, rng)
    assert len(outcomes) == TRIALS
    bad = [(o.delay, o.problems) for o in outcomes if not o.ok]
    assert bad == []
    assert all(o.state in ("before", "after") for o in outcomes)


def test_the_harness_sees_a_half_restore_and_a_left_over(
    template: Template, calibrations: dict[str, Calibration], tmp_path: Path
) -> None:
    """The checks are not blind: a database changed half-way and a partial file are both reported."""
    calibration = _calibrated("restore", template, calibrations, tmp_path / "calibration")
    trial = make_trial(template, "restore", tmp_path / "probe", random.Random(1))
    conn = sqlite3.connect(str(trial.db))
    conn.execute("UPDATE places SET name = name || '（半截）' WHERE rowid = (SELECT min(rowid) FROM places)")
    conn.commit()
    conn.close()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    ours = trial.db.parent / f".~anquan.db~{gone}-{host_tag()}-123456.part"
    ours.write_bytes(b"half")
    foreign = trial.db.parent / ".~anquan.db~999999-abcdef-123456.part"
    foreign.write_bytes(b"half")
    (trial.folder / "tmp" / "tmpabc123").write_bytes(b"row data")
    outcome = check_trial(trial, template, calibration.expect["restore"], True, 0.0)
    assert outcome.state == "corrupt"
    text = " ".join(outcome.problems)
    assert "neither as before nor as after" in text and "TMPDIR: tmpabc123" in text
    # The next start removed the partial file of a process that is gone; a fresh one written on
    # another computer stays (its process may still be writing) and is reported.
    assert not ours.exists()
    assert foreign.exists() and "anquan.db~999999" in text
