"""One simulated broker account: the books, plus what a broker counter keeps on top of them.

Cash, positions, average cost and T+1 sellable shares are :class:`aistock.core.book.Book`'s job —
the same arithmetic our own shadow book uses, so a reconciliation between the two can only
disagree because of what happened (a lost push, an unknown fill), never because of rounding.
The counter adds what a real one shows: cash frozen by live buy orders, shares frozen by live
sell orders, today's orders and trades, the buy price of what is held (开仓价) and yesterday's
holdings (昨夜拥股). All money is integer fen; xtquant's objects are built in yuan only at the
edge, fresh for every push and every query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from xtquant import xtconstant
from xtquant.xttype import XtAsset, XtOrder, XtPosition, XtTrade

from aistock.core.book import Book, BookError, Fill, Position
from aistock.core.codes import Exchange, parse_code
from aistock.core.fees import Fees, Side, yuan_to_fen

LIVE_STATUSES: frozenset[int] = frozenset(
    {
        xtconstant.ORDER_UNREPORTED,
        xtconstant.ORDER_WAIT_REPORTING,
        xtconstant.ORDER_REPORTED,
        xtconstant.ORDER_REPORTED_CANCEL,
        xtconstant.ORDER_PARTSUCC_CANCEL,
        xtconstant.ORDER_PART_SUCC,
    }
)
# The real client reports every limit order as price type 50 and every market type as 88.
PUSHED_LIMIT_PRICE_TYPE = 50
PUSHED_MARKET_PRICE_TYPE = 88


def yuan(fen: int) -> float:
    return fen / 100


@dataclass
class OrderRecord:
    """One order as the counter tracks it (persisted as is; xtquant objects are built from it)."""

    order_id: int
    order_sysid: str
    account_id: str
    stock_code: str
    side: Side
    volume: int
    price_type: int  # as requested (11, 5, 42–48); pushed as 50 or 88
    price: float
    strategy_name: str
    order_remark: str
    instrument_name: str
    minute: int  # the clock position when it was placed
    status: int
    status_msg: str = ""
    traded_volume: int = 0
    traded_amount_fen: int = 0
    commission_fen: int = 0  # cumulative over the order's fills (the ¥5 minimum is per order)
    stamp_duty_fen: int = 0
    transfer_fee_fen: int = 0
    frozen_fen: int = 0  # cash still frozen for the unfilled rest of a buy
    freeze_price_fen: int = 0  # the price the rest is frozen at (limit, or the up limit)
    cancel_requested: bool = False
    steps_seen: int = 0  # matching steps this order has been through (IOC/FOK end after one)
    task_id: int | None = None

    @property
    def remaining(self) -> int:
        return self.volume - self.traded_volume

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def is_limit(self) -> bool:
        return bool(self.price_type == xtconstant.FIX_PRICE)

    @property
    def fees(self) -> Fees:
        return Fees(self.commission_fen, self.stamp_duty_fen, self.transfer_fee_fen)

    @property
    def traded_price(self) -> float:
        """Volume-weighted average fill price, as the counter reports 成交均价."""
        return round(self.traded_amount_fen / self.traded_volume / 100, 4) if self.traded_volume else 0.0

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["side"] = self.side.value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OrderRecord:
        return cls(**{**data, "side": Side(data["side"])})


@dataclass
class TradeRecord:
    """One execution at the counter."""

    traded_id: str
    order_id: int
    order_sysid: str
    account_id: str
    stock_code: str
    side: Side
    volume: int
    price: float
    amount_fen: int
    commission_fen: int  # all fees of this fill (commission + stamp duty + transfer fee)
    minute: int
    strategy_name: str
    order_remark: str
    instrument_name: str

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["side"] = self.side.value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TradeRecord:
        return cls(**{**data, "side": Side(data["side"])})


def order_type_of(side: Side) -> int:
    return int(xtconstant.STOCK_BUY if side is Side.BUY else xtconstant.STOCK_SELL)


def offset_flag_of(side: Side) -> int:
    """Stocks report the side in offset_flag (open = buy, close = sell); direction is always long."""
    return int(xtconstant.OFFSET_FLAG_OPEN if side is Side.BUY else xtconstant.OFFSET_FLAG_CLOSE)


def secu_account_for(account_id: str, code: str) -> str:
    """A stable 股东代码 per account and exchange, shaped like the real ones (A… on SH, 0… on SZ)."""
    digits = "".join(ch for ch in account_id if ch.isdigit()).rjust(9, "0")[-9:]
    exchange = parse_code(code).exchange
    prefix = {Exchange.SH: "A", Exchange.SZ: "0", Exchange.BJ: "0"}[exchange]
    return prefix + digits


@dataclass
class SimAccount:
    """A broker account's books at the counter."""

    account_id: str
    book: Book
    orders: dict[int, OrderRecord] = field(default_factory=dict)  # today's, in placement order
    trades: list[TradeRecord] = field(default_factory=list)  # today's
    open_fen: dict[str, int] = field(default_factory=dict)  # buy amount (no fees) of shares held
    yesterday: dict[str, int] = field(default_factory=dict)  # holdings at the last close
    last_prices: dict[str, float] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    # -- derived -----------------------------------------------------------------------------------
    @property
    def frozen_cash_fen(self) -> int:
        return sum(o.frozen_fen for o in self.orders.values() if o.is_live and o.side is Side.BUY)

    @property
    def available_fen(self) -> int:
        return self.book.cash_fen - self.frozen_cash_fen

    def frozen_volume(self, code: str) -> int:
        return sum(
            o.remaining
            for o in self.orders.values()
            if o.is_live and o.side is Side.SELL and o.stock_code == code
        )

    def can_use_volume(self, code: str) -> int:
        """What a new sell order may carry: T+1 sellable minus what live sells already froze."""
        return self.book.sellable(code) - self.frozen_volume(code)

    def price_of(self, code: str, position: Position) -> float:
        """Last price for valuing a holding; the average buy price if the market never quoted it."""
        last = self.last_prices.get(code)
        if last is not None:
            return last
        held = self.open_fen.get(code, 0)
        return round(held / position.volume / 100, 2) if position.volume else 0.0

    def market_value_fen(self) -> int:
        return sum(p.volume * round(self.price_of(c, p) * 100) for c, p in self.book.positions.items())

    # -- changing ----------------------------------------------------------------------------------
    def apply_fill(self, fill: Fill) -> None:
        """Book one execution; the buy amount (without fees) is kept for the 开仓价 column."""
        before = self.book.position(fill.code)
        held_volume, held_open = before.volume, self.open_fen.get(fill.code, 0)
        self.book.apply_fill(fill)
        if fill.side is Side.BUY:
            self.open_fen[fill.code] = held_open + fill.amount_fen
        elif fill.volume >= held_volume:
            self.open_fen.pop(fill.code, None)
        else:
            removed = (held_open * fill.volume + held_volume // 2) // held_volume
            self.open_fen[fill.code] = held_open - removed
        self.last_prices[fill.code] = fill.price

    def roll_to(self, day: dt.date) -> None:
        """Next session: T+1 releases, today's orders and trades are history, 昨夜拥股 resets."""
        self.book.roll_to(day)
        self.orders.clear()
        self.trades.clear()
        self.yesterday = {code: p.volume for code, p in self.book.positions.items()}
        for code in [c for c in self.open_fen if c not in self.book.positions]:
            del self.open_fen[code]

    # -- xtquant objects ---------------------------------------------------------------------------
    def asset(self) -> Any:
        frozen = self.frozen_cash_fen
        available = self.book.cash_fen - frozen
        market_value = self.market_value_fen()
        return XtAsset(
            self.account_id,
            yuan(available),
            yuan(frozen),
            yuan(market_value),
            yuan(available + frozen + market_value),
            yuan(available),
        )

    def position(self, code: str) -> Any:
        """The position of ``code`` (an all-zero one once it has been sold out)."""
        pos = self.book.position(code)
        last = self.price_of(code, pos) if pos.volume else self.last_prices.get(code, 0.0)
        market_value = pos.volume * round(last * 100)
        open_price = self.open_fen.get(code, 0) / pos.volume / 100 if pos.volume else 0.0
        profit = market_value - pos.cost_fen
        obj = XtPosition(
            self.account_id,
            code,
            pos.volume,
            self.can_use_volume(code),
            open_price,
            yuan(market_value),
            self.frozen_volume(code),
            0,  # on_road_volume: stock transfers in transit do not exist here
            self.yesterday.get(code, 0),
            pos.avg_cost,
            xtconstant.DIRECTION_FLAG_LONG,
            last,
            round(profit / pos.cost_fen, 6) if pos.cost_fen else 0.0,
            secu_account_for(self.account_id, code),
            self.names.get(code, ""),
        )
        # The native objects carry these too; gateways that read them should find them.
        obj.float_profit = yuan(profit)
        obj.position_profit = yuan(profit)
        return obj

    def positions(self) -> list[Any]:
        return [self.position(code) for code in sorted(self.book.positions)]

    def order(self, rec: OrderRecord, order_time: int) -> Any:
        pushed_type = PUSHED_LIMIT_PRICE_TYPE if rec.is_limit else PUSHED_MARKET_PRICE_TYPE
        return XtOrder(
            rec.account_id,
            rec.stock_code,
            rec.order_id,
            rec.order_sysid,
            order_time,
            order_type_of(rec.side),
            rec.volume,
            pushed_type,
            rec.price,
            rec.traded_volume,
            rec.traded_price,
            rec.status,
            rec.status_msg,
            rec.strategy_name,
            rec.order_remark,
            xtconstant.DIRECTION_FLAG_LONG,
            offset_flag_of(rec.side),
            secu_account_for(rec.account_id, rec.stock_code),
            rec.instrument_name,
        )

    def trade(self, rec: TradeRecord, traded_time: int) -> Any:
        return XtTrade(
            rec.account_id,
            rec.stock_code,
            order_type_of(rec.side),
            rec.traded_id,
            traded_time,
            rec.price,
            rec.volume,
            yuan(rec.amount_fen),
            rec.order_id,
            rec.order_sysid,
            rec.strategy_name,
            rec.order_remark,
            xtconstant.DIRECTION_FLAG_LONG,
            offset_flag_of(rec.side),
            yuan(rec.commission_fen),
            secu_account_for(rec.account_id, rec.stock_code),
            rec.instrument_name,
        )

    # -- persistence -------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        book = self.book
        return {
            "account_id": self.account_id,
            "book": {
                "initial_cash_fen": book.initial_cash_fen,
                "trading_day": book.trading_day.isoformat(),
                "cash_fen": book.cash_fen,
                "realized_pnl_fen": book.realized_pnl_fen,
                "fees_paid_fen": book.fees_paid_fen,
                "positions": [[p.code, p.volume, p.sellable, p.cost_fen] for p in book.positions.values()],
            },
            "orders": [o.to_json() for o in self.orders.values()],
            "trades": [t.to_json() for t in self.trades],
            "open_fen": dict(self.open_fen),
            "yesterday": dict(self.yesterday),
            "last_prices": dict(self.last_prices),
            "names": dict(self.names),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SimAccount:
        orders = [OrderRecord.from_json(o) for o in data["orders"]]
        return cls(
            account_id=data["account_id"],
            book=_restore_book(data["book"]),
            orders={o.order_id: o for o in orders},
            trades=[TradeRecord.from_json(t) for t in data["trades"]],
            open_fen={k: int(v) for k, v in data["open_fen"].items()},
            yesterday={k: int(v) for k, v in data["yesterday"].items()},
            last_prices={k: float(v) for k, v in data["last_prices"].items()},
            names=dict(data["names"]),
        )


def _restore_book(data: Mapping[str, Any]) -> Book:
    """Rebuild a Book exactly as saved.

    Book is moved only by fills and day rolls, which is right for trading but cannot express
    "resume where the broker was". Replaying every historic fill would need the whole history,
    so the saved fields are set directly, and the invariants are checked before the book is
    trusted: a tampered or torn state file fails here, loudly, instead of trading on.
    """
    book = Book(int(data["initial_cash_fen"]), dt.date.fromisoformat(data["trading_day"]))
    book.cash_fen = int(data["cash_fen"])
    book.realized_pnl_fen = int(data["realized_pnl_fen"])
    book.fees_paid_fen = int(data["fees_paid_fen"])
    book._positions = {  # restoring, see the docstring
        code: Position(code, int(volume), int(sellable), int(cost))
        for code, volume, sellable, cost in data["positions"]
    }
    try:
        book.check_invariants()
    except BookError as exc:
        raise BookError(
            f"saved broker state is inconsistent: {exc.what}", "restore a good state file"
        ) from exc
    return book


@dataclass(frozen=True)
class AccountSeed:
    """How an account starts: cash in yuan, and optionally holdings bought before the replayed day.

    Seeded holdings are sellable at once (they were bought on an earlier day) and count into
    the book's initial capital at their cost, so the book's identity holds from the start.
    """

    cash: float
    holdings: Mapping[str, tuple[int, float]] = field(default_factory=dict)  # code -> (volume, cost price)


def open_account(
    account_id: str, seed: AccountSeed | float, day: dt.date, names: Mapping[str, str]
) -> SimAccount:
    """A fresh account at the start of ``day``."""
    if not isinstance(seed, AccountSeed):
        seed = AccountSeed(float(seed))
    cash = yuan_to_fen(seed.cash)
    if cash < 0:
        raise BookError(
            f"account {account_id} cannot start with negative cash ({seed.cash})", "pass cash >= 0"
        )
    costs = {code: volume * yuan_to_fen(price) for code, (volume, price) in seed.holdings.items()}
    book = Book(cash + sum(costs.values()), day - dt.timedelta(days=1))
    account = SimAccount(account_id, book)
    for code, (volume, price) in seed.holdings.items():
        if volume <= 0 or price <= 0:
            raise BookError(
                f"seed holding {code} of account {account_id} needs a positive volume and price",
                "give (volume, cost price) such as (1000, 10.5)",
            )
        account.apply_fill(Fill(code, Side.BUY, volume, price, Fees(), book.trading_day))
        account.names[code] = names.get(code, "")
    account.roll_to(day)
    account.last_prices.clear()
    return account
