"""The account as a trader watches it: asset read-out, positions, today's orders and fills.

Four panels, each dockable on its own (vnpy's account, position, order and trade monitors),
over one account of one :class:`~aistock.trading.account_service.AccountService`. They never
poll: the order manager tells the :class:`~aistock.ui.bridge.EngineBridge` that the book changed,
the bridge coalesces a burst of fills into one ``account_changed`` on the GUI thread, and each
panel re-reads the service for its own account only. The reads are a few indexed SQLite queries,
cheap enough for the GUI thread; everything that may block lives in the supervision panel's jobs.

A refresh that fails (a locked database in the middle of a long write) keeps the rows shown and
logs the error: the next book change will try again, and an exception must not take the window
down in the middle of a session.

The small display helpers here (order status words, price types, exchange-time stamps,
instrument names) are shared with the supervision panel so both name things identically.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget
from sqlmodel import col, select

from aistock.core.orders import OrderStatus
from aistock.store import Store
from aistock.store.tables import Instrument
from aistock.trading.account_service import AccountService, CashView, FillView, OrderView, PositionView
from aistock.ui.badges import ACTIVE_BADGE, HALTED_BADGE, REDUCING_BADGE
from aistock.ui.bridge import EngineBridge
from aistock.ui.monitor import DOWN_COLOUR, UP_COLOUR, WARN_COLOUR, Column, Kind, MonitorView
from aistock.ui.session_status import to_shanghai

log = logging.getLogger(__name__)

REJECTED_COLOUR = QColor("#c0392b")
"""Rejected orders: a muted red, distinct from the bright red of a buy."""
CANCELLED_COLOUR = QColor("#8a8f98")
"""Cancelled orders: grey, they no longer matter."""
MISMATCH_TOLERANCE = 0.005
"""Book and broker figures closer than half a fen are the same number."""


# -- shared display helpers ---------------------------------------------------------------------------


def local_time(moment: dt.datetime | None) -> dt.time | None:
    """A stored UTC moment as exchange (Shanghai) time of day; the views list one day at a time."""
    return None if moment is None else to_shanghai(moment).time()


def local_datetime(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored UTC moment in exchange time, without the zone (shown to the second)."""
    return None if moment is None else to_shanghai(moment).replace(tzinfo=None)


def status_text(status: OrderStatus | str) -> str:
    """An order status in the UI language."""
    match OrderStatus(status):
        case OrderStatus.SUBMITTED:
            return QCoreApplication.translate("AccountViews", "Submitted")
        case OrderStatus.LIVE:
            return QCoreApplication.translate("AccountViews", "Live")
        case OrderStatus.PARTIALLY_FILLED:
            return QCoreApplication.translate("AccountViews", "Partly filled")
        case OrderStatus.CANCEL_PENDING:
            return QCoreApplication.translate("AccountViews", "Cancel pending")
        case OrderStatus.CANCELLED:
            return QCoreApplication.translate("AccountViews", "Cancelled")
        case OrderStatus.FILLED:
            return QCoreApplication.translate("AccountViews", "Filled")
        case OrderStatus.REJECTED:
            return QCoreApplication.translate("AccountViews", "Rejected")


def price_type_text(price_type: str) -> str:
    """How an order is priced, in the UI language (unknown values shown as stored)."""
    text = str(getattr(price_type, "value", price_type))
    if text == "limit":
        return QCoreApplication.translate("AccountViews", "Limit")
    if text == "latest":
        return QCoreApplication.translate("AccountViews", "Latest")
    if text == "best5_or_cancel":
        return QCoreApplication.translate("AccountViews", "Best 5, rest cancelled")
    if text == "best5_or_limit":
        return QCoreApplication.translate("AccountViews", "Best 5, rest limit")
    if text == "peer_best":
        return QCoreApplication.translate("AccountViews", "Counterparty best")
    if text == "own_best":
        return QCoreApplication.translate("AccountViews", "Own side best")
    return text


def order_colour(status: OrderStatus) -> QColor | None:
    """Rejected muted red, cancelled grey, a pending cancel amber; the rest in the normal colour."""
    if status is OrderStatus.REJECTED:
        return REJECTED_COLOUR
    if status is OrderStatus.CANCELLED:
        return CANCELLED_COLOUR
    if status is OrderStatus.CANCEL_PENDING:
        return WARN_COLOUR
    return None


class InstrumentNames:
    """Code → name from the store's instrument table, read once and again only for a new code."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._names: dict[str, str] | None = None
        self._missing: set[str] = set()

    def __call__(self, code: str) -> str:
        if self._names is None or (code not in self._names and code not in self._missing):
            self._load()
            if code not in (self._names or {}):
                self._missing.add(code)
        return (self._names or {}).get(code, "")

    def _load(self) -> None:
        try:
            with self._store.session() as session:
                rows = session.exec(select(Instrument.code, Instrument.name).order_by(col(Instrument.code)))
                self._names = {str(code): str(name) for code, name in rows.all()}
        except Exception:  # names are a convenience: a view without them still works
            log.exception("instrument names could not be read")
            self._names = self._names or {}


# -- records (pure) -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PositionRecord:
    """One holding as the positions table shows it."""

    code: str
    name: str
    volume: int
    sellable: int
    avg_price: float
    last_price: float
    market_value: float
    pnl: float
    """Unrealised P&L: (last − average cost) × volume."""
    pnl_pct: float
    """last / average cost − 1 (NaN without a cost)."""
    broker_volume: int | None

    @property
    def differs_from_broker(self) -> bool:
        return self.broker_volume is not None and self.broker_volume != self.volume


def position_records(
    views: Iterable[PositionView], names: InstrumentNames | None = None
) -> list[PositionRecord]:
    out = []
    for p in views:
        pnl = (p.last_price - p.avg_price) * p.volume if p.avg_price > 0 else math.nan
        pct = p.last_price / p.avg_price - 1 if p.avg_price > 0 else math.nan
        out.append(
            PositionRecord(
                code=p.code,
                name=names(p.code) if names is not None else "",
                volume=p.volume,
                sellable=p.sellable,
                avg_price=p.avg_price,
                last_price=p.last_price,
                market_value=p.market_value,
                pnl=pnl,
                pnl_pct=pct,
                broker_volume=p.broker_volume,
            )
        )
    return out


def unrealised_pnl(records: Sequence[PositionRecord]) -> float:
    return sum(r.pnl for r in records if math.isfinite(r.pnl))


# -- the panels -----------------------------------------------------------------------------------------


class _AccountPanel(QWidget):
    """Re-reads its account when the bridge says that account's book changed."""

    def __init__(
        self,
        service: AccountService,
        account_id: str,
        bridge: EngineBridge,
        name: str,
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.service = service
        self.account_id = account_id
        bridge.account_changed.connect(self._account_changed)

    def refresh(self) -> None:
        raise NotImplementedError

    def _account_changed(self, account_id: str) -> None:
        if account_id != self.account_id:
            return
        try:
            self.refresh()
        except Exception:  # keep the rows shown; the next change tries again
            log.exception("%s: refreshing account %s failed", self.objectName(), self.account_id)

    def _today(self) -> dt.date | None:
        """The account's trading day (None before the first reconciliation: then all days)."""
        return self.service.get_cash_and_asset(self.account_id).trading_day


def _number_label(name: str, parent: QWidget) -> QLabel:
    label = QLabel("—", parent)
    label.setObjectName(name)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setMinimumWidth(110)
    return label


def _money(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:,.2f}"


def _signed(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:+,.2f}"


class AssetPanel(_AccountPanel):
    """Total asset, cash, available, frozen and market value — ours beside the broker's.

    The book is ours (start of day plus our fills); the broker column is what miniQMT said at the
    last query. A difference is shown in amber: it is what blocks buys until they match again.
    """

    ROWS = ("total", "cash", "available", "frozen", "market_value")
    STEMS = ("Total", "Cash", "Available", "Frozen", "MarketValue")
    """objectName stems of the read-outs: ``asset<Stem>``, ``assetBroker<Stem>``, ``assetDiff<Stem>``."""

    def __init__(
        self, service: AccountService, account_id: str, bridge: EngineBridge, parent: QWidget | None = None
    ) -> None:
        super().__init__(service, account_id, bridge, "assetPanel", parent)
        self.cash_view: CashView | None = None
        titles = {
            "total": QCoreApplication.translate("AssetPanel", "Total asset"),
            "cash": QCoreApplication.translate("AssetPanel", "Cash"),
            "available": QCoreApplication.translate("AssetPanel", "Available"),
            "frozen": QCoreApplication.translate("AssetPanel", "Frozen"),
            "market_value": QCoreApplication.translate("AssetPanel", "Market value"),
        }
        tips = {
            "cash": QCoreApplication.translate(
                "AssetPanel", "Start-of-day cash plus today's fills (the broker's: available + frozen)"
            ),
            "available": QCoreApplication.translate(
                "AssetPanel", "Cash minus what our open buy orders still need, fees included"
            ),
            "frozen": QCoreApplication.translate("AssetPanel", "Cash held for open buy orders"),
        }
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(3)
        heads = (
            QCoreApplication.translate("AssetPanel", "Book"),
            QCoreApplication.translate("AssetPanel", "Broker"),
            QCoreApplication.translate("AssetPanel", "Difference"),
        )
        for column, text in enumerate(heads, start=1):
            head = QLabel(text, self)
            head.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            head.setStyleSheet("color: palette(placeholder-text);")
            grid.addWidget(head, 0, column)
        self.book: dict[str, QLabel] = {}
        self.broker: dict[str, QLabel] = {}
        self.difference: dict[str, QLabel] = {}
        for row, (key, stem) in enumerate(zip(self.ROWS, self.STEMS, strict=True), start=1):
            title = QLabel(titles[key], self)
            title.setToolTip(tips.get(key, ""))
            grid.addWidget(title, row, 0)
            self.book[key] = _number_label(f"asset{stem}", self)
            self.broker[key] = _number_label(f"assetBroker{stem}", self)
            self.difference[key] = _number_label(f"assetDiff{stem}", self)
            if key == "total":
                font = self.book[key].font()
                font.setBold(True)
                self.book[key].setFont(font)
                title.setFont(font)
            grid.addWidget(self.book[key], row, 1)
            grid.addWidget(self.broker[key], row, 2)
            grid.addWidget(self.difference[key], row, 3)
        pnl_row = len(self.ROWS) + 1
        grid.addWidget(QLabel(QCoreApplication.translate("AssetPanel", "Unrealised P&L"), self), pnl_row, 0)
        self.pnl_label = _number_label("assetPnl", self)
        grid.addWidget(self.pnl_label, pnl_row, 1)
        grid.setColumnStretch(4, 1)

        self.reconcile_label = QLabel(self)
        self.reconcile_label.setObjectName("assetReconcile")
        self.day_label = QLabel(self)
        self.day_label.setObjectName("assetTradingDay")
        self.blocked_label = QLabel(self)
        self.blocked_label.setObjectName("assetBlocked")
        self.blocked_label.setWordWrap(True)
        self.blocked_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        state_row = QGridLayout()
        state_row.setContentsMargins(0, 0, 0, 0)
        account = QLabel(
            QCoreApplication.translate("AssetPanel", "Account {account}").format(account=account_id), self
        )
        account.setObjectName("assetAccount")
        account.setStyleSheet("font-weight: bold;")
        state_row.addWidget(account, 0, 0)
        state_row.addWidget(self.day_label, 0, 1)
        state_row.addWidget(self.reconcile_label, 0, 2)
        state_row.setColumnStretch(3, 1)

        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(5)
        layout.addLayout(state_row)
        layout.addWidget(self.blocked_label)
        layout.addWidget(line)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        view = self.service.get_cash_and_asset(self.account_id)
        records = position_records(self.service.get_current_positions(self.account_id))
        self.cash_view = view
        broker_cash = (
            None
            if view.broker_cash is None
            else view.broker_cash + (view.broker_frozen_cash if view.broker_frozen_cash is not None else 0.0)
        )
        broker_mv = (
            view.broker_total_asset - broker_cash
            if view.broker_total_asset is not None and broker_cash is not None
            else None
        )
        values: dict[str, tuple[float, float | None]] = {
            "total": (view.total_asset, view.broker_total_asset),
            "cash": (view.cash, broker_cash),
            "available": (view.available, view.broker_cash),
            "frozen": (view.frozen, view.broker_frozen_cash),
            "market_value": (view.market_value, broker_mv),
        }
        for key, (ours, theirs) in values.items():
            self.book[key].setText(_money(ours))
            self.broker[key].setText(_money(theirs))
            diff = None if theirs is None else ours - theirs
            label = self.difference[key]
            if diff is None or abs(diff) < MISMATCH_TOLERANCE:
                label.setText("—" if diff is None else "0.00")
                label.setStyleSheet("")
                label.setProperty("differs", False)
            else:
                label.setText(_signed(diff))
                label.setStyleSheet(f"color: {WARN_COLOUR.name()}; font-weight: bold;")
                label.setProperty("differs", True)
        pnl = unrealised_pnl(records)
        self.pnl_label.setText(_signed(pnl))
        colour = UP_COLOUR if pnl > 0 else DOWN_COLOUR if pnl < 0 else None
        self.pnl_label.setStyleSheet(f"color: {colour.name()};" if colour is not None else "")
        self.day_label.setText(
            QCoreApplication.translate("AssetPanel", "trading day {day}").format(
                day=view.trading_day.isoformat() if view.trading_day else "—"
            )
        )
        self._show_reconcile(view)

    def _show_reconcile(self, view: CashView) -> None:
        state = view.reconcile_state
        if state == "matched":
            text = QCoreApplication.translate("AssetPanel", "Book matches broker")
            style = ACTIVE_BADGE
        elif state == "mismatch":
            text = QCoreApplication.translate("AssetPanel", "Book differs from broker")
            style = HALTED_BADGE
        else:
            text = QCoreApplication.translate("AssetPanel", "Reconciliation pending")
            style = REDUCING_BADGE
        self.reconcile_label.setText(text)
        self.reconcile_label.setStyleSheet(style)
        self.reconcile_label.setProperty("reconcileState", state)
        self.reconcile_label.setToolTip(view.block_reason)
        if view.buy_blocked:
            self.blocked_label.setText(
                QCoreApplication.translate("AssetPanel", "Buys blocked: {reason}").format(
                    reason=view.block_reason or "—"
                )
            )
            # Red when the book differs (someone must look); amber while it is only pending.
            colour = "#d50000" if state == "mismatch" else WARN_COLOUR.name()
            self.blocked_label.setStyleSheet(f"color: {colour}; font-weight: bold;")
            self.blocked_label.show()
        else:
            self.blocked_label.clear()
            self.blocked_label.hide()


class PositionsPanel(_AccountPanel):
    """Holdings with T+1 sellable shares and unrealised P&L (red gains, green losses)."""

    def __init__(
        self, service: AccountService, account_id: str, bridge: EngineBridge, parent: QWidget | None = None
    ) -> None:
        super().__init__(service, account_id, bridge, "positionsPanel", parent)
        self.names = InstrumentNames(service.store)
        columns = [
            Column("code", QCoreApplication.translate("PositionsPanel", "Code")),
            Column("name", QCoreApplication.translate("PositionsPanel", "Name")),
            Column("volume", QCoreApplication.translate("PositionsPanel", "Volume"), Kind.INT),
            Column(
                "sellable",
                QCoreApplication.translate("PositionsPanel", "Sellable"),
                Kind.INT,
                tooltip=QCoreApplication.translate(
                    "PositionsPanel", "Shares that may be sold today (T+1), less our open sell orders"
                ),
            ),
            Column("avg_price", QCoreApplication.translate("PositionsPanel", "Avg price"), Kind.PRICE),
            Column("last_price", QCoreApplication.translate("PositionsPanel", "Last"), Kind.PRICE),
            Column("market_value", QCoreApplication.translate("PositionsPanel", "Market value"), Kind.MONEY),
            Column("pnl", QCoreApplication.translate("PositionsPanel", "Unrealised P&L"), Kind.SIGNED),
            Column("pnl_pct", QCoreApplication.translate("PositionsPanel", "P&L %"), Kind.SIGNED_PCT),
            Column(
                "broker_volume",
                QCoreApplication.translate("PositionsPanel", "Broker vol."),
                Kind.INT,
                tooltip=QCoreApplication.translate(
                    "PositionsPanel",
                    "The volume the broker reported at the last query (amber when it differs)",
                ),
            ),
        ]
        self.view = MonitorView(
            columns,
            name="positions",
            row_key=lambda r: r.code,
            row_colour=lambda r: WARN_COLOUR if r.differs_from_broker else None,
            parent=self,
        )
        _size_columns(self.view, (84, 72, 70, 70, 70, 64, 100, 100, 66, 76))
        self.view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.refresh()

    def refresh(self) -> None:
        self.view.set_records(
            position_records(self.service.get_current_positions(self.account_id), self.names)
        )

    def records(self) -> list[PositionRecord]:
        return list(self.view.records())


class OrdersPanel(_AccountPanel):
    """Today's orders in every status, newest first; rejected in red, cancelled in grey."""

    def __init__(
        self, service: AccountService, account_id: str, bridge: EngineBridge, parent: QWidget | None = None
    ) -> None:
        super().__init__(service, account_id, bridge, "ordersPanel", parent)
        self.view = MonitorView(
            order_columns(include_message=True),
            name="orders",
            row_key=lambda o: o.client_order_id,
            row_colour=lambda o: order_colour(o.status),
            parent=self,
        )
        _size_columns(self.view, (70, 110, 84, 44, 60, 70, 70, 70, 76, 92, 160, 90, 50))
        self.view.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.refresh()

    def refresh(self) -> None:
        orders = self.service.get_orders(self.account_id, day=self._today())
        self.view.set_records(list(reversed(orders)))

    def records(self) -> list[OrderView]:
        return list(self.view.records())


def order_columns(*, include_message: bool) -> list[Column]:
    """The columns of an order list (the orders panel and the supervision's live orders)."""
    columns = [
        Column(
            "time",
            QCoreApplication.translate("OrdersPanel", "Time"),
            Kind.TIME,
            getter=lambda o: local_time(o.created_at),
        ),
        Column("client_order_id", QCoreApplication.translate("OrdersPanel", "Client id")),
        Column("code", QCoreApplication.translate("OrdersPanel", "Code")),
        Column("side", QCoreApplication.translate("OrdersPanel", "Side"), Kind.SIDE),
        Column(
            "price_type",
            QCoreApplication.translate("OrdersPanel", "Type"),
            getter=lambda o: price_type_text(o.price_type),
        ),
        Column(
            "price",
            QCoreApplication.translate("OrdersPanel", "Price"),
            Kind.PRICE,
            getter=lambda o: o.price if o.price > 0 else None,
        ),
        Column("volume", QCoreApplication.translate("OrdersPanel", "Volume"), Kind.INT),
        Column("filled_volume", QCoreApplication.translate("OrdersPanel", "Filled"), Kind.INT),
        Column(
            "avg_fill_price",
            QCoreApplication.translate("OrdersPanel", "Avg fill"),
            Kind.PRICE,
            getter=lambda o: o.avg_fill_price if o.filled_volume else None,
        ),
        Column(
            "status",
            QCoreApplication.translate("OrdersPanel", "Status"),
            getter=lambda o: (
                status_text(o.status)
                + (
                    " ⋯"
                    if o.cancel_requested and o.status.is_open and o.status is not OrderStatus.CANCEL_PENDING
                    else ""
                )
            ),
            tooltip=QCoreApplication.translate("OrdersPanel", "⋯ marks an order whose cancel was requested"),
        ),
    ]
    if include_message:
        columns.append(Column("status_msg", QCoreApplication.translate("OrdersPanel", "Message")))
    columns += [
        Column("strategy", QCoreApplication.translate("OrdersPanel", "Strategy")),
        Column("algo", QCoreApplication.translate("OrdersPanel", "Algo")),
    ]
    return columns


class FillsPanel(_AccountPanel):
    """Today's fills, newest first, with amount and fees."""

    def __init__(
        self, service: AccountService, account_id: str, bridge: EngineBridge, parent: QWidget | None = None
    ) -> None:
        super().__init__(service, account_id, bridge, "fillsPanel", parent)
        columns = [
            Column(
                "time",
                QCoreApplication.translate("FillsPanel", "Time"),
                Kind.TIME,
                getter=lambda f: local_time(f.traded_at),
            ),
            Column("trade_id", QCoreApplication.translate("FillsPanel", "Trade id")),
            Column("client_order_id", QCoreApplication.translate("FillsPanel", "Order id")),
            Column("code", QCoreApplication.translate("FillsPanel", "Code")),
            Column("side", QCoreApplication.translate("FillsPanel", "Side"), Kind.SIDE),
            Column("price", QCoreApplication.translate("FillsPanel", "Price"), Kind.PRICE),
            Column("volume", QCoreApplication.translate("FillsPanel", "Volume"), Kind.INT),
            Column("amount", QCoreApplication.translate("FillsPanel", "Amount"), Kind.MONEY),
            Column("fees", QCoreApplication.translate("FillsPanel", "Fees"), Kind.MONEY),
        ]
        self.view = MonitorView(columns, name="fills", row_key=lambda f: f.trade_id, parent=self)
        _size_columns(self.view, (70, 130, 110, 84, 44, 70, 80, 100, 70))
        self.view.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.refresh()

    def refresh(self) -> None:
        fills = self.service.get_fills(self.account_id, day=self._today())
        self.view.set_records(list(reversed(fills)))

    def records(self) -> list[FillView]:
        return list(self.view.records())


def keep_given_order(view: MonitorView) -> None:
    """Show the rows in the order they were given (a batch, a plan) until the user sorts.

    With sorting enabled, Qt's header starts sorted by the first column, descending.
    """
    view.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)


def _size_columns(view: MonitorView, widths: Sequence[int]) -> None:
    """Start widths that fit the numbers (the user can still drag them; the last column stretches)."""
    for section, width in enumerate(widths):
        view.table.setColumnWidth(section, width)
