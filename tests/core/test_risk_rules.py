"""Every pre-trade rule at its boundary: just inside passes, just outside binds with its own code.

Each test builds the smallest context that isolates one rule (zero fees unless fees are the
point, caps opened wide unless the cap is the point) and checks the outcome, the code and that
the message names the number that failed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from aistock.core.fees import FeeSchedule, Side
from aistock.core.orders import OrderRequest, PriceType
from aistock.core.risk import (
    AccountSnapshot,
    HeldPosition,
    NavMarks,
    Outcome,
    Quote,
    RateWindow,
    RiskCode,
    RiskConfigError,
    RiskContext,
    RiskDecision,
    RiskLimits,
    RiskVerdict,
    buy_cost,
    max_affordable,
    validate,
)
from aistock.core.risk.limits import MAX_CONFIGURABLE_PER_DAY, MAX_CONFIGURABLE_PER_SECOND
from aistock.core.trading_state import TradingState, stricter

T0 = dt.datetime(2025, 11, 21, 10, 0, 0)
A = "600000.SH"
B = "600036.SH"
C = "000002.SZ"
STAR = "688981.SH"
ZERO = FeeSchedule.zero()

# Caps wide open: a test that is about one rule turns on only that rule.
OPEN = RiskLimits(
    max_order_notional=1e9,
    max_single_weight=1.0,
    max_industry_weight=1.0,
    max_total_exposure=1.0,
    max_intraday_drawdown=1.0,
    max_drawdown=1.0,
)


def limits(**changes: Any) -> RiskLimits:
    return RiskLimits.from_mapping({**OPEN.to_mapping(), **changes})


def quote(
    code: str = A,
    last: float = 10.0,
    *,
    pre_close: float = 10.0,
    up: float | None = 11.0,
    down: float | None = 9.0,
    **kw: Any,
) -> Quote:
    return Quote(code, last, pre_close, up, down, **kw)


def quotes(*items: Quote) -> dict[str, Quote]:
    return {q.code: q for q in items}


def account(
    cash: float = 1_000_000.0,
    available: float | None = None,
    positions: Sequence[HeldPosition] = (),
    **kw: Any,
) -> AccountSnapshot:
    return AccountSnapshot(
        "acc-1",
        cash,
        cash if available is None else available,
        {p.code: p for p in positions},
        **kw,
    )


def held(code: str, volume: int, sellable: int | None = None) -> HeldPosition:
    return HeldPosition(code, volume, volume if sellable is None else sellable)


def context(
    acct: AccountSnapshot | None = None,
    qs: Mapping[str, Quote] | None = None,
    *,
    state: TradingState = TradingState.ACTIVE,
    now: dt.datetime | None = None,
    fees: FeeSchedule = ZERO,
) -> RiskContext:
    return RiskContext(
        account() if acct is None else acct,
        quotes(quote(A), quote(B), quote(C)) if qs is None else qs,
        state=state,
        now=now,
        fees=fees,
    )


def buy(
    code: str = A, volume: int = 100, price: float = 10.0, pt: PriceType = PriceType.LIMIT
) -> OrderRequest:
    return OrderRequest(code, Side.BUY, volume, pt, price if pt is PriceType.LIMIT else 0.0)


def sell(
    code: str = A, volume: int = 100, price: float = 10.0, pt: PriceType = PriceType.LIMIT
) -> OrderRequest:
    return OrderRequest(code, Side.SELL, volume, pt, price if pt is PriceType.LIMIT else 0.0)


def one(request: OrderRequest, ctx: RiskContext, lim: RiskLimits = OPEN) -> RiskDecision:
    verdict = validate([request], ctx, lim)
    assert len(verdict.decisions) == 1
    decision = verdict.decisions[0]
    assert decision.request is request
    return decision


def approved(decision: RiskDecision) -> None:
    assert decision.outcome is Outcome.APPROVED, decision.describe()
    assert decision.order == decision.request
    assert decision.reasons == ()


def denied(decision: RiskDecision, code: RiskCode, *fragments: str) -> None:
    assert decision.outcome is Outcome.DENIED, decision.describe()
    assert decision.order is None
    assert decision.codes == (code,), decision.describe()
    _named(decision, code, fragments)


def shrunk(decision: RiskDecision, code: RiskCode, volume: int, *fragments: str) -> None:
    assert decision.outcome is Outcome.SHRUNK, decision.describe()
    assert decision.order is not None
    assert decision.order.volume == volume, decision.describe()
    assert decision.codes == (code,), decision.describe()
    _named(decision, code, fragments)
    described = decision.describe()
    assert f"shrunk to {volume}" in described and f"[{code.value}]" in described


def _named(decision: RiskDecision, code: RiskCode, fragments: Sequence[str]) -> None:
    reason = decision.reasons[0]
    assert str(reason).startswith(f"[{code.value}] ")
    r = decision.request
    assert f"{r.side.value} {r.volume} {r.code}" in reason.message, reason.message
    for fragment in fragments:
        assert fragment in reason.message, reason.message


# --- the account and the trading state ---------------------------------------------------------


def test_no_account_denies_everything() -> None:
    ctx = RiskContext(None, quotes(quote(A)))
    verdict = validate([buy(), sell()], ctx, OPEN)
    for decision in verdict.decisions:
        denied(decision, RiskCode.NO_ACCOUNT, "no account")
    assert verdict.approved == [] and len(verdict.denied) == 2


def test_an_account_worth_nothing_cannot_size_a_buy() -> None:
    denied(one(buy(), context(account(cash=0.0))), RiskCode.NO_ACCOUNT, "NAV is 0.00")


@pytest.mark.parametrize(
    ("field", "value"),
    [("cash", math.nan), ("cash", math.inf), ("available", math.nan), ("available", math.inf)],
)
def test_non_finite_cash_is_refused_not_crashed_on(field: str, value: float) -> None:
    acct = account(**{"cash": 1_000_000.0, "available": 1_000_000.0, field: value})
    decision = one(buy(), context(acct))
    assert decision.outcome is Outcome.DENIED and decision.codes == (RiskCode.NO_ACCOUNT,)


@pytest.mark.parametrize("value", [math.nan, -1_000.0, math.inf])
def test_an_unknown_open_buy_value_blocks_buys(value: float) -> None:
    acct = account(open_buy_value={B: value})
    denied(one(buy(), context(acct)), RiskCode.NO_ACCOUNT, "open buy value", B)


def test_a_negative_position_blocks_buys() -> None:
    acct = account(positions=[HeldPosition(B, -500, 0)])
    denied(one(buy(), context(acct)), RiskCode.NO_ACCOUNT, B, "-500")


def test_not_reconciled_blocks_buys_but_not_sells() -> None:
    acct = account(positions=[held(A, 1000)], buy_blocked=True, block_reason="reconciling with the broker")
    ctx = context(acct)
    denied(one(buy(B), ctx), RiskCode.NOT_RECONCILED, "reconciling with the broker")
    approved(one(sell(A), ctx))
    denied(one(buy(B), context(account(buy_blocked=True))), RiskCode.NOT_RECONCILED, "not reconciled")


def test_halted_denies_buys_and_sells() -> None:
    ctx = context(account(positions=[held(A, 1000)]), state=TradingState.HALTED)
    verdict = validate([buy(B), sell(A)], ctx, OPEN)
    for decision in verdict.decisions:
        denied(decision, RiskCode.TRADING_HALTED, "HALTED")
    assert verdict.approved == []


def test_reducing_denies_buys_and_lets_sells_pass() -> None:
    ctx = context(account(positions=[held(A, 1000)]), state=TradingState.REDUCING)
    verdict = validate([buy(B), sell(A)], ctx, OPEN)
    denied(verdict.decisions[0], RiskCode.TRADING_REDUCING, "REDUCING")
    approved(verdict.decisions[1])


def test_trading_state_order_and_refusals() -> None:
    assert stricter(TradingState.ACTIVE, TradingState.REDUCING) is TradingState.REDUCING
    assert stricter(TradingState.HALTED, TradingState.REDUCING) is TradingState.HALTED
    assert stricter(TradingState.ACTIVE, TradingState.ACTIVE) is TradingState.ACTIVE
    assert TradingState.ACTIVE.refusal(Side.BUY) == ""
    assert TradingState.REDUCING.refusal(Side.SELL) == ""
    assert TradingState.REDUCING.permits(Side.SELL) and not TradingState.REDUCING.permits(Side.BUY)
    assert not TradingState.HALTED.permits(Side.SELL)


# --- the instrument and its price --------------------------------------------------------------


def test_index_is_not_tradable() -> None:
    index = "000001.SH"
    ctx = context(qs=quotes(quote(index, 3400.0, pre_close=3400.0, up=None, down=None)))
    denied(one(buy(index, price=3400.0), ctx), RiskCode.NOT_TRADABLE, "not a tradable security")


@pytest.mark.parametrize("code", ["garbage", "60000.SH", "600000.XX", ""])
def test_garbage_code_is_not_tradable(code: str) -> None:
    denied(one(buy(code), context()), RiskCode.NOT_TRADABLE)


@pytest.mark.parametrize("code", ["SH600000", "sh600000", "600000", "600000.XSHG", "600000.sh"])
def test_a_non_canonical_spelling_is_refused_so_it_cannot_dodge_the_blacklist(code: str) -> None:
    # The context is keyed by whatever a careless caller passed; the blacklist is canonical.
    ctx = context(qs={code: quote(code)})
    lim = limits(blacklist=[A])
    denied(one(buy(code), ctx, lim), RiskCode.NOT_TRADABLE, "600000.SH")


def test_missing_quote_is_no_price() -> None:
    denied(one(buy(A), context(qs={})), RiskCode.NO_PRICE, "no price for 600000.SH")
    acct = account(positions=[held(A, 1000)])
    denied(one(sell(A), context(acct, qs={})), RiskCode.NO_PRICE)


@pytest.mark.parametrize(("last", "pre_close"), [(0.0, math.nan), (math.nan, math.nan), (math.nan, 0.0)])
def test_zero_or_nan_price_is_no_price(last: float, pre_close: float) -> None:
    ctx = context(qs=quotes(quote(A, last, pre_close=pre_close)))
    denied(one(buy(A), ctx), RiskCode.NO_PRICE)


def test_previous_close_prices_a_stock_before_its_first_trade() -> None:
    ctx = context(qs=quotes(quote(A, math.nan, pre_close=10.0)))
    approved(one(buy(A), ctx))


@pytest.mark.parametrize("band", [{"up": math.nan}, {"down": math.nan}, {"up": 0.0}, {"down": -1.0}])
def test_an_unknown_band_is_no_price(band: dict[str, float]) -> None:
    ctx = context(qs=quotes(quote(A, **band)))  # type: ignore[arg-type]
    denied(one(buy(A), ctx), RiskCode.NO_PRICE, "unknown")
    denied(one(buy(A, pt=PriceType.LATEST), ctx), RiskCode.NO_PRICE)


def test_a_held_position_without_price_blocks_buys_but_not_sells() -> None:
    acct = account(positions=[held(B, 1000), held(C, 500)])
    ctx = context(acct, qs=quotes(quote(A), quote(C)))  # B has no quote
    denied(one(buy(A), ctx), RiskCode.NO_PRICE, B, "cannot be valued")
    approved(one(sell(C), ctx))


def test_quote_age_at_the_limit_passes_one_second_more_is_stale() -> None:
    lim = limits(max_quote_age_s=300.0)
    fresh = context(qs=quotes(quote(A, as_of=T0 - dt.timedelta(seconds=300))), now=T0)
    approved(one(buy(A), fresh, lim))
    stale = context(qs=quotes(quote(A, as_of=T0 - dt.timedelta(seconds=301))), now=T0)
    denied(one(buy(A), stale, lim), RiskCode.STALE_QUOTE, "301 s old", "limit 300 s")
    acct = account(positions=[held(A, 1000)])
    stale_sell = context(acct, qs=quotes(quote(A, as_of=T0 - dt.timedelta(seconds=301))), now=T0)
    denied(one(sell(A), stale_sell, lim), RiskCode.STALE_QUOTE)


def test_a_quote_without_time_fails_with_a_clock_and_passes_without() -> None:
    denied(one(buy(A), context(qs=quotes(quote(A)), now=T0)), RiskCode.STALE_QUOTE, "has no time")
    approved(one(buy(A), context(qs=quotes(quote(A)))))


def test_mixed_time_zones_are_refused_not_crashed_on() -> None:
    ctx = context(qs=quotes(quote(A, as_of=T0)), now=T0.replace(tzinfo=dt.UTC))
    denied(one(buy(A), ctx), RiskCode.STALE_QUOTE, "time zones")


def test_suspended_is_denied_both_ways() -> None:
    acct = account(positions=[held(A, 1000)])
    ctx = context(acct, qs=quotes(quote(A, suspended=True)))
    denied(one(buy(A), ctx), RiskCode.SUSPENDED, "suspended")
    denied(one(sell(A), ctx), RiskCode.SUSPENDED, "suspended")


def test_price_off_the_tick_is_denied() -> None:
    denied(one(buy(A, price=10.005), context()), RiskCode.BAD_TICK, "10.005", "0.01")
    approved(one(buy(A, price=10.01), context()))
    acct = account(positions=[held(A, 1000)])
    denied(one(sell(A, price=9.999), context(acct)), RiskCode.BAD_TICK)


def test_an_infinite_price_is_refused_not_crashed_on() -> None:
    denied(one(buy(A, price=math.inf), context()), RiskCode.BAD_TICK, "inf")


def test_the_limit_band_edges_pass_and_a_tick_beyond_is_denied() -> None:
    acct = account(positions=[held(A, 10_000)])
    ctx = context(acct)
    approved(one(buy(A, price=11.0), ctx))
    denied(one(buy(A, price=11.01), ctx), RiskCode.OUTSIDE_LIMIT_BAND, "11.01", "[9.00, 11.00]")
    approved(one(sell(A, price=9.0), ctx))
    denied(one(sell(A, price=8.99), ctx), RiskCode.OUTSIDE_LIMIT_BAND, "8.99", "[9.00, 11.00]")
    approved(one(sell(A, price=11.0), ctx))
    denied(one(sell(A, price=11.01), ctx), RiskCode.OUTSIDE_LIMIT_BAND)
    denied(one(buy(A, price=8.99), ctx), RiskCode.OUTSIDE_LIMIT_BAND)


def test_a_new_listing_without_limits_passes_any_price() -> None:
    ctx = context(qs=quotes(quote(A, up=None, down=None)))
    approved(one(buy(A, price=30.0), ctx))
    approved(one(buy(A, price=1.0), ctx))
    only_up = context(qs=quotes(quote(A, up=11.0, down=None)))
    denied(one(buy(A, price=11.01), only_up), RiskCode.OUTSIDE_LIMIT_BAND, "[none, 11.00]")


def test_market_orders_skip_the_tick_and_band() -> None:
    acct = account(positions=[held(A, 1000)])
    approved(one(buy(A, pt=PriceType.BEST5_OR_CANCEL), context(acct)))
    approved(one(sell(A, pt=PriceType.LATEST), context(acct)))


def test_blacklist_denies_buys_and_lets_sells_pass() -> None:
    lim = limits(blacklist=["sh600000"])  # any spelling in the settings, canonical inside
    assert lim.blacklist == frozenset({A})
    ctx = context(account(positions=[held(A, 1000)]))
    denied(one(buy(A), ctx, lim), RiskCode.BLACKLISTED, "blacklist")
    approved(one(sell(A), ctx, lim))
    approved(one(buy(B), ctx, lim))


def test_st_stocks_cannot_be_bought_unless_allowed() -> None:
    ctx = context(account(positions=[held(A, 1000)]), qs=quotes(quote(A, is_st=True)))
    denied(one(buy(A), ctx), RiskCode.ST_FILTERED, "ST")
    approved(one(sell(A), ctx))
    approved(one(buy(A), ctx, limits(block_st=False)))


def test_self_cross_buy_after_a_sell_in_the_same_batch() -> None:
    ctx = context(account(positions=[held(A, 1000)]))
    verdict = validate([sell(A), buy(A)], ctx, OPEN)
    approved(verdict.decisions[0])
    denied(verdict.decisions[1], RiskCode.SELF_CROSS, "sell of 600000.SH")
    # Sells are judged first whatever the batch order, so the buy is the one refused.
    verdict = validate([buy(A), sell(A)], ctx, OPEN)
    denied(verdict.decisions[0], RiskCode.SELF_CROSS)
    approved(verdict.decisions[1])
    assert verdict.approved == [sell(A)]


def test_self_cross_against_open_orders() -> None:
    ctx = context(account(positions=[held(A, 1000)], open_sell_codes=frozenset({A})))
    denied(one(buy(A), ctx), RiskCode.SELF_CROSS, "sell of 600000.SH is open")
    approved(one(buy(B), ctx))
    ctx = context(account(positions=[held(A, 1000)], available=900_000.0, open_buy_value={A: 1000.0}))
    denied(one(sell(A), ctx), RiskCode.SELF_CROSS, "buy of 600000.SH is open")


def test_a_denied_sell_does_not_block_a_buy() -> None:
    ctx = context(account(positions=[held(A, 1000, sellable=0)]))
    verdict = validate([sell(A), buy(A)], ctx, OPEN)
    denied(verdict.decisions[0], RiskCode.SELLABLE)
    approved(verdict.decisions[1])


# --- positions and money -----------------------------------------------------------------------


def test_selling_what_is_not_held_is_unknown_position() -> None:
    denied(one(sell(B), context(account(positions=[held(A, 1000)]))), RiskCode.UNKNOWN_POSITION, "acc-1", B)


def test_sells_shrink_to_the_sellable_shares() -> None:
    ctx = context(account(positions=[held(A, 1000, sellable=400)]))
    approved(one(sell(A, 400), ctx))
    shrunk(one(sell(A, 1000), ctx), RiskCode.SELLABLE, 400, "only 400 shares")
    denied(one(sell(A, 1000), ctx, limits(allow_shrink=False)), RiskCode.SELLABLE, "only 400")
    verdict = validate([sell(A, 300), sell(A, 300)], ctx, OPEN)
    approved(verdict.decisions[0])
    shrunk(verdict.decisions[1], RiskCode.SELLABLE, 100, "only 100 shares")


def test_t_plus_one_bought_today_is_not_sellable() -> None:
    ctx = context(account(positions=[held(A, 1000, sellable=0)]))
    denied(one(sell(A, 100), ctx), RiskCode.SELLABLE, "only 0 shares")


def test_sellable_above_volume_is_not_trusted() -> None:
    ctx = context(account(positions=[HeldPosition(A, 500, 900)]))
    shrunk(one(sell(A, 900), ctx), RiskCode.SELLABLE, 500, "only 500")


def test_cash_includes_fees_to_the_fen() -> None:
    fees = FeeSchedule()
    cost = buy_cost(1000, 10.0, fees)
    assert cost == pytest.approx(10_005.10)  # 10,000 + ¥5 minimum commission + ¥0.10 transfer fee
    exact = context(account(cash=1_000_000.0, available=cost), fees=fees)
    approved(one(buy(A, 1000), exact))
    short = context(account(cash=1_000_000.0, available=round(cost - 0.01, 2)), fees=fees)
    shrunk(one(buy(A, 1000), short), RiskCode.CASH, 900, "free cash is ¥10,005.09")
    denied(one(buy(A, 1000), short, limits(allow_shrink=False)), RiskCode.CASH)
    broke = context(account(cash=1_000_000.0, available=1_000.0), fees=fees)
    denied(one(buy(A, 100), broke), RiskCode.CASH)  # 1000 + ¥5 fee does not fit ¥1000


def test_max_affordable_is_the_largest_that_fits() -> None:
    fees = FeeSchedule()
    from aistock.core.boards import ROUND_LOT, STAR_LOT

    assert max_affordable(10_005.10, 10.0, ROUND_LOT, fees) == 1000
    assert max_affordable(10_005.09, 10.0, ROUND_LOT, fees) == 900
    assert max_affordable(0.0, 10.0, ROUND_LOT, fees) == 0
    assert max_affordable(math.nan, 10.0, ROUND_LOT, fees) == 0
    volume = max_affordable(20_000.0, 50.0, STAR_LOT, fees)
    assert buy_cost(volume, 50.0, fees) <= 20_000.0 < buy_cost(volume + 1, 50.0, fees)
    assert max_affordable(9_999.0, 50.0, STAR_LOT, fees) == 0  # the STAR minimum is 200


def test_batch_buys_share_the_cash() -> None:
    ctx = context(account(cash=1_000_000.0, available=15_000.0))
    verdict = validate([buy(A, 1000), buy(B, 1000)], ctx, OPEN)
    approved(verdict.decisions[0])
    shrunk(verdict.decisions[1], RiskCode.CASH, 500, "¥5,000.00")


def test_sell_proceeds_are_not_counted_as_cash() -> None:
    ctx = context(account(cash=10_000.0, available=0.0, positions=[held(A, 1000)]))
    verdict = validate([sell(A, 1000), buy(B, 100)], ctx, OPEN)
    approved(verdict.decisions[0])
    denied(verdict.decisions[1], RiskCode.CASH)


def test_cash_floor() -> None:
    ctx = context(account(cash=100_000.0))
    lim = limits(min_cash_ratio=0.1)  # ¥10,000 must stay
    approved(one(buy(A, 9000), ctx, lim))
    shrunk(one(buy(A, 9100), ctx, lim), RiskCode.CASH_FLOOR, 9000, "¥10,000.00", "10.0% of NAV")
    denied(one(buy(A, 9100), ctx, limits(min_cash_ratio=0.1, allow_shrink=False)), RiskCode.CASH_FLOOR)


def test_order_notional_on_both_sides() -> None:
    lim = limits(max_order_notional=10_000.0)
    ctx = context(account(positions=[held(A, 5000)]))
    approved(one(buy(B, 1000), ctx, lim))
    shrunk(one(buy(B, 1100), ctx, lim), RiskCode.ORDER_NOTIONAL, 1000, "¥10,000")
    approved(one(sell(A, 1000), ctx, lim))
    shrunk(one(sell(A, 1100), ctx, lim), RiskCode.ORDER_NOTIONAL, 1000, "¥10,000")
    # A market sell is valued at the last price.
    shrunk(one(sell(A, 1100, pt=PriceType.LATEST), ctx, lim), RiskCode.ORDER_NOTIONAL, 1000)
    # A market buy is valued at the limit-up price (11.00): 909 shares fit, 900 after the lot.
    shrunk(one(buy(B, 1000, pt=PriceType.PEER_BEST), ctx, lim), RiskCode.ORDER_NOTIONAL, 900)


def test_order_notional_exact_at_a_float_unfriendly_price() -> None:
    # 70 / 0.07 is 999.9999999999999 in floats; the cap must still allow the 1000 shares.
    lim = limits(max_order_notional=70.0)
    qs = quotes(quote(A, 0.07, pre_close=0.07, up=0.08, down=0.06))
    approved(one(buy(A, 1000, price=0.07), context(qs=qs), lim))
    acct = account(positions=[held(A, 5000)])
    approved(one(sell(A, 1000, price=0.07), context(acct, qs), lim))


def test_single_weight() -> None:
    lim = limits(max_single_weight=0.2)
    ctx = context(account(cash=1_000_000.0))
    approved(one(buy(A, 20_000), ctx, lim))
    shrunk(one(buy(A, 20_100), ctx, lim), RiskCode.SINGLE_WEIGHT, 20_000, "600000.SH", "20.0%", "1,000,000")
    # Held shares and open buys count towards the weight.
    acct = account(cash=900_000.0, positions=[held(A, 10_000)])
    approved(one(buy(A, 10_000), context(acct), lim))
    shrunk(one(buy(A, 10_100), context(acct), lim), RiskCode.SINGLE_WEIGHT, 10_000)
    acct = account(
        cash=900_000.0, available=850_000.0, positions=[held(A, 10_000)], open_buy_value={A: 50_000.0}
    )
    approved(one(buy(A, 5_000), context(acct), lim))
    shrunk(one(buy(A, 5_100), context(acct), lim), RiskCode.SINGLE_WEIGHT, 5_000)
    # Two buys of one code in a batch add up.
    verdict = validate([buy(A, 15_000), buy(A, 15_000)], ctx, lim)
    approved(verdict.decisions[0])
    shrunk(verdict.decisions[1], RiskCode.SINGLE_WEIGHT, 5_000)


def test_industry_weight() -> None:
    lim = limits(max_single_weight=0.2, max_industry_weight=0.3)
    qs = quotes(quote(A, industry="bank"), quote(B, industry="bank"), quote(C, industry="property"))
    acct = account(cash=800_000.0, positions=[held(A, 20_000)])  # NAV 1,000,000, bank 200,000
    approved(one(buy(B, 10_000), context(acct, qs), lim))
    shrunk(one(buy(B, 10_100), context(acct, qs), lim), RiskCode.INDUSTRY_WEIGHT, 10_000, "bank", "30.0%")
    approved(one(buy(C, 20_000), context(acct, qs), lim))
    # Two names of one industry in one batch share the room.
    d = "601398.SH"
    qs[d] = quote(d, industry="bank")
    verdict = validate([buy(B, 6_000), buy(d, 6_000)], context(acct, qs), lim)
    approved(verdict.decisions[0])
    shrunk(verdict.decisions[1], RiskCode.INDUSTRY_WEIGHT, 4_000, "bank")


def test_names_without_industry_share_one_bucket() -> None:
    lim = limits(max_single_weight=0.2, max_industry_weight=0.3)
    qs = quotes(quote(A), quote(B, industry="bank"), quote(C))
    acct = account(cash=800_000.0, positions=[held(A, 20_000)])
    shrunk(one(buy(C, 10_100), context(acct, qs), lim), RiskCode.INDUSTRY_WEIGHT, 10_000, "(no industry)")
    approved(one(buy(B, 20_000), context(acct, qs), lim))


def test_total_exposure_counts_open_buys() -> None:
    lim = limits(max_total_exposure=0.5)
    acct = account(cash=1_000_000.0, available=700_000.0, open_buy_value={C: 300_000.0})
    approved(one(buy(A, 20_000), context(acct), lim))
    shrunk(one(buy(A, 20_100), context(acct), lim), RiskCode.TOTAL_EXPOSURE, 20_000, "50.0%")
    without_open_buys = account(cash=1_000_000.0, available=700_000.0)
    approved(one(buy(A, 20_100), context(without_open_buys), lim))


def test_the_tightest_cap_is_the_one_named() -> None:
    lim = limits(max_single_weight=0.2, max_order_notional=50_000.0)
    decision = one(buy(A, 30_000), context(account(cash=1_000_000.0, available=30_000.0)), lim)
    shrunk(decision, RiskCode.CASH, 3000)


def test_lots_main_board() -> None:
    shrunk(one(buy(A, 150), context()), RiskCode.LOT, 100, "legal lot of 100")
    denied(one(buy(A, 150), context(), limits(allow_shrink=False)), RiskCode.LOT)
    denied(one(buy(A, 50), context()), RiskCode.LOT, "no legal lot")


def test_lots_star_board() -> None:
    qs = quotes(quote(STAR, 50.0, pre_close=50.0, up=60.0, down=40.0))
    denied(one(buy(STAR, 199, 50.0), context(qs=qs)), RiskCode.LOT, "STAR 200")
    approved(one(buy(STAR, 200, 50.0), context(qs=qs)))
    approved(one(buy(STAR, 201, 50.0), context(qs=qs)))


def test_odd_lots_are_sold_whole() -> None:
    ctx = context(account(positions=[held(A, 150)]))
    approved(one(sell(A, 150), ctx))
    approved(one(sell(A, 50), ctx))  # the odd remainder alone, whole
    shrunk(one(sell(A, 120), ctx), RiskCode.LOT, 100, "legal lot of 100")
    qs = quotes(quote(STAR, 50.0, pre_close=50.0, up=60.0, down=40.0))
    star = context(account(positions=[held(STAR, 150)]), qs)
    approved(one(sell(STAR, 150, 50.0), star))
    denied(one(sell(STAR, 100, 50.0), star), RiskCode.LOT)
    star = context(account(positions=[held(STAR, 250)]), qs)
    approved(one(sell(STAR, 201, 50.0), star))
    denied(one(sell(STAR, 100, 50.0), star), RiskCode.LOT)


def test_min_order_value() -> None:
    lim = limits(min_order_value=5000.0)
    approved(one(buy(A, 500), context(), lim))
    denied(one(buy(A, 400), context(), lim), RiskCode.MIN_ORDER_VALUE, "¥4,000.00", "¥5,000.00")
    ctx = context(account(positions=[held(A, 300)]))
    approved(one(sell(A, 300), ctx, lim))  # the whole remainder is exempt
    denied(one(sell(A, 200), ctx, lim), RiskCode.MIN_ORDER_VALUE, "¥2,000.00")
    # A shrink below the minimum is a denial.
    short = context(account(available=4_000.0))
    denied(one(buy(A, 1000), short, lim), RiskCode.MIN_ORDER_VALUE)


# --- drawdowns ---------------------------------------------------------------------------------


def test_intraday_drawdown_exactly_at_the_limit_denies_buys() -> None:
    lim = limits(max_intraday_drawdown=0.05)
    marks = NavMarks(sod_nav=100_000.0)
    at_limit = context(account(cash=95_000.0, nav_marks=marks))
    denied(one(buy(A), at_limit, lim), RiskCode.DRAWDOWN_INTRADAY, "5.00%", "100,000", "limit 5.0%")
    approved(one(buy(A), context(account(cash=95_001.0, nav_marks=marks)), lim))
    # The intraday high counts too, and the higher of the two wins.
    high = NavMarks(sod_nav=90_000.0, intraday_high=100_000.0)
    denied(one(buy(A), context(account(cash=95_000.0, nav_marks=high)), lim), RiskCode.DRAWDOWN_INTRADAY)
    # Sells always pass.
    acct = account(cash=45_000.0, positions=[held(A, 5000)], nav_marks=marks)  # NAV 95,000
    denied(one(buy(B), context(acct), lim), RiskCode.DRAWDOWN_INTRADAY)
    approved(one(sell(A, 5000), context(acct), lim))


def test_cumulative_drawdown_exactly_at_the_limit_denies_buys() -> None:
    lim = limits(max_drawdown=0.2)
    marks = NavMarks(peak_nav=100_000.0)
    denied(
        one(buy(A), context(account(cash=80_000.0, nav_marks=marks)), lim),
        RiskCode.DRAWDOWN_CUMULATIVE,
        "20.00%",
        "peak ¥100,000",
    )
    approved(one(buy(A), context(account(cash=80_001.0, nav_marks=marks)), lim))
    acct = account(cash=30_000.0, positions=[held(A, 5000)], nav_marks=marks)  # NAV 80,000
    approved(one(sell(A, 5000), context(acct), lim))


def test_drawdown_off_at_one() -> None:
    acct = account(cash=10_000.0, nav_marks=NavMarks(sod_nav=100_000.0, peak_nav=1_000_000.0))
    approved(one(buy(A), context(acct), limits(max_intraday_drawdown=1.0, max_drawdown=1.0)))


# --- pacing ------------------------------------------------------------------------------------


def test_day_budget_near_its_end() -> None:
    lim = limits(max_orders_per_day=10)
    approved(one(buy(A), context(account(orders_today=9)), lim))
    denied(one(buy(A), context(account(orders_today=10)), lim), RiskCode.RATE_DAY, "budget of 10")
    denied(one(buy(A), context(account(orders_today=12)), lim), RiskCode.RATE_DAY)


def test_day_budget_counts_the_batch_cumulatively() -> None:
    lim = limits(max_orders_per_day=10)
    ctx = context(account(orders_today=7, positions=[held(C, 1000)]))
    batch = [buy(A), buy(B), sell(C), buy(A), buy(B)]
    verdict = validate(batch, ctx, lim)
    # Sells are judged first, so the sell takes one of the three slots left.
    assert [d.outcome for d in verdict.decisions] == [
        Outcome.APPROVED,
        Outcome.APPROVED,
        Outcome.APPROVED,
        Outcome.DENIED,
        Outcome.DENIED,
    ]
    for decision in verdict.decisions[3:]:
        denied(decision, RiskCode.RATE_DAY)
    assert len(verdict.approved) == 3


def test_denied_orders_do_not_spend_the_day_budget() -> None:
    lim = limits(max_orders_per_day=10)
    ctx = context(account(orders_today=9))
    verdict = validate([buy(A, price=10.005), buy(B)], ctx, lim)
    denied(verdict.decisions[0], RiskCode.BAD_TICK)
    approved(verdict.decisions[1])


def test_rate_window_paces_per_second() -> None:
    window = RateWindow(per_second=3, per_day=100)
    for t in (0.0, 0.1, 0.2):
        assert window.wait_needed(t) == 0.0
        window.record(t)
    assert window.wait_needed(0.3) == pytest.approx(0.7)
    assert window.wait_needed(0.999) == pytest.approx(0.001)
    assert window.wait_needed(1.0) == 0.0  # the first stamp has left the window
    window.record(1.0)
    assert window.wait_needed(1.05) == pytest.approx(0.05)  # 0.1 is now the oldest
    assert window.remaining_today == 96


def test_rate_window_day_budget_is_infinite_wait() -> None:
    window = RateWindow(per_second=10, per_day=2, used_today=1)
    assert window.wait_needed(0.0) == 0.0
    window.record(0.0)
    assert window.wait_needed(100.0) == math.inf
    assert window.remaining_today == 0
    window.new_day()
    assert window.wait_needed(100.0) == 0.0 and window.remaining_today == 2
    assert RateWindow(10, 5, used_today=7).remaining_today == 0


def test_rate_window_refuses_a_window_that_cannot_pass_anything() -> None:
    with pytest.raises(ValueError, match="per_second >= 1"):
        RateWindow(per_second=0, per_day=10)


# --- shrink switch and verdict shape ------------------------------------------------------------


def test_allow_shrink_false_turns_every_shrink_into_a_denial() -> None:
    lim = limits(allow_shrink=False, max_single_weight=0.2)
    ctx = context(account(cash=1_000_000.0))
    denied(one(buy(A, 20_100), ctx, lim), RiskCode.SINGLE_WEIGHT)
    approved(one(buy(A, 20_000), ctx, lim))


def test_verdict_keeps_the_batch_order_and_the_request() -> None:
    ctx = context(account(positions=[held(A, 1000, sellable=500)]))
    batch = [buy(B, 150), sell(A, 1000), buy(C, 100, price=10.005)]
    verdict: RiskVerdict = validate(batch, ctx, OPEN)
    assert [d.request for d in verdict.decisions] == batch
    assert [o.volume for o in verdict.approved] == [100, 500]
    assert [d.request for d in verdict.shrunk] == batch[:2]
    assert [d.request for d in verdict.denied] == [batch[2]]
    assert verdict.decisions[0].describe().startswith("buy 150 600036.SH: shrunk to 100 — [lot]")
    assert verdict.decisions[2].describe().startswith("buy 100 000002.SZ: denied — [bad_tick]")
    assert validate([], ctx, OPEN).decisions == ()


# --- RiskLimits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_single_weight", 0.0),
        ("max_single_weight", 1.01),
        ("max_industry_weight", -0.1),
        ("max_total_exposure", math.nan),
        ("max_intraday_drawdown", 0.0),
        ("max_drawdown", 2.0),
        ("min_cash_ratio", -0.01),
        ("min_cash_ratio", 1.5),
        ("market_buy_reserve", -0.1),
        ("max_single_weight", "0.2"),
        ("max_single_weight", True),
    ],
)
def test_fractions_out_of_range_are_refused(name: str, value: Any) -> None:
    with pytest.raises(RiskConfigError, match=f"risk limit {name} must be in"):
        RiskLimits.from_mapping({name: value})


def test_fraction_edges_are_accepted() -> None:
    lim = RiskLimits(min_cash_ratio=0.0, market_buy_reserve=0.0, max_single_weight=1.0, max_drawdown=1.0)
    assert lim.min_cash_ratio == 0.0 and lim.max_single_weight == 1.0


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("max_order_notional", 0.0, "positive number"),
        ("max_order_notional", math.inf, "positive number"),
        ("max_quote_age_s", -1.0, "positive number"),
        ("min_order_value", -1.0, ">= 0"),
        ("min_order_value", "5", ">= 0"),
        ("max_orders_per_second", 0, "positive whole number"),
        ("max_orders_per_day", 2.5, "positive whole number"),
        ("max_cancels_per_day", True, "positive whole number"),
        ("block_st", "yes", "true or false"),
        ("allow_shrink", 1, "true or false"),
    ],
)
def test_other_bad_limits_are_refused(name: str, value: Any, fragment: str) -> None:
    with pytest.raises(RiskConfigError, match=f"{name} must be .*{fragment}"):
        RiskLimits.from_mapping({name: value})


def test_rates_near_the_exchanges_high_frequency_line_are_refused() -> None:
    assert MAX_CONFIGURABLE_PER_SECOND == 150 and MAX_CONFIGURABLE_PER_DAY == 10_000
    RiskLimits(max_orders_per_second=140, max_cancels_per_second=10)  # exactly 150: allowed
    with pytest.raises(RiskConfigError, match=r"per second \(151\).*150.*300/s") as info:
        RiskLimits(max_orders_per_second=141, max_cancels_per_second=10)
    assert "max_orders_per_second" in info.value.fix
    RiskLimits(max_orders_per_day=8_000, max_cancels_per_day=2_000)  # exactly 10,000: allowed
    with pytest.raises(RiskConfigError, match=r"per day \(10001\).*10000.*20000/day"):
        RiskLimits(max_orders_per_day=8_001, max_cancels_per_day=2_000)
    with pytest.raises(RiskConfigError, match="300/s"):
        RiskLimits(max_orders_per_second=300)


def test_from_mapping_refuses_unknown_keys_and_round_trips() -> None:
    with pytest.raises(RiskConfigError, match=r"unknown risk limit.*max_weight") as info:
        RiskLimits.from_mapping({"max_weight": 0.1, "max_single_weight": 0.1})
    assert "max_single_weight" in info.value.fix
    lim = RiskLimits.from_mapping({"max_single_weight": 0.1, "blacklist": ["SH600000", "000002.SZ"]})
    assert lim.blacklist == frozenset({A, C})
    assert RiskLimits.from_mapping(lim.to_mapping()) == lim
    assert lim.to_mapping()["blacklist"] == [C, A]


@pytest.mark.parametrize("blacklist", ["600000.SH", 600000, ["not-a-code"]])
def test_a_bad_blacklist_is_refused(blacklist: Any) -> None:
    with pytest.raises(RiskConfigError, match="blacklist"):
        RiskLimits.from_mapping({"blacklist": blacklist})
