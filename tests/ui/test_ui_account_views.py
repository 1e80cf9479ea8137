"""The account views on the real paper account: they follow the book through the bridge.

Orders are routed and filled by the built-in miniQMT; the panels are never refreshed by hand
(except where a test says so), so a passing test means the bridge's events reached them. Every
number is compared with :class:`AccountService`, the one source they read.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from aistock.core.fees import Side
from aistock.core.orders import OrderRequest, OrderStatus, PriceType
from aistock.store.tables import AccountAsset
from aistock.trading.account_service import FillView, PositionView
from aistock.ui.account_views import (
    CANCELLED_COLOUR,
    AssetPanel,
    FillsPanel,
    OrdersPanel,
    PositionsPanel,
)
from aistock.ui.bridge import EngineBridge
from aistock.workflows.workstation_session import TradingDesk, WorkstationSession

WAIT_MS = 10_000


@dataclass
class Views:
    session: WorkstationSession
    desk: TradingDesk
    bridge: EngineBridge
    asset: AssetPanel
    positions: PositionsPanel
    orders: OrdersPanel
    fills: FillsPanel

    @property
    def account_id(self) -> str:
        return self.desk.account_id

    def buy(self, codes: list[str], volume: int = 1_000) -> list[str]:
        report = self.desk.router.route(
            [OrderRequest(c, Side.BUY, volume, PriceType.LATEST, strategy="views") for c in codes],
            origin="test",
        )
        assert len(report.sent) == len(codes), report.describe()
        return [client_id for _, client_id in report.sent]

    def advance(self, minutes: int) -> None:
        assert self.desk.counter is not None
        self.desk.counter.advance(minutes)
        assert self.desk.account.manager.wait_idle(5)


@pytest.fixture
def views(qtbot: QtBot, workstation: WorkstationSession) -> Iterator[Views]:
    desk = workstation.desk
    assert desk is not None
    bridge = EngineBridge(coalesce_ms=20)
    bridge.watch(desk.account.manager.changed_listeners, bridge.book_changed)
    service, account = desk.account.service, desk.account_id
    made = Views(
        workstation,
        desk,
        bridge,
        AssetPanel(service, account, bridge),
        PositionsPanel(service, account, bridge),
        OrdersPanel(service, account, bridge),
        FillsPanel(service, account, bridge),
    )
    for panel in (made.asset, made.positions, made.orders, made.fills):
        qtbot.addWidget(panel)
    yield made
    bridge.close()


def _codes(desk: TradingDesk, n: int) -> list[str]:
    assert desk.counter is not None
    market = desk.counter.market
    codes = [
        c
        for c in market.codes
        if (ref := market.reference(c)) is not None
        and not ref.suspended
        and ref.pre_close < 60
        and c[:2] in ("00", "60")
    ]
    return codes[:n]


def test_after_fills_positions_fills_and_asset_show_the_books_numbers(qtbot: QtBot, views: Views) -> None:
    service, account = views.desk.account.service, views.account_id
    assert views.positions.records() == [] and views.fills.records() == []
    assert views.asset.book["total"].text() == "1,000,000.00"
    assert views.asset.reconcile_label.property("reconcileState") == "matched"
    assert views.asset.blocked_label.isHidden()

    codes = _codes(views.desk, 3)
    views.buy(codes)
    views.advance(3)
    qtbot.waitUntil(lambda: len(views.fills.records()) == 3, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(views.positions.records()) == 3, timeout=WAIT_MS)

    # The book may still move (a late push or poll updates last prices): wait until the panel
    # shows what the service says, then compare every number against that same read.
    snapshot: dict[str, PositionView] = {}

    def positions_shown() -> bool:
        snapshot.clear()
        snapshot.update({p.code: p for p in service.get_current_positions(account)})
        shown = {r.code: (r.volume, r.sellable, r.avg_price, r.last_price) for r in views.positions.records()}
        return shown == {c: (p.volume, p.sellable, p.avg_price, p.last_price) for c, p in snapshot.items()}

    qtbot.waitUntil(positions_shown, timeout=WAIT_MS)
    expected = dict(snapshot)
    assert set(expected) == set(codes)
    for record in views.positions.records():
        p = expected[record.code]
        assert (record.volume, record.sellable, record.avg_price, record.last_price) == (
            p.volume,
            p.sellable,
            p.avg_price,
            p.last_price,
        )
        assert record.sellable == 0  # bought today: T+1
        assert record.market_value == pytest.approx(p.volume * p.last_price)
        assert record.pnl == pytest.approx((p.last_price - p.avg_price) * p.volume)
        assert record.pnl_pct == pytest.approx(p.last_price / p.avg_price - 1)
        assert record.name  # from the instrument table

    def fill_rows(fills: list[FillView]) -> list[tuple[object, ...]]:
        return sorted((f.trade_id, f.code, f.volume, f.price, f.amount, f.fees, f.traded_at) for f in fills)

    qtbot.waitUntil(
        lambda: fill_rows(views.fills.records()) == fill_rows(service.get_fills(account)), timeout=WAIT_MS
    )
    assert {f.code for f in views.fills.records()} == set(codes)

    def asset_shown() -> bool:
        cash = service.get_cash_and_asset(account)
        positions = service.get_current_positions(account)
        pnl = sum((p.last_price - p.avg_price) * p.volume for p in positions)
        texts = {
            views.asset.book["total"]: f"{cash.total_asset:,.2f}",
            views.asset.book["cash"]: f"{cash.cash:,.2f}",
            views.asset.book["available"]: f"{cash.available:,.2f}",
            views.asset.book["frozen"]: f"{cash.frozen:,.2f}",
            views.asset.book["market_value"]: f"{cash.market_value:,.2f}",
            views.asset.broker["total"]: f"{cash.broker_total_asset:,.2f}",
            views.asset.pnl_label: f"{pnl:+,.2f}",
        }
        return all(label.text() == text for label, text in texts.items())

    qtbot.waitUntil(asset_shown, timeout=WAIT_MS)
    # A loss is green and a gain red, in the cell and in the total.
    model = views.positions.view.model
    pnl_column = [c.key for c in model.columns].index("pnl")
    for row, record in enumerate(model.records()):
        brush = model.data(model.index(row, pnl_column), Qt.ItemDataRole.ForegroundRole)
        if record.pnl < 0:
            assert brush.color().name() == "#2e7d32"
        elif record.pnl > 0:
            assert brush.color().name() == "#d32f2f"


def test_positions_export_writes_the_shown_rows_and_the_filter_narrows_them(
    qtbot: QtBot, views: Views, tmp_path: Path
) -> None:
    codes = _codes(views.desk, 3)
    views.buy(codes)
    views.advance(3)
    qtbot.waitUntil(lambda: len(views.positions.records()) == 3, timeout=WAIT_MS)

    path = tmp_path / "positions.csv"
    assert views.positions.view.export_csv(path) == 3
    with path.open(encoding="utf-8-sig", newline="") as fh:
        written = list(csv.reader(fh))
    assert written == views.positions.view.table_text()
    assert written[0][:3] == ["Code", "Name", "Volume"]
    assert sorted(row[0] for row in written[1:]) == sorted(codes)
    assert all(row[2] == "1,000" for row in written[1:])

    views.positions.view.set_filter(codes[1])
    assert [r.code for r in views.positions.view.visible_records()] == [codes[1]]
    assert views.positions.view.export_csv(path) == 1
    with path.open(encoding="utf-8-sig", newline="") as fh:
        assert [row[0] for row in csv.reader(fh)][1:] == [codes[1]]
    assert "1 of 3" in views.positions.view.count_label.text()


def test_orders_list_every_status_of_today_newest_first_cancelled_in_grey(qtbot: QtBot, views: Views) -> None:
    a, b = _codes(views.desk, 2)
    (filled,) = views.buy([a])
    assert views.desk.counter is not None
    down = views.desk.counter.market.reference(b).down_limit  # type: ignore[union-attr]
    report = views.desk.router.route([OrderRequest(b, Side.BUY, 100, PriceType.LIMIT, round(down + 0.01, 2))])
    ((_, resting),) = report.sent
    views.advance(2)
    views.desk.router.cancel(resting)
    views.advance(1)
    qtbot.waitUntil(
        lambda: (
            {o.client_order_id: o.status for o in views.orders.records()}
            == {filled: OrderStatus.FILLED, resting: OrderStatus.CANCELLED}
        ),
        timeout=WAIT_MS,
    )
    shown = views.orders.view.visible_records()
    assert [o.client_order_id for o in shown] == [resting, filled]  # newest first
    filled_row = next(o for o in views.orders.records() if o.client_order_id == filled)
    assert filled_row.filled_volume == 1_000 and not math.isclose(filled_row.avg_fill_price, 0.0)

    model = views.orders.view.model
    status_column = [c.key for c in model.columns].index("status")
    row = next(i for i, o in enumerate(model.records()) if o.client_order_id == resting)
    assert model.data(model.index(row, status_column)) == "Cancelled"
    brush = model.data(model.index(row, status_column), Qt.ItemDataRole.ForegroundRole)
    assert brush.color() == CANCELLED_COLOUR


def test_asset_panel_shows_blocked_buys_in_red_and_follows_only_its_account(
    qtbot: QtBot, views: Views
) -> None:
    store = views.desk.account.service.store
    with store.write_session() as session:
        asset = session.get(AccountAsset, views.account_id)
        assert asset is not None
        asset.reconcile_state = "mismatch"
        asset.buy_blocked = True
        asset.block_reason = (
            "book differs from the broker: position 600000.SH: book 0 shares, broker 100 shares"
        )
        session.add(asset)
        session.commit()

    views.bridge.book_changed("ANOTHER-ACCOUNT")
    qtbot.wait(100)
    assert views.asset.blocked_label.isHidden()  # another account's change is not ours

    views.bridge.book_changed(views.account_id)
    qtbot.waitUntil(lambda: not views.asset.blocked_label.isHidden(), timeout=WAIT_MS)
    assert "Buys blocked: book differs from the broker" in views.asset.blocked_label.text()
    assert "#d50000" in views.asset.blocked_label.styleSheet()
    assert views.asset.reconcile_label.text() == "Book differs from broker"
