"""Orders at the simulated counter: xtquant objects, A-share rejections, matching, fees, freezing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sim_helpers import ACCOUNT, Sim, flat, pick, staged
from xtquant import xtconstant as xc
from xtquant.xttype import XtAsset, XtOrder, XtOrderError, XtPosition, XtTrade

from aistock.core.calendar import SHANGHAI
from aistock.trading.gateways.simulator import DemoMinuteTape, MinuteBar, MinuteTape

BUY, SELL, LIMIT = xc.STOCK_BUY, xc.STOCK_SELL, xc.FIX_PRICE
MakeSim = Callable[..., Sim]


def epoch(day: dt.date, hh: int, mm: int) -> int:
    return int(dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=SHANGHAI).timestamp())


def test_an_accepted_order_is_pushed_as_xtquant_objects(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    ref = tape.reference(code)
    assert ref is not None
    sim = make_sim()
    oid = sim.trader.order_stock(sim.acc, code, BUY, 1000, LIMIT, ref.pre_close, "strat", "remark-1")
    assert oid > 0
    sim.settle()
    assert sim.rec.names() == ["on_stock_order", "on_stock_asset"]
    order = sim.rec.of("on_stock_order")[0]
    assert isinstance(order, XtOrder)
    assert (order.account_id, order.stock_code, order.order_id) == (ACCOUNT, code, oid)
    assert isinstance(order.order_sysid, str) and order.order_sysid and order.order_sysid != str(oid)
    assert order.order_time == epoch(tape.session_day, 9, 30)
    assert (order.order_type, order.order_volume, order.price, order.price_type) == (
        BUY,
        1000,
        ref.pre_close,
        50,
    )
    assert (order.order_status, order.traded_volume, order.traded_price) == (xc.ORDER_REPORTED, 0, 0.0)
    assert (order.strategy_name, order.order_remark, order.instrument_name) == ("strat", "remark-1", ref.name)
    assert (order.direction, order.offset_flag, order.account_type) == (48, 48, xc.SECURITY_ACCOUNT)
    assert order.secu_account.startswith("A")
    asset = sim.rec.of("on_stock_asset")[0]
    assert isinstance(asset, XtAsset)
    assert asset.frozen_cash > 1000 * ref.pre_close
    assert asset.cash + asset.frozen_cash == pytest.approx(1_000_000.0)
    queried = sim.trader.query_stock_order(sim.acc, oid)
    assert queried is not order and vars(queried) == vars(order)


def test_market_orders_report_price_type_88_and_freeze_at_the_up_limit(
    make_sim: MakeSim, tape: DemoMinuteTape
) -> None:
    code = pick(tape, "000")
    ref = tape.reference(code)
    assert ref is not None and ref.up_limit is not None
    sim = make_sim()
    oid = sim.trader.order_stock(sim.acc, code, BUY, 500, xc.MARKET_SZ_INSTBUSI_RESTCANCEL, 0.0)
    latest = sim.trader.order_stock(sim.acc, code, BUY, 500, xc.LATEST_PRICE, 0.0)
    sim.settle()
    assert {o.price_type for o in sim.orders()} == {88}
    frozen = sim.trader.query_stock_asset(sim.acc).frozen_cash
    assert frozen >= 1000 * ref.up_limit
    sim.counter.advance()
    sim.settle()
    bar = tape.bar(code, 0)
    assert bar is not None
    trades = sim.rec.of("on_stock_trade")
    assert {t.order_id for t in trades} == {oid, latest}
    assert {t.traded_price for t in trades} == {bar.open}  # marketable: the bar's open, inside the band


def _seed(tape: MinuteTape, code: str) -> dict[str, tuple[int, float]]:
    ref = tape.reference(code)
    assert ref is not None
    return {code: (1000, ref.pre_close)}


REJECTIONS: list[tuple[str, str, Callable[[MinuteTape, str], tuple[int, int, int, float]], str]] = [
    (
        "above the up limit",
        "600",
        lambda t, c: (BUY, 100, LIMIT, t.reference(c).up_limit + 0.01),
        "委托价格超出涨跌停范围",
    ),  # type: ignore[union-attr, operator]
    (
        "below the down limit",
        "600",
        lambda t, c: (SELL, 100, LIMIT, t.reference(c).down_limit - 0.01),
        "委托价格超出涨跌停范围",
    ),  # type: ignore[union-attr, operator]
    (
        "off the tick",
        "600",
        lambda t, c: (BUY, 100, LIMIT, t.reference(c).pre_close + 0.005),
        "委托价格不是最小变动价位的整数倍",
    ),  # type: ignore[union-attr]
    (
        "main board 150",
        "600",
        lambda t, c: (BUY, 150, LIMIT, t.reference(c).pre_close),
        "委托数量不符合交易单位",
    ),  # type: ignore[union-attr]
    ("STAR 150", "688", lambda t, c: (BUY, 150, LIMIT, t.reference(c).pre_close), "委托数量不符合交易单位"),  # type: ignore[union-attr]
    (
        "sell more than held",
        "600",
        lambda t, c: (SELL, 1100, LIMIT, t.reference(c).pre_close),
        "可用股份不足",
    ),  # type: ignore[union-attr]
    (
        "sell an odd size",
        "600",
        lambda t, c: (SELL, 150, LIMIT, t.reference(c).pre_close),
        "委托数量不符合交易单位",
    ),  # type: ignore[union-attr]
    (
        "SH-only type on SZ",
        "000",
        lambda t, c: (BUY, 100, xc.MARKET_SH_CONVERT_5_CANCEL, 0.0),
        "该市场不支持此报价类型",
    ),
    ("not enough cash", "600", lambda t, c: (BUY, 100_000, LIMIT, t.reference(c).pre_close), "可用资金不足"),  # type: ignore[union-attr]
]


@pytest.mark.parametrize(("case", "prefix", "ask", "message"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_illegal_orders_become_junk_with_the_counters_reason(
    make_sim: MakeSim, tape: DemoMinuteTape, case: str, prefix: str, ask: Any, message: str
) -> None:
    code = pick(tape, prefix)
    sim = make_sim(cash=100_000.0, holdings=_seed(tape, code))
    order_type, volume, price_type, price = ask(tape, code)
    oid = sim.trader.order_stock(sim.acc, code, order_type, volume, price_type, round(price, 3), "s", "r")
    assert oid > 0  # a 废单 has an order id too
    sim.settle()
    (order,) = sim.orders()
    assert (order.order_status, order.status_msg) == (xc.ORDER_JUNK, message)
    (error,) = sim.rec.of("on_order_error")
    assert isinstance(error, XtOrderError)
    assert (error.order_id, error.error_msg, error.order_remark, error.strategy_name) == (
        oid,
        message,
        "r",
        "s",
    )
    assert error.error_id > 0
    asset = sim.trader.query_stock_asset(sim.acc)
    assert asset.frozen_cash == 0 and asset.cash == pytest.approx(100_000.0)


def test_suspended_unknown_and_after_close_orders_are_junk(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    ref = tape.reference(code)
    assert ref is not None
    halted = tape.with_reference(code, dataclasses.replace(ref, suspended=True))
    sim = make_sim(halted)
    sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, ref.pre_close)
    sim.trader.order_stock(sim.acc, "600000.SH", BUY, 100, LIMIT, 10.0)
    sim.trader.order_stock(sim.acc, "SH600000", BUY, 100, LIMIT, 10.0)
    sim.counter.advance_to(240)
    other = pick(tape, "000")
    sim.trader.order_stock(sim.acc, other, BUY, 100, LIMIT, tape.reference(other).pre_close)  # type: ignore[union-attr]
    sim.settle()
    assert [o.status_msg for o in sim.orders()] == [
        "证券停牌",
        "证券代码不存在",
        "证券代码不存在",
        "非交易时间",
    ]


def test_star_lots_are_200_then_any_share(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "688")
    market = staged(tape, code, flat(20.0))
    sim = make_sim(market)
    oid = sim.trader.order_stock(sim.acc, code, BUY, 201, LIMIT, 20.0)
    sim.counter.advance()
    sim.settle()
    assert sim.statuses(oid) == [xc.ORDER_REPORTED, xc.ORDER_SUCCEEDED]
    position = sim.trader.query_stock_position(sim.acc, code)
    assert isinstance(position, XtPosition) and position.volume == 201 and position.can_use_volume == 0


@pytest.mark.parametrize(
    ("side", "limit", "expected"),
    [
        (BUY, 9.95, 9.95),  # the low reaches the limit: fills at the limit
        (BUY, 10.05, 10.00),  # the open is better than the limit: fills at the open
        (BUY, 9.85, None),  # the low (9.90) never reaches it
        (SELL, 10.05, 10.05),
        (SELL, 9.95, 10.00),
        (SELL, 10.15, None),  # the high (10.10) never reaches it
    ],
)
def test_limit_orders_fill_at_the_better_of_open_and_limit(
    make_sim: MakeSim, tape: DemoMinuteTape, side: int, limit: float, expected: float | None
) -> None:
    code = pick(tape, "600")
    market = staged(tape, code, MinuteBar(10.00, 10.10, 9.90, 10.00, 400_000))
    sim = make_sim(market, holdings={code: (1000, 9.0)})
    oid = sim.trader.order_stock(sim.acc, code, side, 1000, LIMIT, limit)
    sim.counter.advance()
    sim.settle()
    trades = sim.rec.of("on_stock_trade")
    if expected is None:
        assert trades == [] and sim.statuses(oid) == [xc.ORDER_REPORTED]
        return
    (trade,) = trades
    assert isinstance(trade, XtTrade)
    assert (trade.order_id, trade.traded_volume, trade.traded_price) == (oid, 1000, expected)
    assert trade.traded_amount == pytest.approx(1000 * expected)
    assert trade.traded_time == epoch(tape.session_day, 9, 30)
    assert trade.order_type == side and trade.offset_flag == (48 if side == BUY else 49)


def test_a_large_order_fills_over_several_bars_under_the_participation_cap(
    make_sim: MakeSim, tape: DemoMinuteTape
) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0, volume=10_000)), participation=0.25)
    oid = sim.trader.order_stock(sim.acc, code, BUY, 7000, LIMIT, 10.0)
    sim.counter.advance(4)
    sim.settle()
    assert [t.traded_volume for t in sim.rec.of("on_stock_trade")] == [2500, 2500, 2000]
    assert sim.statuses(oid) == [50, 55, 55, 56]
    assert [o.traded_volume for o in sim.orders(order_id=oid)] == [0, 2500, 5000, 7000]
    # Each fill pushes trade, order, position, asset — in that order.
    after_accept = sim.rec.names()[2:]
    assert after_accept == ["on_stock_trade", "on_stock_order", "on_stock_position", "on_stock_asset"] * 3
    assert len({t.traded_id for t in sim.rec.of("on_stock_trade")}) == 3


def test_odd_lot_sell_remainder_fills_whole(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0, volume=400)), holdings={code: (250, 9.0)})
    oid = sim.trader.order_stock(sim.acc, code, SELL, 250, LIMIT, 10.0)
    sim.counter.advance(3)
    sim.settle()
    assert [t.traded_volume for t in sim.rec.of("on_stock_trade")] == [100, 100, 50]
    assert sim.statuses(oid)[-1] == xc.ORDER_SUCCEEDED
    assert sim.trader.query_stock_position(sim.acc, code) is None


def test_no_buy_fills_in_a_bar_locked_at_the_up_limit(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    base = staged(tape, code, MinuteBar(10.0, 10.5, 9.8, 10.2, 100_000), pre_close=10.0)
    locked = base.with_bars(code, range(0, 10), flat(11.0, volume=900_000))  # 11.00 is the up limit
    sim = make_sim(locked, holdings={code: (1000, 9.0)})
    buy = sim.trader.order_stock(sim.acc, code, BUY, 1000, LIMIT, 11.0)
    sell = sim.trader.order_stock(sim.acc, code, SELL, 500, LIMIT, 11.0)
    sim.counter.advance(10)
    sim.settle()
    trades = sim.rec.of("on_stock_trade")
    assert [(t.order_id, t.traded_price) for t in trades] == [(sell, 11.0)]  # sells into the lock do fill
    sim.counter.advance()
    sim.settle()
    buy_trades = [t for t in sim.rec.of("on_stock_trade") if t.order_id == buy]
    assert [(t.traded_volume, t.traded_price, t.traded_time) for t in buy_trades] == [
        (1000, 10.0, epoch(tape.session_day, 9, 40))
    ]


def test_no_sell_fills_in_a_bar_locked_at_the_down_limit(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "000")
    locked = staged(tape, code, flat(9.0), pre_close=10.0)  # 9.00 is the down limit
    sim = make_sim(locked, holdings={code: (1000, 9.5)})
    sell = sim.trader.order_stock(sim.acc, code, SELL, 1000, xc.MARKET_PEER_PRICE_FIRST, 0.0)
    buy = sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 9.0)
    sim.counter.advance(5)
    sim.settle()
    assert [t.order_id for t in sim.rec.of("on_stock_trade")] == [buy]
    assert sim.statuses(sell) == [xc.ORDER_REPORTED]


def test_fees_to_the_fen_per_order_with_the_minimum_commission_once(
    make_sim: MakeSim, tape: DemoMinuteTape
) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0, volume=4000)), cash=100_000.0, holdings={code: (1000, 8.0)})
    buy = sim.trader.order_stock(sim.acc, code, BUY, 1000, LIMIT, 10.0)
    sell = sim.trader.order_stock(sim.acc, code, SELL, 1000, LIMIT, 10.0)
    sim.counter.advance(3)
    sim.settle()
    trades = sim.rec.of("on_stock_trade")
    buys = [t for t in trades if t.order_id == buy]
    sells = [t for t in trades if t.order_id == sell]
    assert [t.traded_volume for t in buys] == [1000] and [t.traded_volume for t in sells] == [1000]
    # Buy ¥10,000: commission 0.025% = ¥2.50 → minimum ¥5; transfer 0.001% = ¥0.10.
    assert buys[0].commission == pytest.approx(5.10)
    # Sell ¥10,000: ¥5 minimum + stamp duty 0.05% = ¥5.00 + transfer ¥0.10.
    assert sells[0].commission == pytest.approx(10.10)
    asset = sim.trader.query_stock_asset(sim.acc)
    assert asset.cash == pytest.approx(100_000.0 - 10_005.10 + 9_989.90)
    assert asset.frozen_cash == 0
    position = sim.trader.query_stock_position(sim.acc, code)
    # One pooled cost: (¥8,000 seeded + ¥10,005.10 bought) for 2,000 shares, half of it sold.
    assert position.volume == 1000 and position.avg_price == pytest.approx(9.00255)
    assert position.open_price == pytest.approx(9.0) and position.can_use_volume == 0


def test_a_partly_filled_order_pays_the_minimum_commission_once(
    make_sim: MakeSim, tape: DemoMinuteTape
) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0, volume=400)), cash=100_000.0)
    sim.trader.order_stock(sim.acc, code, BUY, 300, LIMIT, 10.0)
    sim.counter.advance(3)
    sim.settle()
    commissions = [t.commission for t in sim.rec.of("on_stock_trade")]
    assert commissions == pytest.approx([5.01, 0.01, 0.01])  # ¥5 minimum once, transfer fee per ¥1,000
    assert sum(commissions) == pytest.approx(5.03)


def test_frozen_cash_follows_the_unfilled_rest_and_is_released_on_cancel(
    make_sim: MakeSim, tape: DemoMinuteTape
) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0, volume=4000)), cash=100_000.0)
    oid = sim.trader.order_stock(sim.acc, code, BUY, 3000, LIMIT, 10.5)
    asset = sim.trader.query_stock_asset(sim.acc)
    # ¥31,500 + commission ¥7.88 (0.025%) + transfer ¥0.32.
    assert asset.frozen_cash == pytest.approx(31_508.20)
    assert asset.cash == pytest.approx(100_000 - 31_508.20) and asset.fetch_balance == asset.cash
    sim.counter.advance()  # 1,000 fill at 10.00 (capacity 4000 × 0.25)
    asset = sim.trader.query_stock_asset(sim.acc)
    # The rest (2,000 at up to 10.50) costs ¥21,000 + fees on the order's whole amount ¥31,000
    # (¥7.75 + ¥0.31) minus the fees already paid (¥5.00 + ¥0.10).
    assert asset.frozen_cash == pytest.approx(21_000 + 7.75 + 0.31 - 5.10)
    assert asset.market_value == pytest.approx(10_000.0)
    assert asset.total_asset == pytest.approx(asset.cash + asset.frozen_cash + asset.market_value)
    assert sim.trader.cancel_order_stock(sim.acc, oid) == 0
    assert sim.trader.query_stock_asset(sim.acc).frozen_cash > 0  # frozen until the cancel is final
    sim.counter.advance()
    asset = sim.trader.query_stock_asset(sim.acc)
    assert asset.frozen_cash == 0
    assert asset.cash == pytest.approx(100_000 - 2 * 10_005.10 + 5.0)  # two fills, one ¥5 minimum
    sim.settle()
    assert sim.statuses(oid) == [50, 55, 52, 52, 53]  # the step after the request still filled


def test_cancel_is_51_at_once_then_54_after_the_next_step(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)))
    oid = sim.trader.order_stock(sim.acc, code, BUY, 1000, LIMIT, 9.5)  # never fills
    assert sim.trader.cancel_order_stock(sim.acc, oid) == 0
    sim.settle()
    assert sim.statuses(oid) == [xc.ORDER_REPORTED, xc.ORDER_REPORTED_CANCEL]
    assert sim.trader.query_stock_orders(sim.acc, cancelable_only=True) == []
    sim.counter.advance()
    sim.settle()
    assert sim.statuses(oid) == [50, 51, 54]
    assert sim.trader.query_stock_asset(sim.acc).frozen_cash == 0


def test_a_fill_can_still_arrive_between_the_cancel_request_and_its_effect(
    make_sim: MakeSim, tape: DemoMinuteTape
) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0, volume=2000)))
    partial = sim.trader.order_stock(sim.acc, code, BUY, 1000, LIMIT, 10.0)  # capacity 500 per bar
    sim.trader.cancel_order_stock(sim.acc, partial)
    sim.counter.advance()
    sim.settle()
    assert sim.statuses(partial) == [50, 51, 52, 53]  # filled 500 after the request, then cancelled
    assert sim.trader.query_stock_order(sim.acc, partial).traded_volume == 500

    whole = sim.trader.order_stock(sim.acc, code, BUY, 400, LIMIT, 10.0)
    sim.trader.cancel_order_stock(sim.acc, whole)
    sim.counter.advance()
    sim.settle()
    assert sim.statuses(whole) == [50, 51, 56]  # fully filled before the cancel could act
    (error,) = sim.rec.of("on_cancel_error")
    assert error.order_id == whole and "成交" in error.error_msg


def test_cancelling_a_final_or_unknown_order_fails_with_a_cancel_error(
    make_sim: MakeSim, tape: DemoMinuteTape
) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)))
    oid = sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0)
    sim.counter.advance()
    assert sim.trader.cancel_order_stock(sim.acc, oid) == -1
    assert sim.trader.cancel_order_stock(sim.acc, 987654) == -1
    sim.settle()
    first, second = sim.rec.of("on_cancel_error")
    assert (first.order_id, first.market, first.order_sysid) == (
        oid,
        xc.SH_MARKET,
        sim.orders()[0].order_sysid,
    )
    assert first.error_msg and first.error_id
    assert second.order_id == 987654


def test_cancel_by_sysid_needs_the_right_market(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)))
    first = sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 9.5)
    second = sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 9.5)
    sysids = {o.order_id: o.order_sysid for o in sim.trader.query_stock_orders(sim.acc)}
    assert sim.trader.cancel_order_stock_sysid(sim.acc, xc.SZ_MARKET, sysids[first]) == -1
    assert sim.trader.cancel_order_stock_sysid(sim.acc, "SH", sysids[first]) == 0
    assert sim.trader.cancel_order_stock_sysid(sim.acc, 0, sysids[second]) == 0
    sim.counter.advance()
    assert {o.order_status for o in sim.trader.query_stock_orders(sim.acc)} == {xc.ORDER_CANCELED}


def test_immediate_or_cancel_and_fill_or_kill(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "000")
    sim = make_sim(staged(tape, code, flat(10.0, volume=2000)))
    ioc = sim.trader.order_stock(sim.acc, code, BUY, 1000, xc.MARKET_SZ_INSTBUSI_RESTCANCEL, 0.0)
    fok = sim.trader.order_stock(sim.acc, code, BUY, 1000, xc.MARKET_SZ_FULL_OR_CANCEL, 0.0)
    fits = sim.trader.order_stock(sim.acc, code, BUY, 400, xc.MARKET_SZ_FULL_OR_CANCEL, 0.0)
    sim.counter.advance()
    sim.settle()
    assert sim.statuses(ioc) == [50, 55, 53]
    assert sim.statuses(fok) == [50, 54]
    assert sim.statuses(fits) == [50, 56]
    assert sim.trader.query_stock_asset(sim.acc).frozen_cash == 0


def test_roll_day_expires_live_orders_and_releases_t_plus_one(
    make_sim: MakeSim, tapes: list[DemoMinuteTape]
) -> None:
    day1, day2 = tapes[0], tapes[1]
    code = pick(day1, "600")
    sim = make_sim(staged(day1, code, flat(10.0)))
    bought = sim.trader.order_stock(sim.acc, code, BUY, 1000, LIMIT, 10.0)
    resting = sim.trader.order_stock(sim.acc, code, BUY, 1000, LIMIT, 9.5)
    sim.counter.advance()
    sell_today = sim.trader.order_stock(sim.acc, code, SELL, 1000, LIMIT, 10.0)
    sim.settle()
    assert sim.orders(order_id=sell_today)[-1].status_msg == "可用股份不足"  # T+1
    sim.counter.roll_day(day2)
    sim.settle()
    assert sim.statuses(resting)[-1] == xc.ORDER_CANCELED
    assert sim.trader.query_stock_orders(sim.acc) == [] and sim.trader.query_stock_trades(sim.acc) == []
    asset = sim.trader.query_stock_asset(sim.acc)
    assert asset.frozen_cash == 0
    position = sim.trader.query_stock_position(sim.acc, code)
    assert (position.volume, position.can_use_volume, position.yesterday_volume) == (1000, 1000, 1000)
    assert position.last_price == day2.reference(code).pre_close  # type: ignore[union-attr]
    assert sim.counter.session_day == day2.session_day and sim.counter.minute == 0
    sold = sim.trader.order_stock(sim.acc, code, SELL, 1000, LIMIT, day2.reference(code).down_limit)  # type: ignore[union-attr]
    assert sold > sell_today > bought  # ids never restart
    sim.counter.advance()
    assert sim.trader.query_stock_order(sim.acc, sold).order_status == xc.ORDER_SUCCEEDED
    with pytest.raises(ValueError, match="roll forward"):
        sim.counter.roll_day(day1)


def test_queries_hand_out_fresh_objects(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)), holdings={code: (500, 9.0)})
    sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0)
    sim.counter.advance()
    for query in (
        lambda: sim.trader.query_stock_orders(sim.acc),
        lambda: sim.trader.query_stock_trades(sim.acc),
        lambda: sim.trader.query_stock_positions(sim.acc),
    ):
        first, second = query(), query()
        assert len(first) == 1 and first[0] is not second[0] and vars(first[0]) == vars(second[0])
        first[0].stock_code = "mutated"
        assert query()[0].stock_code == code
    assert sim.trader.query_stock_position(sim.acc, pick(tape, "000")) is None
    assert sim.trader.query_stock_asset(sim.acc) is not sim.trader.query_stock_asset(sim.acc)


def test_orders_can_report_waiting_before_reported(make_sim: MakeSim, tape: DemoMinuteTape) -> None:
    code = pick(tape, "600")
    sim = make_sim(staged(tape, code, flat(10.0)), report_waiting=True)
    oid = sim.trader.order_stock(sim.acc, code, BUY, 100, LIMIT, 10.0)
    sim.counter.advance()
    sim.settle()
    assert sim.statuses(oid) == [xc.ORDER_WAIT_REPORTING, xc.ORDER_REPORTED, xc.ORDER_SUCCEEDED]
