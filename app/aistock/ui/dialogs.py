"""The few modal questions the workstation asks, in one place.

Panels call these module functions rather than ``QMessageBox`` directly, so every confirmation
looks the same (the safe answer is the default; the button names the action, not "OK") and a
test can answer them by replacing the function (``monkeypatch.setattr(dialogs, "confirm", …)``).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from aistock.ui.jobs import error_text


def confirm(parent: QWidget | None, title: str, text: str, action: str, *, danger: bool = False) -> bool:
    """Ask before doing ``action``; Cancel is the default, so Enter never confirms by accident."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning if danger else QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    go = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QCoreApplication.translate("Dialogs", "Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is go


def ask_text(parent: QWidget | None, title: str, label: str, default: str = "") -> str | None:
    """One line of text (a reason, a name); None when cancelled."""
    text, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, default)
    return text if ok else None


def show_error(parent: QWidget | None, title: str, exc: BaseException) -> None:
    """An error the user must read: what went wrong and the fix (the traceback goes to the log)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setText(error_text(exc))
    box.exec()


def show_info(parent: QWidget | None, title: str, text: str) -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(title)
    box.setText(text)
    box.exec()
