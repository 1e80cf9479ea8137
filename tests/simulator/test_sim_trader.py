"""The XtQuantTrader surface: connection rules, the single callback thread, sync/async semantics."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sim_helpers import ACCOUNT, Recorder, Sim, flat, new_session, pick, staged
from xtquant import xtconstant as xc
from xtquant.xttype import StockAccount, XtAsset, XtCancelOrderResponse, XtOrderResponse

from aistock.trading.gateways.simulator import DemoMinuteTape, MiniQmtSimulator, SimCounter, SimDeadlockError

BUY, LIMIT = xc.STOCK_BUY, xc.FIX_PRICE
MakeSim = Callable[..., Sim]


def test_every_callback_runs_on_one_worker_thread_not_the_callers(
    make_sim: MakeSim, tape: DemoMinuteTape
) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0, volume=2000)))
    answers: list[Any] = []
    sim.trader.order_stock(sim.acc, code, BUY, 1000, LIMIT, 10.0)
    seq = sim.trader.order_stock_async(sim.acc, code, BUY, 150, LIMIT, 10.0)  # junk: an order error too
    sim.counter.advance(3)
    assert sim.trader.query_stock_orders_async(sim.acc, answers.append) > 0
    assert sim.trader.query_stock_asset_async(sim.acc, answers.append) is None  # as the real one
    sim.settle()
    assert len(answers) == 2 and isinstance(answers[1], XtAsset)
    names = set(sim.rec.names())
    assert {
        "on_stock_order",
        "on_stock_trade",
        "on_stock_asset",
        "on_stock_position",
        "on_order_error",
    } <= names
    assert "on_order_stock_async_response" in names and seq > 0
    threads = {e.thread_id for e in sim.rec.events}
    assert len(threads) == 1 and threading.get_ident() not in threads
    assert "on_connected" not in names  # the real wrapper never binds it


def test_connect_needs_a_running_counter_and_is_one_shot(tmp_path: Any, tape: DemoMinuteTape) -> None:
    path = str(tmp_path / "userdata_mini")
    lonely = MiniQmtSimulator(path, new_session())
    lonely.start()
    assert lonely.connect() != 0  # nothing runs at that path
    counter = SimCounter(tape, {ACCOUNT: 100_000.0}).serve(path)
    try:
        unstarted = MiniQmtSimulator(path, new_session())
        assert unstarted.connect() != 0  # start() first, as with the real client
        assert lonely.connect() == 0
        assert lonely.connect() != 0  # already connected
        twin = MiniQmtSimulator(path, lonely.session_id)
        twin.start()
        assert twin.connect() != 0  # a session id in use is refused
        assert SimCounter.running_at(path) is counter
        with pytest.raises(ValueError, match="already running"):
            SimCounter(tape, {ACCOUNT: 1.0}).serve(path)
        twin.stop()
    finally:
        lonely.stop()
        counter.shutdown()
    assert SimCounter.running_at(path) is None


def test_no_pushes_without_a_subscription(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)), subscribe=False)
    assert sim.trader.subscribe(StockAccount("unknown")) == -1
    assert sim.trader.subscribe(StockAccount(ACCOUNT, "CREDIT")) == -1
    assert sim.trader.unsubscribe(sim.acc) == -1
    sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0)
    sim.settle()
    assert sim.rec.events == []
    assert sim.trader.subscribe(sim.acc) == 0
    sim.counter.advance()
    sim.settle()
    assert "on_stock_trade" in sim.rec.names()
    assert sim.trader.unsubscribe(sim.acc) == 0
    sim.rec.clear()
    sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0)
    sim.settle()
    assert sim.rec.events == []


def test_a_sync_call_returns_after_the_pushes_queued_before_it(
    make_sim: MakeSim, tape: DemoMinuteTape
) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)))
    oid = sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0)
    # No waiting: the response came through the callback thread behind the order's own push.
    assert [o.order_id for o in sim.rec.of("on_stock_order")] == [oid]


def test_sync_calls_on_the_callback_thread_raise_instead_of_deadlocking(
    make_sim: MakeSim, tape: DemoMinuteTape
) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)))
    sim.rec.hooks["on_stock_order"] = lambda order: sim.trader.query_stock_asset(sim.acc)
    sim.trader.order_stock_async(sim.acc, code, BUY, 100, LIMIT, 10.0)
    sim.rec.wait_count("on_stock_order", 1)
    (error,) = sim.rec.hook_errors
    assert isinstance(error, SimDeadlockError) and isinstance(error, RuntimeError)
    assert "query_stock_asset()" in str(error) and "query_stock_asset_async" in str(error)
    assert "set_relaxed_response_order_enabled(True)" in str(error)

    sim.rec.hook_errors.clear()
    sim.rec.hooks["on_stock_order"] = lambda order: sim.trader.stop()
    sim.trader.order_stock_async(sim.acc, code, BUY, 100, LIMIT, 10.0)
    sim.rec.wait_count("on_stock_order", 2)
    assert "stop()" in str(sim.rec.hook_errors[0])


def test_relaxed_response_order_frees_queries_but_not_orders(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)), relaxed=True)

    assets: list[Any] = []

    def from_callback(order: Any) -> None:
        if order.order_remark != "first":
            return
        assets.append(sim.trader.query_stock_asset(sim.acc))  # fine: its response has its own thread
        sim.trader.order_stock_async(sim.acc, code, BUY, 100, LIMIT, 10.0, "", "from callback")
        sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0)  # still a deadlock

    sim.rec.hooks["on_stock_order"] = from_callback
    sim.trader.order_stock_async(sim.acc, code, BUY, 100, LIMIT, 10.0, "", "first")
    sim.rec.wait_for(lambda r: any(o.order_remark == "from callback" for o in r.of("on_stock_order")))
    assert len(assets) == 1 and isinstance(assets[0], XtAsset)
    (error,) = sim.rec.hook_errors
    assert "order_stock()" in str(error) and "order_stock_async()" in str(error)
    assert "relaxed response order does not help" in str(error)


def test_an_async_order_error_waits_for_its_async_response(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)))
    seq = sim.trader.order_stock_async(sim.acc, code, BUY, 150, LIMIT, 10.0, "s", "bad lot")
    sim.rec.wait_count("on_order_error", 1)
    names = sim.rec.names()
    assert names.index("on_order_stock_async_response") < names.index("on_order_error")
    (response,) = sim.rec.of("on_order_stock_async_response")
    assert isinstance(response, XtOrderResponse)
    assert (response.seq, response.order_remark, response.strategy_name, response.error_msg) == (
        seq,
        "bad lot",
        "s",
        "",
    )
    assert response.order_id == sim.rec.of("on_order_error")[0].order_id > 0


def test_an_async_cancel_error_waits_for_its_async_response(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)))
    oid = sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0)
    sim.counter.advance()  # filled: a cancel must fail
    seq = sim.trader.cancel_order_stock_async(sim.acc, oid)
    sim.rec.wait_count("on_cancel_error", 1)
    names = sim.rec.names()
    assert names.index("on_cancel_order_stock_async_response") < names.index("on_cancel_error")
    (response,) = sim.rec.of("on_cancel_order_stock_async_response")
    assert isinstance(response, XtCancelOrderResponse)
    assert (response.seq, response.order_id, response.cancel_result, response.order_sysid) == (
        seq,
        oid,
        -1,
        "",
    )

    live = sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 9.5)
    sysid = sim.trader.query_stock_order(sim.acc, live).order_sysid
    seq2 = sim.trader.cancel_order_stock_sysid_async(sim.acc, "SH", sysid)
    sim.rec.wait_count("on_cancel_order_stock_async_response", 2)
    second = sim.rec.of("on_cancel_order_stock_async_response")[1]
    assert (second.seq, second.cancel_result, second.order_sysid) == (seq2, 0, sysid)


def test_stop_drains_the_queue_and_later_calls_fail(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)))
    gate = threading.Event()
    sim.rec.hooks["on_stock_order"] = lambda order: gate.wait(5)
    for _ in range(5):
        sim.trader.order_stock_async(sim.acc, code, BUY, 100, LIMIT, 10.0)
    stopper = threading.Thread(target=sim.trader.stop)
    stopper.start()
    gate.set()
    stopper.join(10)
    assert not stopper.is_alive()
    assert len(sim.rec.of("on_stock_order")) == 5  # everything queued was delivered
    assert sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0) == -1
    assert sim.trader.order_stock_async(sim.acc, code, BUY, 100, LIMIT, 10.0) == -1
    assert sim.trader.query_stock_asset(sim.acc) is None and sim.trader.query_stock_orders(sim.acc) is None
    assert len(sim.counter.orders(ACCOUNT)) == 5


def test_account_queries(make_sim: MakeSim) -> None:
    sim = make_sim()
    (status,) = sim.trader.query_account_status()
    assert (status.account_id, status.account_type, status.status) == (ACCOUNT, xc.SECURITY_ACCOUNT, 0)
    (info,) = sim.trader.query_account_infos()
    assert (info.account_id, info.account_type) == (ACCOUNT, xc.SECURITY_ACCOUNT)
    got: list[Any] = []
    assert sim.trader.query_account_status_async(got.append) > 0
    assert sim.trader.query_account_infos_async(got.append) > 0
    sim.settle()
    assert [len(x) for x in got] == [1, 1]


def test_callback_exceptions_do_not_kill_the_callback_thread(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)))

    class Exploding(Recorder):
        def on_stock_asset(self, asset: Any) -> None:
            raise ZeroDivisionError("gateway bug")

    sim.trader.register_callback(Exploding())
    sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0)
    sim.counter.advance()
    assert sim.trader.query_stock_orders(sim.acc) is not None  # the thread still answers
    assert any(isinstance(e, ZeroDivisionError) for e in sim.trader.callback_errors)


def test_two_traders_and_a_clock_thread_at_once(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0, volume=40_000)), cash=10_000_000.0)
    other_rec = Recorder()
    other = MiniQmtSimulator(sim.path, new_session(), other_rec)
    other.start()
    assert other.connect() == 0 and other.subscribe(sim.acc) == 0

    def place(trader: MiniQmtSimulator, tag: str) -> None:
        for i in range(25):
            assert trader.order_stock_async(sim.acc, code, BUY, 100, LIMIT, 10.0, "", f"{tag}-{i}") > 0

    workers = [
        threading.Thread(target=place, args=(trader, f"{n}"))
        for n, trader in enumerate((sim.trader, other, sim.trader, other))
    ]
    workers.append(threading.Thread(target=sim.counter.advance, args=(30,)))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    sim.counter.advance(5)
    sim.settle()
    assert other.query_account_status() is not None  # settles the other trader too
    orders = sim.counter.orders(ACCOUNT)
    assert len({o.order_id for o in orders}) == 100
    assert {o.order_status for o in orders} == {xc.ORDER_SUCCEEDED}
    for rec in (sim.rec, other_rec):
        assert len(rec.of("on_order_stock_async_response")) == 50  # only its own responses
        finals = {o.order_id for o in rec.of("on_stock_order") if o.order_status == xc.ORDER_SUCCEEDED}
        assert len(finals) == 100  # but every push of the account
    mine = {e.thread_id for e in sim.rec.events}
    theirs = {e.thread_id for e in other_rec.events}
    assert len(mine) == len(theirs) == 1 and mine != theirs
    sim.counter.account(ACCOUNT).book.check_invariants()
    other.stop()
