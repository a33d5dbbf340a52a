"""Start-up time: from a new process to a usable main window (login included).

Usage: python bench/bench_startup.py DB [DB ...]  (e.g. a small and a large demo database)

For each database, starts a fresh Python process several times (offscreen Qt), logs in as the
demo administrator, opens the main window and waits until its first page of places is drawn.
Also times the bare baseline: a process that only imports PySide6 and shows an empty
QMainWindow, so the figure can be read against what Qt itself costs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

OURS = r"""
import sys
from anquan_desk.ui.app import make_application
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.services.demo import DEMO_ADMIN, DEMO_PASSWORD, open_for_window
from anquan_desk.services.users import log_in
app = make_application()
desk = open_for_window(sys.argv[1])
user = log_in(desk, DEMO_ADMIN, DEMO_PASSWORD)
w = MainWindow(desk.as_actor(user))
w.show()
app.processEvents()
w.place_view.viewport().repaint()
print("READY", w.place_model.total, flush=True)
"""

BARE = r"""
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1366, 768); w.show()
app.processEvents()
print("READY", 0, flush=True)
"""


def run(code: str, *args: str) -> tuple[float, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
    took = time.perf_counter() - start
    if "READY" not in proc.stdout:
        raise SystemExit(proc.stderr)
    return took, proc.stdout.split()[-1]


def main() -> None:
    repeats = 5
    bare = [run(BARE)[0] for _ in range(repeats)]
    print(f"bare PySide6 empty window: median {statistics.median(bare):.2f} s")
    for db in sys.argv[1:]:
        run(OURS, db)  # warm the OS file cache once
        times = []
        places = ""
        for _ in range(repeats):
            took, places = run(OURS, db)
            times.append(took)
        print(
            f"{db}: {places} places — median {statistics.median(times):.2f} s, "
            f"worst {max(times):.2f} s (process start → main window with first page)"
        )


if __name__ == "__main__":
    main()
