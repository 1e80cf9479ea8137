"""The order manager: journal first, apply second, reconcile whenever the link comes back.

One worker thread owns the book. Gateway events (from the SDK's callback thread, the gateway's
supervisor and poller) and reconciliation requests all arrive through one queue, so the book
changes in exactly one place and in arrival order. For each batch the worker

1. appends the events to ``order_event`` and commits (after this, a crash loses nothing);
2. applies them and moves the ``oms_cursor`` high-water mark in one transaction (a crash
   between 1 and 2 replays them at the next start; applying is idempotent);
3. acts on what they revealed: re-query an order in state 255, fetch trades a push skipped,
   send a cancel that waited for the broker's order id, reconcile after a (re)connect.

Placing an order writes its row (and its never-reused client order id) *before* the gateway is
called. Nothing is ever resent: a timeout, a ``-1`` or a dropped link leaves the order open until a
push or a query says what became of it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import queue
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

from sqlmodel import Session, col, select

from aistock.core.calendar import shanghai_now
from aistock.core.errors import AistockError
from aistock.core.fees import Side, yuan_to_fen
from aistock.core.orders import OrderRequest, OrderStatus, mark_not_found
from aistock.store import JournalRepository, SettingsRepository, Store
from aistock.store.tables import (
    AccountAsset,
    AccountPosition,
    AccountReconcile,
    OmsCursor,
    OrderEvent,
    TradeFill,
    TradeOrder,
    utc_now,
)
from aistock.trading.failpoints import failpoint
from aistock.trading.gateways.events import (
    AccountSnapshot,
    AlgoTaskReport,
    ConnectionChange,
    ConnectionState,
    GatewayEvent,
    OrderUpdate,
    TradeReport,
    event_from_payload,
)
from aistock.trading.gateways.protocol import EventSink, Gateway
from aistock.trading.oms import rows
from aistock.trading.oms.apply import ApplyEffects, EventApplier
from aistock.trading.oms.ledger import (
    Difference,
    LedgerTrade,
    amount_fen,
    cash_effect_fen,
    derive_start_of_day,
)

log = logging.getLogger(__name__)

GatewayFactory = Callable[[EventSink], Gateway]
CLIENT_ID_TAG_SETTING = "oms.client_id_tag"
RECONCILE_ATTEMPTS = 3


class OrderRefused(AistockError):
    """The order manager will not send this order (and nothing was sent)."""


class OrderAlreadyFinal(OrderRefused):
    """A cancel of an order that is already filled, cancelled or rejected: nothing to do."""


AlertListener = Callable[[str, str, dict[str, str]], None]


class AlertLog(list[tuple[str, str]]):
    """The manager's alerts (kind, message), with listeners told of each one as it happens.

    Listeners (MonitoringService) run on the thread that raised the alert, usually the OMS
    worker; a listener that fails is skipped and never stops the book.
    """

    def __init__(self) -> None:
        super().__init__()
        self.listeners: list[AlertListener] = []

    def append(self, item: tuple[str, str], context: dict[str, str] | None = None) -> None:
        super().append(item)
        for listener in list(self.listeners):
            try:
                listener(item[0], item[1], dict(context or {}))
            except Exception:  # a monitoring failure must never stop the book
                continue


class OrderGate(Protocol):
    """The last check before the broker: the trading state (kill-switch) as a held gate.

    ``admit`` yields a refusal ("" when the order may go) and stays held until the order has
    been recorded and handed to the gateway. Engaging the kill-switch takes the same gate, so
    once it returns no order that got past the check is still on its way to the broker.
    """

    def admit(self, side: Side) -> contextlib.AbstractContextManager[str]: ...


class OpenGate:
    """No trading state: every order may go (tests and tools that have no risk layer)."""

    @contextlib.contextmanager
    def admit(self, side: Side) -> Iterator[str]:
        yield ""


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    trigger: str
    matched: bool
    differences: tuple[Difference, ...] = ()
    recovered_trades: int = 0
    orders_seen: int = 0
    not_found: tuple[str, ...] = ()
    attempts: int = 0
    note: str = ""

    def summary(self) -> str:
        if self.matched:
            return (
                f"book matches the broker ({self.trigger}; {self.recovered_trades} trade(s) recovered, "
                f"{self.orders_seen} order(s) checked)"
            )
        detail = "; ".join(d.describe() for d in self.differences) or self.note
        return f"book differs from the broker ({self.trigger}): {detail}"


@dataclass
class _Command:
    action: str
    arg: str = ""
    future: Future[ReconcileReport] = field(default_factory=Future)


class OrderManager:
    """Orders, fills and the ledger of one broker account."""

    def __init__(
        self,
        store: Store,
        account_id: str,
        gateway_factory: GatewayFactory,
        *,
        trading_day: Callable[[], dt.date] = lambda: shanghai_now().date(),
        mode: str = "paper",
        gate: OrderGate | None = None,
    ) -> None:
        self.store = store
        self.gate: OrderGate = gate or OpenGate()
        self.account_id = account_id
        self.mode = mode
        self.run_id = uuid.uuid4().hex[:12]
        self._trading_day = trading_day
        self._queue: queue.Queue[GatewayEvent | _Command] = queue.Queue()
        self._applier = EventApplier(account_id, self.run_id, mode)
        self._journal = JournalRepository(store)
        self._tag = self._client_id_tag()
        self._pending = 0
        self._pending_lock = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cancels_sent: set[str] = set()
        self._connected_before = False
        self.last_reconcile: ReconcileReport | None = None
        self.alerts = AlertLog()
        self.changed_listeners: list[Callable[[str], None]] = []
        """Told the account id after the book changed (applied events, a new order, a cancel request).

        Called on the OMS worker or the caller's thread; a view must hop to its own thread."""
        self.gateway = gateway_factory(self.submit)

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        """Replay what was journaled but not applied, then run, then connect."""
        self._replay_unapplied()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"oms-{self.account_id}", daemon=True)
        self._thread.start()
        self.gateway.connect()

    def stop(self) -> None:
        self.gateway.close()
        self.wait_idle(10)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def submit(self, item: GatewayEvent) -> None:
        """The gateway's sink: never blocks, safe from any thread."""
        with self._pending_lock:
            self._pending += 1
        self._queue.put(item)
        failpoint("callback.enqueued", item.kind)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far has been journaled and applied (tests, CLI)."""
        with self._pending_lock:
            return self._pending_lock.wait_for(lambda: self._pending == 0, timeout)

    def reconcile_now(self, trigger: str = "manual", timeout: float = 30.0) -> ReconcileReport:
        command = _Command("reconcile", trigger)
        with self._pending_lock:
            self._pending += 1
        self._queue.put(command)
        return command.future.result(timeout)

    # -- orders ----------------------------------------------------------------------------------
    def place_order(self, request: OrderRequest) -> str:
        """Record the order, then send it; return its client order id.

        Refused before anything is written when the trading state forbids it (the kill-switch),
        when the link is down, or when buys are blocked because the book does not match the
        broker yet. The gate is held from the check until the gateway call returns.
        """
        with self.gate.admit(request.side) as refusal:
            if refusal:
                raise OrderRefused(
                    f"order for {request.code} on account {self.account_id} refused: {refusal}",
                    "nothing was sent",
                )
            return self._place_admitted(request)

    def _place_admitted(self, request: OrderRequest) -> str:
        if self.gateway.state is not ConnectionState.CONNECTED:
            raise OrderRefused(
                f"account {self.account_id} is not connected to the broker ({self.gateway.state})",
                "wait for the connection to come back; nothing was sent",
            )
        if request.side is Side.BUY:
            with self.store.session() as session:
                asset = session.get(AccountAsset, self.account_id)
            if asset is None or asset.buy_blocked:
                reason = asset.block_reason if asset is not None else "not reconciled with the broker yet"
                raise OrderRefused(
                    f"buys on account {self.account_id} are blocked: {reason}",
                    "wait for the reconciliation to match (or sell only); nothing was sent",
                )
        client_order_id = self._record_order(request)
        self._tell_changed()
        failpoint("oms.order_recorded")
        try:
            self.gateway.place_order(request, client_order_id)
        except Exception as exc:
            # The call did not happen (not connected, bad price type): a definitive local refusal.
            self._reject_unsent(client_order_id, str(exc))
            raise OrderRefused(
                f"order {client_order_id} was not sent: {exc}", "see the order's message"
            ) from exc
        return client_order_id

    def cancel_order(self, client_order_id: str) -> None:
        """Ask for a cancel once; an order without a broker id yet gets it when the id arrives.

        A smart-algo parent is cancelled as its task (``cancel_algo_task``): the broker stops
        slicing and cancels the task's open children itself. Before the task id is known the
        request waits on the row and goes out when the id arrives. A child of a task being
        cancelled is left to that cancel (a second request would only be refused).
        """
        with self.store.write_session() as session:
            row = rows.find_order(session, self.account_id, client_order_id, None)
            if row is None:
                raise OrderRefused(f"no order {client_order_id} on account {self.account_id}", "check the id")
            if OrderStatus(row.status).is_final:
                raise OrderAlreadyFinal(
                    f"order {client_order_id} is already {row.status}", "there is nothing left to cancel"
                )
            parent = (
                rows.find_order(session, self.account_id, row.parent_client_order_id, None)
                if row.parent_client_order_id is not None
                else None
            )
            if parent is not None and parent.cancel_requested and OrderStatus(parent.status).is_open:
                return
            row.cancel_requested = True
            row.updated_at = utc_now()
            session.add(row)
            session.commit()
            broker_id = row.broker_order_id
            algo_parent = rows.is_algo_parent(row)
            task_id = row.algo_task_id
        self._tell_changed()
        if algo_parent:
            if task_id is not None:
                self._send_cancel(client_order_id, None, task_id)
        elif broker_id is not None:
            self._send_cancel(client_order_id, broker_id)

    def _send_cancel(
        self, client_order_id: str, broker_order_id: int | None, algo_task_id: int | None = None
    ) -> None:
        self._cancels_sent.add(client_order_id)
        try:
            if algo_task_id is not None:
                self.gateway.cancel_algo_task(algo_task_id)
            elif broker_order_id is not None:
                self.gateway.cancel_order(broker_order_id)
        except Exception as exc:  # not connected: the request stays on the order, sent on reconnect
            self.alerts.append(("cancel_deferred", f"cancel of {client_order_id} not sent yet: {exc}"))
            self._cancels_sent.discard(client_order_id)

    def _tell_changed(self) -> None:
        for listener in list(self.changed_listeners):
            try:
                listener(self.account_id)
            except Exception:  # a view that fails must never stop the book
                log.exception("a book-change listener failed")

    def _client_id_tag(self) -> str:
        settings = SettingsRepository(self.store)
        tag = settings.get(CLIENT_ID_TAG_SETTING)
        if not isinstance(tag, str) or not tag:
            alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
            tag = "".join(secrets.choice(alphabet) for _ in range(3))
            settings.set(CLIENT_ID_TAG_SETTING, tag)
        return tag

    def _record_order(self, request: OrderRequest) -> str:
        with self.store.write_session() as session:
            cursor = session.get(OmsCursor, self.account_id) or OmsCursor(account_id=self.account_id)
            seq = cursor.next_order_seq
            cursor.next_order_seq = seq + 1
            cursor.updated_at = utc_now()
            client_order_id = f"AI{self._tag}{seq:07d}"
            session.add(cursor)
            session.add(
                TradeOrder(
                    account_id=self.account_id,
                    client_order_id=client_order_id,
                    code=request.code,
                    side=request.side.value,
                    volume=request.volume,
                    price_type=request.price_type.value,
                    price=request.price,
                    strategy=request.strategy,
                    algo_json=rows.algo_json(request.algo) if request.algo is not None else None,
                    status=OrderStatus.SUBMITTED.value,
                    trading_day=self._trading_day(),
                    run_id=self.run_id,
                )
            )
            session.commit()
        return client_order_id

    def _reject_unsent(self, client_order_id: str, reason: str) -> None:
        with self.store.write_session() as session:
            row = rows.find_order(session, self.account_id, client_order_id, None)
            if row is not None and row.broker_order_id is None:
                row.status = OrderStatus.REJECTED.value
                row.reject_source = "not_found"
                row.status_msg = f"not sent: {reason}"
                row.updated_at = utc_now()
                session.add(row)
                session.commit()

    # -- the worker ------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                first = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            batch: list[GatewayEvent | _Command] = [first]
            while len(batch) < 500:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._process(batch)
            finally:
                with self._pending_lock:
                    self._pending -= len(batch)
                    self._pending_lock.notify_all()

    def _process(self, batch: list[GatewayEvent | _Command]) -> None:
        events = [item for item in batch if isinstance(item, GatewayEvent)]
        effects = self._ingest(events) if events else ApplyEffects()
        self._follow_up(effects)
        if events:
            self._tell_changed()
        for item in batch:
            if isinstance(item, _Command):
                try:
                    item.future.set_result(self._reconcile(item.arg))
                except Exception as exc:
                    item.future.set_exception(exc)

    def _ingest(self, events: list[GatewayEvent], source: str = "push") -> ApplyEffects:
        ids = self._append(events, source)
        for event in events:
            failpoint("oms.journaled", event.kind)
        effects = self._apply(list(zip(ids, events, strict=True)), source)
        for event in events:
            failpoint("oms.applied", event.kind)
        return effects

    def _append(self, events: list[GatewayEvent], source: str = "push") -> list[int]:
        now = utc_now()
        records = [
            OrderEvent(
                account_id=self.account_id,
                received_at=now,
                kind=event.kind if source == "push" else f"{event.kind}@{source}",
                key=event.key,
                payload_json=json.dumps(event.to_payload(), ensure_ascii=False),
            )
            for event in events
        ]
        with self.store.write_session() as session:
            session.add_all(records)
            session.commit()
            return [int(r.id) for r in records if r.id is not None]

    def _apply(self, items: list[tuple[int, GatewayEvent]], source: str = "push") -> ApplyEffects:
        effects = ApplyEffects()
        day = self._trading_day()
        with self.store.write_session() as session:
            for event_id, event in items:
                self._applier.apply(session, event_id, event, day, effects, source)
                if isinstance(event, ConnectionChange) and event.state is ConnectionState.CONNECTED:
                    effects.reconcile = "reconnect" if self._connected_before else "start"
                    if self._connected_before:
                        effects.alert("reconnected", f"account {self.account_id} reconnected to the broker")
                    self._connected_before = True
                elif isinstance(event, ConnectionChange) and self._connected_before:
                    effects.alert(
                        "connection",
                        f"account {self.account_id} broker link is {event.state.value}: "
                        f"{event.reason or 'no reason given'}",
                        state=event.state.value,
                    )
            cursor = session.get(OmsCursor, self.account_id) or OmsCursor(account_id=self.account_id)
            cursor.last_event_id = max(cursor.last_event_id, items[-1][0])
            cursor.updated_at = utc_now()
            session.add(cursor)
            for event in (e for _, e in items):
                failpoint("oms.applying", event.kind)
            session.commit()
        return effects

    def _replay_unapplied(self) -> None:
        with self.store.session() as session:
            cursor = session.get(OmsCursor, self.account_id)
            after = cursor.last_event_id if cursor else 0
            records = session.exec(
                select(OrderEvent)
                .where(col(OrderEvent.account_id) == self.account_id, col(OrderEvent.id) > after)
                .order_by(col(OrderEvent.id))
            ).all()
        if not records:
            return
        for record in records:
            assert record.id is not None
            kind, _, source = record.kind.partition("@")
            event = event_from_payload(kind, json.loads(record.payload_json))
            if not isinstance(event, ConnectionChange):
                self._apply([(record.id, event)], source or "push")

    def _follow_up(self, effects: ApplyEffects) -> None:
        if effects.query_algo_tasks:
            # Only the tasks of our open parents are news (the list holds all of today's tasks).
            with self.store.session() as session:
                parents = rows.open_algo_parents(session, self.account_id)
            remarks = {p.client_order_id for p in parents}
            task_ids = {p.algo_task_id for p in parents if p.algo_task_id is not None}
            tasks: list[GatewayEvent] = [
                t
                for t in self.gateway.query_algo_tasks() or ()
                if t.client_order_id in remarks or t.task_id in task_ids
            ]
            if tasks:
                more = self._ingest(tasks, "query")
                effects.requery_orders |= more.requery_orders
                effects.query_trades = effects.query_trades or more.query_trades
                effects.send_cancels |= more.send_cancels
                effects.alerts.extend(more.alerts)
        for kind, message, context in effects.alerts:
            self.alerts.append((kind, message), context)
            self._journal.append("oms", kind, {"account_id": self.account_id, "message": message, **context})
        for broker_order_id in sorted(effects.requery_orders):
            update = self.gateway.query_order(broker_order_id)
            if update is not None and update.status is not None:
                self._ingest([update], "query")
        if effects.query_trades:
            trades = self.gateway.query_trades()
            if trades:
                self._ingest(list(trades), "query")
        for client_order_id in sorted(effects.send_cancels - self._cancels_sent):
            with self.store.session() as session:
                row = rows.find_order(session, self.account_id, client_order_id, None)
            if row is None or not OrderStatus(row.status).is_open:
                continue
            if rows.is_algo_parent(row):
                if row.algo_task_id is not None and not rows.task_ended(row):
                    self._send_cancel(client_order_id, None, row.algo_task_id)
            elif row.broker_order_id is not None:
                self._send_cancel(client_order_id, row.broker_order_id)
        if effects.reconcile:
            self.last_reconcile = self._reconcile(effects.reconcile)

    # -- reconciliation -----------------------------------------------------------------------------
    def _reconcile(self, trigger: str) -> ReconcileReport:
        """Compare with the broker's four queries; recover what pushes missed; block buys if off."""
        report = ReconcileReport(trigger, False, note="not attempted")
        for attempt in range(1, RECONCILE_ATTEMPTS + 1):
            report = self._reconcile_once(trigger, attempt)
            if report.matched or report.note:
                break
        self._record_reconcile(report)
        self.last_reconcile = report
        return report

    def _reconcile_once(self, trigger: str, attempt: int) -> ReconcileReport:
        gw = self.gateway
        asset = gw.query_asset()
        positions = gw.query_positions()
        trades = gw.query_trades()
        orders = gw.query_orders()
        tasks = gw.query_algo_tasks()
        if asset is None:
            return ReconcileReport(
                trigger, False, attempts=attempt, note="the broker did not answer the asset query"
            )
        if positions is None and asset.market_value > 0:
            return ReconcileReport(
                trigger, False, attempts=attempt, note="the position query failed (the account holds shares)"
            )
        snapshot = AccountSnapshot(account_id=self.account_id, asset=asset, positions=tuple(positions or ()))
        trade_list = list(trades or [])
        order_list = list(orders or [])
        day = self._trading_day()
        # Journal what the broker said, then apply it: the same path as pushes, so it dedupes.
        # Algo tasks come last, so the children they list are already known.
        events: list[GatewayEvent] = [*order_list, *trade_list, *(tasks or [])]
        with self.store.session() as session:
            known = set(
                session.exec(
                    select(TradeFill.trade_id).where(col(TradeFill.account_id) == self.account_id)
                ).all()
            )
        recovered = sum(1 for t in trade_list if t.trade_id not in known)
        if events:
            self._ingest(events, "query")
        ids = self._append([snapshot], "query")
        with self.store.write_session() as session:
            not_found = self._settle_missing(session, order_list, day, tasks)
            self._expire_old_days(session, day)
            self._roll_baseline(session, snapshot, trade_list, day)
            differences = self._applier.differences(session, snapshot)
            asset_row = rows.asset_row(session, self.account_id, self.mode)
            self._applier.apply(session, ids[0], snapshot, day, ApplyEffects())
            asset_row.reconcile_state = "matched" if not differences else "mismatch"
            asset_row.buy_blocked = bool(differences)
            asset_row.block_reason = (
                ""
                if not differences
                else "book differs from the broker: " + "; ".join(d.describe() for d in differences)
            )
            asset_row.reconciled_at = utc_now()
            cursor = session.get(OmsCursor, self.account_id) or OmsCursor(account_id=self.account_id)
            cursor.last_event_id = max(cursor.last_event_id, ids[0])
            session.add(cursor)
            session.commit()
        return ReconcileReport(
            trigger,
            not differences,
            tuple(differences),
            recovered_trades=recovered,
            orders_seen=len(order_list),
            not_found=tuple(not_found),
            attempts=attempt,
        )

    def _settle_missing(
        self,
        session: Session,
        broker_orders: list[OrderUpdate],
        day: dt.date,
        tasks: list[AlgoTaskReport] | None = None,
    ) -> list[str]:
        """Our open orders the broker does not list: give up on them after a second look.

        A smart-algo parent has no broker order of its own: it counts as listed when the task
        list shows its remark or task id (or a child carries its remark); when the task list
        could not be read, no verdict is given on parents at all.
        """
        listed_remarks = {o.order_remark for o in broker_orders if o.order_remark}
        listed_ids = {o.broker_order_id for o in broker_orders}
        listed_tasks = {t.task_id for t in tasks or () if t.task_id > 0}
        listed_remarks |= {t.client_order_id for t in tasks or () if t.client_order_id}
        gave_up: list[str] = []
        for row in rows.open_orders(session, self.account_id):
            if row.trading_day != day or row.origin != "workstation":
                continue
            if rows.is_algo_parent(row):
                if tasks is None:
                    continue
                listed = row.client_order_id in listed_remarks or row.algo_task_id in listed_tasks
            else:
                listed = row.client_order_id in listed_remarks or row.broker_order_id in listed_ids
            if listed:
                row.not_found_checks = 0
                continue
            row.not_found_checks += 1
            if row.run_id != self.run_id or row.not_found_checks >= 2:
                state = rows.order_state(row, rows.trade_ids_of(session, row))
                rows.write_state(
                    row,
                    mark_not_found(state, "never appeared in the broker's order list: not sent, or lost"),
                )
                if row.status == OrderStatus.REJECTED.value:
                    gave_up.append(row.client_order_id)
            session.add(row)
        return gave_up

    def _expire_old_days(self, session: Session, day: dt.date) -> None:
        for row in rows.open_orders(session, self.account_id):
            if row.trading_day < day:
                row.status = OrderStatus.CANCELLED.value
                row.status_msg = row.status_msg or "expired at the end of its trading day"
                row.updated_at = utc_now()
                session.add(row)

    def _roll_baseline(
        self, session: Session, snapshot: AccountSnapshot, broker_trades: list[TradeReport], day: dt.date
    ) -> None:
        """On the first reconciliation of a trading day, derive its start from the broker."""
        asset = rows.asset_row(session, self.account_id, self.mode)
        if asset.trading_day == day:
            return
        broker_cash = yuan_to_fen(snapshot.asset.cash) + yuan_to_fen(snapshot.asset.frozen_cash)
        sod = derive_start_of_day(
            {p.code: p.volume for p in snapshot.positions},
            broker_cash,
            [
                LedgerTrade(
                    t.code,
                    t.side or Side.BUY,
                    t.volume,
                    amount_fen(t.volume, t.price),
                    yuan_to_fen(t.commission),
                )
                for t in broker_trades
            ],
        )
        fills = rows.fills_of_day(session, self.account_id, day)
        for row in session.exec(
            select(AccountPosition).where(col(AccountPosition.account_id) == self.account_id)
        ).all():
            session.delete(row)
        session.flush()
        cash = sod.cash_fen
        bought: dict[str, int] = {}
        sold: dict[str, int] = {}
        for f in fills:
            trade = LedgerTrade(f.code, Side(f.side), f.volume, f.amount_fen, f.fees_fen)
            cash += cash_effect_fen(trade)
            target = bought if trade.side is Side.BUY else sold
            target[f.code] = target.get(f.code, 0) + f.volume
        for code in sorted(set(sod.volumes) | set(bought) | set(sold)):
            position = AccountPosition(
                account_id=self.account_id,
                code=code,
                sod_volume=sod.volumes.get(code, 0),
                bought_today=bought.get(code, 0),
                sold_today=sold.get(code, 0),
            )
            position.volume = position.sod_volume + position.bought_today - position.sold_today
            session.add(position)
        asset.trading_day = day
        asset.sod_cash_fen = sod.cash_fen
        asset.cash_fen = cash
        asset.updated_at = utc_now()
        session.flush()

    def _record_reconcile(self, report: ReconcileReport) -> None:
        details = {
            "differences": [d.describe() for d in report.differences],
            "recovered_trades": report.recovered_trades,
            "orders_seen": report.orders_seen,
            "not_found": list(report.not_found),
            "attempts": report.attempts,
            "note": report.note,
        }
        with self.store.write_session() as session:
            if report.note:
                asset = rows.asset_row(session, self.account_id, self.mode)
                asset.reconcile_state = "pending"
                asset.buy_blocked = True
                asset.block_reason = f"reconciliation incomplete: {report.note}"
                session.add(asset)
            session.add(
                AccountReconcile(
                    account_id=self.account_id,
                    trigger=report.trigger,
                    matched=report.matched,
                    details_json=json.dumps(details, ensure_ascii=False),
                )
            )
            session.commit()
        if not report.matched:
            self.alerts.append(("reconcile_mismatch", report.summary()))


__all__ = ["OrderManager", "OrderRefused", "ReconcileReport"]
