"""The operation runner with its real worker threads: results and failures come back on the UI
thread, writes are announced, reads follow the writes started before them, progress and cancel."""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.changes import Changes
from anquan_desk.core.db import Database
from anquan_desk.core.errors import OperationCancelled, UserInputError
from anquan_desk.core.models import Township, Village
from anquan_desk.core.progress import Progress
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.ui.operations import (
    RESPONSIVE_SWITCH_INTERVAL,
    OperationRunner,
    QueryOp,
    WriteOp,
    change_hub,
    window_stays_responsive,
)

pytestmark = pytest.mark.gui


@pytest.fixture
def threaded() -> Iterator[None]:
    OperationRunner.synchronous = False
    yield
    assert OperationRunner.instance().drain(10)
    OperationRunner.synchronous = True


@pytest.fixture
def desk(db: Database) -> Desk:
    return Desk(db, Actor.system("tester"))


def add_village(desk: Desk, name: str) -> str:
    with desk.unit() as s:
        township = s.scalar(select(Township))
        if township is None:
            township = Township(name="白沙镇", issuer="青溪县白沙镇人民政府", region_short="青")
            s.add(township)
            s.flush()
        village = Village(name=name, township_id=township.id)
        s.add(village)
        s.flush()
        return village.id


def village_names(desk: Desk) -> list[str]:
    with desk.query() as s:
        return sorted(s.scalars(select(Village.name)))


def test_write_then_read_on_the_workers(qtbot: QtBot, desk: Desk, threaded: None) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    seen: list[tuple[Changes, object]] = []
    change_hub.subscribe(widget, lambda changes, initiator: seen.append((changes, initiator)))
    threads: list[str] = []
    results: list[object] = []

    def slow_add(_p: Progress) -> str:
        threads.append(threading.current_thread().name)
        time.sleep(0.2)  # the read below is started meanwhile and must wait for this write
        return add_village(desk, "东湖社区")

    WriteOp(widget, slow_add, success=results.append).run()
    QueryOp(widget, lambda _p: (threads.append(threading.current_thread().name), village_names(desk))[1],
            success=results.append).run()
    qtbot.waitUntil(lambda: len(results) == 2, timeout=5000)
    village_id, names = results
    assert names == ["东湖社区"]
    assert threads[0].startswith("anquan-writer") and threads[1].startswith("anquan-reader")
    assert len(seen) == 1
    changes, initiator = seen[0]
    assert initiator is widget and changes.ids("villages") == {village_id} and changes.touches("townships")


def test_failures_come_back_to_the_ui_thread(qtbot: QtBot, desk: Desk, threaded: None,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, title, text, *a, **k: shown.append((title, text))))
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda _p, title, text, *a, **k: shown.append((title, text))))

    def refuse(_p: Progress) -> None:
        add_village(desk, "不应保存")
        raise UserInputError("名称不合适")

    WriteOp(widget, refuse, title="新建村").run()
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=5000)
    assert shown == [("新建村", "名称不合适")]
    # the unit of work committed before the error stays: operations do not undo what a service saved
    assert village_names(desk) == ["不应保存"]

    handled: list[BaseException] = []
    QueryOp(widget, lambda _p: 1 / 0, failure=handled.append).run()
    qtbot.waitUntil(lambda: bool(handled), timeout=5000)
    assert isinstance(handled[0], ZeroDivisionError) and len(shown) == 1
    QueryOp(widget, lambda _p: [][1]).run()
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=5000)
    assert "程序内部错误" in shown[1][1] and "IndexError" in shown[1][1]


def test_a_closed_screen_gets_no_result(qtbot: QtBot, desk: Desk, threaded: None) -> None:
    widget = QWidget()
    results: list[object] = []
    release = threading.Event()
    WriteOp(widget, lambda _p: (release.wait(5), add_village(desk, "西岭村"))[1], success=results.append).run()
    widget.deleteLater()
    qtbot.wait(50)
    release.set()
    assert OperationRunner.instance().drain(5)
    qtbot.wait(100)
    assert results == [] and village_names(desk) == ["西岭村"]


def test_progress_and_cancel(qtbot: QtBot, threaded: None) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    states: list[int | None] = []
    outcome: list[BaseException] = []
    started = threading.Event()

    def long_work(progress: Progress) -> int:
        for i in range(1000):
            progress.update(i, 1000, f"第 {i} 项")
            started.set()
            progress.check()
            time.sleep(0.005)
        return 1000

    op = WriteOp(widget, long_work, failure=outcome.append).with_progress(
        "正在处理…", cancellable=True, on_progress=lambda s: states.append(s.percent)
    )
    op.run()
    dialog = op.progress_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: len(states) >= 2, timeout=5000)
    button = dialog.findChild(QPushButton)
    assert button is not None and button.text() == "取消"
    button.click()
    qtbot.waitUntil(lambda: bool(outcome), timeout=5000)
    assert isinstance(outcome[0], OperationCancelled)
    assert states == sorted(states) and states[-1] is not None and states[-1] < 100
    assert op.progress_dialog is None  # closed


def test_many_operations_do_not_upset_qt(qtbot: QtBot, threaded: None) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    done: list[int] = []
    for i in range(2000):
        QueryOp(widget, lambda _p, i=i: i, success=done.append).run()
    qtbot.waitUntil(lambda: len(done) == 2000, timeout=20000)
    assert done == list(range(2000))


def test_synchronous_mode_runs_inline_and_raises_bugs(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    seen: list[Changes] = []
    change_hub.subscribe(widget, lambda changes, _initiator: seen.append(changes))
    results: list[str] = []
    WriteOp(widget, lambda _p: add_village(desk, "南湖村"), success=results.append).run()
    assert len(results) == 1 and seen[0].ids("villages") == {results[0]}
    with pytest.raises(ZeroDivisionError):
        QueryOp(widget, lambda _p: 1 / 0).run()


def test_a_subscription_does_not_keep_its_screen_alive(qtbot: QtBot) -> None:
    import gc
    import weakref

    from PySide6.QtCore import QObject

    class Screen(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[Changes] = []
            change_hub.subscribe(self, self.changed)

        def changed(self, changes: Changes, _initiator: object) -> None:
            self.seen.append(changes)

    screen = Screen()
    change_hub.announce(Changes.of({"places": {"p1"}}))
    assert [c.ids("places") for c in screen.seen] == [{"p1"}]
    gone = weakref.ref(screen)
    del screen
    gc.collect()
    assert gone() is None
    change_hub.announce(Changes.of({"places": {"p2"}}))  # nobody left to tell: no error


def test_workers_keep_the_window_responsive(qtbot: QtBot, threaded: None) -> None:
    """While work runs on a worker, old objects are frozen and the switch interval is short; after, not."""
    interval = sys.getswitchinterval()
    widget = QWidget()
    qtbot.addWidget(widget)
    seen: list[tuple[float, int]] = []
    QueryOp(widget, lambda _p: seen.append((sys.getswitchinterval(), gc.get_freeze_count()))).run()
    qtbot.waitUntil(lambda: bool(seen) and not OperationRunner.instance().busy, timeout=5000)
    assert seen[0][0] == RESPONSIVE_SWITCH_INTERVAL and seen[0][1] > 0
    assert sys.getswitchinterval() == interval and gc.get_freeze_count() == 0


def test_window_stays_responsive_nests_and_leaves_an_earlier_freeze_alone() -> None:
    interval = sys.getswitchinterval()
    with window_stays_responsive():
        frozen = gc.get_freeze_count()
        assert frozen > 0 and sys.getswitchinterval() == RESPONSIVE_SWITCH_INTERVAL
        with window_stays_responsive():
            assert sys.getswitchinterval() == RESPONSIVE_SWITCH_INTERVAL
        assert gc.get_freeze_count() >= frozen and sys.getswitchinterval() == RESPONSIVE_SWITCH_INTERVAL
    assert sys.getswitchinterval() == interval and gc.get_freeze_count() == 0
    gc.freeze()  # someone froze the start-up objects for good: that stays
    try:
        before = gc.get_freeze_count()
        with window_stays_responsive():
            pass
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()
