"""The money identity: whatever random orders, cancels, fills and day rolls happen, every fen is
accounted for — in the book, in the frozen cash, and in the trade ledger."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from sim_helpers import ACCOUNT
from xtquant import xtconstant as xc

from aistock.core.boards import lot_rule_for
from aistock.core.codes import parse_code
from aistock.core.fees import FeeSchedule, Side
from aistock.trading.gateways.simulator import AccountSeed, DemoMinuteTape, SimCounter
from aistock.trading.gateways.simulator.account import SimAccount

OTHER = "8880002"
PRICE_TYPES = (xc.FIX_PRICE, xc.FIX_PRICE, xc.FIX_PRICE, xc.LATEST_PRICE, xc.MARKET_PEER_PRICE_FIRST)


def check_account(
    counter: SimCounter, account: SimAccount, fees: FeeSchedule, start_cash: dict[str, int]
) -> None:
    book = account.book
    book.check_invariants()
    assert account.available_fen >= 0
    live_buys = [o for o in account.orders.values() if o.is_live and o.side is Side.BUY]
    assert all(o.frozen_fen >= o.remaining * o.freeze_price_fen for o in live_buys)
    assert all(o.frozen_fen == 0 for o in account.orders.values() if not o.is_live)
    asset = counter.asset(account.account_id)
    assert round((asset.cash + asset.frozen_cash) * 100) == book.cash_fen
    assert asset.total_asset == pytest.approx(asset.cash + asset.frozen_cash + asset.market_value)
    # Today's ledger of trades explains today's cash move to the fen.
    ledger = start_cash[account.account_id]
    for trade in account.trades:
        ledger += (
            -(trade.amount_fen + trade.commission_fen)
            if trade.side is Side.BUY
            else trade.amount_fen - trade.commission_fen
        )
    assert ledger == book.cash_fen
    # Each order's trades add up to what the order reports, fees on its cumulative amount.
    by_order: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for trade in account.trades:
        sums = by_order[trade.order_id]
        sums[0] += trade.volume
        sums[1] += trade.amount_fen
        sums[2] += trade.commission_fen
    for order in account.orders.values():
        volume, amount, commission = by_order.get(order.order_id, [0, 0, 0])
        assert (order.traded_volume, order.traded_amount_fen) == (volume, amount) and volume <= order.volume
        assert commission == (fees.fees(order.side, amount).total if amount else 0)
    for code, position in book.positions.items():
        assert 0 <= account.can_use_volume(code) <= position.sellable <= position.volume


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_trading_keeps_every_fen(seed: int, tapes: list[DemoMinuteTape]) -> None:
    rng = random.Random(seed)
    day1 = tapes[0]
    codes = [c for c in day1.codes if c[:3] in ("600", "000", "300", "688", "830")][::4]
    holdings = {c: (rng.choice([300, 1000, 2050]), day1.reference(c).pre_close) for c in codes[:4]}  # type: ignore[union-attr]
    fees = FeeSchedule()
    counter = SimCounter(
        day1,
        {ACCOUNT: AccountSeed(300_000.0, holdings), OTHER: 50_000.0},
        fees=fees,
        participation=rng.choice([0.001, 0.01, 0.05]),
    )
    for tape in tapes[:2]:
        if tape is not day1:
            counter.roll_day(tape)
        start_cash = {a: counter.account(a).book.cash_fen for a in counter.account_ids}
        for minute in range(0, 240, 3):
            for _ in range(rng.randint(0, 3)):
                account_id = rng.choice(counter.account_ids)
                account = counter.account(account_id)
                code = rng.choice(codes)
                last = tape.last_price(code, minute - 1) or 10.0
                lot = lot_rule_for(parse_code(code))
                held = account.can_use_volume(code)
                if held and rng.random() < 0.4:
                    order_type, volume = (
                        xc.STOCK_SELL,
                        rng.choice([held, lot.round_sell(held // 2, held) or held]),
                    )
                else:
                    order_type, volume = xc.STOCK_BUY, lot.min_volume * rng.randint(1, 10)
                price_type = rng.choice(PRICE_TYPES)
                price = round(last * rng.uniform(0.97, 1.03), 2) if price_type == xc.FIX_PRICE else 0.0
                counter.place(account_id, code, order_type, volume, price_type, price)
            for account_id in counter.account_ids:
                live = [o for o in counter.orders(account_id, cancelable_only=True)]
                if live and rng.random() < 0.3:
                    counter.cancel(account_id, rng.choice(live).order_id)
            counter.advance_to(minute + 3)
            for account_id in counter.account_ids:
                check_account(counter, counter.account(account_id), fees, start_cash)
        assert any(account.trades for account in map(counter.account, counter.account_ids))
