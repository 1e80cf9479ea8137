"""PortfolioEngine: scores and the current book in, target weights out — every number by hand.

Also the strategy configs read from RD-Agent's qlib dicts, and the two pieces of qlib's
TopkDropout that decide real trades: pandas' descending ranking (ties, NaN) and the
``n_drop = 0`` slicing quirk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aistock.trading.portfolio.config import (
    EnhancedTopkDropoutConfig,
    ScoreWeightConfig,
    StrategyConfigError,
    TargetWeightConfig,
    TopkDropoutConfig,
    WeightCaps,
    strategy_from_qlib,
)
from aistock.trading.portfolio.engine import PortfolioEngine
from aistock.trading.portfolio.topk import DayScores, pick_topk_dropout, rank_descending

A, B, C, D, E = "600100.SH", "600107.SH", "600114.SH", "000002.SZ", "300100.SZ"
HELD = {A: 0.3, B: 0.3, C: 0.3}  # 10 % cash
TOPK3 = TopkDropoutConfig(topk=3, n_drop=1)  # risk_degree 0.95 (qlib's default)


def _target(
    config: object, signal: dict[str, float], current: dict[str, float], **kw: object
) -> dict[str, float]:
    return PortfolioEngine().compute_target_portfolio(config, signal, current, **kw)  # type: ignore[arg-type]


def _assert_weights(got: dict[str, float], expected: dict[str, float]) -> None:
    assert set(got) == set(expected), (got, expected)
    for code, weight in expected.items():
        assert got[code] == pytest.approx(weight, abs=1e-12), code


# -- TopkDropout ------------------------------------------------------------------------------


def test_topk_dropout_by_hand() -> None:
    """Held A .5, C .4, B .1; newcomers D .9, E .2.

    qlib buys ``n_drop + topk - held = 1`` newcomer (D), ranks the union D > A > C > B and
    drops the last ``n_drop = 1`` held (B). A and C keep their weights; D gets the cash after
    the sale (1 − 0.6 = 0.4) × risk_degree 0.95 = 0.38.
    """
    got = _target(TOPK3, {A: 0.5, B: 0.1, C: 0.4, D: 0.9, E: 0.2}, HELD)
    _assert_weights(got, {A: 0.3, C: 0.3, D: 0.38})


def test_topk_dropout_keeps_the_book_when_the_newcomer_is_worse() -> None:
    # The best newcomer D (.05) ranks last in the union, so the "dropped" name is not held:
    # nothing is sold and, with no free slot, nothing is bought.
    got = _target(TOPK3, {A: 0.5, B: 0.1, C: 0.4, D: 0.05, E: 0.02}, HELD)
    _assert_weights(got, HELD)


def test_topk_dropout_from_cash_buys_topk_equally() -> None:
    got = _target(TOPK3, {A: 0.5, B: 0.1, C: 0.4, D: 0.9, E: 0.2}, {})
    _assert_weights(got, {D: 0.95 / 3, A: 0.95 / 3, C: 0.95 / 3})


def test_nan_scored_holding_is_dropped_first() -> None:
    # Without B's NaN, A (.1) would be the weakest holding and go; a holding without a score
    # ranks last (qlib's NaN-last sort), so B goes instead — absent or NaN alike.
    scores = {A: 0.1, B: float("nan"), C: 0.4, D: 0.9, E: 0.2}
    _assert_weights(_target(TOPK3, scores, HELD), {A: 0.3, C: 0.3, D: 0.38})
    _assert_weights(
        _target(TOPK3, {k: v for k, v in scores.items() if k != B}, HELD), {A: 0.3, C: 0.3, D: 0.38}
    )
    _assert_weights(_target(TOPK3, {**scores, B: 0.2}, HELD), {B: 0.3, C: 0.3, D: 0.38})


def test_untradable_names_are_neither_sold_nor_bought() -> None:
    scores = {A: 0.5, B: 0.1, C: 0.4, D: 0.9, E: 0.2}
    # B cannot be sold (limit-down, say): it stays; D cannot be bought: no buy either.
    got = _target(TOPK3, scores, HELD, tradable=lambda code: code not in (B, D))
    _assert_weights(got, HELD)


# -- the enhanced strategy --------------------------------------------------------------------


def _enhanced(**kw: float) -> EnhancedTopkDropoutConfig:
    return EnhancedTopkDropoutConfig(base=TOPK3, **kw)  # min_score .1, max_position_ratio .9, stop -.1


def test_enhanced_stop_loss_sells_at_the_stop() -> None:
    scores = {A: 0.5, B: 0.1, C: 0.4, D: 0.9, E: 0.2}
    # C is exactly at the stop (-10 %): sold with the dropout's B. A keeps 0.3; D's budget is
    # min(0.7 × 0.95, 0.9 − 0.3) = 0.6.
    got = _target(_enhanced(), scores, HELD, entry_returns={A: -0.05, B: 0.2, C: -0.10})
    _assert_weights(got, {A: 0.3, D: 0.6})
    # Just above the stop C stays; D gets min(0.4 × 0.95, 0.9 − 0.6) = 0.3: the ratio binds.
    kept = _target(_enhanced(), scores, HELD, entry_returns={A: -0.05, B: 0.2, C: -0.0999})
    _assert_weights(kept, {A: 0.3, C: 0.3, D: 0.3})


def test_enhanced_min_score_blocks_weak_buys() -> None:
    scores = {A: 0.5, B: 0.01, C: 0.4, D: 0.05, E: 0.02}
    _assert_weights(_target(TOPK3, scores, HELD), {A: 0.3, C: 0.3, D: 0.38})  # plain: B out, D in
    # D (.05) is below min_score .1: B is still dropped, D not bought — the money stays cash.
    _assert_weights(_target(_enhanced(), scores, HELD), {A: 0.3, C: 0.3})


def test_enhanced_max_position_ratio_caps_the_total() -> None:
    scores = {A: 0.5, B: 0.1, C: 0.4, D: 0.9, E: 0.2}
    got = _target(_enhanced(max_position_ratio=0.6, min_score=0.0), scores, {})
    _assert_weights(got, {D: 0.2, A: 0.2, C: 0.2})  # min(0.95, 0.6) / 3
    assert sum(got.values()) == pytest.approx(0.6)


# -- score and target weights -------------------------------------------------------------------

SCORES = {A: 0.6, B: 0.3, C: 0.1, D: -0.2, E: float("nan")}


def test_score_weight_equal_and_proportional() -> None:
    equal = ScoreWeightConfig(topk=3, method="equal", invest_ratio=0.9)
    _assert_weights(_target(equal, SCORES, {}), {A: 0.3, B: 0.3, C: 0.3})
    proportional = ScoreWeightConfig(topk=3, method="score", invest_ratio=0.9)
    _assert_weights(_target(proportional, SCORES, {}), {A: 0.54, B: 0.27, C: 0.09})
    # Scores all below zero: equal weights (a negative weight is not a long position).
    negative = {A: -0.1, B: -0.2, C: -0.3, D: -0.4}
    _assert_weights(_target(proportional, negative, {}), {A: 0.3, B: 0.3, C: 0.3})


def test_score_weight_caps_leave_the_excess_in_cash() -> None:
    single = ScoreWeightConfig(
        topk=3, method="score", invest_ratio=0.9, caps=WeightCaps(max_single_weight=0.4)
    )
    got = _target(single, SCORES, {})
    _assert_weights(got, {A: 0.4, B: 0.27, C: 0.09})  # A's 0.14 over the cap is not handed on
    assert sum(got.values()) == pytest.approx(0.76)

    industries = {A: "bank", B: "bank", C: "tech", D: "tech"}
    banks = WeightCaps(max_industry_weight=0.5, industries=industries)
    got = _target(ScoreWeightConfig(topk=3, method="equal", invest_ratio=0.9, caps=banks), SCORES, {})
    _assert_weights(got, {A: 0.25, B: 0.25, C: 0.3})  # banks 0.6 → 0.5, scaled together
    assert sum(got.values()) <= 1.0


def test_target_weights_pass_through_caps() -> None:
    caps = TargetWeightConfig(caps=WeightCaps(max_single_weight=0.3))
    _assert_weights(_target(caps, {"SH600100": 0.2, B: 0.5, C: 0.0}, {}), {A: 0.2, B: 0.3})
    over = _target(TargetWeightConfig(), {A: 0.8, B: 0.6}, {})
    _assert_weights(over, {A: 0.8 / 1.4, B: 0.6 / 1.4})  # asking for 140 % gets 100 %
    with pytest.raises(StrategyConfigError, match="must not be negative") as excinfo:
        _target(TargetWeightConfig(), {A: 0.5, B: -0.1}, {})
    assert B in excinfo.value.what and excinfo.value.fix


def test_weights_accept_a_series_signal() -> None:
    series = pd.Series({A: 0.6, B: 0.3, C: 0.1})
    _assert_weights(_target(ScoreWeightConfig(topk=2, invest_ratio=0.8), series, {}), {A: 0.4, B: 0.4})


# -- configs from RD-Agent's YAML -----------------------------------------------------------------


def test_strategy_from_qlib_reads_rdagent_configs() -> None:
    plain = strategy_from_qlib(
        {
            "class": "TopkDropoutStrategy",
            "module_path": "qlib.contrib.strategy",
            "kwargs": {"signal": "<PRED>", "topk": 50, "n_drop": 5},
        }
    )
    assert plain == TopkDropoutConfig(topk=50, n_drop=5)
    enhanced = strategy_from_qlib(
        {
            "class": "EnhancedTopkDropoutStrategy",
            "module_path": "rdagent.scenarios.qlib.strategy",
            "kwargs": {
                "signal": "<PRED>",
                "topk": 30,
                "n_drop": 3,
                "min_score": 0.1,
                "max_position_ratio": 0.9,
                "stop_loss": -0.1,
                "lot_size": 100,  # an order-size guard we do not model: accepted, ignored
            },
        }
    )
    assert enhanced == EnhancedTopkDropoutConfig(
        base=TopkDropoutConfig(topk=30, n_drop=3), min_score=0.1, max_position_ratio=0.9, stop_loss=-0.1
    )


def test_strategy_from_qlib_refuses_what_it_does_not_know() -> None:
    with pytest.raises(StrategyConfigError) as excinfo:
        strategy_from_qlib({"class": "WeightStrategyBase", "kwargs": {"signal": "<PRED>"}})
    assert excinfo.value.what == "strategy class 'WeightStrategyBase' is not supported"
    assert "TopkDropoutStrategy" in excinfo.value.fix
    with pytest.raises(StrategyConfigError, match="'\\(missing\\)' is not supported"):
        strategy_from_qlib({"kwargs": {"topk": 50}})
    with pytest.raises(StrategyConfigError) as excinfo:
        strategy_from_qlib({"class": "TopkDropoutStrategy", "kwargs": {"topK": 50, "n_drop": 5}})
    assert excinfo.value.what == "TopkDropoutStrategy does not take topK"
    assert "topk" in excinfo.value.fix.split("use only: ")[1].split(", ")
    with pytest.raises(StrategyConfigError, match="does not take stop_loss"):
        strategy_from_qlib({"class": "TopkDropoutStrategy", "kwargs": {"stop_loss": -0.1}})
    with pytest.raises(StrategyConfigError, match="stop_loss must be a loss fraction"):
        strategy_from_qlib({"class": "EnhancedTopkDropoutStrategy", "kwargs": {"stop_loss": 0.1}})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: TopkDropoutConfig(topk=0), "topk must be a positive whole number"),
        (lambda: TopkDropoutConfig(n_drop=-1), "n_drop must be a whole number >= 0"),
        (lambda: TopkDropoutConfig(risk_degree=1.5), "risk_degree must be in \\(0, 1\\]"),
        (lambda: TopkDropoutConfig(method_sell="worst"), "method_sell 'worst'"),  # type: ignore[arg-type]
        (lambda: ScoreWeightConfig(method="rank"), "weight method 'rank' is unknown"),  # type: ignore[arg-type]
        (lambda: WeightCaps(max_single_weight=0.0), "max_single_weight must be in"),
        (lambda: EnhancedTopkDropoutConfig(min_score=float("nan")), "min_score must be a finite number"),
    ],
)
def test_bad_configs_are_refused(make: object, message: str) -> None:
    with pytest.raises(StrategyConfigError, match=message) as excinfo:
        make()  # type: ignore[operator]
    assert excinfo.value.fix


# -- qlib's ranking and slicing -------------------------------------------------------------------


def test_rank_descending_is_pandas_sort_values() -> None:
    """Ties and NaN included, on sizes past numpy's insertion-sort cut-off (16)."""
    rng = np.random.default_rng(20251121)
    for _ in range(400):
        n = int(rng.integers(0, 300))
        values = rng.integers(0, max(1, n // 5) + 1, size=n).astype(np.float64)  # many ties
        values[rng.random(n) < 0.15] = np.nan
        expected = pd.Series(values).sort_values(ascending=False).index.to_numpy()
        np.testing.assert_array_equal(rank_descending(values), expected)
    fixed = np.array([1.0, np.nan, 3.0, 3.0, 2.0, np.nan])
    assert rank_descending(fixed).tolist()[:3] in ([2, 3, 4], [3, 2, 4])
    assert sorted(rank_descending(fixed).tolist()[-2:]) == [1, 5]


def _day(scores: dict[int, float]) -> DayScores:
    ids = sorted(scores)
    return DayScores(np.array(ids, dtype=np.int64), np.array([scores[i] for i in ids], dtype=np.float64))


def test_n_drop_zero_sells_everything_like_qlib() -> None:
    """qlib picks the names to drop with ``get_last_n(comb, n_drop)`` = ``list(comb)[-n_drop:]``;
    ``list(x)[-0:]`` is the *whole* list, so with ``n_drop = 0`` every holding is "at the
    bottom" and is sold, while ``today`` (``n_drop + topk - held = 0`` newcomers) is empty,
    so nothing is bought. The next day the empty book buys ``topk`` again. Absurd, but it is
    what RD-Agent's numbers contain, so the backtest must do the same; the test pins it."""
    day = _day({0: 0.9, 1: 0.8, 2: 0.7, 3: 0.95, 4: 0.1})
    config = TopkDropoutConfig(topk=3, n_drop=0)
    everything = pick_topk_dropout(day, [0, 1, 2], config, tradable=lambda _i: True)
    assert sorted(everything.sell) == [0, 1, 2] and everything.buy == []
    assert list(range(5))[-0:] == [0, 1, 2, 3, 4]  # the slicing at the root of it
    from_cash = pick_topk_dropout(day, [], config, tradable=lambda _i: True)
    assert from_cash.sell == [] and from_cash.buy == [3, 0, 1]
    # With only_tradable qlib's loops append before they test ``len >= n``, so "the first 0"
    # is one name on both sides: the weakest holding (2) is swapped for the best newcomer (3).
    strict = TopkDropoutConfig(topk=3, n_drop=0, only_tradable=True)
    one = pick_topk_dropout(day, [0, 1, 2], strict, tradable=lambda _i: True)
    assert (one.sell, one.buy) == ([2], [3])
    # The same through the engine: a live account following n_drop=0 would empty itself.
    scores = {A: 0.9, B: 0.8, C: 0.7, D: 0.95, E: 0.1}
    assert _target(TopkDropoutConfig(topk=3, n_drop=0), scores, HELD) == {}


def test_more_holdings_than_topk_plus_n_drop() -> None:
    """A negative newcomer count slices from the end (``today[:-k]``): qlib's quirk, kept."""
    day = _day({i: 1.0 - i / 10 for i in range(8)})
    config = TopkDropoutConfig(topk=2, n_drop=1)
    pick = pick_topk_dropout(day, [0, 1, 2, 3, 4], config, tradable=lambda _i: True)
    # wanted = 1 + 2 − 5 = −2 → fresh [5, 6, 7][:-2] = [5]; union ranks 0..5, the last is 5
    # (not held) → nothing held is sold; buy = [5][: 0 + 2 − 5] = [].
    assert (pick.sell, pick.buy) == ([], [])
