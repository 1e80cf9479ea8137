"""The order planner: target weights in, a list of legal orders (and why the rest was skipped) out.

A strategy says *what* it wants to hold (weights of NAV); the planner says which orders get there
from the account as it is now, under the exchange's rules: lots by board, T+1 sellable shares,
no buy at limit-up and no sell at limit-down (they would not fill), suspended names untouched,
fees counted to the fen. Everything it cannot do is reported with a reason a trader can act on,
because a silently dropped target is the bug nobody finds until the month-end statement.

Three choices are deliberate:

* The planner plans on a *quiet book* only. A code with open orders of ours is skipped: its
  position is about to change, so any delta computed now would double-trade.
* Sell proceeds are not cash until they are filled, so buys are sized from ``available`` alone.
  A rebalance that needs its sells' proceeds therefore takes two rounds; that is the price of
  never sending a buy the account cannot pay for.
* The output is deterministic (same inputs, same list) so that a preview, a paper run and a live
  run of the same day can be compared order by order.

Pure: no I/O, no clock, no Qt; the risk engine still judges every planned order afterwards.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from aistock.core.boards import LotRule, NotTradableError, lot_rule_for, round_price
from aistock.core.codes import parse_code
from aistock.core.errors import AistockError, CodeFormatError
from aistock.core.fees import FeeSchedule, Side
from aistock.core.orders import OrderRequest, PriceType
from aistock.core.risk import AccountSnapshot, Quote, buy_cost, max_affordable

WEIGHT_SUM_TOLERANCE = 1e-9
"""How far above 1 the weights may sum before the target is refused (float noise only)."""

_EPS = 1e-9


class PlanningError(AistockError, ValueError):
    """A target or a planner setting that cannot be planned as written."""


@dataclass(frozen=True, slots=True)
class PlannerConfig:
    """The planner's own knobs (the risk limits are separate and still apply afterwards)."""

    min_order_value: float = 2000.0
    """Trades worth less than this (yuan) are skipped: the ¥5 minimum commission makes them
    expensive, and they only chase rounding noise. Selling a whole sellable remainder is exempt,
    because an odd lot can only ever be sold whole and would otherwise be stranded."""
    cash_reserve: float = 0.0
    """Yuan that buys leave untouched (for fees of later days, a manual trade, a margin of error)."""

    def __post_init__(self) -> None:
        for name in ("min_order_value", "cash_reserve"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise PlanningError(
                    f"planner {name} must be a number of yuan, got {value!r}",
                    f"give {name} as a number such as 2000 (0 turns it off)",
                )
            if not (math.isfinite(value) and value >= 0):
                raise PlanningError(
                    f"planner {name} must be a finite amount >= 0 yuan, got {value!r}",
                    f"give {name} in yuan, e.g. 2000; use 0 to turn it off",
                )
            object.__setattr__(self, name, float(value))


class SkipReason(StrEnum):
    """Why a target produced no order (stable codes, for counting and tests)."""

    NO_PRICE = "no_price"
    SUSPENDED = "suspended"
    NOT_TRADABLE = "not_tradable"
    LIMIT_UP = "limit_up"
    LIMIT_DOWN = "limit_down"
    NOT_SELLABLE = "not_sellable"
    OPEN_ORDERS = "open_orders"
    BELOW_MIN_VALUE = "below_min_value"
    NO_CASH = "no_cash"
    LOT = "lot"


@dataclass(frozen=True, slots=True)
class SkippedTarget:
    code: str
    side: Side | None
    """The trade the target asked for; ``None`` when it could not even be worked out."""
    reason: SkipReason
    message: str
    """For a person: names the code and the numbers that decided."""

    def __str__(self) -> str:
        return f"[{self.reason.value}] {self.message}"


@dataclass(frozen=True, slots=True)
class OrderPlan:
    orders: tuple[OrderRequest, ...]
    """Sells first, then buys (largest shortfall first): the order they should be sent in."""
    skipped: tuple[SkippedTarget, ...]
    nav: float
    """The NAV the weights were sized against (NaN when a holding had no price)."""

    @property
    def sells(self) -> tuple[OrderRequest, ...]:
        return tuple(o for o in self.orders if o.side is Side.SELL)

    @property
    def buys(self) -> tuple[OrderRequest, ...]:
        return tuple(o for o in self.orders if o.side is Side.BUY)

    def describe(self) -> str:
        """A few lines a trader can read in a preview dialog or a log."""
        sells, buys = self.sells, self.buys
        sell_value = sum(o.volume * o.price for o in sells)
        buy_value = sum(o.volume * o.price for o in buys)
        nav = f"¥{self.nav:,.2f}" if math.isfinite(self.nav) else "unknown"
        lines = [
            f"plan on NAV {nav}: {len(sells)} sell(s) worth ¥{sell_value:,.2f}, "
            f"{len(buys)} buy(s) worth ¥{buy_value:,.2f}, {len(self.skipped)} skipped"
        ]
        lines.extend(f"  {o.side.value} {o.volume} {o.code} @ {o.price:.2f}" for o in self.orders)
        lines.extend(f"  skipped {s}" for s in self.skipped)
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Line:
    """One code's wish, once priced: what to hold and what it takes to get there."""

    code: str
    lot: LotRule
    quote: Quote
    price: float
    held: int
    sellable: int
    target_volume: int

    @property
    def delta(self) -> int:
        return self.target_volume - self.held


def plan_orders(
    account: AccountSnapshot,
    quotes: Mapping[str, Quote],
    target: Mapping[str, float],
    *,
    fees: FeeSchedule,
    config: PlannerConfig = PlannerConfig(),
    strategy: str = "",
) -> OrderPlan:
    """Orders that move ``account`` towards ``target`` (code → fraction of NAV; the rest is cash).

    Held codes missing from ``target`` are sold. See the module docstring for the rules; every
    target that yields no order comes back in :attr:`OrderPlan.skipped` with its reason.
    ``account`` and ``quotes`` use canonical codes (``600000.SH``); target codes may be in any
    format :func:`~aistock.core.codes.parse_code` reads (a qlib ``SH600000`` included).
    """
    weights = _checked_weights(target)
    held = {code: p for code, p in account.positions.items() if p.volume > 0}
    open_codes = set(account.open_sell_codes) | {c for c, v in account.open_buy_value.items() if v > 0}
    # Open-order codes join even with nothing to do: their open orders will move the book, and
    # the trader should hear that the planner left them alone.
    universe = sorted({code for code, weight in weights.items() if weight > 0} | set(held) | open_codes)

    unpriced = sorted(code for code in held if not _price_of(quotes.get(code)) > 0)
    if unpriced:
        names = ", ".join(unpriced[:5]) + (" ..." if len(unpriced) > 5 else "")
        message = (
            f"no usable price for holding(s) {names}: the account's NAV cannot be valued, "
            "so no target can be sized"
        )
        nothing = tuple(
            SkippedTarget(
                code, _side_hint(weights.get(code, 0.0), code in held), SkipReason.NO_PRICE, message
            )
            for code in universe
        )
        return OrderPlan(orders=(), skipped=nothing, nav=math.nan)

    nav = account.cash + sum(p.volume * _price_of(quotes.get(code)) for code, p in held.items())
    if not (math.isfinite(nav) and nav >= 0):
        raise PlanningError(
            f"account {account.account_id} has a NAV of {nav!r} yuan (cash {account.cash!r}): "
            "there is nothing sound to size weights against",
            "reconcile the account with the broker before planning",
        )

    skipped: list[SkippedTarget] = []
    sells: list[_Line] = []
    buys: list[_Line] = []
    for code in universe:
        weight = weights.get(code, 0.0)
        position = held.get(code)
        volume = position.volume if position is not None else 0
        side_hint = _side_hint(weight, position is not None)
        try:
            lot = lot_rule_for(parse_code(code))
        except (CodeFormatError, NotTradableError) as exc:
            skipped.append(SkippedTarget(code, side_hint, SkipReason.NOT_TRADABLE, f"{code}: {exc}"))
            continue
        if code in open_codes:
            skipped.append(
                SkippedTarget(
                    code,
                    side_hint,
                    SkipReason.OPEN_ORDERS,
                    f"{code}: orders of ours are still open (its position is about to change); "
                    "cancel or wait for the open orders first",
                ),
            )
            continue
        quote = quotes.get(code)
        reference = _price_of(quote)
        if quote is None or not reference > 0:
            skipped.append(
                SkippedTarget(
                    code,
                    side_hint,
                    SkipReason.NO_PRICE,
                    f"{code}: no usable price (no quote, or neither a last price nor a previous close)",
                )
            )
            continue
        line = _Line(
            code=code,
            lot=lot,
            quote=quote,
            price=_order_price(quote, reference),
            held=volume,
            sellable=position.sellable if position is not None else 0,
            target_volume=max(0, math.floor(weight * nav / reference + _EPS)),
        )
        if line.delta < 0:
            sells.append(line)
        elif line.delta > 0:
            buys.append(line)

    orders: list[OrderRequest] = []
    for line in sorted(sells, key=lambda x: (x.delta * x.price, x.code)):  # largest sale first
        _plan_sell(line, config, strategy, orders, skipped)
    budget = account.available - config.cash_reserve
    for line in sorted(buys, key=lambda x: (-x.delta * x.price, x.code)):  # largest shortfall first
        budget = _plan_buy(line, budget, config, fees, strategy, orders, skipped)
    skipped.sort(key=lambda s: (s.code, s.side is Side.BUY))
    return OrderPlan(orders=tuple(orders), skipped=tuple(skipped), nav=nav)


def _checked_weights(target: Mapping[str, float]) -> dict[str, float]:
    """The target with canonical codes (``SH600000`` and ``600000.SH`` are one name), checked."""
    out: dict[str, float] = {}
    spelled: dict[str, str] = {}
    entries: list[tuple[str, object]] = list(target.items())  # typed loosely: callers pass anything
    for raw_code, raw_weight in entries:
        if isinstance(raw_weight, bool) or not isinstance(raw_weight, numbers.Real):  # numpy floats too
            raise PlanningError(
                f"target weight of {raw_code} must be a number, got {raw_weight!r}",
                "give weights as fractions of NAV, e.g. 0.05",
            )
        weight = float(raw_weight)
        if not (math.isfinite(weight) and weight >= 0):
            raise PlanningError(
                f"target weight of {raw_code} must be a finite fraction >= 0, got {raw_weight!r}",
                "give weights as fractions of NAV, e.g. 0.05; leave a code out (or use 0) to sell it",
            )
        try:
            code = parse_code(raw_code).canonical
        except CodeFormatError:
            code = str(raw_code)  # reported as NOT_TRADABLE by the planner, not refused here
        if code in out:
            raise PlanningError(
                f"target names {code} twice (as {spelled[code]!r} and {raw_code!r})",
                "give each code once",
            )
        out[code] = weight
        spelled[code] = str(raw_code)
    total = math.fsum(out.values())
    if total > 1 + WEIGHT_SUM_TOLERANCE:
        raise PlanningError(
            f"target weights sum to {total:.6f}, more than the whole NAV (1.0)",
            "scale the weights down so they sum to at most 1; the rest stays in cash",
        )
    return out


def _price_of(quote: Quote | None) -> float:
    return quote.reference if quote is not None else math.nan


def _order_price(quote: Quote, reference: float) -> float:
    """The reference on the 0.01 tick, kept inside today's band when the band is known."""
    price = float(round_price(reference))
    if quote.up_limit is not None:
        price = min(price, quote.up_limit)
    if quote.down_limit is not None:
        price = max(price, quote.down_limit)
    return price


def _side_hint(weight: float, held: bool) -> Side | None:
    if weight == 0 and held:
        return Side.SELL
    if not held and weight > 0:
        return Side.BUY
    return None


def _plan_sell(
    line: _Line,
    config: PlannerConfig,
    strategy: str,
    orders: list[OrderRequest],
    skipped: list[SkippedTarget],
) -> None:
    code, quote, price = line.code, line.quote, line.price
    want = -line.delta

    def skip(reason: SkipReason, why: str) -> None:
        skipped.append(SkippedTarget(code, Side.SELL, reason, f"sell {want} {code}: {why}"))

    if quote.suspended:
        skip(SkipReason.SUSPENDED, f"{code} is suspended today")
        return
    if line.sellable <= 0:
        skip(
            SkipReason.NOT_SELLABLE,
            f"none of the {line.held} shares held is sellable today (bought today: T+1)",
        )
        return
    if quote.down_limit is not None and price <= quote.down_limit + _EPS:
        skip(
            SkipReason.LIMIT_DOWN,
            f"{code} is at limit-down {quote.down_limit:.2f} (price {price:.2f}); a sell would not fill",
        )
        return
    volume = line.lot.round_sell(want, line.sellable)
    if volume <= 0:
        skip(
            SkipReason.LOT,
            f"{want} shares is less than one legal lot of {line.lot.min_volume} "
            f"({line.sellable} sellable; odd lots are sold only whole)",
        )
        return
    value = volume * price
    if value < config.min_order_value - _EPS and volume != line.sellable:
        skip(
            SkipReason.BELOW_MIN_VALUE,
            f"{volume} shares @ {price:.2f} is worth ¥{value:,.2f}, "
            f"below the minimum order value ¥{config.min_order_value:,.2f}",
        )
        return
    orders.append(OrderRequest(code, Side.SELL, volume, PriceType.LIMIT, price=price, strategy=strategy))


def _plan_buy(
    line: _Line,
    budget: float,
    config: PlannerConfig,
    fees: FeeSchedule,
    strategy: str,
    orders: list[OrderRequest],
    skipped: list[SkippedTarget],
) -> float:
    """Plan one buy against ``budget``; returns the budget left."""
    code, quote, price, lot = line.code, line.quote, line.price, line.lot
    want = line.delta

    def skip(reason: SkipReason, why: str) -> float:
        skipped.append(SkippedTarget(code, Side.BUY, reason, f"buy {want} {code}: {why}"))
        return budget

    if quote.suspended:
        return skip(SkipReason.SUSPENDED, f"{code} is suspended today")
    if quote.up_limit is not None and price >= quote.up_limit - _EPS:
        return skip(
            SkipReason.LIMIT_UP,
            f"{code} is at limit-up {quote.up_limit:.2f} (price {price:.2f}); a buy would not fill",
        )
    lots = lot.round_buy(want)
    if lots <= 0:
        return skip(SkipReason.LOT, f"{want} shares is less than one lot ({lot.min_volume} shares)")
    affordable = max_affordable(budget, price, lot, fees)
    volume = min(lots, affordable)
    if volume <= 0:
        free = max(budget, 0.0)
        return skip(
            SkipReason.NO_CASH,
            f"¥{free:,.2f} of cash is free for buys (available minus the ¥{config.cash_reserve:,.2f} "
            f"reserve and earlier buys); one lot of {lot.min_volume} @ {price:.2f} costs "
            f"¥{buy_cost(lot.min_volume, price, fees):,.2f} with fees",
        )
    value = volume * price
    if value < config.min_order_value - _EPS:
        capped = f" (cut by cash from {lots})" if volume < lots else ""
        return skip(
            SkipReason.BELOW_MIN_VALUE,
            f"{volume} shares{capped} @ {price:.2f} is worth ¥{value:,.2f}, "
            f"below the minimum order value ¥{config.min_order_value:,.2f}",
        )
    orders.append(OrderRequest(code, Side.BUY, volume, PriceType.LIMIT, price=price, strategy=strategy))
    return budget - buy_cost(volume, price, fees)
