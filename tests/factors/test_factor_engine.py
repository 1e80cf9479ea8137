"""FactorEngine on the demo market: exact starts, invisible chunking, spans, and clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aistock.core.errors import AistockError
from aistock.data import DataService, QlibProviderSource
from aistock.factors.engine import FactorEngine
from aistock.factors.errors import ExpressionError, FactorSetError


@pytest.fixture(scope="module")
def service(small_demo: Path) -> DataService:
    return DataService(QlibProviderSource(small_demo))


@pytest.fixture(scope="module")
def engine(service: DataService) -> FactorEngine:
    return FactorEngine(service)


@pytest.fixture(scope="module")
def days(service: DataService) -> list:  # type: ignore[type-arg]
    return service.calendar()


def test_element_wise_factor_is_float32_arithmetic(
    engine: FactorEngine, service: DataService, days: list
) -> None:  # type: ignore[type-arg]
    codes = service.instruments("all")[:5]
    got = engine.compute_factor("KMID", codes, days[10], days[60])
    bars = service.history(codes, days[10], days[60], ["open", "close"])
    expected = ((bars["close"] - bars["open"]) / bars["open"]).astype(np.float32)
    assert list(got.columns) == ["KMID"]
    assert got.index.equals(bars.index)
    np.testing.assert_array_equal(got["KMID"].to_numpy(), expected.to_numpy())
    assert got["KMID"].dtype == np.float32


def test_values_at_start_are_exact(engine: FactorEngine, days: list) -> None:  # type: ignore[type-arg]
    exprs = ["Mean($close, 20)", "Corr($close, Log($volume+1), 10)", "IdxMax($high, 30)", "Ref($close, 5)"]
    late = engine.compute_factor_set(exprs, "all", days[100], days[-1])
    whole = engine.compute_factor_set(exprs, "all", days[0], days[-1])
    pd.testing.assert_frame_equal(late, whole.loc[late.index])


def test_label_reads_the_future_beyond_end(engine: FactorEngine, days: list) -> None:  # type: ignore[type-arg]
    got = engine.compute_factor_set(["LABEL0"], "all", days[100], days[120])
    later = engine.compute_factor_set(["LABEL0"], "all", days[100], days[-1])
    pd.testing.assert_frame_equal(got, later.loc[got.index])
    assert got["LABEL0"].notna().mean() > 0.8


def test_chunking_is_invisible(service: DataService, days: list) -> None:  # type: ignore[type-arg]
    exprs = ["alpha158", "EMA($close, 10)", "Delta($close, 2)"]
    whole = FactorEngine(service).compute_factor_set(exprs, "all", days[50], days[-1])
    chunked_engine = FactorEngine(service, chunk_cells=3000)  # about 10 instruments per chunk
    chunked = chunked_engine.compute_factor_set(exprs, "all", days[50], days[-1])
    pd.testing.assert_frame_equal(chunked, whole)
    pieces = list(chunked_engine.iter_factor_set(exprs, "all", days[50], days[-1]))
    assert len(pieces) > 3
    pd.testing.assert_frame_equal(pd.concat(pieces).sort_index(), whole)


def test_market_rows_follow_membership_spans(engine: FactorEngine, service: DataService, days: list) -> None:  # type: ignore[type-arg]
    got = engine.compute_factor("$close", "csi300", days[0], days[-1])
    bars = service.history("csi300", days[0], days[-1], ["close"])
    assert got.index.equals(bars.index)
    np.testing.assert_array_equal(got.iloc[:, 0].to_numpy(), bars["close"].to_numpy())


def test_set_names_expand_and_columns_keep_request_order(engine: FactorEngine, days: list) -> None:  # type: ignore[type-arg]
    got = engine.compute_factor_set(["$close/$open", "alpha360", "ROC5"], "all", days[-5], days[-1])
    assert got.columns[0] == "$close/$open"
    assert list(got.columns[1:361])[:3] == ["CLOSE59", "CLOSE58", "CLOSE57"]
    assert got.columns[-1] == "ROC5"
    assert got.shape[1] == 362


def test_unknown_field_names_the_factor_and_the_position(engine: FactorEngine, days: list) -> None:
    with pytest.raises(FactorSetError) as info:
        engine.compute_factor_set(["KMID", "Mean($closee, 5)"], "all", days[0], days[-1])
    err = info.value
    assert err.index == 1 and err.name == "Mean($closee, 5)"
    assert isinstance(err.cause, ExpressionError) and err.cause.position == 5
    assert "$closee" in str(err) and "$close" in err.fix


def test_malformed_expression_in_a_set_returns_nothing(engine: FactorEngine, days: list) -> None:
    with pytest.raises(FactorSetError) as info:
        engine.compute_factor_set(["KMID", "ROC5", "Mean($close, 5"], "all", days[0], days[-1])
    assert "factor #3" in str(info.value)
    assert "expected ')'" in str(info.value)


def test_failure_while_computing_names_the_factor(engine: FactorEngine, days: list) -> None:
    with pytest.raises(FactorSetError) as info:
        engine.compute_factor_set(["KMID", "Not($close)"], "all", days[0], days[-1])
    assert "factor #2 (Not($close))" in str(info.value)
    assert "comparisons" in info.value.fix


@pytest.mark.parametrize(
    ("universe", "start", "end", "words"),
    [
        ([], 0, -1, "universe is empty"),
        ("nosuchmarket", 0, -1, "nosuchmarket"),
        ("all", -1, 0, "before the start"),
        ("all", "2030-01-01", "2030-02-01", "no trading days"),
        ("all", "not-a-date", -1, "not a date"),
    ],
)
def test_bad_requests_say_what_and_how(
    engine: FactorEngine, days: list, universe: object, start: object, end: object, words: str
) -> None:  # type: ignore[type-arg]
    first = days[start] if isinstance(start, int) else start
    last = days[end] if isinstance(end, int) else end
    with pytest.raises(AistockError) as info:
        engine.compute_factor_set(["KMID"], universe, first, last)  # type: ignore[arg-type]
    assert words in str(info.value)


def test_duplicates_and_empty_requests(engine: FactorEngine, days: list) -> None:
    twice = engine.compute_factor_set(["KMID", "ROC5", "KMID", "alpha158"], "all", days[-3], days[-1])
    assert list(twice.columns[:3]) == ["KMID", "ROC5", "KLEN"] and twice.shape[1] == 158
    with pytest.raises(AistockError, match="no factors"):
        engine.compute_factor_set([], "all", days[0], days[-1])
    with pytest.raises(FactorSetError, match="reads no field"):
        engine.compute_factor_set(["1 + 2"], "all", days[0], days[-1])


def test_cross_instrument_operator_uses_the_index(
    engine: FactorEngine, service: DataService, days: list
) -> None:  # type: ignore[type-arg]
    recent = service.history("all", days[-3], days[-1], ["close"])
    counts = recent.groupby(level="instrument").size()
    code = str(counts[counts == 3].index[0])  # a stock that traded on all three days
    got = engine.compute_factor("ChangeInstrument('SH000300', $close)", [code], days[-3], days[-1])
    index = service.history(["000300.SH"], days[-3], days[-1], ["close"])
    np.testing.assert_array_equal(got.iloc[:, 0].to_numpy(), index["close"].to_numpy())
