"""A UI font that renders Chinese on every desktop we ship to.

Qt falls back per glyph, but an unlucky fallback (a serif CJK face, or none at all on a bare
Linux box) turns stock names into tofu boxes. We ask for a CJK-capable sans family by name, in
order of preference per platform, keep the platform default at the end of the list as the last
resort, and never fail when none is installed (a warning in the log says what to install).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

# Windows first (the production desktop), then macOS, then Linux (CI and screenshots).
CJK_FAMILIES: tuple[str, ...] = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
)


def pick_cjk_families(available: Iterable[str]) -> list[str]:
    """The preferred CJK families that are actually installed, best first."""
    have = {name.casefold() for name in available}
    return [name for name in CJK_FAMILIES if name.casefold() in have]


def apply_ui_font(app: QApplication) -> str | None:
    """Give ``app`` a CJK-capable font family list; returns the family chosen, or None."""
    chosen = pick_cjk_families(QFontDatabase.families())
    if not chosen:
        log.warning(
            "no Chinese-capable font found (tried %s); Chinese text may show as boxes — "
            "install e.g. Debian's fonts-noto-cjk or fonts-wqy-microhei",
            ", ".join(CJK_FAMILIES),
        )
        return None
    font = QFont(app.font())
    fallback = font.family()
    font.setFamilies([*chosen, fallback] if fallback not in chosen else chosen)
    app.setFont(font)
    return chosen[0]
