"""The demo world's facts in the user's language.

The workflow that builds the demo world knows the numbers but not the UI language, so it hands
over plain facts and this module words them through Qt's translator. (Each string is a literal
``QCoreApplication.translate`` call so that ``pyside6-lupdate`` finds it.)
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication


def demo_summary_lines(facts: Mapping[str, object]) -> tuple[str, ...]:
    """Lines for the Overview page from the demo manifest's facts (missing ones read as 0)."""
    f = {key: facts.get(key, 0) for key in _KEYS}
    return (
        QCoreApplication.translate(
            "DemoSummary", "Synthetic market: {stocks} stocks on every board; indices {indices}"
        ).format(**f),
        QCoreApplication.translate("DemoSummary", "Daily bars {start} … {end} ({days} sessions)").format(**f),
        QCoreApplication.translate("DemoSummary", "Minute bars for the last {minute_days} sessions").format(
            **f
        ),
        QCoreApplication.translate(
            "DemoSummary",
            "Limit-up days {limit_up_days}, limit-down days {limit_down_days}, "
            "suspended stock-days {suspended_days}",
        ).format(**f),
        QCoreApplication.translate(
            "DemoSummary",
            "ST names {st_stocks}, new listings {new_listings}, delistings {delistings}, "
            "ex-dividend events {ex_dividend_events}",
        ).format(**f),
        QCoreApplication.translate(
            "DemoSummary", "Seed {seed}, generator v{generator_version}, built in {build_seconds} s"
        ).format(**f),
    )


_KEYS = (
    "stocks",
    "indices",
    "start",
    "end",
    "days",
    "minute_days",
    "limit_up_days",
    "limit_down_days",
    "suspended_days",
    "st_stocks",
    "new_listings",
    "delistings",
    "ex_dividend_events",
    "seed",
    "generator_version",
    "build_seconds",
)
