"""Retake the screenshots of the user guide (``resources/help/images/*.png``) from the demo.

Run from the repository root::

    .venv/bin/python resources/help/make_screenshots.py            # offscreen, no display needed
    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python resources/help/make_screenshots.py --platform xcb

It builds a fresh small demo database in a temporary folder, logs in as the demo's admin, opens the
real screens at the size of a 1366×768 laptop screen, fills them the way a user would (operations
run inline, so every list is loaded before the picture), grabs each widget and stores it as a
256-colour PNG (small, and sharp for text). The guide (``guide.html``) names these files.
"""

from __future__ import annotations

import argparse
import faulthandler
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
#: The main window's size: a 1366×768 laptop screen (its default size).
WINDOW = (1366, 768)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "images", help="folder of the PNG files")
    parser.add_argument("--platform", default="offscreen", help="Qt platform (offscreen, xcb)")
    parser.add_argument("--only", nargs="*", default=None, help="take only these (file names without .png)")
    args = parser.parse_args(argv)
    os.environ["QT_QPA_PLATFORM"] = args.platform
    sys.path.insert(0, str(ROOT))
    # A message box left open (an error) would wait for a click forever: say where, and stop.
    faulthandler.dump_traceback_later(600, exit=True)
    with tempfile.TemporaryDirectory(prefix="anquan-shots-") as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")  # fresh window state: default sizes
        Shots(Path(tmp), args.out, args.only).take_all()
    return 0


class Shots:
    def __init__(self, tmp: Path, out: Path, only: list[str] | None) -> None:
        from anquan_desk.services.demo import DEMO_PASSWORD, create_demo_database
        from anquan_desk.services.desk import open_desk
        from anquan_desk.services.users import log_in
        from anquan_desk.ui.app import make_application
        from anquan_desk.ui.operations import OperationRunner

        self.app = make_application()
        OperationRunner.synchronous = True  # every list is loaded when the next line runs
        self.tmp = tmp
        self.out = out
        self.only = only
        out.mkdir(parents=True, exist_ok=True)
        path = tmp / "anquan-desk" / "anquan.db"
        path.parent.mkdir()
        create_demo_database(path, scale="small")
        desk = open_desk(path)
        self.desk = desk.as_actor(log_in(desk, "admin", DEMO_PASSWORD))
        self.sizes: dict[str, int] = {}

    # --- plumbing ----------------------------------------------------------------------------------

    def pump(self, rounds: int = 5, pause: float = 0.0) -> None:
        for _ in range(rounds):
            self.app.processEvents()
            if pause:
                time.sleep(pause)  # work done on Qt's own threads (the PDF pages) comes back as events

    def save(self, name: str, widget: object) -> None:
        from PIL import Image, ImageOps
        from PySide6.QtCore import QBuffer, QIODevice
        from PySide6.QtWidgets import QWidget

        assert isinstance(widget, QWidget)
        self.pump()
        pixmap = widget.grab()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        pixmap.save(buffer, "PNG")
        image = Image.open(io.BytesIO(bytes(buffer.data().data()))).convert("RGB")
        image = ImageOps.expand(image, border=1, fill="#a0a0a0")  # the picture's edge on the white page
        small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        target = self.out / f"{name}.png"
        small.save(target, optimize=True)
        self.sizes[name] = target.stat().st_size
        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: "
              f"{image.width}×{image.height}, {target.stat().st_size // 1024} KB", flush=True)

    def wanted(self, name: str) -> bool:
        return self.only is None or name in self.only

    def take_all(self) -> None:
        shots: list[tuple[str, Callable[[], None]]] = [
            ("main", self.main_window),
            ("import", self.import_wizard),
            ("tasks", self.task_list),
            ("start", self.start_dialog),
            ("inspection", self.inspection),
            ("document", self.document),
            ("followup", self.followup),
            ("review", self.review),
            ("drafts", self.drafts),
            ("dashboard", self.dashboard),
            ("ledger", self.ledger),
        ]
        for name, take in shots:
            if self.wanted(name):
                take()
        print(f"{len(self.sizes)} screenshots, {sum(self.sizes.values()) // 1024} KB")

    def window(self) -> object:
        from anquan_desk.ui.main_window import MainWindow

        window = MainWindow(self.desk, demo=True)
        window.resize(*WINDOW)
        window.show()
        self.pump()
        return window

    # --- the screens ---------------------------------------------------------------------------------

    def main_window(self) -> None:
        from anquan_desk.ui.main_window import MainWindow

        window = self.window()
        assert isinstance(window, MainWindow)
        window.ground_view.expandAll()
        self.save("main", window)
        window.close()

    def import_wizard(self) -> None:
        from openpyxl import Workbook

        from anquan_desk.ui.import_wizard import ImportWizard

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "九小场所"
        sheet["A1"] = "红光镇九小场所底数清单"
        sheet.merge_cells("A1:I1")
        sheet.append([])
        sheet.append(["序号", "单位名称", "统一社会信用代码", "地址", "负责人", "联系电话", "所属村（社区）", "网格", "行业类别"])
        rows = [
            ("好运来小吃店", "东湖社区东湖路5号", "刘珺", "13951234567", "东湖社区", "东湖社区第一网格", "小餐饮场所"),
            ("便民五金店", "东湖社区建设路18号", "陈喆", "13851234568", "东湖社区", "东湖社区第二网格", "小商店"),
            ("阳光宾馆", "新华社区人民路66号", "王敏", "13651234569", "新华社区", "新华社区第一网格", "小旅馆"),
            ("晨曦幼儿托管", "南山村村部东侧", "赵玥", "13751234570", "南山村", "南山村第一网格", "小学校或幼儿园"),
        ]
        for n, row in enumerate(rows, start=1):
            sheet.append([n, row[0], "", *row[1:]])
        path = self.tmp / "场所清单.xlsx"
        book.save(path)
        wizard = ImportWizard(self.desk)
        wizard.show()
        wizard.file_page.path_edit.setText(str(path))
        wizard.next()
        self.pump()
        self.save("import", wizard)
        wizard.reject()

    def task_list(self) -> None:
        from anquan_desk.ui.task_list import TaskListDialog

        dialog = TaskListDialog(self.desk, None)
        dialog.show()
        for i in range(dialog.grid_combo.count()):
            dialog.grid_combo.setCurrentIndex(i)
            if len(dialog.tasks) >= 5:
                break
        dialog.table.selectRow(0)
        self.save("tasks", dialog)
        dialog.close()

    def _a_place(self) -> str:
        from anquan_desk.services import inspections

        return inspections.due_hazards(self.desk, within_days=60)[0].place_id

    def _an_eatery(self) -> str:
        """A small eatery of the demo (gas and 九小场所 checklists)."""
        from anquan_desk.services import places
        from anquan_desk.services.places import PlaceFilter

        return places.list_places(self.desk, PlaceFilter(nine_small_kind="小餐饮场所"), limit=1).rows[0].id

    def start_dialog(self) -> None:
        from anquan_desk.ui.inspection.start_dialog import ID_ROLE, StartInspectionDialog

        dialog = StartInspectionDialog(self.desk, self._an_eatery())
        dialog.show()
        people = [dialog.people_list.item(i).data(ID_ROLE) for i in range(2)]
        dialog.set_checked(dialog.people_list, set(people))
        self.save("start", dialog)
        dialog.reject()

    def inspection(self) -> None:
        from anquan_desk.services import inspections
        from anquan_desk.ui.inspection.screen import KIND_ROLE, InspectionWidget
        from anquan_desk.ui.main_window import MainWindow

        place_id = self._an_eatery()
        choices = inspections.start_choices(self.desk, place_id)
        iid = inspections.start_draft(
            self.desk,
            place_id=place_id,
            inspector_ids=[p.id for p in choices.inspectors[:2]],
            template_ids=sorted(choices.preselected),
        )
        window = self.window()
        assert isinstance(window, MainWindow)
        screen = window.open_inspection(iid)
        assert isinstance(screen, InspectionWidget)
        self.pump()
        items = [n for n in screen._items() if n.data(0, KIND_ROLE) == "item"]
        for node in items[:5]:
            screen.tree.setCurrentItem(node)
            screen.answer_current("合格")
        screen.tree.setCurrentItem(items[5])
        screen.answer_current("不合格")
        self.pump()
        screen.form.location.setText("后厨灶台旁")
        self.pump()
        self.save("inspection", window)
        window.close()

    def document(self) -> None:
        from anquan_desk.services import documents as docs
        from anquan_desk.ui.documents import preview_for

        iid = inspection_with_open_hazards(self.desk)
        choice = next(c for c in docs.document_choices(self.desk, iid) if c.doc_type in ("notice", "order"))
        result = docs.obtain_document(self.desk, choice.doc_type, iid)
        dialog = preview_for(result.document, result.pdf, desk=self.desk)
        dialog.resize(900, 700)
        dialog.show()
        self.pump(100, pause=0.02)
        self.save("document", dialog)
        dialog.close()

    def followup(self) -> None:
        from anquan_desk.ui.main_window import MainWindow

        window = self.window()
        assert isinstance(window, MainWindow)
        window.show_hazard_list("week")
        self.save("followup", window)
        window.close()

    def review(self) -> None:
        from anquan_desk.ui.inspection.followup import ReinspectionDialog

        dialog = ReinspectionDialog(self.desk, self._a_place())
        dialog.resize(900, 470)
        dialog.show()
        row = dialog.rows[0]
        row.outcome.setCurrentText("已整改")
        row.note.setText("已按要求整改，现场核实无误")
        self.save("review", dialog)
        dialog.reject()

    def drafts(self) -> None:
        from anquan_desk.ui.main_window import MainWindow

        window = self.window()
        assert isinstance(window, MainWindow)
        window.show_drafts(mine_only=False)
        self.save("drafts", window)
        window.close()

    def dashboard(self) -> None:
        from anquan_desk.ui.main_window import MainWindow

        window = self.window()
        assert isinstance(window, MainWindow)
        window.tabs.setCurrentWidget(window.dashboard)
        self.pump(10)
        self.save("dashboard", window)
        window.close()

    def ledger(self) -> None:
        from anquan_desk.ui.ledger_export import LedgerExportDialog

        dialog = LedgerExportDialog(self.desk, made_by="周建国")
        dialog.show()
        self.save("ledger", dialog)
        dialog.reject()


def inspection_with_open_hazards(desk: object) -> str:
    """A finished demo inspection whose hazards are still open (for the 整改通知书)."""
    from anquan_desk.services import inspections, places
    from anquan_desk.services.desk import Desk

    assert isinstance(desk, Desk)
    for hazard in inspections.due_hazards(desk, within_days=60, on=date.today()):
        lines = places.place_editor(desk, hazard.place_id).details.inspections
        found = [line.id for line in lines if line.status == "已完成" and line.hazards]
        if found:
            return found[0]
    raise SystemExit("no finished inspection with open hazards in the demo")


if __name__ == "__main__":
    sys.exit(main())
