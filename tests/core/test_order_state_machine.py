"""The order state machine: forward only, fills once, never beyond the volume."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aistock.core.fees import Side
from aistock.core.orders import (
    FillOutcome,
    FillReport,
    OrderError,
    OrderRequest,
    OrderState,
    OrderStatus,
    PriceType,
    RejectSource,
    apply_cancel_rejected,
    apply_fill,
    apply_status,
    mark_not_found,
)


def _order(volume: int = 1000, status: OrderStatus = OrderStatus.SUBMITTED) -> OrderState:
    request = OrderRequest("600000.SH", Side.BUY, volume, price=10.0)
    return OrderState("AIX0000001", "acc", request, status=status)


def _fill(trade_id: str, volume: int, price: float = 10.0) -> FillReport:
    return FillReport(trade_id, volume, price, volume * round(price * 100), 500)


def test_request_validation_names_the_fix() -> None:
    with pytest.raises(OrderError, match="positive number of shares"):
        OrderRequest("600000.SH", Side.BUY, 0, price=10.0)
    with pytest.raises(OrderError, match="needs a positive price"):
        OrderRequest("600000.SH", Side.BUY, 100)
    assert OrderRequest("600000.SH", Side.SELL, 100, PriceType.LATEST).price_type.is_market


def test_status_moves_forward_and_ignores_stale_pushes() -> None:
    order = apply_status(_order(), OrderStatus.LIVE)
    assert order.status is OrderStatus.LIVE
    order = apply_status(order, OrderStatus.CANCEL_PENDING)
    assert order.status is OrderStatus.CANCEL_PENDING and order.status.is_open
    stale = apply_status(order, OrderStatus.LIVE)
    assert stale.status is OrderStatus.CANCEL_PENDING
    done = apply_status(stale, OrderStatus.CANCELLED)
    assert done.status is OrderStatus.CANCELLED and done.remaining == 0
    assert apply_status(done, OrderStatus.LIVE).status is OrderStatus.CANCELLED


def test_unknown_status_changes_nothing_but_remembers_the_traded_volume() -> None:
    order = apply_status(_order(), None, broker_traded_volume=300)
    assert order.status is OrderStatus.SUBMITTED
    assert order.missing_fills


def test_fills_are_counted_once_and_never_beyond_the_volume() -> None:
    order = apply_status(_order(1000), OrderStatus.LIVE)
    order, outcome = apply_fill(order, _fill("t1", 400))
    assert outcome is FillOutcome.APPLIED and order.status is OrderStatus.PARTIALLY_FILLED
    same, outcome = apply_fill(order, _fill("t1", 400))
    assert outcome is FillOutcome.DUPLICATE and same == order
    over, outcome = apply_fill(order, _fill("t2", 700))
    assert outcome is FillOutcome.OVERFILL and over == order
    order, outcome = apply_fill(order, _fill("t3", 600))
    assert outcome is FillOutcome.APPLIED and order.status is OrderStatus.FILLED
    assert order.filled_volume == 1000 and order.avg_fill_price == pytest.approx(10.0)


def test_a_fill_after_a_cancel_still_counts() -> None:
    order = apply_status(apply_status(_order(1000), OrderStatus.LIVE), OrderStatus.CANCELLED)
    order, outcome = apply_fill(order, _fill("late", 200))
    assert outcome is FillOutcome.APPLIED
    assert order.status is OrderStatus.CANCELLED and order.filled_volume == 200
    order, _ = apply_fill(order, _fill("later", 800))
    assert order.status is OrderStatus.FILLED


def test_broker_filled_waits_for_the_trades() -> None:
    order = apply_status(_order(1000), OrderStatus.FILLED, broker_traded_volume=1000)
    assert order.status is OrderStatus.LIVE and order.missing_fills
    order, _ = apply_fill(order, _fill("t1", 1000))
    assert order.status is OrderStatus.FILLED and not order.missing_fills


def test_cancel_rejected_reopens_a_live_order_only() -> None:
    pending = apply_status(apply_status(_order(), OrderStatus.LIVE), OrderStatus.CANCEL_PENDING)
    assert apply_cancel_rejected(pending, "too late").status is OrderStatus.LIVE
    filled, _ = apply_fill(pending, _fill("t", 1000))
    assert apply_cancel_rejected(filled, "x").status is OrderStatus.FILLED


def test_not_found_is_revivable_but_a_broker_rejection_is_not() -> None:
    lost = mark_not_found(_order(), "never listed")
    assert lost.status is OrderStatus.REJECTED and lost.reject_source is RejectSource.NOT_FOUND
    assert apply_status(lost, OrderStatus.LIVE).status is OrderStatus.LIVE
    junk = apply_status(_order(), OrderStatus.REJECTED, status_msg="可用资金不足")
    assert junk.reject_source is RejectSource.BROKER and junk.status_msg == "可用资金不足"
    assert apply_status(junk, OrderStatus.LIVE).status is OrderStatus.REJECTED
    known = apply_status(_order(), OrderStatus.LIVE)
    assert mark_not_found(known, "x") == known


_EVENTS = st.lists(
    st.one_of(
        st.tuples(st.just("status"), st.sampled_from([*OrderStatus, None]), st.integers(0, 1200)),
        st.tuples(st.just("fill"), st.sampled_from(["a", "b", "c", "d", "e"]), st.integers(1, 600)),
        st.tuples(st.just("cancel_rejected"), st.just(None), st.just(0)),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(_EVENTS)
def test_any_event_sequence_keeps_the_invariants(events: list[tuple[str, object, int]]) -> None:
    order = _order(1000)
    applied: dict[str, int] = {}
    for kind, arg, n in events:
        before = order
        if kind == "status":
            order = apply_status(order, arg if isinstance(arg, OrderStatus) else None, broker_traded_volume=n)
        elif kind == "fill":
            trade_id = str(arg)
            order, outcome = apply_fill(order, _fill(trade_id, n))
            if outcome is FillOutcome.APPLIED:
                applied[trade_id] = n
        else:
            order = apply_cancel_rejected(order, "")
        assert 0 <= order.filled_volume <= order.request.volume
        assert order.filled_volume == sum(applied.values())
        assert (order.status is OrderStatus.FILLED) == (order.filled_volume == order.request.volume)
        if before.status.is_final and before.status is not OrderStatus.REJECTED:
            assert order.status.is_final  # a final order never reopens
        assert order.broker_traded_volume >= before.broker_traded_volume


def test_ranks_order_every_status() -> None:
    ranked = sorted(OrderStatus, key=lambda s: s.rank)
    assert ranked[0] is OrderStatus.SUBMITTED
    assert all(s.is_final for s in ranked[-3:])
    assert all(a.rank <= b.rank for a, b in itertools.pairwise(ranked))
