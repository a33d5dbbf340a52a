"""Starting a check at a place: method, time, inspectors, accompanying person, checklists."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.checklists.store import current_templates, templates_for_place
from anquan_desk.core.errors import AnquanError
from anquan_desk.core.models import Place
from anquan_desk.core.vocabulary import InspectionMethod
from anquan_desk.services.checklists import ensure_builtin_library
from anquan_desk.services.desk import Desk
from anquan_desk.services.inspections import start_inspection
from anquan_desk.services.users import inspectors
from anquan_desk.ui.widgets import error_label, ok_cancel_buttons, show_in_label

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class StartInspectionDialog(QDialog):
    """After accept, ``inspection_id`` is the new draft."""

    def __init__(self, desk: Desk, place_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._db = db = desk.db
        self._place_id = place_id
        self._actor = actor = desk.actor.username
        current_user_id = desk.actor.user_id
        self.inspection_id: str | None = None
        self.setWindowTitle("开始现场检查")
        self.resize(620, 640)

        with db.session(actor) as session:
            ensure_builtin_library(session)
            place = session.get(Place, place_id)
            assert place is not None
            chosen = {t.id for t in templates_for_place(session, place)}
            templates = [(t.id, f"{t.sector} · {t.name}（第{t.version}版，{len(t.items)}项）") for t in
                         current_templates(session, enabled_only=True)]
            people = [(u.id, f"{u.name}　执法证号：{u.cert_no or '—'}") for u in inspectors(session)]
            self._place_label = f"{place.name}　{place.address}"
            responsible = place.responsible_person

        layout = QVBoxLayout(self)
        title = QLabel(self._place_label)
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
        self.accompany_edit = QLineEdit(responsible)
        form.addRow("检查方式：", self.method_combo)
        form.addRow("检查时间：", self.time_edit)
        form.addRow("陪同人员：", self.accompany_edit)
        layout.addLayout(form)

        layout.addWidget(QLabel("检查人员（至少两人）："))
        self.people_list = QListWidget()
        for user_id, label in people:
            item = QListWidgetItem(label)
            item.setData(ID_ROLE, user_id)
            item.setCheckState(Qt.CheckState.Checked if user_id == current_user_id else Qt.CheckState.Unchecked)
            self.people_list.addItem(item)
        self.people_list.setMaximumHeight(140)
        layout.addWidget(self.people_list)

        layout.addWidget(QLabel("检查表（已按场所的行业领域和类别预选）："))
        self.template_list = QListWidget()
        for template_id, label in templates:
            item = QListWidgetItem(label)
            item.setData(ID_ROLE, template_id)
            item.setCheckState(Qt.CheckState.Checked if template_id in chosen else Qt.CheckState.Unchecked)
            self.template_list.addItem(item)
        layout.addWidget(self.template_list, 1)

        self.error_label = error_label()
        layout.addWidget(self.error_label)
        self.buttons = ok_cancel_buttons("开始检查", "取消", self._start, self.reject)
        layout.addWidget(self.buttons)

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
        started: datetime = self.time_edit.dateTime().toPython()
        try:
            with self._db.session(self._actor) as session:
                inspection = start_inspection(
                    session,
                    place_id=self._place_id,
                    inspector_ids=self._checked(self.people_list),
                    template_ids=templates,
                    method=self.method_combo.currentText(),
                    started_at=started,
                    accompanying_person=self.accompany_edit.text(),
                )
                self.inspection_id = inspection.id
        except AnquanError as exc:
            self._error(str(exc))
            return
        self.accept()

    def _error(self, message: str) -> None:
        show_in_label(self.error_label, message)
