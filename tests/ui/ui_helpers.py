"""Plain helpers shared by the UI tests (a uniquely named module, so no clash with other
test folders' ``conftest`` modules when imported by name)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from aistock.core.calendar import SHANGHAI
from aistock.core.modes import AccountMode
from aistock.ui.main_window import MainWindow
from aistock.ui.shell_info import ShellInfo

WindowFactory = Callable[..., MainWindow]
"""The ``make_window`` fixture's type: ``make_window(mode, *, clock, data_as_of, settings_store, show)``."""

# 2025-11-24 is a Monday; 2025-11-22/23 a weekend.
MONDAY = dt.date(2025, 11, 24)
FRIDAY = dt.date(2025, 11, 21)
SATURDAY = dt.date(2025, 11, 22)


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """An aware Shanghai datetime."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI)


class FakeClock:
    """A clock the test moves by hand; the window calls it like ``shanghai_now``."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def make_info(
    mode: AccountMode = AccountMode.PAPER,
    data_as_of: dt.date | None = FRIDAY,
    home: Path = Path("/srv/aistock-home"),
) -> ShellInfo:
    return ShellInfo(
        data_source_label="演示行情 demo · 300 只 · 2021-01-04…2025-11-21",
        account_mode=mode,
        home_dir=home,
        database_path=home / "aistock.sqlite3",
        provider_dir=home / "qlib_data",
        summary_lines=("300 stocks across four boards", "catalog not synced yet"),
        data_as_of=data_as_of,
    )
