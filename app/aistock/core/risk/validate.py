"""``validate(batch)``: every pre-trade rule, over a whole batch, failing closed.

The batch is judged as one: sells first (they need shares, not cash), then buys against what
the approved orders before them have already used — cash, weight, exposure, sellable shares,
the day's order budget. Sell proceeds are never counted as cash until they are filled, so an
approved batch can be sent in any order and still never spend cash that is not free.

Rules come in two kinds. Hard rules (no price, halted, suspended, off the tick, outside the
band, blacklisted...) deny. Quantity rules (cash, caps, sellable, notional, lots) compute the
largest volume they allow; the order is shrunk to the smallest of them, rounded to a legal lot,
and denied if nothing legal is left. The reason names the rule that bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from aistock.core.boards import LotRule, NotTradableError, lot_rule_for, on_tick
from aistock.core.codes import parse_code
from aistock.core.errors import CodeFormatError
from aistock.core.fees import FeeSchedule, Side, yuan_to_fen
from aistock.core.orders import OrderRequest
from aistock.core.risk.codes import Outcome, RiskCode, RiskReason
from aistock.core.risk.context import AccountSnapshot, Quote, RiskContext
from aistock.core.risk.limits import RiskLimits
from aistock.core.trading_state import TradingState

_EPS = 1e-9
NO_INDUSTRY = "(no industry)"


@dataclass(frozen=True, slots=True)
class RiskDecision:
    request: OrderRequest
    outcome: Outcome
    order: OrderRequest | None
    """What may be sent: the request, a smaller copy of it, or ``None`` when denied."""
    reasons: tuple[RiskReason, ...] = ()

    @property
    def codes(self) -> tuple[RiskCode, ...]:
        return tuple(r.code for r in self.reasons)

    def describe(self) -> str:
        r = self.request
        head = f"{r.side.value} {r.volume} {r.code}"
        if self.outcome is Outcome.APPROVED:
            return f"{head}: approved"
        if self.outcome is Outcome.SHRUNK and self.order is not None:
            return f"{head}: shrunk to {self.order.volume} — " + "; ".join(str(x) for x in self.reasons)
        return f"{head}: denied — " + "; ".join(str(x) for x in self.reasons)


@dataclass(frozen=True, slots=True)
class RiskVerdict:
    decisions: tuple[RiskDecision, ...]

    @property
    def approved(self) -> list[OrderRequest]:
        """Everything that may be sent (shrunk orders included), in the batch's order."""
        return [d.order for d in self.decisions if d.order is not None]

    @property
    def denied(self) -> list[RiskDecision]:
        return [d for d in self.decisions if d.outcome is Outcome.DENIED]

    @property
    def shrunk(self) -> list[RiskDecision]:
        return [d for d in self.decisions if d.outcome is Outcome.SHRUNK]


def buy_cost(volume: int, price: float, fees: FeeSchedule) -> float:
    """Cash a buy of ``volume`` at ``price`` needs, fees included (yuan, fen-exact)."""
    amount = yuan_to_fen(volume * price)
    return (amount + fees.fees(Side.BUY, amount).total) / 100.0


def max_affordable(budget: float, price: float, lot: LotRule, fees: FeeSchedule) -> int:
    """The largest legal buy volume whose cost with fees fits ``budget``."""
    if not (math.isfinite(budget) and budget > 0 and math.isfinite(price) and price > 0):
        return 0
    volume = lot.round_buy(int(budget / price))
    while volume > 0 and buy_cost(volume, price, fees) > budget + _EPS:
        # Step down by what the fees need, at least one step (a few iterations at most).
        over = buy_cost(volume, price, fees) - budget
        steps = max(1, math.ceil(over / price / lot.step))
        volume = lot.round_buy(volume - steps * lot.step)
    # The step down can overshoot (float noise in ``over / price``, fees shrinking with the
    # amount): climb back while the next legal volume still fits.
    while True:
        bigger = volume + lot.step if volume else lot.min_volume
        if buy_cost(bigger, price, fees) > budget + _EPS:
            return volume
        volume = bigger


class _Books:
    """What the batch has used so far, starting from the account."""

    def __init__(self, account: AccountSnapshot, context: RiskContext) -> None:
        self.account = account
        self.cash_left = account.available
        # Never more than is held, never negative: a snapshot that says otherwise is not trusted.
        self.sellable_left = {c: max(0, min(p.sellable, p.volume)) for c, p in account.positions.items()}
        self.code_value: dict[str, float] = {}
        self.industry_value: dict[str, float] = {}
        self.unpriced: list[str] = []
        self.insane: list[str] = []
        """What makes the account impossible to size buys against (bad cash, negative holdings)."""
        if not (math.isfinite(account.cash) and math.isfinite(account.available)):
            self.insane.append(f"cash {account.cash!r} / available {account.available!r}")
        held_value = 0.0
        for code, position in account.positions.items():
            if position.volume < 0:
                self.insane.append(f"position {code} of {position.volume} shares")
                continue
            quote = context.quotes.get(code)
            price = quote.reference if quote is not None else math.nan
            if position.volume > 0 and not price > 0:
                self.unpriced.append(code)
                continue
            value = position.volume * price if position.volume > 0 else 0.0
            held_value += value
            self._add(code, value, context)
        open_buys = 0.0
        for code, value in account.open_buy_value.items():
            if not (math.isfinite(value) and value >= 0):
                # An unknown open buy could be any size: it must not widen (or hide) any room.
                self.insane.append(f"open buy value {value!r} for {code}")
                continue
            open_buys += value
            self._add(code, value, context)
        self.nav = account.cash + held_value if not self.unpriced else math.nan
        self.exposure = held_value + open_buys
        self.sells: set[str] = set()
        self.orders_sent = account.orders_today

    def _add(self, code: str, value: float, context: RiskContext) -> None:
        self.code_value[code] = self.code_value.get(code, 0.0) + value
        industry = industry_of(code, context)
        self.industry_value[industry] = self.industry_value.get(industry, 0.0) + value


def industry_of(code: str, context: RiskContext) -> str:
    quote = context.quotes.get(code)
    return quote.industry if quote is not None and quote.industry else NO_INDUSTRY


def validate(batch: Sequence[OrderRequest], context: RiskContext, limits: RiskLimits) -> RiskVerdict:
    """Judge ``batch`` as a whole; decisions come back in the batch's order."""
    if context.account is None:
        return RiskVerdict(
            tuple(
                _deny(
                    r,
                    RiskCode.NO_ACCOUNT,
                    f"{_label(r)}: no account data: the account is unknown or not loaded yet (fail closed)",
                )
                for r in batch
            )
        )
    books = _Books(context.account, context)
    order = sorted(range(len(batch)), key=lambda i: 0 if batch[i].side is Side.SELL else 1)
    decided: dict[int, RiskDecision] = {}
    for i in order:
        decided[i] = _decide(batch[i], context, limits, books)
    return RiskVerdict(tuple(decided[i] for i in range(len(batch))))


def _label(request: OrderRequest) -> str:
    return f"{request.side.value} {request.volume} {request.code}"


def _deny(request: OrderRequest, code: RiskCode, message: str) -> RiskDecision:
    return RiskDecision(request, Outcome.DENIED, None, (RiskReason(code, message),))


def _decide(request: OrderRequest, context: RiskContext, limits: RiskLimits, books: _Books) -> RiskDecision:
    label = _label(request)
    refusal = context.state.refusal(request.side)
    if refusal:
        code = RiskCode.TRADING_HALTED if context.state is TradingState.HALTED else RiskCode.TRADING_REDUCING
        return _deny(request, code, f"{label}: {refusal}")
    try:
        parsed = parse_code(request.code)
        lot = lot_rule_for(parsed)
    except (CodeFormatError, NotTradableError) as exc:
        return _deny(request, RiskCode.NOT_TRADABLE, f"{label}: {exc}")
    if str(parsed) != request.code:
        # Quotes, positions and the blacklist are keyed by the canonical code; another spelling
        # would slip past every per-code rule (the blacklist, weights, self-cross), so refuse it.
        return _deny(
            request,
            RiskCode.NOT_TRADABLE,
            f"{label}: write the code canonically as {parsed} (quotes and positions use that form)",
        )
    quote = context.quotes.get(request.code)
    hard = _hard_checks(request, label, quote, context, limits)
    if hard is not None:
        return hard
    assert quote is not None  # _hard_checks denies a missing quote
    if request.side is Side.SELL:
        return _sell(request, label, quote, lot, context, limits, books)
    return _buy(request, label, quote, lot, context, limits, books)


def _hard_checks(
    request: OrderRequest, label: str, quote: Quote | None, context: RiskContext, limits: RiskLimits
) -> RiskDecision | None:
    if quote is None or not quote.reference > 0:
        return _deny(request, RiskCode.NO_PRICE, f"{label}: no price for {request.code} (fail closed)")
    for name, limit in (("limit-up", quote.up_limit), ("limit-down", quote.down_limit)):
        if limit is not None and not (math.isfinite(limit) and limit > 0):
            # None means "no limit today"; a NaN or zero means nobody knows the band.
            return _deny(
                request,
                RiskCode.NO_PRICE,
                f"{label}: today's {name} price for {request.code} is unknown ({limit!r}; fail closed)",
            )
    if context.now is not None:
        if quote.as_of is None:
            return _deny(request, RiskCode.STALE_QUOTE, f"{label}: the quote for {request.code} has no time")
        try:
            age = (context.now - quote.as_of).total_seconds()
        except TypeError:  # one naive, one aware: the age cannot be known
            return _deny(
                request,
                RiskCode.STALE_QUOTE,
                f"{label}: the quote time for {request.code} ({quote.as_of.isoformat()}) and the clock "
                f"({context.now.isoformat()}) disagree on time zones; its age is unknown",
            )
        if age > limits.max_quote_age_s:
            return _deny(
                request,
                RiskCode.STALE_QUOTE,
                f"{label}: the quote for {request.code} is {age:.0f} s old "
                f"(limit {limits.max_quote_age_s:.0f} s)",
            )
    if quote.suspended:
        return _deny(request, RiskCode.SUSPENDED, f"{label}: {request.code} is suspended today")
    if not request.price_type.is_market:
        if not (math.isfinite(request.price) and on_tick(request.price)):
            return _deny(
                request, RiskCode.BAD_TICK, f"{label}: price {request.price!r} is not on the 0.01 yuan tick"
            )
        up, down = quote.up_limit, quote.down_limit
        if (up is not None and request.price > up + _EPS) or (
            down is not None and request.price < down - _EPS
        ):
            return _deny(
                request,
                RiskCode.OUTSIDE_LIMIT_BAND,
                f"{label}: price {request.price:.2f} is outside today's band [{_money(down)}, {_money(up)}]",
            )
    return None


def _money(value: float | None) -> str:
    return "none" if value is None else f"{value:.2f}"


def _sell(
    request: OrderRequest,
    label: str,
    quote: Quote,
    lot: LotRule,
    context: RiskContext,
    limits: RiskLimits,
    books: _Books,
) -> RiskDecision:
    account = books.account
    if request.code not in account.positions:
        return _deny(
            request,
            RiskCode.UNKNOWN_POSITION,
            f"{label}: account {account.account_id} has no known position in {request.code} (fail closed)",
        )
    # Sells are judged before every buy of the batch, so only open buys can cross them.
    if account.open_buy_value.get(request.code, 0.0) > 0:
        return _deny(
            request,
            RiskCode.SELF_CROSS,
            f"{label}: a buy of {request.code} is open; selling now could self-trade",
        )
    sellable = books.sellable_left.get(request.code, 0)
    price = request.price if not request.price_type.is_market else quote.reference
    caps: list[tuple[RiskCode, int, str]] = []
    if request.volume > sellable:
        caps.append(
            (RiskCode.SELLABLE, sellable, f"only {sellable} shares are sellable today (T+1, open sells)")
        )
    notional_cap = int(limits.max_order_notional / price + _EPS)
    if notional_cap < request.volume:
        caps.append(
            (
                RiskCode.ORDER_NOTIONAL,
                notional_cap,
                f"one order may be worth at most ¥{limits.max_order_notional:,.0f}",
            )
        )
    allowed = min([request.volume, *(c[1] for c in caps)])
    volume = lot.round_sell(allowed, sellable) if sellable > 0 else 0
    decision = _finish(request, label, volume, caps, lot_bound=volume < allowed, limits=limits)
    if decision.order is not None:
        value = decision.order.volume * price
        last = _last_checks(request, label, value, decision.order.volume == sellable, books, limits)
        if last is not None:
            return last
        books.sellable_left[request.code] = sellable - decision.order.volume
        books.sells.add(request.code)
        books.orders_sent += 1
    return decision


def _last_checks(
    request: OrderRequest, label: str, value: float, whole_remainder: bool, books: _Books, limits: RiskLimits
) -> RiskDecision | None:
    """The minimum order value (a sell of the whole remainder is exempt) and the day's budget."""
    if value < limits.min_order_value - _EPS and not whole_remainder:
        return _deny(
            request,
            RiskCode.MIN_ORDER_VALUE,
            f"{label}: worth ¥{value:,.2f}, below the minimum order value ¥{limits.min_order_value:,.2f}",
        )
    if books.orders_sent >= limits.max_orders_per_day:
        return _deny(
            request,
            RiskCode.RATE_DAY,
            f"{label}: the day's order budget of {limits.max_orders_per_day} is spent",
        )
    return None


def _buy(
    request: OrderRequest,
    label: str,
    quote: Quote,
    lot: LotRule,
    context: RiskContext,
    limits: RiskLimits,
    books: _Books,
) -> RiskDecision:
    account = books.account
    code = request.code
    if account.buy_blocked:
        return _deny(
            request,
            RiskCode.NOT_RECONCILED,
            f"{label}: buys are blocked: {account.block_reason or 'not reconciled'}",
        )
    if code in limits.blacklist:
        return _deny(request, RiskCode.BLACKLISTED, f"{label}: {code} is on the blacklist")
    if limits.block_st and quote.is_st:
        return _deny(request, RiskCode.ST_FILTERED, f"{label}: {code} is a risk-warning (ST) stock")
    if code in books.sells or code in account.open_sell_codes:
        return _deny(
            request, RiskCode.SELF_CROSS, f"{label}: a sell of {code} is open; buying now could self-trade"
        )
    if books.insane:
        return _deny(
            request,
            RiskCode.NO_ACCOUNT,
            f"{label}: the account snapshot cannot be sized against: {'; '.join(books.insane[:3])}",
        )
    if books.unpriced:
        return _deny(
            request,
            RiskCode.NO_PRICE,
            f"{label}: the account cannot be valued: "
            f"no price for holding(s) {', '.join(sorted(books.unpriced)[:3])}",
        )
    nav = books.nav
    if not nav > 0:
        return _deny(
            request, RiskCode.NO_ACCOUNT, f"{label}: the account's NAV is {nav:.2f}; nothing to size against"
        )
    drawdown = _drawdown(request, label, nav, account, limits)
    if drawdown is not None:
        return drawdown
    if request.price_type.is_market:
        price = (
            quote.up_limit
            if quote.up_limit is not None
            else quote.reference * (1 + limits.market_buy_reserve)
        )
    else:
        price = request.price
    industry = industry_of(code, context)
    floor = limits.min_cash_ratio * nav
    caps: list[tuple[RiskCode, int, str]] = []

    def cap(rule: RiskCode, room_value: float, why: str) -> None:
        shares = int(max(0.0, room_value) / price + _EPS)
        if shares < request.volume:
            caps.append((rule, shares, why))

    cap(
        RiskCode.ORDER_NOTIONAL,
        limits.max_order_notional,
        f"one order may be worth at most ¥{limits.max_order_notional:,.0f}",
    )
    cap(
        RiskCode.SINGLE_WEIGHT,
        limits.max_single_weight * nav - books.code_value.get(code, 0.0),
        f"{code} may reach at most {limits.max_single_weight:.1%} of NAV ¥{nav:,.0f}",
    )
    cap(
        RiskCode.INDUSTRY_WEIGHT,
        limits.max_industry_weight * nav - books.industry_value.get(industry, 0.0),
        f"industry {industry} may reach at most {limits.max_industry_weight:.1%} of NAV",
    )
    cap(
        RiskCode.TOTAL_EXPOSURE,
        limits.max_total_exposure * nav - books.exposure,
        f"stocks may reach at most {limits.max_total_exposure:.1%} of NAV",
    )
    affordable = max_affordable(books.cash_left, price, lot, context.fees)
    if affordable < request.volume:
        caps.append(
            (RiskCode.CASH, affordable, f"free cash is ¥{books.cash_left:,.2f} (after open buys and fees)")
        )
    if floor > 0:
        above_floor = max_affordable(books.cash_left - floor, price, lot, context.fees)
        if above_floor < request.volume:
            caps.append(
                (
                    RiskCode.CASH_FLOOR,
                    above_floor,
                    f"¥{floor:,.2f} ({limits.min_cash_ratio:.1%} of NAV) must stay in cash",
                )
            )
    allowed = min([request.volume, *(c[1] for c in caps)])
    volume = lot.round_buy(allowed)
    decision = _finish(request, label, volume, caps, lot_bound=volume < allowed, limits=limits)
    if decision.order is not None:
        value = decision.order.volume * price
        last = _last_checks(request, label, value, False, books, limits)
        if last is not None:
            return last
        books.cash_left -= buy_cost(decision.order.volume, price, context.fees)
        books.code_value[code] = books.code_value.get(code, 0.0) + value
        books.industry_value[industry] = books.industry_value.get(industry, 0.0) + value
        books.exposure += value
        books.orders_sent += 1
    return decision


def _drawdown(
    request: OrderRequest, label: str, nav: float, account: AccountSnapshot, limits: RiskLimits
) -> RiskDecision | None:
    marks = account.nav_marks
    highs = [v for v in (marks.sod_nav, marks.intraday_high) if v is not None and v > 0]
    if highs:
        high = max(*highs, nav)
        drop = 1.0 - nav / high
        if drop >= limits.max_intraday_drawdown - _EPS:
            return _deny(
                request,
                RiskCode.DRAWDOWN_INTRADAY,
                f"{label}: NAV ¥{nav:,.0f} is {drop:.2%} below today's high ¥{high:,.0f} "
                f"(limit {limits.max_intraday_drawdown:.1%}); only reducing orders pass",
            )
    if marks.peak_nav is not None and marks.peak_nav > 0:
        peak = max(marks.peak_nav, nav)
        drop = 1.0 - nav / peak
        if drop >= limits.max_drawdown - _EPS:
            return _deny(
                request,
                RiskCode.DRAWDOWN_CUMULATIVE,
                f"{label}: NAV ¥{nav:,.0f} is {drop:.2%} below its peak ¥{peak:,.0f} "
                f"(limit {limits.max_drawdown:.1%}); only reducing orders pass",
            )
    return None


def _finish(
    request: OrderRequest,
    label: str,
    volume: int,
    caps: list[tuple[RiskCode, int, str]],
    *,
    lot_bound: bool,
    limits: RiskLimits,
) -> RiskDecision:
    binding = sorted((c for c in caps if c[1] < request.volume), key=lambda c: c[1])
    reasons = [RiskReason(code, f"{label}: {why}") for code, _, why in binding[:1]]
    if not binding and (lot_bound or volume < request.volume):
        reasons.append(RiskReason(RiskCode.LOT, f"{label}: {_lot_text(request, volume)}"))
    if volume <= 0:
        return RiskDecision(request, Outcome.DENIED, None, tuple(reasons))
    if volume == request.volume:
        return RiskDecision(request, Outcome.APPROVED, request, ())
    if not limits.allow_shrink:
        return RiskDecision(request, Outcome.DENIED, None, tuple(reasons))
    return RiskDecision(request, Outcome.SHRUNK, replace(request, volume=volume), tuple(reasons))


def _lot_text(request: OrderRequest, volume: int) -> str:
    if volume <= 0:
        return "no legal lot fits (main board 100s; STAR 200 then 1; odd lots are sold whole)"
    return f"rounded to a legal lot of {volume} shares"
