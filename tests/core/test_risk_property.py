"""Properties of ``validate`` over random accounts, quotes, limits, batches and trading states.

Each property is checked against numbers the test computes itself from the context (NAV, held
values, weights, fees through the fee schedule), not through the engine's internals, so a rule
that lets too much through shows up here whichever rule it is.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, replace
from enum import Enum, auto

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from aistock.core.boards import BJ_LOT, ROUND_LOT, STAR_LOT, LotRule, on_tick, price_limits
from aistock.core.codes import Board, parse_code
from aistock.core.fees import FeeSchedule, Side, yuan_to_fen
from aistock.core.orders import OrderRequest, PriceType
from aistock.core.risk import (
    AccountSnapshot,
    HeldPosition,
    NavMarks,
    Outcome,
    Quote,
    RiskCode,
    RiskContext,
    RiskLimits,
    RiskVerdict,
    buy_cost,
    max_affordable,
    validate,
)
from aistock.core.trading_state import TradingState

NOW = dt.datetime(2025, 11, 21, 10, 30)
CODES = [
    "600000.SH",  # SH main
    "601318.SH",
    "000001.SZ",  # SZ main
    "002594.SZ",
    "300750.SZ",  # ChiNext
    "301001.SZ",
    "688981.SH",  # STAR
    "688111.SH",
    "430047.BJ",  # BJ
    "830799.BJ",
]
NOT_STOCKS = ["000001.SH", "399001.SZ"]  # indices: never tradable
INDUSTRIES = ["", "bank", "tech", "energy"]
NO_INDUSTRY = object()  # the test's own key for the shared no-industry bucket
MARKET_TYPES = [t for t in PriceType if t.is_market]
TOL = 1e-6


class Fault(Enum):
    """What can be wrong in a scenario. Each scenario enables a few kinds (often none), so an
    order that survives the enabled faults still reaches the quantity rules behind them."""

    NO_QUOTE = auto()
    NO_PRICE = auto()
    SUSPENDED = auto()
    ST = auto()
    STALE = auto()
    OFF_TICK = auto()
    OFF_BAND = auto()
    NOT_STOCK = auto()
    OPEN_SELL = auto()
    BUY_BLOCKED = auto()
    STATE = auto()
    BLACKLIST = auto()
    UNHELD_SELL = auto()


ANY_FAULTS = st.frozensets(st.sampled_from(Fault), max_size=3)


@dataclass(frozen=True)
class Faults:
    kinds: frozenset[Fault]

    def fire(self, draw: st.DrawFn, kind: Fault) -> bool:
        return kind in self.kinds and draw(st.integers(0, 2)) == 0


@dataclass(frozen=True)
class Scenario:
    context: RiskContext
    limits: RiskLimits
    batch: list[OrderRequest]


def lot_of(code: str) -> LotRule:
    board = parse_code(code).board
    if board is Board.STAR:
        return STAR_LOT
    if board is Board.BJ:
        return BJ_LOT
    return ROUND_LOT


def reference(quote: Quote) -> float:
    if math.isfinite(quote.last) and quote.last > 0:
        return quote.last
    if math.isfinite(quote.pre_close) and quote.pre_close > 0:
        return quote.pre_close
    return math.nan


@st.composite
def quote_for(draw: st.DrawFn, code: str, clock: bool, faults: Faults, max_age: float) -> Quote | None:
    if faults.fire(draw, Fault.NO_QUOTE):
        return None
    board = parse_code(code).board
    pre_close = draw(st.integers(100, 20_000)) / 100
    is_st = faults.fire(draw, Fault.ST)
    band = price_limits(pre_close, board, is_st=is_st, on=NOW.date())
    if band is None or draw(st.integers(0, 7)) == 0:  # a new listing: no limits today
        up, down = None, None
        low, high = max(1, round(pre_close * 50)), round(pre_close * 200)
    else:
        up, down = band.up, band.down
        low, high = round(down * 100), round(up * 100)
    last = draw(st.integers(low, high)) / 100
    if draw(st.integers(0, 9)) == 0:
        last = math.nan  # nothing traded yet: the previous close stands in
    if faults.fire(draw, Fault.NO_PRICE):
        last, pre_close = draw(st.sampled_from([0.0, math.nan])), draw(st.sampled_from([math.nan, 0.0]))
    as_of = None
    if clock:
        age = draw(st.floats(0, max_age))
        if faults.fire(draw, Fault.STALE):
            age = max_age + draw(st.sampled_from([0.001, 1.0, 1000.0]))
        as_of = None if faults.fire(draw, Fault.STALE) else NOW - dt.timedelta(seconds=age)
    return Quote(
        code,
        last,
        pre_close,
        up,
        down,
        suspended=faults.fire(draw, Fault.SUSPENDED),
        is_st=is_st,
        industry=draw(st.sampled_from(INDUSTRIES)),
        as_of=as_of,
    )


@st.composite
def position_for(draw: st.DrawFn, code: str, quote: Quote | None, scale: float) -> HeldPosition:
    """A holding worth a few percent to a third of the account's scale."""
    price = reference(quote) if quote is not None else math.nan
    share = draw(st.sampled_from([0.0, 0.01, 0.03, 0.1, 0.25]))
    lots = int(share * scale / price / 100) if math.isfinite(price) else draw(st.integers(0, 200))
    volume = lots * 100 + draw(st.sampled_from([0, 0, 0, 37, 99, 150]))
    sellable = draw(st.sampled_from([volume, volume, volume // 2, volume % 100, 0]))
    return HeldPosition(code, volume, sellable)


@st.composite
def request_for(
    draw: st.DrawFn, code: str, side: Side, quote: Quote | None, scale: float, faults: Faults
) -> OrderRequest:
    ref = reference(quote) if quote is not None else math.nan
    base = round(ref * 100) if math.isfinite(ref) else draw(st.integers(100, 20_000))
    # Orders worth a sliver to all of the account, in lots, odd amounts or just around a lot.
    share = draw(st.sampled_from([0.005, 0.02, 0.05, 0.1, 0.3, 1.0]))
    lots = max(1, int(share * scale / (base / 100) / 100))
    volume = draw(
        st.one_of(
            st.just(lots * 100),
            st.integers(max(1, lots * 100 - 150), lots * 100 + 150),
            st.integers(1, 30_000),
            st.integers(150, 400),
        )
    )
    if draw(st.integers(0, 3)) == 0:
        return OrderRequest(code, side, volume, draw(st.sampled_from(MARKET_TYPES)))
    if quote is not None and quote.up_limit is not None and quote.down_limit is not None:
        low, high = round(quote.down_limit * 100), round(quote.up_limit * 100)
    else:
        low, high = max(1, base * 9 // 10), base * 11 // 10 + 1
    if faults.fire(draw, Fault.OFF_BAND):
        low, high = max(1, low - 3), high + 3  # a few ticks past either edge
    price = draw(st.one_of(st.integers(low, high), st.sampled_from([low, high]))) / 100
    if faults.fire(draw, Fault.OFF_TICK):
        price += draw(st.sampled_from([0.005, 0.001, 0.0099]))
    return OrderRequest(code, side, volume, PriceType.LIMIT, price)


@st.composite
def limits_strategy(draw: st.DrawFn, faults: Faults, caps: bool = True) -> RiskLimits:
    # Hypothesis pulls bounded floats to their ends, so most caps are picked from a list; the
    # first entry of each list is the permissive one, because Hypothesis starts from (and
    # shrinks to) first entries, and a scenario that approves nothing tests nothing.
    fraction = st.sampled_from([1.0, 0.5, 0.3, 0.2, 0.1, 0.8])
    blacklist = draw(st.lists(st.sampled_from(CODES), max_size=5)) if Fault.BLACKLIST in faults.kinds else []
    if not caps:  # only cash, fees, lots and sellable shares bind
        return RiskLimits(
            max_order_notional=1e12,
            max_single_weight=1.0,
            max_industry_weight=1.0,
            max_total_exposure=1.0,
            max_intraday_drawdown=1.0,
            max_drawdown=1.0,
            max_orders_per_day=100,
            min_cash_ratio=draw(st.sampled_from([0.0, 0.1, 0.3])),
            market_buy_reserve=draw(st.sampled_from([0.0, 0.05, 0.1, 0.2])),
            max_quote_age_s=600.0,
            block_st=False,
        )
    return RiskLimits(
        max_order_notional=draw(st.sampled_from([1e9, 500_000.0, 100_000.0, 20_000.0, 5_000.0])),
        max_single_weight=draw(st.one_of(fraction, st.floats(0.01, 1.0))),
        max_industry_weight=draw(fraction),
        max_total_exposure=draw(fraction),
        min_cash_ratio=draw(st.sampled_from([0.0, 0.0, 0.0, 0.05, 0.2])),
        max_intraday_drawdown=draw(st.sampled_from([1.0, 0.1, 0.05, 0.02])),
        max_drawdown=draw(st.sampled_from([1.0, 0.2, 0.1])),
        min_order_value=draw(st.sampled_from([0.0, 0.0, 1_000.0, 5_000.0])),
        max_orders_per_day=31 - draw(st.integers(1, 30)),
        max_quote_age_s=draw(st.sampled_from([60.0, 300.0, 600.0])),
        market_buy_reserve=draw(st.sampled_from([0.0, 0.05, 0.1, 0.2])),
        block_st=draw(st.booleans()),
        blacklist=frozenset(blacklist),
        allow_shrink=draw(st.integers(0, 3)) != 3,
    )


@st.composite
def mark(draw: st.DrawFn, nav: float, limit: float, edge: bool) -> float | None:
    """A high-water mark: none, at or below the NAV, or (``edge``) right at the limit's edge."""
    if not edge:
        return draw(st.one_of(st.none(), st.floats(0.5, 1.0).map(lambda f: nav * f)))
    drop = limit * draw(st.sampled_from([0.99, 0.999_999, 1.0, 1.000_001, 1.01]))
    return nav / (1 - drop) if drop < 1 else None


@st.composite
def scenarios(
    draw: st.DrawFn,
    kinds: st.SearchStrategy[frozenset[Fault]] | None = None,
    buy_share: int = 1,
    edge_marks: bool | None = None,
    caps: bool = True,
) -> Scenario:
    """A whole context, limits and a batch.

    ``kinds`` picks the faults the scenario may have; about ``buy_share`` in ``buy_share + 1``
    orders are buys; ``edge_marks`` puts the drawdown marks at the limits' edge (None: sometimes);
    without ``caps`` only cash, fees, lots and sellable shares limit the orders.
    """
    faults = Faults(draw(ANY_FAULTS if kinds is None else kinds))
    limits = draw(limits_strategy(faults, caps))
    clock = draw(st.booleans())
    quotes = {}
    for code in CODES:
        quote = draw(quote_for(code, clock, faults, limits.max_quote_age_s))
        if quote is not None:
            quotes[code] = quote
    if Fault.NOT_STOCK in faults.kinds:  # indices are quoted too: the code alone must stop them
        for code in NOT_STOCKS:
            quotes[code] = Quote(code, 3000.0, 3000.0, None, None, as_of=NOW if clock else None)
    scale = draw(st.sampled_from([20_000.0, 200_000.0, 1_000_000.0, 5_000_000.0]))
    # Some faults (open sells, the trading state) only show on holdings.
    held_codes = draw(
        st.lists(st.sampled_from(CODES), min_size=1 if faults.kinds else 0, max_size=4, unique=True)
    )
    positions = {code: draw(position_for(code, quotes.get(code), scale)) for code in held_codes}
    open_buy_value = {
        code: scale * draw(st.sampled_from([0.0, 0.01, 0.05, 0.15]))
        for code in draw(st.lists(st.sampled_from(CODES), max_size=3, unique=True))
    }
    cash_fen = yuan_to_fen(scale * draw(st.sampled_from([1.0, 0.8, 0.5, 0.1])))
    available_fen = int(cash_fen * draw(st.sampled_from([1.0, 0.95, 0.7, 0.3, 0.0])))
    cash, available = cash_fen / 100, available_fen / 100
    priced = {c: reference(q) for c, q in quotes.items() if reference(q) > 0}
    nav = cash + sum(p.volume * priced[c] for c, p in positions.items() if c in priced)
    edge = draw(st.integers(0, 3)) == 3 if edge_marks is None else edge_marks
    at_edge = draw(st.sampled_from(["sod", "high", "peak"])) if edge else ""
    marks = NavMarks(
        sod_nav=draw(mark(nav, limits.max_intraday_drawdown, at_edge == "sod")),
        intraday_high=draw(mark(nav, limits.max_intraday_drawdown, at_edge == "high")),
        peak_nav=draw(mark(nav, limits.max_drawdown, at_edge == "peak")),
    )
    # The day's order count is sometimes near the end of the budget.
    orders_today = draw(st.integers(0, 3))
    if draw(st.integers(0, 3)) == 3:
        orders_today = max(0, limits.max_orders_per_day - draw(st.integers(0, 8)))
    account = AccountSnapshot(
        "acc",
        cash,
        available,
        positions,
        open_buy_value=open_buy_value,
        open_sell_codes=frozenset(c for c in held_codes if faults.fire(draw, Fault.OPEN_SELL)),
        buy_blocked=faults.fire(draw, Fault.BUY_BLOCKED),
        nav_marks=marks,
        orders_today=orders_today,
    )
    fees = draw(st.sampled_from([FeeSchedule(), FeeSchedule.zero()]))
    state = TradingState.ACTIVE
    if Fault.STATE in faults.kinds:
        state = draw(st.sampled_from([TradingState.REDUCING, TradingState.HALTED]))
    context = RiskContext(account, quotes, state=state, now=NOW if clock else None, fees=fees)
    batch: list[OrderRequest] = []
    for _ in range(draw(st.integers(1, 8))):
        if batch and draw(st.integers(0, 3)) == 0:
            batch.append(batch[-1])  # one order split in two: the halves must share every limit
            continue
        side = Side.BUY
        if (held_codes or Fault.UNHELD_SELL in faults.kinds) and draw(st.integers(0, buy_share)) == 0:
            side = Side.SELL
        if faults.fire(draw, Fault.NOT_STOCK):
            code = draw(st.sampled_from(NOT_STOCKS))
        elif side is Side.SELL and held_codes and not faults.fire(draw, Fault.UNHELD_SELL):
            code = draw(st.sampled_from(held_codes))
        elif side is Side.BUY and held_codes and draw(st.booleans()):
            code = draw(st.sampled_from(held_codes))  # adding to a holding
        else:
            code = draw(st.sampled_from(CODES))
        batch.append(draw(request_for(code, side, quotes.get(code), scale, faults)))
    return Scenario(context, limits, batch)


def used_price(order: OrderRequest, quote: Quote, limits: RiskLimits) -> float:
    """The price cash and caps are measured at: the limit, or a market buy's reserve."""
    if not order.price_type.is_market:
        return order.price
    if order.side is Side.SELL:
        return reference(quote)
    if quote.up_limit is not None:
        return quote.up_limit
    return reference(quote) * (1 + limits.market_buy_reserve)


def cost_of(volume: int, price: float, fees: FeeSchedule) -> float:
    amount = yuan_to_fen(volume * price)
    return (amount + fees.fees(Side.BUY, amount).total) / 100


def industry_key(code: str, quotes: dict[str, Quote]) -> object:
    quote = quotes.get(code)
    return quote.industry if quote is not None and quote.industry else NO_INDUSTRY


def check(s: Scenario, verdict: RiskVerdict) -> None:
    ctx, limits, batch = s.context, s.limits, s.batch
    account = ctx.account
    assert account is not None
    quotes = dict(ctx.quotes)
    decisions = verdict.decisions
    assert [d.request for d in decisions] == batch

    # (5) an approved order is the request or a smaller copy of it; (6) refusals explain themselves
    for d in decisions:
        if d.outcome is Outcome.APPROVED:
            assert d.order == d.request and d.reasons == ()
        elif d.outcome is Outcome.SHRUNK:
            assert d.order is not None and 0 < d.order.volume < d.request.volume
            assert d.order == replace(d.request, volume=d.order.volume)
        else:
            assert d.order is None
        if d.outcome is not Outcome.APPROVED:
            assert d.reasons, d
            assert all(r.message.strip() for r in d.reasons)
            assert all(r.message.startswith(f"{d.request.side.value} {d.request.volume} ") for r in d.reasons)
    approved = [(d.request, d.order) for d in decisions if d.order is not None]
    buys = [o for _, o in approved if o.side is Side.BUY]
    sells = [o for _, o in approved if o.side is Side.SELL]

    # (7) the trading state
    if ctx.state is TradingState.HALTED:
        assert approved == []
    if ctx.state is TradingState.REDUCING:
        assert buys == []
    # (8) the day's budget
    assert len(approved) <= max(0, limits.max_orders_per_day - account.orders_today)

    # Hard rules hold for everything approved.
    for order in buys + sells:
        code = parse_code(order.code)
        assert str(code) == order.code and code.is_stock
        quote = quotes[order.code]
        assert reference(quote) > 0 and not quote.suspended
        if ctx.now is not None:
            assert quote.as_of is not None
            assert (ctx.now - quote.as_of).total_seconds() <= limits.max_quote_age_s
        if not order.price_type.is_market:
            assert on_tick(order.price)
            assert quote.up_limit is None or order.price <= quote.up_limit + 1e-9
            assert quote.down_limit is None or order.price >= quote.down_limit - 1e-9
        # per-order notional, both sides
        value = order.volume * used_price(order, quote, limits)
        assert value <= limits.max_order_notional + TOL
    sold_codes = {o.code for o in sells}
    for order in buys:
        quote = quotes[order.code]
        assert not account.buy_blocked
        assert order.code not in limits.blacklist
        assert not (limits.block_st and quote.is_st)
        assert order.code not in account.open_sell_codes and order.code not in sold_codes
        assert lot_of(order.code).is_valid_buy(order.volume)  # (4)
        assert order.volume * used_price(order, quote, limits) >= limits.min_order_value - TOL

    # (2) and (4) for sells: never beyond the sellable shares, always a legal lot of what is left
    left = {c: max(0, min(p.sellable, p.volume)) for c, p in account.positions.items()}
    for order in sells:
        assert order.code in account.positions
        assert account.open_buy_value.get(order.code, 0.0) <= 0
        assert lot_of(order.code).is_valid_sell(order.volume, left[order.code]), (order, left)
        value = order.volume * used_price(order, quotes[order.code], limits)
        assert value >= limits.min_order_value - TOL or order.volume == left[order.code]
        left[order.code] -= order.volume
    per_code_sold: dict[str, int] = defaultdict(int)
    for order in sells:
        per_code_sold[order.code] += order.volume
    for code, volume in per_code_sold.items():
        assert volume <= account.positions[code].sellable

    if not buys:
        return
    # (1) cash: the approved buys' cost, fees included, fits what is available
    spent = sum(cost_of(o.volume, used_price(o, quotes[o.code], limits), ctx.fees) for o in buys)
    assert spent <= account.available + TOL, (spent, account.available)
    assert math.isclose(
        spent,
        sum(buy_cost(o.volume, used_price(o, quotes[o.code], limits), ctx.fees) for o in buys),
        abs_tol=1e-6,
    )

    # (3) the caps after the buys, on a NAV the test computes itself
    held_value: dict[str, float] = {}
    for code, position in account.positions.items():
        if position.volume > 0:
            assert code in quotes and reference(quotes[code]) > 0, "bought with an unpriced holding"
            held_value[code] = position.volume * reference(quotes[code])
    nav = account.cash + sum(held_value.values())
    assert nav > 0
    tol = TOL + nav * 1e-12
    assert spent <= account.available - limits.min_cash_ratio * nav + tol, "cash floor"

    per_code: dict[str, float] = defaultdict(float)
    for code, value in held_value.items():
        per_code[code] += value
    for code, value in account.open_buy_value.items():
        per_code[code] += value
    exposure_before = sum(per_code.values())
    bought: dict[str, float] = defaultdict(float)
    for order in buys:
        bought[order.code] += order.volume * used_price(order, quotes[order.code], limits)
    for code, value in bought.items():
        assert per_code[code] + value <= limits.max_single_weight * nav + tol, ("single weight", code)
    per_industry: dict[object, float] = defaultdict(float)
    for code, value in per_code.items():
        per_industry[industry_key(code, quotes)] += value
    bought_industry: dict[object, float] = defaultdict(float)
    for code, value in bought.items():
        bought_industry[industry_key(code, quotes)] += value
    for key, value in bought_industry.items():
        assert per_industry[key] + value <= limits.max_industry_weight * nav + tol, ("industry", key)
    total = exposure_before + sum(bought.values())
    assert total <= limits.max_total_exposure * nav + tol, "total exposure"

    # Drawdowns: a buy is only approved while the NAV is above both limits.
    marks = account.nav_marks
    highs = [v for v in (marks.sod_nav, marks.intraday_high) if v is not None and v > 0]
    if highs:
        assert 1 - nav / max(*highs, nav) < limits.max_intraday_drawdown
    if marks.peak_nav is not None and marks.peak_nav > 0:
        assert 1 - nav / max(marks.peak_nav, nav) < limits.max_drawdown


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_verdict_keeps_every_limit(s: Scenario) -> None:
    check(s, validate(s.batch, s.context, s.limits))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(kinds=st.just(frozenset()), buy_share=3))
def test_money_limits_hold_for_clean_buy_heavy_batches(s: Scenario) -> None:
    """No faults at all: every order reaches cash, fees, the floor, weights and exposure."""
    check(s, validate(s.batch, s.context, s.limits))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=scenarios(kinds=st.just(frozenset()), buy_share=4, caps=False), data=st.data())
def test_cash_and_fees_bind_when_the_caps_are_off(s: Scenario, data: st.DataObject) -> None:
    """Every buy competes for the same cash: the batch never spends more than is free.

    Often the free cash is put at the first buy's exact cost, fees included, or a fen either
    side of it, where leaving the fees out of the sum would show; sometimes every stock is a new
    listing without limits, so market buys reserve cash at the last price plus the reserve.
    """
    if data.draw(st.booleans()):
        unlimited = {c: replace(q, up_limit=None, down_limit=None) for c, q in s.context.quotes.items()}
        s = replace(s, context=replace(s.context, quotes=unlimited))
    account = s.context.account
    assert account is not None
    buys = [r for r in s.batch if r.side is Side.BUY and reference(s.context.quotes[r.code]) > 0]
    volume = lot_of(buys[0].code).round_buy(buys[0].volume) if buys else 0
    if volume and data.draw(st.booleans()):
        fees = FeeSchedule()
        price = used_price(buys[0], s.context.quotes[buys[0].code], s.limits)
        edge = cost_of(volume, price, fees) + data.draw(st.sampled_from([0.0, -0.01, 0.01]))
        edge = max(0.0, round(edge, 2))
        account = replace(account, cash=max(account.cash, edge), available=edge)
        s = replace(s, context=replace(s.context, account=account, fees=fees))
        s = replace(s, limits=replace(s.limits, min_cash_ratio=0.0))  # the floor would bind first
    check(s, validate(s.batch, s.context, s.limits))


@pytest.mark.parametrize("kind", list(Fault), ids=[k.name.lower() for k in Fault])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_fault_at_a_time_is_never_let_through(kind: Fault, data: st.DataObject) -> None:
    """One kind of fault, so the orders it spares pass and the ones it hits must not."""
    s = data.draw(scenarios(kinds=st.just(frozenset({kind}))))
    check(s, validate(s.batch, s.context, s.limits))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(kinds=st.just(frozenset()), buy_share=3, edge_marks=True))
def test_drawdown_edges(s: Scenario) -> None:
    check(s, validate(s.batch, s.context, s.limits))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_verdict_is_a_pure_function_of_its_inputs(s: Scenario) -> None:
    first = validate(s.batch, s.context, s.limits)
    assert validate(list(s.batch), s.context, s.limits) == first


def own_nav(s: Scenario) -> float:
    account = s.context.account
    assert account is not None
    held = sum(
        p.volume * reference(s.context.quotes[c]) for c, p in account.positions.items() if p.volume > 0
    )
    return account.cash + held


def inject(kind: str, s: Scenario, i: int, data: st.DataObject) -> tuple[Scenario, RiskCode] | None:
    """``s`` with one fault put into order ``i`` (or its quote, account, limits) and the code
    that must now deny it; None when the fault does not apply to this order."""
    ctx, limits = s.context, s.limits
    account = ctx.account
    assert account is not None
    order = s.batch[i]
    code, quote = order.code, ctx.quotes[order.code]
    is_buy, is_limit = order.side is Side.BUY, not order.price_type.is_market
    now = ctx.now or NOW

    def quote_with(**changes: object) -> Scenario:
        return replace(s, context=replace(ctx, quotes={**ctx.quotes, code: replace(quote, **changes)}))

    def account_with(**changes: object) -> Scenario:
        return replace(s, context=replace(ctx, account=replace(account, **changes)))

    def order_with(**changes: object) -> Scenario:
        return replace(s, batch=[*s.batch[:i], replace(order, **changes), *s.batch[i + 1 :]])

    tick = data.draw(st.sampled_from([1, 2, 100]))
    match kind:
        case "halted":
            return replace(s, context=replace(ctx, state=TradingState.HALTED)), RiskCode.TRADING_HALTED
        case "reducing" if is_buy:
            return replace(s, context=replace(ctx, state=TradingState.REDUCING)), RiskCode.TRADING_REDUCING
        case "qlib_spelling":
            return order_with(code=parse_code(code).qlib), RiskCode.NOT_TRADABLE
        case "no_quote":
            quotes = {c: q for c, q in ctx.quotes.items() if c != code}
            return replace(s, context=replace(ctx, quotes=quotes)), RiskCode.NO_PRICE
        case "no_price":
            return quote_with(last=math.nan, pre_close=math.nan), RiskCode.NO_PRICE
        case "unknown_band":
            return quote_with(up_limit=math.nan), RiskCode.NO_PRICE
        case "stale":
            late = data.draw(st.sampled_from([0.001, 1.0, 3600.0]))
            as_of = now - dt.timedelta(seconds=limits.max_quote_age_s + late)
            stale = quote_with(as_of=as_of)
            return replace(stale, context=replace(stale.context, now=now)), RiskCode.STALE_QUOTE
        case "no_time":
            untimed = quote_with(as_of=None)
            return replace(untimed, context=replace(untimed.context, now=now)), RiskCode.STALE_QUOTE
        case "suspended":
            return quote_with(suspended=True), RiskCode.SUSPENDED
        case "off_tick" if is_limit:
            off = data.draw(st.sampled_from([0.005, 0.001, 0.0099]))
            return order_with(price=order.price + off), RiskCode.BAD_TICK
        case "above_band" if is_limit and order.price - tick * 0.01 > 0.005:
            up = round(order.price - tick * 0.01, 2)
            down = None if quote.down_limit is None else min(quote.down_limit, up)
            return quote_with(up_limit=up, down_limit=down), RiskCode.OUTSIDE_LIMIT_BAND
        case "below_band" if is_limit:
            down = round(order.price + tick * 0.01, 2)
            up = None if quote.up_limit is None else max(quote.up_limit, down)
            return quote_with(up_limit=up, down_limit=down), RiskCode.OUTSIDE_LIMIT_BAND
        case "blacklisted" if is_buy:
            return replace(
                s, limits=replace(limits, blacklist=limits.blacklist | {code})
            ), RiskCode.BLACKLISTED
        case "st" if is_buy:
            st_quote = quote_with(is_st=True)
            return replace(st_quote, limits=replace(limits, block_st=True)), RiskCode.ST_FILTERED
        case "buy_blocked" if is_buy:
            return account_with(buy_blocked=True), RiskCode.NOT_RECONCILED
        case "open_sell" if is_buy:
            return account_with(open_sell_codes=account.open_sell_codes | {code}), RiskCode.SELF_CROSS
        case "open_buy" if not is_buy:
            return account_with(open_buy_value={**account.open_buy_value, code: 100.0}), RiskCode.SELF_CROSS
        case "not_held" if not is_buy:
            positions = {c: p for c, p in account.positions.items() if c != code}
            return account_with(positions=positions), RiskCode.UNKNOWN_POSITION
        case "t_plus_one" if not is_buy:
            positions = {**account.positions, code: replace(account.positions[code], sellable=0)}
            return account_with(positions=positions), RiskCode.SELLABLE
        case "peak_drawdown" if is_buy and limits.max_drawdown < 1:
            # Exactly at the limit (float noise and all), a hair past it, or far past it.
            drop = limits.max_drawdown * data.draw(st.sampled_from([1.0, 1.000_001, 1.5]))
            if drop >= 1:
                return None
            marks = replace(account.nav_marks, peak_nav=own_nav(s) / (1 - drop))
            return account_with(nav_marks=marks), RiskCode.DRAWDOWN_CUMULATIVE
        case "intraday_drawdown" if is_buy and limits.max_intraday_drawdown < 1:
            drop = limits.max_intraday_drawdown * data.draw(st.sampled_from([1.0, 1.000_001, 1.5]))
            if drop >= 1:
                return None
            marks = replace(account.nav_marks, intraday_high=own_nav(s) / (1 - drop))
            return account_with(nav_marks=marks), RiskCode.DRAWDOWN_INTRADAY
        case "day_budget_spent":
            return account_with(orders_today=limits.max_orders_per_day), RiskCode.RATE_DAY
    return None


INJECTIONS = [
    "halted",
    "reducing",
    "qlib_spelling",
    "no_quote",
    "no_price",
    "unknown_band",
    "stale",
    "no_time",
    "suspended",
    "off_tick",
    "above_band",
    "below_band",
    "blacklisted",
    "st",
    "buy_blocked",
    "open_sell",
    "open_buy",
    "not_held",
    "t_plus_one",
    "peak_drawdown",
    "intraday_drawdown",
    "day_budget_spent",
]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=scenarios(kinds=st.just(frozenset())), data=st.data())
def test_one_fault_in_a_passing_order_denies_it_with_that_code(s: Scenario, data: st.DataObject) -> None:
    """Every hard rule, from the inside: an order that passed, given one fault, fails on it alone."""
    verdict = validate(s.batch, s.context, s.limits)
    passed = [i for i, d in enumerate(verdict.decisions) if d.order is not None]
    assume(passed)
    i = data.draw(st.sampled_from(passed))
    for kind in INJECTIONS:
        injected = inject(kind, s, i, data)
        if injected is None:
            continue
        faulty, code = injected
        decision = validate(faulty.batch, faulty.context, faulty.limits).decisions[i]
        assert decision.outcome is Outcome.DENIED, (kind, decision.describe())
        assert decision.codes == (code,), (kind, decision.describe())
        assert decision.reasons[0].message


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_without_shrinking_every_order_is_all_or_nothing(s: Scenario) -> None:
    verdict = validate(s.batch, s.context, replace(s.limits, allow_shrink=False))
    assert verdict.shrunk == []
    assert all(d.order is None or d.order == d.request for d in verdict.decisions)
    check(replace(s, limits=replace(s.limits, allow_shrink=False)), verdict)


@settings(max_examples=300, deadline=None)
@given(
    budget_fen=st.integers(0, 200_000_000),
    price_cents=st.integers(1, 100_000),
    lot=st.sampled_from([ROUND_LOT, STAR_LOT, BJ_LOT]),
    fees=st.sampled_from([FeeSchedule(), FeeSchedule.zero()]),
)
def test_max_affordable_is_the_largest_legal_volume_that_fits(
    budget_fen: int, price_cents: int, lot: LotRule, fees: FeeSchedule
) -> None:
    budget, price = budget_fen / 100, price_cents / 100
    volume = max_affordable(budget, price, lot, fees)
    assert volume == 0 or lot.is_valid_buy(volume)
    if volume:
        assert cost_of(volume, price, fees) <= budget + 1e-9
    bigger = lot.min_volume if volume == 0 else volume + lot.step
    assert cost_of(bigger, price, fees) > budget
