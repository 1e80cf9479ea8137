"""The replayed market: raw minute bars of the demo day, its references, and the replay clock."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from sim_helpers import pick

from aistock.core.boards import on_tick
from aistock.core.calendar import minute_bar_starts
from aistock.core.errors import DataError
from aistock.data.service import DataService
from aistock.trading.gateways.simulator import DemoMinuteTape, MinuteBar, SimMarket, minute_index_at


def test_demo_tape_is_the_raw_day_from_the_data_service(
    sim_data: DataService, tapes: list[DemoMinuteTape], minute_days: list[dt.date]
) -> None:
    assert [t.session_day for t in tapes] == minute_days
    default = DemoMinuteTape(sim_data)
    assert default.session_day == minute_days[-1]  # the last session with minute bars
    tape = tapes[0]
    assert isinstance(tape, SimMarket)
    assert tape.minutes == minute_bar_starts() and len(tape.minutes) == 240
    code = pick(tape, "600")
    raw = sim_data.history(
        [code], tape.session_day, tape.session_day, freq="1min", adjust="none", dtype="float64"
    )
    first = raw.iloc[0]
    bar = tape.bar(code, 0)
    assert bar is not None
    assert (bar.open, bar.high, bar.low, bar.close) == tuple(
        round(float(first[f]), 2) for f in ("open", "high", "low", "close")
    )
    assert bar.volume == round(float(first["volume"]))
    snap = sim_data.snapshot([code], tape.session_day).loc[code]
    ref = tape.reference(code)
    assert ref is not None
    assert (ref.pre_close, ref.up_limit, ref.down_limit) == (
        snap["pre_close"],
        snap["up_limit"],
        snap["down_limit"],
    )
    assert ref.name and not ref.suspended


def test_every_bar_is_on_the_tick_grid_with_whole_share_volumes(tape: DemoMinuteTape) -> None:
    for code in tape.codes[::7]:
        ref = tape.reference(code)
        assert ref is not None
        for minute in range(0, 240, 13):
            bar = tape.bar(code, minute)
            assert bar is not None
            assert all(on_tick(p) for p in (bar.open, bar.high, bar.low, bar.close))
            assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
            assert isinstance(bar.volume, int) and bar.volume >= 0
            if ref.up_limit is not None and ref.down_limit is not None:
                assert ref.down_limit <= bar.low <= bar.high <= ref.up_limit


def test_last_price_is_the_latest_close_else_the_pre_close(tape: DemoMinuteTape) -> None:
    code = pick(tape, "000")
    ref = tape.reference(code)
    assert ref is not None
    assert tape.last_price(code, -1) == ref.pre_close
    bar5 = tape.bar(code, 5)
    assert bar5 is not None and tape.last_price(code, 5) == bar5.close
    quiet = tape.with_bars(code, range(6, 20), None)  # no trading from minute 6 to 19
    assert quiet.bar(code, 10) is None
    assert quiet.last_price(code, 10) == bar5.close
    assert tape.reference("600000.SH") is None and tape.last_price("600000.SH", 3) is None
    assert tape.bar("600000.SH", 0) is None and tape.bar(code, 240) is None


def test_variants_stage_a_locked_or_suspended_stock_without_touching_the_original(
    tape: DemoMinuteTape,
) -> None:
    code = pick(tape, "600")
    ref = tape.reference(code)
    assert ref is not None and ref.up_limit is not None
    up = ref.up_limit
    locked = tape.with_bars(code, range(0, 240), MinuteBar(up, up, up, up, 500_000))
    bar = locked.bar(code, 100)
    assert bar is not None and bar.locked_at(up)
    original = tape.bar(code, 100)
    assert original is not None and not original.locked_at(up)
    halted = tape.with_reference(code, dataclasses.replace(ref, suspended=True))
    halted_ref = halted.reference(code)
    assert halted_ref is not None and halted_ref.suspended
    with pytest.raises(ValueError, match="not in this market"):
        tape.with_bars("600000.SH", [0], None)


@pytest.mark.parametrize(
    ("moment", "index"),
    [
        (dt.time(9, 15), 0),
        (dt.time(9, 30), 0),
        (dt.time(9, 30, 59), 0),
        (dt.time(9, 31), 1),
        (dt.time(11, 29, 30), 119),
        (dt.time(12, 0), 120),
        (dt.time(13, 0, 30), 120),
        (dt.time(13, 1), 121),
        (dt.time(15, 0), 240),
        (dt.time(16, 0), 240),
    ],
)
def test_wall_clock_maps_to_the_bars_that_have_finished(moment: dt.time, index: int) -> None:
    assert minute_index_at(moment) == index


def test_a_day_without_minute_bars_is_refused_with_the_days_that_have_them(sim_data: DataService) -> None:
    with pytest.raises(DataError, match="pick one of the minute days"):
        DemoMinuteTape(sim_data, dt.date(2025, 11, 3))


def test_a_full_day_trades_240_bars_and_ends_at_the_last_close(tape: DemoMinuteTape) -> None:
    code = pick(tape, "688")
    closes = np.array([b.close for m in range(240) if (b := tape.bar(code, m)) is not None])
    assert closes.size == 240
    assert tape.last_price(code, 239) == closes[-1]
