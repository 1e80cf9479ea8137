"""Holdings and trades of the instance selected in the list, side by side under the chart."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from aistock.ui.monitor import Column, Kind, MonitorView
from aistock.ui.preview.data import Details, HoldingRow, InstanceRow, TradeRow


def holding_columns() -> list[Column]:
    translate = QCoreApplication.translate
    return [
        Column("code", translate("PreviewPage", "Code")),
        Column("volume", translate("PreviewPage", "Volume"), Kind.INT),
        Column(
            "sellable",
            translate("PreviewPage", "Sellable"),
            Kind.INT,
            tooltip=translate("PreviewPage", "Shares bought today cannot be sold until tomorrow (T+1)"),
        ),
        Column("avg_cost", translate("PreviewPage", "Avg cost"), Kind.PRICE),
        Column("last_price", translate("PreviewPage", "Last"), Kind.PRICE),
        Column("market_value", translate("PreviewPage", "Market value"), Kind.MONEY),
        Column("pnl", translate("PreviewPage", "P&L"), Kind.SIGNED),
        Column("pnl_pct", translate("PreviewPage", "P&L %"), Kind.SIGNED_PCT),
        Column("weight", translate("PreviewPage", "Weight"), Kind.PCT),
    ]


def trade_columns() -> list[Column]:
    translate = QCoreApplication.translate
    return [
        Column("trading_day", translate("PreviewPage", "Day"), Kind.DATE),
        Column("at", translate("PreviewPage", "Time"), Kind.TIME, getter=lambda t: t.at.time()),
        Column("code", translate("PreviewPage", "Code")),
        Column("side", translate("PreviewPage", "Side"), Kind.SIDE),
        Column("price", translate("PreviewPage", "Price"), Kind.PRICE),
        Column("volume", translate("PreviewPage", "Volume"), Kind.INT),
        Column("amount", translate("PreviewPage", "Amount"), Kind.MONEY),
        Column("fees", translate("PreviewPage", "Fees"), Kind.MONEY),
        Column("reason", translate("PreviewPage", "Reason"), getter=lambda t: trade_reason_text(t.reason)),
    ]


def trade_reason_text(reason: str) -> str:
    """The engine's reason code in words (an unknown code is shown as stored)."""
    if reason == "rebalance":
        return QCoreApplication.translate("PreviewPage", "Rebalance")
    return reason


class DetailsPane(QSplitter):
    """Two monitors: the latest holdings (largest first) and every trade (newest first)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("previewDetails")
        self.setChildrenCollapsible(False)
        self.holdings_title = QLabel(self)
        self.holdings_title.setObjectName("previewHoldingsTitle")
        self.trades_title = QLabel(self)
        self.trades_title.setObjectName("previewTradesTitle")
        self.holdings = MonitorView(
            holding_columns(), name="previewHoldings", row_key=lambda h: h.code, show_filter=False
        )
        self.trades = MonitorView(trade_columns(), name="previewTrades", row_key=lambda t: t.id)
        for title, view in ((self.holdings_title, self.holdings), (self.trades_title, self.trades)):
            holder = QWidget(self)
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(0)
            title.setContentsMargins(4, 2, 4, 0)
            column.addWidget(title)
            column.addWidget(view, 1)
            self.addWidget(holder)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
        # Largest holding first; trades in the order given (newest first, ties by fill order).
        self.holdings.table.sortByColumn(5, Qt.SortOrder.DescendingOrder)
        self.trades.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.shown_id: int | None = None
        self.show_details(None, None)

    def show_details(self, row: InstanceRow | None, details: Details | None) -> None:
        """Fill both tables for ``row`` (None: nothing selected)."""
        translate = QCoreApplication.translate
        if row is None or details is None:
            self.shown_id = None
            self.holdings.set_records([])
            self.trades.set_records([])
            self.holdings_title.setText(translate("PreviewPage", "<b>Holdings</b> — select an instance"))
            self.trades_title.setText(translate("PreviewPage", "<b>Trades</b>"))
            return
        fresh = self.shown_id != row.id
        self.shown_id = row.id
        self.holdings.set_records(details.holdings)
        self.trades.set_records(details.trades)
        day = details.day.isoformat() if details.day else "—"
        self.holdings_title.setText(
            translate("PreviewPage", "<b>Holdings</b> of {name} on {day}").format(
                name=_escape(row.label), day=day
            )
        )
        self.trades_title.setText(
            translate("PreviewPage", "<b>Trades</b> of {name}, newest first").format(name=_escape(row.label))
        )
        if fresh:
            self.holdings.table.resizeColumnsToContents()
            self.trades.table.resizeColumnsToContents()

    def holding_rows(self) -> list[HoldingRow]:
        return self.holdings.records()

    def trade_rows(self) -> list[TradeRow]:
        return self.trades.records()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
