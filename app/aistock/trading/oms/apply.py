"""Applying one journaled gateway event to the order book, inside the caller's transaction.

Every function here is idempotent: applying the same event twice (a duplicate push, or a replay
after a crash between the journal and the apply) leaves the book as applying it once did. That
is what lets the manager journal first and apply second without ever double-counting.
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

EXTERNAL = "external"
_MARKET_PUSHED_PRICE_TYPE = 88  # how miniQMT pushes market orders back (limit orders come as 50)


@dataclass
class ApplyEffects:
    """What the manager must do after the transaction: queries, cancels, alerts."""

    requery_orders: set[int] = field(default_factory=set)
    query_trades: bool = False
    reconcile: str = ""  # a trigger name when a full reconciliation is wanted
    send_cancels: set[str] = field(default_factory=set)
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
        row = rows.find_order(session, self.account_id, u.order_remark, u.broker_order_id)
        if row is None:
            row = self._external_order(session, u, day)
        if row.origin == EXTERNAL and u.volume > row.volume:
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
        row = rows.find_order(session, self.account_id, e.order_remark, e.broker_order_id)
        if row is None:
            return
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
        row = rows.find_order(session, self.account_id, t.order_remark, t.broker_order_id)
        if row is None:
            row = self._external_order(session, t, day)
            row.volume = 0
        self._learn_ids(row, t.broker_order_id, t.order_sysid)
        if row.origin == EXTERNAL and row.filled_volume + t.volume > row.volume:
            row.volume = row.filled_volume + t.volume  # its true size comes with its order push
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
