"""QlibProviderSource on a real provider directory: reading, adjusting, metadata and bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from aistock.core.codes import Board, SecurityKind
from aistock.core.errors import CodeFormatError, DataError
from aistock.data import QlibProviderSource, UnknownFieldError, UnknownInstrumentError
from aistock.data import qlib_format as qf
from aistock.data.sources import MarketDataSource

EX_DAY = 30
IPO_DAY = 20


def instruments_of(frame: pd.DataFrame) -> list[str]:
    return sorted(map(str, frame.index.get_level_values("instrument").unique()))


@pytest.fixture
def source(fixture_market: Any) -> QlibProviderSource:
    return QlibProviderSource(fixture_market.root)


def test_is_a_market_data_source(source: QlibProviderSource, fixture_market: Any) -> None:
    assert isinstance(source, MarketDataSource)
    assert source.describe() == f"qlib: {fixture_market.root}"


# -- calendars and instruments ------------------------------------------------------------------------
def test_day_calendar_and_bounds(source: QlibProviderSource, fixture_market: Any) -> None:
    days = fixture_market.days
    assert source.calendar() == days
    assert source.calendar(days[3], days[5]) == days[3:6]
    # Bounds need not be sessions: a weekend start snaps forward.
    assert source.calendar(dt.date(2024, 1, 6), "2024-01-09") == [dt.date(2024, 1, 8), dt.date(2024, 1, 9)]
    assert source.calendar(freq="1d") == days


def test_minute_calendar(source: QlibProviderSource, fixture_market: Any) -> None:
    bars = source.calendar(freq="1min")
    assert bars == fixture_market.minutes
    assert len(bars) == 480 and bars[0] == dt.datetime(2024, 1, 2, 9, 30)
    one_day = source.calendar(dt.date(2024, 1, 3), dt.date(2024, 1, 3), freq="1m")
    assert len(one_day) == 240 and one_day[-1] == dt.datetime(2024, 1, 3, 14, 59)


def test_instruments_keep_every_span(source: QlibProviderSource, fixture_market: Any) -> None:
    spans = source.instruments("all")
    star = [s for s in spans if s.code == "688001.SH"]
    days = fixture_market.days
    assert [(s.start, s.end) for s in star] == [(days[0], days[24]), (days[35], days[59])]
    assert {s.code for s in spans} == {
        "600000.SH",
        "000001.SZ",
        "300750.SZ",
        "688001.SH",
        "430047.BJ",
        "000001.SH",
    }
    assert source.markets() == ["all", "csi300"]


def test_fields(source: QlibProviderSource) -> None:
    assert "up_limit" in source.fields()
    assert source.fields(code="000001.SH") == ["close", "open", "volume"]
    assert source.fields("1min") == ["close", "factor", "volume"]


# -- history ------------------------------------------------------------------------------------------
def test_history_shape_index_and_dtype(source: QlibProviderSource, fixture_market: Any) -> None:
    frame = source.history(["SH600000", "000001.sz"], None, None, ["$close", "volume"])
    assert list(frame.columns) == ["close", "volume"]
    assert frame.index.names == ["datetime", "instrument"]
    assert list(instruments_of(frame)) == ["000001.SZ", "600000.SH"]
    assert (frame.dtypes == np.float32).all()
    assert frame.index.is_monotonic_increasing and len(frame) == 2 * 60
    first = frame.loc[pd.Timestamp(fixture_market.days[0])]
    assert list(first.index) == ["000001.SZ", "600000.SH"]
    wide = frame["close"].unstack()
    np.testing.assert_array_equal(
        wide["000001.SZ"].to_numpy(), fixture_market.raw_close["000001.SZ"].astype(np.float32)
    )


def test_float64_on_request(source: QlibProviderSource) -> None:
    frame = source.history(["600000.SH"], None, None, ["close"], dtype="float64")
    assert frame["close"].dtype == np.float64


def test_ipo_rows_start_at_listing(source: QlibProviderSource, fixture_market: Any) -> None:
    frame = source.history(["300750.SZ"], None, None, ["close"])
    dates = frame.index.get_level_values("datetime")
    assert dates[0] == pd.Timestamp(fixture_market.days[IPO_DAY]) and len(frame) == 60 - IPO_DAY


def test_suspension_days_are_nan_rows(source: QlibProviderSource, fixture_market: Any) -> None:
    frame = source.history(["000001.SZ"], None, None, ["close", "volume"])
    suspended = frame.xs("000001.SZ", level="instrument").iloc[10:13]
    assert suspended.isna().all().all() and len(frame) == 60


def test_market_masks_rows_outside_spans(source: QlibProviderSource, fixture_market: Any) -> None:
    days = fixture_market.days
    by_market = source.history("all", None, None, ["close"]).xs("688001.SH", level="instrument")
    by_code = source.history(["688001.SH"], None, None, ["close"]).xs("688001.SH", level="instrument")
    assert len(by_code) == 60  # a code list gets every stored bar, as D.features([...]) does
    assert len(by_market) == 60 - 10
    assert pd.Timestamp(days[25]) not in by_market.index and pd.Timestamp(days[35]) in by_market.index


def test_market_file_with_two_spans(source: QlibProviderSource, fixture_market: Any) -> None:
    frame = source.history("csi300", fixture_market.days[10], fixture_market.days[40], ["close"])
    pingan = frame.xs("000001.SZ", level="instrument").index
    assert pingan.min() == pd.Timestamp(fixture_market.days[10])
    assert pd.Timestamp(fixture_market.days[20]) not in pingan
    assert len(pingan) == (14 - 10 + 1) + (40 - 30 + 1)


def test_date_range_is_inclusive(source: QlibProviderSource, fixture_market: Any) -> None:
    days = fixture_market.days
    frame = source.history(["600000.SH"], days[5], days[9], ["close"])
    assert list(frame.index.get_level_values(0)) == [pd.Timestamp(d) for d in days[5:10]]
    empty = source.history(["600000.SH"], dt.date(2030, 1, 1), dt.date(2030, 2, 1), ["close"])
    assert empty.empty and list(empty.columns) == ["close"]


def test_adjust_none_on_the_ex_dividend_day(source: QlibProviderSource, fixture_market: Any) -> None:
    days = fixture_market.days
    front = source.history(["600000.SH"], days[EX_DAY - 1], days[EX_DAY], ["close", "volume", "amount"])
    raw = source.history(
        ["600000.SH"], days[EX_DAY - 1], days[EX_DAY], ["close", "volume", "amount"], adjust="none"
    )
    factor = np.float32(10.0 / 9.5)
    # Stored (front) prices are continuous; raw prices drop with the dividend.
    assert raw["close"].iloc[0] == pytest.approx(10.00, abs=1e-5)
    assert raw["close"].iloc[1] == front["close"].iloc[1] / factor  # float32 arithmetic, exact
    assert raw["close"].iloc[1] == pytest.approx(fixture_market.raw_close["600000.SH"][EX_DAY], abs=1e-5)
    assert raw["volume"].iloc[1] == front["volume"].iloc[1] * factor
    assert raw["volume"].iloc[1] == pytest.approx(fixture_market.raw_volume["600000.SH"][EX_DAY], rel=1e-6)
    assert (raw["amount"] == front["amount"]).all()  # amount is yuan either way
    assert "factor" not in raw.columns  # read to unadjust, not returned unless asked


def test_adjust_none_without_factor_is_a_clear_error(market_copy: Any) -> None:
    for path in (market_copy.root / qf.FEATURES_DIR).glob("*/factor.day.bin"):
        path.unlink()
    source = QlibProviderSource(market_copy.root)
    with pytest.raises(DataError, match=r"adjust='none'.*factor") as info:
        source.history(["600000.SH"], None, None, ["close"], adjust="none")
    assert str(market_copy.root) in str(info.value)
    # An index has nothing to unadjust: its points are raw already.
    index = source.history(["000001.SH"], None, None, ["close"], adjust="none")
    assert index["close"].iloc[0] == np.float32(market_copy.raw_close["000001.SH"][0])


def test_minute_history(source: QlibProviderSource, fixture_market: Any) -> None:
    frame = source.history(
        ["600000.SH", "000001.SZ"], "2024-01-03", "2024-01-03", ["close", "volume"], freq="1min"
    )
    stamps = frame.index.get_level_values("datetime").unique()
    assert len(stamps) == 240 and len(frame) == 480
    assert stamps[0] == pd.Timestamp("2024-01-03 09:30") and stamps[-1] == pd.Timestamp("2024-01-03 14:59")
    part = source.history(
        ["600000.SH"], dt.datetime(2024, 1, 2, 13, 0), dt.datetime(2024, 1, 2, 13, 4), ["close"], freq="1min"
    )
    assert len(part) == 5
    raw = source.history(["600000.SH"], None, None, ["close"], freq="1min", adjust="none")
    assert len(raw) == 480


def test_unknown_field_in_a_multi_instrument_query_is_nan_where_missing(source: QlibProviderSource) -> None:
    # The index stores no factor; qlib gives NaN there, and so do we.
    frame = source.history(["000001.SH", "600000.SH"], None, None, ["close", "factor"])
    assert frame.xs("000001.SH", level="instrument")["factor"].isna().all()
    assert frame.xs("600000.SH", level="instrument")["factor"].notna().all()
    # With nothing stored at all, qlib drops the instrument; so do we.
    only = source.history(["000001.SH", "600000.SH"], None, None, ["factor"])
    assert list(instruments_of(only)) == ["600000.SH"]


# -- instrument facts ---------------------------------------------------------------------------------
def test_instrument_info_from_metadata(source: QlibProviderSource, fixture_market: Any) -> None:
    days = fixture_market.days
    info = source.instrument_info("SZ000001", days[0])
    assert (info.code, info.name, info.board, info.kind) == (
        "000001.SZ",
        "平安银行",
        Board.SZ_MAIN,
        SecurityKind.STOCK,
    )
    assert info.list_date == dt.date(1991, 4, 3) and info.delist_date is None and not info.is_st
    assert source.instrument_info("000001.SZ", days[40]).is_st
    assert source.instrument_info("000001.SZ").is_st  # default: the last day
    index = source.instrument_info("000001.SH")
    assert (index.name, index.kind, index.board) == ("上证指数", SecurityKind.INDEX, Board.INDEX)


def test_instrument_info_without_metadata_comes_from_spans(
    source: QlibProviderSource, fixture_market: Any
) -> None:
    info = source.instrument_info("688001.SH")
    assert info.name == "688001.SH" and info.board is Board.STAR
    assert info.list_date == fixture_market.days[0] and info.delist_date is None and not info.is_st


def test_delisting_from_the_last_span(market_copy: Any) -> None:
    days = market_copy.days
    qf.write_instruments(market_copy.root, "all", [("BJ430047", days[0], days[50])])
    info = QlibProviderSource(market_copy.root).instrument_info("430047.BJ")
    assert info.delist_date == days[50] and info.board is Board.BJ


# -- bad input: each error names the thing and the fix ----------------------------------------------
def test_not_a_provider_directory(tmp_path: Path) -> None:
    (tmp_path / "features").mkdir()
    with pytest.raises(DataError, match=r"is not a qlib provider directory: no calendars/day\.txt") as info:
        QlibProviderSource(tmp_path)
    assert str(tmp_path) in str(info.value) and "calendars/, instruments/ and features/" in str(info.value)
    with pytest.raises(DataError, match="does not exist"):
        QlibProviderSource(tmp_path / "nowhere")


def test_missing_market_file(source: QlibProviderSource) -> None:
    with pytest.raises(DataError, match=r"market 'csi500' has no instruments file .*csi500\.txt") as info:
        source.history("csi500", None, None, ["close"])
    assert "all, csi300" in str(info.value)


def test_truncated_bin(market_copy: Any) -> None:
    path = qf.feature_path(market_copy.root, "SH600000", "close")
    path.write_bytes(path.read_bytes()[:-2])
    with pytest.raises(DataError, match="truncated or corrupt") as info:
        QlibProviderSource(market_copy.root).history(["600000.SH"], None, None, ["close"])
    assert str(path) in str(info.value)


def test_start_index_beyond_the_calendar(market_copy: Any) -> None:
    qf.write_feature(market_copy.root, "SH600000", "close", np.ones(10), start_index=55)
    with pytest.raises(DataError, match=r"runs past the calendar: start index 55 \+ 10 values > 60") as info:
        QlibProviderSource(market_copy.root).history(["600000.SH"], None, None, ["close"])
    assert "close.day.bin" in str(info.value)


def test_start_index_not_an_integer(market_copy: Any) -> None:
    path = qf.feature_path(market_copy.root, "SZ000001", "close")
    data = np.fromfile(path, dtype="<f4")
    data[0] = 2.5
    data.tofile(path)
    with pytest.raises(DataError, match=r"start index 2\.5 is not a non-negative integer"):
        QlibProviderSource(market_copy.root).history("all", None, None, ["close"])


def test_unknown_field_lists_the_stored_ones(source: QlibProviderSource) -> None:
    with pytest.raises(
        UnknownFieldError, match=r"unknown field clsoe: no clsoe\.day\.bin for 600000\.SH"
    ) as info:
        source.history(["600000.SH"], None, None, ["clsoe"])
    message = str(info.value)
    assert "stored fields for 600000.SH: amount, change, close" in message and "sh600000" in message


def test_unknown_instrument(source: QlibProviderSource) -> None:
    with pytest.raises(
        UnknownInstrumentError, match=r"unknown instrument 601988\.SH: .*sh601988 does not exist"
    ):
        source.history(["601988.SH"], None, None, ["close"])
    with pytest.raises(UnknownInstrumentError, match=r"601988\.SH"):
        source.instrument_info("601988.SH")


def test_bad_code(source: QlibProviderSource) -> None:
    with pytest.raises(CodeFormatError, match="'60000X'"):
        source.history(["60000X"], None, None, ["close"])


def test_start_after_end(source: QlibProviderSource) -> None:
    with pytest.raises(DataError, match="start 2024-03-01 is after end 2024-02-01"):
        source.history(["600000.SH"], "2024-03-01", "2024-02-01", ["close"])
    with pytest.raises(DataError, match="cannot read start 'yesterday'"):
        source.history(["600000.SH"], "yesterday", None, ["close"])


def test_bad_calendar_and_instrument_lines(market_copy: Any) -> None:
    cal = qf.calendar_path(market_copy.root)
    cal.write_text(cal.read_text().replace("2024-01-05", "2024-13-05"))
    with pytest.raises(DataError, match=r"day\.txt line 4: '2024-13-05' is not a YYYY-MM-DD entry"):
        QlibProviderSource(market_copy.root).calendar()
    inst = qf.instruments_path(market_copy.root, "csi300")
    inst.write_text("SH60000\t2024-01-02\t2024-03-01\n")
    with pytest.raises(DataError, match=r"csi300\.txt line 1: unknown instrument code format 'SH60000'"):
        QlibProviderSource(market_copy.root).instruments("csi300")


def test_no_minute_calendar(market_copy: Any) -> None:
    qf.calendar_path(market_copy.root, qf.MINUTE).unlink()
    with pytest.raises(DataError, match=r"1min\.txt is missing: this provider has no 1min calendar"):
        QlibProviderSource(market_copy.root).history(["600000.SH"], None, None, ["close"], freq="1min")


def test_rewritten_files_are_reread(market_copy: Any) -> None:
    """The demo builder may rewrite the directory under a running app (nothing stays cached)."""
    source = QlibProviderSource(market_copy.root)
    assert len(source.calendar()) == 60
    qf.write_calendar(market_copy.root, [*market_copy.days[:59], dt.date(2024, 4, 1), dt.date(2024, 4, 2)])
    assert len(source.calendar()) == 61
    before = source.history(["600000.SH"], None, None, ["close"])["close"].iloc[0]
    qf.write_feature(market_copy.root, "SH600000", "close", np.full(60, 1.25), start_index=0)
    after = source.history(["600000.SH"], None, None, ["close"])["close"].iloc[0]
    assert before != after == np.float32(1.25)
