"""Progress and cancellation of long work, without Qt.

A long service call (an import, an export, a batch of documents) takes a :class:`Progress` and
calls :meth:`Progress.update` now and then; it calls :meth:`Progress.check` at points where
stopping is safe, which raises :class:`~anquan_desk.core.errors.OperationCancelled` once the user
has asked to cancel. The UI's operation runner reads the state from its own thread; the command
line and the tests pass :data:`NO_PROGRESS` or a :class:`Progress` of their own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from anquan_desk.core.errors import OperationCancelled


@dataclass(frozen=True)
class ProgressState:
    done: int = 0
    total: int = 0  # 0: not known
    text: str = ""

    @property
    def percent(self) -> int | None:
        if self.total <= 0:
            return None
        return max(0, min(100, self.done * 100 // self.total))


class Progress:
    """How far a long operation is, and whether it should stop (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = ProgressState()
        self._cancel = threading.Event()
        self._serial = 0

    def update(self, done: int, total: int | None = None, text: str | None = None) -> None:
        """Report ``done`` of ``total`` units (``total``/``text`` unchanged when left out)."""
        with self._lock:
            old = self._state
            self._state = ProgressState(
                done, old.total if total is None else total, old.text if text is None else text
            )
            self._serial += 1

    def state(self) -> tuple[int, ProgressState]:
        """(number of updates so far, the latest state): a reader sees whether anything moved."""
        with self._lock:
            return self._serial, self._state

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise :class:`OperationCancelled` when the user has asked to stop."""
        if self._cancel.is_set():
            raise OperationCancelled()


class _NoProgress(Progress):
    """For callers that neither show progress nor cancel (the command line, tests)."""

    def update(self, done: int, total: int | None = None, text: str | None = None) -> None:
        pass

    def cancel(self) -> None:
        pass  # shared by every caller: it can never be cancelled


NO_PROGRESS: Progress = _NoProgress()
