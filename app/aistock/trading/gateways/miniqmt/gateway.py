"""The miniQMT gateway: XtQuantTrader behind an event-driven, self-healing connection.

What it does differently from vnpy_xt, and why:

* **Callbacks only copy and enqueue.** xtquant runs every push (and by default every sync
  response) on one worker thread; a blocking call there deadlocks the client. Each ``on_*``
  turns the SDK object into our frozen record and hands it to the sink, nothing else.
* **A supervisor owns the connection.** ``connect()`` is one-shot in xtquant and a reconnect
  needs a new session id *and* a new trader object; the supervisor thread retries with
  exponential backoff for as long as the gateway is open (vnpy reconnects once).
* **Assets and positions are polled**, because their pushes may never come.
* **Return codes are hints.** ``place_order`` returns the SDK's answer and journals it as a
  :class:`SendResult`; only a status push or a query decides what happened to an order.
* **Smart-algo orders** (``request.algo``) go out as ``smart_algo_order_async`` with our client id
  as the remark; the broker's task id comes back in :class:`AlgoTaskAck`, the task's child
  orders as ordinary order and trade pushes carrying that remark, and the task itself is read
  with ``query_smart_algo_task`` and stopped with ``cancel_smart_algo_task_async``.

The trader class is a constructor parameter: ``xtquant.xttrader.XtQuantTrader`` on Windows, the
simulator here, the same gateway code either way.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xtquant import xttype

from aistock.core.orders import OrderRequest, PriceType
from aistock.trading.failpoints import failpoint
from aistock.trading.gateways.events import (
    AccountSnapshot,
    AlgoTaskCancelAck,
    AlgoTaskReport,
    AssetReport,
    ConnectionChange,
    ConnectionState,
    OrderUpdate,
    PositionReport,
    SendResult,
    TradeReport,
)
from aistock.trading.gateways.miniqmt import convert
from aistock.trading.gateways.protocol import EventSink, GatewayError

TraderClass = Callable[[str, int], Any]
"""``XtQuantTrader`` or anything built the same way: ``(userdata_path, session_id) -> trader``."""


@dataclass(frozen=True, slots=True)
class MiniQMTSettings:
    userdata_path: str
    """miniQMT's ``userdata_mini`` directory (the simulator's registry key)."""
    account_id: str
    poll_interval_s: float = 2.0
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 30.0


def random_session_id() -> int:
    """A session id unlikely to collide with another process on the same miniQMT."""
    return random.SystemRandom().randint(100_000, 2**31 - 1)


class _Callback:
    """The object xtquant calls. Every method copies, enqueues and returns."""

    def __init__(self, gateway: MiniQMTGateway, generation: int) -> None:
        self._gateway = gateway
        self._generation = generation

    def _emit(self, make: Callable[[Any], Any], obj: Any) -> None:
        failpoint("callback.received", type(obj).__name__)
        try:
            self._gateway._sink(make(obj))
        except Exception as exc:  # never let an exception escape onto the SDK thread
            self._gateway._note_callback_failure(exc)

    def on_connected(self) -> None:  # never bound by xtquant; kept for completeness
        pass

    def on_disconnected(self) -> None:
        self._gateway._on_disconnected(self._generation)

    def on_account_status(self, status: Any) -> None:
        self._emit(convert.account_status, status)

    def on_stock_asset(self, asset: Any) -> None:
        self._emit(convert.asset_report, asset)

    def on_stock_order(self, order: Any) -> None:
        self._emit(convert.order_update, order)

    def on_stock_trade(self, trade: Any) -> None:
        self._emit(convert.trade_report, trade)

    def on_stock_position(self, position: Any) -> None:
        self._emit(convert.position_report, position)

    def on_order_error(self, error: Any) -> None:
        self._emit(convert.order_error, error)

    def on_cancel_error(self, error: Any) -> None:
        self._emit(convert.cancel_error, error)

    def on_order_stock_async_response(self, response: Any) -> None:
        self._emit(convert.order_ack, response)

    def on_cancel_order_stock_async_response(self, response: Any) -> None:
        self._emit(convert.cancel_ack, response)

    def on_smart_algo_order_async_response(self, response: Any) -> None:
        # The task id for our remark; the child orders it spawns arrive as ordinary pushes.
        self._emit(convert.algo_task_ack, response)

    def on_operate_smart_task_async_response(self, response: Any) -> None:
        self._emit(self._gateway._algo_cancel_ack, response)


class MiniQMTGateway:
    """One miniQMT account, connected and kept connected."""

    def __init__(
        self,
        trader_class: TraderClass,
        settings: MiniQMTSettings,
        sink: EventSink,
        *,
        session_ids: Callable[[], int] = random_session_id,
    ) -> None:
        self._trader_class = trader_class
        self.settings = settings
        self._sink = sink
        self._session_ids = session_ids
        self._account = xttype.StockAccount(settings.account_id)
        self._lock = threading.RLock()
        self._trader: Any = None
        self._session_id = 0
        self._generation = 0
        self._attempt = 0
        self._state = ConnectionState.STOPPED
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._connected = threading.Event()
        self._lost_generation = -1
        self._thread: threading.Thread | None = None
        self.callback_failures: list[str] = []

    # -- identity and state -------------------------------------------------------------------------
    @property
    def account_id(self) -> str:
        return self.settings.account_id

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def session_id(self) -> int:
        return self._session_id

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    # -- lifecycle -------------------------------------------------------------------------------
    def connect(self) -> None:
        """Start the supervisor: it connects, and reconnects whenever the link drops."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._closing.clear()
            self._thread = threading.Thread(target=self._supervise, name="miniqmt-supervisor", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._closing.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)
        self._drop_trader()
        self._set_state(ConnectionState.STOPPED, "closed")

    def poll_now(self) -> None:
        """Ask the supervisor for an asset/position poll at once (e.g. after a burst of fills)."""
        self._wake.set()

    # -- the supervisor ----------------------------------------------------------------------------
    def _supervise(self) -> None:
        backoff = self.settings.backoff_initial_s
        while not self._closing.is_set():
            if not self._connected.is_set():
                if self._open_session():
                    backoff = self.settings.backoff_initial_s
                else:
                    self._closing.wait(backoff)
                    backoff = min(backoff * 2, self.settings.backoff_max_s)
                continue
            self._wake.wait(self.settings.poll_interval_s)
            self._wake.clear()
            if self._closing.is_set():
                break
            with self._lock:
                lost = self._lost_generation == self._generation
            if lost:
                self._drop_trader()
                self._set_state(ConnectionState.DISCONNECTED, "miniQMT reported a disconnect")
                continue
            self._poll()

    def _open_session(self) -> bool:
        """One connection attempt with a fresh session id and a fresh trader object."""
        self._drop_trader()
        with self._lock:
            self._attempt += 1
            self._generation += 1
            generation = self._generation
            session = self._session_ids()
            self._session_id = session
        self._set_state(ConnectionState.CONNECTING, "")
        try:
            trader = self._trader_class(self.settings.userdata_path, session)
            trader.register_callback(_Callback(self, generation))
            trader.start()
            result = trader.connect()
            if result != 0:
                self._stop_trader(trader)
                self._set_state(ConnectionState.DISCONNECTED, f"connect() returned {result}")
                return False
            subscribed = trader.subscribe(self._account)
            if subscribed != 0:
                self._stop_trader(trader)
                self._set_state(
                    ConnectionState.DISCONNECTED,
                    f"subscribe({self.account_id}) returned {subscribed}: check the account id is "
                    "logged in to miniQMT",
                )
                return False
        except Exception as exc:  # the native client raises on a missing userdata path, etc.
            self._set_state(ConnectionState.DISCONNECTED, f"connect failed: {exc}")
            return False
        with self._lock:
            self._trader = trader
        self._connected.set()
        self._set_state(ConnectionState.CONNECTED, "")
        self._poll()
        return True

    def _on_disconnected(self, generation: int) -> None:
        # On the SDK thread: only flag it; the supervisor tears down and reconnects.
        with self._lock:
            if generation != self._generation:
                return  # an old trader's last words
            self._lost_generation = generation
            self._connected.clear()
            self._state = ConnectionState.DISCONNECTED  # announced by the supervisor; refuse orders now
        self._wake.set()

    def _drop_trader(self) -> None:
        with self._lock:
            trader, self._trader = self._trader, None
            self._connected.clear()
        if trader is not None:
            self._stop_trader(trader)

    @staticmethod
    def _stop_trader(trader: Any) -> None:
        with contextlib.suppress(Exception):  # a dead client may fail to stop; the next one is new
            trader.stop()

    def _set_state(self, state: ConnectionState, reason: str) -> None:
        self._state = state
        self._sink(
            ConnectionChange(
                account_id=self.account_id,
                state=state,
                session_id=self._session_id,
                attempt=self._attempt,
                reason=reason,
            )
        )

    def _poll(self) -> None:
        asset = self.query_asset()
        positions = self.query_positions()
        if asset is None or positions is None:
            return
        self._sink(AccountSnapshot(account_id=self.account_id, asset=asset, positions=tuple(positions)))

    def _note_callback_failure(self, exc: Exception) -> None:
        self.callback_failures.append(f"{type(exc).__name__}: {exc}")

    # -- orders -----------------------------------------------------------------------------------
    def _live_trader(self) -> Any:
        with self._lock:
            trader = self._trader
        if trader is None or not self._connected.is_set():
            raise GatewayError(
                f"miniQMT account {self.account_id} is not connected",
                "wait for the connection (the status bar shows it) or start miniQMT and log in",
            )
        return trader

    def place_order(self, request: OrderRequest, client_order_id: str) -> int:
        if request.algo is not None:
            return self._place_algo(request, client_order_id)
        trader = self._live_trader()
        returned = int(
            trader.order_stock_async(
                self._account,
                request.code,
                convert.SIDE_TO_ORDER_TYPE[request.side],
                int(request.volume),
                convert.xt_price_type(request.price_type, request.code),
                float(request.price),
                request.strategy,
                client_order_id,
            )
        )
        self._sink(
            SendResult(
                account_id=self.account_id,
                client_order_id=client_order_id,
                action="place",
                returned=returned,
                session_id=self._session_id,
            )
        )
        return returned

    def _place_algo(self, request: OrderRequest, client_order_id: str) -> int:
        """A smart-algo task: the broker slices it into child orders over the window."""
        spec = request.algo
        assert spec is not None
        trader = self._live_trader()
        price_type = convert.algo_price_type(request.price_type)
        returned = int(
            trader.smart_algo_order_async(
                self._account,
                request.code,
                convert.SIDE_TO_ORDER_TYPE[request.side],
                int(request.volume),
                price_type,
                float(request.price) if request.price_type is PriceType.LIMIT else 0.0,
                request.strategy,
                client_order_id,
                spec.name.value,
                spec.start_time,
                spec.end_time,
                convert.algo_params(spec, client_order_id),
            )
        )
        self._sink(
            SendResult(
                account_id=self.account_id,
                client_order_id=client_order_id,
                action="algo_place",
                returned=returned,
                session_id=self._session_id,
            )
        )
        return returned

    def cancel_algo_task(self, task_id: int) -> int:
        """Stop a smart-algo task; the broker cancels its open children (answer: AlgoTaskCancelAck)."""
        trader = self._live_trader()
        returned = int(trader.cancel_smart_algo_task_async(self._account, int(task_id)))
        self._sink(
            SendResult(
                account_id=self.account_id,
                client_order_id=f"task#{task_id}",
                action="algo_cancel",
                returned=returned,
                session_id=self._session_id,
            )
        )
        return returned

    def _algo_cancel_ack(self, response: Any) -> AlgoTaskCancelAck:
        return convert.algo_cancel_ack(response, self.account_id)

    def cancel_order(self, broker_order_id: int) -> int:
        trader = self._live_trader()
        returned = int(trader.cancel_order_stock_async(self._account, int(broker_order_id)))
        self._sink(
            SendResult(
                account_id=self.account_id,
                client_order_id=f"#{broker_order_id}",
                action="cancel",
                returned=returned,
                session_id=self._session_id,
            )
        )
        return returned

    # -- queries (never on the SDK thread) -----------------------------------------------------------
    def _query(self, method: str, *args: Any) -> Any:
        try:
            trader = self._live_trader()
        except GatewayError:
            return None
        try:
            return getattr(trader, method)(self._account, *args)
        except Exception:  # a dying link: report "unknown", the supervisor reconnects
            return None

    def query_orders(self) -> list[OrderUpdate] | None:
        raw = self._query("query_stock_orders", False)
        return None if raw is None else [convert.order_update(o) for o in raw]

    def query_order(self, broker_order_id: int) -> OrderUpdate | None:
        raw = self._query("query_stock_order", int(broker_order_id))
        return None if raw is None else convert.order_update(raw)

    def query_trades(self) -> list[TradeReport] | None:
        raw = self._query("query_stock_trades")
        return None if raw is None else [convert.trade_report(t) for t in raw]

    def query_positions(self) -> list[PositionReport] | None:
        raw = self._query("query_stock_positions")
        return None if raw is None else [convert.position_report(p) for p in raw]

    def query_asset(self) -> AssetReport | None:
        raw = self._query("query_stock_asset")
        return None if raw is None else convert.asset_report(raw)

    def query_algo_tasks(self) -> list[AlgoTaskReport] | None:
        """Today's smart-algo tasks of the account (None: the query failed)."""
        raw = self._query("query_smart_algo_task")
        if raw is None:
            return None
        try:
            return [convert.algo_task_report(t, self.account_id) for t in raw]
        except Exception:  # a malformed answer is no answer
            return None


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.005) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds pass (for CLIs and tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
