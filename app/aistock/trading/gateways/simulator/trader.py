"""``MiniQmtSimulator``: a drop-in for ``xtquant.xttrader.XtQuantTrader`` backed by a :class:`SimCounter`.

The gateway is handed a trader class and builds it as ``cls(path, session_id)``; with this class
it talks to the simulated miniQMT served at ``path`` instead of the real one. The surface and
the threading are the real wrapper's (xttrader.py), because that is where gateways break:

* ``start()`` creates one single-worker executor: every push and every async response runs on
  it, serially, never on the caller's thread; a second one serves query responses when relaxed
  response order is enabled.
* A sync call waits for its response *through* that executor, so it returns only after every
  push queued before it has been delivered — and made from a callback it would deadlock. The
  simulator raises a :class:`SimDeadlockError` naming the fix instead of hanging. As in the real
  wrapper, relaxed response order frees the queries but not ``order_stock`` / cancels, whose
  responses always come through the push executor.
* An ``on_order_error`` (or ``on_cancel_error``) caused by an async request is held back until
  that request's async response has been delivered.
* ``on_connected`` is never called; ``connect()`` is one-shot; after ``on_disconnected`` the trader
  is dead (calls return -1 / None) and a reconnect needs a new trader with a new session id.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time as _time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Literal, TypeVar

from xtquant import xtconstant
from xtquant.xttype import (
    XtCancelOrderResponse,
    XtOperateSmartTaskResponse,
    XtOrderResponse,
    XtSmartAlgoOrderResponse,
)

from aistock.core.errors import AistockError
from aistock.trading.gateways.simulator import algo as algos
from aistock.trading.gateways.simulator.counter import SimCounter
from aistock.trading.gateways.simulator.push import CALLBACK_OF, Push

log = logging.getLogger(__name__)
Lane = Literal["push", "resp"]
_local = threading.local()
T = TypeVar("T")


class SimDeadlockError(AistockError, RuntimeError):
    """A sync call made where the real client would block forever."""


class MiniQmtSimulator:
    """The XtQuantTrader surface over a simulated counter (see the module docstring)."""

    def __init__(self, path: str, session: int, callback: Any = None) -> None:
        self.path = path
        self.session_id = int(session)
        self.callback = callback
        self.connected = False
        self.callback_errors: list[BaseException] = []  # exceptions raised inside callbacks
        self._relaxed = False
        self._timeout = 0
        self._executor: ThreadPoolExecutor | None = None
        self._relaxed_executor: ThreadPoolExecutor | None = None
        self._counter: SimCounter | None = None
        self._dead = False
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._seqs = itertools.count(1)
        self._subscribed: set[str] = set()
        self._queuing: dict[str, set[int]] = {"order": set(), "cancel": set()}
        self._held: dict[str, dict[int, Any]] = {"order": {}, "cancel": {}}

    def __repr__(self) -> str:
        state = "dead" if self._dead else "connected" if self.connected else "not connected"
        return f"MiniQmtSimulator({self.path!r}, session {self.session_id}, {state})"

    @property
    def session(self) -> int:
        return self.session_id

    # -- lifecycle ---------------------------------------------------------------------------------
    def register_callback(self, callback: Any) -> None:
        self.callback = callback

    def start(self) -> None:
        if self._executor is not None:
            return
        name = f"MiniQmtSimulator-{self.session_id}"
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{name}-callback")
        self._relaxed_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{name}-response")

    def stop(self) -> None:
        """Disconnect and shut the callback threads down after draining what is queued."""
        if getattr(_local, "trader", None) is self:
            raise SimDeadlockError(
                "MiniQmtSimulator.stop() was called on this trader's own callback thread, which it "
                "would have to wait for",
                "call stop() from another thread (e.g. post it to your main loop)",
            )
        self._stopped.set()
        counter, self._counter = self._counter, None
        if counter is not None:
            counter._detach(self)
        self.connected = False
        for executor in (self._executor, self._relaxed_executor):
            if executor is not None:
                executor.shutdown(wait=True)

    def connect(self) -> int:
        """0 when connected to the counter served at ``path``; non-zero otherwise (one-shot)."""
        if self._executor is None or self._stopped.is_set() or self._dead or self.connected:
            return -1
        counter = SimCounter.running_at(self.path)
        if counter is None or counter.faults.take_refuse_connect():
            return -1
        if counter._attach(self) != 0:
            return -1
        self._counter = counter
        self.connected = True
        return 0

    def sleep(self, time: float) -> None:  # the real wrapper's parameter name
        """Block the caller for ``time`` seconds (the real one sleeps on its asyncio loop)."""
        _time.sleep(time)

    def run_forever(self) -> None:
        """Block like the real one (which never returns); returns once :meth:`stop` was called."""
        while not self._stopped.wait(2):
            pass

    def set_relaxed_response_order_enabled(self, enabled: bool) -> None:
        self._relaxed = bool(enabled)

    def set_timeout(self, timeout: int = 0) -> None:
        """Kept for the surface; the simulated counter always answers."""
        self._timeout = timeout

    # -- subscriptions ---------------------------------------------------------------------------
    def subscribe(self, account: Any) -> int:
        self._guard("subscribe", "resp")
        counter, account_id = self._usable(account)
        if counter is None or account_id is None:
            return -1
        with self._lock:
            self._subscribed.add(account_id)
        return self._sync_result(0, -1)

    def unsubscribe(self, account: Any) -> int:
        self._guard("unsubscribe", "resp")
        counter, account_id = self._usable(account)
        if counter is None or account_id is None:
            return -1
        with self._lock:
            if account_id not in self._subscribed:
                return -1
            self._subscribed.discard(account_id)
        return self._sync_result(0, -1)

    # -- orders ----------------------------------------------------------------------------------
    def order_stock(
        self,
        account: Any,
        stock_code: str,
        order_type: int,
        order_volume: int,
        price_type: int,
        price: float,
        strategy_name: str = "",
        order_remark: str = "",
    ) -> int:
        self._guard("order_stock", "push")
        counter, account_id = self._usable(account)
        if counter is None or account_id is None:
            return -1
        lie = counter.faults.take_order_minus_one()
        ask = (
            stock_code,
            order_type,
            int(order_volume),
            price_type,
            float(price),
            strategy_name,
            order_remark,
        )
        order_id = counter.place(account_id, *ask)
        return self._sync_result(-1 if lie else order_id, -1, lane="push")

    def order_stock_async(
        self,
        account: Any,
        stock_code: str,
        order_type: int,
        order_volume: int,
        price_type: int,
        price: float,
        strategy_name: str = "",
        order_remark: str = "",
    ) -> int:
        counter, account_id = self._usable(account)
        if counter is None or account_id is None:
            return -1
        seq = next(self._seqs)
        lie = counter.faults.take_order_minus_one()
        ask = (
            stock_code,
            order_type,
            int(order_volume),
            price_type,
            float(price),
            strategy_name,
            order_remark,
        )
        if lie == "seq":  # the call says it failed and nothing answers; the order is live anyway
            counter.place(account_id, *ask)
            return -1
        with self._lock:
            self._queuing["order"].add(seq)
        order_id = counter.place(account_id, *ask, origin=(self.session_id, seq))
        error = "委托请求失败" if lie else ""
        response = XtOrderResponse(
            account_id, -1 if lie else order_id, strategy_name, order_remark, error, seq
        )
        self._submit("push", self._respond, "order", seq, "on_order_stock_async_response", response)
        return seq

    def cancel_order_stock(self, account: Any, order_id: int) -> int:
        self._guard("cancel_order_stock", "push")
        counter, account_id = self._usable(account)
        if counter is None or account_id is None:
            return -1
        result = counter.cancel(account_id, int(order_id))
        return self._sync_result(self._maybe_lie(counter, result), -1, lane="push")

    def cancel_order_stock_async(self, account: Any, order_id: int) -> int:
        def send(counter: SimCounter, account_id: str, origin: tuple[int, int]) -> int:
            return counter.cancel(account_id, int(order_id), origin=origin)

        return self._cancel_async(account, send, int(order_id), "")

    def cancel_order_stock_sysid(self, account: Any, market: int | str, sysid: str) -> int:
        self._guard("cancel_order_stock_sysid", "push")
        counter, account_id = self._usable(account)
        if counter is None or account_id is None:
            return -1
        result = counter.cancel_by_sysid(account_id, market, str(sysid))
        return self._sync_result(self._maybe_lie(counter, result), -1, lane="push")

    def cancel_order_stock_sysid_async(self, account: Any, market: int | str, sysid: str) -> int:
        def send(counter: SimCounter, account_id: str, origin: tuple[int, int]) -> int:
            return counter.cancel_by_sysid(account_id, market, str(sysid), origin=origin)

        return self._cancel_async(account, send, -1, str(sysid))

    def _cancel_async(
        self, account: Any, send: Callable[[SimCounter, str, tuple[int, int]], int], order_id: int, sysid: str
    ) -> int:
        counter, account_id = self._usable(account)
        if counter is None or account_id is None:
            return -1
        seq = next(self._seqs)
        with self._lock:
            self._queuing["cancel"].add(seq)
        result = self._maybe_lie(counter, send(counter, account_id, (self.session_id, seq)))
        error = "" if result == 0 else "撤单失败"
        response = XtCancelOrderResponse(account_id, result, order_id, sysid, seq, error)
        self._submit("push", self._respond, "cancel", seq, "on_cancel_order_stock_async_response", response)
        return seq

    @staticmethod
    def _maybe_lie(counter: SimCounter, result: int) -> int:
        if counter.faults.take_cancel_lie():
            return -1 if result == 0 else 0
        return result

    # -- queries ---------------------------------------------------------------------------------
    def query_stock_asset(self, account: Any) -> Any:
        return self._query("query_stock_asset", account, lambda c, a: c.asset(a))

    def query_stock_asset_async(self, account: Any, callback: Callable[[Any], None]) -> None:
        """Like the real one this returns nothing; ``callback`` gets an XtAsset (or None)."""
        self._query_async(account, callback, lambda c, a: c.asset(a))

    def query_stock_order(self, account: Any, order_id: int) -> Any:
        return self._query("query_stock_order", account, lambda c, a: c.order(a, int(order_id)))

    def query_stock_orders(self, account: Any, cancelable_only: bool = False) -> list[Any] | None:
        return self._query("query_stock_orders", account, lambda c, a: c.orders(a, cancelable_only))

    def query_stock_orders_async(
        self, account: Any, callback: Callable[[Any], None], cancelable_only: bool = False
    ) -> int:
        return self._query_async(account, callback, lambda c, a: c.orders(a, cancelable_only))

    def query_stock_trades(self, account: Any) -> list[Any] | None:
        return self._query("query_stock_trades", account, lambda c, a: c.trades(a))

    def query_stock_trades_async(self, account: Any, callback: Callable[[Any], None]) -> int:
        return self._query_async(account, callback, lambda c, a: c.trades(a))

    def query_stock_position(self, account: Any, stock_code: str) -> Any:
        return self._query("query_stock_position", account, lambda c, a: c.position(a, stock_code))

    def query_stock_positions(self, account: Any) -> list[Any] | None:
        return self._query("query_stock_positions", account, lambda c, a: c.positions(a))

    def query_stock_positions_async(self, account: Any, callback: Callable[[Any], None]) -> int:
        return self._query_async(account, callback, lambda c, a: c.positions(a))

    def query_account_status(self) -> list[Any] | None:
        return self._query("query_account_status", None, lambda c, _: c.query_account_status())

    def query_account_status_async(self, callback: Callable[[Any], None]) -> int:
        return self._query_async(None, callback, lambda c, _: c.query_account_status())

    def query_account_infos(self) -> list[Any] | None:
        return self._query("query_account_infos", None, lambda c, _: c.query_account_infos())

    query_account_info = query_account_infos

    def query_account_infos_async(self, callback: Callable[[Any], None]) -> int:
        return self._query_async(None, callback, lambda c, _: c.query_account_infos())

    def _query(self, method: str, account: Any, answer: Callable[[SimCounter, str], T]) -> T | None:
        """A sync query: None when not connected or the account is unknown, as the real one."""
        self._guard(method, "resp")
        counter, account_id = self._usable(account) if account is not None else (self._live_counter(), "")
        if counter is None or account_id is None:
            return None
        return self._sync_result(answer(counter, account_id), None)

    def _query_async(
        self, account: Any, callback: Callable[[Any], None], answer: Callable[[SimCounter, str], Any]
    ) -> int:
        """An async query: the answer goes to ``callback`` on the response thread; returns a seq."""
        counter, account_id = self._usable(account) if account is not None else (self._live_counter(), "")
        if counter is None or account_id is None:
            return -1
        seq = next(self._seqs)
        self._submit(self._resp_lane, callback, answer(counter, account_id))
        return seq

    # -- smart algo ------------------------------------------------------------------------------
    def smart_algo_order_async(
        self,
        account: Any,
        stock_code: str,
        order_type: int,
        order_volume: int,
        price_type: int,
        price: float,
        strategy_name: str,
        order_remark: str,
        algo_name: str,
        start_time: str,
        end_time: str,
        algo_param: dict[str, Any],
    ) -> int:
        # The real wrapper checks the window in the caller before sending anything.
        if algos.parse_hms(start_time) >= algos.parse_hms(end_time):
            raise ValueError("开始时间需小于截止时间 (start_time must be before end_time)")
        counter, account_id = self._usable(account)
        if counter is None or account_id is None:
            return -1
        seq = next(self._seqs)
        ask = (
            stock_code,
            order_type,
            int(order_volume),
            price_type,
            float(price),
            strategy_name,
            order_remark,
        )
        task_id, error = counter.smart_algo_order(
            account_id, *ask, algo_name, start_time, end_time, algo_param
        )
        response = XtSmartAlgoOrderResponse(account_id, task_id, strategy_name, order_remark, error, seq)
        self._submit("push", self._invoke, "on_smart_algo_order_async_response", response)
        return seq

    def query_smart_algo_task(self, account: Any) -> list[dict[str, Any]] | None:
        return self._query("query_smart_algo_task", account, lambda c, a: c.query_smart_algo_task(a))

    def cancel_smart_algo_task_async(self, account: Any, task_id: int) -> int:
        counter, account_id = self._usable(account)
        if counter is None or account_id is None:
            return -1
        seq = next(self._seqs)
        success, reason = counter.cancel_smart_algo_task(account_id, int(task_id))
        response = XtOperateSmartTaskResponse(seq, success, int(task_id), reason, "" if success else reason)
        self._submit("push", self._invoke, "on_operate_smart_task_async_response", response)
        return seq

    def get_smart_algo_param(self, algo_name_list: list[str]) -> dict[str, list[dict[str, Any]]] | None:
        return self._query("get_smart_algo_param", None, lambda c, _: algos.algo_params(algo_name_list))

    # -- TraderLink (called by the counter, under its lock) ---------------------------------------
    def _accepts(self, account_id: str) -> bool:
        with self._lock:
            return self.connected and not self._dead and account_id in self._subscribed

    def _deliver(self, push: Push) -> None:
        self._submit("push", self._run_push, push, push.fresh())

    def _kill(self) -> None:
        """The connection is gone: tell the callback once, then play dead."""
        self._dead = True
        self.connected = False
        self._counter = None
        self._submit("push", self._invoke, "on_disconnected")

    # -- internals -------------------------------------------------------------------------------
    @property
    def _resp_lane(self) -> Lane:
        return "resp" if self._relaxed else "push"

    def _usable(self, account: Any) -> tuple[SimCounter | None, str | None]:
        """The counter and account id when a call can go through, else (None, None) (the real
        client answers -1 / None for a dead connection or an account it does not know)."""
        counter = self._live_counter()
        account_id = getattr(account, "account_id", None)
        account_type = getattr(account, "account_type", None)
        if counter is None or not isinstance(account_id, str) or account_type != xtconstant.SECURITY_ACCOUNT:
            return None, None
        if not counter.has_account(account_id):
            return None, None
        return counter, account_id

    def _live_counter(self) -> SimCounter | None:
        if not self.connected or self._dead or self._stopped.is_set():
            return None
        return self._counter

    def _guard(self, method: str, lane: Lane) -> None:
        """Refuse a sync call whose response would queue behind the callback now running."""
        if getattr(_local, "trader", None) is not self:
            return
        blocked_lane = "push" if lane == "push" else self._resp_lane
        if getattr(_local, "lane", None) != blocked_lane:
            return
        if lane == "push":
            fix = (
                f"call {method}_async() and handle its async response; relaxed response order does not "
                "help here, because order and cancel responses always come through the callback thread"
            )
        else:
            twin = f"use {method}_async(), or " if hasattr(self, f"{method}_async") else ""
            fix = (
                twin + "call set_relaxed_response_order_enabled(True) so query responses get their own thread"
            )
        raise SimDeadlockError(
            f"MiniQmtSimulator.{method}() was called on the trader's callback thread; the real "
            "XtQuantTrader would deadlock there (its response is queued behind the running callback)",
            fix,
        )

    def _sync_result(self, value: T, failed: T, lane: Lane | None = None) -> T:
        """Return ``value`` once a response on the lane's executor would have been delivered:
        everything queued before it runs first, as in the real client."""
        executor = self._lane_executor(lane or self._resp_lane)
        if executor is None:
            return failed
        try:
            barrier: Future[None] = executor.submit(lambda: None)
        except RuntimeError:  # shut down meanwhile
            return failed
        barrier.result()
        return value

    def _lane_executor(self, lane: Lane) -> ThreadPoolExecutor | None:
        return self._relaxed_executor if lane == "resp" else self._executor

    def _submit(self, lane: Lane, fn: Callable[..., None], *args: Any) -> None:
        executor = self._lane_executor(lane)
        if executor is None:
            return
        with contextlib.suppress(RuntimeError):  # shut down: the trader has stopped
            executor.submit(self._run, lane, fn, *args)

    def _run(self, lane: Lane, fn: Callable[..., None], *args: Any) -> None:
        _local.trader, _local.lane = self, lane
        try:
            fn(*args)
        except Exception as exc:  # a callback's bug must not kill the callback thread
            self.callback_errors.append(exc)
            log.exception("MiniQmtSimulator session %s: a callback raised", self.session_id)
        finally:
            _local.trader = _local.lane = None

    def _invoke(self, name: str, *args: Any) -> None:
        method = getattr(self.callback, name, None) if self.callback is not None else None
        if method is not None:
            method(*args)

    def _run_push(self, push: Push, payload: Any) -> None:
        origin = push.origin
        if (
            push.kind in ("order_error", "cancel_error")
            and origin is not None
            and origin[0] == self.session_id
        ):
            request = origin[2]
            with self._lock:
                if origin[1] in self._queuing[request]:
                    self._held[request][origin[1]] = payload  # until the async response is out
                    return
        self._invoke(CALLBACK_OF[push.kind], payload)

    def _respond(self, request: str, seq: int, name: str, response: Any) -> None:
        """Deliver an async response, then any error that was waiting for it."""
        try:
            self._invoke(name, response)
        finally:
            with self._lock:
                self._queuing[request].discard(seq)
                held = self._held[request].pop(seq, None)
            if held is not None:
                self._invoke("on_order_error" if request == "order" else "on_cancel_error", held)
