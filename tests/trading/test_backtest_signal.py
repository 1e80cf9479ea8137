"""Signals the backtest must refuse, or accept in another shape, and say so.

A bad signal produces a report that looks fine and is wrong, so each doubtful input is either an
error naming the offending codes / dates with a fix, or a documented drop counted in the notes.
Accepted shapes (RD-Agent's ``signals.parquet`` columns, qlib's ``pred.pkl`` in either index
order, qlib or canonical codes) must give the very same backtest.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aistock.core.codes import parse_code
from aistock.core.errors import AistockError
from aistock.data.qlib_provider import QlibProviderSource
from aistock.data.service import DataService
from aistock.trading.backtest.engine import BacktestError, BacktestSettings, StrategyEngine
from aistock.trading.backtest.result import BacktestResult
from aistock.trading.backtest.signal import SignalError, normalize_signal
from aistock.trading.portfolio.config import TopkDropoutConfig

STRATEGY = TopkDropoutConfig(topk=5, n_drop=2)


@pytest.fixture(scope="module")
def service(small_demo: Path) -> DataService:
    return DataService(QlibProviderSource(small_demo))


@pytest.fixture(scope="module")
def calendar(service: DataService) -> list[dt.date]:
    return list(service.trading_calendar().sessions)


@pytest.fixture(scope="module")
def window(calendar: list[dt.date]) -> tuple[dt.date, dt.date]:
    """Twenty trading days ending a week before the provider's last day."""
    return calendar[-26], calendar[-6]


@pytest.fixture(scope="module")
def scores(service: DataService, calendar: list[dt.date], window: tuple[dt.date, dt.date]) -> pd.DataFrame:
    """signals.parquet-style random scores for every code, from the day before the window."""
    days = [d for d in calendar if calendar[calendar.index(window[0]) - 1] <= d <= window[1]]
    codes = service.instruments("all")
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        [(d, c, rng.normal()) for d in days for c in codes], columns=["trade_date", "instrument", "score"]
    )


def _run(
    service: DataService, signal: pd.DataFrame | pd.Series, window: tuple[dt.date, dt.date], **kw: object
) -> BacktestResult:
    settings = BacktestSettings(window[0], window[1], account=1e7, **kw)  # type: ignore[arg-type]
    return StrategyEngine(service).run_backtest(signal, STRATEGY, settings)


def _same(a: BacktestResult, b: BacktestResult) -> None:
    pd.testing.assert_frame_equal(a.report, b.report)
    pd.testing.assert_frame_equal(a.trades, b.trades)
    pd.testing.assert_frame_equal(a.positions, b.positions)


def _refusal(excinfo: pytest.ExceptionInfo[AistockError]) -> tuple[str, str]:
    error = excinfo.value
    assert error.what and error.fix, "every refusal names the problem and a fix"
    return error.what, error.fix


# -- NaN scores --------------------------------------------------------------------------------


def test_nan_scores_are_dropped_and_noted(
    service: DataService, scores: pd.DataFrame, window: tuple[dt.date, dt.date]
) -> None:
    days = sorted(set(scores["trade_date"]))
    holed = scores.copy()
    rows = holed.index[(holed["trade_date"] == days[3])][:2].tolist()
    rows += holed.index[(holed["trade_date"] == days[7])][:1].tolist()
    holed.loc[rows, "score"] = np.nan
    result = _run(service, holed, window)
    assert "dropped 3 NaN score(s) on 2 day(s)" in result.notes
    # A NaN row is as good as no row: the same backtest as with the rows removed.
    _same(result, _run(service, scores.drop(index=rows), window))


def test_a_day_of_only_nan_trades_nothing(
    service: DataService, scores: pd.DataFrame, window: tuple[dt.date, dt.date], calendar: list[dt.date]
) -> None:
    days = sorted(set(scores["trade_date"]))
    blank = days[5]
    holed = scores.copy()
    holed.loc[holed["trade_date"] == blank, "score"] = np.nan
    result = _run(service, holed, window)
    n_codes = len(service.instruments("all"))
    assert f"dropped {n_codes} NaN score(s) on 1 day(s)" in result.notes
    assert f"1 of {len(result.report)} day(s) had no signal on the previous trading day: no trades then" in (
        result.notes
    )
    quiet = pd.Timestamp(calendar[calendar.index(blank) + 1])  # the day that would have used them
    traded_days = set(result.trades["datetime"])
    assert quiet not in traded_days
    assert pd.Timestamp(calendar[calendar.index(blank) + 2]) in traded_days  # trading resumes
    assert result.report.loc[quiet, "turnover"] == 0.0 and result.report.loc[quiet, "cost"] == 0.0


def test_all_nan_is_an_error(
    service: DataService, scores: pd.DataFrame, window: tuple[dt.date, dt.date]
) -> None:
    with pytest.raises(SignalError, match="no usable score") as excinfo:
        _run(service, scores.assign(score=np.nan), window)
    _refusal(excinfo)


# -- codes -------------------------------------------------------------------------------------


def test_unknown_codes_are_named_or_dropped(
    service: DataService, scores: pd.DataFrame, window: tuple[dt.date, dt.date]
) -> None:
    universe = set(service.instruments("all"))
    strangers = ["600000.SH", "601318.SH"]
    assert not universe & set(strangers)
    day = scores["trade_date"].iloc[0]
    extra = pd.DataFrame([(day, c, 9.0) for c in strangers], columns=scores.columns)
    mixed = pd.concat([scores, extra], ignore_index=True)
    with pytest.raises(SignalError) as excinfo:
        _run(service, mixed, window)
    what, fix = _refusal(excinfo)
    assert "2 signal code(s) are not in the provider: 600000.SH, 601318.SH" in what
    assert "drop_unknown" in fix

    dropped = _run(service, mixed, window, drop_unknown=True)
    assert "dropped 2 unknown code(s): 600000.SH, 601318.SH" in dropped.notes
    _same(dropped, _run(service, scores, window))


def test_unparseable_codes_are_an_error(
    service: DataService, scores: pd.DataFrame, window: tuple[dt.date, dt.date]
) -> None:
    bad = scores.copy()
    bad.loc[0, "instrument"] = "PINGAN"
    bad.loc[1, "instrument"] = "60000"
    with pytest.raises(SignalError) as excinfo:
        _run(service, bad, window)
    what, fix = _refusal(excinfo)
    assert "2 signal instrument code(s) cannot be read: 60000, PINGAN" in what
    assert "600000.SH" in fix


def test_qlib_codes_and_both_index_orders_give_the_same_backtest(
    service: DataService, scores: pd.DataFrame, window: tuple[dt.date, dt.date]
) -> None:
    canonical = _run(service, scores, window)
    assert len(canonical.trades) > 20
    qlib_names = scores["instrument"].map(lambda c: parse_code(c).qlib)
    assert qlib_names.iloc[0].startswith(("SH", "SZ", "BJ"))
    stamps = pd.DatetimeIndex(pd.to_datetime(scores["trade_date"]))
    by_day = pd.Series(
        scores["score"].to_numpy(),
        index=pd.MultiIndex.from_arrays([stamps, qlib_names], names=["datetime", "instrument"]),
        name="score",
    )
    by_name = by_day.swaplevel().sort_index()  # pred.pkl as (instrument, datetime)
    _same(canonical, _run(service, by_day, window))
    _same(canonical, _run(service, by_name, window))
    _same(canonical, _run(service, by_name.to_frame(), window))  # a one-column frame too


# -- dates -------------------------------------------------------------------------------------


def test_a_weekend_date_is_named(
    service: DataService, scores: pd.DataFrame, window: tuple[dt.date, dt.date], calendar: list[dt.date]
) -> None:
    saturday = dt.date(2025, 11, 15)
    assert saturday.weekday() == 5 and calendar[0] < saturday < calendar[-1]
    late = dt.date(2025, 11, 24)  # a Monday after the provider's last day
    extra = pd.DataFrame([(saturday, "600100.SH", 0.5), (late, "600100.SH", 0.5)], columns=scores.columns)
    with pytest.raises(SignalError) as excinfo:
        _run(service, pd.concat([scores, extra], ignore_index=True), window)
    what, fix = _refusal(excinfo)
    assert f"2 signal date(s) are not trading days of the provider ({calendar[0]}..{calendar[-1]})" in what
    assert "2025-11-15" in what and "2025-11-24" in what
    assert "trading day" in fix


def test_dates_with_a_time_of_day_are_refused(
    service: DataService, scores: pd.DataFrame, window: tuple[dt.date, dt.date]
) -> None:
    timed = scores.assign(trade_date=pd.to_datetime(scores["trade_date"]) + pd.Timedelta(hours=15))
    with pytest.raises(SignalError, match="time of day") as excinfo:
        _run(service, timed, window)
    _refusal(excinfo)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (dt.date(2020, 1, 2), dt.date(2025, 1, 10), "reaches beyond the provider's calendar"),
        (dt.date(2025, 11, 3), dt.date(2026, 1, 30), "reaches beyond the provider's calendar"),
        (dt.date(2030, 1, 2), dt.date(2030, 6, 28), "lies outside the provider's calendar"),
        (dt.date(2024, 8, 26), dt.date(2024, 9, 30), "cannot start on the provider's first trading day"),
    ],
)
def test_backtest_dates_beyond_the_calendar(
    service: DataService, scores: pd.DataFrame, start: dt.date, end: dt.date, message: str
) -> None:
    assert service.trading_calendar().sessions[0] == dt.date(2024, 8, 26)
    with pytest.raises(BacktestError, match=message) as excinfo:
        StrategyEngine(service).run_backtest(scores, STRATEGY, BacktestSettings(start, end))
    _refusal(excinfo)


def test_reversed_backtest_dates() -> None:
    with pytest.raises(BacktestError, match="after it ends") as excinfo:
        BacktestSettings(dt.date(2025, 3, 1), dt.date(2025, 2, 1))
    assert excinfo.value.fix == "swap the dates"


def test_a_beyond_calendar_error_suggests_dates_inside(service: DataService, scores: pd.DataFrame) -> None:
    sessions = service.trading_calendar().sessions
    with pytest.raises(BacktestError) as excinfo:
        StrategyEngine(service).run_backtest(
            scores, STRATEGY, BacktestSettings(dt.date(2020, 1, 2), dt.date(2026, 1, 30))
        )
    assert excinfo.value.fix == f"use --start {sessions[1]} --end {sessions[-1]}"


# -- shapes ------------------------------------------------------------------------------------


def test_an_empty_signal_is_an_error(service: DataService, window: tuple[dt.date, dt.date]) -> None:
    empty = pd.DataFrame({"trade_date": [], "instrument": [], "score": []})
    with pytest.raises(SignalError, match="the signal is empty") as excinfo:
        _run(service, empty, window)
    _refusal(excinfo)
    index = pd.MultiIndex.from_arrays([pd.DatetimeIndex([]), []], names=["datetime", "instrument"])
    with pytest.raises(SignalError, match="the signal is empty"):
        _run(service, pd.Series([], index=index, dtype=float), window)


def test_duplicate_rows_are_an_error(
    service: DataService, scores: pd.DataFrame, window: tuple[dt.date, dt.date]
) -> None:
    day = scores["trade_date"].iloc[0]
    # The same (day, instrument) twice, the second time spelled as qlib spells it.
    twice = pd.concat(
        [scores, pd.DataFrame([(day, "SH600100", 0.0)], columns=scores.columns)], ignore_index=True
    )
    with pytest.raises(SignalError) as excinfo:
        _run(service, twice, window)
    what, fix = _refusal(excinfo)
    assert f"2 signal rows repeat a (day, instrument): {day} 600100.SH, {day} 600100.SH" == what
    assert "one score" in fix


def test_text_scores_are_an_error(
    service: DataService, scores: pd.DataFrame, window: tuple[dt.date, dt.date]
) -> None:
    texty = scores.assign(score=np.where(np.arange(len(scores)) % 2 == 0, "buy", "sell"))
    with pytest.raises(SignalError) as excinfo:
        _run(service, texty, window)
    what, fix = _refusal(excinfo)
    assert "signal column 'score' is not numeric" in what
    assert "numbers" in fix


def test_missing_columns_are_named(calendar: list[dt.date]) -> None:
    frame = pd.DataFrame({"when": [calendar[5]], "ticker": ["600100.SH"], "score": [1.0]})
    with pytest.raises(SignalError) as excinfo:
        normalize_signal(frame, calendar=calendar, universe=["600100.SH"])
    what, _ = _refusal(excinfo)
    assert "has no date/instrument columns (has when, ticker, score)" in what


# -- writing -----------------------------------------------------------------------------------


def test_a_failed_write_leaves_the_previous_files(
    service: DataService,
    scores: pd.DataFrame,
    window: tuple[dt.date, dt.date],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = _run(service, scores, window)
    written = result.write(tmp_path)
    assert sorted(p.name for p in written) == ["metrics.json", "positions.csv", "report.csv", "trades.csv"]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    reread = pd.read_csv(tmp_path / "report.csv", index_col=0, parse_dates=True)
    np.testing.assert_allclose(reread["account"].to_numpy(), result.report["account"].to_numpy(), rtol=1e-12)

    def broken(self: pd.DataFrame, *args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        result.write(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temp file left either
