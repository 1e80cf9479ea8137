"""The exchange's and the counter's rules: which orders are 废单, and how a minute bar fills one.

Kept apart from the counter's bookkeeping so each rule can be read (and tested) on its own.
The reject reasons are the counter's Chinese texts a trader sees in ``status_msg``; their
``error_id`` values are the simulator's own (real ones differ from broker to broker).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Final

from xtquant import xtconstant

from aistock.core.boards import LotRule, NotTradableError, lot_rule_for, on_tick
from aistock.core.codes import Exchange, InstrumentCode, parse_code
from aistock.core.errors import CodeFormatError
from aistock.core.fees import FeeSchedule, Side
from aistock.trading.gateways.simulator.market import MinuteBar, Reference, fen


class Reject(Enum):
    """Why an order became a 废单: (error_id, status_msg)."""

    NOT_TRADING_TIME = (10001, "非交易时间")
    UNKNOWN_CODE = (10002, "证券代码不存在")
    BAD_ORDER_TYPE = (10003, "不支持的委托类型")
    BAD_PRICE_TYPE = (10004, "该市场不支持此报价类型")
    SUSPENDED = (10005, "证券停牌")
    BAD_VOLUME = (10006, "委托数量不符合交易单位")
    NOT_ENOUGH_SHARES = (10007, "可用股份不足")
    BAD_TICK = (10008, "委托价格不是最小变动价位的整数倍")
    OUTSIDE_BAND = (10009, "委托价格超出涨跌停范围")
    BAD_PRICE = (10010, "委托价格错误")
    NOT_ENOUGH_CASH = (10011, "可用资金不足")
    FORCED = (10099, "")  # a fault: the message comes from the fault

    @property
    def error_id(self) -> int:
        return self.value[0]

    @property
    def msg(self) -> str:
        return self.value[1]


# Market price types and where the exchanges accept them.
_SH_BJ_MARKET: Final = frozenset(
    {
        xtconstant.MARKET_SH_CONVERT_5_CANCEL,
        xtconstant.MARKET_SH_CONVERT_5_LIMIT,
        xtconstant.MARKET_PEER_PRICE_FIRST,
        xtconstant.MARKET_MINE_PRICE_FIRST,
    }
)
_SZ_MARKET: Final = frozenset(
    {
        xtconstant.MARKET_PEER_PRICE_FIRST,
        xtconstant.MARKET_MINE_PRICE_FIRST,
        xtconstant.MARKET_SZ_INSTBUSI_RESTCANCEL,
        xtconstant.MARKET_SZ_CONVERT_5_CANCEL,
        xtconstant.MARKET_SZ_FULL_OR_CANCEL,
    }
)
MARKET_PRICE_TYPES: Final = _SH_BJ_MARKET | _SZ_MARKET | {xtconstant.LATEST_PRICE}
# Immediate-or-cancel: the rest is cancelled after the first matching step. Fill-or-kill: all
# in that step or nothing. The others rest and stay marketable until filled or cancelled.
IOC_PRICE_TYPES: Final = frozenset(
    {
        xtconstant.MARKET_SH_CONVERT_5_CANCEL,
        xtconstant.MARKET_SZ_INSTBUSI_RESTCANCEL,
        xtconstant.MARKET_SZ_CONVERT_5_CANCEL,
    }
)
FOK_PRICE_TYPES: Final = frozenset({xtconstant.MARKET_SZ_FULL_OR_CANCEL})
# A market buy without a price limit (a new listing's first days) freezes at last × 1.1.
_NO_LIMIT_FREEZE_MARKUP = 1.1

MARKET_ENUM_OF: Final[dict[Exchange, int]] = {
    Exchange.SH: xtconstant.SH_MARKET,
    Exchange.SZ: xtconstant.SZ_MARKET,
    Exchange.BJ: xtconstant.MARKET_ENUM_BEIJING,
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of checking an order: a reject, or the cash to freeze (buys)."""

    reject: Reject | None = None
    freeze_price_fen: int = 0
    frozen_fen: int = 0
    side: Side = Side.BUY


@dataclass(frozen=True, slots=True)
class OrderAsk:
    """An order as the client sent it."""

    stock_code: str
    order_type: int
    volume: int
    price_type: int
    price: float


def side_of(order_type: int) -> Side | None:
    if order_type == xtconstant.STOCK_BUY:
        return Side.BUY
    if order_type == xtconstant.STOCK_SELL:
        return Side.SELL
    return None


def instrument(code: str) -> InstrumentCode | None:
    try:
        parsed = parse_code(code)
    except CodeFormatError:
        return None
    return parsed if str(parsed) == code else None  # the counter wants the canonical 600000.SH


def lot_of(code: str) -> LotRule:
    return lot_rule_for(parse_code(code))


def buy_freeze_fen(volume: int, price_fen: int, traded_amount_fen: int, fees: FeeSchedule) -> int:
    """Cash to hold for buying ``volume`` more at up to ``price_fen``, fees included.

    Fees are charged on the order's cumulative amount (the ¥5 minimum is per order), so the
    rest's fees are the difference between the fees of the whole and of what already traded.
    Fees only grow with the amount, so this never under-freezes.
    """
    rest = volume * price_fen
    before = fees.fees(Side.BUY, traded_amount_fen).total if traded_amount_fen else 0
    return rest + fees.fees(Side.BUY, traded_amount_fen + rest).total - before


def check_order(
    ask: OrderAsk,
    ref: Reference | None,
    *,
    trading: bool,
    can_use_volume: int,
    available_fen: int,
    last_price: float | None,
    fees: FeeSchedule,
) -> Verdict:
    """Apply the counter's checks in the order a counter does: session, code, type, suspension,
    volume, price, then money."""
    if not trading:
        return Verdict(Reject.NOT_TRADING_TIME)
    code = instrument(ask.stock_code)
    if code is None or ref is None or not code.is_stock:
        return Verdict(Reject.UNKNOWN_CODE)
    side = side_of(ask.order_type)
    if side is None:
        return Verdict(Reject.BAD_ORDER_TYPE)
    allowed = _SH_BJ_MARKET if code.exchange in (Exchange.SH, Exchange.BJ) else _SZ_MARKET
    if (
        ask.price_type not in (xtconstant.FIX_PRICE, xtconstant.LATEST_PRICE)
        and ask.price_type not in allowed
    ):
        return Verdict(Reject.BAD_PRICE_TYPE)
    if ref.suspended:
        return Verdict(Reject.SUSPENDED)
    try:
        lot = lot_rule_for(code)
    except NotTradableError:
        return Verdict(Reject.UNKNOWN_CODE)
    if not isinstance(ask.volume, int) or ask.volume <= 0:
        return Verdict(Reject.BAD_VOLUME)
    if side is Side.SELL:
        if ask.volume > can_use_volume:
            return Verdict(Reject.NOT_ENOUGH_SHARES, side=side)
        if not lot.is_valid_sell(ask.volume, can_use_volume):
            return Verdict(Reject.BAD_VOLUME, side=side)
    elif not lot.is_valid_buy(ask.volume):
        return Verdict(Reject.BAD_VOLUME, side=side)
    if ask.price_type == xtconstant.FIX_PRICE:
        if not math.isfinite(ask.price) or ask.price <= 0:
            return Verdict(Reject.BAD_PRICE, side=side)
        if not on_tick(ask.price):
            return Verdict(Reject.BAD_TICK, side=side)
        price_fen = fen(ask.price)
        if (ref.up_limit is not None and price_fen > fen(ref.up_limit)) or (
            ref.down_limit is not None and price_fen < fen(ref.down_limit)
        ):
            return Verdict(Reject.OUTSIDE_BAND, side=side)
        freeze_price = price_fen
    elif ref.up_limit is not None:
        freeze_price = fen(ref.up_limit)
    else:
        base = last_price if last_price else ref.pre_close
        freeze_price = math.ceil(round(base * _NO_LIMIT_FREEZE_MARKUP * 100, 6))
    if side is Side.SELL:
        return Verdict(side=side)
    frozen = buy_freeze_fen(ask.volume, freeze_price, 0, fees)
    if frozen > available_fen:
        return Verdict(Reject.NOT_ENOUGH_CASH, side=side)
    return Verdict(None, freeze_price, frozen, side)


def fill_price_fen(side: Side, limit_fen: int | None, bar: MinuteBar, ref: Reference) -> int | None:
    """The price one minute bar fills an order at, or None if it cannot fill in this bar.

    A limit buy fills when the bar trades at or below the limit, at the better of open and
    limit; a sell mirrors it. A marketable order (``limit_fen`` None) takes the open, inside the
    band. Nothing buys in a bar locked at the up limit (the queue there is not ours), nothing
    sells in one locked at the down limit.
    """
    if side is Side.BUY and ref.up_limit is not None and bar.locked_at(ref.up_limit):
        return None
    if side is Side.SELL and ref.down_limit is not None and bar.locked_at(ref.down_limit):
        return None
    open_, high, low = fen(bar.open), fen(bar.high), fen(bar.low)
    if limit_fen is None:
        price = open_
        if ref.up_limit is not None:
            price = min(price, fen(ref.up_limit))
        if ref.down_limit is not None:
            price = max(price, fen(ref.down_limit))
        return price
    if side is Side.BUY:
        return min(open_, limit_fen) if low <= limit_fen else None
    return max(open_, limit_fen) if high >= limit_fen else None


def fill_volume(remaining: int, capacity: int, lot: LotRule) -> int:
    """How much of ``remaining`` one bar fills given its ``capacity``: everything if it fits
    (which also lets an odd-lot remainder go whole), else the capacity down to whole steps."""
    if capacity <= 0 or remaining <= 0:
        return 0
    if capacity >= remaining:
        return remaining
    return capacity // lot.step * lot.step
