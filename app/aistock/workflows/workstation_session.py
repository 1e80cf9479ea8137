"""Everything the open workstation runs on, built once and closed once.

The window's panels take their engines through their constructors; this module builds those
engines for a workstation home (today: the demo world — its market, its RD-Agent export and its
paper account on the built-in miniQMT simulator) and shuts them down in reverse order. Nothing
here imports Qt, so a test or a benchmark can open the same session without a window.

One :class:`TradingDesk` is one connected account with its doors: the risk engine that judges
orders, the router that is the only way to the broker, the planner that proposes rebalances for
approval, and the kill-switch over all of it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aistock.core.calendar import TradingCalendar
from aistock.data.service import DataService
from aistock.rdagent.catalog.repository import RdagentRepository
from aistock.selection.service import SelectionService
from aistock.store import Store, WorkstationHome
from aistock.trading.gateways.simulator import SimCounter
from aistock.trading.monitoring import MonitoringService
from aistock.trading.paper import BrokerAccount
from aistock.trading.planner import OrderPlanner
from aistock.trading.preview.scheduler import PreviewScheduler, TickReport
from aistock.trading.preview.service import PreviewService
from aistock.trading.risk.engine import RiskEngine
from aistock.trading.risk.kill_switch import KillSwitch
from aistock.trading.risk.router import OrderRouter
from aistock.trading.risk.state import TradingStateService

log = logging.getLogger(__name__)


@dataclass
class TradingDesk:
    """One broker account and the doors every order goes through."""

    account: BrokerAccount
    risk: RiskEngine
    router: OrderRouter
    planner: OrderPlanner
    counter: SimCounter | None = None
    """The built-in miniQMT when the account is simulated (paper on the demo), else None."""

    @property
    def account_id(self) -> str:
        return self.account.account_id

    def connection_state(self) -> str:
        return self.account.gateway.state.value


@dataclass
class WorkstationSession:
    home: WorkstationHome
    store: Store
    data: DataService
    calendar: TradingCalendar
    state: TradingStateService
    monitoring: MonitoringService
    kill_switch: KillSwitch
    previews: PreviewService
    scheduler: PreviewScheduler
    repository: RdagentRepository
    rdagent_export: Path | None = None
    desk: TradingDesk | None = None
    tick_listeners: list[Callable[[TickReport], None]] = field(default_factory=list)
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def selection(self) -> SelectionService:
        """A selection service on this session's data (qlib is imported on first use)."""
        return SelectionService(self.store, self.data, repository=self.repository)

    def start_clocks(self, preview_interval_s: float = 60.0, watch_interval_s: float = 0.25) -> None:
        """Run the kill-switch watcher and the preview clock on their background threads."""
        self.kill_switch.start_watch(watch_interval_s)
        self._closers.append(self.kill_switch.stop_watch)
        self.scheduler.start(preview_interval_s)
        self._closers.append(self.scheduler.stop)

    def close(self) -> None:
        """Stop the clocks, then the account (its OMS drains first), then the simulator."""
        for closer in reversed(self._closers):
            try:
                closer()
            except Exception:  # closing must go on: the next closer may hold the broker link
                log.exception("closing the workstation session")
        self._closers.clear()

    def _on_tick(self, report: TickReport) -> None:
        for listener in list(self.tick_listeners):
            try:
                listener(report)
            except Exception:
                log.exception("a preview-tick listener failed")


def open_demo_session(
    home: WorkstationHome,
    store: Store,
    data: DataService,
    calendar: TradingCalendar,
    *,
    rdagent_export: Path | None = None,
    paper: bool = True,
    poll_interval_s: float = 1.0,
    preview_clock: Callable[[], dt.datetime] | None = None,
) -> WorkstationSession:
    """The demo world's session: paper account on the simulator, previews, catalogs, risk."""
    from aistock.trading.planner import OrderPlanner
    from aistock.trading.risk.quotes import MarketQuotes
    from aistock.workflows.paper_demo import (
        DEMO_PAPER_ACCOUNT,
        demo_broker_dir,
        open_demo_broker,
        risk_limits_of,
        trading_state_of,
    )

    state = trading_state_of(home, store)
    monitoring = state.monitoring or MonitoringService(store)
    repository = RdagentRepository(store)
    previews = PreviewService(
        store, data, selection=lambda: SelectionService(store, data, repository=repository)
    )
    scheduler_kwargs = {"clock": preview_clock} if preview_clock is not None else {}
    session = WorkstationSession(
        home=home,
        store=store,
        data=data,
        calendar=calendar,
        state=state,
        monitoring=monitoring,
        kill_switch=KillSwitch(state, monitoring=monitoring),
        previews=previews,
        scheduler=PreviewScheduler(previews, **scheduler_kwargs),  # type: ignore[arg-type]
        repository=repository,
        rdagent_export=rdagent_export,
    )
    session.scheduler.on_tick = session._on_tick
    if not paper:
        return session
    from aistock.trading.gateways.simulator import MiniQmtSimulator
    from aistock.trading.paper import USERDATA_DIR, connect_account

    counter = open_demo_broker(home, data)
    session._closers.append(counter.shutdown)
    try:
        account = connect_account(
            store,
            DEMO_PAPER_ACCOUNT,
            str(demo_broker_dir(home) / USERDATA_DIR),
            MiniQmtSimulator,
            trading_day=lambda: counter.session_day,
            poll_interval_s=poll_interval_s,
            gate=state,
        )
    except Exception:
        session.close()
        raise
    session._closers.append(account.close)
    account.manager.alerts.listeners.append(monitoring.oms_listener(DEMO_PAPER_ACCOUNT))
    quotes = MarketQuotes(lambda: counter.market, lambda: counter.minute, data=data)
    risk = RiskEngine(
        store, account.service, quotes, state, limits=risk_limits_of(store), monitoring=monitoring
    )
    session.desk = TradingDesk(
        account=account,
        risk=risk,
        router=OrderRouter(risk, account.manager),
        planner=OrderPlanner(risk),
        counter=counter,
    )
    session.kill_switch.managers.append(account.manager)
    return session
