"""帮助: the user guide and the list of keyboard shortcuts.

The guide is ``resources/help/guide.html`` with its screenshots (``resources/help/images/``, retaken
by ``resources/help/make_screenshots.py``), shipped with the program and shown offline in a
:class:`QTextBrowser`. Screenshots wider than the page are scaled down smoothly to fit it (again
when the window is resized); a click on one shows it at full size.

The shortcut list is made when it is opened, from the shortcuts of the main window's actions (menus
and window actions, whoever added them) and the inspection screen's keys
(:data:`anquan_desk.ui.inspection.screen.SCREEN_KEYS`, the table the screen binds its keys from),
so it cannot go stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QDesktopServices,
    QImage,
    QKeySequence,
    QPixmap,
    QResizeEvent,
    QShowEvent,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.resources import resource_path
from anquan_desk.ui.inspection.screen import KEYS_SCREEN, SCREEN_KEYS

GUIDE_TITLE = "使用指南"
#: The places of the inspection screen's keys start with this.
INSPECTION_PLACE = KEYS_SCREEN


def guide_path() -> Path:
    """The guide's HTML file (in a checkout and in the installed program)."""
    return resource_path("help", "guide.html")


# --- the guide ------------------------------------------------------------------------------------


class GuideBrowser(QTextBrowser):
    """The guide's page. Screenshots are scaled down to the page's width; a click on one opens it at
    full size; ``#anchors`` scroll within the page; nothing is opened outside the program.
    ``broken`` lists the images that could not be read."""

    MIN_IMAGE_WIDTH = 480

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.broken: list[str] = []
        self.viewers: list[ImageViewer] = []
        self._image_width = 0
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._follow)
        self._rescale = QTimer(self)
        self._rescale.setSingleShot(True)
        self._rescale.setInterval(150)
        self._rescale.timeout.connect(self._reload_for_width)

    def available_width(self) -> int:
        margin = int(self.document().documentMargin())
        bar = self.verticalScrollBar()
        scrollbar = 0 if bar.isVisible() else bar.sizeHint().width()  # the long page will have one
        return max(self.MIN_IMAGE_WIDTH, self.viewport().width() - 2 * margin - scrollbar - 8)

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        if kind != QTextDocument.ResourceType.ImageResource.value:
            return super().loadResource(kind, name)
        name = QUrl(name)
        image = QImage(self.local_file(name))
        if image.isNull():
            self.broken.append(name.toString())
            return image
        self._image_width = self.available_width()
        if image.width() > self._image_width:
            image = image.scaledToWidth(self._image_width, Qt.TransformationMode.SmoothTransformation)
        return image

    def local_file(self, name: QUrl) -> str:
        """The file of a (relative) link of the page."""
        return self.source().resolved(name).toLocalFile()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width = self.available_width()
        if self._image_width and (width < self._image_width or width - self._image_width > 24):
            self._rescale.start()

    def _reload_for_width(self) -> None:
        bar = self.verticalScrollBar()
        fraction = bar.value() / bar.maximum() if bar.maximum() else 0.0
        self.broken.clear()
        self.reload()  # loads the images again, for the new width
        bar.setValue(round(fraction * bar.maximum()))

    def _follow(self, url: QUrl) -> None:
        target = self.source().resolved(url)
        if target.fragment() and target.toLocalFile() == self.source().toLocalFile():
            self.scrollToAnchor(target.fragment())  # a link within the guide
        elif target.isLocalFile() and target.path().lower().endswith((".png", ".jpg")):
            self.show_image(target)
        elif target.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(target)  # the guide has none; a later edit might

    def show_image(self, url: QUrl) -> ImageViewer:
        viewer = ImageViewer(self.local_file(url), self)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.destroyed.connect(lambda _o=None, v=viewer: self.viewers.remove(v) if v in self.viewers else None)
        self.viewers.append(viewer)
        viewer.show()
        return viewer


class ImageViewer(QDialog):
    """A screenshot at its real size (scrolls when larger than the screen)."""

    def __init__(self, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{GUIDE_TITLE} — {Path(path).name}")
        self.image = QLabel()
        self.image.setPixmap(QPixmap(path))
        scroll = QScrollArea()
        scroll.setWidget(self.image)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(close)
        size = self.image.pixmap().size()
        self.resize(QSize(min(size.width() + 40, 1340), min(size.height() + 80, 740)))


class HelpWindow(QWidget):
    """帮助 › 使用指南: the guide in its own window beside the main window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(f"{GUIDE_TITLE} — 安全检查工作台")
        self.resize(1000, 700)
        self.browser = GuideBrowser()
        home = QPushButton("目录")
        home.clicked.connect(lambda: self.browser.scrollToAnchor("contents"))
        self.shortcuts_button = shortcuts = QPushButton("快捷键…")
        shortcuts.clicked.connect(self._shortcuts)
        close = QPushButton("关闭")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(home)
        buttons.addStretch(1)
        buttons.addWidget(shortcuts)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.browser, 1)
        layout.addLayout(buttons)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.browser.source().isEmpty():  # loaded once laid out: the pictures fit the page at once
            self.browser.setSource(QUrl.fromLocalFile(str(guide_path())))

    def _shortcuts(self) -> None:
        parent = self.parentWidget()
        if isinstance(parent, QMainWindow):
            show_shortcuts(parent)

    def title(self) -> str:
        """The guide's title (its ``<title>``)."""
        return str(self.browser.document().metaInformation(QTextDocument.MetaInformation.DocumentTitle))


def show_guide(window: QWidget) -> HelpWindow:
    """Open the guide (or bring its window forward)."""
    guide = window.findChild(HelpWindow)
    if guide is None:
        guide = HelpWindow(window)
    guide.show()
    guide.raise_()
    guide.activateWindow()
    return guide


# --- the shortcut list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shortcut:
    place: str  # menu path or screen
    what: str
    keys: str


def plain_text(text: str) -> str:
    """A menu text without its mnemonic and dots: 文件(&F) → 文件, 备份数据库… → 备份数据库."""
    return re.sub(r"\(&.\)|&(?=.)", "", text).replace("…", "").strip()


def key_text(action: QAction) -> str:
    return "，".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())


def window_shortcuts(window: QMainWindow) -> list[Shortcut]:
    """The shortcuts of the window's menus (in menu order) and of its other actions."""
    rows: list[Shortcut] = []
    seen: set[QAction] = set()

    def walk(menu: QMenu, path: list[str]) -> None:
        for action in menu.actions():
            seen.add(action)
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, [*path, plain_text(action.text())])
            elif not action.isSeparator() and action.shortcuts():
                rows.append(Shortcut(" › ".join(path), plain_text(action.text()), key_text(action)))

    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu, [plain_text(top.text())])
    for action in window.findChildren(QAction):
        if action not in seen and action.shortcuts() and not action.isSeparator():
            seen.add(action)
            rows.append(Shortcut("主窗口", plain_text(action.text()), key_text(action)))
    return rows


def inspection_keys() -> list[Shortcut]:
    """The inspection screen's keys, as the screen binds them (:data:`SCREEN_KEYS`)."""
    return [Shortcut(key.place, key.what, key.shown()) for key in SCREEN_KEYS]


def all_shortcuts(window: QMainWindow) -> list[Shortcut]:
    return [*window_shortcuts(window), *inspection_keys()]


class ShortcutsDialog(QDialog):
    """帮助 › 快捷键: a table of the shortcuts as they are now."""

    COLUMNS = ("位置", "功能", "按键")

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("快捷键")
        self.resize(620, 460)
        self.rows = all_shortcuts(window)
        self.table = QTableWidget(len(self.rows), len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for r, row in enumerate(self.rows):
            for c, text in enumerate((row.place, row.what, row.keys)):
                item = QTableWidgetItem(text)
                if c == 2:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, c, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        note = QLabel("此表按程序当前的菜单和按键生成。检查界面的按键在检查项列表或隐患表单中使用（见“位置”一栏）。")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def texts(self) -> list[tuple[str, str, str]]:
        """The table as shown: (位置, 功能, 按键) per row."""
        def cell(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        return [(cell(r, 0), cell(r, 1), cell(r, 2)) for r in range(self.table.rowCount())]


def show_shortcuts(window: QMainWindow) -> ShortcutsDialog:
    """Open the shortcut list (made now, from the window as it is)."""
    for old in window.findChildren(ShortcutsDialog):
        old.close()
    dialog = ShortcutsDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
