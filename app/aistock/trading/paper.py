"""Wiring a broker account: miniQMT (or its simulator) → gateway → order manager → account views.

Paper and live differ only in the trader class and the userdata path they are given: on Windows
``xtquant.xttrader.XtQuantTrader`` against a logged-in miniQMT, here the built-in simulator whose
counter keeps its books in a state file, as a real miniQMT keeps them on the broker's side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from aistock.store import Store
from aistock.trading.account_service import AccountService
from aistock.trading.gateways.miniqmt.gateway import MiniQMTGateway, MiniQMTSettings, TraderClass
from aistock.trading.gateways.protocol import EventSink, Gateway
from aistock.trading.gateways.simulator import AccountSeed, FaultPlan, SimCounter, SimMarket
from aistock.trading.oms.manager import OrderGate, OrderManager

STATE_FILE = "counter.json"
USERDATA_DIR = "userdata_mini"


def open_simulated_broker(
    directory: Path,
    market: SimMarket,
    accounts: Mapping[str, float | AccountSeed],
    *,
    faults: FaultPlan | None = None,
    market_for: Callable[[dt.date], SimMarket] | None = None,
) -> SimCounter:
    """Start (or resume) the built-in miniQMT at ``directory`` and serve it there.

    The counter's state file survives the workstation: a restart resumes the same account,
    orders and fills, just as restarting AIstock leaves a real broker's books untouched. When
    the saved session day differs from ``market``'s, the counter resumes on the saved day
    (``market_for(day)`` supplies its bars) and rolls forward (T+1 releases, orders expire).
    """
    directory.mkdir(parents=True, exist_ok=True)
    state = directory / STATE_FILE
    if state.exists():
        saved_day = SimCounter.saved_session_day(state)
        resume = market if saved_day == market.session_day or market_for is None else market_for(saved_day)
        counter = SimCounter.load(state, resume, faults=faults)
        if counter.session_day < market.session_day:
            counter.roll_day(market)
    else:
        counter = SimCounter(market, accounts, state_path=state, faults=faults)
    counter.serve(str(directory / USERDATA_DIR))
    return counter


@dataclass
class BrokerAccount:
    """One connected account: its order manager and the read-side service."""

    manager: OrderManager
    service: AccountService

    @property
    def account_id(self) -> str:
        return self.manager.account_id

    @property
    def gateway(self) -> Gateway:
        return self.manager.gateway

    def close(self) -> None:
        self.manager.stop()


def connect_account(
    store: Store,
    account_id: str,
    userdata_path: str,
    trader_class: TraderClass,
    *,
    trading_day: Callable[[], dt.date],
    mode: str = "paper",
    poll_interval_s: float = 2.0,
    backoff_initial_s: float = 0.5,
    backoff_max_s: float = 30.0,
    gate: OrderGate | None = None,
) -> BrokerAccount:
    """Build the gateway and order manager for ``account_id`` and start them."""
    settings = MiniQMTSettings(
        userdata_path=userdata_path,
        account_id=account_id,
        poll_interval_s=poll_interval_s,
        backoff_initial_s=backoff_initial_s,
        backoff_max_s=backoff_max_s,
    )

    def make_gateway(sink: EventSink) -> Gateway:
        return MiniQMTGateway(trader_class, settings, sink)

    manager = OrderManager(store, account_id, make_gateway, trading_day=trading_day, mode=mode, gate=gate)
    manager.start()
    return BrokerAccount(manager, AccountService(store))
