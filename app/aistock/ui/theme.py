"""Light and dark themes: a Qt style sheet per theme plus a matching palette.

The style sheets live in ``resources/themes/{light,dark}.qss`` so they can be tuned without
touching code. The palette is set too because a style sheet does not reach everything (pyqtgraph
backgrounds, message boxes, native scroll bars take their colours from the palette). Badges that
carry a safety meaning (the LIVE account, stale data) are styled on the widget itself, never by
the theme, so no theme can make them look harmless.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from aistock.ui.resources import icons_dir, themes_dir

log = logging.getLogger(__name__)

LIGHT = "light"
DARK = "dark"
THEMES: tuple[str, ...] = (LIGHT, DARK)
DEFAULT_THEME = LIGHT
_THEME_PROPERTY = "aistockTheme"
ICONS_PLACEHOLDER = "@ICONS@"


def load_style_sheet(theme: str) -> str:
    """The style sheet text of ``theme``; empty (Qt's default look) when the file is missing."""
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r} — use one of {', '.join(THEMES)}")
    path = themes_dir() / f"{theme}.qss"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        log.warning("theme style sheet %s cannot be read (%s); using Qt's default look", path, exc)
        return ""
    # QSS resolves relative url()s against the working directory, so give it absolute paths.
    return text.replace(ICONS_PLACEHOLDER, icons_dir().as_posix())


def _palette(theme: str) -> QPalette:
    if theme == LIGHT:
        return QPalette(QColor("#f5f6f8"))
    p = QPalette()
    role = QPalette.ColorRole
    colours = {
        role.Window: "#1f2227",
        role.WindowText: "#e3e6eb",
        role.Base: "#17191d",
        role.AlternateBase: "#23262c",
        role.ToolTipBase: "#2b2f36",
        role.ToolTipText: "#e3e6eb",
        role.PlaceholderText: "#8a919c",
        role.Text: "#e3e6eb",
        role.Button: "#2b2f36",
        role.ButtonText: "#e3e6eb",
        role.BrightText: "#ffffff",
        role.Highlight: "#3d6fb4",
        role.HighlightedText: "#ffffff",
        role.Link: "#7fb0ff",
    }
    for r, c in colours.items():
        p.setColor(r, QColor(c))
    p.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor("#6b717b"))
    p.setColor(QPalette.ColorGroup.Disabled, role.WindowText, QColor("#6b717b"))
    p.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor("#6b717b"))
    return p


def apply_theme(app: QApplication, theme: str) -> None:
    """Switch ``app`` to ``theme`` at once (every open window follows)."""
    sheet = load_style_sheet(theme)
    app.setPalette(_palette(theme))
    app.setStyleSheet(sheet)
    app.setProperty(_THEME_PROPERTY, theme)


def current_theme(app: QApplication) -> str:
    """The theme last applied with :func:`apply_theme` (the default when none was)."""
    value = app.property(_THEME_PROPERTY)
    return value if isinstance(value, str) and value in THEMES else DEFAULT_THEME
