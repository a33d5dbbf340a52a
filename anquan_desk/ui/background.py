"""Running slow work off the UI thread.

``run_in_background(work, on_done, on_error)`` runs ``work()`` on Qt's global thread pool and
calls ``on_done(result)`` or ``on_error(exception)`` back on the UI thread. The work must open
its own database session (sessions are not shared between threads). Tests set
``Background.synchronous = True`` to run everything inline, in order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Carries the outcome from the worker thread to the UI thread (queued signals)."""

    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._work = work
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # handed to on_error on the UI thread
            log.exception("background work failed")
            self._relay.failed.emit(exc)
        else:
            self._relay.done.emit(result)


class Background:
    synchronous: ClassVar[bool] = False
    _alive: ClassVar[set[_Relay]] = set()


def run_in_background(
    work: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[Exception], None] | None = None,
) -> None:
    if Background.synchronous:
        try:
            result = work()
        except Exception as exc:
            if on_error is None:
                raise
            on_error(exc)
        else:
            on_done(result)
        return
    relay = _Relay()
    Background._alive.add(relay)  # keep it alive until the outcome arrives

    def finish(handler: Callable[[Any], None] | None, value: Any) -> None:
        Background._alive.discard(relay)
        if handler is not None:
            handler(value)

    relay.done.connect(lambda result: finish(on_done, result))
    relay.failed.connect(lambda exc: finish(on_error, exc))
    QThreadPool.globalInstance().start(_Job(work, relay))
