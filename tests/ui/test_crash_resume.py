"""Killing the program mid-check loses no answer; the draft resumes exactly (SIGKILL test)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import desk_for
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.checklists.store import templates_for_place
from anquan_desk.core.db import open_database
from anquan_desk.core.models import Inspection, ItemResult, Place, PlaceSector, Township
from anquan_desk.services import inspections as svc
from anquan_desk.services.checklists import ensure_builtin_library
from anquan_desk.services.users import create_user
from anquan_desk.ui.inspection.screen import InspectionWidget

# The child drives the real inspection screen offscreen, with the real operation workers (not
# inline): it answers item after item with the keyboard (2 for every third item, else 1), letting
# the event loop run between key presses, and reports an answer only when the screen has heard
# from the writer that it is saved (``answer_saved``, the write operation's success). The parent
# kills it mid-check.
CHILD = textwrap.dedent(
    """
    import os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from anquan_desk.services.desk import Actor, open_desk
    from anquan_desk.ui.inspection.screen import ID_ROLE, KIND_ROLE, InspectionWidget
    from anquan_desk.ui.operations import OperationRunner
    assert not OperationRunner.synchronous
    app = QApplication([])

    def pump(seconds):
        # Run the event loop (results of the workers arrive as posted events); sleeping between
        # rounds leaves the workers the interpreter.
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.005)

    desk = open_desk(sys.argv[1], Actor("wang", "王芳"))
    screen = InspectionWidget(desk, sys.argv[2])
    screen.show()
    while screen.view is None:  # the screen reads the inspection on the reader thread
        pump(0.01)
    items = [n for n in screen._items() if n.data(0, KIND_ROLE) == "item"]
    index = {n.data(0, ID_ROLE): i for i, n in enumerate(items)}
    screen.answer_saved.connect(lambda item_id, outcome: print("ANSWERED", index[item_id], outcome, flush=True))
    for i, node in enumerate(items):
        screen.tree.setCurrentItem(node)
        QTest.keyClick(screen.tree, Qt.Key.Key_2 if i % 3 == 2 else Qt.Key.Key_1)
        pump(0.05)
    print("DONE", flush=True)
    pump(60)
    """
)


@pytest.fixture
def draft(tmp_path: Path) -> tuple[Path, str, int]:
    path = tmp_path / "crash.db"
    db = open_database(path)
    with db.session("setup") as s:
        s.add(Township(name="红光镇"))
        wang = create_user(s, username="wang", name="王芳", password="12345678", cert_no="A1")
        li = create_user(s, username="li", name="李华", password="12345678", cert_no="A2")
        place = Place(name="好运来小吃店", address="东湖路5号", responsible_person="刘珺", nine_small_kind="小餐饮场所",
                      gas_supply="瓶装", sector_rows=[PlaceSector(sector="九小场所"), PlaceSector(sector="燃气")])
        s.add(place)
        ensure_builtin_library(s)
        s.flush()
        inspection = svc.start_inspection(
            s, place_id=place.id, inspector_ids=[wang.id, li.id],
            template_ids=[t.id for t in templates_for_place(s, place)],
        )
        inspection_id = inspection.id
        total = len(svc.checklist_entries(s, inspection_id))
    db.dispose()
    return path, inspection_id, total


def test_sigkill_mid_check_loses_no_answer(qtbot: QtBot, draft: tuple[Path, str, int]) -> None:
    path, inspection_id, total = draft
    kill_after = 11
    answered: list[tuple[int, str]] = []
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), inspection_id],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("ANSWERED"):
                _, index, outcome = line.split()
                answered.append((int(index), outcome))
                if len(answered) == kill_after:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert [o for _, o in answered] == ["合格", "合格", "不合格"] * 3 + ["合格", "合格"]

    # The file is sound, and every answer given before the kill is there.
    conn = sqlite3.connect(str(path))
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    db = open_database(path)
    with db.reader() as s:
        inspection = s.get(Inspection, inspection_id)
        assert inspection is not None and inspection.status == "草稿"
        saved = s.scalars(select(ItemResult).where(ItemResult.inspection_id == inspection_id)).all()
        assert len(saved) >= kill_after  # the answer in flight at the kill may also have landed
        entries = svc.checklist_entries(s, inspection_id)
        for index, outcome in answered:
            assert entries[index].outcome == outcome
        # Each 不合格 answer brought its hazard with it, atomically.
        assert len(inspection.hazards) == sum(1 for r in saved if r.outcome == "不合格") >= 3

    # Reopening resumes the draft: progress as saved, cursor on the first unanswered item.
    screen = InspectionWidget(desk_for(db, "wang"), inspection_id)
    qtbot.addWidget(screen)
    assert screen.progress_bar.value() == len(saved)
    assert screen.progress_bar.maximum() == total
    current = screen.tree.currentItem()
    assert current is not None and current.text(1) == "—"
    db.dispose()
