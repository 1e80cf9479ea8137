"""What a gateway reports, as our own immutable records.

A broker callback hands us the SDK's mutable objects on the SDK's thread. The gateway copies
each into one of these frozen dataclasses at once and enqueues it, so nothing downstream ever
holds a broker object, and every record can be journaled as plain JSON (``to_payload``) and
rebuilt from it after a crash (``event_from_payload``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, ClassVar

from aistock.core.fees import Side
from aistock.core.orders import OrderStatus


class ConnectionState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class GatewayEvent:
    """Base of every event; ``kind`` names it in the journal."""

    kind: ClassVar[str] = "event"
    account_id: str

    def to_payload(self) -> dict[str, Any]:
        payload = dataclasses.asdict(self)
        for key, value in payload.items():
            if isinstance(value, StrEnum):
                payload[key] = value.value
        return payload

    @property
    def key(self) -> str | None:
        """What the journal indexes this event by (an order or trade id), if anything."""
        return None


@dataclass(frozen=True, slots=True)
class OrderUpdate(GatewayEvent):
    """An order as the broker reports it (push or query)."""

    kind: ClassVar[str] = "order"
    broker_order_id: int
    order_sysid: str
    code: str
    side: Side | None
    volume: int
    price: float
    price_type: int
    traded_volume: int
    traded_price: float
    broker_status: int
    status: OrderStatus | None
    """Our reading of ``broker_status``; None for 255 (unknown: re-query)."""
    status_msg: str
    strategy_name: str
    order_remark: str
    order_time: int
    """Epoch seconds, as xtquant reports order times."""

    @property
    def key(self) -> str | None:
        return self.order_remark or f"#{self.broker_order_id}"


@dataclass(frozen=True, slots=True)
class TradeReport(GatewayEvent):
    """One execution (push or query)."""

    kind: ClassVar[str] = "trade"
    trade_id: str
    broker_order_id: int
    order_sysid: str
    code: str
    side: Side | None
    volume: int
    price: float
    amount: float
    commission: float
    traded_time: int
    strategy_name: str
    order_remark: str

    @property
    def key(self) -> str | None:
        return self.trade_id


@dataclass(frozen=True, slots=True)
class PositionReport(GatewayEvent):
    kind: ClassVar[str] = "position"
    code: str
    volume: int
    can_use_volume: int
    frozen_volume: int
    yesterday_volume: int
    avg_price: float
    open_price: float
    market_value: float
    last_price: float

    @property
    def key(self) -> str | None:
        return self.code


@dataclass(frozen=True, slots=True)
class AssetReport(GatewayEvent):
    kind: ClassVar[str] = "asset"
    cash: float
    """Available cash (xtquant ``cash``)."""
    frozen_cash: float
    market_value: float
    total_asset: float


@dataclass(frozen=True, slots=True)
class AccountSnapshot(GatewayEvent):
    """A polled asset plus the complete position list, taken together."""

    kind: ClassVar[str] = "account_snapshot"
    asset: AssetReport
    positions: tuple[PositionReport, ...]


@dataclass(frozen=True, slots=True)
class OrderErrorReport(GatewayEvent):
    """The broker refused an order (``on_order_error``)."""

    kind: ClassVar[str] = "order_error"
    broker_order_id: int
    error_id: int
    error_msg: str
    strategy_name: str
    order_remark: str

    @property
    def key(self) -> str | None:
        return self.order_remark or f"#{self.broker_order_id}"


@dataclass(frozen=True, slots=True)
class CancelErrorReport(GatewayEvent):
    """The broker refused a cancel (``on_cancel_error``)."""

    kind: ClassVar[str] = "cancel_error"
    broker_order_id: int
    order_sysid: str
    error_id: int
    error_msg: str

    @property
    def key(self) -> str | None:
        return f"#{self.broker_order_id}"


@dataclass(frozen=True, slots=True)
class OrderAck(GatewayEvent):
    """The answer to an async order: the broker's order id for our remark (or -1 and why)."""

    kind: ClassVar[str] = "order_ack"
    broker_order_id: int
    order_remark: str
    strategy_name: str
    error_msg: str
    seq: int

    @property
    def key(self) -> str | None:
        return self.order_remark


@dataclass(frozen=True, slots=True)
class CancelAck(GatewayEvent):
    kind: ClassVar[str] = "cancel_ack"
    broker_order_id: int
    order_sysid: str
    cancel_result: int
    error_msg: str
    seq: int

    @property
    def key(self) -> str | None:
        return f"#{self.broker_order_id}"


@dataclass(frozen=True, slots=True)
class SendResult(GatewayEvent):
    """What a place or cancel call returned: only a hint, journaled so nothing is guessed later."""

    kind: ClassVar[str] = "send_result"
    client_order_id: str
    action: str  # "place" | "cancel"
    returned: int
    session_id: int

    @property
    def key(self) -> str | None:
        return self.client_order_id


class AlgoTaskState(IntEnum):
    """A smart-algo task's status, in xtquant's own codes (``xtconstant.OCS_TASK_STATUS_*``)."""

    RUNNING = 1001
    CANCELLED = 1002
    FINISHED = 1003
    PAUSED = 1004

    @property
    def ended(self) -> bool:
        """The task places nothing more (its open children may still be finishing)."""
        return self in (AlgoTaskState.CANCELLED, AlgoTaskState.FINISHED)

    @classmethod
    def of(cls, code: int | None) -> AlgoTaskState | None:
        """The state for a broker code; None for a code we do not know (or no code)."""
        try:
            return None if code is None else cls(int(code))
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class AlgoTaskAck(GatewayEvent):
    """The answer to a smart-algo order (``on_smart_algo_order_async_response``).

    ``task_id`` > 0 names the broker's task for our ``client_order_id`` (the remark it carried);
    otherwise ``error_msg`` says why the broker refused it.
    """

    kind: ClassVar[str] = "algo_ack"
    client_order_id: str
    task_id: int
    strategy_name: str
    error_msg: str
    seq: int

    @property
    def key(self) -> str | None:
        return self.client_order_id or f"task#{self.task_id}"


@dataclass(frozen=True, slots=True)
class AlgoTaskCancelAck(GatewayEvent):
    """The answer to a task cancel (``on_operate_smart_task_async_response``)."""

    kind: ClassVar[str] = "algo_cancel_ack"
    task_id: int
    success: bool
    reason: str
    error_msg: str
    seq: int

    @property
    def key(self) -> str | None:
        return f"task#{self.task_id}"


@dataclass(frozen=True, slots=True)
class AlgoTaskReport(GatewayEvent):
    """One smart-algo task as ``query_smart_algo_task`` lists it.

    Its child orders come as ordinary order and trade events; this is how the task itself
    stands: running or ended, what the broker counts as traded, which orders it placed.
    """

    kind: ClassVar[str] = "algo_task"
    task_id: int
    broker_status: int
    """xtquant's task status (1001 running, 1002 cancelled, 1003 finished, 1004 paused)."""
    task_msg: str
    client_order_id: str
    """The remark the task was placed with (our client order id, for our tasks)."""
    strategy_name: str
    algo_name: str
    volume: int
    traded_volume: int
    child_order_ids: tuple[int, ...]
    start_time: int
    end_time: int
    cancel_time: int

    @property
    def state(self) -> AlgoTaskState | None:
        return AlgoTaskState.of(self.broker_status)

    @property
    def key(self) -> str | None:
        return self.client_order_id or f"task#{self.task_id}"


@dataclass(frozen=True, slots=True)
class ConnectionChange(GatewayEvent):
    kind: ClassVar[str] = "connection"
    state: ConnectionState
    session_id: int
    attempt: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AccountStatusReport(GatewayEvent):
    kind: ClassVar[str] = "account_status"
    status: int


_EVENT_TYPES: dict[str, type[GatewayEvent]] = {
    cls.kind: cls
    for cls in (
        OrderUpdate,
        TradeReport,
        PositionReport,
        AssetReport,
        AccountSnapshot,
        OrderErrorReport,
        CancelErrorReport,
        OrderAck,
        CancelAck,
        SendResult,
        ConnectionChange,
        AccountStatusReport,
        AlgoTaskAck,
        AlgoTaskCancelAck,
        AlgoTaskReport,
    )
}


def event_from_payload(kind: str, payload: dict[str, Any]) -> GatewayEvent:
    """Rebuild a journaled event (the inverse of ``to_payload``)."""
    cls = _EVENT_TYPES.get(kind)
    if cls is None:
        raise ValueError(f"unknown gateway event kind {kind!r} in the journal")
    values = dict(payload)
    if cls is AccountSnapshot:
        values["asset"] = AssetReport(**values["asset"])
        values["positions"] = tuple(PositionReport(**p) for p in values["positions"])
    if "side" in values and values["side"] is not None:
        values["side"] = Side(values["side"])
    if "status" in values and values["status"] is not None and cls is OrderUpdate:
        values["status"] = OrderStatus(values["status"])
    if cls is ConnectionChange:
        values["state"] = ConnectionState(values["state"])
    if cls is AlgoTaskReport:
        values["child_order_ids"] = tuple(int(i) for i in values["child_order_ids"])
    return cls(**values)
