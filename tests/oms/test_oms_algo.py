"""Smart-algo orders end to end: OMS → miniQMT gateway → simulated miniQMT's VWAP/TWAP tasks.

An ``OrderRequest`` with ``algo`` goes out as ``smart_algo_order_async``; the broker slices it
into child orders that carry the parent's client id as their remark. The book must keep one
parent row (the task) and one row per child, book every trade once on its child, derive the
parent from its children, and still equal the broker's books to the share and the fen —
through cancels, broker refusals, duplicated and reordered pushes and a restart.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest
from oms_rig import ACCOUNT, Rig
from sqlmodel import col, select
from xtquant import xtconstant

from aistock.core.fees import FeeSchedule, Side, yuan_to_fen
from aistock.core.orders import AlgoName, AlgoSpec, OrderRequest, OrderStatus, PriceType
from aistock.store.tables import TradeFill, TradeOrder
from aistock.trading.gateways.events import (
    AlgoTaskAck,
    AlgoTaskCancelAck,
    AlgoTaskReport,
    AlgoTaskState,
    event_from_payload,
)
from aistock.trading.gateways.miniqmt import convert
from aistock.trading.gateways.miniqmt.gateway import _Callback, wait_for
from aistock.trading.gateways.simulator import FaultPlan


# -- helpers ---------------------------------------------------------------------------------------
def _ref_limit(rig: Rig, code: str, which: str) -> float:
    ref = rig.counter.market.reference(code)
    assert ref is not None
    value = ref.up_limit if which == "up" else ref.down_limit
    assert value is not None
    return value


def _rows(rig: Rig) -> list[TradeOrder]:
    with rig.store.session() as session:
        return list(
            session.exec(
                select(TradeOrder).where(col(TradeOrder.account_id) == ACCOUNT).order_by(col(TradeOrder.id))
            ).all()
        )


def _parent(rig: Rig, cid: str) -> TradeOrder:
    [row] = [r for r in _rows(rig) if r.client_order_id == cid]
    return row


def _children(rig: Rig, cid: str) -> list[TradeOrder]:
    return [r for r in _rows(rig) if r.parent_client_order_id == cid]


def _fills(rig: Rig) -> list[TradeFill]:
    with rig.store.session() as session:
        return list(session.exec(select(TradeFill).where(col(TradeFill.account_id) == ACCOUNT)).all())


def _task(rig: Rig, remark: str) -> dict[str, Any]:
    [task] = [t for t in rig.counter.query_smart_algo_task(ACCOUNT) if t["order_remark"] == remark]
    return task


def _wait_task_id(rig: Rig, cid: str) -> int:
    assert wait_for(lambda: _parent(rig, cid).algo_task_id is not None, 10), "no algo answer applied"
    task_id = _parent(rig, cid).algo_task_id
    assert task_id is not None
    return task_id


def _step(rig: Rig, minutes: int) -> None:
    """Advance the exchange one minute at a time, letting the OMS keep up (as a live day would)."""
    for _ in range(minutes):
        rig.advance(1)
        assert rig.oms.wait_idle(10)


def _assert_trades_booked_once(rig: Rig) -> None:
    broker = sorted(t.traded_id for t in rig.counter.trades(ACCOUNT))
    ours = sorted(f.trade_id for f in _fills(rig))
    assert ours == broker  # every broker trade, each exactly once
    children = {r.client_order_id: r for r in _rows(rig) if r.parent_client_order_id is not None}
    for fill in _fills(rig):
        if fill.client_order_id in children:
            assert fill.broker_order_id == children[fill.client_order_id].broker_order_id


def _assert_parent_is_sum_of_children(rig: Rig, cid: str) -> None:
    parent, children = _parent(rig, cid), _children(rig, cid)
    assert parent.filled_volume == sum(c.filled_volume for c in children)
    assert parent.filled_amount_fen == sum(c.filled_amount_fen for c in children)
    assert parent.fees_fen == sum(c.fees_fen for c in children)
    fills = [f for f in _fills(rig) if f.client_order_id in {c.client_order_id for c in children}]
    assert parent.filled_volume == sum(f.volume for f in fills)
    assert not [f for f in _fills(rig) if f.client_order_id == cid]  # the parent takes no fill itself
    task = _task(rig, cid)
    assert parent.filled_volume == int(task["business_num"])
    assert sorted(c.broker_order_id or 0 for c in children) == sorted(task["order_id_list"])
    for child in children:
        assert child.origin == "algo_child" and child.client_order_id == f"{cid}/{child.broker_order_id}"
        assert child.code == parent.code and child.side == parent.side


# -- the happy path --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("algo", "price_type"),
    [(AlgoName.TWAP, PriceType.LIMIT), (AlgoName.VWAP, PriceType.LIMIT), (AlgoName.VWAP, PriceType.LATEST)],
)
def test_a_sliced_buy_task_fills_and_the_book_equals_the_broker(
    make_rig: Callable[..., Rig], liquid_codes: list[str], algo: AlgoName, price_type: PriceType
) -> None:
    rig = make_rig()
    code = liquid_codes[0]
    ref = rig.counter.market.reference(code)
    assert ref is not None
    # A market-type task keeps a protective price for the book; the broker is sent 0.
    price = _ref_limit(rig, code, "up") if price_type is PriceType.LIMIT else ref.pre_close
    spec = AlgoSpec(algo, "09:30:00", "09:45:00", (("m_dLimitOverRate", 0.2),))
    request = OrderRequest(code, Side.BUY, 3000, price_type, price, strategy="algo-test", algo=spec)
    cid = rig.place(request)
    task_id = _wait_task_id(rig, cid)
    parent = _parent(rig, cid)
    assert parent.status == OrderStatus.LIVE.value and parent.broker_order_id is None
    assert json.loads(parent.algo_json or "")["name"] == algo.value
    task = _task(rig, cid)
    assert task["task_id"] == task_id and task["algo_name"] == algo.value
    assert task["strategy_name"] == "algo-test"
    [sent] = [t for t in rig.counter.state()["algo"]["tasks"] if t["task_id"] == task_id]  # at the broker
    assert sent["price_type"] == (11 if price_type is PriceType.LIMIT else 12)
    assert sent["price"] == (price if price_type is PriceType.LIMIT else 0.0)
    assert sent["algo_param"]["m_dLimitOverRate"] == 0.2
    assert sent["algo_param"]["m_strCmdRemark"] == cid

    _step(rig, 5)  # mid-window: some slices placed and traded, the task still runs
    mid = _parent(rig, cid)
    assert mid.status in (OrderStatus.LIVE.value, OrderStatus.PARTIALLY_FILLED.value)
    assert 0 < len(_children(rig, cid)) < 15
    assert [o.client_order_id for o in rig.service.get_open_orders(ACCOUNT)] == [cid]

    _step(rig, 15)
    report = rig.settle()
    assert report.matched, report.summary()
    parent = _parent(rig, cid)
    assert parent.status == OrderStatus.FILLED.value and parent.filled_volume == 3000
    assert _task(rig, cid)["task_status"] == xtconstant.OCS_TASK_STATUS_FINISHED
    children = _children(rig, cid)
    assert len(children) > 1 and all(c.status == OrderStatus.FILLED.value for c in children)
    assert sum(c.volume for c in children) == 3000
    _assert_parent_is_sum_of_children(rig, cid)
    _assert_trades_booked_once(rig)
    rig.assert_book_equals_broker()
    assert rig.service.get_open_orders(ACCOUNT) == []
    [position] = rig.service.get_current_positions(ACCOUNT)
    assert position.code == code and position.volume == 3000
    views = {o.client_order_id: o for o in rig.service.get_orders(ACCOUNT)}
    assert views[cid].algo == algo.value and views[cid].filled_volume == 3000
    assert {views[c.client_order_id].parent_client_order_id for c in children} == {cid}
    assert {c.price_type for c in children} == {price_type.value}


# -- cancelling the task ----------------------------------------------------------------------------
def test_cancelling_the_parent_mid_window_stops_the_task(
    make_rig: Callable[..., Rig], liquid_codes: list[str]
) -> None:
    rig = make_rig()
    code = liquid_codes[1]
    spec = AlgoSpec(AlgoName.VWAP, "09:30:00", "10:30:00")
    cid = rig.place(OrderRequest(code, Side.BUY, 6000, price=_ref_limit(rig, code, "up"), algo=spec))
    _wait_task_id(rig, cid)
    _step(rig, 10)
    placed_before = len(_task(rig, cid)["order_id_list"])
    assert 0 < placed_before < 60
    rig.oms.cancel_order(cid)
    assert wait_for(lambda: _parent(rig, cid).status in ("cancel_pending", "cancelled"), 10)
    _step(rig, 30)  # the rest of the window: nothing more may be placed
    report = rig.settle()
    assert report.matched, report.summary()
    task = _task(rig, cid)
    assert task["task_status"] == xtconstant.OCS_TASK_STATUS_CANCELED
    assert len(task["order_id_list"]) == placed_before
    parent = _parent(rig, cid)
    assert parent.status == OrderStatus.CANCELLED.value and parent.cancel_requested
    assert 0 < parent.filled_volume < 6000
    assert all(OrderStatus(c.status).is_final for c in _children(rig, cid))
    _assert_parent_is_sum_of_children(rig, cid)
    _assert_trades_booked_once(rig)
    rig.assert_book_equals_broker()
    assert rig.service.get_open_orders(ACCOUNT) == []


def test_cancel_sent_before_the_task_id_is_known_still_reaches_the_task(
    make_rig: Callable[..., Rig], liquid_codes: list[str]
) -> None:
    rig = make_rig()
    code = liquid_codes[2]
    spec = AlgoSpec(AlgoName.TWAP, "09:40:00", "10:00:00")  # nothing is placed before 09:40
    cid = rig.place(OrderRequest(code, Side.BUY, 1000, price=_ref_limit(rig, code, "up"), algo=spec))
    rig.oms.cancel_order(cid)  # the task's answer may or may not have been applied yet
    assert wait_for(lambda: _parent(rig, cid).status == OrderStatus.CANCELLED.value, 10)
    _step(rig, 40)
    report = rig.settle()
    assert report.matched, report.summary()
    assert _task(rig, cid)["task_status"] == xtconstant.OCS_TASK_STATUS_CANCELED
    assert _children(rig, cid) == [] and _task(rig, cid)["order_id_list"] == []
    assert _parent(rig, cid).status == OrderStatus.CANCELLED.value
    rig.assert_book_equals_broker()


def test_open_children_are_reserved_once_through_their_parent(
    make_rig: Callable[..., Rig], liquid_codes: list[str]
) -> None:
    code, other = liquid_codes[3], liquid_codes[4]
    rig = make_rig(holdings={other: (5000, 10.0)})
    fees = FeeSchedule()
    buy_price = _ref_limit(rig, code, "down")  # resting bids: the children stay open
    sell_price = _ref_limit(rig, other, "up")  # resting offers likewise
    buy = rig.place(
        OrderRequest(
            code, Side.BUY, 2000, price=buy_price, algo=AlgoSpec(AlgoName.TWAP, "09:30:00", "09:40:00")
        )
    )
    sell = rig.place(
        OrderRequest(
            other, Side.SELL, 3000, price=sell_price, algo=AlgoSpec(AlgoName.VWAP, "09:30:00", "09:40:00")
        )
    )
    _wait_task_id(rig, buy)
    _wait_task_id(rig, sell)
    _step(rig, 4)
    open_children = [c for c in _children(rig, buy) if OrderStatus(c.status).is_open]
    assert open_children and all(c.filled_volume == 0 for c in open_children)
    assert [c for c in _children(rig, sell) if OrderStatus(c.status).is_open]
    listed = [o.client_order_id for o in rig.service.get_open_orders(ACCOUNT)]
    assert listed == [buy, sell]  # the parents stand for their children
    everything = rig.service.get_open_orders(ACCOUNT, include_children=True)
    assert {o.parent_client_order_id for o in everything} == {None, buy, sell}
    value = yuan_to_fen(buy_price) * 2000  # the parent's whole remainder, children or not
    cash = rig.service.get_cash_and_asset(ACCOUNT)
    assert yuan_to_fen(cash.frozen) == value + fees.fees(Side.BUY, value).total
    [held] = [p for p in rig.service.get_current_positions(ACCOUNT) if p.code == other]
    assert held.sellable == 5000 - 3000
    # One child cancelled on its own: it ends, its task goes on.
    lone = next(c for c in _children(rig, sell) if OrderStatus(c.status).is_open)
    rig.oms.cancel_order(lone.client_order_id)
    _step(rig, 1)
    assert _parent(rig, lone.client_order_id.split("/")[0]).status == OrderStatus.LIVE.value
    assert wait_for(lambda: _parent(rig, lone.client_order_id).status == OrderStatus.CANCELLED.value, 10)
    # A sweep like the kill-switch's: every open row, parents first; the children go with their task.
    for row in [r for r in _rows(rig) if OrderStatus(r.status).is_open]:
        rig.oms.cancel_order(row.client_order_id)
    _step(rig, 2)
    report = rig.settle()
    assert report.matched, report.summary()
    assert {_parent(rig, buy).status, _parent(rig, sell).status} == {OrderStatus.CANCELLED.value}
    assert all(c.status == OrderStatus.CANCELLED.value for c in _children(rig, buy) + _children(rig, sell))
    assert not [m for k, m in rig.oms.alerts if k == "cancel_rejected"]
    assert rig.service.get_cash_and_asset(ACCOUNT).frozen == 0
    rig.assert_book_equals_broker()


# -- the broker says no -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("window", "volume", "reason"),
    [
        (("11:30:00", "12:30:00"), 1000, "时间段"),  # the window holds no trading minute
        (("09:30:00", "09:40:00"), 5_000_000, "资金"),  # the task as a whole cannot be paid for
    ],
)
def test_a_task_the_broker_refuses_ends_rejected_with_its_reason(
    make_rig: Callable[..., Rig],
    liquid_codes: list[str],
    window: tuple[str, str],
    volume: int,
    reason: str,
) -> None:
    rig = make_rig()
    code = liquid_codes[0]
    spec = AlgoSpec(AlgoName.TWAP, *window)
    cid = rig.place(OrderRequest(code, Side.BUY, volume, price=_ref_limit(rig, code, "up"), algo=spec))
    assert wait_for(lambda: _parent(rig, cid).status == OrderStatus.REJECTED.value, 10)
    parent = _parent(rig, cid)
    assert reason in parent.status_msg and parent.reject_source == "broker"
    assert parent.algo_task_id is None
    assert wait_for(lambda: any(k == "order_rejected" and reason in m for k, m in rig.oms.alerts), 10)
    _step(rig, 12)
    report = rig.settle()
    assert report.matched, report.summary()
    assert _parent(rig, cid).status == OrderStatus.REJECTED.value  # and it stays so
    assert rig.counter.query_smart_algo_task(ACCOUNT) == [] and _children(rig, cid) == []
    assert rig.service.get_open_orders(ACCOUNT) == []
    rig.assert_book_equals_broker()


def test_a_task_whose_every_child_is_refused_ends_rejected(
    make_rig: Callable[..., Rig], liquid_codes: list[str]
) -> None:
    rig = make_rig()
    code = liquid_codes[1]
    spec = AlgoSpec(AlgoName.TWAP, "09:30:00", "09:33:00")
    cid = rig.place(OrderRequest(code, Side.BUY, 300, price=_ref_limit(rig, code, "up"), algo=spec))
    _wait_task_id(rig, cid)
    rig.counter.faults.reject_next(3, "柜台拒绝委托: 测试")
    _step(rig, 5)
    report = rig.settle()
    assert report.matched, report.summary()
    children = _children(rig, cid)
    assert len(children) == 3 and {c.status for c in children} == {OrderStatus.REJECTED.value}
    parent = _parent(rig, cid)
    assert parent.status == OrderStatus.REJECTED.value and "测试" in parent.status_msg
    assert parent.filled_volume == 0
    rig.assert_book_equals_broker()


# -- faults -------------------------------------------------------------------------------------------
def test_duplicated_and_reordered_pushes_book_each_trade_once(
    make_rig: Callable[..., Rig], liquid_codes: list[str]
) -> None:
    plan = FaultPlan(seed=7)
    rig = make_rig(faults=plan)
    code = liquid_codes[2]
    spec = AlgoSpec(AlgoName.TWAP, "09:30:00", "09:50:00")
    cid = rig.place(OrderRequest(code, Side.BUY, 4000, price=_ref_limit(rig, code, "up"), algo=spec))
    _wait_task_id(rig, cid)
    plan.duplicate_pushes("trade", times=3, n=8)
    plan.duplicate_pushes("order", times=2, n=8)
    plan.hold_pushes("order", n=3)  # children whose trades come before any order push
    plan.hold_pushes("trade", n=3)  # trades that come after their order says "filled"
    _step(rig, 8)
    plan.chaos(duplicate=0.3, delay=0.3, kinds=("order", "trade"))
    _step(rig, 16)
    plan.calm()
    report = rig.settle()
    assert report.matched, report.summary()
    assert any("duplicated" in line for line in plan.log) and any("held" in line for line in plan.log)
    _assert_trades_booked_once(rig)
    _assert_parent_is_sum_of_children(rig, cid)
    parent = _parent(rig, cid)
    assert parent.status == OrderStatus.FILLED.value and parent.filled_volume == 4000
    assert {c.status for c in _children(rig, cid)} == {OrderStatus.FILLED.value}
    rig.assert_book_equals_broker()


def test_a_restart_picks_up_the_children(make_rig: Callable[..., Rig], liquid_codes: list[str]) -> None:
    rig = make_rig()
    code = liquid_codes[3]
    price = _ref_limit(rig, code, "up")
    running = rig.place(
        OrderRequest(code, Side.BUY, 3000, price=price, algo=AlgoSpec(AlgoName.VWAP, "09:30:00", "09:50:00"))
    )
    waiting = rig.place(  # its window has not begun: no child yet, only the task
        OrderRequest(code, Side.BUY, 1000, price=price, algo=AlgoSpec(AlgoName.TWAP, "10:30:00", "10:40:00"))
    )
    _wait_task_id(rig, running)
    _wait_task_id(rig, waiting)
    _step(rig, 6)
    rig.settle()
    before = {c.client_order_id for c in _children(rig, running)}
    assert before
    first_run = rig.oms.run_id
    rig.close()
    rig.advance(20)  # the task keeps slicing and trading while the workstation is down
    rig.connect()  # a new OrderManager on the same store
    assert rig.oms.run_id != first_run
    report = rig.settle()
    assert report.matched, report.summary()
    assert not report.not_found
    after = _children(rig, running)
    assert before < {c.client_order_id for c in after}  # the old rows kept, the new ones added
    assert len({c.broker_order_id for c in after}) == len(after)
    assert _parent(rig, running).status == OrderStatus.FILLED.value
    _assert_parent_is_sum_of_children(rig, running)
    assert _parent(rig, waiting).status == OrderStatus.LIVE.value  # not given up as "not found"
    _step(rig, 60)
    report = rig.settle()
    assert report.matched, report.summary()
    assert _parent(rig, waiting).status == OrderStatus.FILLED.value
    _assert_parent_is_sum_of_children(rig, waiting)
    _assert_trades_booked_once(rig)
    rig.assert_book_equals_broker()


# -- the records ----------------------------------------------------------------------------------------
def test_algo_events_survive_the_journal() -> None:
    events = [
        AlgoTaskAck(
            account_id=ACCOUNT,
            client_order_id="AIX0000001",
            task_id=7,
            strategy_name="s",
            error_msg="",
            seq=3,
        ),
        AlgoTaskCancelAck(account_id=ACCOUNT, task_id=7, success=False, reason="r", error_msg="e", seq=4),
        AlgoTaskReport(
            account_id=ACCOUNT,
            task_id=7,
            broker_status=1003,
            task_msg="任务完成",
            client_order_id="AIX0000001",
            strategy_name="s",
            algo_name="VWAP",
            volume=1000,
            traded_volume=1000,
            child_order_ids=(11, 12),
            start_time=1,
            end_time=2,
            cancel_time=0,
        ),
    ]
    for event in events:
        payload = json.loads(json.dumps(event.to_payload(), ensure_ascii=False))
        assert event_from_payload(event.kind, payload) == event
    report = events[2]
    assert isinstance(report, AlgoTaskReport)
    assert report.state is AlgoTaskState.FINISHED and report.state.ended


def test_task_states_and_price_types_are_xtquants() -> None:
    for code, state in convert.ALGO_TASK_STATES.items():
        assert state.value == code
    assert AlgoTaskState.of(1001) is AlgoTaskState.RUNNING and AlgoTaskState.of(9) is None
    assert convert.algo_price_type(PriceType.LIMIT) == xtconstant.PRTP_FIX == 11
    assert {convert.algo_price_type(p) for p in PriceType if p is not PriceType.LIMIT} == {
        xtconstant.PRTP_MARKET
    }
    report = convert.algo_task_report(
        {"task_id": 3, "task_status": 1001, "business_num": "", "order_id_list": [5], "order_remark": "r"},
        ACCOUNT,
    )
    assert (report.traded_volume, report.child_order_ids, report.state) == (0, (5,), AlgoTaskState.RUNNING)


# -- lost answers and foreign remarks -------------------------------------------------------------------
def test_lost_task_answers_are_filled_in_from_the_task_list(
    make_rig: Callable[..., Rig], liquid_codes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The broker's answers to the task order and to its cancel never reach us.
    monkeypatch.setattr(_Callback, "on_smart_algo_order_async_response", lambda self, response: None)
    monkeypatch.setattr(_Callback, "on_operate_smart_task_async_response", lambda self, response: None)
    rig = make_rig()
    code = liquid_codes[4]
    price = _ref_limit(rig, code, "up")
    spec = AlgoSpec(AlgoName.TWAP, "09:30:00", "09:40:00")
    done = rig.place(OrderRequest(code, Side.BUY, 1000, price=price, algo=spec))
    stopped = rig.place(
        OrderRequest(code, Side.BUY, 1000, price=price, algo=AlgoSpec(AlgoName.TWAP, "10:00:00", "10:10:00"))
    )
    task_id = _wait_task_id(rig, done)  # learned from the task list the account poll reads
    assert task_id == _task(rig, done)["task_id"]
    _wait_task_id(rig, stopped)
    report = rig.settle()  # a reconciliation does not give up on a task with no order of its own
    assert report.matched and not report.not_found, report.summary()
    rig.oms.cancel_order(stopped)
    assert wait_for(lambda: _parent(rig, stopped).status == OrderStatus.CANCELLED.value, 10)
    _step(rig, 15)
    report = rig.settle()
    assert report.matched, report.summary()
    assert _parent(rig, done).status == OrderStatus.FILLED.value
    _assert_parent_is_sum_of_children(rig, done)
    assert _task(rig, stopped)["task_status"] == xtconstant.OCS_TASK_STATUS_CANCELED
    assert _children(rig, stopped) == []
    rig.assert_book_equals_broker()


def test_children_under_a_foreign_remark_are_adopted_from_the_task_list(
    make_rig: Callable[..., Rig], liquid_codes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Should a broker stamp the children with another remark, only the task list links them.
    for name in ("order_update", "trade_report"):
        make = getattr(convert, name)

        def foreign(obj: Any, make: Callable[[Any], Any] = make) -> Any:
            event = make(obj)
            return dataclasses.replace(event, order_remark="投资备注") if event.order_remark else event

        monkeypatch.setattr(convert, name, foreign)
    rig = make_rig()
    code = liquid_codes[0]
    spec = AlgoSpec(AlgoName.VWAP, "09:30:00", "09:40:00")
    cid = rig.place(OrderRequest(code, Side.BUY, 2000, price=_ref_limit(rig, code, "up"), algo=spec))
    _wait_task_id(rig, cid)
    _step(rig, 12)
    report = rig.settle()
    assert report.matched, report.summary()
    assert [r.origin for r in _rows(rig) if r.origin == "external"] == []
    assert _parent(rig, cid).status == OrderStatus.FILLED.value
    _assert_parent_is_sum_of_children(rig, cid)
    _assert_trades_booked_once(rig)
    rig.assert_book_equals_broker()
