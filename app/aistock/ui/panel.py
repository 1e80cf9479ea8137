"""What a panel may offer the main window beyond its widget: a menu of its own actions.

The window builds its menu bar from the panels it hosts (issue 9: "menus generated from the
panels"): a panel that has commands worth a menu entry (New preview…, Cancel all orders, Sync
catalog…) returns them from :meth:`menu_actions`, under the title :meth:`menu_title`. The same
``QAction`` objects back the panel's own buttons, so a command is enabled, disabled and shortcut
in one place.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PySide6.QtGui import QAction


@runtime_checkable
class ProvidesMenu(Protocol):
    def menu_title(self) -> str:
        """The menu's title, translated, with an ``&`` accelerator (e.g. ``"&Orders"``)."""
        ...

    def menu_actions(self) -> list[QAction]:
        """The panel's commands in menu order; a ``None``-free list (separators are QActions)."""
        ...
