"""挂牌督办 of a major hazard: the 挂牌日期, 督办文号 and 督办单位, asked when its tick box is ticked.

The date defaults to today and can be neither before the day the hazard was found (the check's
date) nor after today; the 督办文号 is required; an empty 督办单位 means the township's issuing
body (see :func:`anquan_desk.services.hazards.supervise_hazard`, which checks the same again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.clock import today


@dataclass(frozen=True)
class SupervisionInput:
    listed_on: date
    supervision_no: str
    supervising_unit: str


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class SuperviseDialog(QDialog):
    """Asks for the 挂牌 details; :meth:`values` gives them once accepted."""

    def __init__(
        self,
        hazard_code: str,
        found_on: date,
        parent: QWidget | None = None,
        *,
        current: SupervisionInput | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("挂牌督办")
        now = today()
        intro = QLabel(f"隐患 {hazard_code} 是重大事故隐患。请填写挂牌督办的日期、文号和督办单位"
                       f"（挂牌日期不早于检查日期 {found_on:%Y年%m月%d日}，不晚于今天）。")
        intro.setWordWrap(True)
        self.listed_on = QDateEdit()
        self.listed_on.setCalendarPopup(True)
        self.listed_on.setDisplayFormat("yyyy年MM月dd日")
        self.listed_on.setDateRange(_qdate(found_on), _qdate(max(now, found_on)))
        self.listed_on.setDate(_qdate(current.listed_on if current else max(now, found_on)))
        self.number = QLineEdit(current.supervision_no if current else "")
        self.number.setPlaceholderText("如：红安委办督〔2026〕1号")
        self.number.setMaxLength(80)
        self.unit = QLineEdit(current.supervising_unit if current else "")
        self.unit.setPlaceholderText("不填则为本乡镇（街道）")
        self.unit.setMaxLength(100)
        form = QFormLayout()
        form.addRow("挂牌日期：", self.listed_on)
        form.addRow("督办文号：", self.number)
        form.addRow("督办单位：", self.unit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("挂牌")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.number.textChanged.connect(self._check)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(460, self.sizeHint().height())
        self._check()

    def _check(self) -> None:
        self.ok_button.setEnabled(bool(self.number.text().strip()))

    def values(self) -> SupervisionInput:
        day = self.listed_on.date()
        return SupervisionInput(
            date(day.year(), day.month(), day.day()), self.number.text().strip(), self.unit.text().strip()
        )


def supervision_text(listed_on: date | None, supervision_no: str, supervising_unit: str) -> str:
    """What is shown next to the tick box of a supervised hazard."""
    if listed_on is None:
        return "未登记挂牌日期和文号" if not supervision_no else f"督办文号：{supervision_no}"
    unit = f"（{supervising_unit}）" if supervising_unit else ""
    return f"{listed_on:%Y年%m月%d日}挂牌　{supervision_no}{unit}"
