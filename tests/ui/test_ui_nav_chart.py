"""The NAV chart on its own: curves, crosshair, range selector, drawdowns, colours, date axis.

Synthetic series (no engines), so every number is known: the chart must show exactly what it
was given, read it back at the crosshair to the shown precision, and keep the range selector,
the panes and the quick buttons in step.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QPalette, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from aistock.ui.preview.colours import BASE_HUES, contrast_ratio, curve_colour, readable_on
from aistock.ui.preview.nav_chart import NavChart, drawdown
from aistock.ui.preview.timeline import Timeline
from aistock.ui.theme import apply_theme

N = 300
DAYS = [d.date() for d in pd.bdate_range(end="2025-11-21", periods=N)]


def _series(count: int = 3, n: int = N, seed: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(count):
        values = np.cumprod(1 + rng.normal(0.0005, 0.012, n))
        values[: i * 7] = np.nan  # later starts leave gaps in front
        out[f"#{i + 1} p{i}"] = values
    return out


def _bench(n: int = N) -> tuple[str, np.ndarray]:
    return "000001.SH", np.cumprod(1 + np.random.default_rng(9).normal(0.0002, 0.01, n))


@pytest.fixture
def chart(qtbot: QtBot) -> NavChart:
    widget = NavChart()
    qtbot.addWidget(widget)
    widget.resize(1200, 640)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_chart_draws_exactly_the_given_curves_and_a_dashed_grey_benchmark(chart: NavChart) -> None:
    curves = _series()
    chart.set_series(DAYS, curves, _bench())

    assert chart.names() == list(curves)
    assert chart.benchmark_name() == "000001.SH"
    assert chart.dates() == tuple(DAYS)
    for name, values in curves.items():
        np.testing.assert_array_equal(chart.plotted(name), values)
    np.testing.assert_array_equal(chart.plotted("000001.SH"), _bench()[1])
    bench_pen = chart._curves["000001.SH"].opts["pen"]
    assert bench_pen.style() == Qt.PenStyle.DashLine
    grey = chart.curve_colour("000001.SH")
    assert abs(grey.red() - grey.green()) < 20 and abs(grey.green() - grey.blue()) < 20
    colours = {chart.curve_colour(n).name() for n in curves}
    assert len(colours) == len(curves)
    # the legend names every curve, the benchmark last and marked as such
    legend = chart.legend.row_texts()
    assert [row[0] for row in legend[:-1]] == list(curves)
    assert "000001.SH" in legend[-1][0] and legend[-1][0] != "000001.SH"

    with pytest.raises(ValueError, match="values for"):
        chart.set_series(DAYS, {"short": np.ones(N - 1)})


def test_the_crosshair_reads_the_date_and_every_value_at_an_index(chart: NavChart) -> None:
    curves = _series()
    bench = _bench()
    chart.set_series(DAYS, curves, bench)

    chart.show_crosshair_at(123)
    text = chart.crosshair_text()
    assert text.startswith(DAYS[123].isoformat())
    for name, values in curves.items():
        assert f"{name} {values[123]:.4f}" in text
    assert f"{bench[1][123]:.4f}" in text
    legend = chart.legend.row_texts()
    assert [row[1] for row in legend] == [f"{v[123]:.4f}" for v in [*curves.values(), bench[1]]]
    assert chart._vline.isVisible() and chart._vline.value() == 123
    assert len(chart._markers.data) == len(curves) + 1

    # before a curve's first day its value is a dash, not a number
    chart.show_crosshair_at(3)
    assert f"{list(curves)[1]} —" in chart.crosshair_text()

    # snapping: a fractional position reads the nearest session; beyond the data, the last
    chart.show_crosshair_at(None)
    assert not chart._vline.isVisible()
    assert chart.crosshair_text().startswith(DAYS[-1].isoformat())
    assert chart.crosshair_index() is None


def test_the_mouse_moves_the_crosshair_to_the_nearest_session(chart: NavChart, qtbot: QtBot) -> None:
    curves = _series(2)
    chart.set_series(DAYS, curves, None)
    view = chart.nav_plot.vb
    y = float(np.nanmean(curves["#1 p0"]))
    scene_pos = view.mapViewToScene(QPointF(200.4, y))
    chart.view.scene().sigMouseMoved.emit(scene_pos)
    qtbot.waitUntil(lambda: chart.crosshair_index() == 200, timeout=2000)
    assert chart.crosshair_text().startswith(DAYS[200].isoformat())
    assert DAYS[200].isoformat() in chart.readout.text()
    assert [row[1] for row in chart.legend.row_texts()] == [f"{v[200]:.4f}" for v in curves.values()]


def test_quick_ranges_the_region_and_the_panes_move_together(chart: NavChart, qtbot: QtBot) -> None:
    chart.set_series(DAYS, _series(), _bench())
    lo, hi = chart.x_range()
    assert lo == pytest.approx(-0.5) and hi == pytest.approx(N - 0.5)

    chart.range_buttons["1M"].click()
    lo, hi = chart.x_range()
    assert lo == pytest.approx(N - 21 - 0.5) and hi == pytest.approx(N - 0.5)
    assert chart.region_range() == pytest.approx((lo, hi))
    assert chart.dd_plot.vb.viewRange()[0] == pytest.approx([lo, hi])

    chart.show_range("YTD")
    first_2025 = next(i for i, d in enumerate(DAYS) if d.year == 2025)
    assert chart.x_range()[0] == pytest.approx(first_2025 - 0.5)

    # dragging the overview's region moves the panes
    chart.set_region(100.0, 160.0)
    assert chart.x_range() == pytest.approx((100.0, 160.0))
    assert chart.dd_plot.vb.viewRange()[0] == pytest.approx([100.0, 160.0])

    # zooming the main plot with the wheel moves the region
    viewport = chart.view.viewport()
    centre = chart.view.mapFromScene(chart.nav_plot.vb.sceneBoundingRect().center())
    wheel = QWheelEvent(
        QPointF(centre),
        QPointF(viewport.mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, wheel)
    qtbot.waitUntil(lambda: chart.x_range()[1] - chart.x_range()[0] < 59.0, timeout=2000)
    assert chart.region_range() == pytest.approx(chart.x_range())
    # y follows the visible data only (x-only zoom; the view re-ranges y before it paints)
    lo, hi = chart.x_range()
    visible = np.concatenate([v[max(0, int(lo)) : int(hi) + 1] for v in _series().values()])
    everything = np.concatenate(list(_series().values()))

    def y_fits_the_visible_data() -> None:
        y_lo, y_hi = chart.nav_plot.vb.viewRange()[1]
        assert y_lo <= np.nanmin(visible) and y_hi >= np.nanmax(visible)
        assert y_hi - y_lo < np.nanmax(everything) - np.nanmin(everything)

    qtbot.waitUntil(y_fits_the_visible_data, timeout=2000)


def test_the_range_is_kept_across_a_refresh_and_follows_a_new_session(chart: NavChart) -> None:
    chart.set_series(DAYS, _series(), _bench())
    chart.set_x_range(50, 120)
    chart.set_series(DAYS, _series(seed=6), _bench())
    assert chart.x_range() == pytest.approx((49.5, 120.5))

    # a range that showed the latest session keeps showing it when a session is added
    chart.show_range("3M")
    more = [*DAYS, DAYS[-1] + dt.timedelta(days=3)]
    chart.set_series(more, _series(n=N + 1), _bench(N + 1))
    lo, hi = chart.x_range()
    assert hi == pytest.approx(N + 0.5) and lo == pytest.approx(N - 63 + 0.5)


def test_the_drawdown_pane_shows_one_minus_nav_over_its_running_peak(chart: NavChart) -> None:
    curves = _series()
    bench = _bench()
    chart.set_series(DAYS, curves, bench)
    for name, values in [*curves.items(), bench]:
        shown = chart.plotted_drawdown(name)
        expected = 1.0 - values / pd.Series(values).cummax().to_numpy()
        np.testing.assert_allclose(shown, expected, rtol=0, atol=1e-15, equal_nan=True)
        assert np.nanmin(shown) >= 0.0
    assert chart.dd_plot.vb.yInverted()

    # the peak survives a gap: it is not reset by a missing day
    values = np.array([1.0, 1.2, np.nan, 0.9, 1.3])
    np.testing.assert_allclose(drawdown(values), [0.0, 0.0, np.nan, 0.25, 0.0], equal_nan=True)


def test_colours_are_stable_distinct_and_readable_in_both_themes(chart: NavChart, qapp: QApplication) -> None:
    curves = _series(5)
    chart.set_series(DAYS, curves, None)
    before = {n: chart.curve_colour(n).name() for n in curves}
    fewer = {n: v for n, v in curves.items() if n != "#2 p1"}
    chart.set_series(DAYS, fewer, None)
    assert {n: chart.curve_colour(n).name() for n in fewer} == {n: before[n] for n in fewer}

    for background in (QColor("#ffffff"), QColor("#17191d")):
        colours = [curve_colour(i, background) for i in range(len(BASE_HUES))]
        assert min(contrast_ratio(c, background) for c in colours) >= 3.0
        assert len({c.name() for c in colours}) == 20
        closest = min(
            sum((a.getRgbF()[k] - b.getRgbF()[k]) ** 2 for k in range(3)) ** 0.5
            for a, b in itertools.combinations(colours, 2)
        )
        assert closest > 0.08
    assert readable_on(QColor("#ffffff"), QColor("#ffffff")).lightnessF() < 0.7

    apply_theme(qapp, "dark")
    try:
        qapp.processEvents()
        base = chart.palette().color(QPalette.ColorRole.Base)
        assert base.lightnessF() < 0.3
        assert chart.view.backgroundBrush().color().name() == base.name()
        for name in fewer:
            assert contrast_ratio(chart.curve_colour(name), base) >= 3.0
    finally:
        apply_theme(qapp, "light")


def test_an_empty_chart_says_what_to_do(chart: NavChart) -> None:
    chart.set_message("Tick instances")
    chart.set_series(DAYS, _series(1), None)
    assert chart.message() == ""
    chart.clear()
    assert chart.names() == [] and chart.benchmark_name() is None
    assert chart.message() == "Tick instances"
    assert chart._placeholder.textItem.toPlainText() == "Tick instances"
    assert chart.crosshair_text() == ""
    chart.show_range("1M")  # nothing to show: no error


def test_the_date_axis_labels_period_starts_that_fit() -> None:
    days = [d.date() for d in pd.bdate_range("2023-01-02", "2025-11-21")]
    timeline = Timeline(days)
    n = len(days)

    labelled, _minor = timeline.ticks(0, n - 1, 5)
    assert [label for _, label in labelled] == ["2024", "2025"]
    assert all(days[i].month == 1 and days[i - 1].year < days[i].year for i, _ in labelled)

    labelled, minor = timeline.ticks(n - 130, n - 1, 8)
    assert all(days[i].day <= 7 and days[i - 1].month != days[i].month for i, _ in labelled)
    assert [label for _, label in labelled][-1] == "2025-11"
    assert minor  # weeks between the months

    labelled, _ = timeline.ticks(n - 4, n - 1, 10)
    assert [label for _, label in labelled] == [f"{d:%m-%d}" for d in days[-4:]]

    assert timeline.quick_range("1Y") == (float(n - 252), float(n - 1))
    assert timeline.quick_range("All") == (0.0, float(n - 1))
    assert days[int(timeline.quick_range("YTD")[0])] == dt.date(2025, 1, 1)  # business days, no holidays
    assert timeline.index_at(10.4) == 10 and timeline.index_at(-3) == 0 and timeline.index_at(1e9) == n - 1
    with pytest.raises(ValueError, match="quick range"):
        timeline.quick_range("2W")
