"""pyqtgraph axes for the NAV chart: session dates on x, percentages on the drawdown pane.

The x values are session indices (see :mod:`timeline`), so pyqtgraph's numeric ticks would
read "0, 500, 1000". :class:`DateAxis` asks the :class:`~aistock.ui.preview.timeline.Timeline`
for ticks at the starts of years, quarters, months, weeks or days — whichever fits the pixels
the axis has — and labels them with dates.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetrics

from aistock.ui.preview.timeline import Timeline

_MAJOR = 1.0
_MINOR = 0.5
"""Sentinel spacings: pyqtgraph hands a level's spacing back to ``tickStrings``."""
_LABEL_PADDING_PX = 28


class DateAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    """A bottom axis over session indices that shows dates."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("bottom", **kwargs)
        self._timeline = Timeline(())
        self._labels: dict[int, str] = {}

    def set_timeline(self, timeline: Timeline) -> None:
        self._timeline = timeline
        self.picture = None  # pyqtgraph's cached drawing
        self.update()

    def _label_width(self) -> int:
        font = self.style.get("tickFont") or QFont()
        return QFontMetrics(font).horizontalAdvance("2025-11-21") + _LABEL_PADDING_PX

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:  # noqa: N802, N803
        most = max(1, int(size // self._label_width()))
        major, minor = self._timeline.ticks(minVal, maxVal, most)
        self._labels = dict(major)
        levels: list[tuple[float, list[float]]] = [(_MAJOR, [float(i) for i, _ in major])]
        if minor:
            levels.append((_MINOR, [float(i) for i in minor]))
        return levels

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        if spacing != _MAJOR:
            return ["" for _ in values]
        return [self._labels.get(round(v), "") for v in values]


class NumberAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    """A left axis whose labels share one number of decimals (1.00, 1.05 — not 1.0, 1.05)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("left", **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        decimals = _decimals(spacing)
        return [f"{v:.{decimals}f}" for v in values]


class PercentAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    """A left axis whose fractions read as percentages (0.05 → 5%)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("left", **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        decimals = _decimals(spacing * 100)
        return [f"{v * 100:.{decimals}f}%" for v in values]


def _decimals(spacing: float) -> int:
    """Enough decimals to tell ticks ``spacing`` apart (0.05 → 2, 0.5 → 1, 5 → 0)."""
    if not math.isfinite(spacing) or spacing <= 0:
        return 2
    return int(min(6, max(0, -math.floor(math.log10(spacing) + 1e-9))))
