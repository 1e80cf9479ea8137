"""The counter's order desk: accounts' books and the exchange's matching, one minute at a time.

No threads, files or traders here — :class:`~.counter.SimCounter` wraps this desk with its lock,
its state file and its pushes. Every method that changes something appends the pushes it causes
to a list the caller passes in, so the counter can save first and tell the traders second.

Lifecycle of an order: accepted (50, optionally 49 first) or 废单 (57); each matching step may
fill part (55) or all (56); a cancel request shows 51/52 at once and ends the order (54/53) after
the next step's matching — which can still fill it; the close of the day expires what is left.
Fees are charged on each order's cumulative traded amount (the ¥5 minimum is per order, as
brokers charge it), so a fill's fees are the difference the fill makes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from xtquant import xtconstant
from xtquant.xttype import XtCancelError, XtOrderError

from aistock.core.book import Fill
from aistock.core.calendar import SHANGHAI
from aistock.core.errors import AistockError
from aistock.core.fees import Fees, FeeSchedule, Side
from aistock.trading.gateways.simulator.account import OrderRecord, SimAccount, TradeRecord
from aistock.trading.gateways.simulator.faults import FaultPlan
from aistock.trading.gateways.simulator.market import SimMarket, fen
from aistock.trading.gateways.simulator.push import Push
from aistock.trading.gateways.simulator.rules import (
    FOK_PRICE_TYPES,
    IOC_PRICE_TYPES,
    MARKET_ENUM_OF,
    OrderAsk,
    Reject,
    Verdict,
    buy_freeze_fen,
    check_order,
    fill_price_fen,
    fill_volume,
    instrument,
    lot_of,
    side_of,
)

_SYSID_BASE: Final = 100_000_000  # sysids are digit strings that never equal the order id
_CANCEL_ERROR_ID: Final = 20001
_FINAL_ON_STEP: Final = IOC_PRICE_TYPES | FOK_PRICE_TYPES

Origin = tuple[int, int]  # (session, seq) of an async request


class SimCounterError(AistockError, ValueError):
    """A counter used in a way a real one would not allow (unknown account, bad state...)."""


def market_enum(code: str) -> int:
    """xtquant's market number of a code (0 SH, 1 SZ, 70 BJ; -1 unknown)."""
    parsed = instrument(code)
    return MARKET_ENUM_OF[parsed.exchange] if parsed else -1


def market_enum_of(market: int | str) -> int:
    """0/1/70 as given, or 'SH'/'SZ'/'BJ' mapped as the real wrapper maps them."""
    if isinstance(market, str):
        return int(xtconstant.MARKET_STR_TO_ENUM_MAPPING.get(market.upper(), -1))
    return int(market)


class OrderDesk:
    """Books, orders and matching for the counter's accounts on one session day."""

    def __init__(
        self,
        market: SimMarket,
        accounts: Mapping[str, SimAccount],
        fees: FeeSchedule,
        participation: float,
        faults: FaultPlan,
        report_waiting: bool = False,
    ) -> None:
        if not 0.0 < participation <= 1.0:
            raise SimCounterError(
                f"participation must be in (0, 1], got {participation}",
                "pass the largest share of a bar's volume one order may take, e.g. 0.25",
            )
        self.market = market
        self.accounts = dict(accounts)
        self.fees = fees
        self.participation = participation
        self.faults = faults
        self.report_waiting = report_waiting
        self.clock = 0
        self.next_order_id = 1
        self.next_trade_no = 1

    @property
    def session_day(self) -> dt.date:
        return self.market.session_day

    @property
    def closed(self) -> bool:
        return self.clock >= len(self.market.minutes)

    def account(self, account_id: str) -> SimAccount:
        try:
            return self.accounts[account_id]
        except KeyError:
            raise SimCounterError(
                f"account {account_id!r} is not at this counter", f"use one of {', '.join(self.accounts)}"
            ) from None

    def epoch(self, minute: int) -> int:
        """Epoch seconds of a clock position on the session day (15:00 for the close)."""
        minutes = self.market.minutes
        moment = minutes[minute] if minute < len(minutes) else dt.time(15, 0)
        return int(dt.datetime.combine(self.session_day, moment, tzinfo=SHANGHAI).timestamp())

    def check(self, account: SimAccount, ask: OrderAsk) -> Verdict:
        """The counter's verdict on ``ask`` for ``account`` right now."""
        return check_order(
            ask,
            self.market.reference(ask.stock_code),
            trading=not self.closed,
            can_use_volume=account.can_use_volume(ask.stock_code),
            available_fen=account.available_fen,
            last_price=self.market.last_price(ask.stock_code, self.clock - 1),
            fees=self.fees,
        )

    # -- orders ----------------------------------------------------------------------------------
    def place(
        self,
        account: SimAccount,
        ask: OrderAsk,
        strategy_name: str,
        order_remark: str,
        pushes: list[Push],
        *,
        origin: Origin | None = None,
        task_id: int | None = None,
    ) -> int:
        """Accept or reject one order; returns its order id (a 废单 has one too)."""
        verdict = self.check(account, ask)
        forced = self.faults.take_reject()
        ref = self.market.reference(ask.stock_code)
        order_id = self.next_order_id
        self.next_order_id += 1
        rec = OrderRecord(
            order_id=order_id,
            order_sysid=str(_SYSID_BASE + order_id),
            account_id=account.account_id,
            stock_code=ask.stock_code,
            side=side_of(ask.order_type) or Side.BUY,
            volume=int(ask.volume) if isinstance(ask.volume, int) else 0,
            price_type=ask.price_type,
            price=float(ask.price),
            strategy_name=strategy_name,
            order_remark=order_remark,
            instrument_name=ref.name if ref else "",
            minute=self.clock,
            status=xtconstant.ORDER_REPORTED,
            task_id=task_id,
        )
        account.orders[order_id] = rec
        reject, message = verdict.reject, verdict.reject.msg if verdict.reject else ""
        if forced is not None:
            reject, message = Reject.FORCED, forced
        if reject is not None:
            rec.status, rec.status_msg = xtconstant.ORDER_JUNK, message
            pushes.append(self.order_push(account, rec))
            error = XtOrderError(
                account.account_id, order_id, reject.error_id, message, strategy_name, order_remark
            )
            pushes.append(
                Push("order_error", account.account_id, error, (*origin, "order") if origin else None)
            )
            return order_id
        rec.frozen_fen, rec.freeze_price_fen = verdict.frozen_fen, verdict.freeze_price_fen
        account.names.setdefault(ask.stock_code, rec.instrument_name)
        if self.report_waiting:
            rec.status = xtconstant.ORDER_WAIT_REPORTING
            pushes.append(self.order_push(account, rec))
            rec.status = xtconstant.ORDER_REPORTED
        pushes.append(self.order_push(account, rec))
        self._holdings_push(account, rec, pushes)
        return order_id

    def find_by_sysid(self, account: SimAccount, market: int, order_sysid: str) -> OrderRecord | None:
        return next(
            (
                o
                for o in account.orders.values()
                if o.order_sysid == order_sysid and market_enum(o.stock_code) == market
            ),
            None,
        )

    def cancel(
        self,
        account: SimAccount,
        rec: OrderRecord | None,
        order_id: int,
        pushes: list[Push],
        *,
        origin: Origin | None = None,
        sysid: str = "",
        market: int | None = None,
    ) -> int:
        """0 if the cancel request was sent, -1 (and an XtCancelError) if it cannot be."""
        if rec is None or not rec.is_live or rec.cancel_requested:
            if rec is None:
                failure = "委托不存在或非当日委托"
            elif rec.cancel_requested:
                failure = "撤单请求已发送，请勿重复撤单"
            else:
                failure = f"委托已是最终状态({rec.status})，不能撤单"
            enum = market if market is not None else (market_enum(rec.stock_code) if rec else -1)
            error = XtCancelError(
                account.account_id,
                order_id,
                enum,
                sysid or (rec.order_sysid if rec else ""),
                _CANCEL_ERROR_ID,
                failure,
            )
            pushes.append(
                Push("cancel_error", account.account_id, error, (*origin, "cancel") if origin else None)
            )
            return -1
        rec.cancel_requested = True
        if self.closed:  # no matching step is left today: the cancel takes effect at once
            self.finish(account, rec, "", pushes)
            return 0
        rec.status = (
            xtconstant.ORDER_PARTSUCC_CANCEL if rec.traded_volume else xtconstant.ORDER_REPORTED_CANCEL
        )
        pushes.append(self.order_push(account, rec))
        return 0

    def finish(self, account: SimAccount, rec: OrderRecord, msg: str, pushes: list[Push]) -> None:
        """End a live order unfilled or partly filled: 54 or 53, frozen cash/shares released."""
        rec.status = xtconstant.ORDER_PART_CANCEL if rec.traded_volume else xtconstant.ORDER_CANCELED
        rec.status_msg = msg
        rec.frozen_fen = 0
        pushes.append(self.order_push(account, rec))
        self._holdings_push(account, rec, pushes)

    # -- matching --------------------------------------------------------------------------------
    def match_minute(self, pushes: list[Push]) -> None:
        """Match every live order against the bar at the clock, in time priority; then end what a
        cancel request or an immediate-or-cancel type ends after this step. The clock stays."""
        k = self.clock
        live = sorted(
            ((a, o) for a in self.accounts.values() for o in a.orders.values() if o.is_live),
            key=lambda pair: pair[1].order_id,
        )
        used: dict[tuple[str, Side], int] = {}  # liquidity taken from this bar, per code and side
        for account, rec in live:
            self._match(account, rec, k, used, pushes)
        for account, rec in live:
            rec.steps_seen += 1
            if not rec.is_live:
                if rec.cancel_requested and rec.status == xtconstant.ORDER_SUCCEEDED:
                    self._cancel_error(account, rec, "委托已全部成交，撤单失败", pushes)
            elif rec.cancel_requested:
                self.finish(account, rec, "", pushes)
            elif rec.price_type in _FINAL_ON_STEP:
                self.finish(account, rec, "即时成交剩余撤销", pushes)
        for account in self.accounts.values():
            self.refresh_last_prices(account, k)

    def _match(
        self,
        account: SimAccount,
        rec: OrderRecord,
        k: int,
        used: dict[tuple[str, Side], int],
        pushes: list[Push],
    ) -> None:
        bar = self.market.bar(rec.stock_code, k)
        ref = self.market.reference(rec.stock_code)
        if bar is None or ref is None or ref.suspended or bar.volume <= 0:
            return
        price = fill_price_fen(rec.side, fen(rec.price) if rec.is_limit else None, bar, ref)
        if price is None:
            return
        taken = used.get((rec.stock_code, rec.side), 0)
        capacity = min(int(self.participation * bar.volume), bar.volume - taken)
        lot = lot_of(rec.stock_code)
        volume = fill_volume(rec.remaining, capacity, lot)
        if rec.price_type in FOK_PRICE_TYPES and volume < rec.remaining:
            return
        if rec.side is Side.BUY:
            volume = self._affordable(account, rec, volume, price, lot.step)
        if volume <= 0:
            return
        used[(rec.stock_code, rec.side)] = taken + volume
        self._fill(account, rec, volume, price, k, pushes)

    def _affordable(self, account: SimAccount, rec: OrderRecord, volume: int, price: int, step: int) -> int:
        """Shrink a buy fill until its cost fits the order's frozen cash plus what is available.

        Only a marketable buy without a price limit can fill above what it froze at; a limit
        buy never needs this, since its fill price is at most the price it froze at.
        """
        budget = rec.frozen_fen + account.available_fen
        volume = min(volume, budget // price // step * step)
        while volume > 0:
            rest = rec.remaining - volume
            cost = volume * price + self._fill_fees(rec, volume * price).total
            after = rec.traded_amount_fen + volume * price
            frozen_after = buy_freeze_fen(rest, rec.freeze_price_fen, after, self.fees) if rest else 0
            if cost + frozen_after <= budget:
                return volume
            volume = (volume - 1) // step * step
        return 0

    def _fill_fees(self, rec: OrderRecord, amount: int) -> Fees:
        """This fill's share of the order's fees (the order pays fees on its cumulative amount)."""
        after = self.fees.fees(rec.side, rec.traded_amount_fen + amount)
        before = rec.fees
        return Fees(
            after.commission - before.commission,
            after.stamp_duty - before.stamp_duty,
            after.transfer_fee - before.transfer_fee,
        )

    def _fill(
        self, account: SimAccount, rec: OrderRecord, volume: int, price: int, k: int, pushes: list[Push]
    ) -> None:
        amount = volume * price
        fees = self._fill_fees(rec, amount)
        account.apply_fill(Fill(rec.stock_code, rec.side, volume, price / 100, fees, self.session_day))
        rec.traded_volume += volume
        rec.traded_amount_fen += amount
        rec.commission_fen += fees.commission
        rec.stamp_duty_fen += fees.stamp_duty
        rec.transfer_fee_fen += fees.transfer_fee
        if rec.side is Side.BUY:
            rest = rec.remaining
            rec.frozen_fen = (
                buy_freeze_fen(rest, rec.freeze_price_fen, rec.traded_amount_fen, self.fees) if rest else 0
            )
        if rec.remaining == 0:
            rec.status = xtconstant.ORDER_SUCCEEDED
        else:
            rec.status = (
                xtconstant.ORDER_PARTSUCC_CANCEL if rec.cancel_requested else xtconstant.ORDER_PART_SUCC
            )
        trade = TradeRecord(
            traded_id=self._new_trade_id(),
            order_id=rec.order_id,
            order_sysid=rec.order_sysid,
            account_id=account.account_id,
            stock_code=rec.stock_code,
            side=rec.side,
            volume=volume,
            price=price / 100,
            amount_fen=amount,
            commission_fen=fees.total,
            minute=k,
            strategy_name=rec.strategy_name,
            order_remark=rec.order_remark,
            instrument_name=rec.instrument_name,
        )
        account.trades.append(trade)
        pushes.append(Push("trade", account.account_id, account.trade(trade, self.epoch(k))))
        pushes.append(self.order_push(account, rec))
        self.position_push(account, rec.stock_code, pushes)
        self.asset_push(account, pushes)
        if self.faults.take_overfill():
            # A noisy push, not an execution: the books and the trade list never see it.
            extra = rec.remaining + lot_of(rec.stock_code).step
            bogus = replace(
                trade,
                traded_id=self._new_trade_id(),
                volume=extra,
                amount_fen=extra * price,
                commission_fen=0,
            )
            pushes.append(Push("trade", account.account_id, account.trade(bogus, self.epoch(k))))

    def _new_trade_id(self) -> str:
        number = self.next_trade_no
        self.next_trade_no += 1
        return f"{number:010d}"

    def _cancel_error(self, account: SimAccount, rec: OrderRecord, msg: str, pushes: list[Push]) -> None:
        error = XtCancelError(
            account.account_id,
            rec.order_id,
            market_enum(rec.stock_code),
            rec.order_sysid,
            _CANCEL_ERROR_ID,
            msg,
        )
        pushes.append(Push("cancel_error", account.account_id, error))

    def refresh_last_prices(self, account: SimAccount, minute: int = -1) -> None:
        for code in account.book.positions:
            last = self.market.last_price(code, minute)
            if last is not None:
                account.last_prices[code] = last

    # -- the day ---------------------------------------------------------------------------------
    def roll(self, market: SimMarket, pushes: list[Push]) -> None:
        """Expire today's live orders, then open ``market``'s day (T+1 releases, lists cleared)."""
        if market.session_day <= self.session_day:
            raise SimCounterError(
                f"cannot roll the counter from {self.session_day} to {market.session_day}",
                "roll forward to a later session's market",
            )
        for account in self.accounts.values():
            for rec in [o for o in account.orders.values() if o.is_live]:
                self.finish(account, rec, "收盘未成交，委托失效", pushes)
        self.market = market
        self.clock = 0
        for account in self.accounts.values():
            account.roll_to(market.session_day)
            for code in account.book.positions:
                ref = market.reference(code)
                if ref is not None:
                    account.names[code] = ref.name
            self.refresh_last_prices(account)

    # -- xtquant objects ---------------------------------------------------------------------------
    def order_obj(self, account: SimAccount, rec: OrderRecord) -> Any:
        return account.order(rec, self.epoch(rec.minute))

    def order_push(self, account: SimAccount, rec: OrderRecord) -> Push:
        return Push("order", account.account_id, self.order_obj(account, rec))

    def asset_push(self, account: SimAccount, pushes: list[Push]) -> None:
        if not self.faults.no_asset_position_pushes:
            pushes.append(Push("asset", account.account_id, account.asset()))

    def position_push(self, account: SimAccount, code: str, pushes: list[Push]) -> None:
        if not self.faults.no_asset_position_pushes:
            pushes.append(Push("position", account.account_id, account.position(code)))

    def _holdings_push(self, account: SimAccount, rec: OrderRecord, pushes: list[Push]) -> None:
        """What an order's freezing changed: the cash (a buy) or the sellable shares (a sell)."""
        if rec.side is Side.BUY:
            self.asset_push(account, pushes)
        else:
            self.position_push(account, rec.stock_code, pushes)

    # -- persistence -------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "clock": self.clock,
            "next_order_id": self.next_order_id,
            "next_trade_no": self.next_trade_no,
            "participation": self.participation,
            "report_waiting": self.report_waiting,
            "accounts": [a.to_json() for a in self.accounts.values()],
        }

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], market: SimMarket, fees: FeeSchedule, faults: FaultPlan
    ) -> OrderDesk:
        accounts = {a["account_id"]: SimAccount.from_json(a) for a in data["accounts"]}
        desk = cls(market, accounts, fees, float(data["participation"]), faults, bool(data["report_waiting"]))
        desk.clock = int(data["clock"])
        desk.next_order_id = int(data["next_order_id"])
        desk.next_trade_no = int(data["next_trade_no"])
        return desk
