"""Finishing a check: the responsible person signs, or the refusal is recorded (安全生产法 第六十八条)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.attachments import AttachmentStore
from anquan_desk.core.errors import AnquanError
from anquan_desk.core.models import Inspection
from anquan_desk.services import inspections as svc
from anquan_desk.services.desk import Desk
from anquan_desk.ui.inspection.signature_pad import SignaturePad
from anquan_desk.ui.widgets import error_label, ok_cancel_buttons, show_in_label


class FinishDialog(QDialog):
    def __init__(self, desk: Desk, inspection_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._db = db = desk.db
        self._inspection_id = inspection_id
        self._actor = desk.actor.username
        self.setWindowTitle("完成检查 — 负责人签字")
        self.resize(560, 520)
        with db.reader() as session:
            inspection = session.get(Inspection, inspection_id)
            assert inspection is not None
            state = svc.progress(session, inspection_id)
            hazards = len(inspection.hazards)
            signer = inspection.signer_name

        layout = QVBoxLayout(self)
        summary = QLabel(f"本次共检查 {state.total} 项，其中不合格 {state.failed} 项，发现隐患 {hazards} 处。"
                         f"{'' if not state.remaining else f'还有 {state.remaining} 项未填写。'}")
        summary.setWordWrap(True)
        layout.addWidget(summary)
        form = QFormLayout()
        self.signer_edit = QLineEdit(signer)
        form.addRow("被检查单位负责人：", self.signer_edit)
        layout.addLayout(form)
        self.pad = SignaturePad()
        layout.addWidget(self.pad, 1)
        clear = QPushButton("重新签名")
        clear.clicked.connect(self.pad.clear)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(clear)
        layout.addLayout(row)

        self.refused_check = QCheckBox("负责人拒绝签字（记录拒签原因和见证人，并向有关部门报告）")
        layout.addWidget(self.refused_check)
        self.refusal_box = QWidget()
        refusal = QFormLayout(self.refusal_box)
        refusal.setContentsMargins(0, 0, 0, 0)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setMaximumHeight(60)
        self.witness_edit = QLineEdit()
        self.witness_edit.setPlaceholderText("见证人姓名及身份，如：网格员 赵玥")
        refusal.addRow("拒签原因：", self.reason_edit)
        refusal.addRow("见证人：", self.witness_edit)
        self.refusal_box.setVisible(False)
        layout.addWidget(self.refusal_box)
        self.refused_check.toggled.connect(self._refused_toggled)

        self.error_label = error_label()
        layout.addWidget(self.error_label)
        self.buttons = ok_cancel_buttons("完成检查", "返回", self._finish, self.reject)
        layout.addWidget(self.buttons)

    def _refused_toggled(self, refused: bool) -> None:
        self.refusal_box.setVisible(refused)
        self.pad.setEnabled(not refused)

    def _finish(self) -> None:
        refused = self.refused_check.isChecked()
        if not refused and self.pad.is_empty():
            self._error("请负责人在签名框内签字；拒绝签字的请勾选“负责人拒绝签字”。")
            return
        try:
            with self._db.session(self._actor) as session:
                svc.finish_inspection(
                    session,
                    AttachmentStore(self._db.attachments_dir),
                    self._inspection_id,
                    signer_name=self.signer_edit.text(),
                    signature_png=None if refused else self.pad.to_png(),
                    refusal_reason=self.reason_edit.toPlainText() if refused else "",
                    refusal_witness=self.witness_edit.text() if refused else "",
                )
        except AnquanError as exc:
            self._error(str(exc))
            return
        self.accept()

    def _error(self, message: str) -> None:
        show_in_label(self.error_label, message)
