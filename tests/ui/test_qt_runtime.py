"""The Qt binding the program runs on keeps Python's reference counts intact.

PySide6 6.12.0 drops a reference to ``True`` on every ``Signal.emit()`` made from Python; a
few hundred emits later the process aborts (``bool_dealloc``). pyproject.toml keeps us off
that release; this test fails if a dependency update brings it (or a similar bug) back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    value = Signal(object)
    bare = Signal()


def test_emitting_signals_does_not_leak_references(qapp: object) -> None:
    emitter = _Emitter()
    seen: list[object] = []
    emitter.value.connect(seen.append)
    emitter.bare.connect(lambda: seen.append(None))
    before = (sys.getrefcount(True), sys.getrefcount(None))
    for i in range(200):
        emitter.value.emit(i)
        emitter.bare.emit()
    assert len(seen) == 400
    seen.clear()
    after = (sys.getrefcount(True), sys.getrefcount(None))
    assert abs(after[0] - before[0]) < 10 and abs(after[1] - before[1]) < 10, (before, after)
