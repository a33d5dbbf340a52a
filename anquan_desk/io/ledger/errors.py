"""Typed errors of the ledger engine."""

from __future__ import annotations

from pathlib import Path

from anquan_desk.core.errors import FileInputError, Location, OperationCancelled


class ExportCancelled(OperationCancelled):
    """The user cancelled an export; nothing was left at the target path."""

    def __init__(self, path: Path, rows_written: int) -> None:
        self.path = path
        self.rows_written = rows_written
        super().__init__(f"已取消导出“{path.name}”，未生成文件（已处理 {rows_written} 行）。")


class TemplateError(FileInputError):
    """A district template cannot be understood; the message names file, sheet, row and column."""

    def __init__(self, message: str, *, file: Path, sheet: str = "", row: int | None = None, column: str = "") -> None:
        super().__init__(message, Location(file=file.name, sheet=sheet, row=row, column=column))
