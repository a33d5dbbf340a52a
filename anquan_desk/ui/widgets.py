"""Small building blocks the dialogs share."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialogButtonBox, QLabel


def error_label() -> QLabel:
    """A red, wrapping, initially hidden label for a dialog's Chinese error message."""
    label = QLabel()
    label.setStyleSheet("color: #c0392b;")
    label.setWordWrap(True)
    label.hide()
    return label


def show_in_label(label: QLabel, message: str) -> None:
    label.setText(message)
    label.show()


def ok_cancel_buttons(
    ok_text: str, cancel_text: str, on_ok: Callable[[], None], on_cancel: Callable[[], None]
) -> QDialogButtonBox:
    """OK/Cancel with Chinese labels; OK runs ``on_ok`` (which accepts the dialog when it succeeds)."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(on_cancel)
    return buttons
