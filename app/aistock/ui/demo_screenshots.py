"""Screenshots of the real ``aistock demo`` window for ``docs/`` and the README.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m aistock.ui.demo_screenshots [--home DIR] [OUT_DIR]

The window is the one ``aistock demo`` opens (:mod:`aistock.ui.demo_launch`): the same session,
panels and engines. The scene is played through the engines and the panels' own commands — the
ticket's orders go through the risk engine and the simulated miniQMT, the simulated exchange is
stepped so they fill, a rebalance is planned from a preview and left for approval, a selection is
run with the loop's real model, the kill-switch is pulled — and each step waits for the window to
show its result before the picture is taken.

It works on a throw-away copy of the demo home (the halt, the orders and the layout never reach
the user's own), with the status-bar clock fixed inside the demo's last session so the pictures
show a trading day. A CJK font is needed for the Chinese pictures (Debian: ``fonts-noto-cjk``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aistock.core.calendar import SHANGHAI

if TYPE_CHECKING:
    from aistock.ui.main_window import MainWindow
    from aistock.ui.workstation_ui import WorkstationUi

log = logging.getLogger(__name__)
DEFAULT_OUT = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
SIZE = (1920, 1080)
"""A full-HD screen, what a trading desk's monitors show."""
BUY_CODES = 3
"""How many of the preview's holdings the ticket buys before the pictures (so the book is alive)."""


def wait_for(condition: Callable[[], bool], timeout_s: float = 120.0, what: str = "") -> None:
    """Process Qt events until ``condition()`` holds; raise (naming ``what``) after the timeout."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_s
    while True:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if condition():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the window did not show {what or 'the expected state'} in {timeout_s:.0f} s")
        time.sleep(0.02)


def pause(seconds: float = 0.4) -> None:
    """Let timers and repaints run (the chart's deferred redraw, the 1-second status clock)."""
    start = time.monotonic()
    wait_for(lambda: time.monotonic() - start >= seconds, seconds + 5)


def save(window: MainWindow, path: Path) -> None:
    pause()
    window.grab().save(str(path))
    print(f"wrote {path}")


class Scene:
    """The steps played on the demo window; each leaves the window showing its result."""

    def __init__(self, window: MainWindow, ui: WorkstationUi, out: Path, suffix: str) -> None:
        self.window = window
        self.ui = ui
        self.out = out
        self.suffix = suffix

    def shot(self, name: str) -> None:
        save(self.window, self.out / f"{name}_{self.suffix}.png")

    def show_page(self, page: object) -> None:
        pages = self.window.pages
        for index in range(pages.count()):
            if pages.widget(index) is page:
                pages.setCurrentIndex(index)
        pause(0.2)

    # -- previews ------------------------------------------------------------------------------------
    def previews(self) -> None:
        page = self.ui.preview_page
        self.show_page(page)
        wait_for(lambda: not page.busy and bool(page.instances.rows()), what="the preview instances")
        rows = page.instances.rows()
        page.instances.set_checked([r.id for r in rows])
        page.instances.select(rows[0].id)
        wait_for(lambda: not page.busy and len(page.chart.names()) >= len(rows), what="the NAV curves")

    # -- trading -------------------------------------------------------------------------------------
    def trade(self) -> None:
        """Buy a few of the first preview's names through the ticket's router, let them fill."""
        from aistock.core.fees import Side
        from aistock.core.orders import OrderRequest, PriceType
        from aistock.ui.supervision_plan_rows import preview_weights
        from aistock.ui.supervision_ticket import TICKET_ORIGIN

        desk = self.ui.session.desk
        assert desk is not None and self.ui.simulator is not None
        self.ui.simulator.step(30)  # 10:00: past the opening minutes
        rows = self.ui.preview_page.instances.rows()
        _day, weights = preview_weights(self.ui.session.previews, rows[0].id)
        codes = sorted(weights, key=lambda c: -weights[c])[:BUY_CODES]
        quotes = desk.risk.quotes.quotes(codes)
        orders = []
        for code in codes:
            quote = quotes.get(code)
            if quote is None:
                continue
            ceiling = quote.up_limit if quote.up_limit is not None else quote.reference * 1.1
            price = min(round(quote.reference * 1.01, 2), ceiling)  # marketable, inside the band
            orders.append(OrderRequest(code, Side.BUY, 1000, PriceType.LIMIT, price, "ticket"))
        report = desk.router.route(orders, origin=TICKET_ORIGIN)
        print(f"ticket orders: {report.describe()}", flush=True)
        # One resting order below the market, so the open-orders list has something to supervise.
        first = quotes[codes[0]]
        resting = OrderRequest(
            codes[0], Side.BUY, 500, PriceType.LIMIT, round(first.reference * 0.97, 2), "ticket"
        )
        sent = len(report.sent) + len(desk.router.route([resting], origin=TICKET_ORIGIN).sent)
        self.ui.simulator.step(5)
        orders_panel = self.ui.orders_panel
        wait_for(lambda: len(self.ui.positions_panel.records()) >= 1, what="the bought positions")
        wait_for(lambda: len(orders_panel.records()) >= sent, what="the orders")

    def plan(self) -> None:
        """Propose the rebalance to the second preview's book and leave it for approval."""
        supervision = self.ui.supervision
        rows = self.ui.preview_page.instances.rows()
        supervision.tabs.setCurrentWidget(supervision.plans)
        job = supervision.plans.plan_from_preview(rows[min(1, len(rows) - 1)].id)
        assert job is not None
        wait_for(lambda: not supervision.plans.follower.busy, what="the proposed plan")
        wait_for(lambda: bool(supervision.plans.order_rows()), what="the plan's orders")

    # -- research ------------------------------------------------------------------------------------
    def research(self) -> None:
        page = self.ui.research_page
        self.show_page(page)
        browser = page.browser
        wait_for(lambda: bool(browser.loop_rows()), what="the synced loops")
        browser.select_loop(browser.loop_rows()[0].key)
        selection = page.selection
        job = selection.start_selection()
        assert job is not None
        wait_for(lambda: selection.job is None, timeout_s=600, what="the selection's candidates")

    # -- kill-switch ---------------------------------------------------------------------------------
    def halt(self) -> None:
        control = self.ui.kill_switch
        control.engage("screenshot: the kill-switch at work")
        wait_for(lambda: control.state == "halted", what="HALTED")
        self.window.refresh_trading_state()
        # The simulated exchange answers the cancel on its next minute, as a counter does.
        assert self.ui.simulator is not None
        self.ui.simulator.step(1)
        live = self.ui.supervision.live
        wait_for(lambda: not live.records(), what="the swept open orders")


def play_chinese(window: MainWindow, ui: WorkstationUi, out: Path) -> None:
    from aistock.ui.theme import DARK, LIGHT

    window.resize(*SIZE)
    scene = Scene(window, ui, out, "zh")
    scene.previews()
    scene.trade()
    scene.plan()
    scene.show_page(ui.preview_page)
    scene.shot("workstation_preview")
    window.set_theme(DARK, remember=False)
    scene.shot("workstation_dark")
    window.set_theme(LIGHT, remember=False)
    scene.research()
    scene.shot("workstation_research")
    scene.halt()
    scene.show_page(ui.preview_page)
    scene.shot("workstation_halted")


def play_english(window: MainWindow, ui: WorkstationUi, out: Path) -> None:
    window.resize(*SIZE)
    scene = Scene(window, ui, out, "en")
    scene.previews()
    scene.trade()
    scene.plan()
    scene.show_page(ui.preview_page)
    scene.shot("workstation_preview")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--home", type=Path, help="the demo home to copy (default: the workstation home)")
    parser.add_argument("--languages", default="zh_CN,en", help="which plays to run (default: zh_CN,en)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    args.out.mkdir(parents=True, exist_ok=True)

    from aistock.store import open_store, resolve_home
    from aistock.ui.demo_launch import open_demo_launch
    from aistock.workflows.demo_world import DemoSettings, prepare_demo_world

    source = resolve_home(args.home).ensure()
    with open_store(source) as store:  # build the demo world once in the source home
        world = prepare_demo_world(source, store, DemoSettings())
    last_session = world.manifest.end_date
    clock_at = dt.datetime.combine(last_session, dt.time(10, 5, 12), tzinfo=SHANGHAI)

    plays: tuple[tuple[str, Callable[[MainWindow, WorkstationUi, Path], None]], ...] = (
        ("zh_CN", play_chinese),
        ("en", play_english),
    )
    wanted = set(args.languages.split(","))
    for language, play in plays:
        if language not in wanted:
            continue
        # A fixed name (not a random one): the paths the research page shows are stable.
        copy = Path(tempfile.gettempdir()) / "aistock-screenshots" / "home"
        shutil.rmtree(copy.parent, ignore_errors=True)
        try:
            shutil.copytree(source.root, copy, ignore=shutil.ignore_patterns("*.lock", "backups"))
            home = resolve_home(copy).ensure()
            with open_store(home) as store:
                world = prepare_demo_world(home, store, DemoSettings())
                launch = open_demo_launch(world, store, start_clocks=False)
                launch.run(
                    language,
                    settings_path=copy.parent / "workstation.ini",
                    clock=lambda: clock_at,
                    script=lambda window, ui, play=play: play(window, ui, args.out),  # type: ignore[misc]
                )
        finally:
            shutil.rmtree(copy.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
