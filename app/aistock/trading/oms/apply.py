"""Applying one journaled gateway event to the order book, inside the caller's transaction.

Every function here is idempotent: applying the same event twice (a duplicate push, or a replay
after a crash between the journal and the apply) leaves the book as applying it once did. That
is what lets the manager journal first and apply second without ever double-counting.

Smart-algo orders: a push that carries a parent's client id as its remark belongs to one of the
task's child orders (its broker order id says which), so it is applied to that child's row —
created on first sight — and never to the parent; the parent is then rolled up from its children
(:func:`~aistock.trading.oms.rows.roll_up`). The task's own news (the order answer, the cancel
answer, the task list) lands on the parent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from aistock.core.calendar import SHANGHAI
from aistock.core.fees import Side, yuan_to_fen
from aistock.core.orders import (
    FillOutcome,
    FillReport,
    OrderStatus,
    PriceType,
    apply_cancel_rejected,
    apply_fill,
    apply_status,
)
from aistock.store.tables import TradeFill, TradeOrder, utc_now
from aistock.trading.gateways.events import (
    AccountSnapshot,
    AlgoTaskAck,
    AlgoTaskCancelAck,
    AlgoTaskReport,
    AlgoTaskState,
    AssetReport,
    CancelErrorReport,
    GatewayEvent,
    OrderAck,
    OrderErrorReport,
    OrderUpdate,
    PositionReport,
    TradeReport,
)
from aistock.trading.oms import rows
from aistock.trading.oms.ledger import (
    Difference,
    LedgerTrade,
    amount_fen,
    cash_effect_fen,
    compare,
    volume_effect,
)
from aistock.trading.oms.rows import ALGO_CHILD

EXTERNAL = "external"
_MARKET_PUSHED_PRICE_TYPE = 88  # how miniQMT pushes market orders back (limit orders come as 50)


@dataclass
class ApplyEffects:
    """What the manager must do after the transaction: queries, cancels, alerts."""

    requery_orders: set[int] = field(default_factory=set)
    query_trades: bool = False
    reconcile: str = ""  # a trigger name when a full reconciliation is wanted
    send_cancels: set[str] = field(default_factory=set)
    query_algo_tasks: bool = False  # ask for the smart-algo task list (an open task's state)
    alerts: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def alert(self, kind: str, message: str, **context: str) -> None:
        self.alerts.append((kind, message, context))


class EventApplier:
    """Applies events for one account; the trading day comes from the manager's clock."""

    def __init__(self, account_id: str, run_id: str, mode: str) -> None:
        self.account_id = account_id
        self.run_id = run_id
        self.mode = mode

    def apply(
        self,
        session: Session,
        event_id: int,
        event: GatewayEvent,
        day: dt.date,
        effects: ApplyEffects,
        source: str = "push",
    ) -> None:
        """Apply ``event``; ``source`` says whether a push or a query delivered it."""
        if isinstance(event, TradeReport):
            self._trade(session, event_id, event, day, source, effects)
        elif isinstance(event, OrderUpdate):
            self._order(session, event, day, effects)
        elif isinstance(event, OrderAck):
            self._ack(session, event, effects)
        elif isinstance(event, OrderErrorReport):
            self._order_error(session, event, effects)
        elif isinstance(event, CancelErrorReport):
            self._cancel_error(session, event, effects)
        elif isinstance(event, AccountSnapshot):
            self._snapshot(session, event, day, effects)
        elif isinstance(event, AssetReport):
            self._asset(session, event)
        elif isinstance(event, PositionReport):
            self._position(session, event)
        elif isinstance(event, AlgoTaskAck):
            self._algo_ack(session, event, effects)
        elif isinstance(event, AlgoTaskCancelAck):
            self._algo_cancel_ack(session, event, effects)
        elif isinstance(event, AlgoTaskReport):
            self._algo_task(session, event, effects)

    # -- orders ----------------------------------------------------------------------------------
    def _external_order(self, session: Session, u: OrderUpdate | TradeReport, day: dt.date) -> TradeOrder:
        """An order we did not place (by hand in miniQMT, another tool): tracked, never ours."""
        market = isinstance(u, OrderUpdate) and u.price_type == _MARKET_PUSHED_PRICE_TYPE
        row = TradeOrder(
            account_id=self.account_id,
            client_order_id=f"EXT:{self.account_id}:{u.broker_order_id}",
            broker_order_id=u.broker_order_id if u.broker_order_id > 0 else None,
            order_sysid=u.order_sysid,
            code=u.code,
            side=(u.side or Side.BUY).value,
            volume=u.volume,
            price_type=(PriceType.LATEST if market else PriceType.LIMIT).value,
            price=u.price if u.price > 0 else 0.01,
            strategy=u.strategy_name,
            origin=EXTERNAL,
            status=OrderStatus.LIVE.value,
            trading_day=day,
            run_id=self.run_id,
        )
        session.add(row)
        session.flush()
        return row

    def _order(self, session: Session, u: OrderUpdate, day: dt.date, effects: ApplyEffects) -> None:
        row = self._own_row(session, u.order_remark, u.broker_order_id, u)
        if row is None:
            row = self._external_order(session, u, day)
        if rows.is_algo_parent(row):
            return  # names the task but no child order: nothing to apply (the task list will tell)
        if row.origin in (EXTERNAL, ALGO_CHILD) and u.volume > row.volume:
            row.volume = u.volume
        self._learn_ids(row, u.broker_order_id, u.order_sysid)
        state = rows.order_state(row, rows.trade_ids_of(session, row))
        new = apply_status(state, u.status, broker_traded_volume=u.traded_volume, status_msg=u.status_msg)
        if new.status is not state.status or row.broker_status is None:
            row.broker_status = u.broker_status
        rows.write_state(row, new)
        if u.status is None and u.broker_order_id > 0:
            effects.requery_orders.add(u.broker_order_id)
        if new.missing_fills:
            effects.query_trades = True
        if row.cancel_requested and row.broker_order_id is not None and new.status.is_open:
            effects.send_cancels.add(row.client_order_id)
        if new.status is OrderStatus.REJECTED and state.status is not OrderStatus.REJECTED:
            effects.alert(
                "order_rejected",
                f"{row.code} {row.side} {row.volume} rejected: {new.status_msg or 'no reason given'}",
                client_order_id=row.client_order_id,
            )
        self._roll_up_parent(session, row, effects)

    @staticmethod
    def _learn_ids(row: TradeOrder, broker_order_id: int, order_sysid: str) -> None:
        if broker_order_id > 0 and row.broker_order_id is None:
            row.broker_order_id = broker_order_id
        if order_sysid and not row.order_sysid:
            row.order_sysid = order_sysid

    def _ack(self, session: Session, ack: OrderAck, effects: ApplyEffects) -> None:
        row = rows.find_order(session, self.account_id, ack.order_remark, None)
        if row is None or ack.broker_order_id <= 0:
            return  # -1 is only a hint: the order may well be live; pushes and queries decide
        self._learn_ids(row, ack.broker_order_id, "")
        row.updated_at = utc_now()
        if row.cancel_requested and OrderStatus(row.status).is_open:
            effects.send_cancels.add(row.client_order_id)

    def _order_error(self, session: Session, e: OrderErrorReport, effects: ApplyEffects) -> None:
        row = self._own_row(session, e.order_remark, e.broker_order_id, None)
        if row is None or rows.is_algo_parent(row):
            return  # a child's error never rejects the task (its 57 push rejects the child)
        self._learn_ids(row, e.broker_order_id, "")
        state = rows.order_state(row, rows.trade_ids_of(session, row))
        new = apply_status(state, OrderStatus.REJECTED, status_msg=e.error_msg)
        rows.write_state(row, new)
        if new.status is OrderStatus.REJECTED and state.status is not OrderStatus.REJECTED:
            effects.alert(
                "order_rejected",
                f"{row.code} {row.side} {row.volume} rejected: {e.error_msg or e.error_id}",
                client_order_id=row.client_order_id,
            )
        self._roll_up_parent(session, row, effects)

    def _cancel_error(self, session: Session, e: CancelErrorReport, effects: ApplyEffects) -> None:
        row = rows.find_order(session, self.account_id, "", e.broker_order_id)
        if row is None:
            return
        state = rows.order_state(row, rows.trade_ids_of(session, row))
        rows.write_state(row, apply_cancel_rejected(state, e.error_msg))
        effects.alert(
            "cancel_rejected",
            f"cancel of {row.client_order_id} refused: {e.error_msg or e.error_id}",
            client_order_id=row.client_order_id,
        )
        self._roll_up_parent(session, row, effects)

    # -- smart-algo tasks --------------------------------------------------------------------------
    def _own_row(
        self,
        session: Session,
        remark: str,
        broker_order_id: int,
        event: OrderUpdate | TradeReport | None,
    ) -> TradeOrder | None:
        """The row an order/trade event belongs to; a task's child gets its own row.

        Returns the parent itself only when the event names no broker order (the caller then
        applies nothing); with ``event`` given, a child seen for the first time is created.
        """
        row = rows.find_order(session, self.account_id, remark, broker_order_id)
        if row is None or not rows.is_algo_parent(row) or broker_order_id <= 0:
            return row
        child = rows.find_by_broker_id(session, self.account_id, broker_order_id)
        if child is not None:
            self._adopt(session, row, child)
            return child
        if event is None:
            return None
        return self._child_order(session, row, event)

    def _child_order(self, session: Session, parent: TradeOrder, u: OrderUpdate | TradeReport) -> TradeOrder:
        """An order the parent's task placed at the broker, first seen in ``u``."""
        if isinstance(u, OrderUpdate):
            market = u.price_type == _MARKET_PUSHED_PRICE_TYPE
            volume = u.volume
            price = u.price if u.price > 0 else parent.price
        else:  # a trade before its order push: its size comes with that push
            market = parent.price_type != PriceType.LIMIT.value
            volume = 0
            price = parent.price
        row = TradeOrder(
            account_id=self.account_id,
            client_order_id=rows.child_client_order_id(parent.client_order_id, u.broker_order_id),
            broker_order_id=u.broker_order_id,
            order_sysid=u.order_sysid,
            code=u.code or parent.code,
            side=parent.side,
            volume=volume,
            price_type=(PriceType.LATEST if market else PriceType.LIMIT).value,
            price=price if price > 0 or market else 0.01,
            strategy=parent.strategy,
            origin=ALGO_CHILD,
            parent_client_order_id=parent.client_order_id,
            status=OrderStatus.LIVE.value,
            trading_day=parent.trading_day,
            run_id=self.run_id,
        )
        session.add(row)
        session.flush()
        return row

    def _adopt(self, session: Session, parent: TradeOrder, row: TradeOrder) -> None:
        """An order first booked as external turns out to be the parent's child: relink it."""
        if row.origin != EXTERNAL or row.broker_order_id is None:
            return
        old = row.client_order_id
        new = rows.child_client_order_id(parent.client_order_id, row.broker_order_id)
        for fill in session.exec(
            select(TradeFill).where(
                col(TradeFill.account_id) == self.account_id, col(TradeFill.client_order_id) == old
            )
        ).all():
            fill.client_order_id = new
            session.add(fill)
        row.client_order_id = new
        row.origin = ALGO_CHILD
        row.parent_client_order_id = parent.client_order_id
        row.strategy = row.strategy or parent.strategy
        row.updated_at = utc_now()
        session.flush()

    def _parent_of(self, session: Session, row: TradeOrder) -> TradeOrder | None:
        if row.parent_client_order_id is None:
            return None
        return rows.find_order(session, self.account_id, row.parent_client_order_id, None)

    def _roll_up_parent(self, session: Session, child: TradeOrder, effects: ApplyEffects) -> None:
        parent = self._parent_of(session, child)
        if parent is not None:
            self._roll_up(session, parent, effects)

    def _roll_up(self, session: Session, parent: TradeOrder, effects: ApplyEffects) -> None:
        session.flush()
        children = rows.children_of(session, parent)
        before, after = rows.roll_up(parent, children)
        session.add(parent)
        if after is OrderStatus.REJECTED and before is not OrderStatus.REJECTED:
            effects.alert(
                "order_rejected",
                f"{parent.code} {parent.side} {parent.volume} algo task rejected: "
                f"{parent.status_msg or 'no reason given'}",
                client_order_id=parent.client_order_id,
            )
        if after.is_open:
            if parent.broker_traded_volume > parent.filled_volume:
                effects.query_trades = True  # the task counts trades we have not seen
            if (
                not rows.task_ended(parent)
                and children
                and not any(OrderStatus(c.status).is_open for c in children)
            ):
                effects.query_algo_tasks = True  # between slices, or done: the task list says which
            if parent.cancel_requested and parent.algo_task_id is not None and not rows.task_ended(parent):
                effects.send_cancels.add(parent.client_order_id)

    def _algo_ack(self, session: Session, ack: AlgoTaskAck, effects: ApplyEffects) -> None:
        row = rows.find_algo_parent(session, self.account_id, ack.client_order_id, 0)
        if row is None:
            return
        if ack.task_id > 0:
            if row.algo_task_id is None:
                row.algo_task_id = ack.task_id
                row.updated_at = utc_now()
            self._roll_up(session, row, effects)
            return
        if not ack.error_msg or rows.children_of(session, row):
            return  # -1 without a reason is only a hint: the task list decides
        state = rows.order_state(row, frozenset())
        new = apply_status(state, OrderStatus.REJECTED, status_msg=ack.error_msg)
        rows.write_state(row, new)
        if new.status is OrderStatus.REJECTED and state.status is not OrderStatus.REJECTED:
            effects.alert(
                "order_rejected",
                f"{row.code} {row.side} {row.volume} algo task rejected: {ack.error_msg}",
                client_order_id=row.client_order_id,
            )

    def _algo_cancel_ack(self, session: Session, ack: AlgoTaskCancelAck, effects: ApplyEffects) -> None:
        row = rows.find_algo_parent(session, self.account_id, "", ack.task_id)
        if row is None:
            return
        if ack.success:
            rows.set_task_state(row, AlgoTaskState.CANCELLED)
        else:
            if OrderStatus(row.status).is_open and not rows.task_ended(row) and row.cancel_requested:
                row.cancel_requested = False
                row.updated_at = utc_now()
                effects.alert(
                    "cancel_rejected",
                    f"cancel of algo task {ack.task_id} ({row.client_order_id}) refused: "
                    f"{ack.error_msg or ack.reason or 'no reason given'}",
                    client_order_id=row.client_order_id,
                )
            effects.query_algo_tasks = True  # it may have finished meanwhile
        self._roll_up(session, row, effects)

    def _algo_task(self, session: Session, report: AlgoTaskReport, effects: ApplyEffects) -> None:
        row = rows.find_algo_parent(session, self.account_id, report.client_order_id, report.task_id)
        if row is None:
            return  # not ours: its children are tracked as external orders
        if row.algo_task_id is None and report.task_id > 0:
            row.algo_task_id = report.task_id
        elif row.algo_task_id != report.task_id:
            return  # another task under the same remark: not the one we placed
        was_ended = rows.task_ended(row)
        rows.set_task_state(row, report.state)
        if not was_ended and rows.task_ended(row) and report.task_msg:
            row.status_msg = report.task_msg
        if report.traded_volume > row.broker_traded_volume:
            row.broker_traded_volume = report.traded_volume
        row.updated_at = utc_now()
        for broker_order_id in report.child_order_ids:
            if broker_order_id <= 0:
                continue
            child = rows.find_by_broker_id(session, self.account_id, broker_order_id)
            if child is None:
                effects.requery_orders.add(broker_order_id)  # a child no push has shown us yet
            else:
                self._adopt(session, row, child)
        self._roll_up(session, row, effects)

    # -- fills -----------------------------------------------------------------------------------
    def _trade(
        self,
        session: Session,
        event_id: int,
        t: TradeReport,
        day: dt.date,
        source: str,
        effects: ApplyEffects,
    ) -> None:
        known = session.exec(
            select(TradeFill.id).where(
                col(TradeFill.account_id) == self.account_id, col(TradeFill.trade_id) == t.trade_id
            )
        ).first()
        if known is not None:
            return
        row = self._own_row(session, t.order_remark, t.broker_order_id, t)
        if row is None:
            row = self._external_order(session, t, day)
            row.volume = 0
        if rows.is_algo_parent(row):
            effects.alert(
                "trade_without_order",
                f"trade {t.trade_id} names algo order {row.client_order_id} but no child order: not booked",
                client_order_id=row.client_order_id,
                trade_id=t.trade_id,
            )
            effects.query_trades = True
            return
        self._learn_ids(row, t.broker_order_id, t.order_sysid)
        grows = row.origin == EXTERNAL or (row.origin == ALGO_CHILD and row.broker_status is None)
        if grows and row.filled_volume + t.volume > row.volume:
            row.volume = row.filled_volume + t.volume  # its true size comes with its order push
        parent = self._parent_of(session, row)
        if parent is not None and parent.filled_volume + t.volume > parent.volume:
            effects.alert(
                "overfill_refused",
                f"trade {t.trade_id} of {t.volume} {t.code} would take algo order {parent.client_order_id} "
                f"to {parent.filled_volume + t.volume} of {parent.volume}: refused, not booked",
                client_order_id=row.client_order_id,
                trade_id=t.trade_id,
            )
            return
        state = rows.order_state(row, rows.trade_ids_of(session, row))
        fill = FillReport(
            trade_id=t.trade_id,
            volume=t.volume,
            price=t.price,
            amount_fen=amount_fen(t.volume, t.price),
            fees_fen=yuan_to_fen(t.commission),
            traded_at=dt.datetime.fromtimestamp(t.traded_time, SHANGHAI) if t.traded_time > 0 else None,
        )
        new, outcome = apply_fill(state, fill)
        if outcome is FillOutcome.OVERFILL:
            effects.alert(
                "overfill_refused",
                f"trade {t.trade_id} of {t.volume} {t.code} would take order {row.client_order_id} to "
                f"{row.filled_volume + t.volume} of {row.volume}: refused, not booked",
                client_order_id=row.client_order_id,
                trade_id=t.trade_id,
            )
            return
        if outcome is FillOutcome.DUPLICATE:
            return
        rows.write_state(row, new)
        side = Side(row.side)
        session.add(
            TradeFill(
                account_id=self.account_id,
                trade_id=t.trade_id,
                client_order_id=row.client_order_id,
                broker_order_id=t.broker_order_id,
                code=t.code,
                side=side.value,
                volume=t.volume,
                price=t.price,
                amount_fen=fill.amount_fen,
                fees_fen=fill.fees_fen,
                traded_at=fill.traded_at,
                trading_day=day,
                source=source,
                event_id=event_id,
            )
        )
        self._book(session, LedgerTrade(t.code, side, t.volume, fill.amount_fen, fill.fees_fen), day)
        self._roll_up_parent(session, row, effects)

    def _book(self, session: Session, trade: LedgerTrade, day: dt.date) -> None:
        """Move the ledger, if today's start of day is known (else the next reconcile rebuilds it)."""
        asset = rows.asset_row(session, self.account_id, self.mode)
        if asset.trading_day != day:
            return
        position = rows.position_row(session, self.account_id, trade.code)
        if trade.side is Side.BUY:
            position.bought_today = (position.bought_today or 0) + trade.volume
        else:
            position.sold_today = (position.sold_today or 0) + trade.volume
        position.volume = (position.volume or 0) + volume_effect(trade)
        position.updated_at = utc_now()
        asset.cash_fen += cash_effect_fen(trade)
        asset.updated_at = utc_now()

    # -- the broker's account view ---------------------------------------------------------------
    def _asset(self, session: Session, a: AssetReport) -> None:
        asset = rows.asset_row(session, self.account_id, self.mode)
        asset.broker_cash = a.cash
        asset.broker_frozen_cash = a.frozen_cash
        asset.broker_market_value = a.market_value
        asset.broker_total_asset = a.total_asset
        asset.broker_at = utc_now()

    def _position(self, session: Session, p: PositionReport) -> None:
        position = rows.position_row(session, self.account_id, p.code)
        position.broker_volume = p.volume
        position.broker_can_use = p.can_use_volume
        position.avg_price = p.avg_price
        position.last_price = p.last_price
        position.updated_at = utc_now()

    def _snapshot(self, session: Session, s: AccountSnapshot, day: dt.date, effects: ApplyEffects) -> None:
        if rows.open_algo_parents(session, self.account_id):
            # Each poll also reads the task list while a task of ours is open: it is how a task's
            # end (and a task id whose answer was lost) becomes known when no push says so.
            effects.query_algo_tasks = True
        self._asset(session, s.asset)
        reported = {p.code for p in s.positions}
        for p in s.positions:
            self._position(session, p)
        for row in rows.positions_of(session, self.account_id):
            if row.code not in reported and row.broker_volume:
                row.broker_volume = 0
                row.broker_can_use = 0
        asset = rows.asset_row(session, self.account_id, self.mode)
        if asset.trading_day != day:
            effects.reconcile = effects.reconcile or "new_day"
            return
        if self.differences(session, s):
            # A poll races the fill stream, so a difference here is only a suspicion; the
            # full reconciliation re-queries until the picture is stable before it blocks.
            effects.reconcile = effects.reconcile or "poll_mismatch"

    def differences(self, session: Session, snapshot: AccountSnapshot) -> list[Difference]:
        """The ledger (start of day + today's fills) against the broker's holdings and cash."""
        asset = rows.asset_row(session, self.account_id, self.mode)
        ours = {p.code: p.volume for p in rows.positions_of(session, self.account_id) if p.volume}
        theirs = {p.code: p.volume for p in snapshot.positions if p.volume}
        broker_cash = yuan_to_fen(snapshot.asset.cash) + yuan_to_fen(snapshot.asset.frozen_cash)
        return compare(ours, asset.cash_fen, theirs, broker_cash)
