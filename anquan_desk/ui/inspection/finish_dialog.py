"""Finishing a check: the responsible person signs, or the refusal is recorded (安全生产法 第六十八条).

Without the mouse: Alt+R ticks 负责人拒绝签字 and moves to the reason, Tab to the witness, Enter
完成检查 (signing itself needs a mouse, pen or finger on the pad)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.errors import AnquanError
from anquan_desk.services import inspections as svc
from anquan_desk.services.desk import Desk
from anquan_desk.services.inspections import FinishSummary
from anquan_desk.ui.inspection.signature_pad import SignaturePad
from anquan_desk.ui.operations import QueryOp, WriteOp, show_error
from anquan_desk.ui.widgets import error_label, ok_cancel_buttons, show_in_label


class FinishDialog(QDialog):
    """The summary of the check, the signature pad or the recorded refusal; 完成检查 closes the
    check (a write operation) and accepts the dialog; a refusal by the rules shows below."""

    def __init__(self, desk: Desk, inspection_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._inspection_id = inspection_id
        self.setWindowTitle("完成检查 — 负责人签字")
        self.resize(560, 520)

        layout = QVBoxLayout(self)
        self.summary = summary = QLabel()
        summary.setWordWrap(True)
        layout.addWidget(summary)
        form = QFormLayout()
        self.signer_edit = QLineEdit()
        form.addRow("被检查单位负责人：", self.signer_edit)
        layout.addLayout(form)
        self.pad = SignaturePad()
        layout.addWidget(self.pad, 1)
        clear = QPushButton("重新签名")
        clear.setAutoDefault(False)  # Enter is 完成检查, never a cleared signature
        clear.clicked.connect(self.pad.clear)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(clear)
        layout.addLayout(row)

        self.refused_check = QCheckBox("负责人拒绝签字(&R)（记录拒签原因和见证人，并向有关部门报告）")
        layout.addWidget(self.refused_check)
        self.refusal_box = QWidget()
        refusal = QFormLayout(self.refusal_box)
        refusal.setContentsMargins(0, 0, 0, 0)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setMaximumHeight(60)
        self.reason_edit.setTabChangesFocus(True)
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
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setDefault(True)
        ok.setAutoDefault(True)
        layout.addWidget(self.buttons)
        QueryOp(self, lambda _p: svc.finish_summary(desk, inspection_id), success=self._show_summary,
                title="完成检查").run()

    def _show_summary(self, summary: FinishSummary) -> None:
        state = summary.progress
        self.summary.setText(
            f"本次共检查 {state.total} 项，其中不合格 {state.failed} 项，发现隐患 {state.hazards} 处。"
            f"{'' if not state.remaining else f'还有 {state.remaining} 项未填写。'}"
        )
        if not self.signer_edit.isModified():
            self.signer_edit.setText(summary.signer_name)

    def _refused_toggled(self, refused: bool) -> None:
        self.refusal_box.setVisible(refused)
        self.pad.setEnabled(not refused)
        if refused:
            self.reason_edit.setFocus()

    def _finish(self) -> None:
        refused = self.refused_check.isChecked()
        if not refused and self.pad.is_empty():
            self._error("请负责人在签名框内签字；拒绝签字的请勾选“负责人拒绝签字”。")
            return
        signature = None if refused else self.pad.to_png()
        signer = self.signer_edit.text()
        reason = self.reason_edit.toPlainText() if refused else ""
        witness = self.witness_edit.text() if refused else ""
        self.buttons.setEnabled(False)
        WriteOp(
            self,
            lambda _p: svc.finish_check(self.desk, self._inspection_id, signer_name=signer, signature_png=signature,
                                        refusal_reason=reason, refusal_witness=witness),
            success=lambda _r: self.accept(),
            failure=self._not_finished,
            title="完成检查",
        ).run()

    def _not_finished(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(error, AnquanError):
            self._error(str(error))
        else:
            show_error(self, "完成检查", error)

    def _error(self, message: str) -> None:
        show_in_label(self.error_label, message)
