"""Between the order book's rows and the pure order state machine.

The state machine (``aistock.core.orders``) works on frozen values; the store keeps rows. These
helpers load a row into an :class:`OrderState`, and write a new state back onto its row, so the
rules are applied in exactly one place and the row is only ever a persisted copy.

Smart-algo orders are two levels of rows. The **parent** is the order we placed (our client id,
``algo_json``, and the broker's ``algo_task_id`` once known; its ``broker_status`` holds the
task's state, 1001–1004). Each order the task places at the broker is a **child** row
(``<parent>/<broker order id>``, ``parent_client_order_id``, origin ``algo_child``) that takes
its own pushes and fills like any order. The parent never takes a fill: :func:`roll_up` derives
its filled volume, amount, fees and status from its children and the task's state.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlmodel import Session, col, select

from aistock.core.fees import Side
from aistock.core.orders import AlgoSpec, OrderRequest, OrderState, OrderStatus, PriceType, RejectSource
from aistock.store.tables import AccountAsset, AccountPosition, TradeFill, TradeOrder, utc_now
from aistock.trading.gateways.events import AlgoTaskState

ALGO_CHILD = "algo_child"
"""The origin of an order a smart-algo task placed for one of our parents."""


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


# -- smart-algo parents and children -------------------------------------------------------------------
def algo_json(spec: AlgoSpec) -> str:
    """What ``trade_order.algo_json`` keeps of a parent's :class:`AlgoSpec`."""
    return json.dumps(
        {
            "name": spec.name.value,
            "start_time": spec.start_time,
            "end_time": spec.end_time,
            "params": dict(spec.params),
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def is_algo_parent(row: TradeOrder) -> bool:
    return row.algo_json is not None and row.parent_client_order_id is None


def child_client_order_id(parent_client_order_id: str, broker_order_id: int) -> str:
    return f"{parent_client_order_id}/{broker_order_id}"


def task_state(row: TradeOrder) -> AlgoTaskState | None:
    """The parent's task state as last reported (None: not known yet)."""
    return AlgoTaskState.of(row.broker_status) if is_algo_parent(row) else None


def task_ended(row: TradeOrder) -> bool:
    state = task_state(row)
    return state is not None and state.ended


def set_task_state(row: TradeOrder, state: AlgoTaskState | None) -> None:
    """Record the task's state; an ended task stays ended (a stale report cannot revive it)."""
    if state is None or task_ended(row):
        return
    if row.broker_status != state.value:
        row.broker_status = state.value
        row.updated_at = utc_now()


def find_by_broker_id(session: Session, account_id: str, broker_order_id: int) -> TradeOrder | None:
    return session.exec(
        select(TradeOrder).where(
            col(TradeOrder.account_id) == account_id, col(TradeOrder.broker_order_id) == broker_order_id
        )
    ).first()


def find_algo_parent(session: Session, account_id: str, remark: str, task_id: int) -> TradeOrder | None:
    """Our parent by its client id (the task's remark), else by the broker's task id.

    By task id the newest parent wins: a broker may number its tasks afresh each day.
    """
    if remark:
        row = find_order(session, account_id, remark, None)
        if row is not None and is_algo_parent(row):
            return row
    if task_id > 0:
        return session.exec(
            select(TradeOrder)
            .where(
                col(TradeOrder.account_id) == account_id,
                col(TradeOrder.algo_task_id) == task_id,
                col(TradeOrder.algo_json).is_not(None),
                col(TradeOrder.parent_client_order_id).is_(None),
            )
            .order_by(col(TradeOrder.id).desc())
        ).first()
    return None


def children_of(session: Session, parent: TradeOrder) -> list[TradeOrder]:
    """The task's child orders (all of its trading day, which also keeps the lookup indexed)."""
    return list(
        session.exec(
            select(TradeOrder)
            .where(
                col(TradeOrder.account_id) == parent.account_id,
                col(TradeOrder.trading_day) == parent.trading_day,
                col(TradeOrder.parent_client_order_id) == parent.client_order_id,
            )
            .order_by(col(TradeOrder.id))
        ).all()
    )


def open_algo_parents(session: Session, account_id: str) -> list[TradeOrder]:
    return [r for r in open_orders(session, account_id) if is_algo_parent(r)]


def roll_up(parent: TradeOrder, children: Sequence[TradeOrder]) -> tuple[OrderStatus, OrderStatus]:
    """Derive the parent from its children and its task; returns (status before, status after).

    * filled volume, amount and fees are the sums of the children's (each trade is booked on
      exactly one child, so the parent never counts a trade of its own);
    * **filled** once the children filled the whole volume;
    * otherwise **final only when the task has ended** (finished or cancelled), **no child is
      still open**, and the broker's traded count for the task is not ahead of our fills:
      ``cancelled`` (the rest will not trade), or ``rejected`` when the task finished without a
      single fill and every child was a 废单;
    * open before that: ``cancel_pending`` while a cancelled task's children finish,
      ``partially_filled`` with fills, ``live`` once the broker knows the task (a task id or a
      child), ``submitted`` before;
    * a parent the broker refused (an error answer, no task, no child) stays rejected, and a
      final parent is never reopened by a late push (a rejected one is, if the broker shows
      a task or children after all).
    """
    before = OrderStatus(parent.status)
    status: OrderStatus
    filled = sum(c.filled_volume for c in children)
    values: dict[str, object] = {
        "filled_volume": filled,
        "filled_amount_fen": sum(c.filled_amount_fen for c in children),
        "fees_fen": sum(c.fees_fen for c in children),
    }
    if not children and before is OrderStatus.REJECTED and parent.algo_task_id is None:
        status = before
    else:
        state = task_state(parent)
        ended = state is not None and state.ended
        any_open = any(OrderStatus(c.status).is_open for c in children)
        if filled >= parent.volume:
            status = OrderStatus.FILLED
        elif ended and not any_open and parent.broker_traded_volume <= filled:
            all_junk = bool(children) and all(c.status == OrderStatus.REJECTED.value for c in children)
            if filled == 0 and state is AlgoTaskState.FINISHED and all_junk:
                status = OrderStatus.REJECTED
                values["status_msg"] = parent.status_msg or children[-1].status_msg
            else:
                status = OrderStatus.CANCELLED
        elif state is AlgoTaskState.CANCELLED:
            status = OrderStatus.CANCEL_PENDING
        elif filled:
            status = OrderStatus.PARTIALLY_FILLED
        elif parent.algo_task_id is not None or children:
            status = OrderStatus.LIVE
        else:
            status = OrderStatus.SUBMITTED
        if before.is_final and not status.is_final and before is not OrderStatus.REJECTED:
            status = before
    values["status"] = status.value
    if status is not before:
        values["reject_source"] = RejectSource.BROKER.value if status is OrderStatus.REJECTED else None
    changed = False
    for name, value in values.items():
        if getattr(parent, name) != value:
            setattr(parent, name, value)
            changed = True
    if changed:
        parent.updated_at = utc_now()
    return before, status
