"""Every file of the bad-input corpus gets its expected outcome, within seconds and in bounded memory,
with a Chinese message naming the file (and sheet/row/column where they apply), and a refused file
leaves the database exactly as it was (see ``tests/helpers/corpus``).

``ANQUAN_CORPUS_LOG=file`` appends one line per case (name, kind, expected, exit code, peak MiB, seconds)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import doc_setup
from helpers.corpus import Case, all_cases, measured

from anquan_desk.core.db import open_database

#: Limits from issue 15: an answer within seconds, memory under 300 MB for any input.
TIME_LIMIT_S = 30.0
MEMORY_LIMIT_KIB = 300 * 1024
CASES = all_cases()


@pytest.fixture(scope="module")
def _prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A township with a finished check and its issued notice (for templates and 核验)."""
    folder = tmp_path_factory.mktemp("corpus-db")
    db = open_database(folder / "anquan.db")
    ids = doc_setup.finished_check(db, folder)
    from anquan_desk.services import documents
    from anquan_desk.services.desk import Actor, Desk

    documents.obtain_document(Desk(db, Actor.system("zhang")), "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY)
    db.dispose()
    return folder / "anquan.db"


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(str(path))
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in names}
    finally:
        conn.close()


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 60
    kinds = {c.kind for c in CASES}
    assert kinds == {"places", "checklist", "template", "plan", "photo", "verify"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, _prepared: Path, tmp_path: Path) -> None:
    db = tmp_path / "db" / "anquan.db"
    db.parent.mkdir()
    shutil.copy2(_prepared, db)
    attachments = _prepared.parent / "anquan-attachments"
    if attachments.is_dir():
        shutil.copytree(attachments, db.parent / "anquan-attachments")
    files = tmp_path / "files"
    files.mkdir()
    path = case.build(files)
    before = _dump(db)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, measured.__file__, case.kind, str(db), str(path), str(tmp_path)],
        capture_output=True, text=True, timeout=TIME_LIMIT_S * 3,
        # Commands that change data log in (as the township's inspector of doc_setup).
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), ANQUAN_USER="zhang", ANQUAN_PASSWORD="12345678"),
    )
    took = time.perf_counter() - started
    last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    assert last.startswith("MEASURED"), proc.stderr[-2000:]
    _tag, code, peak = last.split()
    output = proc.stdout + proc.stderr
    if log := os.environ.get("ANQUAN_CORPUS_LOG"):  # for the numbers in a note: one line per case
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{case.name}\t{case.kind}\t{case.expect}\t{code}\t{int(peak) // 1024}\t{took:.2f}\n")
    assert took < TIME_LIMIT_S, f"{case.name}: {took:.1f} s"
    assert int(peak) < MEMORY_LIMIT_KIB, f"{case.name}: peak {int(peak) // 1024} MiB"
    assert "Traceback" not in output, output[-3000:]
    if case.expect == "refused":
        assert int(code) != 0, output
        for text in (path.name, *case.message):
            assert text in output, f"{case.name}: {text!r} not in {output[-1500:]!r}"
        assert _dump(db) == before, f"{case.name}: the database changed"
    else:
        assert int(code) == 0, output[-3000:]
        for text in case.message:
            assert text in output, f"{case.name}: {text!r} not in {output[-1500:]!r}"
