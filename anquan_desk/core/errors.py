"""Typed errors that separate "the user's input is bad" from "we have a bug".

Every error the user can cause carries a Chinese message that names where the problem is
(file, sheet, row, column) so it can be shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass


class AnquanError(Exception):
    """Base of errors whose message is meant for the user (Chinese)."""


class UserInputError(AnquanError):
    """Something the user entered or handed us is not acceptable; nothing was changed."""


@dataclass(frozen=True)
class Location:
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""

    def describe(self) -> str:
        parts = []
        if self.file:
            parts.append(f"文件“{self.file}”")
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"“{self.column}”列")
        return "，".join(parts)


class FileInputError(UserInputError):
    """A file the user gave us cannot be used; the message names where."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        self.location = location or Location()
        self.detail = message
        where = self.location.describe()
        super().__init__(f"{where}：{message}" if where else message)


class NotFoundError(AnquanError):
    """A record the caller asked for does not exist."""


class PermissionDeniedError(AnquanError):
    """The logged-in user may not do this."""


class DatabaseError(AnquanError):
    """The database file is unusable (not ours, corrupt, newer than this program)."""


class OperationCancelled(AnquanError):
    """The user cancelled a long operation; whatever it had started was undone."""

    def __init__(self, message: str = "已取消。") -> None:
        super().__init__(message)
