"""``PortfolioEngine.compute_target_portfolio``: scores + current book → target weights.

This is the step every mode shares (seed §7.4): the backtest's weight strategies, the preview,
paper and live all ask it what to hold, and the order planner turns the answer into orders.
For TopkDropout it answers with the same names qlib's strategy would trade — the names dropped
go to zero, the kept names keep their weight, and each new name gets an equal share of the
cash (after sales) times ``risk_degree`` — so a live account follows the backtested strategy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from aistock.core.codes import parse_code
from aistock.trading.portfolio.config import (
    EnhancedTopkDropoutConfig,
    ScoreWeightConfig,
    StrategyConfig,
    StrategyConfigError,
    TargetWeightConfig,
    TopkDropoutConfig,
)
from aistock.trading.portfolio.topk import DayScores, pick_topk_dropout
from aistock.trading.portfolio.weights import apply_caps, score_weights


class PortfolioEngine:
    """Pure: no prices, no broker; tradability, if known, comes in as a predicate."""

    def compute_target_portfolio(
        self,
        strategy_config: StrategyConfig,
        signal: Mapping[str, float] | pd.Series,
        current_positions: Mapping[str, float],
        *,
        tradable: Callable[[str], bool] | None = None,
        entry_returns: Mapping[str, float] | None = None,
    ) -> dict[str, float]:
        """Target weight per code (fractions of total value; the rest is cash).

        ``signal`` maps codes to scores (``target_weight`` values for a
        :class:`TargetWeightConfig`); ``current_positions`` maps held codes to their current
        weights. ``entry_returns`` (price ÷ entry price − 1 per holding) drives the enhanced
        strategy's stop-loss.
        """
        scores = _scores(signal)
        current = {str(parse_code(c)): float(w) for c, w in current_positions.items() if w > 0}
        can_trade = tradable or (lambda _code: True)
        if isinstance(strategy_config, TopkDropoutConfig | EnhancedTopkDropoutConfig):
            return self._topk(strategy_config, scores, current, can_trade, entry_returns or {})
        if isinstance(strategy_config, ScoreWeightConfig):
            raw = score_weights(
                scores, strategy_config.topk, strategy_config.method, strategy_config.invest_ratio
            )
            return apply_caps(raw, strategy_config.caps)
        if isinstance(strategy_config, TargetWeightConfig):
            bad = [c for c, w in scores.items() if w < 0]
            if bad:
                raise StrategyConfigError(
                    f"target weights must not be negative ({', '.join(bad[:3])})", "give long-only weights"
                )
            return apply_caps(scores, strategy_config.caps)
        raise StrategyConfigError(
            f"unknown strategy config {type(strategy_config).__name__}", "see config.py"
        )

    def _topk(
        self,
        config: TopkDropoutConfig | EnhancedTopkDropoutConfig,
        scores: Mapping[str, float],
        current: Mapping[str, float],
        tradable: Callable[[str], bool],
        entry_returns: Mapping[str, float],
    ) -> dict[str, float]:
        base = config.base if isinstance(config, EnhancedTopkDropoutConfig) else config
        codes = sorted(set(scores) | set(current), key=lambda c: parse_code(c).qlib)
        index = {c: i for i, c in enumerate(codes)}
        scored = [c for c in codes if c in scores]
        day = DayScores(
            ids=np.array([index[c] for c in scored], dtype=np.int64),
            scores=np.array([scores[c] for c in scored], dtype=np.float64),
        )
        holdings = [index[c] for c in codes if c in current]
        pick = pick_topk_dropout(day, holdings, base, tradable=lambda i: tradable(codes[i]))
        sell = {codes[i] for i in pick.sell if tradable(codes[i])}
        buy = [codes[i] for i in pick.buy if tradable(codes[i])]
        if isinstance(config, EnhancedTopkDropoutConfig):
            sell |= {
                c for c, r in entry_returns.items() if c in current and r <= config.stop_loss and tradable(c)
            }
            buy = [c for c in buy if scores.get(c, -np.inf) >= config.min_score]
        target = {c: w for c, w in current.items() if c not in sell}
        cash = max(0.0, 1.0 - sum(target.values()))
        budget = cash * base.risk_degree
        if isinstance(config, EnhancedTopkDropoutConfig):
            budget = max(0.0, min(budget, config.max_position_ratio - sum(target.values())))
        if budget > 0:
            for code in buy:
                target[code] = target.get(code, 0.0) + budget / len(buy)
        return target


def _scores(signal: Mapping[str, float] | pd.Series) -> dict[str, float]:
    items = signal.items()
    out: dict[str, float] = {}
    for code, value in items:
        number = float(value)
        if np.isfinite(number):
            out[str(parse_code(str(code)))] = number
    return out
