"""Benchmark: the longest time the UI thread is blocked during three long actions.

A 10 ms ``QTimer`` runs on the UI thread the whole time and records the gap between its ticks;
a gap well above 10 ms is time the window could not repaint or take a key. The three actions are
driven through the real widgets, as a user would:

1. 导入场所清单: a 5,000-place workbook through the import wizard (read, preview, write).
2. 签发整改通知书: the notice of a finished check with six photos (3000x2000 JPEG), from the
   inspection screen's 打印文书 menu until the preview window shows the PDF.
3. 导出台账: a hazard ledger of about 20,000 rows (a date range of the large demo) from the
   export dialog until the file is written.

For each action the same run also times the work alone, called inline on the UI thread without
the program's operation layer (what the window would stall for if it ran the work itself), and the
idle timer's own largest gap (the noise floor of this machine).

Run it with ``QT_QPA_PLATFORM=offscreen`` or a display:
    .venv/bin/python bench/bench_ui_stall.py [--large PATH] [--rounds N]
The large demo is built once (about 25 s) at ``--large`` when missing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # doc_setup: a finished check
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from openpyxl import Workbook
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from anquan_desk.ui.app import make_application

PLACES = 5_000
LEDGER_ROWS = 20_000


class StallMeter:
    """Largest gap between the ticks of a 10 ms timer on the UI thread."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.gaps: list[float] = []
        self._last = 0

    def start(self) -> None:
        self.gaps = []
        self.clock.start()
        self._last = 0
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.elapsed()
        self.gaps.append(float(now - self._last))
        self._last = now

    def stop(self) -> list[float]:
        self.timer.stop()
        self._tick()  # the gap up to the end counts too
        return self.gaps


def run_until(app: QApplication, meter: StallMeter, start: Callable[[], None], done: Callable[[], bool],
              timeout: float = 300.0) -> tuple[float, float, float]:
    """Start an action from the event loop and spin until it is done: (max gap, p99 gap, wall s)."""
    meter.start()
    started = time.perf_counter()
    QTimer.singleShot(0, start)
    while not done():
        app.processEvents()
        time.sleep(0.001)
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the action did not finish")
    wall = time.perf_counter() - started
    gaps = sorted(meter.stop())
    p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]
    return gaps[-1], p99, wall


def inline(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def place_workbook(path: Path, n: int) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("场所清单")
    ws.append(["序号", "单位名称", "地址", "负责人", "联系电话", "行业领域", "村（社区）", "网格"])
    shops = ("饭店", "超市", "便利店", "理发店", "五金店", "棋牌室", "小旅馆", "网吧")
    for i in range(n):
        ws.append([i + 1, f"测试{shops[i % len(shops)]}{i:05d}号", f"城关镇人民路{i % 900 + 1}号",
                   f"张{i % 97}", f"138{i:08d}", ("消防", "燃气", "九小场所")[i % 3], "东湖社区", "东湖第一网格"])
    wb.save(path)
    return path


def ensure_large(path: Path) -> Path:
    if not path.exists():
        from anquan_desk.cli import main as cli

        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"building the large demo at {path} (once) …", flush=True)
        cli(["demo", "--db", str(path), "--scale", "large"])
    return path


# --- drivers: each returns (window, start, done, the same work without the window) ----------------

_open: list[object] = []


def dispose_all() -> None:
    for db in _open:
        db.dispose()  # type: ignore[attr-defined]
    _open.clear()


def import_places(work: Path, workbook: Path) -> tuple[QWidget, Callable[[], None], Callable[[], bool], Callable[[], object]]:
    import doc_setup

    from anquan_desk.core.db import open_database
    from anquan_desk.services.place_import import import_places as write_places
    from anquan_desk.services.place_import import preview_places
    from anquan_desk.ui.import_wizard import ImportWizard

    db = open_database(work / "import" / "anquan.db")
    bare_db = open_database(work / "import-bare" / "anquan.db")
    _open.extend((db, bare_db))
    for database in (db, bare_db):
        doc_setup.township(database)
    wizard = ImportWizard(db, "bench")
    wizard.show()
    wizard.file_page.path_edit.setText(str(workbook))
    wizard.options_page.create_missing.setChecked(True)

    def start() -> None:
        wizard.next()  # file → mapping (reads the workbook)

    def done() -> bool:
        page = wizard.currentPage()
        if page is wizard.result_page:
            return True
        if page is wizard.options_page:
            wizard.options_page.create_missing.setChecked(True)
        QTimer.singleShot(0, wizard.next)
        return False

    def bare() -> object:
        with bare_db.reader() as s:
            preview = preview_places(s, workbook, create_missing=True)
        with bare_db.session("bench") as s:
            return write_places(s, preview, create_missing=True)

    return wizard, start, _once_per_page(done), bare


def _once_per_page(done: Callable[[], bool]) -> Callable[[], bool]:
    """Ask ``done`` only when the event loop has caught up (one next() in flight at a time)."""
    pending = {"at": 0.0}

    def check() -> bool:
        now = time.perf_counter()
        if now - pending["at"] < 0.05:
            return False
        pending["at"] = now
        return done()

    return check


def issue_notice(work: Path) -> tuple[QWidget, Callable[[], None], Callable[[], bool], Callable[[], object]]:
    import doc_setup

    from anquan_desk.core.attachments import AttachmentStore
    from anquan_desk.core.db import open_database
    from anquan_desk.services import documents as docs
    from anquan_desk.services import inspections as insp
    from anquan_desk.ui.documents import DocumentPreviewDialog, documents_menu
    from anquan_desk.ui.inspection.screen import InspectionWidget

    def finished(folder: Path) -> tuple[object, dict[str, str]]:
        db = open_database(folder / "anquan.db")
        _open.append(db)
        ids = doc_setup.finished_check(db, folder)
        store = AttachmentStore(db.attachments_dir)
        photos = [doc_setup.photo(folder / f"p{i}.jpg", (40 * i, 90, 160), f"photo {i}") for i in range(4)]
        with db.session("zhang") as s:
            for i, path in enumerate(photos):
                big = folder / f"big{i}.jpg"
                from PIL import Image

                Image.open(path).resize((3000, 2000)).save(big, "JPEG", quality=90)
                insp.add_photos(s, store, ids["inspection"], [big], hazard_id=ids["exit" if i % 2 else "gas"])
        return db, ids

    for name in ("notice", "notice-bare"):
        (work / name).mkdir()
    db, ids = finished(work / "notice")
    bare_db, bare_ids = finished(work / "notice-bare")
    widget = InspectionWidget(db, ids["inspection"], "zhang")  # type: ignore[arg-type]
    widget.show()
    shown: list[QWidget] = []

    def start() -> None:
        menu = documents_menu(db, "zhang", ids["inspection"], widget)  # type: ignore[arg-type]
        action = next(a for a in menu.actions() if a.data() == "notice")
        action.trigger()

    def done() -> bool:
        shown[:] = [w for w in QApplication.topLevelWidgets() if isinstance(w, DocumentPreviewDialog) and w.isVisible()]
        for w in shown:
            w.close()
        return bool(shown)

    def bare() -> object:
        with bare_db.session("zhang") as s:  # type: ignore[attr-defined]
            return docs.issue_notice(s, AttachmentStore(bare_db.attachments_dir), bare_ids["inspection"])  # type: ignore[attr-defined]

    return widget, start, done, bare


def export_ledger(work: Path, large: Path, rows: int) -> tuple[QWidget, Callable[[], None], Callable[[], bool], Callable[[], object]]:
    import sqlite3

    from PySide6.QtCore import QDate

    from anquan_desk.core.db import open_database
    from anquan_desk.services.ledgers import ExportOptions, LedgerFilters
    from anquan_desk.services.ledgers import export_ledger as run_export
    from anquan_desk.ui.ledger_export import LedgerExportDialog

    conn = sqlite3.connect(str(large))
    days = conn.execute(
        "SELECT date(i.started_at), count(*) FROM hazards h JOIN inspections i ON i.id = h.inspection_id"
        " WHERE i.status = '已完成' GROUP BY 1 ORDER BY 1 DESC"
    ).fetchall()
    conn.close()
    total, first = 0, days[0][0]
    for day, count in days:
        total += count
        first = day
        if total >= rows:
            break
    last = days[0][0]
    db = open_database(large)
    _open.append(db)
    dialog = LedgerExportDialog(db, made_by="王芳")
    dialog.show()
    dialog.date_check.setChecked(True)
    y1, m1, d1 = map(int, first.split("-"))
    y2, m2, d2 = map(int, last.split("-"))
    dialog.from_edit.setDate(QDate(y1, m1, d1))
    dialog.to_edit.setDate(QDate(y2, m2, d2))
    dialog.out_edit.setText(str(work / "hazards.xlsx"))

    def bare() -> object:
        import datetime as dt

        options = ExportOptions(kind="hazards", out=work / "hazards-bare.xlsx", made_by="王芳",
                                filters=LedgerFilters(start=dt.date(y1, m1, d1), end=dt.date(y2, m2, d2)))
        return run_export(db, options)

    return dialog, dialog.start_export, lambda: dialog.result_ is not None or dialog.error is not None, bare


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=Path, default=Path(tempfile.gettempdir()) / "anquan-bench-large" / "large.db")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    app = make_application(["bench"])
    QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)  # type: ignore[method-assign]
    meter = StallMeter()
    large = ensure_large(args.large)
    results: dict[str, list[tuple[float, float, float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        os.environ["ANQUAN_DEVICE_FILE"] = str(tmp / "device.json")
        workbook = place_workbook(tmp / "places.xlsx", PLACES)
        idle = run_until(app, meter, lambda: None, lambda: meter.clock.elapsed() > 2000)
        print(f"idle timer, 2 s: max gap {idle[0]:.0f} ms, p99 {idle[1]:.0f} ms")
        for round_no in range(args.rounds):
            work = tmp / f"round{round_no}"
            work.mkdir()

            # 1. import 5,000 places
            wizard, start, done, bare = import_places(work, workbook)
            gap = run_until(app, meter, start, done)
            wizard.close()
            results.setdefault("导入 5000 个场所", []).append((*gap, inline(bare)))

            # 2. issue a notice with six photos
            widget, start, done, bare = issue_notice(work)
            gap = run_until(app, meter, start, done)
            widget.close()
            results.setdefault("签发整改通知书（6张照片）", []).append((*gap, inline(bare)))

            # 3. export a 20,000-row hazard ledger
            copy = work / "large.db"
            shutil.copy2(large, copy)
            dialog, start, done, bare = export_ledger(work, copy, LEDGER_ROWS)
            gap = run_until(app, meter, start, done)
            dialog.close()
            results.setdefault(f"导出隐患台账（约 {LEDGER_ROWS} 行）", []).append((*gap, inline(bare)))
            dispose_all()
            app.processEvents()

    print()
    print(f"{'action':<28} {'max gap (ms)':>14} {'p99 gap':>9} {'wall (s)':>9} {'work inline on UI thread (ms)':>31}")
    for name, rows in results.items():
        gaps = [r[0] for r in rows]
        print(
            f"{name:<24} {statistics.median(gaps):>10.0f} (worst {max(gaps):.0f})"
            f" {statistics.median(r[1] for r in rows):>7.0f} {statistics.median(r[2] for r in rows):>9.2f}"
            f" {statistics.median(r[3] for r in rows):>20.0f}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (whole run): {peak:.0f} MiB; {args.rounds} rounds, medians with the worst round")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
