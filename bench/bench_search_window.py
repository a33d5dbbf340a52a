"""Benchmark: search as you type in the real window, from key press until the list is painted.

Opens the main window on the 50,000-place database that ``bench_search.py`` builds, waits for the
background preparation of the search copy, then types realistic sequences into the search box
(Latin letters as key presses, Chinese as the input method delivers it: the whole text). Each
keystroke is timed from the key event until the events it caused — the filter, the model reset
and the repaint of the visible rows — have been processed.

In the same run a bare PySide6 + sqlite3 baseline does the same work: a QLineEdit whose text
change runs ``LIKE '%q%'`` (count + first 200 rows by name) and refills a QStandardItemModel
shown in a QTableView of the same size.

Run it with a display (``xvfb-run``) or ``QT_QPA_PLATFORM=offscreen``:
    .venv/bin/python bench/bench_search_window.py [--db PATH] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget
from sqlalchemy import select

from anquan_desk.core.db import open_database
from anquan_desk.core.models import User
from anquan_desk.core.vocabulary import UserRole
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.ui.app import make_application
from anquan_desk.ui.main_window import MainWindow

WORDS = ("hgl", "xiaoguan", "红光路", "王伟", "zhang", "138", "鑫源超市", "便利店")


def settle(app: QApplication, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)


def type_words(app: QApplication, edit: QLineEdit, rounds: int) -> list[tuple[float, str]]:
    times: list[tuple[float, str]] = []
    for _ in range(rounds):
        for word in WORDS:
            edit.clear()
            settle(app, 0.05)
            for i in range(1, len(word) + 1):
                started = time.perf_counter()
                if word[i - 1].isascii():
                    QTest.keyClick(edit, word[i - 1])
                else:
                    edit.setText(word[:i])  # Chinese arrives through the input method
                app.processEvents()
                times.append(((time.perf_counter() - started) * 1000, word[:i]))
    return times


class BareList(QWidget):
    """The baseline: LIKE on every text change, results into a QStandardItemModel."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.conn = sqlite3.connect(str(path))
        self.edit = QLineEdit()
        self.count = QLabel()
        self.model = QStandardItemModel(0, 10)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().setDefaultSectionSize(26)
        layout = QVBoxLayout(self)
        for widget in (self.edit, self.count, self.view):
            layout.addWidget(widget)
        self.edit.textChanged.connect(self.search)

    def search(self, text: str) -> None:
        pattern = f"%{text.lower()}%"
        (total,) = self.conn.execute("SELECT count(*) FROM places WHERE search_text LIKE ?", (pattern,)).fetchone()
        rows = self.conn.execute(
            "SELECT p.name, v.name, g.name, p.address, p.responsible_person, p.phone, '', p.nine_small_kind,"
            " p.risk_color, p.status FROM places p LEFT JOIN grids g ON g.id = p.grid_id"
            " LEFT JOIN villages v ON v.id = g.village_id WHERE p.search_text LIKE ? ORDER BY p.name_key, p.id LIMIT 200",
            (pattern,),
        ).fetchall()
        self.count.setText(f"共 {total} 个场所")
        self.model.setRowCount(0)
        for row in rows:
            self.model.appendRow([QStandardItem(value or "") for value in row])


def summary(label: str, timed: list[tuple[float, str]]) -> str:
    times = [t for t, _text in timed]
    slowest = ", ".join(f"{text} {t:.0f}" for t, text in sorted(timed, reverse=True)[:4])
    return (f"{label:<14}: median {statistics.median(times):6.1f} ms, worst {max(times):6.1f} ms "
            f"({len(times)} keystrokes; slowest: {slowest})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/anquan-bench-search/places.db"))
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not args.db.exists():
        print(f"{args.db} is missing: run bench/bench_search.py first (it builds the database)")
        return 2
    app = make_application()
    db = open_database(args.db)
    with db.reader() as s:
        user = s.scalars(select(User).where(User.role == UserRole.ADMIN.value)).first() or s.scalars(select(User)).first()
        assert user is not None
        actor = Actor(user.username, user.name, user.role, user.id)
    window = MainWindow(Desk(db, actor))
    window.resize(1366, 768)
    window.show()
    window.tabs.setCurrentIndex(0)
    settle(app, 1.0)
    waited = time.perf_counter()
    while db.search_cache is not None and not db.search_cache.loaded:
        settle(app, 0.05)
    print(f"platform {app.platformName()}; search copy ready {1000 * (time.perf_counter() - waited):.0f} ms "
          "after the first second")
    ours = type_words(app, window.search_edit, args.rounds)
    window.close()

    bare = BareList(args.db)
    bare.resize(1100, 700)
    bare.show()
    settle(app, 0.5)
    baseline = type_words(app, bare.edit, args.rounds)
    bare.close()

    print(summary("ours (window)", ours))
    print(summary("bare Qt + LIKE", baseline))
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
