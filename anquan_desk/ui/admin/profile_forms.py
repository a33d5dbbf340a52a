"""The parts of the township profile, as widgets the setup wizard and the profile dialog share.

Each form shows its part of a :class:`~anquan_desk.services.township.TownshipProfile`
(:meth:`set_profile`) and writes its fields into a copy (:meth:`fill`); ``changed`` fires on every
edit. Defaults are shown as placeholders (the short name from the name, the county's government
and court …), so an empty field means "the default".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.documents.snapshot import DocType
from anquan_desk.services.numbering import NUMBERED_TYPES
from anquan_desk.services.township import (
    DOC_TYPE_LABELS,
    MAX_SERIAL_WIDTH,
    TOWNSHIP_FORMATS,
    TOWNSHIP_KINDS,
    NumberFormatSpec,
    TownshipProfile,
    default_issuer,
    default_short_name,
)

_LIST_SPLIT = re.compile(r"[、；;，,\n]+")


def _wrap(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class TownshipForm(QWidget):
    """Name, 乡镇/街道, short name, issuing authority, county, its government, 复议机关, court."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("如 白沙镇、城东街道")
        self.kind_combo = QComboBox()
        self.kind_combo.addItems(list(TOWNSHIP_KINDS))
        self.short_edit = QLineEdit()
        self.issuer_edit = QLineEdit()
        self.county_edit = QLineEdit()
        self.county_edit.setPlaceholderText("如 青溪县、江宁区")
        self.government_edit = QLineEdit()
        self.bodies_edit = QLineEdit()
        self.court_edit = QLineEdit()
        form = QFormLayout(self)
        form.addRow("乡镇（街道）名称：", self.name_edit)
        form.addRow("类型：", self.kind_combo)
        form.addRow("简称（用于文书编号）：", self.short_edit)
        form.addRow("发文机关：", self.issuer_edit)
        form.addRow("所属县（区）：", self.county_edit)
        form.addRow("县（区）人民政府：", self.government_edit)
        form.addRow("行政复议机关：", self.bodies_edit)
        form.addRow("行政诉讼人民法院：", self.court_edit)
        form.addRow("", _wrap(
            "复议机关和人民法院写入文书的权利告知（“如不服……可在六十日内向……申请行政复议，或者在六个月内向……"
            "提起行政诉讼”）。有几个复议机关时用顿号隔开。留空的项按灰色提示的默认值填写。"
        ))
        for edit in (self.name_edit, self.short_edit, self.issuer_edit, self.county_edit, self.government_edit,
                     self.bodies_edit, self.court_edit):
            edit.textChanged.connect(self._edited)
        self.kind_combo.currentIndexChanged.connect(self._edited)
        self._edited()

    def _edited(self) -> None:
        name = self.name_edit.text().strip()
        county = self.county_edit.text().strip()
        self.short_edit.setPlaceholderText(default_short_name(name) if name else "如 白沙")
        self.issuer_edit.setPlaceholderText(default_issuer(name, self.kind_combo.currentText()) if name else "")
        government = self.government_edit.text().strip() or (f"{county}人民政府" if county else "")
        self.government_edit.setPlaceholderText(f"{county}人民政府" if county else "")
        self.bodies_edit.setPlaceholderText(government)
        self.court_edit.setPlaceholderText(f"{county}人民法院" if county else "")
        self.changed.emit()

    def set_profile(self, profile: TownshipProfile) -> None:
        self.name_edit.setText(profile.name)
        self.kind_combo.setCurrentText(profile.kind or TOWNSHIP_KINDS[0])
        self.short_edit.setText(profile.short_name)
        self.issuer_edit.setText(profile.issuer)
        self.county_edit.setText(profile.county)
        self.government_edit.setText(profile.county_government)
        self.bodies_edit.setText("、".join(profile.reconsideration_bodies))
        self.court_edit.setText(profile.court)

    def fill(self, profile: TownshipProfile) -> TownshipProfile:
        bodies = tuple(b.strip() for b in _LIST_SPLIT.split(self.bodies_edit.text()) if b.strip())
        return replace(
            profile,
            name=self.name_edit.text(),
            kind=self.kind_combo.currentText(),
            short_name=self.short_edit.text(),
            issuer=self.issuer_edit.text(),
            county=self.county_edit.text(),
            county_government=self.government_edit.text(),
            reconsideration_bodies=bodies,
            court=self.court_edit.text(),
        )


class EnforcementForm(QWidget):
    """Whether the township is authorised to enforce (委托 / 赋权), with the document's 文号 and date."""

    changed = Signal()
    CHOICES = ("", "委托", "赋权")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.none_radio = QRadioButton("未受委托或赋权：以本乡镇（街道）的名义出具《安全隐患整改通知书》")
        self.entrust_radio = QRadioButton("受委托执法：县（区）应急管理部门依法委托本乡镇（街道）实施行政执法")
        self.empower_radio = QRadioButton("赋权执法：依法赋予本乡镇（街道）行政执法权")
        self.group = QButtonGroup(self)
        for index, radio in enumerate((self.none_radio, self.entrust_radio, self.empower_radio)):
            self.group.addButton(radio, index)
        self.none_radio.setChecked(True)
        self.document_edit = QLineEdit()
        self.document_edit.setPlaceholderText("如 青应急〔2024〕12号")
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy年M月d日")
        self.date_edit.setDate(QDate.currentDate())
        self.explain = _wrap("")
        form = QFormLayout()
        form.addRow("委托（赋权）文件文号：", self.document_edit)
        form.addRow("文件日期：", self.date_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(_wrap("本乡镇（街道）是否受委托或赋权实施安全生产行政执法？这决定出具哪一套文书。"))
        for radio in (self.none_radio, self.entrust_radio, self.empower_radio):
            layout.addWidget(radio)
        layout.addLayout(form)
        layout.addWidget(self.explain)
        layout.addStretch(1)
        self.group.idToggled.connect(lambda _id, _on: self._edited())
        self.document_edit.textChanged.connect(self._edited)
        self.date_edit.dateChanged.connect(self._edited)
        self._edited()

    @property
    def authorisation(self) -> str:
        return self.CHOICES[max(self.group.checkedId(), 0)]

    def _edited(self) -> None:
        authorised = bool(self.authorisation)
        self.document_edit.setEnabled(authorised)
        self.date_edit.setEnabled(authorised)
        if authorised:
            self.explain.setText(
                "检查发现隐患时出具《责令限期整改指令书》（含行政复议和行政诉讼的权利告知）；"
                "另有《现场检查记录》和《整改复查意见书》。"
            )
        else:
            self.explain.setText(
                "检查发现隐患时出具本乡镇（街道）的《安全隐患整改通知书》，不出具执法文书；"
                "另有《现场检查记录》和《整改复查意见书》。文书编号不得含“应急”。"
            )
        self.changed.emit()

    def set_profile(self, profile: TownshipProfile) -> None:
        index = self.CHOICES.index(profile.authorisation) if profile.authorisation in self.CHOICES else 0
        button = self.group.button(index)
        if button is not None:
            button.setChecked(True)
        self.document_edit.setText(profile.authorisation_document)
        when = profile.authorisation_date
        self.date_edit.setDate(QDate(when.year, when.month, when.day) if when else QDate.currentDate())

    def fill(self, profile: TownshipProfile) -> TownshipProfile:
        authorisation = self.authorisation
        picked = self.date_edit.date()
        return replace(
            profile,
            authorisation=authorisation,
            authorisation_document=self.document_edit.text() if authorisation else "",
            authorisation_date=date(picked.year(), picked.month(), picked.day()) if authorisation else None,
        )


class NumberFormatsForm(QWidget):
    """One row per numbered document type: format, 代字, serial width and the next number."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, preview_title: str = "下一个编号") -> None:
        super().__init__(parent)
        grid = QGridLayout()
        for column, title in enumerate(("文书", "编号格式", "代字", "流水号位数", preview_title)):
            header = QLabel(f"<b>{title}</b>")
            grid.addWidget(header, 0, column)
        self.templates: dict[DocType, QLineEdit] = {}
        self.prefixes: dict[DocType, QLineEdit] = {}
        self.widths: dict[DocType, QSpinBox] = {}
        self.previews: dict[DocType, QLabel] = {}
        self.labels: dict[DocType, QLabel] = {}
        for row, doc_type in enumerate(NUMBERED_TYPES, start=1):
            label = QLabel(DOC_TYPE_LABELS[doc_type])
            template = QLineEdit()
            template.setMinimumWidth(300)
            prefix = QLineEdit()
            prefix.setMaximumWidth(90)
            width = QSpinBox()
            width.setRange(1, MAX_SERIAL_WIDTH)
            preview = QLabel()
            preview.setMinimumWidth(220)
            self.labels[doc_type], self.templates[doc_type], self.prefixes[doc_type] = label, template, prefix
            self.widths[doc_type], self.previews[doc_type] = width, preview
            for col, widget in enumerate((label, template, prefix, width, preview)):
                grid.addWidget(widget, row, col)
            template.textChanged.connect(self.changed)
            prefix.textChanged.connect(self.changed)
            width.valueChanged.connect(self.changed)
        grid.setColumnStretch(1, 1)
        self.reset_button = QPushButton("恢复默认格式")
        self.reset_button.setAutoDefault(False)
        self.reset_button.clicked.connect(self.reset)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reset_button)
        layout = QVBoxLayout(self)
        layout.addWidget(_wrap(
            "编号格式中可用：{region} 简称，{prefix} 代字，{year} 年份，{serial} 流水号，"
            "{serial_padded} 按位数补零的流水号。每种文书按代字各自逐年编号；乡镇（街道）自己的文书编号不能含“应急”。"
        ))
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.set_formats(TOWNSHIP_FORMATS)

    def set_formats(self, formats: Mapping[DocType, NumberFormatSpec]) -> None:
        for doc_type in NUMBERED_TYPES:
            spec = formats.get(doc_type, TOWNSHIP_FORMATS[doc_type])
            self.templates[doc_type].setText(spec.template)
            self.prefixes[doc_type].setText(spec.prefix)
            self.widths[doc_type].setValue(spec.serial_width)

    def reset(self) -> None:
        self.set_formats(TOWNSHIP_FORMATS)

    def set_profile(self, profile: TownshipProfile) -> None:
        self.set_formats(profile.number_formats)

    def formats(self) -> dict[DocType, NumberFormatSpec]:
        return {
            t: NumberFormatSpec(self.templates[t].text(), self.prefixes[t].text(), self.widths[t].value())
            for t in NUMBERED_TYPES
        }

    def fill(self, profile: TownshipProfile) -> TownshipProfile:
        return replace(profile, number_formats=self.formats())

    def mark_issued(self, issued: tuple[DocType, ...]) -> None:
        """Grey out the types the township does not issue in its current mode."""
        for doc_type in NUMBERED_TYPES:
            used = doc_type in issued
            self.labels[doc_type].setText(DOC_TYPE_LABELS[doc_type] + ("" if used else "（当前不出具）"))
            self.labels[doc_type].setEnabled(used)

    def show_previews(self, previews: dict[DocType, str]) -> None:
        for doc_type, label in self.previews.items():
            label.setText(previews.get(doc_type, ""))
