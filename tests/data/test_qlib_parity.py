"""Our reader against real pyqlib's ``D.features`` on the same directories: identical frames.

"Identical" means the same rows (qlib drops bars outside a market's spans and instruments with
nothing stored), the same float32 values and NaN in the same places; only the index order
differs — qlib gives ``(instrument, datetime)`` with ``SH600000`` names, we give
``(datetime, instrument)`` with ``600000.SH``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from aistock.core.codes import to_canonical
from aistock.data import DataService, QlibProviderSource

pytestmark = pytest.mark.qlib

FIELDS = ["$open", "$close", "$volume", "$factor"]


@pytest.fixture(scope="module")
def qlib_d(fixture_market: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """qlib initialised once on the fixture provider (qlib.init is process-global state)."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import qlib
    from qlib.data import D

    previous = Path.cwd()
    os.chdir(tmp_path_factory.mktemp("qlib_cwd"))  # anything qlib writes lands here
    try:
        qlib.init(provider_uri=str(fixture_market.root), region="cn", kernels=1, logging_level="WARNING")
        yield D
    finally:
        os.chdir(previous)


def as_ours(frame: pd.DataFrame) -> pd.DataFrame:
    """qlib's frame in our shape: (datetime, instrument), canonical codes, no ``$``."""
    out = frame.copy()
    out.columns = [str(c).removeprefix("$") for c in out.columns]
    codes = out.index.get_level_values("instrument").map(to_canonical)
    dates = out.index.get_level_values("datetime")
    out.index = pd.MultiIndex.from_arrays([dates, codes], names=["datetime", "instrument"])
    return out.sort_index()


def assert_same(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    expected = as_ours(theirs)
    assert len(ours) == len(expected) > 0
    assert isinstance(ours.index, pd.MultiIndex) and isinstance(expected.index, pd.MultiIndex)
    pd.testing.assert_index_equal(ours.index.remove_unused_levels(), expected.index.remove_unused_levels())
    pd.testing.assert_frame_equal(ours, expected, check_exact=True, check_index_type=False)


@pytest.fixture(scope="module")
def ours(fixture_market: Any) -> DataService:
    return DataService(QlibProviderSource(fixture_market.root))


def test_market_all_matches_qlib(qlib_d: Any, ours: DataService) -> None:
    theirs = qlib_d.features(qlib_d.instruments("all"), FIELDS, freq="day")
    assert_same(ours.history("all", None, None, FIELDS), theirs)


def test_date_window_and_two_span_instrument_match_qlib(
    qlib_d: Any, ours: DataService, fixture_market: Any
) -> None:
    start, end = fixture_market.days[15], fixture_market.days[45]
    theirs = qlib_d.features(qlib_d.instruments("all"), FIELDS, start, end, freq="day")
    mine = ours.history("all", start, end, FIELDS)
    assert_same(mine, theirs)
    assert len(mine.xs("688001.SH", level="instrument")) == 31 - 10  # the gap is masked


def test_code_list_matches_qlib(qlib_d: Any, ours: DataService, fixture_market: Any) -> None:
    codes = ["SH600000", "SZ000001", "SZ300750", "SH688001", "BJ430047", "SH000001"]
    theirs = qlib_d.features(codes, [*FIELDS, "$amount", "$change"], "2024-01-10", "2024-03-20", freq="day")
    assert_same(ours.history(codes, "2024-01-10", "2024-03-20", [*FIELDS, "amount", "change"]), theirs)


def test_csi300_membership_matches_qlib(qlib_d: Any, ours: DataService) -> None:
    theirs = qlib_d.features(qlib_d.instruments("csi300"), ["$close", "$volume"], freq="day")
    assert_same(ours.history("csi300", None, None, ["close", "volume"]), theirs)
    members = qlib_d.list_instruments(qlib_d.instruments("csi300"), as_list=True)
    assert sorted(map(to_canonical, members)) == ours.instruments("csi300")


def test_calendar_matches_qlib(qlib_d: Any, ours: DataService) -> None:
    assert [ts.date() for ts in qlib_d.calendar(freq="day")] == ours.calendar()
    assert [ts.to_pydatetime() for ts in qlib_d.calendar(freq="1min")] == ours.calendar(freq="1min")


def test_minute_bars_match_qlib(qlib_d: Any, ours: DataService) -> None:
    theirs = qlib_d.features(["SH600000", "SZ000001"], ["$close", "$volume"], freq="1min")
    assert_same(ours.history(["SH600000", "SZ000001"], None, None, ["close", "volume"], freq="1min"), theirs)


def test_demo_market_matches_qlib(
    small_demo: Path, qlib_features: Callable[..., pd.DataFrame], demo_end: Any
) -> None:
    """The same check on the lead's demo market (qlib run in a fresh process by the shared fixture)."""
    fields = ["$open", "$high", "$low", "$close", "$vwap", "$volume", "$amount", "$factor", "$up_limit"]
    service = DataService(QlibProviderSource(small_demo))
    first = service.calendar()[0]
    for market in ("all", "csi300"):
        theirs = qlib_features(small_demo, market, fields, str(first), str(demo_end), "day")
        assert_same(service.history(market, first, demo_end, fields), theirs)
