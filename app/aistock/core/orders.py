"""Orders and their state machine: what an order is and which news may change it.

The broker's pushes arrive late, twice, out of order, or not at all (miniQMT does all four), and a
return code is only a hint. So an order's state here moves only forward along an explicit ranking,
fills are counted once per trade id and never beyond the order's volume, and a push that would
move an order backwards is recognised as stale and ignored rather than applied. The rules are
pure so the property tests can drive millions of random event sequences through them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum

from aistock.core.errors import AistockError
from aistock.core.fees import Side


class OrderError(AistockError, ValueError):
    """An order request or an event the order book refuses."""


class PriceType(StrEnum):
    """How an order is priced (mapped to xtconstant price types at the gateway)."""

    LIMIT = "limit"
    """A limit order at ``price`` (xtquant FIX_PRICE)."""
    LATEST = "latest"
    """At the latest price (xtquant LATEST_PRICE); the broker turns it into a marketable order."""
    BEST5_OR_CANCEL = "best5_or_cancel"
    """Market, best five levels, rest cancelled (SH 42 / SZ 47)."""
    BEST5_OR_LIMIT = "best5_or_limit"
    """Market, best five levels, rest as limit (SH/BJ 43 only)."""
    PEER_BEST = "peer_best"
    """Market at the counterparty's best price (44)."""
    OWN_BEST = "own_best"
    """Market at our own side's best price (45)."""

    @property
    def is_market(self) -> bool:
        return self is not PriceType.LIMIT


class OrderStatus(StrEnum):
    """Where an order stands, from our side of the wire."""

    SUBMITTED = "submitted"
    """Recorded and handed to the broker, not yet confirmed live (xtquant 48/49, or no news)."""
    LIVE = "live"
    """At the exchange, nothing filled (50)."""
    PARTIALLY_FILLED = "partially_filled"
    """At the exchange, part filled (55)."""
    CANCEL_PENDING = "cancel_pending"
    """A cancel was requested and the order is *still live* (51/52): it may yet fill."""
    CANCELLED = "cancelled"
    """Final: the rest is cancelled (54, or 53 when part was filled)."""
    FILLED = "filled"
    """Final: all of it filled (56)."""
    REJECTED = "rejected"
    """Final: the broker refused it (57, a 废单), or it never reached the broker."""

    @property
    def is_final(self) -> bool:
        return self in _FINAL

    @property
    def is_open(self) -> bool:
        """Still able to trade: counts against cash and sellable shares."""
        return self not in _FINAL

    @property
    def rank(self) -> int:
        return _RANK[self]


_FINAL = frozenset({OrderStatus.CANCELLED, OrderStatus.FILLED, OrderStatus.REJECTED})
_RANK = {
    OrderStatus.SUBMITTED: 0,
    OrderStatus.LIVE: 1,
    OrderStatus.PARTIALLY_FILLED: 2,
    OrderStatus.CANCEL_PENDING: 3,
    OrderStatus.CANCELLED: 4,
    OrderStatus.FILLED: 4,
    OrderStatus.REJECTED: 4,
}


class RejectSource(StrEnum):
    BROKER = "broker"
    """The broker or exchange said no (a definitive answer)."""
    NOT_FOUND = "not_found"
    """We inferred it: the broker's order list never showed it. A later push may revive it."""


class AlgoName(StrEnum):
    """miniQMT's smart algorithms (智能算法) that slice a parent order at the broker."""

    VWAP = "VWAP"
    TWAP = "TWAP"


@dataclass(frozen=True, slots=True)
class AlgoSpec:
    """Send the order as a miniQMT smart-algo task (``smart_algo_order_async``) over a window.

    Times are the exchange's local ``HH:MM:SS``. ``params`` are the algorithm's own keys as
    ``get_smart_algo_param`` lists them (e.g. ``m_dLimitOverRate``), as sorted pairs so the
    spec stays hashable.
    """

    name: AlgoName
    start_time: str
    end_time: str
    params: tuple[tuple[str, float | str], ...] = ()

    def __post_init__(self) -> None:
        for label, value in (("start_time", self.start_time), ("end_time", self.end_time)):
            parts = value.split(":")
            if len(parts) != 3 or not all(p.isdigit() and len(p) == 2 for p in parts):
                raise OrderError(f"algo {label} {value!r} is not HH:MM:SS", "e.g. 09:35:00")
        if self.start_time >= self.end_time:
            raise OrderError(
                f"algo window {self.start_time}-{self.end_time} is empty",
                "start_time must be before end_time",
            )


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What someone wants to trade: the planner's output and the gateway's input."""

    code: str
    side: Side
    volume: int
    price_type: PriceType = PriceType.LIMIT
    price: float = 0.0
    strategy: str = ""
    algo: AlgoSpec | None = None
    """When set, the broker slices the order itself (a smart-algo task) instead of one order."""

    def __post_init__(self) -> None:
        if self.volume <= 0:
            raise OrderError(
                f"order volume for {self.code} must be a positive number of shares, got {self.volume}",
                "give the volume in shares, e.g. 100",
            )
        if self.price_type is PriceType.LIMIT and not self.price > 0:
            raise OrderError(
                f"a limit order for {self.code} needs a positive price, got {self.price!r}",
                "give the limit price in yuan, or use a market price type",
            )
        if self.price < 0:
            raise OrderError(f"order price for {self.code} is negative ({self.price})", "check the price")


@dataclass(frozen=True, slots=True)
class OrderState:
    """The book's view of one order: identity, request, status and fills so far."""

    client_order_id: str
    account_id: str
    request: OrderRequest
    status: OrderStatus = OrderStatus.SUBMITTED
    broker_order_id: int | None = None
    order_sysid: str = ""
    filled_volume: int = 0
    filled_amount_fen: int = 0
    fees_fen: int = 0
    broker_traded_volume: int = 0
    """The largest traded volume the broker's order pushes reported: above ``filled_volume``
    it means trade pushes are missing and must be queried."""
    status_msg: str = ""
    reject_source: RejectSource | None = None
    cancel_requested: bool = False
    trade_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def remaining(self) -> int:
        return self.request.volume - self.filled_volume if self.status.is_open else 0

    @property
    def avg_fill_price(self) -> float:
        return self.filled_amount_fen / self.filled_volume / 100.0 if self.filled_volume else 0.0

    @property
    def missing_fills(self) -> bool:
        return self.broker_traded_volume > self.filled_volume


class FillOutcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    OVERFILL = "overfill"


@dataclass(frozen=True, slots=True)
class FillReport:
    """One execution as the broker reported it, in the book's units."""

    trade_id: str
    volume: int
    price: float
    amount_fen: int
    fees_fen: int
    traded_at: dt.datetime | None = None


def apply_fill(order: OrderState, fill: FillReport) -> tuple[OrderState, FillOutcome]:
    """Count ``fill`` once, never beyond the order's volume; a fill may follow a cancel.

    A duplicate (same trade id) changes nothing. A fill that would take the filled volume above
    the ordered volume is refused: a real counter cannot overfill a cash-equity order, so such a
    push is noise, and applying it would put shares in the book that the broker does not hold.
    """
    if fill.trade_id in order.trade_ids:
        return order, FillOutcome.DUPLICATE
    if fill.volume <= 0 or order.filled_volume + fill.volume > order.request.volume:
        return order, FillOutcome.OVERFILL
    filled = order.filled_volume + fill.volume
    status = order.status
    if filled == order.request.volume:
        status = OrderStatus.FILLED
    elif status in (OrderStatus.SUBMITTED, OrderStatus.LIVE):
        status = OrderStatus.PARTIALLY_FILLED
    elif status is OrderStatus.REJECTED and order.reject_source is RejectSource.NOT_FOUND:
        status = OrderStatus.PARTIALLY_FILLED  # it did reach the broker after all
    updated = replace(
        order,
        status=status,
        filled_volume=filled,
        filled_amount_fen=order.filled_amount_fen + fill.amount_fen,
        fees_fen=order.fees_fen + fill.fees_fen,
        reject_source=None if status is not OrderStatus.REJECTED else order.reject_source,
        trade_ids=order.trade_ids | {fill.trade_id},
    )
    return updated, FillOutcome.APPLIED


def apply_status(
    order: OrderState,
    reported: OrderStatus | None,
    *,
    broker_traded_volume: int = 0,
    status_msg: str = "",
) -> OrderState:
    """Move ``order`` to what the broker reported, if that is news and not a stale push.

    ``reported`` is None for an unknown status (xtquant 255): nothing moves, the caller re-queries.
    Status only moves up the ranking (a late 50 after a 55 is stale). Two exceptions: a
    rejection we inferred ourselves gives way to any broker news, and a fill-derived FILLED
    stands whatever the broker's push says. The broker's traded volume is remembered either way,
    because a push ahead of our fills means trade pushes were lost.
    """
    traded = max(order.broker_traded_volume, broker_traded_volume)
    if reported is None:
        return replace(order, broker_traded_volume=traded)
    current = order.status
    revive = current is OrderStatus.REJECTED and order.reject_source is RejectSource.NOT_FOUND
    if order.filled_volume == order.request.volume:
        new = OrderStatus.FILLED
    else:
        candidate = reported
        if candidate is OrderStatus.FILLED:
            # The broker says filled but our trades are not all in: keep the order open until
            # they are, so shares are never booked without their trades (the rest get queried).
            candidate = OrderStatus.PARTIALLY_FILLED if order.filled_volume else OrderStatus.LIVE
        new = candidate if revive or candidate.rank > current.rank else current
        if new in (OrderStatus.LIVE, OrderStatus.SUBMITTED) and order.filled_volume > 0:
            new = OrderStatus.PARTIALLY_FILLED
    reject_source = order.reject_source
    if new is OrderStatus.REJECTED and new is not current:
        reject_source = RejectSource.BROKER
    elif new is not OrderStatus.REJECTED:
        reject_source = None
    return replace(
        order,
        status=new,
        broker_traded_volume=traded,
        status_msg=status_msg or order.status_msg,
        reject_source=reject_source,
    )


def apply_cancel_rejected(order: OrderState, reason: str) -> OrderState:
    """The broker refused our cancel: a still-open order is live again (it may fill)."""
    if order.status.is_final:
        return replace(order, cancel_requested=False)
    status = OrderStatus.PARTIALLY_FILLED if order.filled_volume else OrderStatus.LIVE
    return replace(order, status=status, cancel_requested=False, status_msg=reason or order.status_msg)


def mark_not_found(order: OrderState, reason: str) -> OrderState:
    """Give up on an order the broker never showed (it stays revivable by a later push)."""
    if order.status is not OrderStatus.SUBMITTED or order.broker_order_id is not None or order.filled_volume:
        return order  # the broker has shown it, so it exists
    return replace(
        order, status=OrderStatus.REJECTED, reject_source=RejectSource.NOT_FOUND, status_msg=reason
    )
