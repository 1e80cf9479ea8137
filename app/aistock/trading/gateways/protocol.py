"""The gateway protocol: what the order manager needs from any broker connection.

miniQMT on Windows and the built-in simulator both sit behind :class:`MiniQMTGateway`; anything
else that can place, cancel and answer the four queries can stand in. Every method may be called
from any thread except the broker's callback thread; events go to the ``sink`` given at
construction, never returned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from aistock.core.errors import AistockError
from aistock.core.orders import OrderRequest
from aistock.trading.gateways.events import (
    AlgoTaskReport,
    AssetReport,
    ConnectionState,
    GatewayEvent,
    OrderUpdate,
    PositionReport,
    TradeReport,
)

EventSink = Callable[[GatewayEvent], None]
"""Where a gateway delivers events; must not block (the order manager's queue ``put``)."""


class GatewayError(AistockError):
    """A gateway call that could not even be attempted (not connected, bad arguments)."""


class Gateway(Protocol):
    @property
    def account_id(self) -> str: ...

    @property
    def state(self) -> ConnectionState: ...

    @property
    def session_id(self) -> int: ...

    def connect(self) -> None: ...

    def close(self) -> None: ...

    def place_order(self, request: OrderRequest, client_order_id: str) -> int:
        """Send ``request`` tagged with ``client_order_id``; return the SDK's answer as a hint.

        The answer (a sequence number, or -1) settles nothing: only a status push or a query does.
        With ``request.algo`` set the order goes out as a smart-algo task: the broker answers
        with an :class:`~aistock.trading.gateways.events.AlgoTaskAck` and places child orders
        that carry ``client_order_id`` as their remark.
        """
        ...

    def cancel_order(self, broker_order_id: int) -> int: ...

    def cancel_algo_task(self, task_id: int) -> int:
        """Stop a smart-algo task (its open children are cancelled by the broker); a hint again."""
        ...

    def query_algo_tasks(self) -> list[AlgoTaskReport] | None:
        """Today's smart-algo tasks; None when the query failed."""
        ...

    def query_orders(self) -> list[OrderUpdate] | None: ...

    def query_order(self, broker_order_id: int) -> OrderUpdate | None: ...

    def query_trades(self) -> list[TradeReport] | None: ...

    def query_positions(self) -> list[PositionReport] | None: ...

    def query_asset(self) -> AssetReport | None: ...
