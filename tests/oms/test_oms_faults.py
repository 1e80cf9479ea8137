"""Fault tests: whatever miniQMT does wrong, the book ends equal to the broker's.

Each test arms one of the simulator's faults (the ones users of miniQMT have reported), runs
orders through the real gateway and order manager, lets things settle (held pushes released,
the queue drained, one reconciliation) and then compares our ledger with the simulated
counter's own books, share for share and fen for fen.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from oms_rig import ACCOUNT, Rig, remarks_at_broker
from sqlmodel import select

from aistock.core.fees import Side
from aistock.core.orders import OrderRequest, OrderStatus
from aistock.store import OrderEvent
from aistock.trading.gateways.miniqmt.gateway import wait_for
from aistock.trading.gateways.simulator import DemoMinuteTape, FaultPlan
from aistock.trading.oms.manager import OrderRefused


def _up(rig: Rig, code: str) -> float:
    ref = rig.counter.market.reference(code)
    assert ref is not None and ref.up_limit is not None
    return ref.up_limit


def _down(rig: Rig, code: str) -> float:
    ref = rig.counter.market.reference(code)
    assert ref is not None and ref.down_limit is not None
    return ref.down_limit


def _order(rig: Rig, cid: str):  # type: ignore[no-untyped-def]
    [order] = [o for o in rig.service.get_orders(ACCOUNT) if o.client_order_id == cid]
    return order


def test_disconnect_right_after_the_order_call_returns(
    make_rig: Callable[..., Rig], liquid_codes: list[str]
) -> None:
    rig = make_rig()
    session_before = rig.oms.gateway.session_id
    cid = rig.place(OrderRequest(liquid_codes[0], Side.BUY, 2000, price=_up(rig, liquid_codes[0])))
    rig.counter.faults.disconnect()
    rig.advance(40)  # fills happen while nobody listens
    report = rig.settle()
    assert rig.oms.gateway.session_id != session_before  # a new session, a new trader
    assert report.matched, report.summary()
    assert _order(rig, cid).status is OrderStatus.FILLED
    assert _order(rig, cid).filled_volume == 2000
    rig.assert_book_equals_broker()
    reconnects = [r for r in rig.service.reconcile_history(ACCOUNT) if r.trigger == "reconnect"]
    assert reconnects and reconnects[0].matched


def test_fills_while_disconnected_are_recovered_by_reconciliation(
    make_rig: Callable[..., Rig], liquid_codes: list[str]
) -> None:
    rig = make_rig(holdings={liquid_codes[1]: (3000, 10.0)})
    buy = rig.place(OrderRequest(liquid_codes[0], Side.BUY, 1000, price=_up(rig, liquid_codes[0])))
    sell = rig.place(OrderRequest(liquid_codes[1], Side.SELL, 3000, price=_down(rig, liquid_codes[1])))
    assert rig.oms.wait_idle(5)
    rig.counter.faults.refuse_connects(3)  # the link stays down a while
    rig.counter.faults.disconnect()
    rig.advance(60)
    report = rig.settle()
    assert report.matched, report.summary()
    history = rig.service.reconcile_history(ACCOUNT)
    assert sum(json.loads(r.details_json)["recovered_trades"] for r in history) == 2
    assert _order(rig, buy).status is OrderStatus.FILLED
    assert _order(rig, sell).status is OrderStatus.FILLED
    fills = rig.service.get_fills(ACCOUNT)
    assert {f.source for f in fills} == {"query"}  # nothing was pushed to us
    rig.assert_book_equals_broker()


@pytest.mark.parametrize("times", [1, 2, 3, 4, 5])
def test_the_same_fill_pushed_1_to_5_times_and_out_of_order(
    make_rig: Callable[..., Rig], liquid_codes: list[str], times: int
) -> None:
    rig = make_rig(participation=0.02)  # several partial fills per order
    faults = rig.counter.faults
    if times > 1:
        faults.duplicate_pushes("trade", times=times, n=50)
    faults.hold_pushes("order", n=6)  # status pushes arrive late and reversed
    cid = rig.place(OrderRequest(liquid_codes[2], Side.BUY, 3000, price=_up(rig, liquid_codes[2])))
    for _ in range(60):
        rig.advance(1)
    assert rig.oms.wait_idle(5)
    faults.release_held(reverse=True)
    report = rig.settle()
    assert report.matched, report.summary()
    broker_trades = [t for t in rig.counter.trades(ACCOUNT)]
    fills = rig.service.get_fills(ACCOUNT)
    assert sorted(f.trade_id for f in fills) == sorted(t.traded_id for t in broker_trades)
    order = _order(rig, cid)
    assert order.filled_volume == sum(t.traded_volume for t in broker_trades)
    rig.assert_book_equals_broker()


def test_a_fill_after_the_cancel_request_counts(
    make_rig: Callable[..., Rig], liquid_codes: list[str], oms_tape: DemoMinuteTape
) -> None:
    code = liquid_codes[3]
    volumes = [bar.volume for i in range(10) if (bar := oms_tape.bar(code, i)) is not None]
    # Each minute may take a tenth of the order, so it is still live when the cancel lands.
    participation = 2000 / min(volumes)
    rig = make_rig(cash=5_000_000.0, participation=min(participation, 1.0))
    cid = rig.place(OrderRequest(code, Side.BUY, 20000, price=_up(rig, code)))
    rig.advance(2)
    assert rig.oms.wait_idle(5)
    rig.oms.cancel_order(cid)
    assert wait_for(lambda: _order(rig, cid).status is OrderStatus.CANCEL_PENDING, 5)
    assert _order(rig, cid).status.is_open  # 51/52: still live, may fill
    rig.advance(1)  # the matching step runs before the cancel takes effect
    report = rig.settle()
    assert report.matched, report.summary()
    order = _order(rig, cid)
    assert order.status is OrderStatus.CANCELLED
    broker_filled = sum(t.traded_volume for t in rig.counter.trades(ACCOUNT))
    assert order.filled_volume == broker_filled > 0
    rig.assert_book_equals_broker()


def test_an_overfill_push_is_refused_and_reported(
    make_rig: Callable[..., Rig], liquid_codes: list[str]
) -> None:
    rig = make_rig()
    rig.counter.faults.overfill_next_fill()
    cid = rig.place(OrderRequest(liquid_codes[0], Side.BUY, 1000, price=_up(rig, liquid_codes[0])))
    rig.advance(20)
    report = rig.settle()
    assert report.matched, report.summary()
    order = _order(rig, cid)
    assert order.filled_volume == 1000 and order.status is OrderStatus.FILLED
    assert any(kind == "overfill_refused" for kind, _ in rig.oms.alerts)
    rig.assert_book_equals_broker()


@pytest.mark.parametrize("mode", ["response", "seq"])
def test_minus_one_for_an_order_that_is_live(
    make_rig: Callable[..., Rig], liquid_codes: list[str], mode: str
) -> None:
    rig = make_rig()
    rig.counter.faults.order_returns_minus_one(1, async_mode=mode)  # type: ignore[arg-type]
    cid = rig.place(OrderRequest(liquid_codes[1], Side.BUY, 1000, price=_up(rig, liquid_codes[1])))
    assert rig.oms.wait_idle(5)
    assert _order(rig, cid).status is not OrderStatus.REJECTED  # -1 is a hint, not an answer
    rig.advance(20)
    report = rig.settle()
    assert report.matched, report.summary()
    assert _order(rig, cid).status is OrderStatus.FILLED
    assert remarks_at_broker(rig.counter).count(cid) == 1  # never resent
    rig.assert_book_equals_broker()


def test_a_lying_cancel_return_is_not_believed(make_rig: Callable[..., Rig], liquid_codes: list[str]) -> None:
    rig = make_rig(poll=60.0)  # no poll may reveal the fill before the cancel goes out
    code = liquid_codes[4]
    # A resting buy far below the market: the cancel really takes effect, but the call says -1.
    low = _down(rig, code)
    resting = rig.place(OrderRequest(code, Side.BUY, 1000, price=low))
    rig.advance(1)
    assert rig.oms.wait_idle(5)
    rig.counter.faults.cancel_return_lies(1)
    rig.oms.cancel_order(resting)
    # The async cancel must have reached the counter before its next minute, or that minute
    # passes without it (a race of this test, not of the OMS).
    broker_id = _order(rig, resting).broker_order_id
    assert broker_id is not None
    assert wait_for(lambda: rig.counter.order(ACCOUNT, broker_id).order_status in (51, 52, 53, 54), 10)
    rig.advance(1)
    rig.settle()
    assert _order(rig, resting).status is OrderStatus.CANCELLED
    # A buy that fills at the broker while its pushes are held back: our book still thinks it
    # is live, so the cancel goes out; the counter cannot cancel a filled order, yet says 0.
    rig.counter.faults.hold_pushes("order", n=20)
    rig.counter.faults.hold_pushes("trade", n=20)
    filled = rig.place(OrderRequest(code, Side.BUY, 1000, price=_up(rig, code)))
    rig.advance(5)
    assert rig.oms.wait_idle(5)
    assert _order(rig, filled).status.is_open
    assert rig.counter.order(ACCOUNT, rig.counter.orders(ACCOUNT)[-1].order_id).order_status == 56
    rig.counter.faults.cancel_return_lies(1)
    rig.oms.cancel_order(filled)
    assert rig.oms.wait_idle(5)
    with rig.store.session() as session:
        acks = [
            json.loads(e.payload_json) for e in session.exec(select(OrderEvent)) if e.kind == "cancel_ack"
        ]
    assert acks and acks[-1]["cancel_result"] == 0  # the broker's (lying) word: "cancelled"
    report = rig.settle()
    assert report.matched, report.summary()
    assert _order(rig, filled).status is OrderStatus.FILLED  # the 0 was not believed
    assert _order(rig, filled).filled_volume == 1000
    rig.assert_book_equals_broker()


def test_a_rejected_order_carries_the_brokers_reason(
    make_rig: Callable[..., Rig], liquid_codes: list[str]
) -> None:
    rig = make_rig()
    rig.counter.faults.reject_next(1, "可用资金不足")
    cid = rig.place(OrderRequest(liquid_codes[0], Side.BUY, 1000, price=_up(rig, liquid_codes[0])))
    assert wait_for(lambda: _order(rig, cid).status is OrderStatus.REJECTED, 5)
    assert "可用资金不足" in _order(rig, cid).status_msg
    assert any(kind == "order_rejected" for kind, _ in rig.oms.alerts)
    report = rig.settle()
    assert report.matched
    rig.assert_book_equals_broker()


def test_lost_trade_pushes_are_fetched_when_the_order_push_says_traded(
    make_rig: Callable[..., Rig], liquid_codes: list[str]
) -> None:
    rig = make_rig(faults=FaultPlan(seed=3))
    rig.counter.faults.drop_pushes("trade", n=100)
    cid = rig.place(OrderRequest(liquid_codes[2], Side.BUY, 1000, price=_up(rig, liquid_codes[2])))
    rig.advance(20)
    assert rig.oms.wait_idle(5)
    # No reconciliation asked for: the order push's traded volume alone makes the OMS query trades.
    assert wait_for(lambda: _order(rig, cid).filled_volume == 1000, 5)
    assert _order(rig, cid).status is OrderStatus.FILLED
    rig.assert_book_equals_broker()


def test_buys_are_blocked_while_the_book_differs(
    make_rig: Callable[..., Rig], liquid_codes: list[str]
) -> None:
    rig = make_rig()
    # Something outside any trade moves the broker's cash (a fee adjustment, a transfer):
    account = rig.counter.account(ACCOUNT)
    account.book.cash_fen -= 1234
    report = rig.oms.reconcile_now("test")
    assert not report.matched and "cash" in report.summary()
    with pytest.raises(OrderRefused, match="blocked"):
        rig.place(OrderRequest(liquid_codes[0], Side.BUY, 100, price=_up(rig, liquid_codes[0])))
    account.book.cash_fen += 1234
    assert rig.oms.reconcile_now("test").matched
    rig.place(OrderRequest(liquid_codes[0], Side.BUY, 100, price=_up(rig, liquid_codes[0])))
