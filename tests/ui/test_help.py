"""帮助: the guide opens with F1 from the shipped resources, its screenshots load, and the shortcut
list is made from the real actions and keys (real widgets, qtbot)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import desk_as, desk_for
from PIL import Image
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QAction, QImage, QKeySequence, QTextCursor, QTextDocument, QTextImageFormat
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.models import Place, PlaceSector, Township, User
from anquan_desk.resources import resource_path
from anquan_desk.services import inspections as svc
from anquan_desk.services.demo import DEMO_ADMIN
from anquan_desk.services.users import create_user
from anquan_desk.ui.help import (
    INSPECTION_PLACE,
    GuideBrowser,
    HelpWindow,
    ShortcutsDialog,
    guide_path,
    inspection_keys,
    plain_text,
)
from anquan_desk.ui.inspection.screen import (
    KEYS_FORM,
    KEYS_LIST,
    KIND_ROLE,
    OUTCOME_KEYS,
    SCREEN_KEYS,
    InspectionWidget,
)
from anquan_desk.ui.main_window import MainWindow

IMAGES = resource_path("help", "images")
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")  # offscreen: raise, propagateSizeHints


def _window(qtbot: QtBot, db: Database) -> MainWindow:
    with db.reader() as s:
        admin = s.scalars(select(User).where(User.username == DEMO_ADMIN)).one()
    window = MainWindow(desk_as(db, admin))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _image_names(document: QTextDocument) -> list[str]:
    names: list[str] = []
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isImageFormat():
                names.append(QTextImageFormat(fmt).name())
            it += 1
        block = block.next()
    return names


def _click_link(qtbot: QtBot, browser: GuideBrowser, href: str) -> None:
    """Click the first link to ``href`` on the page, as a user would."""
    block = browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(browser.document())
                cursor.setPosition(fragment.position())
                browser.setTextCursor(cursor)
                browser.ensureCursorVisible()
                rect = browser.cursorRect(cursor)
                # Into the picture, or just right of the cursor into the link's first character.
                image = fragment.charFormat().isImageFormat()
                where = rect.topLeft() + QPoint(20, 20) if image else rect.center() + QPoint(8, 0)
                qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=where)
                return
            it += 1
        block = block.next()
    raise AssertionError(f"no link to {href}")


def test_f1_opens_the_guide_with_its_screenshots(qtbot: QtBot, demo_db: Database) -> None:
    window = _window(qtbot, demo_db)
    assert window.guide_action.shortcut() == QKeySequence(Qt.Key.Key_F1)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    guide = window.findChild(HelpWindow)
    assert guide is not None and guide.isVisible()
    browser = guide.browser
    assert guide.title() == "安全检查工作台 使用指南"
    text = browser.toPlainText()
    for step in ("底数", "计划", "检查", "文书", "跟踪", "报表", "备份"):
        assert step in text
    assert browser.source() == QUrl.fromLocalFile(str(guide_path()))

    # Every picture of the page is one of the shipped screenshots, and all of them load.
    names = _image_names(browser.document())
    files = {p.name for p in IMAGES.glob("*.png")}
    assert len(names) == len(set(names)) == len(files) >= 10
    assert {Path(n).name for n in names} == files
    for name in names:
        image = browser.document().resource(QTextDocument.ResourceType.ImageResource.value, QUrl(name))
        assert isinstance(image, QImage) and not image.isNull(), name
        assert image.width() <= max(browser.available_width(), browser.MIN_IMAGE_WIDTH)
    assert browser.broken == []

    qtbot.mouseClick(guide.shortcuts_button, Qt.MouseButton.LeftButton)  # the list, from the guide
    assert any(d.isVisible() for d in window.findChildren(ShortcutsDialog))

    # F1 again brings the same window forward.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window.findChildren(HelpWindow) == [guide]


def test_the_screenshots_are_small_png8_of_the_laptop_screen() -> None:
    shots = sorted(IMAGES.glob("*.png"))
    assert shots
    for path in shots:
        with Image.open(path) as image:
            assert image.format == "PNG" and image.mode == "P", path.name  # 256 colours
            assert image.width <= 1366 + 2 and image.height <= 768 + 2, path.name
        assert path.stat().st_size < 200_000, path.name
    assert sum(p.stat().st_size for p in shots) < 1_000_000
    # The script that retakes them is shipped beside them.
    script = (IMAGES.parent / "make_screenshots.py").read_text(encoding="utf-8")
    for path in shots:
        assert f'("{path.stem}", self.' in script, path.name


def test_links_images_and_width(qtbot: QtBot) -> None:
    guide = HelpWindow()
    qtbot.addWidget(guide)
    guide.resize(1000, 700)
    guide.show()
    qtbot.waitExposed(guide)
    browser = guide.browser
    bar = browser.verticalScrollBar()
    assert bar.value() == 0
    _click_link(qtbot, browser, "#backup")  # a link of the page's contents
    assert bar.value() > 0
    assert not browser.viewers
    # A click on a screenshot shows it at full size.
    bar.setValue(0)
    _click_link(qtbot, browser, "images/main.png")
    (viewer,) = browser.viewers
    assert viewer.isVisible()
    with Image.open(IMAGES / "main.png") as png:
        assert (viewer.image.pixmap().width(), viewer.image.pixmap().height()) == png.size
    viewer.close()
    assert browser.source() == QUrl.fromLocalFile(str(guide_path()))  # still on the guide
    # A narrower window scales the pictures down again.
    wide = browser.document().resource(QTextDocument.ResourceType.ImageResource.value, QUrl("images/main.png"))
    guide.resize(700, 600)
    qtbot.waitUntil(lambda: browser.document().resource(
        QTextDocument.ResourceType.ImageResource.value, QUrl("images/main.png")).width() < wide.width())
    assert browser.broken == []


def test_the_guide_is_shipped_in_the_bundle() -> None:
    spec = (Path(__file__).resolve().parents[2] / "packaging" / "anquan-desk.spec").read_text(encoding="utf-8")
    assert '(str(root / "resources"), "resources")' in spec  # the whole folder, help included
    assert guide_path() == resource_path("help", "guide.html") and guide_path().is_file()
    html = guide_path().read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html  # offline: nothing outside the program
    for src in re.findall(r'src="([^"]+)"', html):
        assert (guide_path().parent / src).is_file(), src


def test_the_shortcut_list_is_made_from_the_window(qtbot: QtBot, demo_db: Database) -> None:
    window = _window(qtbot, demo_db)
    window.shortcuts_action.trigger()
    dialog = window.findChild(ShortcutsDialog)
    assert dialog is not None and dialog.isVisible()
    rows = dialog.texts()
    assert ("检查", "开始检查所选场所", "Ctrl+N") in rows
    assert ("主窗口", "查找场所", "Ctrl+F") in rows
    assert ("帮助", "使用指南", "F1") in rows
    keys = {(place, key) for place, _what, key in rows}
    for key in ("1", "2", "3", "Enter（回车）", "↑", "↓"):
        assert (KEYS_LIST, key) in keys
    for key in ("Esc", "Enter（回车）", "Ctrl+Enter"):
        assert (KEYS_FORM, key) in keys
    assert (INSPECTION_PLACE, "Ctrl+Shift+Enter") in keys
    # Every action of the window with a shortcut is listed, whoever added it.
    extra = QAction("新功能", window)
    extra.setShortcut(QKeySequence("Ctrl+Shift+J"))
    file_menu = window.menuBar().actions()[0].menu()
    assert isinstance(file_menu, QMenu)
    file_menu.addAction(extra)
    window.shortcuts_action.trigger()
    (dialog,) = [d for d in window.findChildren(ShortcutsDialog) if d.isVisible()]
    assert ("文件", "新功能", "Ctrl+Shift+J") in dialog.texts()
    with_keys = {a for a in window.findChildren(QAction) if a.shortcuts()}
    assert len([r for r in dialog.texts() if not r[0].startswith(INSPECTION_PLACE)]) == len(with_keys)
    assert plain_text("文件(&F)") == "文件" and plain_text("备份数据库…") == "备份数据库"
    # The guide names the same keys as the list.
    html = guide_path().read_text(encoding="utf-8")
    for _place, _what, key in dialog.texts():
        if key != "Ctrl+Shift+J":
            assert f"<kbd>{key.removesuffix('（回车）')}</kbd>" in html, key


@pytest.fixture
def draft(db: Database) -> str:
    with db.session("setup") as s:
        s.add(Township(name="红光镇"))
        wang = create_user(s, username="wang", name="王芳", password="12345678", cert_no="A1")
        li = create_user(s, username="li", name="李华", password="12345678", cert_no="A2")
        place = Place(name="张记小馆", address="红光路12号", nine_small_kind="小餐饮场所", gas_supply="瓶装",
                      sector_rows=[PlaceSector(sector="九小场所"), PlaceSector(sector="燃气")])
        s.add(place)
        s.flush()
        ids = (wang.id, li.id, place.id)
    desk = desk_for(db, "wang")
    choices = svc.start_choices(desk, ids[2])
    return svc.start_draft(desk, place_id=ids[2], inspector_ids=ids[:2], template_ids=sorted(choices.preselected))


def test_the_listed_inspection_keys_do_what_the_list_says(qtbot: QtBot, db: Database, draft: str) -> None:
    screen = InspectionWidget(desk_for(db, "wang"), draft)
    qtbot.addWidget(screen)
    screen.show()
    items = [n for n in screen._items() if n.data(0, KIND_ROLE) == "item"]
    listed = [row for row in inspection_keys() if row.place == KEYS_LIST]
    answers = [k for k in SCREEN_KEYS if k.place == KEYS_LIST and k.command in OUTCOME_KEYS.values()]
    assert len(answers) == len(OUTCOME_KEYS) == 3
    # The answers: each listed key gives its outcome; 合格 and 不涉及 move on, 不合格 stays for its hazard.
    for (key, outcome), row in zip(OUTCOME_KEYS.items(), listed, strict=False):
        assert row.keys == QKeySequence(key).toString()
        assert f"“{outcome}”" in row.what
        node = items[3]
        screen.tree.setCurrentItem(node)
        qtbot.keyClick(screen.tree, key)
        assert node.text(1) == outcome
        assert ("下一项" in row.what) == (screen.tree.currentItem() is items[4])
    # Moving: each listed key moves the way its row says.
    for move in [k for k in SCREEN_KEYS if k.place == KEYS_LIST and k.command not in OUTCOME_KEYS.values()]:
        screen.tree.setCurrentItem(items[1])  # items 0–2 are of the first checklist: neighbours in the tree
        qtbot.keyClick(screen.tree, move.sequences()[0][0].key())
        assert screen.tree.currentItem() is (items[2] if "下一项" in move.what else items[0]), move.what
    view = svc.inspection_view(desk_for(db, "wang"), draft)
    assert [i.outcome for i in view.items][3] == list(OUTCOME_KEYS.values())[-1]
