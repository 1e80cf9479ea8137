"""The order planner: every rule at its boundary, then properties over random books."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aistock.core.boards import lot_rule_for
from aistock.core.codes import parse_code
from aistock.core.fees import FeeSchedule, Side
from aistock.core.orders import OrderRequest, PriceType
from aistock.core.planning import (
    OrderPlan,
    PlannerConfig,
    PlanningError,
    SkipReason,
    plan_orders,
)
from aistock.core.risk import AccountSnapshot, HeldPosition, Quote, buy_cost

MAIN = "600000.SH"
MAIN2 = "000001.SZ"
STAR = "688981.SH"
BJ = "430047.BJ"
ZERO = FeeSchedule.zero()
NO_MIN = PlannerConfig(min_order_value=0.0)


def account(
    cash: float = 100_000.0,
    *,
    available: float | None = None,
    positions: Mapping[str, tuple[int, int]] | None = None,
    open_buy: Mapping[str, float] | None = None,
    open_sell: frozenset[str] = frozenset(),
) -> AccountSnapshot:
    held = {c: HeldPosition(c, volume, sellable) for c, (volume, sellable) in (positions or {}).items()}
    return AccountSnapshot(
        account_id="T1",
        cash=cash,
        available=cash if available is None else available,
        positions=held,
        open_buy_value=dict(open_buy or {}),
        open_sell_codes=open_sell,
    )


def quote(
    code: str,
    last: float,
    *,
    up: float | None = None,
    down: float | None = None,
    suspended: bool = False,
    pre_close: float = math.nan,
) -> Quote:
    return Quote(code, last, pre_close=pre_close, up_limit=up, down_limit=down, suspended=suspended)


def quotes(*items: Quote) -> dict[str, Quote]:
    return {q.code: q for q in items}


def plan(
    acct: AccountSnapshot,
    qs: Mapping[str, Quote],
    target: Mapping[str, float],
    *,
    fees: FeeSchedule = ZERO,
    config: PlannerConfig = NO_MIN,
) -> OrderPlan:
    return plan_orders(acct, qs, target, fees=fees, config=config, strategy="s1")


def only(result: OrderPlan) -> OrderRequest:
    assert len(result.orders) == 1, result.describe()
    return result.orders[0]


def skip_reasons(result: OrderPlan) -> dict[str, SkipReason]:
    return {s.code: s.reason for s in result.skipped}


# --- sizing and lots -------------------------------------------------------------------------


def test_main_board_buys_round_down_to_100s() -> None:
    result = plan(account(), quotes(quote(MAIN, 10.0)), {MAIN: 0.333})
    order = only(result)
    assert order == OrderRequest(MAIN, Side.BUY, 3300, PriceType.LIMIT, price=10.0, strategy="s1")
    assert result.nav == 100_000.0


def test_target_volume_tolerates_float_noise() -> None:
    # 0.07 × 100,000 / 7 is 999.9999999999999 in floats; the target is 1,000 shares, not 900.
    order = only(plan(account(), quotes(quote(MAIN, 7.0)), {MAIN: 0.07}))
    assert order.volume == 1000


def test_star_buys_start_at_200_then_step_1() -> None:
    at_min = only(plan(account(), quotes(quote(STAR, 50.0)), {STAR: 0.1}))  # 200 shares
    assert at_min.volume == 200
    above = only(plan(account(), quotes(quote(STAR, 50.0)), {STAR: 0.1005}))  # 201 shares
    assert above.volume == 201
    below = plan(account(), quotes(quote(STAR, 50.0)), {STAR: 0.099})  # 198 shares < 200
    assert not below.orders
    assert skip_reasons(below) == {STAR: SkipReason.LOT}
    assert "198" in below.skipped[0].message and STAR in below.skipped[0].message


def test_bj_buys_step_1_above_100() -> None:
    order = only(plan(account(), quotes(quote(BJ, 10.0)), {BJ: 0.0157}))
    assert order.volume == 157


def test_main_board_shortfall_below_one_lot_is_a_lot_skip() -> None:
    result = plan(account(), quotes(quote(MAIN, 10.0)), {MAIN: 0.0099})  # 99 shares
    assert skip_reasons(result) == {MAIN: SkipReason.LOT}


def test_held_code_missing_from_target_is_sold_entirely() -> None:
    acct = account(50_000.0, positions={MAIN: (1000, 1000)})
    order = only(plan(acct, quotes(quote(MAIN, 10.0)), {}))
    assert (order.side, order.volume) == (Side.SELL, 1000)


def test_odd_lot_is_sold_whole_and_exempt_from_min_value() -> None:
    acct = account(50_000.0, positions={MAIN: (1050, 1050)})
    order = only(plan(acct, quotes(quote(MAIN, 10.0)), {MAIN: 0.0}, config=PlannerConfig()))
    assert (order.side, order.volume) == (Side.SELL, 1050)
    # An odd lot alone (50 × 10 = ¥500 < ¥2,000) still goes: it can only ever be sold whole.
    odd = account(50_000.0, positions={MAIN: (50, 50)})
    assert only(plan(odd, quotes(quote(MAIN, 10.0)), {}, config=PlannerConfig())).volume == 50


def test_partial_sell_takes_the_odd_lot_along_only_when_the_request_covers_it() -> None:
    # NAV = 50,000 + 10,500 = 60,500. Target 500 shares → sell 550 = 5 lots + the 50 odd shares.
    acct = account(50_000.0, positions={MAIN: (1050, 1050)})
    assert only(plan(acct, quotes(quote(MAIN, 10.0)), {MAIN: 5000 / 60_500})).volume == 550
    # Target 520 → want 530: 500 whole shares; the 30 extra do not cover the 50-share odd lot.
    assert only(plan(acct, quotes(quote(MAIN, 10.0)), {MAIN: 5200 / 60_500})).volume == 500


def test_star_partial_sell_below_200_is_a_lot_skip_unless_it_empties_the_position() -> None:
    acct = account(50_000.0, positions={STAR: (350, 350)})
    # NAV = 50,000 + 17,500; target 200 shares → want 150 < 200 and not everything sellable.
    result = plan(acct, quotes(quote(STAR, 50.0)), {STAR: 10_000 / 67_500})
    assert skip_reasons(result) == {STAR: SkipReason.LOT}
    assert only(plan(acct, quotes(quote(STAR, 50.0)), {})).volume == 350


# --- T+1, limits, suspension, tradability ------------------------------------------------------


def test_t_plus_1_only_sellable_shares_are_sold() -> None:
    acct = account(50_000.0, positions={MAIN: (1000, 400)})
    order = only(plan(acct, quotes(quote(MAIN, 10.0)), {}))
    assert (order.side, order.volume) == (Side.SELL, 400)
    bought_today = account(50_000.0, positions={MAIN: (1000, 0)})
    result = plan(bought_today, quotes(quote(MAIN, 10.0)), {})
    assert not result.orders
    assert skip_reasons(result) == {MAIN: SkipReason.NOT_SELLABLE}
    assert result.skipped[0].side is Side.SELL


def test_no_buy_at_limit_up() -> None:
    at_limit = plan(account(), quotes(quote(MAIN, 11.0, up=11.0, down=9.0)), {MAIN: 0.5})
    assert skip_reasons(at_limit) == {MAIN: SkipReason.LIMIT_UP}
    assert "11.00" in at_limit.skipped[0].message
    one_tick_below = plan(account(), quotes(quote(MAIN, 10.99, up=11.0, down=9.0)), {MAIN: 0.5})
    assert only(one_tick_below).price == 10.99


def test_no_sell_at_limit_down() -> None:
    acct = account(50_000.0, positions={MAIN: (1000, 1000)})
    at_limit = plan(acct, quotes(quote(MAIN, 9.0, up=11.0, down=9.0)), {})
    assert skip_reasons(at_limit) == {MAIN: SkipReason.LIMIT_DOWN}
    one_tick_above = plan(acct, quotes(quote(MAIN, 9.01, up=11.0, down=9.0)), {})
    assert only(one_tick_above).price == 9.01


def test_limit_up_does_not_block_a_sell_nor_limit_down_a_buy() -> None:
    acct = account(50_000.0, positions={MAIN: (1000, 1000)})
    assert only(plan(acct, quotes(quote(MAIN, 11.0, up=11.0, down=9.0)), {})).side is Side.SELL
    assert only(plan(account(), quotes(quote(MAIN, 9.0, up=11.0, down=9.0)), {MAIN: 0.1})).side is Side.BUY


def test_suspended_names_are_left_alone_both_ways() -> None:
    acct = account(50_000.0, positions={MAIN: (1000, 1000)})
    qs = quotes(quote(MAIN, 10.0, suspended=True), quote(MAIN2, 10.0, suspended=True))
    result = plan(acct, qs, {MAIN2: 0.2})
    assert not result.orders
    assert skip_reasons(result) == {MAIN: SkipReason.SUSPENDED, MAIN2: SkipReason.SUSPENDED}


def test_index_and_garbage_codes_are_not_tradable() -> None:
    result = plan(account(), quotes(quote("000300.SH", 4000.0)), {"000300.SH": 0.1, "nonsense": 0.1})
    assert not result.orders
    assert skip_reasons(result) == {"000300.SH": SkipReason.NOT_TRADABLE, "nonsense": SkipReason.NOT_TRADABLE}


def test_target_codes_in_any_format_match_the_canonical_position() -> None:
    acct = account(50_000.0, positions={MAIN: (1000, 1000)})
    nav = 60_000.0
    result = plan(acct, quotes(quote(MAIN, 10.0)), {"SH600000": 10_000 / nav})
    assert not result.orders and not result.skipped  # already at target


# --- money ---------------------------------------------------------------------------------


def test_min_order_value_boundary_is_inclusive() -> None:
    config = PlannerConfig(min_order_value=2000.0)
    at_value = plan(account(), quotes(quote(MAIN, 20.0)), {MAIN: 0.02}, config=config)  # 100 × 20.00
    assert only(at_value).volume == 100
    below = plan(account(), quotes(quote(MAIN, 19.99)), {MAIN: 0.02}, config=config)  # 100 × 19.99
    assert skip_reasons(below) == {MAIN: SkipReason.BELOW_MIN_VALUE}
    assert "1,999.00" in below.skipped[0].message and "2,000.00" in below.skipped[0].message


def test_min_order_value_applies_to_partial_sells() -> None:
    config = PlannerConfig(min_order_value=2000.0)
    # Hold 200, keep 100: a 100-share sell at 20.00 is exactly ¥2,000; at 19.99 it is below.
    at_value = account(100_000.0, positions={MAIN: (200, 200)})
    assert (
        only(plan(at_value, quotes(quote(MAIN, 20.0)), {MAIN: 2000 / 104_000}, config=config)).volume == 100
    )
    below = plan(at_value, quotes(quote(MAIN, 19.99)), {MAIN: 1999 / 103_998}, config=config)
    assert skip_reasons(below) == {MAIN: SkipReason.BELOW_MIN_VALUE}


def test_fees_make_the_last_lot_unaffordable() -> None:
    acct = account(10_000.0)
    assert only(plan(acct, quotes(quote(MAIN, 10.0)), {MAIN: 1.0}, fees=ZERO)).volume == 1000
    fees = FeeSchedule()
    order = only(plan(acct, quotes(quote(MAIN, 10.0)), {MAIN: 1.0}, fees=fees))
    assert order.volume == 900  # 1,000 shares cost ¥10,005.10 with fees
    assert buy_cost(900, 10.0, fees) <= 10_000.0 < buy_cost(1000, 10.0, fees)


def test_fees_to_the_fen_exactly_affordable() -> None:
    fees = FeeSchedule()
    exact = buy_cost(1000, 10.0, fees)  # 10,005.10
    acct = account(20_000.0, available=exact)
    assert only(plan(acct, quotes(quote(MAIN, 10.0)), {MAIN: 0.5}, fees=fees)).volume == 1000
    short = account(20_000.0, available=exact - 0.01)
    assert only(plan(short, quotes(quote(MAIN, 10.0)), {MAIN: 0.5}, fees=fees)).volume == 900


def test_cash_reserve_is_left_untouched() -> None:
    acct = account(10_000.0)
    config = PlannerConfig(min_order_value=0.0, cash_reserve=1_000.0)
    assert only(plan(acct, quotes(quote(MAIN, 10.0)), {MAIN: 1.0}, config=config)).volume == 900
    starved = PlannerConfig(min_order_value=0.0, cash_reserve=9_500.0)
    result = plan(acct, quotes(quote(MAIN, 10.0)), {MAIN: 1.0}, config=starved)
    assert skip_reasons(result) == {MAIN: SkipReason.NO_CASH}
    assert "500.00" in result.skipped[0].message and "9,500.00" in result.skipped[0].message


def test_buys_use_available_not_cash_and_not_sell_proceeds() -> None:
    # All money is in MAIN; switching to MAIN2 sells MAIN but cannot buy until the sale fills.
    acct = account(0.0, positions={MAIN: (1000, 1000)})
    result = plan(acct, quotes(quote(MAIN, 10.0), quote(MAIN2, 10.0)), {MAIN2: 1.0})
    assert [(o.code, o.side) for o in result.orders] == [(MAIN, Side.SELL)]
    assert skip_reasons(result) == {MAIN2: SkipReason.NO_CASH}
    # Frozen cash (cash above available) is not spent either.
    frozen = account(10_000.0, available=2_000.0)
    assert only(plan(frozen, quotes(quote(MAIN, 10.0)), {MAIN: 1.0})).volume == 200


def test_largest_shortfall_is_bought_first_ties_by_code() -> None:
    acct = account(100_000.0, available=30_000.0)
    qs = quotes(quote(MAIN, 10.0), quote(MAIN2, 10.0), quote("601318.SH", 10.0))
    result = plan(acct, qs, {MAIN: 0.2, MAIN2: 0.3, "601318.SH": 0.2})
    # MAIN2 (¥30,000) takes all the cash; MAIN and 601318 tie at ¥20,000 and find none left.
    assert [(o.code, o.volume) for o in result.orders] == [(MAIN2, 3000)]
    assert skip_reasons(result) == {MAIN: SkipReason.NO_CASH, "601318.SH": SkipReason.NO_CASH}
    tie = plan(account(100_000.0, available=20_000.0), qs, {MAIN: 0.2, "601318.SH": 0.2})
    assert [o.code for o in tie.orders] == [MAIN]  # the tie goes to the smaller code


def test_sells_come_first_then_buys() -> None:
    acct = account(100_000.0, positions={MAIN: (1000, 1000), STAR: (400, 400)})
    qs = quotes(quote(MAIN, 10.0), quote(STAR, 50.0), quote(MAIN2, 10.0))
    result = plan(acct, qs, {MAIN2: 0.3})
    sides = [o.side for o in result.orders]
    assert sides == [Side.SELL, Side.SELL, Side.BUY]
    assert [o.code for o in result.orders[:2]] == [STAR, MAIN]  # larger sale (¥20,000) first


# --- the quiet-book rule and missing prices -----------------------------------------------------


def test_codes_with_open_orders_are_skipped() -> None:
    acct = account(
        100_000.0,
        positions={MAIN: (1000, 500)},
        open_sell=frozenset({MAIN}),
        open_buy={MAIN2: 5_000.0, "601318.SH": 1_000.0},
    )
    qs = quotes(quote(MAIN, 10.0), quote(MAIN2, 10.0), quote("601318.SH", 10.0))
    result = plan(acct, qs, {MAIN2: 0.2})
    assert not result.orders
    # 601318 is not in the target at all, but its open buy will change the book: reported too.
    assert skip_reasons(result) == {
        MAIN: SkipReason.OPEN_ORDERS,
        MAIN2: SkipReason.OPEN_ORDERS,
        "601318.SH": SkipReason.OPEN_ORDERS,
    }
    assert all("cancel or wait for the open orders first" in s.message for s in result.skipped)


def test_a_held_position_without_price_blocks_the_whole_plan() -> None:
    acct = account(100_000.0, positions={MAIN: (1000, 1000), MAIN2: (100, 100)})
    qs = quotes(quote(MAIN2, 10.0), quote(STAR, 50.0))  # no quote for MAIN
    result = plan(acct, qs, {STAR: 0.2})
    assert not result.orders
    assert math.isnan(result.nav)
    assert skip_reasons(result) == {
        MAIN: SkipReason.NO_PRICE,
        MAIN2: SkipReason.NO_PRICE,
        STAR: SkipReason.NO_PRICE,
    }
    assert MAIN in result.skipped[0].message
    # A quote with neither a last price nor a previous close is no price either.
    dead = plan(acct, quotes(quote(MAIN, 0.0), quote(MAIN2, 10.0)), {})
    assert not dead.orders and set(skip_reasons(dead).values()) == {SkipReason.NO_PRICE}


def test_previous_close_prices_a_name_before_its_first_trade() -> None:
    order = only(plan(account(), quotes(quote(MAIN, math.nan, pre_close=10.0)), {MAIN: 0.1}))
    assert (order.volume, order.price) == (1000, 10.0)


def test_a_buy_target_without_price_is_skipped_alone() -> None:
    result = plan(account(), quotes(quote(MAIN2, 10.0)), {MAIN: 0.1, MAIN2: 0.1})
    assert [o.code for o in result.orders] == [MAIN2]
    assert skip_reasons(result) == {MAIN: SkipReason.NO_PRICE}


def test_prices_are_rounded_to_the_tick() -> None:
    assert only(plan(account(), quotes(quote(MAIN, 10.004)), {MAIN: 0.1})).price == 10.0


# --- target and config validation --------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "match"),
    [
        ({MAIN: -0.1}, "finite fraction >= 0"),
        ({MAIN: math.nan}, "finite fraction >= 0"),
        ({MAIN: 0.6, MAIN2: 0.5}, "sum to 1.100000"),
        ({MAIN: "0.1"}, "must be a number"),
        ({MAIN: 0.1, "SH600000": 0.1}, "names 600000.SH twice"),
    ],
)
def test_bad_targets_are_refused(target: dict[str, float], match: str) -> None:
    with pytest.raises(PlanningError, match=match):
        plan(account(), quotes(quote(MAIN, 10.0)), target)


def test_weights_may_sum_to_one_with_float_noise() -> None:
    weights = {MAIN: 0.1, MAIN2: 0.2, "601318.SH": 0.7 + 1e-10}
    qs = quotes(quote(MAIN, 10.0), quote(MAIN2, 10.0), quote("601318.SH", 10.0))
    assert len(plan(account(), qs, weights).orders) == 3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"min_order_value": -1.0}, "min_order_value must be a finite amount >= 0"),
        ({"cash_reserve": math.inf}, "cash_reserve must be a finite amount >= 0"),
        ({"cash_reserve": "100"}, "cash_reserve must be a number"),
    ],
)
def test_bad_planner_config_is_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(PlanningError, match=match):
        PlannerConfig(**kwargs)  # type: ignore[arg-type]


def test_negative_nav_is_refused() -> None:
    with pytest.raises(PlanningError, match="reconcile the account"):
        plan(account(-50_000.0, positions={MAIN: (1000, 1000)}), quotes(quote(MAIN, 10.0)), {})


def test_describe_and_determinism() -> None:
    acct = account(100_000.0, positions={MAIN: (1000, 1000)})
    qs = quotes(quote(MAIN, 10.0), quote(MAIN2, 10.0), quote(STAR, 50.0, up=50.0))
    target = {STAR: 0.1, MAIN2: 0.2}
    first = plan(acct, qs, target)
    again = plan(acct, dict(reversed(qs.items())), dict(reversed(target.items())))
    assert first == again
    text = first.describe()
    assert text.startswith("plan on NAV ¥110,000.00: 1 sell(s) worth ¥10,000.00, 1 buy(s)")
    assert "sell 1000 600000.SH @ 10.00" in text and "[limit_up]" in text


# --- properties --------------------------------------------------------------------------------

POOL = (
    "600000.SH",
    "601318.SH",
    "000001.SZ",
    "300750.SZ",
    "688981.SH",
    "688111.SH",
    "430047.BJ",
    "000300.SH",
)


@st.composite
def quote_for(draw: st.DrawFn, code: str) -> Quote | None:
    if draw(st.integers(0, 9)) == 0:
        return None
    pre_fen = draw(st.integers(100, 30_000))
    banded = draw(st.booleans())
    up_fen, down_fen = round(pre_fen * 1.1), round(pre_fen * 0.9)
    last_fen = draw(st.sampled_from([up_fen, down_fen, pre_fen]) | st.integers(down_fen, up_fen))
    return Quote(
        code,
        last_fen / 100,
        pre_close=pre_fen / 100,
        up_limit=up_fen / 100 if banded else None,
        down_limit=down_fen / 100 if banded else None,
        suspended=draw(st.integers(0, 14)) == 0,
    )


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[AccountSnapshot, dict[str, Quote], dict[str, float], FeeSchedule, PlannerConfig]:
    qs: dict[str, Quote] = {}
    positions: dict[str, tuple[int, int]] = {}
    for code in POOL:
        q = draw(quote_for(code))
        if q is not None:
            qs[code] = q
        if q is not None and draw(st.booleans()):
            volume = draw(st.integers(1, 6000))
            positions[code] = (volume, draw(st.integers(0, volume)))
    chosen = draw(st.lists(st.sampled_from(POOL), unique=True, max_size=len(POOL)))
    raw = [draw(st.integers(0, 100)) for _ in chosen]
    scale = draw(st.floats(0.0, 1.0)) / (sum(raw) or 1)
    target = {code: w * scale for code, w in zip(chosen, raw, strict=True)}
    cash = draw(st.floats(0.0, 2_000_000.0))
    open_sell = frozenset(draw(st.lists(st.sampled_from(POOL), max_size=2)))
    open_buy = {c: 1000.0 for c in draw(st.lists(st.sampled_from(POOL), max_size=2))}
    acct = account(
        cash,
        available=draw(st.just(1.0) | st.floats(0.0, 1.0)) * cash,
        positions=positions,
        open_buy=open_buy,
        open_sell=open_sell,
    )
    fees = draw(st.sampled_from([ZERO, FeeSchedule()]))
    config = PlannerConfig(
        min_order_value=draw(st.sampled_from([0.0, 2000.0, 5000.0])),
        cash_reserve=draw(st.sampled_from([0.0, 10_000.0])),
    )
    return acct, qs, target, fees, config


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_plans_are_always_legal(
    scenario: tuple[AccountSnapshot, dict[str, Quote], dict[str, float], FeeSchedule, PlannerConfig],
) -> None:
    acct, qs, target, fees, config = scenario
    result = plan_orders(acct, qs, target, fees=fees, config=config)
    assert result == plan_orders(acct, qs, target, fees=fees, config=config)  # deterministic

    sides = [o.side for o in result.orders]
    assert sides == sorted(sides, key=lambda s: s is Side.BUY)  # sells precede buys
    assert len({o.code for o in result.orders}) == len(result.orders)
    spent = 0.0
    for order in result.orders:
        q = qs[order.code]
        lot = lot_rule_for(parse_code(order.code))
        assert order.price_type is PriceType.LIMIT and order.price > 0
        assert not q.suspended
        assert order.code not in acct.open_sell_codes and not acct.open_buy_value.get(order.code)
        if q.up_limit is not None:
            assert q.down_limit is not None and q.down_limit <= order.price <= q.up_limit
        value = order.volume * order.price
        if order.side is Side.SELL:
            sellable = acct.positions[order.code].sellable
            assert order.volume <= sellable
            assert lot.is_valid_sell(order.volume, sellable)
            assert q.down_limit is None or order.price > q.down_limit
            assert value >= config.min_order_value - 1e-9 or order.volume == sellable
        else:
            assert lot.is_valid_buy(order.volume)
            assert q.up_limit is None or order.price < q.up_limit
            assert value >= config.min_order_value - 1e-9
            spent += buy_cost(order.volume, order.price, fees)
    if result.buys:
        assert spent <= acct.available - config.cash_reserve + 1e-6


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_buys_never_overshoot_the_target(
    scenario: tuple[AccountSnapshot, dict[str, Quote], dict[str, float], FeeSchedule, PlannerConfig],
) -> None:
    acct, qs, target, fees, config = scenario
    result = plan_orders(acct, qs, target, fees=fees, config=config)
    for order in result.orders:
        held = acct.positions[order.code].volume if order.code in acct.positions else 0
        wanted = target.get(order.code, 0.0) * result.nav / qs[order.code].reference
        if order.side is Side.BUY:
            assert held + order.volume <= wanted + 1e-6
        else:
            assert held - order.volume >= math.floor(wanted + 1e-9)


def test_numpy_weights_are_numbers() -> None:
    np = pytest.importorskip("numpy")
    order = only(plan(account(), quotes(quote(MAIN, 10.0)), {MAIN: np.float32(0.1)}))
    assert order.volume == 1000
