"""本地参数: the township's values for the checklist library's named parameters (钢瓶总量 ≤100 千克 …).

A table of every parameter — name, description, unit, the built-in value and the township's value (the
only editable column; empty = use the built-in value). Saving calls
:func:`anquan_desk.services.checklists.save_parameter_values` in a write operation, which stores the
values and re-renders every template whose text changes as a new version. Invalid input is refused
with a Chinese message and nothing is stored.

The rows are the shipped library's parameters — a fixed list of about twenty that no data makes
longer — so the table stays a ``QTableWidget``. The township's values are read by a query operation
and read again when another operation changes them (cells the user has typed into are kept).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.changes import Changes
from anquan_desk.core.checklists import ChecklistLibrary
from anquan_desk.core.checklists.library import ParamValue
from anquan_desk.core.checklists.store import default_library
from anquan_desk.core.errors import AnquanError
from anquan_desk.services import checklists
from anquan_desk.services.checklists import TemplateChange
from anquan_desk.services.desk import Desk
from anquan_desk.ui.operations import QueryOp, WriteOp, change_hub, show_error

COLUMNS = ("参数", "说明", "单位", "内置值", "本乡镇取值")
COL_NAME, COL_DESCRIPTION, COL_UNIT, COL_BUILTIN, COL_VALUE = range(5)


def value_text(value: ParamValue) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class ParameterError(ValueError):
    """A township value that cannot be used (message in Chinese)."""


class ParametersDialog(QDialog):
    """Edit the township's parameter values. After a successful save the dialog is accepted and
    :attr:`new_versions` lists the re-rendered templates as ``(code, version)``."""

    def __init__(self, desk: Desk, *, read_only: bool = False,
                 library: ChecklistLibrary | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.read_only = read_only
        self.library = library if library is not None else default_library()
        self.new_versions: list[tuple[str, int]] = []
        self.names = list(self.library.parameters)  # the library's order: related values together
        self._shown_values: dict[str, str] = {}  # the township values as last read, by parameter
        self._stale = False
        self.setWindowTitle("本地参数")
        self.resize(1000, 560)

        intro = QLabel("检查表条目中的数值（如钢瓶存放总量、软管长度）按本乡镇规定调整。"
                       "“本乡镇取值”留空表示使用内置值；保存后，引用该参数的检查表生成新版本。")
        intro.setWordWrap(True)
        self.table = QTableWidget(len(self.names), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        triggers = (QAbstractItemView.EditTrigger.NoEditTriggers if read_only else
                    QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                    | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.setEditTriggers(triggers)
        bold = QFont(self.table.font())
        bold.setBold(True)
        for row, name in enumerate(self.names):
            param = self.library.parameters[name]
            cells = (name, param.description, param.unit, value_text(param.value), "")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column != COL_VALUE:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                    item.setToolTip(param.basis if column in (COL_NAME, COL_DESCRIPTION) else text)
                else:
                    item.setFont(bold)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        for column in (COL_UNIT, COL_BUILTIN):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(COL_VALUE, 110)

        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #c00000;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText("保存")
        save.setEnabled(not read_only)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("关闭" if read_only else "取消")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        change_hub.subscribe(self, self._changed)
        self.reload()

    # --- reading -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the township's values (cells the user has changed since the last reading are kept)."""
        self._stale = False
        QueryOp(self, lambda _p: checklists.township_parameter_values(self.desk), success=self._show_values,
                title="本地参数").run()

    def _show_values(self, overrides: dict[str, ParamValue]) -> None:
        for row, name in enumerate(self.names):
            township = overrides.get(name)
            text = value_text(township) if township is not None else ""
            item = self._value_cell(row)
            if item.text() == self._shown_values.get(name, ""):  # not typed over by the user
                item.setText(text)
                item.setToolTip(text)
            self._shown_values[name] = text

    def _changed(self, changes: Changes, initiator: object) -> None:
        if initiator is self or not checklists.parameters_changed(changes):
            return
        self._stale = True
        if self.isVisible():
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    # --- values ----------------------------------------------------------------------------

    def row_of(self, name: str) -> int:
        return self.names.index(name)

    def _value_cell(self, row: int) -> QTableWidgetItem:
        item = self.table.item(row, COL_VALUE)
        assert item is not None  # every cell is made in __init__
        return item

    def set_value(self, name: str, text: str) -> None:
        """Type ``text`` into the township column of parameter ``name``."""
        self._value_cell(self.row_of(name)).setText(text)

    def _parse(self, row: int) -> ParamValue | None:
        name = self.names[row]
        param = self.library.parameters[name]
        text = self._value_cell(row).text().strip()
        if not text:
            return None
        label = f"第 {row + 1} 行“{param.description}”（{name}）"
        if not isinstance(param.value, int | float):
            return text
        try:
            number: int | float = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise ParameterError(f"{label}应填写数字，“{text}”不是数字") from None
            if number != number or number in (float("inf"), float("-inf")):
                raise ParameterError(f"{label}应填写数字，“{text}”不是数字") from None
        if number < 0:
            raise ParameterError(f"{label}不能为负数：{text}")
        return number

    def values(self) -> dict[str, ParamValue]:
        """The township values in the table (empty cells left out); raises :class:`ParameterError`."""
        out: dict[str, ParamValue] = {}
        for row, name in enumerate(self.names):
            value = self._parse(row)
            if value is not None:
                out[name] = value
        return out

    def save(self) -> None:
        """Store the values in a write operation: the dialog is accepted when they are stored, else
        the reason is shown under the table and nothing is stored."""
        if self.read_only:
            return
        try:
            overrides = self.values()
        except ParameterError as exc:
            self._refused(exc)
            return
        WriteOp(self, lambda _p: checklists.save_parameter_values(self.desk, overrides, library=self.library),
                success=self._saved, failure=self._save_failed, title="本地参数").run()

    def _saved(self, changed: tuple[TemplateChange, ...]) -> None:
        self.new_versions = [(t.code, t.version) for t in changed]
        self.accept()

    def _save_failed(self, error: BaseException) -> None:
        if isinstance(error, AnquanError):
            self._refused(error)
        else:
            show_error(self, "本地参数", error)

    def _refused(self, error: Exception) -> None:
        self.error_label.setText(f"未保存：{error}")
        self.error_label.show()
