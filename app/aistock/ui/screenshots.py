"""Regenerate the shell screenshots in ``docs/screenshots/`` with a fixed fake clock.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m aistock.ui.screenshots [OUT_DIR]

Renders off screen (no display needed) in Chinese, so a CJK font must be installed (Debian:
``fonts-noto-cjk`` or ``fonts-wqy-microhei``), or the pictures show boxes. Uses a throw-away
settings file, so the user's own layout is never touched.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aistock.core.calendar import SHANGHAI, TradingCalendar
from aistock.core.modes import AccountMode
from aistock.ui.shell_info import ShellInfo

if TYPE_CHECKING:
    from aistock.ui.main_window import MainWindow

DEFAULT_OUT = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
SIZE = (1280, 800)
# A fixed, Windows-looking home (the production desktop) so the pictures do not depend on who runs this.
DEMO_HOME = Path("C:/Users/trader/AIstock")


def demo_calendar() -> TradingCalendar:
    """Weekdays of 2025 minus the SSE holidays of the screenshot weeks (enough for the shell)."""
    holidays = {dt.date(2025, 10, d) for d in range(1, 9)} | {dt.date(2025, 1, 1)}
    day = dt.date(2025, 1, 1)
    days = []
    while day <= dt.date(2025, 12, 31):
        if day.weekday() < 5 and day not in holidays:
            days.append(day)
        day += dt.timedelta(days=1)
    return TradingCalendar.from_days(days)


def demo_info(mode: AccountMode, data_as_of: dt.date) -> ShellInfo:
    home = DEMO_HOME
    return ShellInfo(
        data_source_label="演示行情 demo · 300 只 · 2021-01-04…2025-11-21",
        account_mode=mode,
        home_dir=home,
        database_path=home / "aistock.sqlite3",
        provider_dir=home / "qlib_data" / "cn_data",
        summary_lines=(
            "演示市场：300 只股票（主板、创业板、科创板、北交所），含 ST、停牌、涨跌停与新股",
            "指数：上证综指 000001.SH、沪深 300 000300.SH",
            "RD-Agent 目录：尚未同步",
            "预览实例：0 个运行中",
        ),
        data_as_of=data_as_of,
    )


def fixed_clock(moment: dt.datetime) -> Callable[[], dt.datetime]:
    return lambda: moment


def _log_at(moment: dt.datetime, name: str, level: int, message: str) -> None:
    """Log a record stamped with the fake clock, so the Log panel agrees with the status bar."""
    logger = logging.getLogger(name)
    record = logger.makeRecord(name, level, __file__, 0, message, (), None)
    record.created = moment.timestamp()
    record.msecs = 0
    logger.handle(record)


def _grab_menu(window: MainWindow, path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    menu = window.view_menu
    menu.popup(window.mapToGlobal(window.menuBar().geometry().bottomLeft()))
    QApplication.processEvents()
    menu.grab().save(str(path))
    menu.hide()
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    """Write shell_zh_light.png (+ its View menu), shell_zh_dark.png, shell_live.png, shell_en_light.png."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from aistock.ui.app import create_qapp
    from aistock.ui.fonts import apply_ui_font
    from aistock.ui.i18n import install_translator
    from aistock.ui.main_window import MainWindow
    from aistock.ui.theme import DARK, LIGHT

    app = create_qapp()
    app.setStyle("Fusion")
    family = apply_ui_font(app)
    print(f"UI font: {family or 'none with CJK glyphs — Chinese will show as boxes'}")
    logging.getLogger("aistock").setLevel(logging.INFO)
    calendar = demo_calendar()
    morning = dt.datetime(2025, 11, 24, 10, 15, 30, tzinfo=SHANGHAI)
    closing = dt.datetime(2025, 11, 24, 14, 58, 5, tzinfo=SHANGHAI)

    # The kill-switch's state, as the store would report it: first in the status bar.
    active = ("active", "ACTIVE")
    halted = ("halted", "HALTED — broker link unstable (by trader, 2025-11-24 06:57:40 UTC)")
    reducing = ("reducing", "REDUCING — flatten before the close (by trader)")
    shots: list[tuple[str, str, str, AccountMode, dt.datetime, dt.date, tuple[str, str]]] = [
        ("shell_zh_light.png", "zh_CN", LIGHT, AccountMode.PAPER, morning, dt.date(2025, 11, 21), active),
        ("shell_zh_dark.png", "zh_CN", DARK, AccountMode.PREVIEW, morning, dt.date(2025, 11, 21), active),
        ("shell_live.png", "zh_CN", LIGHT, AccountMode.LIVE, closing, dt.date(2025, 11, 20), halted),
        ("shell_en_light.png", "en", LIGHT, AccountMode.PAPER, morning, dt.date(2025, 11, 21), reducing),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name, language, theme, mode, moment, as_of, state in shots:
            install_translator(app, language)
            settings = QSettings(str(Path(tmp) / f"{name}.ini"), QSettings.Format.IniFormat)
            settings.setValue("ui/theme", theme)
            info = demo_info(mode, as_of)
            window = MainWindow(
                info,
                calendar,
                clock=fixed_clock(moment),
                settings=settings,
                trading_state=lambda state=state: state,  # type: ignore[misc]
            )
            window.resize(*SIZE)
            window.show()
            _log_at(moment, "aistock.ui", logging.INFO, "工作站已启动：" + info.data_source_label)
            _log_at(moment, "aistock.data", logging.INFO, "行情数据截至 " + as_of.isoformat())
            QApplication.processEvents()
            path = out / name
            window.grab().save(str(path))
            print(f"wrote {path}")
            if name == "shell_zh_light.png":  # the View menu too: panels, theme, language
                _grab_menu(window, out / "shell_zh_view_menu.png")
            window.close()
            window.deleteLater()
            QApplication.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
