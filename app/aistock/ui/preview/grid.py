"""Grid lines for a pane, drawn as two paths instead of by the axes.

pyqtgraph's own grid (``showGrid``) is drawn by the axes, line by line, into a picture that is
replayed on every paint; on the NAV pane that cost more than all twenty curves together
(benchmarks/bench_nav_chart.py: ~20 ms of a ~30 ms repaint). Here the lines are two
``connect="pairs"`` curves — major and minor — rebuilt with numpy whenever the view range
changes and painted like any curve. The positions come from the pane's own axes, so the grid
and the tick labels always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

MAJOR_ALPHA = 0.20
MINOR_ALPHA = 0.08


def _segments(
    xs: Sequence[float], ys: Sequence[float], x_range: Sequence[float], y_range: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Endpoints of a vertical line at each x and a horizontal one at each y, in pairs."""
    x_lo, x_hi = float(x_range[0]), float(x_range[1])
    y_lo, y_hi = float(y_range[0]), float(y_range[1])
    vx = np.repeat(np.asarray(xs, dtype=np.float64), 2)
    vy = np.tile(np.array([y_lo, y_hi]), len(xs))
    hx = np.tile(np.array([x_lo, x_hi]), len(ys))
    hy = np.repeat(np.asarray(ys, dtype=np.float64), 2)
    return np.concatenate([vx, hx]), np.concatenate([vy, hy])


def _level(levels: list[tuple[float, list[float]]], index: int) -> list[float]:
    return list(levels[index][1]) if len(levels) > index else []


class PaneGrid:
    """Major and minor grid lines of one plot, following its x and y axes' ticks."""

    def __init__(self, plot: Any, x_axis: Any, y_axis: Any) -> None:
        self._plot = plot
        self._x_axis = x_axis
        self._y_axis = y_axis
        self.major = pg.PlotCurveItem(connect="pairs", antialias=False, skipFiniteCheck=True)
        self.minor = pg.PlotCurveItem(connect="pairs", antialias=False, skipFiniteCheck=True)
        for item, z in ((self.minor, -20), (self.major, -10)):
            item.setZValue(z)
            plot.addItem(item, ignoreBounds=True)
        plot.vb.sigRangeChanged.connect(self.update)
        plot.vb.sigResized.connect(self.update)
        self.enabled = True

    def set_colour(self, colour: QColor) -> None:
        for item, alpha in ((self.major, MAJOR_ALPHA), (self.minor, MINOR_ALPHA)):
            faint = QColor(colour)
            faint.setAlphaF(alpha)
            item.setPen(pg.mkPen(faint))

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self.major.setVisible(on)
        self.minor.setVisible(on)
        if on:
            self.update()

    def update(self, *_: object) -> None:
        if not self.enabled:
            return
        view = self._plot.vb
        x_range, y_range = view.viewRange()
        width, height = view.width(), view.height()
        if width <= 1 or height <= 1:
            return
        x_levels = self._x_axis.tickValues(x_range[0], x_range[1], width)
        y_levels = self._y_axis.tickValues(y_range[0], y_range[1], height)
        self.major.setData(*_segments(_level(x_levels, 0), _level(y_levels, 0), x_range, y_range))
        self.minor.setData(*_segments(_level(x_levels, 1), _level(y_levels, 1), x_range, y_range))
