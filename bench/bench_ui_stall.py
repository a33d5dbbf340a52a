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
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # helpers.doc_setup: a finished check
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from helpers import doc_setup
from openpyxl import Workbook
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget, QWizard

from anquan_desk.services.desk import Actor, Desk, open_desk
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
# "The same work without the window" calls the same service entry points directly on the UI thread:
# what the window would stall for if it ran them itself.

_open: list[Desk] = []
Driver = tuple[QWidget, Callable[[], None], Callable[[], bool], Callable[[], object]]


def dispose_all() -> None:
    for desk in _open:
        desk.close()
    _open.clear()


def _desk(path: Path, username: str) -> Desk:
    desk = open_desk(path, Actor.system(username))
    _open.append(desk)
    return desk


def import_places(work: Path, workbook: Path) -> Driver:
    from anquan_desk.services import place_import
    from anquan_desk.ui.import_wizard import ImportWizard

    desk = _desk(work / "import" / "anquan.db", "bench")
    bare_desk = _desk(work / "import-bare" / "anquan.db", "bench")
    for d in (desk, bare_desk):
        doc_setup.township(d.db)
    wizard = ImportWizard(desk)
    wizard.show()
    wizard.file_page.path_edit.setText(str(workbook))
    next_button = wizard.button(QWizard.WizardButton.NextButton)

    def start() -> None:
        next_button.click()  # file → mapping (reads the workbook in an operation)

    def done() -> bool:
        page = wizard.currentPage()
        if page is wizard.result_page:
            return True
        if page is wizard.options_page:
            wizard.options_page.create_missing.setChecked(True)
        if next_button.isEnabled():  # disabled while the page's operation runs
            next_button.click()
        return False

    def bare() -> object:
        preview = place_import.preview_place_list(bare_desk, workbook, create_missing=True)
        return place_import.import_place_list(bare_desk, preview, create_missing=True)

    return wizard, start, done, bare


def issue_notice(work: Path) -> Driver:
    from PIL import Image

    from anquan_desk.services import documents, inspections
    from anquan_desk.ui.documents import DocumentPreviewDialog, ServiceDateDialog, open_document
    from anquan_desk.ui.inspection.screen import InspectionWidget

    def finished(folder: Path) -> tuple[Desk, str]:
        folder.mkdir()
        desk = _desk(folder / "anquan.db", "zhang")
        ids = doc_setup.finished_check(desk.db, folder)
        desk = desk.as_actor(Actor("zhang", "张堃"))
        for i in range(4):
            small = doc_setup.photo(folder / f"p{i}.jpg", (40 * i, 90, 160), f"photo {i}")
            big = folder / f"big{i}.jpg"
            Image.open(small).resize((3000, 2000)).save(big, "JPEG", quality=90)
            # the check is finished: the photos join its hazards through the building block
            with desk.unit() as s:
                inspections.add_photos(s, desk.attachments, ids["inspection"], [big],
                                       hazard_id=ids["exit" if i % 2 else "gas"])
        return desk, ids["inspection"]

    desk, inspection_id = finished(work / "notice")
    bare_desk, bare_id = finished(work / "notice-bare")
    widget = InspectionWidget(desk, inspection_id)
    widget.show()

    # The scenario's check is of 2026-11-20: its service date is that day; no draft step (issue at once).
    ServiceDateDialog.ask = classmethod(lambda _cls, act_day, _parent=None: act_day)  # type: ignore[method-assign, assignment]

    def start() -> None:
        open_document(desk, "notice", inspection_id, widget, confirm=False)

    def done() -> bool:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, DocumentPreviewDialog) and w.isVisible()]
        for w in shown:
            w.close()
        return bool(shown)

    def bare() -> object:
        return documents.obtain_document(bare_desk, "notice", bare_id, served_on=doc_setup.CHECK_DAY)

    return widget, start, done, bare


def export_ledger(work: Path, large: Path, rows: int) -> Driver:
    import sqlite3

    from PySide6.QtCore import QDate

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
    desk = _desk(large, "wang")
    dialog = LedgerExportDialog(desk, made_by="王芳")
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
        return run_export(desk, options)

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
