"""Operations: the one way screens call the services.

An operation runs a service call off the UI thread and hands its result back on the UI thread::

    QueryOp(self, lambda _p: places.place_card(self.desk, place_id), success=self.show_card).run()
    WriteOp(self, lambda _p: inspections.record_answer(self.desk, iid, item_id, "合格"),
            success=self.answer_saved).run()

* :class:`WriteOp` work runs on a single worker thread, one at a time and in the order started:
  the database has one writer. :class:`QueryOp` work runs on a second worker, after every write
  started before it has finished, so a screen always reads what it has just written, and a long
  export never holds up the saving of an answer.
* The work receives a :class:`~anquan_desk.core.progress.Progress`. With :meth:`Op.with_progress`
  a progress dialog appears when the work takes longer than a blink, with 取消 when the work can be
  cancelled (it calls ``progress.check()``).
* The work returns plain data (dataclasses, ids), never live ORM objects.
* A failure is shown in one way (:func:`show_error`) unless the op has its own ``failure``
  handler: a problem the user can fix (:class:`~anquan_desk.core.errors.AnquanError`) as a warning
  with its Chinese message, anything else as an internal error with the details in the log.
* After a write commits, what it changed (collected by the audited session, see
  :mod:`anquan_desk.core.changes`) is announced through :data:`change_hub`: every screen that
  subscribed decides for itself whether to refresh (Anki's ``operation_did_execute``); no screen
  reaches into another.
* While work runs on a worker, :func:`window_stays_responsive` keeps the interpreter from starving
  the UI thread (see there: measured 200–900 ms stalls without it).
* Results cross from the worker to the UI thread as posted events (Picard's ``ProxyToMainEvent``):
  no Python ``Signal.emit()`` is made off the UI thread (in PySide6 6.12.0 each such emit drops a
  reference to ``True`` until the process aborts).
* Tests set ``OperationRunner.synchronous = True`` (``tests/ui/conftest.py``): the work then runs
  inline, in order, and an unexpected error fails the test instead of showing a box.
"""

from __future__ import annotations

import gc
import inspect
import logging
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from anquan_desk.core.changes import NO_CHANGES, Changes
from anquan_desk.core.errors import AnquanError, OperationCancelled
from anquan_desk.core.progress import Progress, ProgressState
from anquan_desk.services.desk import collect_changes

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[Progress], T]
ChangeListener = Callable[[Changes, object], None]


# --- delivering calls to the UI thread ------------------------------------------------------------


class _Call(QEvent):
    """A closure posted to the UI thread."""

    TYPE = QEvent.Type(QEvent.registerEventType())

    def __init__(self, fn: Callable[[], None]) -> None:
        super().__init__(self.TYPE)
        self.fn = fn


class _Dispatcher(QObject):
    """Lives on the UI thread and runs the closures posted to it."""

    def event(self, event: QEvent) -> bool:
        if isinstance(event, _Call):
            try:
                event.fn()
            except Exception:  # a bug in a success handler must not take the event loop down
                log.exception("operation callback failed")
            return True
        return super().event(event)


# --- telling screens what changed -----------------------------------------------------------------


class ChangeHub:
    """Screens subscribe here to hear what every committed operation changed.

    A subscription lives as long as its ``owner`` widget; the listener gets the
    :class:`~anquan_desk.core.changes.Changes` and the operation's initiator (the widget that
    started it), so a screen can skip what it has already shown.
    """

    def __init__(self) -> None:
        self._listeners: list[tuple[weakref.ref[QObject], Callable[[], ChangeListener | None]]] = []

    def subscribe(self, owner: QObject, listener: ChangeListener) -> None:
        """``listener`` is held weakly when it is a bound method (of the owner, usually), so a
        subscription never keeps its screen alive."""
        if inspect.ismethod(listener):
            held: Callable[[], ChangeListener | None] = weakref.WeakMethod(listener)
        else:
            held = lambda: listener  # noqa: E731  (a plain function: held by the subscription)
        self._listeners.append((weakref.ref(owner), held))
        owner.destroyed.connect(self._prune)

    def unsubscribe(self, owner: QObject) -> None:
        """Stop telling ``owner`` (a closed window: its database may be closed too)."""
        self._listeners = [(o, f) for o, f in self._listeners if o() is not owner]

    def clear(self) -> None:
        """Forget every subscription (the tests, between one test's screens and the next's)."""
        self._listeners = []

    def _prune(self, *_args: object) -> None:
        self._listeners = [(o, f) for o, f in self._listeners if _alive(o()) and f() is not None]

    def announce(self, changes: Changes, initiator: object = None) -> None:
        """Tell every live subscriber (on the UI thread)."""
        if not changes:
            return
        for owner_ref, held in list(self._listeners):
            listener = held()
            if listener is None or not _alive(owner_ref()):
                continue
            listener(changes, initiator)
        self._prune()

    def __len__(self) -> int:
        return sum(1 for o, _f in self._listeners if _alive(o()))


def _alive(obj: QObject | None) -> bool:
    return obj is not None and shiboken6.isValid(obj)


change_hub = ChangeHub()


# --- showing failures -----------------------------------------------------------------------------


def show_error(parent: QWidget | None, title: str, error: BaseException) -> None:
    """The one way a failed operation is shown."""
    if isinstance(error, OperationCancelled):
        return
    if isinstance(error, AnquanError):
        QMessageBox.warning(parent, title, str(error))
        return
    log.error("%s failed: %r (traceback logged where it happened)", title, error)
    QMessageBox.critical(
        parent,
        title,
        f"程序内部错误，操作没有完成：{type(error).__name__}: {error}\n\n已完成的工作已保存；详细信息已写入日志。",
    )


# --- keeping the window responsive while a worker runs ------------------------------------------

#: The interpreter's switch interval (seconds) while work runs on a worker: how long the UI thread
#: may have to wait for the interpreter lock. 1 ms still left 130–150 ms gaps.
RESPONSIVE_SWITCH_INTERVAL = 0.0005


class _Responsiveness:
    """Book-keeping of :func:`window_stays_responsive` (operations overlap)."""

    lock: ClassVar[threading.Lock] = threading.Lock()
    users: ClassVar[int] = 0
    saved_interval: ClassVar[float] = 0.005
    froze: ClassVar[bool] = False


@contextmanager
def window_stays_responsive() -> Iterator[None]:
    """Run allocation-heavy Python work on a worker thread without stalling the window.

    Measured with a 10 ms timer on the UI thread (bench/bench_ui_stall.py), the long gaps during an
    import, a document issue or a ledger export came from the interpreter, not from the work's own
    steps (SQLite queries, zip compression and PDF drawing release the interpreter lock):

    * the work makes hundreds of thousands of short-lived objects; now and then that triggers a full
      garbage collection, which walks every object of the program while holding the lock, on
      whichever thread allocated (180–900 ms with the objects a working window holds);
    * between those the UI thread waits for the lock: the worker lets go of it for microseconds at
      each SQLite step or file write and takes it straight back before the waiting thread has woken,
      so with the default 5 ms switch interval the UI thread seldom gets its turn (100–300 ms gaps).

    So while any worker runs, the objects that existed when it started are frozen (``gc.freeze``: a
    full collection then walks only what is new; an earlier freeze by someone else is left alone)
    and the switch interval is :data:`RESPONSIVE_SWITCH_INTERVAL`; the last worker to finish
    restores both. The work takes as long as before.
    """
    with _Responsiveness.lock:
        if _Responsiveness.users == 0:
            _Responsiveness.saved_interval = sys.getswitchinterval()
            _Responsiveness.froze = gc.get_freeze_count() == 0
            if _Responsiveness.froze:
                gc.freeze()
            sys.setswitchinterval(min(RESPONSIVE_SWITCH_INTERVAL, _Responsiveness.saved_interval))
        _Responsiveness.users += 1
    try:
        yield
    finally:
        with _Responsiveness.lock:
            _Responsiveness.users -= 1
            if _Responsiveness.users == 0:
                sys.setswitchinterval(_Responsiveness.saved_interval)
                if _Responsiveness.froze:
                    gc.unfreeze()
                    _Responsiveness.froze = False


# --- the runner -----------------------------------------------------------------------------------


class OperationRunner:
    """The two workers (one writer, one reader) and the UI-thread dispatcher; one per process."""

    #: Tests run every operation inline on the calling thread.
    synchronous: ClassVar[bool] = False
    _instance: ClassVar[OperationRunner | None] = None

    def __init__(self) -> None:
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="anquan-writer")
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="anquan-reader")
        self._dispatcher = _Dispatcher()
        self._lock = threading.Lock()
        self._last_write: Future[Any] | None = None
        self._pending = 0

    @classmethod
    def instance(cls) -> OperationRunner:
        if cls._instance is None:
            cls._instance = OperationRunner()
        return cls._instance

    def post(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the UI thread (from any thread)."""
        QCoreApplication.postEvent(self._dispatcher, _Call(fn))

    def submit(self, work: Callable[[], None], *, write: bool) -> None:
        with self._lock:
            self._pending += 1
            if write:
                future = self._writer.submit(self._counted, work)
                self._last_write = future
            else:
                before = self._last_write
                self._reader.submit(self._counted, self._after(before, work))

    @staticmethod
    def _after(before: Future[Any] | None, work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            if before is not None:
                before.exception()  # wait for it; its outcome is its own op's business
            work()

        return run

    def _counted(self, work: Callable[[], None]) -> None:
        try:
            with window_stays_responsive():
                work()
        finally:
            with self._lock:
                self._pending -= 1

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._pending > 0

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until the queued work has finished (before closing the database)."""
        done = threading.Event()
        self._writer.submit(done.set)
        if not done.wait(timeout):
            return False
        done2 = threading.Event()
        self._reader.submit(done2.set)
        return done2.wait(timeout)


# --- operations -----------------------------------------------------------------------------------


class _UiProgress(Progress):
    """Progress whose updates also reach a listener directly when the work runs inline."""

    def __init__(self, listener: Callable[[ProgressState], None] | None) -> None:
        super().__init__()
        self._listener = listener

    def update(self, done: int, total: int | None = None, text: str | None = None) -> None:
        super().update(done, total, text)
        if self._listener is not None and OperationRunner.synchronous:
            self._listener(self.state()[1])


class Op(Generic[T]):
    """One service call run off the UI thread (see the module docstring)."""

    _writes: ClassVar[bool] = False
    _running: ClassVar[set[Op[Any]]] = set()  # kept alive until their outcome is delivered

    def __init__(
        self,
        parent: QWidget | None,
        work: Work[T],
        *,
        success: Callable[[T], None] | None = None,
        failure: Callable[[BaseException], None] | None = None,
        title: str = "",
        initiator: object = None,
    ) -> None:
        self._parent = parent
        self._work = work
        self._success = success
        self._failure = failure
        self._title = title or (parent.windowTitle() if parent is not None else "") or "安全检查工作台"
        self._initiator = initiator if initiator is not None else parent
        self._progress_label: str | None = None
        self._cancellable = False
        self._on_progress: Callable[[ProgressState], None] | None = None
        self._dialog: QProgressDialog | None = None
        self._timer: QTimer | None = None
        self._seen = -1
        self.progress: Progress = _UiProgress(None)

    def with_progress(
        self,
        label: str,
        *,
        cancellable: bool = False,
        on_progress: Callable[[ProgressState], None] | None = None,
    ) -> Op[T]:
        """Show a progress dialog (after 300 ms) labelled ``label``; with ``cancellable`` a 取消
        button asks the work to stop. ``on_progress`` also gets every new state on the UI thread."""
        self._progress_label = label
        self._cancellable = cancellable
        self._on_progress = on_progress
        return self

    def run(self) -> None:
        self.progress = _UiProgress(self._deliver_progress)
        if self._progress_label is not None:
            self._open_dialog()
        if OperationRunner.synchronous:
            self._run_inline()
            return
        Op._running.add(self)
        runner = OperationRunner.instance()
        if self._progress_label is not None or self._on_progress is not None:
            self._timer = QTimer()
            self._timer.setInterval(100)
            self._timer.timeout.connect(self._poll_progress)
            self._timer.start()
        runner.submit(lambda: self._run_on_worker(runner), write=self._writes)

    # -- running ---------------------------------------------------------------------------------

    def _execute(self) -> tuple[T, Changes]:
        if self._writes:
            with collect_changes() as log_:
                result = self._work(self.progress)
            return result, log_.changes
        return self._work(self.progress), NO_CHANGES

    def _run_inline(self) -> None:
        try:
            result, changes = self._execute()
        except Exception as exc:
            self._finish()
            if self._failure is None and not isinstance(exc, AnquanError):
                raise  # a bug: fail the test that ran into it
            self._failed(exc)
            return
        self._finish()
        self._succeeded(result, changes)

    def _run_on_worker(self, runner: OperationRunner) -> None:
        try:
            result, changes = self._execute()
        except Exception as exc:
            # Without its traceback: the frames would keep the worker's session alive on the UI thread.
            if not isinstance(exc, AnquanError):
                log.error("operation failed", exc_info=exc)
            error = exc.with_traceback(None)
            runner.post(lambda: self._deliver(lambda: self._failed(error)))
            return
        runner.post(lambda: self._deliver(lambda: self._succeeded(result, changes)))

    def _deliver(self, outcome: Callable[[], None]) -> None:
        Op._running.discard(self)
        self._finish()
        if self._parent is not None and not shiboken6.isValid(self._parent):
            return  # the screen that asked was closed meanwhile
        outcome()

    def _succeeded(self, result: T, changes: Changes) -> None:
        if changes:
            change_hub.announce(changes, self._initiator)
        if self._success is not None:
            self._success(result)

    def _failed(self, error: BaseException) -> None:
        if self._failure is not None:
            self._failure(error)
        else:
            show_error(self._parent, self._title, error)

    # -- progress --------------------------------------------------------------------------------

    def _open_dialog(self) -> None:
        dialog = QProgressDialog(self._progress_label or "", "取消" if self._cancellable else "", 0, 0, self._parent)
        dialog.setWindowTitle(self._title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if not self._cancellable:
            dialog.setCancelButton(None)
        dialog.canceled.connect(self._cancel)
        self._dialog = dialog

    def _cancel(self) -> None:
        self.progress.cancel()
        if self._dialog is not None:
            self._dialog.setLabelText("正在取消…")

    def _poll_progress(self) -> None:
        serial, state = self.progress.state()
        if serial != self._seen:
            self._seen = serial
            self._deliver_progress(state)

    def _deliver_progress(self, state: ProgressState) -> None:
        dialog = self._dialog
        if dialog is not None and not self.progress.cancelled:
            percent = state.percent
            if percent is None:
                dialog.setMaximum(0)
            else:
                dialog.setMaximum(100)
                dialog.setValue(percent)
            if state.text:
                dialog.setLabelText(state.text)
        if self._on_progress is not None:
            self._on_progress(state)

    @property
    def progress_dialog(self) -> QProgressDialog | None:
        return self._dialog

    def _finish(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._poll_progress()
            self._timer = None
        if self._dialog is not None:
            dialog, self._dialog = self._dialog, None
            dialog.canceled.disconnect(self._cancel)
            dialog.close()
            dialog.deleteLater()


class QueryOp(Op[T]):
    """Reads: run on the reader worker, after the writes started before it."""


class WriteOp(Op[T]):
    """Changes data: run on the single writer; what it changed is announced after the commit."""

    _writes = True
