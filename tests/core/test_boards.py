import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aistock.core.boards import (
    BJ_LOT,
    MAIN_BOARD_ST_10PCT_FROM,
    ROUND_LOT,
    STAR_LOT,
    NotTradableError,
    limit_ratio,
    lot_rule,
    lot_rule_for,
    on_tick,
    price_limits,
)
from aistock.core.codes import Board, parse_code


def test_lot_rules_per_board() -> None:
    assert lot_rule_for(parse_code("600000.SH")) == ROUND_LOT
    assert lot_rule_for(parse_code("300750.SZ")) == ROUND_LOT
    assert lot_rule_for(parse_code("688981.SH")) == STAR_LOT
    assert lot_rule_for(parse_code("430047.BJ")) == BJ_LOT
    with pytest.raises(NotTradableError, match="not a tradable security"):
        lot_rule(Board.INDEX)


def test_buy_rounding() -> None:
    assert ROUND_LOT.round_buy(99) == 0
    assert ROUND_LOT.round_buy(250) == 200
    assert STAR_LOT.round_buy(199) == 0
    assert STAR_LOT.round_buy(201) == 201  # STAR: 200, then steps of 1
    assert BJ_LOT.round_buy(157) == 157
    assert not ROUND_LOT.is_valid_buy(150)
    assert STAR_LOT.is_valid_buy(237) and not STAR_LOT.is_valid_buy(150)


def test_odd_lots_are_sold_whole() -> None:
    # Holding 250 on the main board: 200, 250 (everything) and 50 (the odd lot alone) are legal.
    assert ROUND_LOT.is_valid_sell(200, 250)
    assert ROUND_LOT.is_valid_sell(250, 250)
    assert ROUND_LOT.is_valid_sell(50, 250)
    assert ROUND_LOT.is_valid_sell(150, 250)  # one lot plus the whole odd remainder
    assert not ROUND_LOT.is_valid_sell(30, 250)  # part of the odd lot
    assert not ROUND_LOT.is_valid_sell(120, 250)
    assert not ROUND_LOT.is_valid_sell(300, 250)  # more than held
    # STAR: below 200 only when it clears the holding.
    assert STAR_LOT.is_valid_sell(150, 150)
    assert not STAR_LOT.is_valid_sell(150, 250)
    assert STAR_LOT.is_valid_sell(201, 250)


@given(st.sampled_from([ROUND_LOT, STAR_LOT, BJ_LOT]), st.integers(0, 5000), st.integers(1, 5000))
def test_round_sell_always_gives_a_legal_sell(rule, volume: int, sellable: int) -> None:  # type: ignore[no-untyped-def]
    rounded = rule.round_sell(volume, sellable)
    assert 0 <= rounded <= min(volume, sellable)
    if rounded:
        assert rule.is_valid_sell(rounded, sellable)


@given(st.sampled_from([ROUND_LOT, STAR_LOT, BJ_LOT]), st.integers(0, 100_000))
def test_round_buy_is_the_largest_legal_buy(rule, volume: int) -> None:  # type: ignore[no-untyped-def]
    rounded = rule.round_buy(volume)
    assert rounded <= volume
    if rounded:
        assert rule.is_valid_buy(rounded)
    assert not any(rule.is_valid_buy(v) for v in range(rounded + 1, min(volume, rounded + 200) + 1))


def test_limit_ratios() -> None:
    assert limit_ratio(Board.SH_MAIN) == 0.10
    assert limit_ratio(Board.SZ_MAIN) == 0.10
    assert limit_ratio(Board.CHINEXT) == 0.20
    assert limit_ratio(Board.STAR) == 0.20
    assert limit_ratio(Board.BJ) == 0.30
    before = MAIN_BOARD_ST_10PCT_FROM - dt.timedelta(days=1)
    assert limit_ratio(Board.SH_MAIN, is_st=True, on=before) == 0.05
    assert limit_ratio(Board.SH_MAIN, is_st=True, on=MAIN_BOARD_ST_10PCT_FROM) == 0.10
    assert limit_ratio(Board.CHINEXT, is_st=True, on=before) == 0.20  # ST on ChiNext keeps 20 %
    with pytest.raises(NotTradableError):
        limit_ratio(Board.INDEX)


def test_limit_prices_round_half_up_like_the_exchange() -> None:
    limits = price_limits(10.05, Board.SH_MAIN)
    assert limits is not None
    assert (limits.down, limits.up) == (9.05, 11.06)  # 11.055 -> 11.06, 9.045 -> 9.05
    chinext = price_limits(10.05, Board.CHINEXT)
    assert chinext is not None and (chinext.down, chinext.up) == (8.04, 12.06)
    st_old = price_limits(3.33, Board.SZ_MAIN, is_st=True, on=dt.date(2024, 1, 2))
    assert st_old is not None and (st_old.down, st_old.up) == (3.16, 3.50)
    assert price_limits(0.01, Board.SH_MAIN) is not None  # never a zero price
    assert limits.contains(11.06) and not limits.contains(11.07)


def test_new_listings_have_no_limit_for_five_days_bj_for_one() -> None:
    assert price_limits(20.0, Board.STAR, trading_days_listed=5) is None
    assert price_limits(20.0, Board.STAR, trading_days_listed=6) is not None
    assert price_limits(20.0, Board.SH_MAIN, trading_days_listed=1) is None
    assert price_limits(20.0, Board.BJ, trading_days_listed=1) is None
    assert price_limits(20.0, Board.BJ, trading_days_listed=2) is not None


def test_bad_previous_close_is_refused() -> None:
    with pytest.raises(ValueError, match="previous close must be positive"):
        price_limits(0.0, Board.SH_MAIN)


def test_tick() -> None:
    assert on_tick(10.01) and on_tick(0.1 + 0.2)
    assert not on_tick(10.005)
