"""What a gateway reports, as our own immutable records.

A broker callback hands us the SDK's mutable objects on the SDK's thread. The gateway copies
each into one of these frozen dataclasses at once and enqueues it, so nothing downstream ever
holds a broker object, and every record can be journaled as plain JSON (``to_payload``) and
rebuilt from it after a crash (``event_from_payload``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
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
    return cls(**values)
