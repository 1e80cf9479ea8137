"""The demo world's facts are worded in the UI language on the Overview page."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QApplication, QLabel
from ui_helpers import FRIDAY, at, make_info

from aistock.ui.demo_summary import demo_summary_lines
from aistock.ui.i18n import install_translator
from aistock.ui.main_window import MainWindow

FACTS = {
    "stocks": 300,
    "indices": "000001.SH, 000300.SH",
    "start": "2021-12-10",
    "end": "2026-11-24",
    "days": 1200,
    "minute_days": 20,
    "limit_up_days": 1838,
    "limit_down_days": 1606,
    "suspended_days": 221,
    "st_stocks": 18,
    "new_listings": 27,
    "delistings": 10,
    "ex_dividend_events": 845,
    "seed": 7,
    "generator_version": 1,
    "build_seconds": 2.1,
}


def test_english_then_chinese(qapp: QApplication) -> None:
    english = demo_summary_lines(FACTS)
    assert english[0] == "Synthetic market: 300 stocks on every board; indices 000001.SH, 000300.SH"
    install_translator(qapp, "zh_CN")
    chinese = demo_summary_lines(FACTS)
    assert chinese[0].startswith("合成市场：300 只股票")
    assert "涨停 1838 次" in chinese[3]
    assert all("{" not in line for line in chinese)  # every placeholder was filled


def test_overview_shows_the_demo_lines(qapp: QApplication, qtbot, calendar) -> None:  # type: ignore[no-untyped-def]
    install_translator(qapp, "zh_CN")
    info = replace(make_info(), demo_facts=FACTS)
    window = MainWindow(info, calendar, clock=lambda: at(FRIDAY, 10))
    qtbot.addWidget(window)
    texts = [label.text() for label in window.findChildren(QLabel)]
    assert any(text.startswith("合成市场：300 只股票") for text in texts)
    assert "300 stocks across four boards" in texts  # free summary lines still follow
