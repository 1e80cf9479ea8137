"""The A-share rules on the demo market: limits, T+1, board lots, the broker's fees, suspensions,
and a whole backtest whose cash reconciles with its trade ledger to the cent.

Every case is found in the demo data by scanning the exchange's raw prices (``history`` with
``adjust="none"``, not the backtest's own arrays), and every expected number is worked out
here from the rules — never read back from the engine.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aistock.core.fees import FeeSchedule, Side, yuan_to_fen
from aistock.data.qlib_provider import QlibProviderSource
from aistock.data.service import DataService
from aistock.trading.backtest.ashare_rules import AShareAccount, AShareExchange
from aistock.trading.backtest.engine import BacktestSettings, StrategyEngine
from aistock.trading.backtest.market import MarketArrays, load_market, qlib_name_order
from aistock.trading.backtest.orders import Order, SimAccount, SimExchange
from aistock.trading.backtest.qlib_rules import QlibAccount, QlibExchange
from aistock.trading.portfolio.config import TopkDropoutConfig


@pytest.fixture(scope="module")
def service(small_demo: Path) -> DataService:
    return DataService(QlibProviderSource(small_demo))


@pytest.fixture(scope="module")
def calendar(service: DataService) -> list[dt.date]:
    return list(service.trading_calendar().sessions)


@pytest.fixture(scope="module")
def market(service: DataService, calendar: list[dt.date]) -> MarketArrays:
    return load_market(service, qlib_name_order(service.instruments("all")), calendar)


@pytest.fixture(scope="module")
def raw(service: DataService) -> pd.DataFrame:
    """Exchange prices and qlib's float32 ``$change``, one row per (day, code) with a bar."""
    prices = service.history(
        "all",
        None,
        None,
        ["close", "up_limit", "down_limit", "volume", "factor"],
        adjust="none",
        dtype="float64",
    )
    change = service.history("all", None, None, ["change"], adjust="none")  # float32, as qlib reads it
    out = prices.join(change)
    for name in ("close", "up_limit", "down_limit"):
        out[name] = out[name].round(2)  # float32 bins back on the 0.01 grid
    out = out.reset_index()
    out["day"] = [t.date() for t in pd.DatetimeIndex(out["datetime"])]
    return out.set_index(["day", "instrument"]).sort_index()


def _ordinary(raw: pd.DataFrame) -> pd.DataFrame:
    """Rows where a stock trades normally: a bar with volume, strictly inside its limit band."""
    return raw[
        (raw["volume"] > 0)
        & (raw["close"] < raw["up_limit"] - 1e-9)
        & (raw["close"] > raw["down_limit"] + 1e-9)
    ]


def _quiet_pair(raw: pd.DataFrame, calendar: list[dt.date], board: str) -> tuple[str, int]:
    """A code of ``board`` ("main", "star") and a day index t: ordinary on t and t+1, no ex-date."""
    ok = set(_ordinary(raw).index)
    for t in range(5, len(calendar) - 1):
        day, nxt = calendar[t], calendar[t + 1]
        for code in sorted({c for d, c in ok if d == day}):
            is_star = code.startswith("688")
            if (board == "star") != is_star or (board == "main" and not code.startswith("60")):
                continue
            if (nxt, code) in ok and raw.loc[(nxt, code), "factor"] == raw.loc[(day, code), "factor"]:
                return code, t
    raise AssertionError(f"the demo has no quiet {board} stock")


def _account(exchange: AShareExchange, market: MarketArrays, t: int, cash: float = 1e6) -> AShareAccount:
    account = exchange.new_account(cash, market.days[t])
    exchange.open_day(account, t)
    return account


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def _fees_by_hand(side: Side, amount_fen: int) -> int:
    """The default schedule in fen: 0.025 % commission (min ¥5), 0.05 % stamp on sells, 0.001 % transfer."""
    commission = max(_half_up(amount_fen * 25, 100_000), 500)
    stamp = _half_up(amount_fen * 5, 10_000) if side is Side.SELL else 0
    transfer = _half_up(amount_fen, 100_000)
    return commission + stamp + transfer


# -- price limits ------------------------------------------------------------------------------


def _limit_up_days(raw: pd.DataFrame, calendar: list[dt.date], st_band: bool) -> tuple[str, dt.date]:
    """A stock closing at its stored limit-up: with a 5 % band (qlib's 9.5 % threshold misses it)
    when ``st_band``, else a 10 %+ one that qlib flags too."""
    at_up = raw[(raw["volume"] > 0) & ((raw["close"] - raw["up_limit"]).abs() < 1e-9)]
    threshold = np.float32(0.095)
    for (day, code), row in at_up.iterrows():
        if day <= calendar[2] or not np.isfinite(row["change"]):
            continue
        if st_band == bool(np.float32(row["change"]) < threshold):
            return str(code), day
    raise AssertionError("the demo has no such limit-up day")


def _scores_for(calendar: list[dt.date], day: dt.date, top: str, others: list[str]) -> pd.DataFrame:
    """Scores dated the trading day before ``day`` with ``top`` best (they trade on ``day``)."""
    signal_day = calendar[calendar.index(day) - 1]
    rows = [(signal_day, top, 1.0)] + [(signal_day, c, -1.0 - k) for k, c in enumerate(others)]
    return pd.DataFrame(rows, columns=["trade_date", "instrument", "score"])


def test_limit_up_buy_does_not_fill(service: DataService, market: MarketArrays, raw: pd.DataFrame) -> None:
    calendar = list(market.days)
    code, day = _limit_up_days(raw, calendar, st_band=True)
    assert (
        service.snapshot([code], day).loc[code, "last"] == service.snapshot([code], day).loc[code, "up_limit"]
    )
    i, t = market.index_of(code), calendar.index(day)
    price = float(raw.loc[(day, code), "close"])

    # The exchange itself: a buy at limit-up is refused whole, with the reason.
    ashare = AShareExchange(market)
    account = _account(ashare, market, t)
    trade = ashare.execute(account, Order(i, Side.BUY, 1000), t)
    assert (trade.deal_amount, trade.value, trade.cost, trade.reason) == (0.0, 0.0, 0.0, "limit")
    assert account.book.cash_fen == yuan_to_fen(1e6) and not account.book.positions

    # qlib's exchange only looks at $change >= 9.5 %; this 5 % band slips through and fills.
    qlib = QlibExchange(market)
    qlib_account = QlibAccount(init_cash=1e6)
    filled = qlib.execute(qlib_account, Order(i, Side.BUY, 1000 / float(market.factor[i, t])), t)
    assert filled.reason == ""
    assert filled.deal_amount * float(market.factor[i, t]) == pytest.approx(1000)  # adjusted shares

    # Through the engine: the strategy wants this name first on that day.
    others = [c for c in service.instruments("all") if c != code][:3]
    signal = _scores_for(calendar, day, code, others)
    strategy = TopkDropoutConfig(topk=1, n_drop=1)
    engine = StrategyEngine(service)
    ours = engine.run_backtest(signal, strategy, BacktestSettings(day, day, rules="ashare", account=1e6))
    assert ours.trades.empty  # the only wanted name cannot be bought: no order, no fill
    assert ours.positions.empty
    assert ours.report["cash"].iloc[0] == 1e6
    theirs = engine.run_backtest(signal, strategy, BacktestSettings(day, day, rules="qlib", account=1e6))
    bought = theirs.trades[(theirs.trades["instrument"] == code) & (theirs.trades["side"] == "buy")]
    assert len(bought) == 1 and bought["deal_amount"].iloc[0] > 0
    # qlib trades adjusted prices: the fill is at the adjusted close (raw close × factor).
    assert bought["price"].iloc[0] == pytest.approx(price * float(raw.loc[(day, code), "factor"]), rel=1e-6)


def test_limit_up_at_ten_percent_is_refused_under_both_rules(
    service: DataService, market: MarketArrays, raw: pd.DataFrame
) -> None:
    calendar = list(market.days)
    code, day = _limit_up_days(raw, calendar, st_band=False)
    i, t = market.index_of(code), calendar.index(day)
    ashare = AShareExchange(market)
    trade = ashare.execute(_account(ashare, market, t), Order(i, Side.BUY, 500), t)
    assert (trade.deal_amount, trade.reason) == (0.0, "limit")
    qlib = QlibExchange(market)
    refused = qlib.execute(QlibAccount(init_cash=1e6), Order(i, Side.BUY, 500), t)
    assert (refused.deal_amount, refused.reason) == (0.0, "limit")
    signal = _scores_for(calendar, day, code, [c for c in service.instruments("all") if c != code][:3])
    for rules in ("ashare", "qlib"):
        result = StrategyEngine(service).run_backtest(
            signal, TopkDropoutConfig(topk=1, n_drop=1), BacktestSettings(day, day, rules=rules, account=1e6)
        )
        assert result.trades.empty, rules


def test_limit_down_sell_does_not_fill(market: MarketArrays, raw: pd.DataFrame) -> None:
    calendar = list(market.days)
    ok = set(_ordinary(raw).index)
    at_down = raw[(raw["volume"] > 0) & ((raw["close"] - raw["down_limit"]).abs() < 1e-9)]
    day, code = next(
        (d, c)
        for d, c in at_down.index
        if calendar.index(d) > 0 and (calendar[calendar.index(d) - 1], c) in ok
    )
    i, t = market.index_of(code), calendar.index(day)
    exchange = AShareExchange(market)
    account = _account(exchange, market, t - 1)
    assert exchange.execute(account, Order(i, Side.BUY, 1000), t - 1).deal_amount == 1000
    exchange.close_day(account, t - 1)
    exchange.open_day(account, t)
    cash = account.book.cash_fen
    trade = exchange.execute(account, Order(i, Side.SELL, 1000), t)
    assert (trade.deal_amount, trade.reason) == (0.0, "limit")
    assert account.book.cash_fen == cash and account.book.position(code).volume == 1000


# -- T+1 ---------------------------------------------------------------------------------------


def test_shares_bought_today_sell_only_tomorrow(market: MarketArrays, raw: pd.DataFrame) -> None:
    calendar = list(market.days)
    code, t = _quiet_pair(raw, calendar, "main")
    i = market.index_of(code)
    exchange = AShareExchange(market)
    account = _account(exchange, market, t)

    bought = exchange.execute(account, Order(i, Side.BUY, 1000), t)
    assert bought.deal_amount == 1000
    cash = account.book.cash_fen
    same_day = exchange.execute(account, Order(i, Side.SELL, 1000), t)
    assert (same_day.deal_amount, same_day.value, same_day.cost, same_day.reason) == (0.0, 0.0, 0.0, "t+1")
    assert account.book.cash_fen == cash and account.book.position(code).volume == 1000
    exchange.close_day(account, t)

    exchange.open_day(account, t + 1)  # the roll makes yesterday's shares sellable
    assert account.sellable(i) == 1000
    more = exchange.execute(account, Order(i, Side.BUY, 500), t + 1)
    assert more.deal_amount == 500
    # 1500 held, but only yesterday's 1000 may go today.
    sold = exchange.execute(account, Order(i, Side.SELL, 1500), t + 1)
    assert (sold.deal_amount, sold.reason) == (1000.0, "t+1")
    assert sold.price == float(raw.loc[(calendar[t + 1], code), "close"])
    assert account.book.position(code).volume == 500 and account.sellable(i) == 0
    exchange.close_day(account, t + 1)


# -- board lots --------------------------------------------------------------------------------


def test_star_lot_is_200_then_plus_one(market: MarketArrays, raw: pd.DataFrame) -> None:
    calendar = list(market.days)
    code, t = _quiet_pair(raw, calendar, "star")
    i = market.index_of(code)
    exchange = AShareExchange(market)
    assert exchange.round_buy(i, t, 150) == 0
    assert exchange.round_buy(i, t, 200) == 200
    assert exchange.round_buy(i, t, 201) == 201
    assert exchange.round_buy(i, t, 1234) == 1234

    account = _account(exchange, market, t)
    refused = exchange.execute(account, Order(i, Side.BUY, 150), t)
    assert (refused.deal_amount, refused.reason) == (0.0, "lot")
    assert not account.book.positions
    assert exchange.execute(account, Order(i, Side.BUY, 200), t).deal_amount == 200
    odd = exchange.execute(account, Order(i, Side.BUY, 201), t)
    assert (odd.deal_amount, odd.reason) == (201.0, "")
    assert account.book.position(code).volume == 401


def test_main_board_and_bj_lots(market: MarketArrays, raw: pd.DataFrame) -> None:
    calendar = list(market.days)
    code, t = _quiet_pair(raw, calendar, "main")
    i = market.index_of(code)
    exchange = AShareExchange(market)
    assert exchange.round_buy(i, t, 150) == 100
    assert exchange.round_buy(i, t, 99) == 0
    account = _account(exchange, market, t)
    trade = exchange.execute(account, Order(i, Side.BUY, 150), t)
    assert (trade.deal_amount, trade.reason) == (100.0, "lot")
    assert account.book.position(code).volume == 100

    bj = next(k for k, c in enumerate(market.codes) if c.endswith(".BJ"))
    day = next(
        s for s in range(len(calendar)) if (calendar[s], market.codes[bj]) in set(_ordinary(raw).index)
    )
    assert exchange.round_buy(bj, day, 150) == 150  # BJ: 100, then any share
    assert exchange.round_buy(bj, day, 99) == 0


# -- fees --------------------------------------------------------------------------------------


def test_fee_schedule_literal_case() -> None:
    """10,000 shares at ¥12.34 = ¥123,400: commission 30.85, transfer 1.23(4), stamp 61.70."""
    schedule = FeeSchedule()
    buy = schedule.fees(Side.BUY, 10_000 * 1234)
    assert (buy.commission, buy.stamp_duty, buy.transfer_fee) == (3085, 0, 123)
    sell = schedule.fees(Side.SELL, 10_000 * 1234)
    assert (sell.commission, sell.stamp_duty, sell.transfer_fee) == (3085, 6170, 123)
    small = schedule.fees(Side.BUY, 100 * 1234)  # ¥1,234: commission 0.31 → the ¥5 minimum
    assert (small.commission, small.transfer_fee) == (500, 1)


def test_fills_pay_the_schedule_to_the_fen(market: MarketArrays, raw: pd.DataFrame) -> None:
    calendar = list(market.days)
    code, t = _quiet_pair(raw, calendar, "main")
    i = market.index_of(code)
    buy_price = float(raw.loc[(calendar[t], code), "close"])
    sell_price = float(raw.loc[(calendar[t + 1], code), "close"])
    volume = 100 * int(np.ceil(60_000 / buy_price / 100))  # ≈ ¥60,000: commission above the minimum
    exchange = AShareExchange(market)
    account = _account(exchange, market, t)

    start = account.book.cash_fen
    amount = volume * round(buy_price * 100)
    fees = _fees_by_hand(Side.BUY, amount)
    assert fees > 500 + _half_up(amount, 100_000)  # the commission is above ¥5
    trade = exchange.execute(account, Order(i, Side.BUY, volume), t)
    assert (trade.deal_amount, trade.price) == (volume, buy_price)
    assert round(trade.value * 100) == amount
    assert round(trade.cost * 100) == fees
    assert account.book.cash_fen == start - amount - fees

    small = exchange.execute(account, Order(i, Side.BUY, 100), t)  # the ¥5 minimum applies
    small_amount = 100 * round(buy_price * 100)
    assert round(small.cost * 100) == 500 + _half_up(small_amount, 100_000)
    assert account.book.cash_fen == start - amount - fees - small_amount - round(small.cost * 100)
    exchange.close_day(account, t)

    exchange.open_day(account, t + 1)
    before = account.book.cash_fen
    sold = exchange.execute(account, Order(i, Side.SELL, volume + 100), t + 1)
    proceeds = (volume + 100) * round(sell_price * 100)
    sell_fees = _fees_by_hand(Side.SELL, proceeds)
    assert sold.deal_amount == volume + 100
    assert round(sold.cost * 100) == sell_fees
    assert account.book.cash_fen == before + proceeds - sell_fees
    assert code not in account.book.positions
    exchange.close_day(account, t + 1)


# -- suspension --------------------------------------------------------------------------------


def test_suspended_day_does_not_fill(service: DataService, market: MarketArrays, raw: pd.DataFrame) -> None:
    calendar = list(market.days)
    ok = set(_ordinary(raw).index)
    traded = set(raw.index[raw["volume"] > 0])  # a suspended day stores a row of NaN, or none
    spans: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for span in service.source.instruments("all"):
        spans.setdefault(span.code, []).append((span.start, span.end))

    def listed(code: str, day: dt.date) -> bool:
        return any(a <= day <= b for a, b in spans.get(code, []))

    day, code = next(
        (d, c)
        for t, d in enumerate(calendar[1:], start=1)
        for c in market.codes
        if listed(c, d) and (d, c) not in traded and (calendar[t - 1], c) in ok
    )
    assert bool(service.snapshot([code], day).loc[code, "suspended"])
    i, t = market.index_of(code), calendar.index(day)
    exchange = AShareExchange(market)
    account = _account(exchange, market, t - 1)
    assert exchange.execute(account, Order(i, Side.BUY, 1000), t - 1).deal_amount == 1000
    exchange.close_day(account, t - 1)
    exchange.open_day(account, t)
    cash, value = account.book.cash_fen, account.stock_value()

    sell = exchange.execute(account, Order(i, Side.SELL, 1000), t)
    buy = exchange.execute(account, Order(i, Side.BUY, 1000), t)
    for trade in (sell, buy):
        assert (trade.deal_amount, trade.value, trade.cost, trade.reason) == (0.0, 0.0, 0.0, "suspended")
    exchange.close_day(account, t)
    assert account.book.cash_fen == cash and account.book.position(code).volume == 1000
    # Marked at the last close before the suspension, not at a missing price.
    assert account.price(i) == float(raw.loc[(calendar[t - 1], code), "close"])
    assert account.stock_value() == value


# -- a whole backtest reconciles -------------------------------------------------------------


def test_ashare_backtest_reconciles_to_the_cent(
    service: DataService, market: MarketArrays, raw: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    calendar = list(market.days)
    codes = service.instruments("all")
    rng = np.random.default_rng(5)
    signal = pd.DataFrame(
        [(d, c, rng.normal()) for d in calendar for c in codes], columns=["trade_date", "instrument", "score"]
    )
    venues: list[tuple[SimExchange, SimAccount]] = []
    venue = StrategyEngine._venue

    def spy(m: MarketArrays, s: BacktestSettings) -> tuple[SimExchange, SimAccount]:
        venues.append(venue(m, s))
        return venues[-1]

    monkeypatch.setattr(StrategyEngine, "_venue", staticmethod(spy))
    start, end = dt.date(2025, 1, 2), dt.date(2025, 4, 30)  # spans the demo's ex-dividend day
    initial = 1_000_000.0
    result = StrategyEngine(service).run_backtest(
        signal,
        TopkDropoutConfig(topk=10, n_drop=3),
        BacktestSettings(start, end, rules="ashare", account=initial),
    )  # close_day checks the Book's invariants every day: no exception means they held
    [(_, account)] = venues
    assert isinstance(account, AShareAccount)
    account.book.check_invariants()
    report, positions, trades = result.report, result.positions, result.trades
    days = [t.date() for t in report.index]
    assert days == [d for d in calendar if start <= d <= end]
    assert len(trades) > 100 and (trades["side"] == "sell").sum() > 30

    # 1. Every day: account == cash + Σ positions' value, to the cent.
    held_fen = (positions["value"] * 100).round().groupby(level="datetime").sum()
    for stamp, row in report.iterrows():
        stock_fen = int(held_fen.get(stamp, 0))
        assert round(row["account"] * 100) == round(row["cash"] * 100) + stock_fen, stamp
        assert round(row["value"] * 100) == stock_fen, stamp

    # 2. Dividend income, from the previous close's holdings and the factor's jump.
    income_fen = 0
    for t in range(1, len(days)):
        before, today = pd.Timestamp(days[t - 1]), days[t]
        if before not in positions.index.get_level_values("datetime"):
            continue
        for code, held in positions.loc[before].iterrows():
            if (today, code) not in raw.index or (days[t - 1], code) not in raw.index:
                continue
            ratio = raw.loc[(today, code), "factor"] / raw.loc[(days[t - 1], code), "factor"]
            if abs(ratio - 1.0) > 1e-9:
                income_fen += yuan_to_fen(held["amount"] * held["price"] * (1.0 - 1.0 / ratio))
    assert income_fen > 0  # the run holds names through 2025-02-28's ex-dates
    assert round(account.income * 100) == income_fen

    # 3. The trade ledger explains the final cash to the cent.
    filled = trades[trades["deal_amount"] > 0]
    value_fen = (filled["value"] * 100).round().astype(int)
    cost_fen = (filled["cost"] * 100).round().astype(int)
    buys = (filled["side"] == "buy").to_numpy()
    ledger = (
        yuan_to_fen(initial)
        - int((value_fen + cost_fen)[buys].sum())
        + int((value_fen - cost_fen)[~buys].sum())
        + income_fen
    )
    assert ledger == round(report["cash"].iloc[-1] * 100) == account.book.cash_fen

    # 4. Each fill follows the rules: fees by hand, lots per board, T+1, no buy at limit-up.
    prev_amount = positions["amount"].groupby(level=["datetime", "instrument"]).sum()
    for row in filled.itertuples(index=False):
        side = Side(row.side)
        amount = round(row.deal_amount) * round(row.price * 100)
        assert round(row.value * 100) == amount
        assert round(row.cost * 100) == _fees_by_hand(side, amount)
        day = row.datetime.date()
        bar = raw.loc[(day, row.instrument)]
        assert row.price == bar["close"]
        if side is Side.BUY:
            assert bar["close"] < bar["up_limit"] - 1e-9
            lots = round(row.deal_amount)
            if row.instrument.startswith("688"):
                assert lots >= 200
            elif not row.instrument.endswith(".BJ"):
                assert lots % 100 == 0
        else:
            assert bar["close"] > bar["down_limit"] + 1e-9
            previous = pd.Timestamp(calendar[calendar.index(day) - 1])
            assert row.deal_amount <= prev_amount.get((previous, row.instrument), 0.0)  # T+1


def test_ex_date_inside_a_suspension_is_still_settled(
    small_demo: Path, raw: pd.DataFrame, tmp_path: Path
) -> None:
    """A holder suspended over an ex-date is paid when trading resumes, not robbed of it.

    The demo's ex-dates fall on trading days, so we copy it and suspend one stock on its
    ex-date: the factor jump then spans the gap (last close before → first bar after).
    """
    import shutil

    from aistock.data import qlib_format as qf

    provider = tmp_path / "qlib_data"
    shutil.copytree(small_demo, provider)
    service = DataService(QlibProviderSource(provider))
    calendar = list(service.trading_calendar().sessions)
    ok = set(_ordinary(raw).index)
    ex_day, code = next(
        (d, c)
        for d, c in raw.index
        if 1 < calendar.index(d) < len(calendar) - 1
        and (calendar[calendar.index(d) - 1], c) in ok
        and (calendar[calendar.index(d) + 1], c) in ok
        and raw.loc[(d, c), "factor"] / raw.loc[(calendar[calendar.index(d) - 1], c), "factor"] > 1.01
    )
    before, after = calendar[calendar.index(ex_day) - 1], calendar[calendar.index(ex_day) + 1]
    qlib_code = code[-2:] + code[:6]
    for field in service.fields():
        path = qf.feature_path(provider, qlib_code, field)
        stored = np.fromfile(path, dtype=qf.BIN_DTYPE)
        stored[1 + calendar.index(ex_day) - int(stored[0])] = np.nan  # [0] holds the start index
        stored.tofile(path)
    assert bool(service.snapshot([code], ex_day).loc[code, "suspended"])

    days = calendar[calendar.index(before) : calendar.index(after) + 1]
    market = load_market(service, [code], days)
    exchange = AShareExchange(market)
    account = _account(exchange, market, 0)
    assert exchange.execute(account, Order(0, Side.BUY, 1000), 0).deal_amount == 1000
    for t in (1, 2):
        exchange.close_day(account, t - 1)
        exchange.open_day(account, t)
    exchange.close_day(account, 2)
    ratio = raw.loc[(after, code), "factor"] / raw.loc[(before, code), "factor"]
    close_before = float(raw.loc[(before, code), "close"])
    assert account.income > 0
    assert round(account.income * 100) == yuan_to_fen(1000 * close_before * (1.0 - 1.0 / ratio))
