"""Every armed fault does exactly what it says, and the counter's truth survives it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sim_helpers import ACCOUNT, Recorder, Sim, flat, new_session, pick, staged
from xtquant import xtconstant as xc

from aistock.trading.gateways.simulator import DemoMinuteTape, FaultPlan, MiniQmtSimulator

BUY, SELL, LIMIT = xc.STOCK_BUY, xc.STOCK_SELL, xc.FIX_PRICE
MakeSim = Callable[..., Sim]


def _sim(make_sim: MakeSim, tape: DemoMinuteTape, **kwargs: Any) -> tuple[Sim, str, FaultPlan]:
    code = pick(tape, "600")
    plan = FaultPlan(seed=7)
    sim = make_sim(staged(tape, code, flat(10.0, volume=2000)), faults=plan, **kwargs)
    return sim, code, plan


def test_disconnect_kills_the_trader_but_not_the_counter(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    sim, code, plan = _sim(make_sim, tape)
    oid = sim.trader.order_stock(sim.acc, code, BUY, 400, LIMIT, 10.0)
    plan.disconnect()
    sim.rec.wait_count("on_disconnected", 1)
    assert sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0) == -1
    assert sim.trader.cancel_order_stock(sim.acc, oid) == -1
    assert sim.trader.query_stock_orders(sim.acc) is None and sim.trader.query_stock_asset(sim.acc) is None
    assert sim.trader.subscribe(sim.acc) == -1 and sim.trader.connect() != 0
    sim.counter.advance()  # the exchange keeps trading while we are away
    assert sim.rec.of("on_stock_trade") == []
    same_session = MiniQmtSimulator(sim.path, sim.trader.session_id, Recorder())
    same_session.start()
    assert same_session.connect() != 0  # a reconnect needs a new session id
    fresh_rec = Recorder()
    fresh = MiniQmtSimulator(sim.path, new_session(), fresh_rec)
    fresh.start()
    try:
        assert fresh.connect() == 0 and fresh.subscribe(sim.acc) == 0
        assert fresh.query_stock_order(sim.acc, oid).order_status == xc.ORDER_SUCCEEDED
        fresh.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0)
        assert len(fresh_rec.of("on_stock_order")) == 1
    finally:
        fresh.stop()
        same_session.stop()
    assert sim.rec.names().count("on_disconnected") == 1


def test_refused_connects(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    sim, _code, plan = _sim(make_sim, tape)
    plan.refuse_connects(2)
    trader = MiniQmtSimulator(sim.path, new_session())
    trader.start()
    try:
        assert [trader.connect(), trader.connect(), trader.connect()] == [-1, -1, 0]
    finally:
        trader.stop()


def test_dropped_pushes_are_lost_but_the_counter_knows(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    sim, code, plan = _sim(make_sim, tape)
    plan.drop_pushes("trade", 1)
    sim.trader.order_stock(sim.acc, code, BUY, 1000, LIMIT, 10.0)  # fills 500 + 500
    sim.counter.advance(2)
    sim.settle()
    assert [t.traded_volume for t in sim.rec.of("on_stock_trade")] == [500]
    assert len(sim.trader.query_stock_trades(sim.acc)) == 2
    plan.drop_pushes("all", 2)
    sim.rec.clear()
    sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 9.0)  # pushes: order, asset
    sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 9.0)
    sim.settle()
    assert sim.rec.names() == ["on_stock_order", "on_stock_asset"]
    assert "dropped trade push" in plan.log


def test_duplicated_pushes_arrive_as_separate_copies(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    sim, code, plan = _sim(make_sim, tape)
    plan.duplicate_pushes("order", times=3, n=1)
    oid = sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0)
    sim.counter.advance()
    sim.settle()
    first, second, third, filled = sim.rec.of("on_stock_order")
    assert first is not second and vars(first) == vars(second) == vars(third)
    assert (first.order_id, filled.order_status) == (oid, xc.ORDER_SUCCEEDED)
    with pytest.raises(ValueError, match="times >= 2"):
        plan.duplicate_pushes("order", times=1)
    with pytest.raises(ValueError, match="unknown push kind"):
        plan.drop_pushes("orders")  # type: ignore[arg-type]


def test_held_pushes_are_released_out_of_order(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    sim, code, plan = _sim(make_sim, tape)
    plan.hold_pushes("order", 3)
    oid = sim.trader.order_stock(sim.acc, code, BUY, 1000, LIMIT, 10.0)
    sim.counter.advance(2)  # 50, 55, 56 all held
    sim.settle()
    assert sim.rec.of("on_stock_order") == [] and plan.held_count == 3
    assert len(sim.rec.of("on_stock_trade")) == 2
    assert plan.release_held(reverse=True) == 3
    sim.settle()
    assert sim.statuses(oid) == [56, 55, 50]  # the newest state first, then stale ones


def test_order_calls_that_return_minus_one_for_a_live_order(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    sim, code, plan = _sim(make_sim, tape)
    plan.order_returns_minus_one(1)
    assert sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 9.0, "s", "sync") == -1
    plan.order_returns_minus_one(1, async_mode="response")
    seq = sim.trader.order_stock_async(sim.acc, code, BUY, 100, LIMIT, 9.0, "s", "async-response")
    plan.order_returns_minus_one(1, async_mode="seq")
    assert sim.trader.order_stock_async(sim.acc, code, BUY, 100, LIMIT, 9.0, "s", "async-seq") == -1
    sim.settle()
    remarks = {o.order_remark: o for o in sim.trader.query_stock_orders(sim.acc)}
    assert set(remarks) == {"sync", "async-response", "async-seq"}
    assert {o.order_status for o in remarks.values()} == {xc.ORDER_REPORTED}  # all live
    assert {o.order_remark for o in sim.rec.of("on_stock_order")} == set(remarks)  # and pushed
    (response,) = sim.rec.of("on_order_stock_async_response")
    assert (response.seq, response.order_id, response.order_remark) == (seq, -1, "async-response")
    assert response.error_msg


def test_cancel_return_codes_that_lie(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    sim, code, plan = _sim(make_sim, tape)
    live = sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 9.0)
    done = sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0)
    sim.counter.advance()
    plan.cancel_return_lies(2)
    assert sim.trader.cancel_order_stock(sim.acc, live) == -1  # sent, and it will take effect
    assert sim.trader.cancel_order_stock(sim.acc, done) == 0  # final, and it will not
    sim.counter.advance()
    sim.settle()
    assert sim.trader.query_stock_order(sim.acc, live).order_status == xc.ORDER_CANCELED
    assert sim.trader.query_stock_order(sim.acc, done).order_status == xc.ORDER_SUCCEEDED
    assert [e.order_id for e in sim.rec.of("on_cancel_error")] == [done]
    assert sim.trader.cancel_order_stock(sim.acc, done) == -1  # the lies are used up


def test_forced_rejects(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    sim, code, plan = _sim(make_sim, tape)
    plan.reject_next(1, status_msg="风控拒单")
    rejected = sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0)
    accepted = sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0)
    sim.settle()
    order = sim.trader.query_stock_order(sim.acc, rejected)
    assert (order.order_status, order.status_msg) == (xc.ORDER_JUNK, "风控拒单")
    assert [e.error_msg for e in sim.rec.of("on_order_error")] == ["风控拒单"]
    assert sim.trader.query_stock_order(sim.acc, accepted).order_status == xc.ORDER_REPORTED


def test_a_bogus_overfill_trade_is_pushed_but_never_booked(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    sim, code, plan = _sim(make_sim, tape)
    oid = sim.trader.order_stock(sim.acc, code, BUY, 300, LIMIT, 10.0)
    plan.overfill_next_fill()
    sim.counter.advance()
    sim.settle()
    real, bogus = sim.rec.of("on_stock_trade")
    assert real.order_id == bogus.order_id == oid and real.traded_id != bogus.traded_id
    assert real.traded_volume + bogus.traded_volume > 300
    assert [t.traded_id for t in sim.trader.query_stock_trades(sim.acc)] == [real.traded_id]
    assert sim.trader.query_stock_position(sim.acc, code).volume == 300
    sim.counter.account(ACCOUNT).book.check_invariants()


def test_asset_and_position_pushes_can_be_absent(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    sim, code, plan = _sim(make_sim, tape)
    plan.no_asset_position_pushes = True
    sim.trader.order_stock(sim.acc, code, BUY, 500, LIMIT, 10.0)
    sim.counter.advance()
    sim.settle()
    assert set(sim.rec.names()) == {"on_stock_order", "on_stock_trade"}
    assert sim.trader.query_stock_position(sim.acc, code).volume == 500  # polling still works


def _chaos_run(make_sim: MakeSim, tape: DemoMinuteTape, seed: int | None) -> tuple[list[str], list[Any], int]:
    code = pick(tape, "600")
    plan = FaultPlan(seed=seed or 0)
    if seed is not None:
        plan.chaos(drop=0.2, duplicate=0.2, delay=0.2)
    sim = make_sim(staged(tape, code, flat(10.0, volume=800)), faults=plan, holdings={code: (2000, 9.0)})
    for i in range(6):
        sim.trader.order_stock(sim.acc, code, BUY if i % 2 else SELL, 300, LIMIT, 10.0)
        sim.counter.advance()
    sim.counter.advance(2)
    plan.release_held()
    sim.settle()
    orders = [vars(o) for o in sim.trader.query_stock_orders(sim.acc)]
    return plan.log, orders, len(sim.rec.events)


def test_chaos_is_seeded_and_never_changes_the_counters_truth(
    make_sim: MakeSim, tape: DemoMinuteTape
) -> None:
    log1, orders1, _ = _chaos_run(make_sim, tape, seed=3)
    log2, orders2, _ = _chaos_run(make_sim, tape, seed=3)
    _, calm_orders, calm_events = _chaos_run(make_sim, tape, seed=None)
    assert log1 == log2 and any("chaos" in line for line in log1)
    assert orders1 == orders2 == calm_orders
    assert calm_events > 0
