"""Helpers for the simulator tests: a callback recorder that waits on a condition (never
sleeps), and the handle a test gets on a served counter with its connected trader."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xtquant.xttype import StockAccount

from aistock.trading.gateways.simulator import (
    MiniQmtSimulator,
    MinuteBar,
    MinuteTape,
    Reference,
    SimCounter,
    SimMarket,
)

ACCOUNT = "8880001"
WAIT_SECONDS = 10.0
_sessions = itertools.count(1000)

CALLBACKS = (
    "on_connected",
    "on_disconnected",
    "on_account_status",
    "on_stock_asset",
    "on_stock_order",
    "on_stock_trade",
    "on_stock_position",
    "on_order_error",
    "on_cancel_error",
    "on_order_stock_async_response",
    "on_cancel_order_stock_async_response",
    "on_smart_algo_order_async_response",
    "on_operate_smart_task_async_response",
)


@dataclass(frozen=True)
class Event:
    name: str
    payload: Any
    thread_id: int


class Recorder:
    """An XtQuantTraderCallback that records every callback with the thread it ran on.

    ``hooks[name]`` runs inside that callback (on the callback thread) — for the deadlock tests;
    what a hook raises is recorded in ``hook_errors``.
    """

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.hooks: dict[str, Callable[[Any], Any]] = {}
        self.hook_results: list[Any] = []
        self.hook_errors: list[BaseException] = []
        self._cond = threading.Condition()
        for name in CALLBACKS:
            if not hasattr(type(self), name):  # a subclass may define its own
                setattr(self, name, self._recorder(name))

    def _recorder(self, name: str) -> Callable[..., None]:
        def record(*args: Any) -> None:
            payload = args[0] if args else None
            hook = self.hooks.get(name)
            if hook is not None:
                try:
                    self.hook_results.append(hook(payload))
                except Exception as exc:
                    self.hook_errors.append(exc)
            with self._cond:
                self.events.append(Event(name, payload, threading.get_ident()))
                self._cond.notify_all()

        return record

    def of(self, name: str) -> list[Any]:
        with self._cond:
            return [e.payload for e in self.events if e.name == name]

    def names(self) -> list[str]:
        with self._cond:
            return [e.name for e in self.events]

    def wait_for(self, predicate: Callable[[Recorder], bool], what: str = "callbacks") -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self), timeout=WAIT_SECONDS):
                raise AssertionError(f"timed out waiting for {what}; got {[e.name for e in self.events]}")

    def wait_count(self, name: str, n: int) -> list[Any]:
        self.wait_for(lambda r: len(r.of(name)) >= n, f"{n} x {name}")
        return self.of(name)

    def clear(self) -> None:
        with self._cond:
            self.events.clear()


@dataclass
class Sim:
    counter: SimCounter
    trader: MiniQmtSimulator
    rec: Recorder
    path: str
    acc: Any = field(default_factory=lambda: StockAccount(ACCOUNT))

    def settle(self) -> None:
        """Wait until every push queued so far has been delivered: a sync call's response queues
        behind them on the callback thread, exactly as in the real client."""
        assert self.trader.query_account_status() is not None

    def orders(self, name: str = "on_stock_order", order_id: int | None = None) -> list[Any]:
        return [o for o in self.rec.of(name) if order_id is None or o.order_id == order_id]

    def statuses(self, order_id: int) -> list[int]:
        return [o.order_status for o in self.orders(order_id=order_id)]


def pick(tape: SimMarket, prefix: str) -> str:
    """The first stock whose code starts with ``prefix`` (600 main board, 688 STAR, 000 SZ...)."""
    return next(c for c in tape.codes if c.startswith(prefix))  # type: ignore[attr-defined]


def new_session() -> int:
    return next(_sessions)


def staged(
    tape: MinuteTape,
    code: str,
    bar: MinuteBar,
    *,
    pre_close: float | None = None,
    minutes: range | list[int] = range(240),
    limit_pct: float = 0.10,
) -> MinuteTape:
    """``tape`` with ``code`` trading ``bar`` at ``minutes`` and a ±``limit_pct`` band around
    ``pre_close`` (default: the bar's open) — exact prices for exact expectations."""
    base = bar.open if pre_close is None else pre_close
    ref = tape.reference(code)
    assert ref is not None
    reference = Reference(
        pre_close=base,
        up_limit=round(base * (1 + limit_pct) + 1e-9, 2),
        down_limit=round(base * (1 - limit_pct) + 1e-9, 2),
        suspended=False,
        name=ref.name,
    )
    return tape.with_reference(code, reference).with_bars(code, minutes, bar)


def flat(price: float, volume: int = 1_000_000) -> MinuteBar:
    return MinuteBar(price, price, price, price, volume)


def scripted_session(counter: SimCounter) -> None:
    """A fixed mix of orders, fills, a pending cancel and an algo task — run in-process and in a
    subprocess that is then SIGKILLed, so the two can be compared."""
    market = counter.market
    everything: list[str] = list(market.codes)  # type: ignore[attr-defined]
    codes = [
        c for prefix in ("600", "000", "688") for c in [x for x in everything if x.startswith(prefix)][:2]
    ]
    for code in codes:
        ref = market.reference(code)
        assert ref is not None and ref.up_limit is not None
        volume = 201 if code.startswith("688") else 300
        counter.place(ACCOUNT, code, 23, volume, 11, ref.up_limit, "scripted", f"r-{code}")
        counter.advance(2)
    first = market.reference(codes[1])
    assert first is not None and first.up_limit is not None
    counter.smart_algo_order(
        ACCOUNT, codes[1], 23, 500, 11, first.up_limit, "algo", "algo-r", "TWAP", "09:45:00", "10:00:00"
    )
    counter.advance(4)
    low = market.reference(codes[0])
    assert low is not None and low.down_limit is not None
    resting = counter.place(ACCOUNT, codes[0], 23, 100, 11, low.down_limit, "scripted", "resting")
    assert counter.cancel(ACCOUNT, resting) == 0  # still pending (51) when the state is saved
