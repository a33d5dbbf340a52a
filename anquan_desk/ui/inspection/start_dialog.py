"""Starting a check at a place: method, time, inspectors, accompanying person, checklists."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.errors import AnquanError
from anquan_desk.core.vocabulary import InspectionMethod
from anquan_desk.services import inspections as svc
from anquan_desk.services.desk import Desk
from anquan_desk.services.inspections import StartChoices
from anquan_desk.ui.operations import WriteOp, show_error
from anquan_desk.ui.widgets import error_label, ok_cancel_buttons, show_in_label

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class StartInspectionDialog(QDialog):
    """After accept, ``inspection_id`` is the new draft.

    The choices (checklists preselected for the place, the current user among the inspectors) come
    from ``inspections.start_choices``, which first brings the built-in checklist library up to
    date — a write, so it runs as a write operation; the draft is started by another."""

    def __init__(self, desk: Desk, place_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._place_id = place_id
        self.inspection_id: str | None = None
        self.setWindowTitle("开始现场检查")
        self.resize(620, 640)

        layout = QVBoxLayout(self)
        self.title = title = QLabel()
        font = title.font()
        font.setPointSize(font.pointSize() + 2)
        font.setBold(True)
        title.setFont(font)
        title.setWordWrap(True)
        layout.addWidget(title)

        form = QFormLayout()
        self.method_combo = QComboBox()
        for method in InspectionMethod:
            self.method_combo.addItem(method.value)
        self.time_edit = QDateTimeEdit(QDateTime.currentDateTime())
        self.time_edit.setDisplayFormat("yyyy年MM月dd日 HH:mm")
        self.time_edit.setCalendarPopup(True)
        self.accompany_edit = QLineEdit()
        form.addRow("检查方式：", self.method_combo)
        form.addRow("检查时间：", self.time_edit)
        form.addRow("陪同人员：", self.accompany_edit)
        layout.addLayout(form)

        layout.addWidget(QLabel("检查人员（至少两人）："))
        self.people_list = QListWidget()
        self.people_list.setMaximumHeight(140)
        layout.addWidget(self.people_list)

        layout.addWidget(QLabel("检查表（已按场所的行业领域和类别预选）："))
        self.template_list = QListWidget()
        layout.addWidget(self.template_list, 1)

        self.error_label = error_label()
        layout.addWidget(self.error_label)
        self.buttons = ok_cancel_buttons("开始检查", "取消", self._start, self.reject)
        self._ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._ok.setEnabled(False)  # until the choices are there
        layout.addWidget(self.buttons)
        # The first time (or after an update of the program) the built-in library is written first.
        WriteOp(self, lambda _p: svc.start_choices(desk, place_id), success=self._show_choices,
                failure=self._failed, title="开始现场检查").with_progress("正在准备检查表…").run()

    def _show_choices(self, choices: StartChoices) -> None:
        self.title.setText(f"{choices.place_name}　{choices.place_address}")
        if not self.accompany_edit.isModified():
            self.accompany_edit.setText(choices.responsible_person)
        current_user_id = self.desk.actor.user_id
        self.people_list.clear()
        for person in choices.inspectors:
            item = QListWidgetItem(f"{person.name}　执法证号：{person.cert_no or '—'}")
            item.setData(ID_ROLE, person.id)
            item.setCheckState(Qt.CheckState.Checked if person.id == current_user_id else Qt.CheckState.Unchecked)
            self.people_list.addItem(item)
        self.template_list.clear()
        for t in choices.templates:
            item = QListWidgetItem(f"{t.sector} · {t.name}（第{t.version}版，{t.item_count}项）")
            item.setData(ID_ROLE, t.id)
            item.setCheckState(Qt.CheckState.Checked if t.id in choices.preselected else Qt.CheckState.Unchecked)
            self.template_list.addItem(item)
        self._ok.setEnabled(True)

    @staticmethod
    def _checked(widget: QListWidget) -> list[str]:
        return [
            str(widget.item(i).data(ID_ROLE))
            for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked
        ]

    def set_checked(self, widget: QListWidget, ids: set[str]) -> None:
        for i in range(widget.count()):
            item = widget.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(ID_ROLE) in ids else Qt.CheckState.Unchecked)

    def _start(self) -> None:
        templates = self._checked(self.template_list)
        if not templates:
            self._error("请至少选择一张检查表。")
            return
        when = self.time_edit.dateTime()
        day, moment = when.date(), when.time()
        started = datetime(day.year(), day.month(), day.day(), moment.hour(), moment.minute(), moment.second())
        people = self._checked(self.people_list)
        method, accompanying = self.method_combo.currentText(), self.accompany_edit.text()
        self._ok.setEnabled(False)
        WriteOp(
            self,
            lambda _p: svc.start_draft(self.desk, place_id=self._place_id, inspector_ids=people,
                                       template_ids=templates, method=method, started_at=started,
                                       accompanying_person=accompanying),
            success=self._started,
            failure=self._failed,
            title="开始现场检查",
        ).run()

    def _started(self, inspection_id: str) -> None:
        self.inspection_id = inspection_id
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._ok.setEnabled(self.template_list.count() > 0)
        if isinstance(error, AnquanError):
            self._error(str(error))
        else:
            show_error(self, "开始现场检查", error)

    def _error(self, message: str) -> None:
        show_in_label(self.error_label, message)
