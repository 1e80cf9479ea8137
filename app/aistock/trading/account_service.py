"""AccountService (seed §7.3): the account as the rest of the workstation reads it.

Reads only. The order manager writes the book (journal first, apply second); this service turns
its rows into plain values for the planner, the risk engine, the UI and the CLI. Sellable shares
and free cash account for our own open orders, because that is what a new order may still use.

A smart-algo order is one parent row (the task) plus the child orders the broker's task placed.
While the parent is open it stands for the whole task: its unfilled remainder covers its open
children *and* the slices still to come, so the open-order list — and with it every cash and
sellable-share reservation here and in the risk engine — holds the parent and leaves its
children out (``include_children=True`` lists them). Children of a parent that is already final
(never expected: a parent ends only when no child is open) count for themselves.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlmodel import col, select

from aistock.core.fees import FeeSchedule, Side, yuan_to_fen
from aistock.core.orders import OrderStatus
from aistock.store import Store
from aistock.store.tables import AccountAsset, AccountPosition, AccountReconcile, TradeFill, TradeOrder


@dataclass(frozen=True, slots=True)
class PositionView:
    code: str
    volume: int
    sellable: int
    """Start-of-day shares not yet sold, minus what our open sell orders hold (T+1)."""
    sod_volume: int
    bought_today: int
    sold_today: int
    avg_price: float
    last_price: float
    broker_volume: int | None

    @property
    def market_value(self) -> float:
        return self.volume * self.last_price


@dataclass(frozen=True, slots=True)
class CashView:
    account_id: str
    trading_day: dt.date | None
    cash: float
    """Our ledger's cash (start of day ± today's fills), yuan."""
    available: float
    """Cash minus what our open buy orders still need (value + fees)."""
    frozen: float
    market_value: float
    total_asset: float
    broker_cash: float | None
    broker_frozen_cash: float | None
    broker_total_asset: float | None
    reconcile_state: str
    buy_blocked: bool
    block_reason: str


@dataclass(frozen=True, slots=True)
class OrderView:
    client_order_id: str
    broker_order_id: int | None
    code: str
    side: Side
    volume: int
    price: float
    price_type: str
    status: OrderStatus
    filled_volume: int
    avg_fill_price: float
    status_msg: str
    strategy: str
    origin: str
    cancel_requested: bool
    trading_day: dt.date
    created_at: dt.datetime
    parent_client_order_id: str | None = None
    """For a child order of a smart-algo task: the task's (parent) order."""
    algo: str = ""
    """For a smart-algo parent: the algorithm (VWAP, TWAP); "" for any other order."""

    @property
    def remaining(self) -> int:
        return self.volume - self.filled_volume if self.status.is_open else 0


@dataclass(frozen=True, slots=True)
class FillView:
    trade_id: str
    client_order_id: str
    code: str
    side: Side
    volume: int
    price: float
    amount: float
    fees: float
    traded_at: dt.datetime | None
    source: str


def _algo_name(row: TradeOrder) -> str:
    if row.algo_json is None or row.parent_client_order_id is not None:
        return ""
    try:
        return str(json.loads(row.algo_json).get("name", "")) or "algo"
    except (ValueError, AttributeError):
        return "algo"


def _order_view(row: TradeOrder) -> OrderView:
    return OrderView(
        client_order_id=row.client_order_id,
        broker_order_id=row.broker_order_id,
        code=row.code,
        side=Side(row.side),
        volume=row.volume,
        price=row.price,
        price_type=row.price_type,
        status=OrderStatus(row.status),
        filled_volume=row.filled_volume,
        avg_fill_price=row.filled_amount_fen / row.filled_volume / 100 if row.filled_volume else 0.0,
        status_msg=row.status_msg,
        strategy=row.strategy,
        origin=row.origin,
        cancel_requested=row.cancel_requested,
        trading_day=row.trading_day,
        created_at=row.created_at,
        parent_client_order_id=row.parent_client_order_id,
        algo=_algo_name(row),
    )


class AccountService:
    """Positions, cash and orders of the accounts in one store."""

    def __init__(self, store: Store, fees: FeeSchedule | None = None) -> None:
        self.store = store
        self.fees = fees or FeeSchedule()

    def get_open_orders(self, account_id: str, *, include_children: bool = False) -> list[OrderView]:
        """Orders that can still trade (including those whose cancel is pending).

        A smart-algo parent stands for its open children, which are left out unless
        ``include_children`` (so summing ``remaining`` over this list never counts twice).
        """
        finals = [s.value for s in OrderStatus if s.is_final]
        with self.store.session() as session:
            found = session.exec(
                select(TradeOrder)
                .where(col(TradeOrder.account_id) == account_id, col(TradeOrder.status).not_in(finals))
                .order_by(col(TradeOrder.id))
            ).all()
        open_ids = {r.client_order_id for r in found}
        return [
            _order_view(r)
            for r in found
            if include_children or r.parent_client_order_id not in open_ids  # None is never an id
        ]

    def get_orders(self, account_id: str, day: dt.date | None = None) -> list[OrderView]:
        statement = select(TradeOrder).where(col(TradeOrder.account_id) == account_id)
        if day is not None:
            statement = statement.where(col(TradeOrder.trading_day) == day)
        with self.store.session() as session:
            found = session.exec(statement.order_by(col(TradeOrder.id))).all()
        return [_order_view(r) for r in found]

    def get_fills(self, account_id: str, day: dt.date | None = None) -> list[FillView]:
        statement = select(TradeFill).where(col(TradeFill.account_id) == account_id)
        if day is not None:
            statement = statement.where(col(TradeFill.trading_day) == day)
        with self.store.session() as session:
            found = session.exec(statement.order_by(col(TradeFill.id))).all()
        return [
            FillView(
                trade_id=f.trade_id,
                client_order_id=f.client_order_id,
                code=f.code,
                side=Side(f.side),
                volume=f.volume,
                price=f.price,
                amount=f.amount_fen / 100,
                fees=f.fees_fen / 100,
                traded_at=f.traded_at,
                source=f.source,
            )
            for f in found
        ]

    def get_current_positions(self, account_id: str) -> list[PositionView]:
        open_sells: dict[str, int] = {}
        for order in self.get_open_orders(account_id):
            if order.side is Side.SELL:
                open_sells[order.code] = open_sells.get(order.code, 0) + order.remaining
        with self.store.session() as session:
            found = session.exec(
                select(AccountPosition)
                .where(col(AccountPosition.account_id) == account_id)
                .order_by(col(AccountPosition.code))
            ).all()
        return [
            PositionView(
                code=p.code,
                volume=p.volume,
                sellable=max(0, p.sod_volume - p.sold_today - open_sells.get(p.code, 0)),
                sod_volume=p.sod_volume,
                bought_today=p.bought_today,
                sold_today=p.sold_today,
                avg_price=p.avg_price,
                last_price=p.last_price,
                broker_volume=p.broker_volume,
            )
            for p in found
            if p.volume > 0
        ]

    def get_cash_and_asset(self, account_id: str) -> CashView:
        with self.store.session() as session:
            asset = session.get(AccountAsset, account_id)
        if asset is None:
            return CashView(
                account_id,
                None,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                None,
                None,
                None,
                "pending",
                True,
                "this account has never been reconciled with its broker",
            )
        frozen_fen = 0
        for order in self.get_open_orders(account_id):
            if order.side is Side.BUY and order.remaining:
                value = yuan_to_fen(order.price) * order.remaining
                frozen_fen += value + self.fees.fees(Side.BUY, value).total
        market_value = sum(p.market_value for p in self.get_current_positions(account_id))
        cash = asset.cash_fen / 100
        return CashView(
            account_id=account_id,
            trading_day=asset.trading_day,
            cash=cash,
            available=max(0, asset.cash_fen - frozen_fen) / 100,
            frozen=frozen_fen / 100,
            market_value=market_value,
            total_asset=cash + market_value,
            broker_cash=asset.broker_cash,
            broker_frozen_cash=asset.broker_frozen_cash,
            broker_total_asset=asset.broker_total_asset,
            reconcile_state=asset.reconcile_state,
            buy_blocked=asset.buy_blocked,
            block_reason=asset.block_reason,
        )

    def reconcile_history(self, account_id: str, limit: int = 20) -> list[AccountReconcile]:
        with self.store.session() as session:
            return list(
                session.exec(
                    select(AccountReconcile)
                    .where(col(AccountReconcile.account_id) == account_id)
                    .order_by(col(AccountReconcile.id).desc())
                    .limit(limit)
                ).all()
            )
