"""乡镇（街道）信息 (administrator): everything the setup wizard asked, editable; every change is in the
audit log with the township row. The 文书编号 tab shows the number each type would get next on
this laptop with the formats as edited."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from anquan_desk.core.changes import Changes
from anquan_desk.core.device import Device, this_device
from anquan_desk.core.documents.snapshot import DocType
from anquan_desk.core.errors import AnquanError
from anquan_desk.services import township as township_service
from anquan_desk.services.desk import Desk
from anquan_desk.services.township import TownshipProfile
from anquan_desk.ui.admin.profile_forms import EnforcementForm, NumberFormatsForm, TownshipForm
from anquan_desk.ui.operations import QueryOp, WriteOp, change_hub, show_error
from anquan_desk.ui.widgets import error_label, show_in_label

TITLE = "乡镇（街道）信息"


class TownshipDialog(QDialog):
    def __init__(self, desk: Desk, parent: QWidget | None = None, device: Device | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.device = device or this_device()
        self.profile: TownshipProfile | None = None
        self.saved: TownshipProfile | None = None
        self.setWindowTitle(TITLE)
        self.township_form = TownshipForm()
        self.enforcement_form = EnforcementForm()
        self.numbers_form = NumberFormatsForm(preview_title="本机下一个编号")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.township_form, "基本信息")
        self.tabs.addTab(self.enforcement_form, "执法授权")
        self.tabs.addTab(self.numbers_form, "文书编号")
        self.error_label = error_label()
        self.status_label = QLabel()
        self.save_button = QPushButton("保存")
        self.close_button = QPushButton("关闭")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.numbers_form.reset_button.setAutoDefault(False)
        self.close_button.setAutoDefault(False)
        self.save_button.setDefault(True)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(250)
        self._preview_timer.timeout.connect(self.refresh_previews)
        for form in (self.township_form, self.enforcement_form, self.numbers_form):
            form.changed.connect(self._edited)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        change_hub.subscribe(self, self._changed)
        self.resize(1000, 560)
        self.reload()

    def _changed(self, changes: Changes, initiator: object) -> None:
        if changes.touches("townships", "issued_numbers", "number_blocks") and initiator is not self:
            self.reload()

    def reload(self) -> None:
        QueryOp(self, lambda _p: township_service.township_profile(self.desk), success=self._show, title=TITLE).run()

    def _show(self, profile: TownshipProfile | None) -> None:
        self.profile = profile
        self.save_button.setEnabled(profile is not None)
        if profile is None:
            show_in_label(self.error_label, "尚未设置乡镇（街道）信息。")
            return
        for form in (self.township_form, self.enforcement_form, self.numbers_form):
            form.set_profile(profile)
        self.status_label.clear()
        self.refresh_previews()

    def edited_profile(self) -> TownshipProfile | None:
        if self.profile is None:
            return None
        profile = self.township_form.fill(self.profile)
        profile = self.enforcement_form.fill(profile)
        return self.numbers_form.fill(profile)

    def _edited(self) -> None:
        self.status_label.setText("有未保存的修改")
        profile = self.edited_profile()
        if profile is not None:
            self.numbers_form.mark_issued(profile.issued_types)
        self._preview_timer.start()

    def refresh_previews(self) -> None:
        profile = self.edited_profile()
        if profile is None:
            return
        self.numbers_form.mark_issued(profile.issued_types)
        device_id = self.device.id
        QueryOp(self, lambda _p: township_service.next_numbers(self.desk, profile, device_id),
                success=self._show_previews, title=TITLE).run()

    def _show_previews(self, previews: dict[DocType, str]) -> None:
        self.numbers_form.show_previews(previews)

    def save(self) -> None:
        profile = self.edited_profile()
        if profile is None:
            return
        self.save_button.setEnabled(False)
        WriteOp(self, lambda _p: township_service.update_township_profile(self.desk, profile),
                success=self._saved, failure=self._refused, title=TITLE).run()

    def _saved(self, profile: TownshipProfile) -> None:
        self.saved = profile
        self.save_button.setEnabled(True)
        self.error_label.hide()
        self._show(profile)
        self.status_label.setText("已保存")

    def _refused(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, AnquanError):
            show_in_label(self.error_label, str(error))
        else:
            show_error(self, TITLE, error)
