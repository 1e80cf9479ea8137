"""Between the order book's rows and the pure order state machine.

The state machine (``aistock.core.orders``) works on frozen values; the store keeps rows. These
helpers load a row into an :class:`OrderState`, and write a new state back onto its row, so the
rules are applied in exactly one place and the row is only ever a persisted copy.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from aistock.core.fees import Side
from aistock.core.orders import OrderRequest, OrderState, OrderStatus, PriceType, RejectSource
from aistock.store.tables import AccountAsset, AccountPosition, TradeFill, TradeOrder, utc_now


def order_state(row: TradeOrder, trade_ids: frozenset[str]) -> OrderState:
    request = OrderRequest(
        code=row.code,
        side=Side(row.side),
        volume=row.volume,
        price_type=PriceType(row.price_type),
        price=row.price if row.price > 0 or row.price_type != PriceType.LIMIT else 0.01,
        strategy=row.strategy,
    )
    return OrderState(
        client_order_id=row.client_order_id,
        account_id=row.account_id,
        request=request,
        status=OrderStatus(row.status),
        broker_order_id=row.broker_order_id,
        order_sysid=row.order_sysid,
        filled_volume=row.filled_volume,
        filled_amount_fen=row.filled_amount_fen,
        fees_fen=row.fees_fen,
        broker_traded_volume=row.broker_traded_volume,
        status_msg=row.status_msg,
        reject_source=RejectSource(row.reject_source) if row.reject_source else None,
        cancel_requested=row.cancel_requested,
        trade_ids=trade_ids,
    )


def write_state(row: TradeOrder, state: OrderState) -> bool:
    """Copy ``state`` onto ``row``; True if anything changed."""
    values = {
        "status": state.status.value,
        "broker_order_id": state.broker_order_id,
        "order_sysid": state.order_sysid,
        "filled_volume": state.filled_volume,
        "filled_amount_fen": state.filled_amount_fen,
        "fees_fen": state.fees_fen,
        "broker_traded_volume": state.broker_traded_volume,
        "status_msg": state.status_msg,
        "reject_source": state.reject_source.value if state.reject_source else None,
        "cancel_requested": state.cancel_requested,
        "volume": state.request.volume,
    }
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        row.updated_at = utc_now()
    return changed


def trade_ids_of(session: Session, row: TradeOrder) -> frozenset[str]:
    ids = session.exec(
        select(TradeFill.trade_id).where(
            col(TradeFill.account_id) == row.account_id,
            col(TradeFill.client_order_id) == row.client_order_id,
        )
    ).all()
    return frozenset(ids)


def find_order(
    session: Session, account_id: str, remark: str, broker_order_id: int | None
) -> TradeOrder | None:
    """Our order by its client id (the remark it carried), else by the broker's order id."""
    if remark:
        row = session.exec(
            select(TradeOrder).where(
                col(TradeOrder.client_order_id) == remark, col(TradeOrder.account_id) == account_id
            )
        ).first()
        if row is not None:
            return row
    if broker_order_id is not None and broker_order_id > 0:
        return session.exec(
            select(TradeOrder).where(
                col(TradeOrder.account_id) == account_id,
                col(TradeOrder.broker_order_id) == broker_order_id,
            )
        ).first()
    return None


def asset_row(session: Session, account_id: str, mode: str = "paper") -> AccountAsset:
    row = session.get(AccountAsset, account_id)
    if row is None:
        row = AccountAsset(account_id=account_id, mode=mode)
        session.add(row)
    return row


def position_row(session: Session, account_id: str, code: str) -> AccountPosition:
    row = session.get(AccountPosition, (account_id, code))
    if row is None:
        row = AccountPosition(account_id=account_id, code=code)
        session.add(row)
    return row


def positions_of(session: Session, account_id: str) -> list[AccountPosition]:
    statement = select(AccountPosition).where(col(AccountPosition.account_id) == account_id)
    return list(session.exec(statement).all())


def open_orders(session: Session, account_id: str) -> list[TradeOrder]:
    finals = [s.value for s in OrderStatus if s.is_final]
    return list(
        session.exec(
            select(TradeOrder)
            .where(col(TradeOrder.account_id) == account_id, col(TradeOrder.status).not_in(finals))
            .order_by(col(TradeOrder.id))
        ).all()
    )


def fills_of_day(session: Session, account_id: str, day: dt.date) -> list[TradeFill]:
    return list(
        session.exec(
            select(TradeFill)
            .where(col(TradeFill.account_id) == account_id, col(TradeFill.trading_day) == day)
            .order_by(col(TradeFill.id))
        ).all()
    )
