"""The strategy preview engine on file-sourced signals: it must trade what the backtest trades.

Every test runs the real engine on the small demo market (60 stocks, 300 days, minute bars on
the last three sessions) against a real SQLite home. The references are computed independently:
the workstation backtest (``StrategyEngine`` with ``BacktestSettings.workstation``), an
uninterrupted replay, and ``DataService.history`` for the benchmark.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from sqlmodel import col, select

from aistock.core.calendar import SHANGHAI, TradingCalendar
from aistock.core.errors import AistockError
from aistock.core.fees import FeeSchedule
from aistock.core.planning import PlannerConfig
from aistock.data import DataService, QlibProviderSource
from aistock.store import PreviewEvent, PreviewStrategy, Store, WorkstationHome, open_store
from aistock.store.preview_tables import PREVIEW_TABLES
from aistock.trading.backtest.engine import BacktestSettings, StrategyEngine
from aistock.trading.backtest.result import BacktestResult
from aistock.trading.portfolio.config import TopkDropoutConfig
from aistock.trading.preview.config import PreviewConfig, PreviewConfigError
from aistock.trading.preview.scheduler import PreviewScheduler, TickReport
from aistock.trading.preview.service import PreviewError, PreviewService
from aistock.trading.rebalance import RebalanceRules

STRATEGY = TopkDropoutConfig(topk=10, n_drop=3)
ZERO = RebalanceRules()
BROKER = RebalanceRules(fees=FeeSchedule(), planner=PlannerConfig(min_order_value=2000))
REPLAY_DAYS = 40
ACCOUNT_FIELDS = ("cash_fen", "total_value", "turnover", "orders")
BOOK_FIELDS = ("realized_pnl_fen", "fees_paid_fen", "market_value", "rejected", "sod_value", "peak_value")
TRADE_FIELDS = ("trading_day", "at", "code", "side", "price", "volume", "amount", "fees")


@dataclass(frozen=True)
class Market:
    root: Path
    data: DataService
    calendar: TradingCalendar
    signal_path: Path
    signal: pd.Series  # (datetime, instrument) -> score

    @property
    def sessions(self) -> tuple[dt.date, ...]:
        return self.calendar.sessions


@pytest.fixture(scope="module")
def market(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Market:
    """Random scores for every stock on the last 50 sessions, written as a parquet signal file."""
    data = DataService(QlibProviderSource(small_demo))
    calendar = data.trading_calendar()
    days = calendar.sessions[-50:]
    codes = data.instruments("all")
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        [(pd.Timestamp(d), c, float(rng.normal())) for d in days for c in codes],
        columns=["datetime", "instrument", "score"],
    )
    path = tmp_path_factory.mktemp("preview_signal") / "scores.parquet"
    frame.to_parquet(path)
    return Market(small_demo, data, calendar, path, frame.set_index(["datetime", "instrument"])["score"])


def _home(tmp_path: Path, name: str = "home") -> WorkstationHome:
    return WorkstationHome(tmp_path / name).ensure()


def _config(rules: RebalanceRules = ZERO, **kwargs: object) -> PreviewConfig:
    return PreviewConfig(strategy=STRATEGY, rules=rules, **kwargs)  # type: ignore[arg-type]


def _create(
    service: PreviewService, market: Market, start: dt.date, config: PreviewConfig, name: str = "p"
) -> int:
    row = service.create(
        name, source_kind="file", source_ref=str(market.signal_path), start=start, config=config
    )
    assert row.id is not None
    return row.id


def at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def minutes(day: dt.date, start: dt.time, end: dt.time) -> Iterator[dt.datetime]:
    moment, last = at(day, start.hour, start.minute), at(day, end.hour, end.minute)
    while moment <= last:
        yield moment
        moment += dt.timedelta(minutes=1)


class Clock:
    """An injected scheduler clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2000, 1, 1, tzinfo=SHANGHAI)

    def __call__(self) -> dt.datetime:
        return self.now


def _tick_through(
    scheduler: PreviewScheduler, clock: Clock, moments: Iterator[dt.datetime]
) -> list[TickReport]:
    reports = []
    for moment in moments:
        clock.now = moment
        report = scheduler.tick()
        assert report.errors == (), report.errors
        reports.append(report)
    return reports


def _account_rows(service: PreviewService, preview_id: int, fields: tuple[str, ...]) -> list[tuple[Any, ...]]:
    frame = service.accounts(preview_id)
    return [tuple(r) for r in frame[["trading_day", *fields]].itertuples(index=False)]


def _trade_rows(service: PreviewService, preview_id: int) -> list[tuple[Any, ...]]:
    rows = []
    for t in service.trades(preview_id):
        stamp = t.at.astimezone(SHANGHAI) if t.at.tzinfo else t.at.replace(tzinfo=dt.UTC).astimezone(SHANGHAI)
        rows.append((t.trading_day, stamp, t.code, t.side, t.price, t.volume, t.amount, t.fees))
    return rows


def _backtest(market: Market, start: dt.date, end: dt.date, rules: RebalanceRules) -> BacktestResult:
    settings = BacktestSettings(
        start=start, end=end, rules="ashare", account=1e6, benchmark=None, fees=rules.fees, workstation=rules
    )
    return StrategyEngine(market.data).run_backtest(market.signal, STRATEGY, settings)


# -- one replay per rule set, shared by the read-only tests -------------------------------------------
@dataclass(frozen=True)
class Replayed:
    service: PreviewService
    ids: dict[str, int]
    start: dt.date
    end: dt.date


@pytest.fixture(scope="module")
def replayed(market: Market, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replayed]:
    start, end = market.sessions[-REPLAY_DAYS], market.sessions[-1]
    with open_store(_home(tmp_path_factory.mktemp("replayed"))) as store:
        ids = {}
        for label, rules in (("zero", ZERO), ("broker", BROKER)):
            # one service per replay, as one CLI command each (a shared one is tested below)
            service = PreviewService(store, market.data)
            ids[label] = _create(service, market, start, _config(rules, bars="day"), name=label)
            assert service.replay(ids[label], start, end) == REPLAY_DAYS
        yield Replayed(PreviewService(store, market.data), ids, start, end)


@pytest.mark.parametrize("label", ["zero", "broker"])
def test_daily_replay_equals_the_workstation_backtest(replayed: Replayed, market: Market, label: str) -> None:
    rules = {"zero": ZERO, "broker": BROKER}[label]
    service, pid = replayed.service, replayed.ids[label]
    result = _backtest(market, replayed.start, replayed.end, rules)

    ours = service.accounts(pid)
    days = [d.date() for d in result.report.index]
    assert list(ours["trading_day"]) == days == list(market.calendar.between(replayed.start, replayed.end))
    reference = result.report["account"].to_numpy()
    np.testing.assert_allclose(ours["total_value"].to_numpy(), reference, rtol=1e-6, atol=0)
    # The NAV moves (a flat line would agree with anything) and it traded every day.
    assert np.ptp(reference) > 1_000

    filled = result.trades[result.trades["deal_amount"] > 0]
    trades = service.trades(pid)
    assert len(trades) == len(filled) > 3 * REPLAY_DAYS
    bt = sorted(
        (ts.date(), code, side, round(volume), round(price, 2))
        for ts, code, side, volume, price in zip(
            filled["datetime"],
            filled["instrument"],
            filled["side"],
            filled["deal_amount"],
            filled["price"],
            strict=True,
        )
    )
    pv = sorted((t.trading_day, t.code, t.side, t.volume, round(t.price, 2)) for t in trades)
    assert pv == bt
    fees = sum(t.fees for t in trades)
    if label == "zero":
        assert fees == 0.0
    else:
        assert fees == pytest.approx(float(filled["cost"].sum()), rel=1e-6)
        assert fees > 100.0
        assert int(ours["fees_paid_fen"].iloc[-1]) == round(fees * 100)
        # the 2000-yuan minimum order value holds for every fill
        assert min(t.amount for t in trades) >= 2000.0


def test_fees_and_the_minimum_order_change_the_result(replayed: Replayed) -> None:
    zero = replayed.service.accounts(replayed.ids["zero"])["total_value"].to_numpy()
    broker = replayed.service.accounts(replayed.ids["broker"])["total_value"].to_numpy()
    assert np.abs(zero - broker).max() > 100.0


@pytest.mark.parametrize("label", ["zero", "broker"])
def test_every_settled_day_keeps_the_book_identity(replayed: Replayed, label: str) -> None:
    service, pid = replayed.service, replayed.ids[label]
    initial = service.get(pid).initial_capital
    frame = service.accounts(pid)
    assert len(frame) == REPLAY_DAYS and frame["settled"].all()
    peak, previous = initial, initial
    records: list[dict[str, Any]] = frame.to_dict("records")  # type: ignore[assignment]
    for record in records:
        row = SimpleNamespace(**record)
        assert row.cash == pytest.approx(row.cash_fen / 100.0, abs=1e-9)
        assert row.cash + row.market_value == pytest.approx(row.total_value, abs=1e-6)
        positions = service.positions(pid, row.trading_day)
        assert positions, f"no positions stored on {row.trading_day}"
        assert sum(p.market_value for p in positions) == pytest.approx(row.market_value, abs=1e-6)
        for p in positions:
            assert p.market_value == pytest.approx(p.volume * p.last_price, abs=1e-6)
            assert 0 <= p.sellable <= p.volume and p.volume > 0
        assert row.cum_pnl == pytest.approx(row.total_value - initial, abs=1e-6)
        assert row.daily_pnl == pytest.approx(row.total_value - previous, abs=1e-6)
        peak = max(peak, row.total_value)
        assert row.peak_value == pytest.approx(peak, abs=1e-6)
        previous = row.total_value
    # the running peak is not simply the last value or the initial capital
    assert frame["peak_value"].nunique() > 1
    assert (frame["peak_value"] > frame["total_value"] + 1).any()
    assert service.get(pid).settled_through == replayed.end


# -- the live clock ---------------------------------------------------------------------------------------
LIVE_CONFIG = _config(rebalance_times=(dt.time(10, 0), dt.time(14, 50)), bars="minute")


def _live_days(market: Market) -> tuple[dt.date, dt.date, dt.date]:
    return market.sessions[-3], market.sessions[-2], market.sessions[-1]


def test_a_live_clock_equals_a_minute_replay(market: Market, tmp_path: Path) -> None:
    first, second, _ = _live_days(market)
    clock = Clock()
    with open_store(_home(tmp_path)) as store:
        service = PreviewService(store, market.data)
        live = _create(service, market, first, LIVE_CONFIG, name="live")
        scheduler = PreviewScheduler(service, clock=clock)
        reports = _tick_through(scheduler, clock, minutes(first, dt.time(9, 25), dt.time(15, 5)))
        # the day is open and marked every trading minute, settled once after the close
        assert sum(r.settled for r in reports) == 1
        assert all(r.refreshed > 0 for r in reports if dt.time(10, 1) <= r.at.time() < dt.time(11, 30))
        assert all(r.refreshed == 0 for r in reports if r.at.time() < dt.time(9, 30))
        midday = [r for r in reports if r.at.time() == dt.time(11, 0)]
        assert midday and midday[0].settled == 0
        reports = _tick_through(scheduler, clock, minutes(second, dt.time(9, 25), dt.time(15, 5)))
        assert sum(r.settled for r in reports) == 1

        replay = _create(service, market, first, LIVE_CONFIG, name="replay")
        assert service.replay(replay, first, second, bars="minute") == 2

        assert service.accounts(live)["settled"].all()
        ours = _account_rows(service, live, ACCOUNT_FIELDS + BOOK_FIELDS)
        assert len(ours) == 2
        assert ours == _account_rows(service, replay, ACCOUNT_FIELDS + BOOK_FIELDS)
        assert _trade_rows(service, live) == _trade_rows(service, replay)
        times = {t[1].time() for t in _trade_rows(service, live) if t[0] == second}
        assert dt.time(10, 0) in times and times <= {dt.time(10, 0), dt.time(14, 50)}
        assert service.accounts(live)["rebalances"].iloc[-1] == "10:00,14:50"
        # the second day really held and traded a book (sells only exist with positions)
        assert any(t.side == "sell" and t.trading_day == second for t in service.trades(live))
        # minute prices, not the close: a fill at 10:00 differs from the day's close
        closes = service.market.prices(second, [t.code for t in service.trades(live)], None)
        assert any(
            abs(t.price - closes[t.code]) > 1e-6 for t in service.trades(live) if t.trading_day == second
        )


def test_a_restart_mid_session_continues_exactly(market: Market, tmp_path: Path) -> None:
    first, second, third = _live_days(market)
    home = _home(tmp_path)
    clock = Clock()
    with open_store(home) as store:
        service = PreviewService(store, market.data)
        pid = _create(service, market, first, LIVE_CONFIG, name="restarted")
        _tick_through(
            PreviewScheduler(service, clock=clock), clock, minutes(second, dt.time(9, 25), dt.time(11, 0))
        )
        before = service.accounts(pid, settled_only=False)
        assert before["trading_day"].tolist() == [first, second]
        assert before["settled"].tolist() == [True, False]
        assert before["rebalances"].iloc[-1] == "10:00"
        # the open day is marked at the 10:59 bar's close (the last one finished at 11:00)
        held = service.positions(pid, second)
        bars = market.data.history(
            [p.code for p in held],
            dt.datetime.combine(second, dt.time(10, 59)),
            dt.datetime.combine(second, dt.time(10, 59)),
            ["close"],
            freq="1min",
            adjust="none",
            dtype="float64",
        )["close"].droplevel("datetime")
        assert len(held) > 3
        for p in held:
            assert p.last_price == pytest.approx(round(float(bars[p.code]), 2), abs=1e-9)
        row = before.iloc[-1]
        assert row["total_value"] == pytest.approx(
            row["cash_fen"] / 100 + sum(p.volume * p.last_price for p in held), abs=1e-6
        )
    with open_store(home) as store:  # the app restarts at 14:40
        service = PreviewService(store, market.data)
        scheduler = PreviewScheduler(service, clock=clock)
        _tick_through(scheduler, clock, minutes(second, dt.time(14, 40), dt.time(15, 5)))
        clock.now = at(third, 15, 5)
        assert scheduler.tick().settled == 1
        restarted = (_account_rows(service, pid, ACCOUNT_FIELDS + BOOK_FIELDS), _trade_rows(service, pid))

        reference = _create(service, market, first, LIVE_CONFIG, name="uninterrupted")
        assert service.replay(reference, first, third, bars="minute") == 3
        assert restarted[0] == _account_rows(service, reference, ACCOUNT_FIELDS + BOOK_FIELDS)
        assert restarted[1] == _trade_rows(service, reference)
        # no rebalance ran twice: one 10:00 batch on the second day
        ten = [
            t for t in service.trades(pid) if t.trading_day == second and t.at.astimezone(SHANGHAI).hour == 10
        ]
        assert ten and len(ten) == len({(t.code, t.side) for t in ten})


def test_a_reopened_app_catches_up_every_missed_day(market: Market, tmp_path: Path) -> None:
    start = market.sessions[-8]
    with open_store(_home(tmp_path)) as store:
        service = PreviewService(store, market.data)
        pid = _create(service, market, start, LIVE_CONFIG, name="asleep")
        clock = Clock()
        clock.now = at(market.sessions[-1] + dt.timedelta(days=3), 10, 0)  # days after the data ends
        report = PreviewScheduler(service, clock=clock).tick()
        assert report.errors == ()
        assert report.settled == 8 == len(market.calendar.between(start, market.sessions[-1]))
        assert service.get(pid).settled_through == market.sessions[-1]
        assert PreviewScheduler(service, clock=clock).tick().settled == 0  # idempotent

        service = PreviewService(store, market.data)  # the reference as its own CLI command
        reference = _create(service, market, start, LIVE_CONFIG, name="replayed")
        service.replay(reference, start, market.sessions[-1])
        assert _account_rows(service, pid, ACCOUNT_FIELDS) == _account_rows(
            service, reference, ACCOUNT_FIELDS
        )
        assert _trade_rows(service, pid) == _trade_rows(service, reference)


# -- the instance limit, archive and delete -----------------------------------------------------------
def test_the_active_limit_refuses_the_eleventh_instance(market: Market, tmp_path: Path) -> None:
    start = market.sessions[-5]
    with open_store(_home(tmp_path)) as store:
        service = PreviewService(store, market.data)
        assert service.max_active() == 10
        ids = [_create(service, market, start, _config(), name=f"p{i}") for i in range(10)]
        with pytest.raises(PreviewError) as refused:
            _create(service, market, start, _config(), name="eleventh")
        message = str(refused.value)
        assert "10" in message and "stop or archive" in message
        assert len(service.instances(statuses=("running", "stopped", "archived"))) == 10

        service.stop(ids[0])  # a stopped instance no longer counts ...
        _create(service, market, start, _config(), name="eleventh")
        with pytest.raises(PreviewError, match="stop or archive"):
            service.resume(ids[0])  # ... and cannot come back while the others run
        service.archive(ids[1])
        service.resume(ids[0])
        assert len(service.instances(statuses=("running",))) == 10

        with pytest.raises(PreviewError, match=">= 10"):
            service.set_max_active(9)
        assert service.max_active() == 10
        service.set_max_active(12)
        _create(service, market, start, _config(), name="twelfth")
        assert service.max_active() == 12


def _counts(store: Store, preview_id: int) -> dict[str, int]:
    out: dict[str, int] = {}
    with store.engine.connect() as connection:
        for table in PREVIEW_TABLES:
            name = str(table.__tablename__)
            column = "id" if table is PreviewStrategy else "preview_id"
            out[name] = connection.execute(
                text(f"SELECT COUNT(*) FROM {name} WHERE {column} = :p"), {"p": preview_id}
            ).scalar_one()
    return out


def test_archived_instances_stay_readable_and_delete_removes_every_row(
    market: Market, tmp_path: Path
) -> None:
    start, end = market.sessions[-6], market.sessions[-1]
    with open_store(_home(tmp_path)) as store:
        service = PreviewService(store, market.data)
        kept = _create(service, market, start, _config(BROKER, bars="minute"), name="kept")
        gone = _create(service, market, start, _config(BROKER, bars="minute"), name="gone")
        for pid in (kept, gone):  # one command each
            assert PreviewService(store, market.data).replay(pid, start, end) == 6

        before: dict[str, Any] = {
            "accounts": service.accounts(kept),
            "positions": [p.model_dump() for p in service.positions(kept)],
            "trades": [t.model_dump() for t in service.trades(kept)],
            "nav": service.nav([kept]),
            "metrics": service.metrics(kept),
        }
        assert before["trades"] and before["positions"] and before["metrics"]
        service.archive(kept)
        assert service.get(kept).status == "archived"
        pd.testing.assert_frame_equal(service.accounts(kept), before["accounts"])
        assert [p.model_dump() for p in service.positions(kept)] == before["positions"]
        assert [t.model_dump() for t in service.trades(kept)] == before["trades"]
        pd.testing.assert_frame_equal(service.nav([kept]), before["nav"])
        assert service.metrics(kept) == before["metrics"]
        assert [s.id for s in service.summaries() if s.status == "archived"] == [kept]

        for action in (
            lambda: service.replay(kept, start, end),
            lambda: service.resume(kept),
            lambda: service.stop(kept),
        ):
            with pytest.raises(PreviewError, match="archived"):
                action()
        clock = Clock()
        clock.now = at(end, 15, 5)
        PreviewScheduler(service, clock=clock).tick()
        pd.testing.assert_frame_equal(service.accounts(kept), before["accounts"])

        kept_counts = _counts(store, kept)
        gone_counts = _counts(store, gone)
        assert all(
            gone_counts[t] > 0
            for t in (
                "preview_strategy",
                "preview_trade",
                "preview_position",
                "preview_account",
                "preview_signal",
            )
        )
        # an event row for the deleted instance, so the events table is checked too
        with store.write_session() as session:
            session.add(
                PreviewEvent(preview_id=gone, at=at(end, 15, 0), trading_day=end, kind="note", message="x")
            )
            session.commit()
        assert _counts(store, gone)["preview_event"] > 0
        service.delete(gone)
        assert _counts(store, gone) == dict.fromkeys(gone_counts, 0)
        assert _counts(store, kept) == kept_counts
        with pytest.raises(PreviewError, match=str(gone)):
            service.get(gone)


# -- the NAV chart ----------------------------------------------------------------------------------------
def test_nav_is_calendar_aligned_beside_the_benchmark(market: Market, tmp_path: Path) -> None:
    early, late, end = market.sessions[-20], market.sessions[-12], market.sessions[-1]
    with open_store(_home(tmp_path)) as store:
        service = PreviewService(store, market.data)
        a = _create(service, market, early, _config(bars="day"), name="early")
        b = _create(service, market, late, _config(bars="day"), name="late")
        service.replay(a, early, end)
        PreviewService(store, market.data).replay(b, late, end)  # its own command
        nav = service.nav([a, b])

        days = list(market.calendar.between(early, end))
        assert list(nav.index) == days
        assert list(nav.columns) == [f"{a}:early", f"{b}:late", "bench:000001.SH"]
        for pid, label in ((a, f"{a}:early"), (b, f"{b}:late")):
            frame = service.accounts(pid)
            expected = pd.Series(frame["total_value"].to_numpy() / 1e6, index=list(frame["trading_day"]))
            np.testing.assert_allclose(
                nav[label].reindex(expected.index).to_numpy(), expected.to_numpy(), rtol=1e-12
            )
        assert nav[f"{b}:late"].loc[: market.calendar.previous_session(late)].isna().all()
        assert nav[f"{b}:late"].loc[late:].notna().all()

        close = market.data.history(["000001.SH"], early, end, ["close"], adjust="none", dtype="float64")[
            "close"
        ]
        close = pd.Series(
            close.to_numpy(), index=[t.date() for t in close.index.get_level_values("datetime")]
        )
        expected_bench = (close / close.loc[late]).reindex(days)
        np.testing.assert_allclose(nav["bench:000001.SH"].to_numpy(), expected_bench.to_numpy(), rtol=1e-9)
        assert nav["bench:000001.SH"].loc[late] == 1.0
        assert (
            abs(nav["bench:000001.SH"].loc[early] - 1.0) > 1e-4
        )  # normalised on the common day, not the first

        window = service.nav([a], start=late, end=market.sessions[-3])
        assert list(window.index) == list(market.calendar.between(late, market.sessions[-3]))
        assert window["bench:000001.SH"].iloc[0] == 1.0


# -- bad input --------------------------------------------------------------------------------------------
def _snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as connection:
        for table in PREVIEW_TABLES:
            name = str(table.__tablename__)
            rows = connection.execute(text(f"SELECT * FROM {name}")).all()
            out[name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def test_bad_requests_are_refused_without_changing_anything(market: Market, tmp_path: Path) -> None:
    cal = market.calendar
    start, end = market.sessions[-6], market.sessions[-3]
    with open_store(_home(tmp_path)) as store:
        service = PreviewService(store, market.data)
        pid = _create(service, market, start, _config(bars="day"), name="good")
        service.replay(pid, start, end)
        snapshot = _snapshot(store)

        def refused(call, *words: str) -> AistockError:  # type: ignore[no-untyped-def]
            with pytest.raises(AistockError) as caught:
                call()
            for word in words:
                assert word in str(caught.value), (word, str(caught.value))
            assert _snapshot(store) == snapshot, "a refused request changed the store"
            return caught.value

        good: dict[str, Any] = {
            "source_kind": "file",
            "source_ref": str(market.signal_path),
            "config": _config(),
        }
        refused(lambda: service.create("x", start=cal.first, **good), str(cal.first))
        refused(lambda: service.create("x", start=cal.first - dt.timedelta(days=30), **good), str(cal.first))
        refused(lambda: service.create("x", start=cal.last + dt.timedelta(days=5), **good), str(cal.last))
        for capital in (0.0, -1_000_000.0, float("nan")):
            refused(lambda c=capital: service.create("x", start=start, initial_capital=c, **good), "capital")
        refused(lambda: service.create("  ", start=start, **good), "name")
        refused(lambda: service.create("x", start=start, source_kind="web", source_ref="y"), "web")

        refused(lambda: service.replay(pid, cal.first - dt.timedelta(days=10), end), str(cal.first))
        refused(lambda: service.replay(pid, start, cal.last + dt.timedelta(days=3)), str(cal.last))
        refused(lambda: service.replay(pid, end, start), "before")
        for call in (
            lambda: service.get(9999),
            lambda: service.replay(9999, start, end),
            lambda: service.stop(9999),
            lambda: service.resume(9999),
            lambda: service.archive(9999),
            lambda: service.delete(9999),
            lambda: service.metrics(9999),
            lambda: service.nav([9999]),
        ):
            refused(call, "9999")

        with pytest.raises(PreviewConfigError):
            PreviewConfig(bars="hour")  # type: ignore[arg-type]
        with pytest.raises(PreviewConfigError, match="09:00"):
            PreviewConfig(rebalance_times=(dt.time(9, 0),))
        with pytest.raises(AistockError, match="Nonsense"):
            PreviewConfig.from_mapping({"strategy": {"class": "NonsenseStrategy"}})
        with pytest.raises(PreviewConfigError):
            PreviewConfig.from_mapping({"fees": {"commission_rate": "lots"}})
        assert _snapshot(store) == snapshot


def test_a_missing_signal_file_is_named_and_keeps_the_history(market: Market, tmp_path: Path) -> None:
    moved = tmp_path / "signal.parquet"
    shutil.copy(market.signal_path, moved)
    start, end = market.sessions[-8], market.sessions[-4]
    with open_store(_home(tmp_path)) as store:
        service = PreviewService(store, market.data)
        pid = service.create(
            "moved", source_kind="file", source_ref=str(moved), start=start, config=_config(bars="day")
        ).id
        assert pid is not None
        assert service.replay(pid, start, end) == 5
        snapshot = _snapshot(store)
        moved.unlink()
        with pytest.raises(AistockError, match=str(moved)):
            service.replay(pid, start, market.sessions[-1])  # needs scores the file no longer gives
        assert _snapshot(store) == snapshot, "a failed replay destroyed the instance's history"

        fresh = _create(service, market, start, _config(bars="day"), name="fresh")
        with store.write_session() as session:
            row = session.get(PreviewStrategy, fresh)
            assert row is not None
            row.source_ref = str(moved)
            session.commit()
        snapshot = _snapshot(store)
        with pytest.raises(AistockError, match=str(moved)):
            service.replay(fresh, start, end)
        assert _snapshot(store) == snapshot


def test_a_corrupt_config_is_a_clear_error_and_does_not_stall_the_others(
    market: Market, tmp_path: Path
) -> None:
    start, end = market.sessions[-5], market.sessions[-1]
    with open_store(_home(tmp_path)) as store:
        service = PreviewService(store, market.data)
        broken = _create(service, market, start, _config(bars="day"), name="broken")
        healthy = _create(service, market, start, _config(bars="day"), name="healthy")
        for pid, text_ in ((broken, '{"strategy": {"class": "TopkDropoutStrategy", "kwargs": {"topk": '),):
            with store.write_session() as session:
                row = session.get(PreviewStrategy, pid)
                assert row is not None
                row.config_json = text_
                session.commit()
        snapshot = _snapshot(store)
        with pytest.raises(AistockError):
            service.replay(broken, start, end)
        assert _snapshot(store) == snapshot

        clock = Clock()
        clock.now = at(end, 15, 5)
        report = PreviewScheduler(service, clock=clock).tick()
        assert len(report.errors) == 1 and "broken" in report.errors[0]
        assert report.settled == 5
        assert service.get(healthy).settled_through == end
        assert service.get(broken).settled_through is None


def test_a_semantically_invalid_stored_config_is_refused(market: Market, tmp_path: Path) -> None:
    start, end = market.sessions[-5], market.sessions[-1]
    with open_store(_home(tmp_path)) as store:
        service = PreviewService(store, market.data)
        pid = _create(service, market, start, _config(bars="day"), name="odd")
        with store.write_session() as session:
            row = session.get(PreviewStrategy, pid)
            assert row is not None
            row.config_json = '{"bars": "hour"}'
            session.commit()
        snapshot = _snapshot(store)
        with pytest.raises(PreviewConfigError, match="hour"):
            service.replay(pid, start, end)
        assert _snapshot(store) == snapshot


# -- regressions found while writing these tests ---------------------------------------------------------
def test_a_new_instance_started_days_ago_is_caught_up_beside_a_current_one(
    market: Market, tmp_path: Path
) -> None:
    """The running app holds today's prices; an instance created with an older start must still
    catch up on the next tick (the market cache once evicted the day it had just loaded)."""
    last = market.sessions[-1]
    clock = Clock()
    with open_store(_home(tmp_path)) as store:
        service = PreviewService(store, market.data)
        scheduler = PreviewScheduler(service, clock=clock)
        current = _create(service, market, market.sessions[-2], _config(bars="day"), name="current")
        clock.now = at(last, 15, 5)
        assert scheduler.tick().settled == 2
        older = _create(service, market, market.sessions[-10], _config(bars="day"), name="older")
        report = scheduler.tick()
        assert report.errors == () and report.settled == 10
        assert service.get(older).settled_through == last
        assert service.get(current).settled_through == last

        # and a second replay over an earlier range on the same service
        assert service.replay(current, market.sessions[-12], market.sessions[-6]) == 7


def test_the_first_day_on_minute_bars_rebalances_at_the_configured_times(
    market: Market, tmp_path: Path
) -> None:
    """A fresh instance holds nothing; minute bars exist that day for every stock and the index."""
    first = market.sessions[-3]
    with open_store(_home(tmp_path)) as store:
        service = PreviewService(store, market.data)
        pid = _create(service, market, first, LIVE_CONFIG, name="fresh")
        assert service.replay(pid, first, first, bars="minute") == 1
        times = {t.at.astimezone(SHANGHAI).time() for t in service.trades(pid)}
        assert dt.time(10, 0) in times and times <= {dt.time(10, 0), dt.time(14, 50)}
        assert service.accounts(pid)["rebalances"].tolist() == ["10:00,14:50"]
        with store.session() as session:
            notes = session.exec(select(PreviewEvent).where(col(PreviewEvent.preview_id) == pid)).all()
        assert not [n for n in notes if "no minute bars" in n.message]


def test_one_instance_on_a_suspended_name_does_not_hide_minute_bars_from_another(
    market: Market, tmp_path: Path
) -> None:
    """000009.SZ is suspended (no minute bars) on the last three sessions of the demo market.
    An instance that only scores it must not make the day look bar-less to its neighbours."""
    first = market.sessions[-3]
    codes = market.signal.index.get_level_values("instrument")
    suspended_only = market.signal[codes == "000009.SZ"].reset_index()
    assert len(suspended_only) > 0
    path = tmp_path / "suspended.parquet"
    suspended_only.to_parquet(path)
    clock = Clock()
    with open_store(_home(tmp_path)) as store:
        service = PreviewService(store, market.data)
        service.create("suspended", source_kind="file", source_ref=str(path), start=first, config=LIVE_CONFIG)
        pid = _create(service, market, first, LIVE_CONFIG, name="neighbour")
        clock.now = at(first, 15, 5)
        assert PreviewScheduler(service, clock=clock).tick().errors == ()

        alone = PreviewService(store, market.data)
        reference = _create(alone, market, first, LIVE_CONFIG, name="alone")
        alone.replay(reference, first, first)
        assert service.accounts(reference)["rebalances"].tolist() == ["10:00,14:50"]
        assert service.accounts(pid)["rebalances"].tolist() == ["10:00,14:50"]
        assert _trade_rows(service, pid) == _trade_rows(service, reference)
