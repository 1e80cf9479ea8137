"""DataService over the fixture provider: universes, calendars, snapshots, limits, suspension."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from aistock.core.boards import price_limits
from aistock.core.calendar import TradingCalendar
from aistock.core.codes import Board, parse_code
from aistock.core.errors import CodeFormatError, DataError
from aistock.data import SNAPSHOT_COLUMNS, DataService, QlibProviderSource, UnknownInstrumentError

EX_DAY = 30
IPO_DAY = 20
ST_FROM = 40


def instruments_of(frame: pd.DataFrame) -> list[str]:
    return sorted(map(str, frame.index.get_level_values("instrument").unique()))


@pytest.fixture
def service(fixture_market: Any) -> DataService:
    return DataService(QlibProviderSource(fixture_market.root))


# -- universes ------------------------------------------------------------------------------------
def test_history_accepts_codes_in_any_format(service: DataService) -> None:
    frame = service.history(["SH600000", "sz000001", "300750.SZ", "sh.688001", "600000.XSHG"])
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert list(instruments_of(frame)) == ["000001.SZ", "300750.SZ", "600000.SH", "688001.SH"]
    assert frame.index.is_monotonic_increasing


def test_history_single_code_string_and_market_names(service: DataService) -> None:
    one = service.history("SH600000", fields="close")
    assert list(instruments_of(one)) == ["600000.SH"] and len(one) == 60
    assert len(instruments_of(service.history("all", fields=["close"]))) == 6
    assert list(instruments_of(service.history("CSI300", fields=["close"]))) == [
        "000001.SZ",
        "300750.SZ",
        "600000.SH",
    ]


def test_index_and_ping_an_are_different_instruments(service: DataService, fixture_market: Any) -> None:
    """000001.SH is the SSE Composite, 000001.SZ Ping An Bank: the reader must never mix them."""
    frame = service.history(["000001.SH", "000001.SZ"], fields=["close"])["close"].unstack()
    assert frame["000001.SH"].iloc[0] == np.float32(fixture_market.raw_close["000001.SH"][0])
    assert frame["000001.SZ"].iloc[0] == np.float32(fixture_market.raw_close["000001.SZ"][0])


def test_history_bad_universes(service: DataService) -> None:
    with pytest.raises(CodeFormatError, match=r"'60000\.SH'"):
        service.history(["60000.SH"])
    with pytest.raises(CodeFormatError):
        service.history("60000.SH")
    with pytest.raises(UnknownInstrumentError, match=r"601988\.SH"):
        service.history(["601988.SH"])
    with pytest.raises(DataError, match="universe is empty"):
        service.history([])
    with pytest.raises(DataError, match="unknown bar frequency 'weekly'"):
        service.history("all", freq="weekly")
    with pytest.raises(DataError, match="unknown price adjustment 'back'"):
        service.history("all", adjust="back")
    with pytest.raises(DataError, match="not a plain field name"):
        service.history("all", fields=["Ref($close, 1)"])


def test_calendars_and_instruments(service: DataService, fixture_market: Any) -> None:
    days = fixture_market.days
    assert service.calendar(days[1], days[2]) == days[1:3]
    calendar = service.trading_calendar()
    assert isinstance(calendar, TradingCalendar)
    assert calendar.sessions == tuple(days) and calendar.next_session(days[0]) == days[1]
    assert service.instruments("all", on=days[0]) == [
        "000001.SH",
        "000001.SZ",
        "430047.BJ",
        "600000.SH",
        "688001.SH",
    ]
    assert "688001.SH" not in service.instruments("all", on=days[30])
    assert "300750.SZ" in service.instruments("all", on=days[IPO_DAY])
    assert len(service.instruments()) == 6


def test_instrument_info_normalises_the_code(service: DataService) -> None:
    info = service.instrument_info("sz300750")
    assert info.code == "300750.SZ" and info.board is Board.CHINEXT and info.name == "宁德时代"


# -- snapshot -------------------------------------------------------------------------------------
def test_snapshot_columns_and_raw_prices(service: DataService, fixture_market: Any) -> None:
    day = fixture_market.days[5]
    snap = service.snapshot(["600000.SH", "000001.SZ"], day)
    assert tuple(snap.columns) == SNAPSHOT_COLUMNS and snap.index.name == "instrument"
    assert list(snap.index) == ["600000.SH", "000001.SZ"]
    assert snap.at["600000.SH", "last"] == fixture_market.raw_close["600000.SH"][5]
    assert snap.at["600000.SH", "open"] == fixture_market.raw_open["600000.SH"][5]
    assert snap.at["600000.SH", "volume"] == fixture_market.raw_volume["600000.SH"][5]
    assert snap.at["000001.SZ", "pre_close"] == fixture_market.raw_close["000001.SZ"][4]
    assert snap["suspended"].dtype == bool and not snap["suspended"].any()


def test_snapshot_pre_close_across_the_ex_dividend_day(service: DataService, fixture_market: Any) -> None:
    days, raw = fixture_market.days, fixture_market.raw_close["600000.SH"]
    before = service.snapshot(["600000.SH"], days[EX_DAY - 1]).loc["600000.SH"]
    on_ex = service.snapshot(["600000.SH"], days[EX_DAY]).loc["600000.SH"]
    after = service.snapshot(["600000.SH"], days[EX_DAY + 1]).loc["600000.SH"]
    assert before["last"] == 10.00 and before["pre_close"] == raw[EX_DAY - 2]
    # The exchange's reference on the ex-date is yesterday's close on today's share basis.
    assert on_ex["pre_close"] == 9.50
    assert on_ex["last"] == raw[EX_DAY]
    assert after["pre_close"] == raw[EX_DAY]


def test_snapshot_limits_from_stored_fields(service: DataService, fixture_market: Any) -> None:
    days = fixture_market.days
    snap = service.snapshot(["600000.SH"], days[EX_DAY + 1]).loc["600000.SH"]
    assert snap["up_limit"] == 99.99  # the stored (deliberately odd) value wins over the rule
    on_ex = service.snapshot(["600000.SH"], days[EX_DAY]).loc["600000.SH"]
    assert (on_ex["up_limit"], on_ex["down_limit"]) == (10.45, 8.55)


def test_snapshot_limits_computed_by_board(service: DataService, fixture_market: Any) -> None:
    days = fixture_market.days
    day = days[EX_DAY]
    snap = service.snapshot(["000001.SZ", "300750.SZ", "688001.SH", "430047.BJ"], day)
    for code, board in (("000001.SZ", Board.SZ_MAIN), ("300750.SZ", Board.CHINEXT), ("430047.BJ", Board.BJ)):
        pre = float(snap["pre_close"][code])
        expected = price_limits(pre, board, on=day)
        assert expected is not None
        assert (snap.at[code, "up_limit"], snap.at[code, "down_limit"]) == (expected.up, expected.down)
    assert snap["up_limit"]["300750.SZ"] == pytest.approx(
        float(snap["pre_close"]["300750.SZ"]) * 1.2, abs=0.006
    )
    # The ST (risk-warning) band applies from the ST date on.
    st = service.snapshot(["000001.SZ"], days[ST_FROM + 1]).loc["000001.SZ"]
    assert st["up_limit"] == float(np.round(st["pre_close"] * 1.05 + 1e-9, 2))


def test_snapshot_new_listing_has_no_limit_for_five_days(service: DataService, fixture_market: Any) -> None:
    days = fixture_market.days
    first = service.snapshot(["300750.SZ"], days[IPO_DAY]).loc["300750.SZ"]
    assert np.isnan(first["pre_close"]) and np.isnan(first["up_limit"])  # no previous close yet
    fifth = service.snapshot(["300750.SZ"], days[IPO_DAY + 4]).loc["300750.SZ"]
    assert fifth["pre_close"] > 0 and np.isnan(fifth["up_limit"]) and np.isnan(fifth["down_limit"])
    sixth = service.snapshot(["300750.SZ"], days[IPO_DAY + 5]).loc["300750.SZ"]
    assert sixth["up_limit"] > sixth["pre_close"]


def test_snapshot_suspended_day(service: DataService, fixture_market: Any) -> None:
    days, raw = fixture_market.days, fixture_market.raw_close["000001.SZ"]
    snap = service.snapshot(["000001.SZ", "600000.SH"], days[11])
    assert snap.at["000001.SZ", "suspended"] and not snap.at["600000.SH", "suspended"]
    assert snap[["last", "volume"]].loc["000001.SZ"].isna().all()
    assert snap.at["000001.SZ", "pre_close"] == raw[9]  # the last close before the halt
    back = service.snapshot(["000001.SZ"], days[13]).loc["000001.SZ"]
    assert not back["suspended"] and back["pre_close"] == raw[9]


def test_snapshot_of_a_market_and_of_an_index(service: DataService, fixture_market: Any) -> None:
    days = fixture_market.days
    snap = service.snapshot("all", days[30])
    assert "688001.SH" not in snap.index and len(snap) == 5  # outside its span that day
    index = snap.loc["000001.SH"]
    assert index["pre_close"] == round(float(fixture_market.raw_close["000001.SH"][29]), 2)
    assert np.isnan(index["up_limit"]) and not index["suspended"]  # an index has no limit


def test_snapshot_bad_day(service: DataService) -> None:
    with pytest.raises(DataError, match=r"2024-01-06 is not a trading day .*2024-01-05"):
        service.snapshot(["600000.SH"], dt.date(2024, 1, 6))


def test_subscribe_is_not_supported_by_a_provider(service: DataService) -> None:
    with pytest.raises(DataError, match="live quote subscription is not supported by qlib: "):
        service.subscribe(["600000.SH"], lambda quote: None)


# -- the demo market (the lead's builder) -----------------------------------------------------------
def test_snapshot_on_the_demo_market(small_demo: Path, demo_end: dt.date) -> None:
    """Stored raw limits agree with the board rules computed from our pre_close."""
    service = DataService(QlibProviderSource(small_demo))
    snap = service.snapshot("all", demo_end)
    trading = snap[~snap["suspended"]]
    assert len(trading) > 10
    for code, row in trading.iterrows():
        info = service.instrument_info(str(code), demo_end)
        listed = service.trading_calendar().sessions_between_count(info.list_date or demo_end, demo_end)
        limits = price_limits(
            row["pre_close"], info.board, is_st=info.is_st, on=demo_end, trading_days_listed=listed
        )
        if limits is None:
            continue
        assert (row["up_limit"], row["down_limit"]) == (limits.up, limits.down), code
        assert row["down_limit"] <= row["last"] <= row["up_limit"], code
    frame = service.history(list(trading.index[:3]), demo_end, demo_end, ["close"], adjust="none")
    closes = frame.xs(pd.Timestamp(demo_end), level="datetime")["close"].astype(float).round(2)
    assert (closes == trading["last"].iloc[:3]).all()
    assert parse_code(str(trading.index[0])).is_stock
