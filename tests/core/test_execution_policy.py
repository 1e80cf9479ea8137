"""The execution policy: pricing at the band's edges, routing thresholds, the trading clock, slices."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aistock.core.boards import BJ_LOT, ROUND_LOT, STAR_LOT, LotRule
from aistock.core.execution_policy import (
    ExecutionPolicy,
    ExecutionPolicyConfig,
    ExecutionPolicyError,
    Liquidity,
    PricingMode,
    ScheduledOrder,
    offset_limit_price,
    split_volume,
)
from aistock.core.fees import Side
from aistock.core.orders import AlgoName, AlgoSpec, OrderRequest, PriceType
from aistock.core.risk import Quote

MAIN = "600000.SH"
STAR = "688981.SH"
T = dt.time
ILLIQUID = Liquidity(avg_turnover=1_000_000.0, avg_volume=10_000_000.0)
"""Known, not liquid, and with an ADV so large the volume rule never fires."""


def order(code: str = MAIN, side: Side = Side.BUY, volume: int = 1000, price: float = 10.0) -> OrderRequest:
    return OrderRequest(code, side, volume, PriceType.LIMIT, price=price, strategy="s1")


def quote(code: str = MAIN, last: float = 10.0, up: float | None = 11.0, down: float | None = 9.0) -> Quote:
    return Quote(code, last, pre_close=10.0, up_limit=up, down_limit=down)


def schedule(
    orders: list[OrderRequest],
    *,
    quotes: dict[str, Quote] | None = None,
    liquidity: dict[str, Liquidity] | None = None,
    now: dt.time | None = None,
    **config: Any,
) -> list[ScheduledOrder]:
    policy = ExecutionPolicy(ExecutionPolicyConfig(**config))
    qs = quotes if quotes is not None else {o.code: quote(o.code) for o in orders}
    liq = liquidity if liquidity is not None else {o.code: ILLIQUID for o in orders}
    return policy.schedule(orders, qs, liq, now=now)


def one(result: list[ScheduledOrder]) -> ScheduledOrder:
    assert len(result) == 1, result
    return result[0]


# --- the limit price ---------------------------------------------------------------------------


def test_offset_rounds_buys_up_and_sells_down_to_the_tick() -> None:
    assert offset_limit_price(Side.BUY, 10.0, 20) == 10.02
    assert offset_limit_price(Side.SELL, 10.0, 20) == 9.98
    assert offset_limit_price(Side.BUY, 10.01, 20) == 10.04  # 10.03002 → up
    assert offset_limit_price(Side.SELL, 10.01, 20) == 9.98  # 9.98998 → down
    assert offset_limit_price(Side.BUY, 10.0, 0) == 10.0
    assert offset_limit_price(Side.SELL, 0.01, 20) == 0.01  # never below one tick


def test_offset_is_clamped_into_the_band_at_each_edge() -> None:
    # Buy: 10.97 → 10.99194 → 11.00 lands exactly on limit-up; 10.98 → 11.01 is clamped to it.
    assert offset_limit_price(Side.BUY, 10.97, 20, up_limit=11.0, down_limit=9.0) == 11.0
    assert offset_limit_price(Side.BUY, 10.98, 20, up_limit=11.0, down_limit=9.0) == 11.0
    assert offset_limit_price(Side.BUY, 11.0, 20, up_limit=11.0, down_limit=9.0) == 11.0
    # Sell: 9.03 → 9.01194 → 9.01 stays; 9.02 → 9.00196 → 9.00 exactly; 9.01 → 8.99 is clamped.
    assert offset_limit_price(Side.SELL, 9.03, 20, up_limit=11.0, down_limit=9.0) == 9.01
    assert offset_limit_price(Side.SELL, 9.02, 20, up_limit=11.0, down_limit=9.0) == 9.0
    assert offset_limit_price(Side.SELL, 9.01, 20, up_limit=11.0, down_limit=9.0) == 9.0
    # Unknown band (a new listing): no clamp.
    assert offset_limit_price(Side.BUY, 10.98, 20) == 11.01


def test_schedule_names_the_clamp_in_its_rule() -> None:
    s = one(schedule([order()], quotes={MAIN: quote(last=10.98)}))
    assert (s.request.price_type, s.request.price) == (PriceType.LIMIT, 11.0)
    assert s.rule == "limit +20bps (clamped to limit-up 11.00)"
    sell = one(schedule([order(side=Side.SELL)], quotes={MAIN: quote(last=9.01)}))
    assert (sell.request.price, sell.rule) == (9.0, "limit -20bps (clamped to limit-down 9.00)")
    plain = one(schedule([order()], quotes={MAIN: quote(last=10.5)}))
    assert (plain.request.price, plain.rule) == (10.53, "limit +20bps")


# --- liquid or not --------------------------------------------------------------------------


def test_liquid_names_take_the_liquid_pricing_from_the_threshold_up() -> None:
    at_line = Liquidity(avg_turnover=50_000_000.0, avg_volume=10_000_000.0)
    s = one(schedule([order()], liquidity={MAIN: at_line}, quotes={MAIN: quote(last=10.5)}))
    assert (s.request.price_type, s.request.price, s.rule) == (PriceType.LATEST, 10.5, "latest (liquid)")
    below = Liquidity(avg_turnover=49_999_999.0, avg_volume=10_000_000.0)
    assert one(schedule([order()], liquidity={MAIN: below})).rule == "limit +20bps"


@pytest.mark.parametrize(
    "liquidity",
    [{}, {MAIN: Liquidity()}, {MAIN: Liquidity(avg_turnover=math.nan, avg_volume=1e9)}],
    ids=["missing", "nan", "turnover-nan"],
)
def test_unknown_liquidity_is_not_liquid(liquidity: dict[str, Liquidity]) -> None:
    s = one(schedule([order()], liquidity=liquidity))
    assert (s.request.price_type, s.rule) == (PriceType.LIMIT, "limit +20bps")


def test_market_pricing_is_best_five_or_cancel_with_the_last_as_protective_price() -> None:
    s = one(schedule([order()], pricing="market", quotes={MAIN: quote(last=10.5)}))
    assert (s.request.price_type, s.request.price) == (PriceType.BEST5_OR_CANCEL, 10.5)
    assert s.rule == "market (best 5 or cancel)"


def test_no_quote_falls_back_to_the_planned_price_and_none_at_all_is_refused() -> None:
    s = one(schedule([order(price=10.0)], quotes={}))
    assert s.request.price == 10.02
    latest = OrderRequest(MAIN, Side.BUY, 100, PriceType.LATEST)
    with pytest.raises(ExecutionPolicyError, match="no quote and no price"):
        schedule([latest], quotes={})


# --- smart algos -------------------------------------------------------------------------------


def test_algo_value_threshold_is_inclusive() -> None:
    at_value = one(schedule([order(volume=100_000)]))  # 100,000 × 10.00 = ¥1,000,000
    assert at_value.request.algo == AlgoSpec(AlgoName.VWAP, "09:35:00", "10:35:00")
    assert (at_value.request.price_type, at_value.request.price) == (PriceType.LIMIT, 10.02)
    assert at_value.rule == "VWAP algo (value ≥ ¥1,000,000), limit cap +20bps"
    assert (at_value.slice_index, at_value.slice_count, at_value.not_before) == (0, 1, T(9, 35))
    below = schedule([order(volume=99_900)])
    assert all(s.request.algo is None for s in below)


def test_algo_adv_fraction_is_exclusive() -> None:
    liq = {MAIN: Liquidity(avg_turnover=1_000_000.0, avg_volume=20_000.0)}  # 5 % = 1,000 shares
    assert one(schedule([order(volume=1000)], liquidity=liq)).request.algo is None
    above = one(schedule([order(volume=1100)], liquidity=liq))
    assert above.request.algo is not None
    assert above.rule.startswith("VWAP algo (1,100 shares > 5% of ADV 20,000)")


def test_unknown_adv_never_triggers_the_volume_rule() -> None:
    for liq in ({}, {MAIN: Liquidity(avg_turnover=1e6)}, {MAIN: Liquidity(1e6, 0.0)}):
        assert one(schedule([order(volume=5000)], liquidity=liq)).request.algo is None


def test_algo_none_never_routes_to_an_algo_and_twap_is_honoured() -> None:
    assert all(s.request.algo is None for s in schedule([order(volume=500_000)], algo=None))
    twap = one(schedule([order(volume=500_000)], algo="twap"))
    assert twap.request.algo is not None and twap.request.algo.name is AlgoName.TWAP


def test_algo_price_type_follows_the_pricing_mode() -> None:
    liquid = {MAIN: Liquidity(avg_turnover=1e9, avg_volume=1e9)}
    s = one(schedule([order(volume=200_000)], liquidity=liquid, quotes={MAIN: quote(last=10.5)}))
    assert (s.request.price_type, s.request.price) == (PriceType.LATEST, 10.5)
    assert s.rule == "VWAP algo (value ≥ ¥1,000,000), latest (liquid)"
    market = one(schedule([order(volume=200_000)], pricing="market"))
    assert market.request.price_type is PriceType.LATEST  # algos take a limit cap or latest


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        (None, "09:35:00", "10:35:00"),
        (T(9, 0), "09:35:00", "10:35:00"),
        (T(10, 0, 0, 500), "10:00:01", "11:00:01"),
        (T(10, 30), "10:30:00", "11:30:00"),  # ends at the lunch break, not 13:00
        (T(11, 0), "11:00:00", "13:30:00"),  # 30 min before lunch + 30 after
        (T(12, 0), "13:00:00", "14:00:00"),  # asked during lunch: starts at 13:00
        (T(14, 30), "14:30:00", "14:57:00"),  # cut at the closing auction
        (T(14, 56), "14:56:00", "14:57:00"),  # one minute is still a window
    ],
)
def test_algo_window_counts_trading_time(now: dt.time | None, start: str, end: str) -> None:
    s = one(schedule([order(volume=100_000)], now=now))
    assert s.request.algo is not None
    assert (s.request.algo.start_time, s.request.algo.end_time) == (start, end)
    assert s.not_before.isoformat() == start


def test_too_late_for_an_algo_falls_back_to_normal_orders() -> None:
    late = one(schedule([order(volume=100_000)], now=T(14, 56, 30)))
    assert late.request.algo is None
    assert late.request.volume == 100_000 and late.not_before == T(14, 56, 30)
    assert late.rule == "limit +20bps; no VWAP algo (value ≥ ¥1,000,000): too late in the day for its window"


def test_nothing_can_be_scheduled_from_the_closing_auction_on() -> None:
    with pytest.raises(ExecutionPolicyError, match="continuous trading ends at 14:57"):
        schedule([order()], now=T(14, 57))
    with pytest.raises(ExecutionPolicyError, match="next trading day"):
        schedule([order()], now=T(15, 30))


def test_an_order_with_its_own_algo_passes_through() -> None:
    spec = AlgoSpec(AlgoName.TWAP, "10:00:00", "11:00:00")
    mine = OrderRequest(MAIN, Side.BUY, 100, PriceType.LIMIT, price=10.0, algo=spec)
    s = one(schedule([mine], slices=3))
    assert s.request is mine and s.rule == "TWAP algo (as requested)"


# --- timing and slices -------------------------------------------------------------------------


def test_nothing_before_the_open_plus_the_delay() -> None:
    assert one(schedule([order()])).not_before == T(9, 35)
    assert one(schedule([order()], start_after_open_minutes=0)).not_before == T(9, 30)
    assert one(schedule([order()], now=T(10, 15, 7))).not_before == T(10, 15, 7)
    # 125 trading minutes after 09:30 is 13:05, not 11:35.
    assert one(schedule([order()], start_after_open_minutes=125)).not_before == T(13, 5)


def test_slices_are_legal_lots_spaced_in_trading_time() -> None:
    result = schedule([order(volume=1000)], slices=4)
    assert [s.request.volume for s in result] == [200, 200, 200, 400]
    assert [s.not_before for s in result] == [T(9, 35), T(9, 40), T(9, 45), T(9, 50)]
    assert [(s.slice_index, s.slice_count) for s in result] == [(0, 4), (1, 4), (2, 4), (3, 4)]
    assert {s.request.price for s in result} == {10.02}


def test_slices_skip_the_lunch_break() -> None:
    result = schedule([order(volume=900)], slices=3, slice_interval_minutes=10, now=T(11, 20))
    assert [s.not_before for s in result] == [T(11, 20), T(13, 0), T(13, 10)]


def test_slices_never_reach_the_closing_auction() -> None:
    result = schedule([order(volume=1000)], slices=4, now=T(14, 50))
    assert [s.not_before for s in result] == [T(14, 50), T(14, 55)]
    assert [s.request.volume for s in result] == [500, 500]
    edge = schedule([order(volume=1000)], slices=4, now=T(14, 46, 59))  # 14:56:59 still fits
    assert [s.not_before for s in edge][-1] == T(14, 56, 59)


def test_sell_odd_lot_rides_whole_in_the_last_slice() -> None:
    result = schedule([order(side=Side.SELL, volume=1050)], slices=3)
    assert [s.request.volume for s in result] == [300, 300, 450]


def test_pieces_below_one_lot_are_merged() -> None:
    assert [s.request.volume for s in schedule([order(volume=200)], slices=4)] == [100, 100]
    star = schedule([order(STAR, volume=450)], quotes={STAR: quote(STAR, 50.0, 60.0, 40.0)}, slices=3)
    assert [s.request.volume for s in star] == [225, 225]
    odd_star = schedule([order(STAR, Side.SELL, 150)], quotes={STAR: quote(STAR, 50.0, 60.0, 40.0)}, slices=3)
    assert [s.request.volume for s in odd_star] == [150]


def test_output_is_in_sending_order_sells_first_among_equals() -> None:
    orders = [order("600001.SH", Side.SELL), order(MAIN, Side.BUY, 1000)]
    result = schedule(orders, slices=2)
    assert [(s.request.code, s.not_before) for s in result] == [
        ("600001.SH", T(9, 35)),
        (MAIN, T(9, 35)),
        ("600001.SH", T(9, 40)),
        (MAIN, T(9, 40)),
    ]


LOTS = st.sampled_from([ROUND_LOT, STAR_LOT, BJ_LOT])


@settings(max_examples=200, deadline=None)
@given(lot=LOTS, volume=st.integers(1, 200_000), slices=st.integers(1, 12))
def test_split_sums_exactly_and_every_piece_is_legal(lot: LotRule, volume: int, slices: int) -> None:
    pieces = split_volume(volume, lot, slices)
    assert sum(pieces) == volume
    assert 1 <= len(pieces) <= slices
    if lot.is_valid_buy(volume):
        assert all(lot.is_valid_buy(p) for p in pieces)
    # As sells, slice after slice out of a position of exactly ``volume`` sellable shares.
    sellable = volume
    for piece in pieces:
        assert lot.is_valid_sell(piece, sellable), (pieces, sellable)
        sellable -= piece
    assert sellable == 0


@settings(max_examples=200, deadline=None)
@given(
    volume=st.integers(1, 50).map(lambda n: n * 100) | st.integers(200, 5000),
    side=st.sampled_from(Side),
    code=st.sampled_from([MAIN, STAR, "430047.BJ"]),
    slices=st.integers(1, 10),
    interval=st.integers(1, 30),
    now=st.times(),
)
def test_scheduled_slices_are_legal_and_before_the_close(
    volume: int, side: Side, code: str, slices: int, interval: int, now: dt.time
) -> None:
    if code == MAIN:
        volume = max(100, volume // 100 * 100) + (volume % 100 if side is Side.SELL else 0)
    planned = order(code, side, volume)
    try:
        result = schedule([planned], slices=slices, slice_interval_minutes=interval, now=now, algo=None)
    except ExecutionPolicyError:
        assert now > T(14, 56, 59)  # a fraction of a second past 14:56:59 counts as 14:57
        return
    assert sum(s.request.volume for s in result) == volume
    times = [s.not_before for s in result]
    assert times == sorted(times) and times[-1] < T(14, 57) and times[0] >= T(9, 35)
    assert all(not (T(11, 30) <= t < T(13, 0)) for t in times)
    assert [s.slice_index for s in result] == list(range(len(result)))


# --- config ------------------------------------------------------------------------------------


def test_config_from_mapping_takes_strings_for_enums_and_round_trips() -> None:
    config = ExecutionPolicyConfig.from_mapping(
        {"pricing": "LATEST", "liquid_pricing": "market", "algo": "twap", "limit_offset_bps": 15, "slices": 3}
    )
    assert config.pricing is PricingMode.LATEST and config.liquid_pricing is PricingMode.MARKET
    assert config.algo is AlgoName.TWAP and config.limit_offset_bps == 15.0 and config.slices == 3
    assert ExecutionPolicyConfig.from_mapping(config.to_mapping()) == config
    assert config.to_mapping()["pricing"] == "latest"
    assert ExecutionPolicyConfig.from_mapping({"algo": "none"}).algo is None
    assert ExecutionPolicyConfig.from_mapping({"algo": None}).to_mapping()["algo"] is None
    assert ExecutionPolicyConfig.from_mapping({}) == ExecutionPolicyConfig()


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"slice": 3, "prcing": "latest"}, "unknown execution policy setting.s.: prcing, slice"),
        ({"pricing": "cheap"}, "pricing 'cheap' is not a pricing mode .* limit_offset, latest, market"),
        ({"liquid_pricing": 3}, "liquid_pricing 3 is not a pricing mode"),
        ({"algo": "iceberg"}, "algo 'iceberg' is not a smart algorithm .* VWAP, TWAP, or none"),
        ({"limit_offset_bps": -1}, "limit_offset_bps must be a finite number >= 0 and <= 1000"),
        ({"limit_offset_bps": "20"}, "limit_offset_bps must be a number"),
        ({"liquid_turnover": math.nan}, "liquid_turnover must be a finite number >= 0"),
        ({"algo_min_value": 0}, "algo_min_value must be a finite number > 0"),
        ({"algo_max_adv_fraction": 1.5}, "algo_max_adv_fraction must be a finite number > 0 and <= 1"),
        ({"algo_window_minutes": 0}, r"algo_window_minutes must be a whole number in \[1, 237\]"),
        ({"start_after_open_minutes": 237}, r"start_after_open_minutes must be a whole number in \[0, 236\]"),
        ({"slices": 0}, r"slices must be a whole number in \[1, 100\]"),
        ({"slices": True}, "slices must be a whole number"),
        ({"slice_interval_minutes": 2.5}, "slice_interval_minutes must be a whole number"),
    ],
)
def test_config_refusals_name_the_field_and_the_fix(values: dict[str, Any], match: str) -> None:
    with pytest.raises(ExecutionPolicyError, match=match) as info:
        ExecutionPolicyConfig.from_mapping(values)
    assert info.value.fix  # every refusal says what to do


def test_from_mapping_refuses_a_non_mapping() -> None:
    with pytest.raises(ExecutionPolicyError, match="must be a mapping"):
        ExecutionPolicyConfig.from_mapping(["slices", 3])  # type: ignore[arg-type]
