"""The inspection screen on the operation layer: answers saved in order by the writer thread and shown
as saved only then; the screen, its tab title and the follow-up list refresh themselves from change
announcements; failures, free hazards, photo folders (real widgets, qtbot)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import desk_for, restaurant
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog, QLabel, QMessageBox, QTabWidget, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from anquan_desk.core.db import Database
from anquan_desk.core.errors import UserInputError
from anquan_desk.core.models import AttachmentLink, Hazard, ItemResult
from anquan_desk.services import inspections as svc
from anquan_desk.services.desk import Desk
from anquan_desk.ui.inspection.finish_dialog import FinishDialog
from anquan_desk.ui.inspection.followup import FollowUpWidget, ReinspectionDialog
from anquan_desk.ui.inspection.screen import ID_ROLE, KIND_ROLE, SAVED_ROLE, InspectionWidget
from anquan_desk.ui.operations import OperationRunner, WriteOp

PLACE = restaurant.PLACE


@pytest.fixture
def draft(db: Database) -> tuple[Desk, str, str]:
    """A draft check at a small restaurant with bottled gas: (desk as 王芳, inspection id, place id)."""
    ids = restaurant.draft(db)
    return desk_for(db, "wang"), *ids


@pytest.fixture
def threaded() -> Iterator[None]:
    """The real worker threads instead of inline operations."""
    OperationRunner.synchronous = False
    yield
    assert OperationRunner.instance().drain(10)
    OperationRunner.synchronous = True


def _item_nodes(screen: InspectionWidget) -> list:  # type: ignore[type-arg]
    return [n for n in screen._items() if n.data(0, KIND_ROLE) == "item"]


def _answers(db: Database, inspection_id: str) -> dict[str, str]:
    with db.reader() as s:
        rows = s.scalars(select(ItemResult).where(ItemResult.inspection_id == inspection_id))
        return {r.item_id: r.outcome for r in rows}


def _answer_all(desk: Desk, inspection_id: str) -> None:
    """Every item 合格 except the first, which fails (one hazard)."""
    for n, item in enumerate(svc.inspection_view(desk, inspection_id).items):
        svc.save_answer(desk, inspection_id, item.item_id, "不合格" if n == 0 else "合格")


def test_answers_are_saved_in_order_on_the_writer_and_shown_saved_then(
    qtbot: QtBot, db: Database, draft: tuple[Desk, str, str], threaded: None
) -> None:
    desk, iid, _place = draft
    screen = InspectionWidget(desk, iid)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: screen.view is not None, timeout=10000)
    nodes = _item_nodes(screen)
    assert screen.tree.currentItem() is nodes[0]
    saved: list[tuple[str, str]] = []
    screen.answer_saved.connect(lambda item_id, outcome: saved.append((item_id, outcome)))

    # Three keys in a row, without waiting: the cursor moves at once, the answers show grey
    # (not yet confirmed), and the 不合格 item keeps the cursor; its hazard does not exist yet.
    for key in (Qt.Key.Key_1, Qt.Key.Key_1, Qt.Key.Key_2):
        qtbot.keyClick(screen.tree, key)
    assert [n.text(1) for n in nodes[:3]] == ["合格", "合格", "不合格"]
    assert [n.data(0, SAVED_ROLE) for n in nodes[:3]] == [False, False, False]
    assert nodes[0].toolTip(1) == "正在保存…"
    assert screen.tree.currentItem() is nodes[2]
    assert not screen.form.box.isVisibleTo(screen)

    # The writer saves them in the order given; each is confirmed on the UI thread.
    qtbot.waitUntil(lambda: len(saved) == 3, timeout=15000)
    assert saved == [(str(n.data(0, ID_ROLE)), o) for n, o in zip(nodes[:3], ("合格", "合格", "不合格"), strict=True)]
    assert [n.data(0, SAVED_ROLE) for n in nodes[:3]] == [True, True, True]
    assert _answers(db, iid) == {s[0]: s[1] for s in saved}
    # The 不合格 answer brought its hazard: the form opens, pre-filled from the checklist.
    assert screen.form.box.isVisibleTo(screen)
    assert screen.form.description.toPlainText().strip()
    assert screen.progress_label.text().startswith(f"已检查 3/{len(nodes)} 项")

    # Changing one's mind before the first answer is saved: the last answer is what stays.
    qtbot.keyClick(screen.tree, Qt.Key.Key_1)  # item 2 after all 合格: its hazard goes
    qtbot.keyClick(screen.tree, Qt.Key.Key_2)  # item 3 不合格 …
    qtbot.keyClick(screen.tree, Qt.Key.Key_1)  # … no, 合格
    assert screen.tree.currentItem() is nodes[4]
    qtbot.waitUntil(lambda: len(saved) == 6, timeout=15000)
    assert [n.text(1) for n in nodes[:5]] == ["合格", "合格", "合格", "合格", "—"]
    assert all(n.data(0, SAVED_ROLE) for n in nodes[:5])
    assert not screen.form.box.isVisibleTo(screen)
    with db.reader() as s:
        assert s.scalars(select(Hazard).where(Hazard.inspection_id == iid)).all() == []
    assert set(_answers(db, iid).values()) == {"合格"} and len(_answers(db, iid)) == 4
    assert "发现隐患 0 处" in screen.progress_label.text()


def test_finishing_updates_header_and_tab_title(qtbot: QtBot, db: Database, draft: tuple[Desk, str, str]) -> None:
    desk, iid, _place = draft
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    screen = InspectionWidget(desk, iid)
    tabs.addTab(screen, "检查")
    tabs.show()
    screen.reload()
    assert tabs.tabText(0) == f"检查：{PLACE}（草稿）"
    for node in _item_nodes(screen):
        screen.tree.setCurrentItem(node)
        qtbot.keyClick(screen.tree, Qt.Key.Key_3)
    assert screen.progress_bar.value() == screen.progress_bar.maximum()

    finish = FinishDialog(desk, iid, screen)  # closed with the screen
    assert finish.signer_edit.text() == "刘珺"  # the responsible person, from the summary
    assert "还有" not in finish.summary.text()
    finish.refused_check.setChecked(True)
    finish.reason_edit.setPlainText("负责人不在场")
    qtbot.mouseClick(finish.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert "见证人" in finish.error_label.text() and finish.result() != FinishDialog.DialogCode.Accepted
    finish.witness_edit.setText("网格员 赵玥")
    qtbot.mouseClick(finish.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert finish.result() == FinishDialog.DialogCode.Accepted

    # Nobody told the screen: it heard the change and re-read itself.
    assert screen.read_only and not screen.finish_button.isVisibleTo(screen)
    assert screen.documents_button.isVisibleTo(screen)
    assert "【已完成，只读】" in screen.header.text()
    assert tabs.tabText(0) == f"检查：{PLACE}"


def test_a_hidden_screen_refreshes_when_shown(qtbot: QtBot, db: Database, draft: tuple[Desk, str, str]) -> None:
    desk, iid, _place = draft
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    other = QLabel("场所")
    tabs.addTab(other, "场所")
    screen = InspectionWidget(desk, iid)
    tabs.addTab(screen, "检查")
    tabs.show()
    assert not screen.isVisible() and not screen.read_only
    _answer_all(desk, iid)
    elsewhere = QWidget()
    qtbot.addWidget(elsewhere)
    WriteOp(elsewhere, lambda _p: svc.finish_check(desk, iid, refusal_reason="拒绝", refusal_witness="赵玥")).run()
    assert not screen.read_only  # not shown: it waits
    tabs.setCurrentWidget(screen)
    assert screen.read_only
    assert tabs.tabText(1) == f"检查：{PLACE}"
    assert screen.progress_bar.value() == screen.progress_bar.maximum()


def test_a_refused_answer_is_shown_and_undone(
    qtbot: QtBot, db: Database, draft: tuple[Desk, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    desk, iid, _place = draft
    screen = InspectionWidget(desk, iid)
    qtbot.addWidget(screen)
    screen.show()
    warnings: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, title, text, *a, **k: warnings.append((title, text))))

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise UserInputError("该检查已完成，不能直接修改；如需更正，请使用“更正检查记录”。")

    monkeypatch.setattr(svc, "save_answer", refuse)
    first = _item_nodes(screen)[0]
    first_id = first.data(0, ID_ROLE)
    qtbot.keyClick(screen.tree, Qt.Key.Key_1)
    assert warnings == [("无法保存", "该检查已完成，不能直接修改；如需更正，请使用“更正检查记录”。")]
    node = next(n for n in _item_nodes(screen) if n.data(0, ID_ROLE) == first_id)
    assert node.text(1) == "—" and node.data(0, SAVED_ROLE)
    assert _answers(db, iid) == {}


def test_free_hazard_with_a_folder_of_photos(
    qtbot: QtBot, db: Database, draft: tuple[Desk, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk, iid, _place = draft
    screen = InspectionWidget(desk, iid)
    qtbot.addWidget(screen)
    screen.resize(1200, 700)
    screen.show()
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *_a, **_k: ("灭火器压力不足", True)))
    qtbot.mouseClick(screen.add_hazard_button, Qt.MouseButton.LeftButton)
    current = screen.tree.currentItem()
    assert current is not None and current.data(0, KIND_ROLE) == "free" and current.text(0) == "灭火器压力不足"
    assert screen.form.box.isVisible() and screen.form.description.toPlainText() == "灭火器压力不足"
    hazard_id = str(current.data(0, ID_ROLE))

    folder = tmp_path / "微信导出"
    folder.mkdir()
    for n, colour in enumerate(((200, 40, 40), (40, 40, 200))):
        Image.new("RGB", (800, 600), colour).save(folder / f"IMG_{n}.jpg", "JPEG")
    (folder / "说明.txt").write_text("不是照片", encoding="utf-8")
    screen.add_photo_files([folder])
    assert screen.photo_list.count() == 2
    assert screen.photo_target.text() == "照片归入：当前隐患"

    screen.form.location.setText("大厅东侧")  # Chinese arrives through the input method
    qtbot.keyClicks(screen.form.location, " 2")  # typing schedules the save
    screen.tree.setCurrentItem(_item_nodes(screen)[0])  # moving on saves the form at once
    with db.reader() as s:
        hazard = s.get(Hazard, hazard_id)
        assert hazard is not None and hazard.location == "大厅东侧 2"
        owners = {(link.owner_type, link.owner_id) for link in s.scalars(select(AttachmentLink))}
    assert owners == {("hazard", hazard_id)}
    # Back on the hazard, the form shows what was typed.
    screen.tree.setCurrentItem(screen._find(("free", hazard_id)))
    assert screen.form.location.text() == "大厅东侧 2"


def test_follow_up_list_refreshes_itself(qtbot: QtBot, db: Database, draft: tuple[Desk, str, str]) -> None:
    desk, iid, place_id = draft
    follow = FollowUpWidget(desk)
    qtbot.addWidget(follow)
    follow.set_view("major")  # far ahead, 重大 only
    follow.only_combo.setCurrentIndex(0)  # every grade
    follow.show()
    assert follow.model.rowCount() == 0
    _answer_all(desk, iid)
    elsewhere = QWidget()
    qtbot.addWidget(elsewhere)
    WriteOp(elsewhere, lambda _p: svc.finish_check(desk, iid, refusal_reason="拒绝", refusal_witness="赵玥")).run()
    assert follow.model.rowCount() == 1  # shown: refreshed at once
    assert follow.summary.text().startswith("共 1 条")

    follow.hide()
    review = ReinspectionDialog(desk, place_id)
    qtbot.addWidget(review)
    (row,) = review.rows
    row.outcome.setCurrentText("已整改")
    qtbot.mouseClick(review.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert review.result() == ReinspectionDialog.DialogCode.Accepted
    assert follow.model.rowCount() == 1  # hidden: it waits …
    follow.show()
    assert follow.model.rowCount() == 0  # … until shown


def test_reinspection_of_a_place_without_open_hazards(
    qtbot: QtBot, db: Database, draft: tuple[Desk, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    desk, _iid, place_id = draft
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda _p, _t, text, *a, **k: told.append(text)))
    review = ReinspectionDialog(desk, place_id)
    qtbot.addWidget(review)
    assert review.load_failed and review.rows == []
    assert told == ["该场所没有未销号的隐患。"]
