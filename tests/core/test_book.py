import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aistock.core.book import Book, BookError, Fill, InsufficientCash, InsufficientSellable
from aistock.core.fees import Fees, FeeSchedule, Side, yuan_to_fen

D1 = dt.date(2024, 10, 8)
D2 = dt.date(2024, 10, 9)
NO_FEES = Fees()


def test_t_plus_one() -> None:
    book = Book(yuan_to_fen(100_000), D1)
    book.apply_fill(Fill("600000.SH", Side.BUY, 1000, 10.00, NO_FEES, D1))
    assert book.position("600000.SH").volume == 1000
    assert book.sellable("600000.SH") == 0
    with pytest.raises(InsufficientSellable, match="T\\+1"):
        book.apply_fill(Fill("600000.SH", Side.SELL, 100, 10.10, NO_FEES, D1))
    book.roll_to(D2)
    assert book.sellable("600000.SH") == 1000
    book.apply_fill(Fill("600000.SH", Side.SELL, 400, 10.50, NO_FEES, D2))
    assert book.position("600000.SH").volume == 600
    assert book.realized_pnl_fen == 400 * 50
    book.check_invariants()


def test_sell_proceeds_are_usable_the_same_day() -> None:
    book = Book(yuan_to_fen(10_000), D1)
    book.apply_fill(Fill("600000.SH", Side.BUY, 900, 10.00, NO_FEES, D1))
    book.roll_to(D2)
    book.apply_fill(Fill("600000.SH", Side.SELL, 900, 10.00, NO_FEES, D2))
    book.apply_fill(Fill("000002.SZ", Side.BUY, 900, 10.00, NO_FEES, D2))  # cash T+0
    assert book.cash_fen == yuan_to_fen(1_000)


def test_average_cost_includes_buy_fees_and_reconciles() -> None:
    schedule = FeeSchedule()
    book = Book(yuan_to_fen(50_000), D1)
    amount = 300 * yuan_to_fen(12.34)
    fees = schedule.fees(Side.BUY, amount)
    book.apply_fill(Fill("300750.SZ", Side.BUY, 300, 12.34, fees, D1))
    pos = book.position("300750.SZ")
    assert pos.cost_fen == amount + fees.total
    assert pos.avg_cost == pytest.approx((amount + fees.total) / 300 / 100)
    assert book.total_value_fen({"300750.SZ": 12.34}) == yuan_to_fen(50_000) - fees.total


def test_refusals_change_nothing() -> None:
    book = Book(yuan_to_fen(1_000), D1)
    before = (book.cash_fen, dict(book.positions))
    with pytest.raises(InsufficientCash, match="needs"):
        book.apply_fill(Fill("600000.SH", Side.BUY, 200, 10.00, NO_FEES, D1))
    with pytest.raises(BookError, match="dated"):
        book.apply_fill(Fill("600000.SH", Side.BUY, 100, 1.00, NO_FEES, D2))
    with pytest.raises(BookError, match="price must be positive"):
        book.apply_fill(Fill("600000.SH", Side.BUY, 100, 0.0, NO_FEES, D1))
    with pytest.raises(BookError, match="volume must be positive"):
        book.apply_fill(Fill("600000.SH", Side.BUY, 0, 1.0, NO_FEES, D1))
    with pytest.raises(BookError, match="back or onto the same day"):
        book.roll_to(D1)
    assert (book.cash_fen, dict(book.positions)) == before


def test_valuing_a_holding_without_a_price_fails_closed() -> None:
    book = Book(yuan_to_fen(10_000), D1)
    book.apply_fill(Fill("600000.SH", Side.BUY, 100, 10.0, NO_FEES, D1))
    with pytest.raises(BookError, match="no price for held instrument"):
        book.market_value_fen({})


CODES = ["600000.SH", "000002.SZ", "688981.SH"]
PRICES = st.integers(100, 20_000).map(lambda fen: fen / 100)  # 1.00 .. 200.00 on the tick grid


@st.composite
def actions(draw: st.DrawFn) -> list[tuple[str, str, int, float]]:
    steps = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["buy", "sell", "roll"]), st.sampled_from(CODES), st.integers(1, 30), PRICES
            ),
            min_size=1,
            max_size=60,
        )
    )
    return [(kind, code, lots * 100, price) for kind, code, lots, price in steps]


@settings(max_examples=300, deadline=None)
@given(actions(), st.integers(10_000, 2_000_000))
def test_random_streams_reconcile_to_the_fen(steps: list[tuple[str, str, int, float]], cash: int) -> None:
    """Cash + market value always equals the independent ledger of every accepted fill."""
    schedule = FeeSchedule()
    book = Book(yuan_to_fen(cash), D1)
    day = D1
    ledger_cash = yuan_to_fen(cash)
    held: dict[str, int] = {}
    last_price: dict[str, float] = {}
    for kind, code, volume, price in steps:
        if kind == "roll":
            day += dt.timedelta(days=1)
            book.roll_to(day)
            continue
        side = Side.BUY if kind == "buy" else Side.SELL
        fill = Fill(code, side, volume, price, schedule.fees(side, volume * yuan_to_fen(price)), day)
        try:
            book.apply_fill(fill)
        except (InsufficientCash, InsufficientSellable):
            continue
        amount = volume * yuan_to_fen(price)
        ledger_cash += -amount - fill.fees.total if side is Side.BUY else amount - fill.fees.total
        held[code] = held.get(code, 0) + side.sign * volume
        last_price[code] = price
        book.check_invariants()
        assert book.cash_fen == ledger_cash
    prices = {code: last_price[code] for code in book.positions}
    market_value = sum(held[c] * yuan_to_fen(prices[c]) for c in book.positions)
    assert {c: p.volume for c, p in book.positions.items()} == {c: v for c, v in held.items() if v}
    assert book.total_value_fen(prices) == ledger_cash + market_value
    assert book.cash_fen >= 0
