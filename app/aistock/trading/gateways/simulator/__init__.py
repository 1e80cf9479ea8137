"""A faithful miniQMT simulator: a broker counter and exchange replaying real minute bars, and a
trader class with ``XtQuantTrader``'s surface, threading and known faults.

Typical use::

    counter = SimCounter(DemoMinuteTape(data), {"8880001": 1_000_000}, state_path=path)
    counter.serve(userdata_path)                       # "miniQMT is running here"
    trader = MiniQmtSimulator(userdata_path, session_id)  # what the gateway constructs
    ...
    counter.advance_to(30)                             # the exchange trades the first 30 minutes
"""

from aistock.trading.gateways.simulator.account import AccountSeed, OrderRecord, SimAccount, TradeRecord
from aistock.trading.gateways.simulator.counter import SimCounter, SimCounterError, XtAccountInfo
from aistock.trading.gateways.simulator.faults import FaultPlan, FaultPlanError
from aistock.trading.gateways.simulator.market import (
    DemoMinuteTape,
    MinuteBar,
    MinuteTape,
    Reference,
    SimMarket,
    SimMarketError,
    minute_index_at,
)
from aistock.trading.gateways.simulator.push import Push
from aistock.trading.gateways.simulator.rules import Reject
from aistock.trading.gateways.simulator.trader import MiniQmtSimulator, SimDeadlockError

__all__ = [
    "AccountSeed",
    "DemoMinuteTape",
    "FaultPlan",
    "FaultPlanError",
    "MiniQmtSimulator",
    "MinuteBar",
    "MinuteTape",
    "OrderRecord",
    "Push",
    "Reference",
    "Reject",
    "SimAccount",
    "SimCounter",
    "SimCounterError",
    "SimDeadlockError",
    "SimMarket",
    "SimMarketError",
    "TradeRecord",
    "XtAccountInfo",
    "minute_index_at",
]
