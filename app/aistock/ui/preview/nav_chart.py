"""The analyst's chart: NAV curves against the benchmark, their drawdowns and a range selector.

Three x-linked plots in one pyqtgraph scene (one viewport, so one paint for all of them):

* the NAV pane — one curve per instance plus the benchmark dashed in grey, and a crosshair
  that snaps to the nearest session. The legend (:mod:`legend`, beside the panes rather than
  over the data) doubles as the read-out: each entry shows its curve's NAV and drawdown on the
  crosshair's session, or on the latest one when the mouse is away;
* the drawdown pane — each curve's fall from its running peak (1 − nav / peak) in the same
  colour, hanging down from zero (the axis is inverted, the values stay positive);
* the overview — the whole history in miniature with a region that *is* the main x range:
  dragging it moves the panes, zooming the panes moves it. Quick buttons pick 1M … All.

x is the session index (no weekend gaps; :mod:`timeline`), the mouse zooms and pans in x only
and y follows the visible data. Speed comes from pyqtgraph doing the work in numpy: every curve
clips to the view and downsamples by peaks when there are more points than pixels, lines are
cosmetic one-pixel pens without antialiasing, the grid is two numpy-built paths per pane
(:mod:`grid`), and a refresh re-feeds the existing items rather than rebuilding them. Nothing
here loops over points in Python.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPalette, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from aistock.ui.preview.colours import benchmark_colour, curve_colour
from aistock.ui.preview.date_axis import DateAxis, NumberAxis, PercentAxis
from aistock.ui.preview.grid import PaneGrid
from aistock.ui.preview.legend import CurveLegend, LegendEntry
from aistock.ui.preview.timeline import QUICK_RANGES, Timeline

FloatArray = npt.NDArray[np.float64]
AXIS_WIDTH = 58
"""Left axes share one width so the three panes' x pixels line up."""
CURVE_WIDTH = 1.0
HIGHLIGHT_WIDTH = 2.4
MAX_SLOTS = 20
_MOUSE_RATE_HZ = 60


def drawdown(nav: npt.ArrayLike) -> FloatArray:
    """1 − nav / running peak (0 at a new high, 0.1 ten per cent below it); gaps stay NaN.

    The peak skips gaps (``fmax`` ignores NaN), so an instance that starts later, or a day
    without a value, does not reset it.
    """
    values = np.asarray(nav, dtype=np.float64)
    if values.size == 0:
        return values.copy()
    peak = np.fmax.accumulate(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = 1.0 - values / peak
    return out


def _range_text(key: str) -> str:
    if key == "YTD":
        return QCoreApplication.translate("NavChart", "YTD")
    if key == "All":
        return QCoreApplication.translate("NavChart", "All")
    return key


def _range_tip(key: str) -> str:
    tips = {
        "1M": QCoreApplication.translate("NavChart", "Last 21 sessions"),
        "3M": QCoreApplication.translate("NavChart", "Last 63 sessions"),
        "6M": QCoreApplication.translate("NavChart", "Last 126 sessions"),
        "YTD": QCoreApplication.translate("NavChart", "Since the first session of this year"),
        "1Y": QCoreApplication.translate("NavChart", "Last 252 sessions"),
        "All": QCoreApplication.translate("NavChart", "The whole history"),
    }
    return tips[key]


def _value_text(value: float) -> str:
    return "—" if not math.isfinite(value) else f"{value:.4f}"


class NavChart(QWidget):
    """NAV curves of the chosen instances and a benchmark, all on one trading-day x axis."""

    range_changed = Signal(float, float)
    """The panes' visible x range (session indices) changed: by zoom, pan, region or button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("navChart")
        self._timeline = Timeline(())
        self._x: FloatArray = np.zeros(0)
        self._values: dict[str, FloatArray] = {}
        self._nav_matrix: FloatArray = np.zeros((0, 0))
        self._dd_matrix: FloatArray = np.zeros((0, 0))
        self._drawdowns: dict[str, FloatArray] = {}
        self._order: list[str] = []
        self._benchmark: str | None = None
        self._slots: dict[str, int] = {}
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._dd_curves: dict[str, pg.PlotDataItem] = {}
        self._highlight: str | None = None
        self._cursor: int | None = None
        self._syncing = False
        self._message = ""

        self.range_buttons: dict[str, QToolButton] = {}
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        bar.setSpacing(2)
        for key in QUICK_RANGES:
            button = QToolButton(self)
            button.setObjectName(f"navRange{key}")
            button.setText(_range_text(key))
            button.setToolTip(_range_tip(key))
            button.setAutoRaise(True)
            button.clicked.connect(lambda _=False, k=key: self.show_range(k))
            self.range_buttons[key] = button
            bar.addWidget(button)
        bar.addSpacing(12)
        self.readout = QLabel(self)
        self.readout.setObjectName("navReadout")
        self.readout.setToolTip(
            QCoreApplication.translate("NavChart", "The session the legend's values are read on")
        )
        bar.addWidget(self.readout)
        bar.addStretch(1)
        hint = QLabel(
            QCoreApplication.translate("NavChart", "Wheel: zoom · drag: pan · drag the band below: range"),
            self,
        )
        hint.setObjectName("navHint")
        hint.setEnabled(False)
        bar.addWidget(hint)

        self.view = pg.GraphicsLayoutWidget(self)
        self.view.setObjectName("navChartView")
        self.view.ci.setContentsMargins(2, 4, 10, 2)
        self.view.ci.setSpacing(8)
        self.nav_axis = DateAxis()
        self.dd_axis = DateAxis()
        self.overview_axis = DateAxis()
        self.nav_plot: pg.PlotItem = self.view.addPlot(
            row=0, col=0, axisItems={"bottom": self.nav_axis, "left": NumberAxis()}
        )
        self.dd_plot: pg.PlotItem = self.view.addPlot(
            row=1, col=0, axisItems={"bottom": self.dd_axis, "left": PercentAxis()}
        )
        self.overview: pg.PlotItem = self.view.addPlot(row=2, col=0, axisItems={"bottom": self.overview_axis})
        layout = self.view.ci.layout
        layout.setRowStretchFactor(0, 7)
        layout.setRowStretchFactor(1, 3)
        layout.setRowStretchFactor(2, 0)
        self._setup_plots()
        self.grids = [
            PaneGrid(self.nav_plot, self.nav_axis, self.nav_plot.getAxis("left")),
            PaneGrid(self.dd_plot, self.dd_axis, self.dd_plot.getAxis("left")),
        ]

        self.legend = CurveLegend(self)
        self.region = pg.LinearRegionItem(orientation="vertical", swapMode="sort")
        self.region.setZValue(10)
        self.overview.addItem(self.region, ignoreBounds=True)
        self.region.sigRegionChanged.connect(self._region_moved)
        self.nav_plot.vb.sigXRangeChanged.connect(self._panes_moved)

        self._vline = pg.InfiniteLine(angle=90, movable=False)
        self._dd_vline = pg.InfiniteLine(angle=90, movable=False)
        self._markers = pg.ScatterPlotItem(size=7, pxMode=True)
        self.nav_plot.addItem(self._vline, ignoreBounds=True)
        self.dd_plot.addItem(self._dd_vline, ignoreBounds=True)
        self.nav_plot.addItem(self._markers, ignoreBounds=True)
        self._par = pg.InfiniteLine(pos=1.0, angle=0, movable=False)
        self.nav_plot.addItem(self._par, ignoreBounds=True)
        self._placeholder = pg.TextItem(anchor=(0.5, 0.5))
        self.nav_plot.addItem(self._placeholder, ignoreBounds=True)
        self._overview_curve = pg.PlotDataItem(connect="finite", antialias=False)
        self._overview_curve.setDownsampling(auto=True, method="peak")
        self.overview.addItem(self._overview_curve)
        self._mouse = pg.SignalProxy(
            self.view.scene().sigMouseMoved, rateLimit=_MOUSE_RATE_HZ, slot=self._mouse_moved
        )
        self.view.viewport().installEventFilter(self)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(bar)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(4)
        body.addWidget(self.view, 1)
        body.addWidget(self.legend)
        column.addLayout(body, 1)
        self._apply_palette()
        self.clear()

    # -- data ---------------------------------------------------------------------------------------------
    def set_series(
        self,
        dates: Sequence[dt.date],
        curves: Mapping[str, npt.ArrayLike],
        benchmark: tuple[str, npt.ArrayLike] | None = None,
    ) -> None:
        """Show ``curves`` (name → one value per date, NaN where an instance has none) and the
        benchmark. The visible range is kept across refreshes: by date, or pinned to the latest
        session when it showed the latest session."""
        timeline = Timeline(dates)
        n = len(timeline)
        values = {name: np.asarray(v, dtype=np.float64) for name, v in curves.items()}
        if benchmark is not None:
            if benchmark[0] in values:
                raise ValueError(f"the benchmark {benchmark[0]!r} has the name of a curve")
            values[benchmark[0]] = np.asarray(benchmark[1], dtype=np.float64)
        for name, array in values.items():
            if array.shape != (n,):
                raise ValueError(f"curve {name!r} has {array.shape} values for {n} dates")
        if n == 0 or not values:
            self.clear()
            return
        kept = self._visible_dates()
        self._timeline = timeline
        self._x = np.arange(n, dtype=np.float64)
        self._order = list(curves)
        self._benchmark = benchmark[0] if benchmark is not None else None
        self._values = values
        self._drawdowns = {name: drawdown(v) for name, v in values.items()}
        for axis in (self.nav_axis, self.dd_axis, self.overview_axis):
            axis.set_timeline(timeline)
        self._nav_matrix = np.vstack([values[name] for name in self._all_names()])
        self._dd_matrix = np.vstack([self._drawdowns[name] for name in self._all_names()])
        self._assign_slots()
        self._sync_items()
        self._placeholder.setText("")
        self._par.show()
        for plot in (self.nav_plot, self.dd_plot):
            plot.vb.setLimits(xMin=-1.0, xMax=float(n), minXRange=min(4.0, float(n)))
        self.overview.vb.setLimits(xMin=-1.0, xMax=float(n))
        self.overview.setXRange(-0.5, n - 0.5, padding=0)
        self.region.setBounds((-0.5, n - 0.5))
        overview_line = values[self._benchmark] if self._benchmark else values[self._order[0]]
        self._overview_curve.setData(self._x, overview_line)
        self._restore_range(kept)
        self._fit_y(*self.x_range())
        if self._cursor is not None and self._cursor >= n:
            self._cursor = None
        self._update_crosshair()

    def clear(self) -> None:
        """No curves; the placeholder message (see :meth:`set_message`) in their place."""
        self._timeline = Timeline(())
        self._x = np.zeros(0)
        self._values, self._drawdowns, self._order = {}, {}, []
        self._benchmark = None
        self._cursor = None
        for axis in (self.nav_axis, self.dd_axis, self.overview_axis):
            axis.set_timeline(self._timeline)
        self._sync_items()
        self._overview_curve.setData([], [])
        self._par.hide()
        self.nav_plot.setXRange(0, 1, padding=0)
        self.nav_plot.setYRange(0, 1, padding=0)
        self._placeholder.setPos(0.5, 0.5)
        self._placeholder.setText(self._message)
        self._update_crosshair()

    def set_message(self, text: str) -> None:
        """What an empty chart says (e.g. which instances to tick); shown until curves arrive."""
        self._message = text
        if not self._values:
            self._placeholder.setText(text)

    def message(self) -> str:
        return "" if self._values else self._message

    def set_highlight(self, name: str | None) -> None:
        """Draw ``name``'s curves thicker and on top (the instance selected in the list)."""
        if name == self._highlight:
            return
        self._highlight = name
        self._restyle()

    # -- reading back (tests, the page) ----------------------------------------------------------------
    def dates(self) -> tuple[dt.date, ...]:
        return self._timeline.dates

    def names(self) -> list[str]:
        """The instance curves shown, in order (without the benchmark)."""
        return list(self._order)

    def benchmark_name(self) -> str | None:
        return self._benchmark

    def plotted(self, name: str) -> FloatArray:
        """The NAV values handed to ``name``'s curve item (before any downsampling), one per
        session, NaN where the item draws nothing."""
        return self._expand(self._curves[name])

    def plotted_drawdown(self, name: str) -> FloatArray:
        return self._expand(self._dd_curves[name])

    def _expand(self, item: pg.PlotDataItem) -> FloatArray:
        out = np.full(len(self._timeline), np.nan)
        x, y = item.xData, item.yData
        if x is not None and y is not None and len(x):
            out[np.asarray(x, dtype=np.int64)] = y
        return out

    def curve_colour(self, name: str) -> QColor:
        return QColor(self._curves[name].opts["pen"].color())

    def x_range(self) -> tuple[float, float]:
        lo, hi = self.nav_plot.vb.viewRange()[0]
        return float(lo), float(hi)

    def region_range(self) -> tuple[float, float]:
        lo, hi = self.region.getRegion()
        return float(lo), float(hi)

    # -- range ----------------------------------------------------------------------------------------
    def show_range(self, key: str) -> None:
        """A quick range: ``1M``, ``3M``, ``6M``, ``YTD``, ``1Y`` or ``All``."""
        if not self._values:
            return
        lo, hi = self._timeline.quick_range(key)
        self.set_x_range(lo, hi)

    def set_x_range(self, lo: float, hi: float) -> None:
        """Show sessions ``lo..hi`` (indices) with half a session of margin either side."""
        self.nav_plot.setXRange(lo - 0.5, hi + 0.5, padding=0)

    def set_region(self, lo: float, hi: float) -> None:
        """Move the overview's region as a drag would (the panes follow)."""
        self.region.setRegion((lo, hi))

    # -- crosshair ------------------------------------------------------------------------------------
    def show_crosshair_at(self, index: int | None) -> None:
        """Put the crosshair on session ``index`` (None hides it; the read-out shows the last day)."""
        self._cursor = None if index is None else self._timeline.index_at(float(index))
        self._update_crosshair()

    def crosshair_index(self) -> int | None:
        return self._cursor

    def crosshair_text(self) -> str:
        """The read-out as plain text: the date, then each curve's NAV (benchmark last)."""
        index = self._readout_index()
        if index is None:
            return ""
        parts = [self._timeline.dates[index].isoformat()]
        for name in self._all_names():
            parts.append(f"{self._legend_name(name)} {_value_text(float(self._values[name][index]))}")
        return "  ".join(parts)

    # -- Qt ----------------------------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt API)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_palette()
        super().changeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Leave and self._cursor is not None:
            self.show_crosshair_at(None)
        return False

    # -- internals: items -------------------------------------------------------------------------------
    def _setup_plots(self) -> None:
        for plot in (self.nav_plot, self.dd_plot, self.overview):
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.getAxis("left").setWidth(AXIS_WIDTH)
        for plot in (self.nav_plot, self.dd_plot):
            plot.setMouseEnabled(x=True, y=False)
            plot.vb.disableAutoRange(axis="y")  # _fit_y ranges y on the visible sessions
            # Plot-wide, because PlotItem.addItem imposes the plot's modes on every data item;
            # set before the grids' plain curves join (they have no downsampling to set).
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
        self.dd_plot.setXLink(self.nav_plot)
        self.dd_plot.vb.invertY(True)
        # The NAV pane's dates are the drawdown pane's, right below: its own axis only places
        # the grid (PaneGrid asks it for ticks), so it is not painted at all.
        self.nav_plot.getAxis("bottom").hide()
        self.nav_plot.setLabel("left", QCoreApplication.translate("NavChart", "NAV"))
        self.dd_plot.setLabel("left", QCoreApplication.translate("NavChart", "Drawdown"))
        self.overview.setMouseEnabled(x=False, y=False)
        self.overview.vb.enableAutoRange(axis="y")
        self.overview.getAxis("left").setStyle(showValues=False, tickLength=0)
        self.overview.setMaximumHeight(68)
        self.overview.setMinimumHeight(52)
        self.dd_plot.setMinimumHeight(90)

    def _assign_slots(self) -> None:
        """Colour slots stay with their curve while it is shown; a new curve takes the first free."""
        self._slots = {name: slot for name, slot in self._slots.items() if name in self._order}
        taken = set(self._slots.values())
        for name in self._order:
            if name not in self._slots:
                free = next((s for s in range(MAX_SLOTS * 100) if s not in taken), len(taken))
                self._slots[name] = free
                taken.add(free)

    def _new_curve(self, plot: pg.PlotItem) -> pg.PlotDataItem:
        item = pg.PlotDataItem(connect="finite", antialias=False)
        plot.addItem(item)
        item.setDownsampling(auto=True, method="peak")
        item.setClipToView(True)
        return item

    def _sync_items(self) -> None:
        wanted = self._all_names()
        for store, plot in ((self._curves, self.nav_plot), (self._dd_curves, self.dd_plot)):
            for name in [n for n in store if n not in wanted]:
                plot.removeItem(store.pop(name))
            for name in wanted:
                if name not in store:
                    store[name] = self._new_curve(plot)
        for name in wanted:
            # Leading gaps (an instance that started later) are cut off rather than handed over
            # as NaN, so a curve without inner gaps takes pyqtgraph's fastest path-building route.
            values = self._values[name]
            finite = np.flatnonzero(np.isfinite(values))
            first = int(finite[0]) if finite.size else len(values)
            self._curves[name].setData(self._x[first:], values[first:])
            self._dd_curves[name].setData(self._x[first:], self._drawdowns[name][first:])
        self._restyle()

    def _restyle(self) -> None:
        background = self._background()
        entries: list[LegendEntry] = []
        for name in self._all_names():
            colour = self._colour(name, background)
            is_bench = name == self._benchmark
            width = HIGHLIGHT_WIDTH if name == self._highlight else CURVE_WIDTH
            pen = pg.mkPen(colour, width=width)
            if is_bench:
                pen.setStyle(Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            z = 5 if name == self._highlight else 1 if is_bench else 2
            for item in (self._curves[name], self._dd_curves[name]):
                item.setPen(pen)
                item.setZValue(z)
            entries.append(
                LegendEntry(name, self._legend_name(name), colour, is_bench, name == self._highlight)
            )
        self.legend.set_entries(entries)
        self._update_crosshair()

    def _colour(self, name: str, background: QColor) -> QColor:
        if name == self._benchmark:
            return benchmark_colour(background)
        return curve_colour(self._slots.get(name, 0), background)

    def _legend_name(self, name: str) -> str:
        if name == self._benchmark:
            return QCoreApplication.translate("NavChart", "{code} (benchmark)").format(code=name)
        return name

    def _all_names(self) -> list[str]:
        return self._order + ([self._benchmark] if self._benchmark else [])

    # -- internals: palette -----------------------------------------------------------------------------
    def _background(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Base)

    def _apply_palette(self) -> None:
        background = self._background()
        text = self.palette().color(QPalette.ColorRole.Text)
        rule = QColor(text)
        rule.setAlphaF(0.45)
        self.view.setBackground(background)
        for plot in (self.nav_plot, self.dd_plot, self.overview):
            for side in ("left", "bottom"):
                axis = plot.getAxis(side)
                axis.setPen(pg.mkPen(rule))
                axis.setTextPen(pg.mkPen(text))
        self.overview.getAxis("left").setPen(pg.mkPen(None))
        for grid in self.grids:
            grid.set_colour(text)
        frame = QColor(text)
        frame.setAlphaF(0.3)
        for plot in (self.nav_plot, self.dd_plot, self.overview):
            plot.vb.setBorder(pg.mkPen(frame))
        faint = QColor(text)
        faint.setAlphaF(0.55)
        cross = QPen(faint)
        cross.setStyle(Qt.PenStyle.DashLine)
        cross.setCosmetic(True)
        self._vline.setPen(cross)
        self._dd_vline.setPen(cross)
        par = QColor(text)
        par.setAlphaF(0.25)
        self._par.setPen(pg.mkPen(par))
        self._placeholder.setColor(faint)
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        fill = QColor(highlight)
        fill.setAlphaF(0.18)
        self.region.setBrush(pg.mkBrush(fill))
        hover = QColor(highlight)
        hover.setAlphaF(0.3)
        self.region.setHoverBrush(pg.mkBrush(hover))
        for line in self.region.lines:
            line.setPen(pg.mkPen(highlight, width=1.5))
        self._overview_curve.setPen(pg.mkPen(benchmark_colour(background)))
        if self._values:
            self._restyle()
        self._update_crosshair()

    # -- internals: range sync -----------------------------------------------------------------------------
    def _visible_dates(self) -> tuple[dt.date, dt.date, bool] | None:
        """The shown range as dates and whether it reached the latest session (None: nothing shown)."""
        if not self._values:
            return None
        lo, hi = self.x_range()
        n = len(self._timeline)
        first = self._timeline.date_at(lo + 0.5)  # undo set_x_range's half-session margins
        last = self._timeline.date_at(hi - 0.5)
        if first is None or last is None:
            return None
        return first, last, hi - 0.5 >= n - 1

    def _restore_range(self, kept: tuple[dt.date, dt.date, bool] | None) -> None:
        n = len(self._timeline)
        if kept is None:
            self.set_x_range(0, n - 1)
            return
        first, last, pinned = kept
        lo = self._timeline.index_of(first)
        hi = self._timeline.index_of(last)
        if pinned:
            width = max(hi - lo, 0)
            hi = n - 1
            lo = max(0, hi - width)
        self.set_x_range(lo, hi)

    def _region_moved(self) -> None:
        if self._syncing or not self._values:
            return
        lo, hi = self.region.getRegion()
        self._syncing = True
        try:
            self.nav_plot.setXRange(lo, hi, padding=0)
        finally:
            self._syncing = False

    def _panes_moved(self, _view: object, x_range: Sequence[float]) -> None:
        lo, hi = float(x_range[0]), float(x_range[1])
        self._fit_y(lo, hi)
        if not self._syncing and self._values:
            self._syncing = True
            try:
                self.region.setRegion((lo, hi))
            finally:
                self._syncing = False
        self.range_changed.emit(lo, hi)

    def _fit_y(self, lo: float, hi: float) -> None:
        """y of both panes to the visible sessions' values: one numpy reduction over all curves.

        pyqtgraph's own auto-range asks each item for its bounds in the visible x range (forty
        items, twice per zoom); this is the same answer from the stacked matrix in one pass.
        """
        n = len(self._timeline)
        if not self._values or n == 0:
            return
        first = int(min(max(math.ceil(lo), 0), n - 1))
        last = int(min(max(math.floor(hi), first), n - 1))
        nav = self._nav_matrix[:, first : last + 1]
        shown = nav[np.isfinite(nav)]
        if shown.size:
            low, high = float(shown.min()), float(shown.max())
            span = high - low or max(abs(high) * 0.01, 1e-6)
            self.nav_plot.vb.setYRange(low - 0.05 * span, high + 0.05 * span, padding=0)
        dd = self._dd_matrix[:, first : last + 1]
        deepest = dd[np.isfinite(dd)]
        depth = float(deepest.max()) if deepest.size else 0.0
        self.dd_plot.vb.setYRange(-0.004, max(depth, 0.01) * 1.06, padding=0)

    # -- internals: crosshair --------------------------------------------------------------------------------
    def _mouse_moved(self, event: tuple[Any, ...]) -> None:
        position = event[0]
        if not isinstance(position, QPointF) or not self._values:
            return
        for plot in (self.nav_plot, self.dd_plot):
            if plot.vb.sceneBoundingRect().contains(position):
                x = plot.vb.mapSceneToView(position).x()
                self.show_crosshair_at(self._timeline.index_at(x))
                return
        if self._cursor is not None:
            self.show_crosshair_at(None)

    def _readout_index(self) -> int | None:
        if not self._values:
            return None
        return self._cursor if self._cursor is not None else len(self._timeline) - 1

    def _update_crosshair(self) -> None:
        index = self._readout_index()
        shown = self._cursor is not None
        self._vline.setVisible(shown)
        self._dd_vline.setVisible(shown)
        self._markers.setVisible(shown)
        if index is None:
            self.readout.setText("")
            self.legend.set_values([("", "")] * len(self._all_names()))
            return
        day = self._timeline.dates[index]
        self.readout.setText(
            f"<b>{day.isoformat()}</b>"
            if shown
            else QCoreApplication.translate("NavChart", "<b>{day}</b> (latest)").format(day=day.isoformat())
        )
        if shown:
            self._vline.setPos(index)
            self._dd_vline.setPos(index)
            names = [n for n in self._all_names() if math.isfinite(self._values[n][index])]
            background = self._background()
            self._markers.setData(
                x=[float(index)] * len(names),
                y=[float(self._values[n][index]) for n in names],
                brush=[pg.mkBrush(self._colour(n, background)) for n in names],
                pen=[pg.mkPen(background) for _ in names],
            )
        self.legend.set_values(
            [
                (_value_text(float(self._values[n][index])), _drawdown_text(float(self._drawdowns[n][index])))
                for n in self._all_names()
            ]
        )


def _drawdown_text(value: float) -> str:
    if not math.isfinite(value):
        return "—"
    return f"−{value * 100:.2f}%" if value > 0 else "0.00%"
