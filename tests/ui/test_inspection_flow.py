"""A whole 四不两直 check through the GUI, then the 复查 that closes the hazard (real widgets, qtbot)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import desk_as, desk_for
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from anquan_desk.core.db import Database
from anquan_desk.core.device import this_device
from anquan_desk.core.models import (
    Attachment,
    AttachmentLink,
    AuditEntry,
    Hazard,
    Inspection,
    InspectionParticipant,
    ItemResult,
    Place,
    PlaceSector,
    Reinspection,
    ReinspectionResult,
    Township,
    User,
)
from anquan_desk.services import reinspections as rein
from anquan_desk.services.users import create_user
from anquan_desk.ui.inspection.finish_dialog import FinishDialog
from anquan_desk.ui.inspection.followup import FollowUpWidget, ReinspectionDialog, history_text
from anquan_desk.ui.inspection.screen import KIND_ROLE, InspectionWidget
from anquan_desk.ui.inspection.start_dialog import StartInspectionDialog


@pytest.fixture
def ground(db: Database) -> dict[str, str]:
    with db.session("setup") as s:
        s.add(Township(name="红光镇"))
        wang = create_user(s, username="wang", name="王芳", password="12345678", cert_no="32010019002")
        li = create_user(s, username="li", name="李华", password="12345678", cert_no="32010019003")
        create_user(s, username="zhao", name="赵玥", password="12345678", cert_no="32010019004")
        place = Place(
            name="张记小馆", address="红光路12号", responsible_person="张堃", nine_small_kind="小餐饮场所",
            gas_supply="瓶装", sector_rows=[PlaceSector(sector="九小场所"), PlaceSector(sector="燃气")],
        )
        s.add(place)
        s.flush()
        return {"wang": wang.id, "li": li.id, "place": place.id}


def _photo(path: Path, colour: tuple[int, int, int]) -> Path:
    Image.new("RGB", (640, 480), colour).save(path, "JPEG")
    return path


def _audit_count(db: Database) -> int:
    with db.reader() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_whole_check_then_reinspection(qtbot: QtBot, db: Database, ground: dict[str, str], tmp_path: Path) -> None:
    # --- start: place, method, two inspectors, preselected checklists ----------------------------
    start = StartInspectionDialog(desk_for(db, "wang"), ground["place"])
    qtbot.addWidget(start)
    start.method_combo.setCurrentText("四不两直")
    checked_templates = StartInspectionDialog._checked(start.template_list)
    with db.reader() as s:
        from anquan_desk.core.models import ChecklistTemplate

        codes = sorted(s.scalars(select(ChecklistTemplate.code).where(ChecklistTemplate.id.in_(checked_templates))))
    assert codes == ["GAS-LPG", "NINE-COMMON", "NINE-FOOD"]
    ok = start.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)  # only one inspector ticked: refused
    assert start.inspection_id is None and "两名及以上" in start.error_label.text()
    start.set_checked(start.people_list, {ground["wang"], ground["li"]})
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert start.inspection_id is not None
    iid = start.inspection_id

    # --- walk the items with the keyboard: all 合格 except the first gas item ---------------------
    screen = InspectionWidget(desk_for(db, "wang"), iid)
    qtbot.addWidget(screen)
    screen.resize(1366, 700)
    screen.show()
    qtbot.waitExposed(screen)
    items = [n for n in screen._items() if n.data(0, KIND_ROLE) == "item"]
    total = len(items)
    assert total > 20
    fail_item = next(n for n in items if n.text(0).startswith("1. 用气场所安装可燃气体报警装置"))
    for node in items:
        screen.tree.setCurrentItem(node)
        key = Qt.Key.Key_2 if node is fail_item else Qt.Key.Key_1
        qtbot.keyClick(screen.tree, key)
        if node is fail_item:
            # The hazard opens pre-filled from the checklist; note the exact location.
            assert screen.form.box.isVisible()
            assert "可燃气体报警" in screen.form.description.toPlainText()
            assert "安全生产法" in screen.form.basis.toPlainText()
            screen.form.location.setText("后厨灶台旁")  # Chinese arrives through the input method
            qtbot.keyClicks(screen.form.location, " 1")  # typing saves the form
            screen.add_photo_files([_photo(tmp_path / "before.jpg", (200, 40, 40))])
            assert screen.photo_list.count() == 1
    assert screen.progress_label.text().startswith(f"已检查 {total}/{total} 项，还剩 0 项，发现隐患 1 处")
    # Until it is finished it is listed under 跟踪复查 › 未完成的检查, with its progress.
    drafts = FollowUpWidget(desk_for(db, "wang"))
    qtbot.addWidget(drafts)
    drafts.show_drafts(mine_only=True)
    listed = [drafts.draft_model.draft(r) for r in range(drafts.draft_model.rowCount())]
    assert [(d.id, d.place_name, sorted(d.inspectors), d.answered, d.total, d.hazards, d.mine) for d in listed] == [
        (iid, "张记小馆", ["李华", "王芳"], total, total, 1, True)
    ]

    # --- finish with a drawn signature ----------------------------------------------------------
    finish = FinishDialog(desk_for(db, "wang"), iid, screen)
    qtbot.addWidget(finish)
    finish.show()
    qtbot.waitExposed(finish)
    pad = finish.pad
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(40, 60))
    for x in range(40, 300, 20):
        qtbot.mouseMove(pad, QPoint(x, 60 + (x % 40)))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(300, 70))
    assert not pad.is_empty()
    qtbot.mouseClick(finish.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert finish.result() == FinishDialog.DialogCode.Accepted
    screen.reload()
    assert screen.read_only and not screen.finish_button.isVisible()
    drafts.show()  # hidden while the check was finished: it catches up when shown
    assert drafts.draft_model.rowCount() == 0

    with db.reader() as s:
        inspection = s.get(Inspection, iid)
        assert inspection is not None
        assert (inspection.status, inspection.method, inspection.signer_name) == ("已完成", "四不两直", "张堃")
        assert sorted(p.name for p in s.scalars(select(InspectionParticipant))) == ["李华", "王芳"]
        outcomes = [r.outcome for r in s.scalars(select(ItemResult))]
        assert len(outcomes) == total and outcomes.count("不合格") == 1
        hazard = s.scalars(select(Hazard)).one()
        assert (hazard.status, hazard.location, hazard.grade) == ("待整改", "后厨灶台旁 1", "一般")
        hazard_id = hazard.id
        signature = s.scalars(select(Attachment).where(Attachment.mime == "image/png")).one()
        assert signature.sha256 == inspection.signature_sha256
    audit_after_check = _audit_count(db)

    # --- follow-up list shows the hazard; 复查 closes it ----------------------------------------
    with db.reader() as s:
        user = s.get(User, ground["li"])
    assert user is not None
    follow = FollowUpWidget(desk_as(db, user))
    qtbot.addWidget(follow)
    follow.show()
    follow.days_spin.setValue(60)
    assert follow.model.rowCount() == 1
    follow.table.setCurrentIndex(follow.model.index(0, 0))
    qtbot.mouseClick(follow.history_button, Qt.MouseButton.LeftButton)
    assert follow.history_box is not None
    history = follow.history_box.text()
    assert "四不两直检查发现（李华、王芳）" in history and "修改了 具体位置" in history and "检查结束，责令整改" in history
    follow.history_box.close()
    review = ReinspectionDialog(desk_as(db, user), ground["place"])
    qtbot.addWidget(review)
    (row,) = review.rows
    assert row.before.count() == 1
    review.add_after_photos(row, [_photo(tmp_path / "after.jpg", (40, 160, 40))])
    assert row.after.count() == 1
    row.outcome.setCurrentText("已整改")
    row.note.setText("已安装可燃气体报警器并联动切断阀")
    qtbot.mouseClick(review.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert review.result() == ReinspectionDialog.DialogCode.Accepted
    # The 复查 ends with what changed, and the 整改复查意见书 a click away.
    summary = review.summary_dialog
    assert summary is not None and summary.isVisible()
    assert "1 处已整改并销号，0 处限期整改" in summary.heading.text()
    line = summary.changes.item(0).text()
    assert line.startswith("YH") and f"-{this_device().short}-" not in line  # no laptop code shown
    assert "可燃气体报警" in line and line.endswith("：已整改，予以销号")
    assert summary.document_button.text() == "出具整改复查意见书…"
    summary.close()  # (deleted on close)
    history = history_text(rein.hazard_events(desk_as(db, user), hazard_id))
    assert "复查（李华、王芳）：已整改，已安装可燃气体报警器并联动切断阀，予以销号" in history
    assert follow.model.rowCount() == 0  # the list refreshed itself: the hazard is closed
    follow.refresh()
    assert follow.model.rowCount() == 0

    with db.reader() as s:
        hazard = s.get(Hazard, hazard_id)
        assert hazard is not None and hazard.status == "已销号" and hazard.closed_on is not None
        reinspection = s.scalars(select(Reinspection)).one()
        assert reinspection.finished and "予以销号" in reinspection.opinion
        result = s.scalars(select(ReinspectionResult)).one()
        assert (result.outcome, result.closed) == ("已整改", True)
        roles = sorted(link.role for link in s.scalars(select(AttachmentLink)))
        assert roles == ["after", "photo", "signature"]
        events = [
            (e.actor, e.action, e.entity)
            for e in s.scalars(select(AuditEntry).where(AuditEntry.seq > audit_after_check).order_by(AuditEntry.seq))
        ]
    # The re-inspection's audit trail: started, photo stored and linked, result, closure, finish.
    assert ("li", "insert", "reinspections") in events
    assert ("li", "update", "hazards") in events
    assert events[-1] == ("li", "finish", "reinspections")
    with db.reader() as s:
        finish_entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "finish", AuditEntry.entity == "inspections")
        ).one()
        assert finish_entry.actor == "wang"
        assert json.loads(finish_entry.payload) == {"hazards": 1, "refused": False}
