"""The program as a new user starts it (on the real worker threads): a new database opens the setup
wizard, never the demo; 打开演示数据库 opens the demo from a file of its own beside the real one; the
wizard's administrator lands in the main window. And Qt's own dialogs speak Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt, QTimer, QTranslator
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QFileSystemModel,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTabWidget,
    QWidget,
    QWizard,
)
from pytestqt.qtbot import QtBot

from anquan_desk.core.db import open_database
from anquan_desk.services.desk import Actor, Desk
from anquan_desk.services.township import start_state
from anquan_desk.ui.app import install_chinese_translations, make_application, run_gui
from anquan_desk.ui.main_window import MainWindow
from anquan_desk.ui.operations import OperationRunner
from anquan_desk.ui.setup_wizard import SetupWizard

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _leave_qt_as_found() -> Iterator[None]:
    """make_application installs the translations and the Chinese locale for the whole process:
    take them away again, so other tests see Qt as they always did."""
    locale = QLocale()
    yield
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for translator in app.findChildren(QTranslator):
        app.removeTranslator(translator)
        translator.setParent(None)
    QLocale.setDefault(locale)


@pytest.fixture
def threaded() -> Iterator[None]:
    OperationRunner.synchronous = False
    yield
    OperationRunner.synchronous = True


def _when(find: Callable[[], QWidget | None], then: Callable[[QWidget], None]) -> None:
    """Call ``then`` with the widget ``find`` returns, as soon as there is one."""
    def look() -> None:
        widget = find()
        if widget is None:
            QTimer.singleShot(100, look)
            return
        then(widget)

    QTimer.singleShot(100, look)


def _visible(kind: type[QWidget]) -> QWidget | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)


def test_a_new_user_gets_the_setup_wizard_and_the_demo_only_when_asked(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threaded: None
) -> None:
    database = tmp_path / "新用户" / "anquan.db"
    monkeypatch.setenv("ANQUAN_DB", str(database))
    monkeypatch.setenv("ANQUAN_DEMO_AUTOLOGIN", "1")
    seen: list[object] = []
    app = QApplication.instance()
    assert app is not None

    def in_wizard(widget: QWidget) -> None:
        assert isinstance(widget, SetupWizard)
        seen.append((widget.currentPage() is widget.welcome_page, widget.windowTitle()))
        widget.welcome_page.demo_button.click()

    def in_window(widget: QWidget) -> None:
        assert isinstance(widget, MainWindow)
        seen.append((widget.windowTitle(), widget.user_label.text(), widget.desk.file_path))
        widget.close()  # the last window: the program ends

    _when(lambda: _visible(SetupWizard), in_wizard)
    _when(lambda: _visible(MainWindow), in_window)
    QTimer.singleShot(120_000, app.quit)  # never hang the suite
    assert run_gui(None) == 0
    demo_file = database.with_name("anquan-demo.db")
    assert seen == [
        (True, "首次使用 — 设置本乡镇（街道）"),
        ("安全检查工作台（演示数据库）", "当前用户：周建国（管理员）", demo_file),
    ]
    real = open_database(database)
    try:  # the real database was not touched by the demo
        assert start_state(Desk(real, Actor.system("t"))).needs_setup
    finally:
        real.dispose()


def test_the_wizard_s_administrator_lands_in_the_main_window(
    qtbot: QtBot, tmp_path: Path, threaded: None
) -> None:
    database = tmp_path / "anquan.db"
    seen: list[str] = []
    app = QApplication.instance()
    assert app is not None

    def fill(widget: QWidget) -> None:
        assert isinstance(widget, SetupWizard)
        widget.next()
        widget.township_page.form.name_edit.setText("白沙镇")
        widget.township_page.form.county_edit.setText("青溪县")
        widget.next()
        widget.next()
        widget.next()
        widget.ground_page.editor.add_village("红光村")
        widget.ground_page.editor.add_grid("红光一网格")
        widget.next()
        widget.users_page.admin_name.setText("周建国")
        widget.users_page.admin_password.setText("secret12")
        widget.users_page.admin_repeat.setText("secret12")
        widget.next()
        seen.append(type(widget.currentPage()).__name__)
        widget.button(QWizard.WizardButton.FinishButton).click()

    def in_window(widget: QWidget) -> None:
        assert isinstance(widget, MainWindow)
        seen.extend([widget.windowTitle(), widget.user_label.text()])
        widget.close()

    _when(lambda: _visible(SetupWizard), fill)
    _when(lambda: _visible(MainWindow), in_window)
    QTimer.singleShot(120_000, app.quit)
    assert run_gui(str(database)) == 0
    assert seen == ["SummaryPage", "安全检查工作台", "当前用户：周建国（管理员）"]
    assert not database.with_name("anquan-demo.db").exists()


# --- Chinese throughout -----------------------------------------------------------------------------

#: A run of two or more Latin letters: an English word — unless it is an upper-case abbreviation such as
#: PDF (single letters are mnemonics like 是(&Y)).
LATIN = re.compile(r"[A-Za-z]{2,}")


def _texts(widget: QWidget) -> list[str]:
    """Every text a user may read on ``widget`` (shown now or behind a button): labels, buttons, group
    boxes, tabs, tooltips, menu and context-menu items, the column headers of its lists."""
    texts = [widget.windowTitle()]
    for child in [widget, *widget.findChildren(QWidget)]:
        texts.append(child.toolTip())
        texts += [a.text() for a in child.actions()] + [a.toolTip() for a in child.actions()]
        if isinstance(child, QLabel | QAbstractButton):
            texts.append(child.text())
        elif isinstance(child, QGroupBox):
            texts.append(child.title())
        elif isinstance(child, QTabWidget):
            texts += [child.tabText(i) for i in range(child.count())]
        elif isinstance(child, QAbstractItemView) and child.model() is not None:
            model = child.model()
            texts += [str(model.headerData(c, Qt.Orientation.Horizontal) or "") for c in range(model.columnCount())]
    return [t for t in texts if t]


def _english(texts: list[str]) -> list[str]:
    """The texts with an English word (a menu item's shortcut after the tab, Ctrl+C, is not one)."""
    def english(text: str) -> bool:
        return any(not word.isupper() for word in LATIN.findall(text.split("\t")[0].replace("&", "")))

    return [t for t in texts if english(t)]


def test_qt_s_own_dialogs_are_chinese(qtbot: QtBot, tmp_path: Path) -> None:
    assert _english(["&Look in:", "写入 PDF 文件", "复制(&C)\tCtrl+C", "是(&Y)", "Files of &type:"]) == [
        "&Look in:", "Files of &type:"]  # the check itself
    app = make_application()
    assert install_chinese_translations(app) == ["qtbase_zh_CN"]  # once: the second call adds nothing
    names = sorted(t.objectName() for t in app.findChildren(QTranslator))
    assert names == ["anquan_qt_gaps", "qtbase_zh_CN"]

    (tmp_path / "清单.xlsx").write_bytes(b"")
    (tmp_path / "旧清单").mkdir()
    dialog = QFileDialog(None, "选择村（社区）和网格清单", str(tmp_path), "Excel 工作簿 (*.xlsx *.xlsm)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.setViewMode(QFileDialog.ViewMode.Detail)
    texts = [t for t in _texts(dialog) if "*.xlsx" not in t]  # our own filter names the file type
    assert {"查找范围(&L)：", "文件名称(&N)：", "文件类型(&T)：", "打开(&O)", "取消"} <= set(texts)
    assert {"名称", "修改日期", "后退", "新建文件夹", "详情视图"} <= set(texts)
    assert _english(texts) == []
    edit = dialog.findChild(QLineEdit)
    assert edit is not None
    items = [a.text() for a in edit.createStandardContextMenu().actions() if a.text()]
    assert "复制(&C)\tCtrl+C" in items and _english(items) == []
    files = dialog.findChild(QFileSystemModel)
    assert files is not None
    folder = files.index(str(tmp_path))
    qtbot.waitUntil(lambda: files.rowCount(folder) == 2)
    kinds = {files.index(row, 1 + 1, folder).data() for row in range(files.rowCount(folder))}
    assert "文件夹" in kinds  # the file's kind is the system's own name for it (Excel 2007 电子表格, xlsx 文件)
    assert not [k for k in kinds if k in ("Folder", "File", "Drive") or k.endswith(" File")]

    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printing = QPrintDialog(printer)
    qtbot.addWidget(printing)
    printing.show()
    qtbot.waitExposed(printing)
    texts = _texts(printing)
    assert {"打印", "打印(&P)", "打印范围", "打印页面(&S)："} <= set(texts)
    assert _english([t for t in texts if t != "..."]) == []

    box = QMessageBox(QMessageBox.Icon.Question, "合并网格", "把“红光二网格”并入“红光一网格”。继续吗？",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    assert sorted(b.text() for b in box.buttons()) == sorted(["是(&Y)", "否(&N)"])
    assert _english(_texts(box)) == []
    standard = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(standard)
    assert [b.text() for b in standard.buttons()] in (["确定", "取消"], ["取消", "确定"])
    assert QLocale().language() == QLocale.Language.Chinese
