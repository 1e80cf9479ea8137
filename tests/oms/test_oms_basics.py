"""The order book against the simulator without faults: the happy path, end to end."""

from __future__ import annotations

from collections.abc import Callable

from oms_rig import ACCOUNT, Rig

from aistock.core.fees import Side
from aistock.core.orders import OrderRequest, OrderStatus


def test_start_reconciles_and_unblocks_buys(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig()
    report = rig.oms.last_reconcile
    assert report is not None and report.matched and report.trigger == "start"
    cash = rig.service.get_cash_and_asset(ACCOUNT)
    assert not cash.buy_blocked and cash.cash == 1_000_000.0
    rig.assert_book_equals_broker()


def test_a_buy_fills_and_the_book_follows(make_rig: Callable[..., Rig], liquid_codes: list[str]) -> None:
    rig = make_rig()
    code = liquid_codes[0]
    price = rig.counter.market.reference(code).up_limit  # type: ignore[union-attr]
    cid = rig.place(OrderRequest(code, Side.BUY, 1000, price=price))
    for _ in range(30):
        rig.advance(1)
    report = rig.settle()
    assert report.matched, report.summary()
    [order] = rig.service.get_orders(ACCOUNT)
    assert order.client_order_id == cid and order.status is OrderStatus.FILLED
    assert sum(f.volume for f in rig.service.get_fills(ACCOUNT)) == 1000
    rig.assert_book_equals_broker()
    [position] = rig.service.get_current_positions(ACCOUNT)
    assert position.volume == 1000 and position.sellable == 0  # T+1
