"""xtdata: unavailable here (Windows-only native client), and its mapping on xtdata-shaped data.

The inputs below are built exactly as ``xtquant.xtdata`` hands them over (see xtdata.py
``_get_market_data_ex_ori_221207`` and doc/xtdata.md): ``{code: DataFrame}`` indexed by
``'YYYYMMDD'`` / ``'YYYYMMDDHHMMSS'`` strings with ``time`` in epoch milliseconds, volume in lots.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from aistock.core.codes import Board, SecurityKind
from aistock.core.errors import DataError, DataSourceUnavailable
from aistock.data import UnknownFieldError, UnknownInstrumentError, XtdataSource
from aistock.data.xtdata_source import (
    calendar_from_trading_calendar,
    frame_from_market_data_ex,
    instrument_info_from_detail,
    quote_from_detail,
    shares_per_lot,
    span_from_detail,
)

SHANGHAI_OFFSET_MS = 8 * 3600 * 1000


def _epoch_ms(stamp: str) -> int:
    """What xtdata puts in ``time``: epoch ms of the Shanghai wall-clock moment."""
    naive = pd.Timestamp(stamp)
    return int(naive.value // 1_000_000) - SHANGHAI_OFFSET_MS


def _daily(
    dates: list[str], close: list[float], *, volume: list[float], suspend: list[int] | None = None
) -> pd.DataFrame:
    n = len(dates)
    frame = pd.DataFrame(
        {
            "time": np.array([_epoch_ms(d) for d in dates], dtype=np.int64),
            "open": np.array(close) - 0.05,
            "high": np.array(close) + 0.1,
            "low": np.array(close) - 0.1,
            "close": np.array(close, dtype=np.float64),
            "volume": np.array(volume, dtype=np.int64),
            "amount": np.array(close) * np.array(volume) * 100,
            "settelementPrice": np.zeros(n),
            "openInterest": np.full(n, 15, dtype=np.int32),
            "preClose": np.r_[close[0], close[:-1]],
            "suspendFlag": np.array(suspend or [0] * n, dtype=np.int32),
        },
        index=dates,
    )
    return frame


DATES = ["20240102", "20240103", "20240104", "20240105"]


def test_xtdata_is_unavailable_on_this_machine() -> None:
    with pytest.raises(DataSourceUnavailable) as info:
        XtdataSource()
    message = str(info.value)
    assert message.startswith("miniQMT's xtdata is not available on this machine (")
    assert "run AIstock on the Windows host with miniQMT logged in" in message
    assert "demo market / a qlib provider directory" in message
    assert isinstance(info.value, DataError)  # callers may catch the data family


def test_daily_bars_none_adjust() -> None:
    data = {
        "600000.SH": _daily(
            DATES, [10.0, 10.2, 10.1, 10.3], volume=[1200, 1500, 0, 900], suspend=[0, 0, 1, 0]
        ),
        "000001.SZ": _daily(DATES[:2], [12.0, 12.1], volume=[500, 600]),
    }
    frame = frame_from_market_data_ex(data, ["open", "close", "volume", "amount", "pre_close"], "none")
    assert frame.index.names == ["datetime", "instrument"]
    assert list(frame.index.get_level_values("instrument")[:2]) == ["000001.SZ", "600000.SH"]
    assert frame.index.is_monotonic_increasing and (frame.dtypes == np.float32).all()
    pf = frame.xs("600000.SH", level="instrument")
    assert list(pf.index) == [
        pd.Timestamp(d) for d in ("2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05")
    ]
    assert pf["volume"].iloc[0] == 120_000  # 1,200 lots = 120,000 shares
    assert pf["close"].iloc[1] == np.float32(10.2) and pf["pre_close"].iloc[1] == np.float32(10.0)
    assert pf.iloc[2].isna().all()  # suspendFlag 1: xtdata's filled row becomes a NaN row


def test_front_adjust_derives_factor_and_volume_from_the_raw_read() -> None:
    # A 0.5 yuan dividend on 2024-01-04: raw 10.0 → 9.5; front_ratio scales the past by 0.95.
    raw = {"600000.SH": _daily(DATES, [10.0, 10.0, 9.5, 9.6], volume=[1000, 1000, 1000, 1000])}
    front = {"600000.SH": _daily(DATES, [9.5, 9.5, 9.5, 9.6], volume=[1000, 1000, 1000, 1000])}
    frame = frame_from_market_data_ex(
        front, ["close", "volume", "factor"], "front", companion=raw, dtype="float64"
    )
    assert list(frame["factor"]) == pytest.approx([0.95, 0.95, 1.0, 1.0])
    assert list(frame["volume"]) == pytest.approx([100_000 / 0.95, 100_000 / 0.95, 100_000, 100_000])
    unadjusted = frame_from_market_data_ex(raw, ["close", "factor"], "none", companion=front, dtype="float64")
    assert list(unadjusted["close"]) == [10.0, 10.0, 9.5, 9.6]
    assert list(unadjusted["factor"]) == pytest.approx([0.95, 0.95, 1.0, 1.0])
    with pytest.raises(DataError, match="companion"):
        frame_from_market_data_ex(front, ["volume"], "front")


def test_minute_bars_are_relabelled_by_start_and_the_auction_is_folded() -> None:
    labels = [
        "20240102093000",
        "20240102093100",
        "20240102093200",
        "20240102113000",
        "20240102130100",
        "20240102150000",
    ]
    frame = pd.DataFrame(
        {
            "time": [
                _epoch_ms(pd.Timestamp(dt.datetime.strptime(x, "%Y%m%d%H%M%S")).isoformat()) for x in labels
            ],
            "open": [10.00, 10.02, 10.05, 10.10, 10.11, 10.20],
            "high": [10.00, 10.06, 10.07, 10.12, 10.13, 10.22],
            "low": [10.00, 9.98, 10.04, 10.09, 10.10, 10.18],
            "close": [10.00, 10.05, 10.06, 10.11, 10.12, 10.21],
            "volume": [50, 30, 20, 10, 10, 40],
            "amount": [50_000.0, 30_100.0, 20_100.0, 10_100.0, 10_100.0, 40_800.0],
            "suspendFlag": [0] * 6,
        },
        index=labels,
    )
    bars = frame_from_market_data_ex(
        {"600000.SH": frame}, ["open", "high", "low", "close", "volume", "amount"], "none", dtype="float64"
    )
    stamps = [ts.strftime("%H:%M") for ts in bars.index.get_level_values("datetime")]
    assert stamps == ["09:30", "09:31", "11:29", "13:00", "14:59"]
    first = bars.iloc[0]
    assert first["open"] == 10.00 and first["low"] == 9.98 and first["high"] == 10.06  # auction folded in
    assert first["volume"] == (50 + 30) * 100 and first["amount"] == 80_100.0
    assert bars.iloc[1]["volume"] == 2000


def test_epoch_time_index_is_accepted() -> None:
    frame = _daily(DATES[:2], [10.0, 10.1], volume=[10, 20]).reset_index(drop=True)
    bars = frame_from_market_data_ex({"sh600000": frame}, ["close"], "none", freq="1d")
    assert list(bars.index.get_level_values(0)) == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]
    assert list(bars.index.get_level_values(1)) == ["600000.SH", "600000.SH"]


def test_unknown_field_and_empty_answers() -> None:
    data = {"600000.SH": _daily(DATES, [1.0, 1.0, 1.0, 1.0], volume=[1, 1, 1, 1])}
    with pytest.raises(UnknownFieldError, match="xtdata has no field vwap"):
        frame_from_market_data_ex(data, ["close", "vwap"], "none")
    empty = frame_from_market_data_ex({"600000.SH": data["600000.SH"].iloc[:0]}, ["close"], "none")
    assert empty.empty and list(empty.columns) == ["close"]


def test_lots_by_kind() -> None:
    assert shares_per_lot("600000.SH") == 100 and shares_per_lot("000001.SH") == 100
    assert shares_per_lot("113050.SH") == 10  # a convertible bond trades in 10-bond lots


def test_trading_calendar_mapping() -> None:
    days = calendar_from_trading_calendar(["20240103", "20240102", "20240103"])
    assert days == [dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
    assert calendar_from_trading_calendar([_epoch_ms("2024-01-02")]) == [dt.date(2024, 1, 2)]
    with pytest.raises(DataError, match="xtdata returned '2024-01-02' as a trading day"):
        calendar_from_trading_calendar(["2024-01-02"])


DETAIL = {
    "ExchangeID": "SH",
    "InstrumentID": "600000",
    "InstrumentName": "浦发银行",
    "ProductType": -1,
    "OpenDate": "19991110",
    "ExpireDate": 99999999,
    "PreClose": 10.0,
    "UpStopPrice": 11.0,
    "DownStopPrice": 9.0,
    "FloatVolume": 2.9e10,
    "TotalVolume": 2.9e10,
    "PriceTick": 0.01,
    "VolumeMultiple": 1,
    "InstrumentStatus": 0,
    "IsTrading": True,
}


def test_instrument_detail_mapping() -> None:
    info = instrument_info_from_detail("600000.SH", DETAIL)
    assert (info.code, info.name, info.kind, info.board) == (
        "600000.SH",
        "浦发银行",
        SecurityKind.STOCK,
        Board.SH_MAIN,
    )
    assert info.list_date == dt.date(1999, 11, 10) and info.delist_date is None and not info.is_st
    st = instrument_info_from_detail(
        "600001.SH", {**DETAIL, "InstrumentName": "*ST邯钢", "OpenDate": "0", "ExpireDate": 20240105}
    )
    assert st.is_st and st.list_date is None and st.delist_date == dt.date(2024, 1, 5)
    with pytest.raises(UnknownInstrumentError, match=r"xtdata has no instrument 600999\.SH"):
        instrument_info_from_detail("600999.SH", None)


def test_quote_and_span_from_detail() -> None:
    assert quote_from_detail(DETAIL) == {
        "pre_close": 10.0,
        "up_limit": 11.0,
        "down_limit": 9.0,
        "suspended": False,
    }
    halted = quote_from_detail({**DETAIL, "UpStopPrice": 1.7976931348623157e308, "InstrumentStatus": 1})
    assert math.isnan(halted["up_limit"]) and halted["suspended"] is True
    first, last = dt.date(2020, 1, 2), dt.date(2024, 1, 5)
    span = span_from_detail("600000.SH", DETAIL, first, last)
    assert (span.code, span.start, span.end) == ("600000.SH", first, last)
    late = span_from_detail(
        "688001.SH", {**DETAIL, "OpenDate": "20230301", "ExpireDate": 20231229}, first, last
    )
    assert (late.start, late.end) == (dt.date(2023, 3, 1), dt.date(2023, 12, 29))
