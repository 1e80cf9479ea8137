"""Smart-algo tasks: a parent sliced into legal child orders over its window, cancellable."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sim_helpers import Sim, flat, pick, staged
from xtquant import xtconstant as xc

from aistock.core.boards import ROUND_LOT, STAR_LOT
from aistock.trading.gateways.simulator import DemoMinuteTape
from aistock.trading.gateways.simulator.algo import plan_slices

BUY, SELL = xc.STOCK_BUY, xc.STOCK_SELL
MakeSim = Callable[..., Sim]


def test_twap_places_one_child_per_slice_with_the_parents_remark(
    make_sim: MakeSim, tape: DemoMinuteTape
) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)))
    seq = sim.trader.smart_algo_order_async(
        sim.acc, code, BUY, 1000, 11, 10.0, "algo-s", "algo-r", "TWAP", "09:30:00", "09:40:00", {}
    )
    sim.rec.wait_count("on_smart_algo_order_async_response", 1)
    (response,) = sim.rec.of("on_smart_algo_order_async_response")
    assert (response.seq, response.error_msg, response.order_remark) == (seq, "", "algo-r")
    assert response.task_id > 0
    sim.counter.advance(12)
    sim.settle()
    children = sim.trader.query_stock_orders(sim.acc)
    assert [c.order_volume for c in children] == [100] * 10
    assert {(c.order_remark, c.strategy_name, c.price_type, c.order_status) for c in children} == {
        ("algo-r", "algo-s", 50, xc.ORDER_SUCCEEDED)
    }
    assert sorted({c.order_time for c in children}) == [c.order_time for c in children]  # one per minute
    (task,) = sim.trader.query_smart_algo_task(sim.acc)
    assert task["task_id"] == response.task_id and task["task_status"] == xc.OCS_TASK_STATUS_FINISHED
    assert task["business_num"] == "1000" and task["order_id_list"] == [c.order_id for c in children]


def test_cancelling_a_task_stops_slices_and_cancels_open_children(
    make_sim: MakeSim, tape: DemoMinuteTape
) -> None:
    code = pick(tape, "000")
    sim = make_sim(staged(tape, code, flat(10.0)))
    sim.trader.smart_algo_order_async(
        sim.acc, code, BUY, 2000, 11, 9.5, "s", "r", "VWAP", "09:30:00", "10:30:00", {}
    )
    sim.rec.wait_count("on_smart_algo_order_async_response", 1)
    task_id = sim.rec.of("on_smart_algo_order_async_response")[0].task_id
    sim.counter.advance(15)
    placed = len(sim.trader.query_stock_orders(sim.acc))
    assert 0 < placed < 20
    seq = sim.trader.cancel_smart_algo_task_async(sim.acc, task_id)
    sim.rec.wait_count("on_operate_smart_task_async_response", 1)
    (response,) = sim.rec.of("on_operate_smart_task_async_response")
    assert (response.seq, response.success, response.task_id) == (seq, True, task_id)
    sim.counter.advance(60)
    orders = sim.trader.query_stock_orders(sim.acc)
    assert len(orders) == placed
    assert {o.order_status for o in orders} == {xc.ORDER_CANCELED}
    (task,) = sim.trader.query_smart_algo_task(sim.acc)
    assert task["task_status"] == xc.OCS_TASK_STATUS_CANCELED and task["cancel_time"] > 0
    sim.trader.cancel_smart_algo_task_async(sim.acc, task_id)
    sim.rec.wait_count("on_operate_smart_task_async_response", 2)
    assert sim.rec.of("on_operate_smart_task_async_response")[1].success is False


@pytest.mark.parametrize(
    ("price_type", "algo", "window", "message"),
    [
        (xc.LATEST_PRICE, "TWAP", ("09:30:00", "10:00:00"), "报价类型"),
        (11, "ICEBERG", ("09:30:00", "10:00:00"), "不支持的算法"),
        (11, "TWAP", ("11:30:00", "12:30:00"), "时间段"),
    ],
)
def test_bad_algo_orders_are_answered_with_an_error(
    make_sim: MakeSim, tape: DemoMinuteTape, price_type: int, algo: str, window: tuple[str, str], message: str
) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)))
    sim.trader.smart_algo_order_async(sim.acc, code, BUY, 1000, price_type, 10.0, "s", "r", algo, *window, {})
    sim.rec.wait_count("on_smart_algo_order_async_response", 1)
    (response,) = sim.rec.of("on_smart_algo_order_async_response")
    assert response.task_id == -1 and message in response.error_msg
    assert sim.trader.query_smart_algo_task(sim.acc) == []


def test_the_window_is_checked_in_the_caller_and_params_are_described(
    make_sim: MakeSim, tape: DemoMinuteTape
) -> None:
    code = pick(tape, "600")
    sim = make_sim()
    with pytest.raises(ValueError, match="开始时间需小于截止时间"):
        sim.trader.smart_algo_order_async(
            sim.acc, code, BUY, 100, 11, 10.0, "", "", "TWAP", "10:00:00", "09:30:00", {}
        )
    with pytest.raises(ValueError, match="HH:MM:SS"):
        sim.trader.smart_algo_order_async(
            sim.acc, code, BUY, 100, 11, 10.0, "", "", "TWAP", "10:00", "11:00:00", {}
        )
    params = sim.trader.get_smart_algo_param(["VWAP", "NOPE"])
    assert list(params) == ["VWAP"] and {p["key"] for p in params["VWAP"]} >= {"m_dLimitOverRate"}


@pytest.mark.parametrize("algo", ["TWAP", "VWAP"])
@pytest.mark.parametrize(
    ("volume", "lot", "minutes"), [(1000, ROUND_LOT, 30), (3050, ROUND_LOT, 7), (999, STAR_LOT, 60)]
)
def test_slices_are_legal_and_add_up(algo: str, volume: int, lot: object, minutes: int) -> None:
    window = list(range(10, 10 + minutes))
    slices = plan_slices(algo, volume, window, lot, 240)  # type: ignore[arg-type]
    assert sum(v for _, v in slices) == volume
    assert [m for m, _ in slices] == sorted({m for m, _ in slices}) and set(m for m, _ in slices) <= set(
        window
    )
    for _, v in slices[:-1]:
        assert lot.is_valid_buy(v)  # type: ignore[attr-defined]
    assert slices[-1][1] >= lot.min_volume  # type: ignore[attr-defined]


def test_vwap_leans_on_the_open_and_the_close() -> None:
    slices = plan_slices("VWAP", 120_000, list(range(240)), ROUND_LOT, 240)
    sizes = [v for _, v in slices]
    assert sizes[0] > sizes[120] < sizes[-2]
