"""The demo world's paper account: ¥1,000,000 at the built-in miniQMT simulator.

The simulator's counter replays the demo market's most recent minute day and keeps its books in
``<home>/demo/miniqmt/counter.json``, so the account, its orders and its fills persist between
launches exactly as a broker's would. Opening it goes the whole real path: gateway, session,
subscription, the order manager's start-up reconciliation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aistock.core.risk import RiskConfigError, RiskLimits
from aistock.data.service import DataService
from aistock.store import SettingsRepository, Store, WorkstationHome
from aistock.trading.gateways.miniqmt.gateway import wait_for
from aistock.trading.gateways.simulator import DemoMinuteTape, MiniQmtSimulator, SimCounter
from aistock.trading.monitoring import MonitoringService
from aistock.trading.oms.manager import OrderGate
from aistock.trading.paper import USERDATA_DIR, BrokerAccount, connect_account, open_simulated_broker
from aistock.trading.risk.engine import RiskEngine
from aistock.trading.risk.quotes import MarketQuotes
from aistock.trading.risk.router import OrderRouter
from aistock.trading.risk.state import TradingStateService

DEMO_PAPER_ACCOUNT = "DEMO-PAPER-001"
DEMO_PAPER_CASH = 1_000_000.0


def demo_broker_dir(home: WorkstationHome) -> Path:
    return home.demo_dir / "miniqmt"


def open_demo_broker(home: WorkstationHome, data: DataService) -> SimCounter:
    """Start (or resume) the demo's simulated miniQMT on the demo market's last minute day."""
    tape = DemoMinuteTape(data)
    return open_simulated_broker(
        demo_broker_dir(home),
        tape,
        {DEMO_PAPER_ACCOUNT: DEMO_PAPER_CASH},
        market_for=lambda day: DemoMinuteTape(data, day),
    )


@contextmanager
def demo_paper_account(
    home: WorkstationHome,
    store: Store,
    data: DataService,
    *,
    poll_interval_s: float = 2.0,
    gate: OrderGate | None = None,
) -> Iterator[tuple[SimCounter, BrokerAccount]]:
    """The demo broker and the connected paper account, closed again on exit.

    Orders pass the home's trading-state gate (the kill-switch) unless another gate is given.
    """
    counter = open_demo_broker(home, data)
    account = connect_account(
        store,
        DEMO_PAPER_ACCOUNT,
        str(demo_broker_dir(home) / USERDATA_DIR),
        MiniQmtSimulator,
        trading_day=lambda: counter.session_day,
        poll_interval_s=poll_interval_s,
        gate=gate if gate is not None else trading_state_of(home, store),
    )
    try:
        yield counter, account
    finally:
        account.close()
        counter.shutdown()


def trading_state_of(home: WorkstationHome, store: Store) -> TradingStateService:
    """The home's trading state, with its request files in the home's root folder."""
    return TradingStateService(store, monitoring=MonitoringService(store), request_dir=home.root)


RISK_LIMITS_SETTING = "risk.limits"


def risk_limits_of(store: Store) -> RiskLimits:
    """The home's risk limits (settings key ``risk.limits``; defaults when unset)."""
    values = SettingsRepository(store).get(RISK_LIMITS_SETTING)
    if values is None:
        return RiskLimits()
    if not isinstance(values, dict):
        raise RiskConfigError(
            f"setting {RISK_LIMITS_SETTING} must be a mapping, got {values!r}", "fix or remove it"
        )
    return RiskLimits.from_mapping(values)


def demo_router(
    home: WorkstationHome, store: Store, data: DataService, counter: SimCounter, account: BrokerAccount
) -> OrderRouter:
    """The paper account's door for orders: risk (quotes from the simulated market) then the OMS."""
    state = trading_state_of(home, store)
    quotes = MarketQuotes(lambda: counter.market, lambda: counter.minute, data=data)
    engine = RiskEngine(
        store, account.service, quotes, state, limits=risk_limits_of(store), monitoring=state.monitoring
    )
    return OrderRouter(engine, account.manager)


def wait_reconciled(account: BrokerAccount, timeout: float = 15.0) -> bool:
    manager = account.manager
    return wait_for(lambda: manager.last_reconcile is not None, timeout) and manager.wait_idle(timeout)


def check_demo_paper_account(home: WorkstationHome, store: Store, data: DataService) -> str:
    """Open the paper account once and describe it (the headless summary's line)."""
    try:
        with demo_paper_account(home, store, data) as (counter, account):
            if not wait_reconciled(account):
                return "paper account: the simulated miniQMT did not answer in time"
            report = account.manager.last_reconcile
            cash = account.service.get_cash_and_asset(DEMO_PAPER_ACCOUNT)
            positions = account.service.get_current_positions(DEMO_PAPER_ACCOUNT)
            orders = account.service.get_open_orders(DEMO_PAPER_ACCOUNT)
            state = (
                "book matches broker"
                if report is not None and report.matched
                else (report.summary() if report is not None else "not reconciled")
            )
            return (
                f"paper account {DEMO_PAPER_ACCOUNT} on the built-in miniQMT simulator "
                f"(replaying {counter.session_day}): {state}; cash ¥{cash.cash:,.2f}, "
                f"{len(positions)} position(s), {len(orders)} open order(s)"
            )
    except Exception as exc:  # the demo must open even if the paper account cannot
        return f"paper account unavailable: {exc}"
