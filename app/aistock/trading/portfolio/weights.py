"""Target weights from scores, and the caps a risk manager puts on them.

Capping never invents exposure: what a cap removes stays in cash rather than flowing to names
the strategy ranked lower, so a cap can only make a portfolio more conservative.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from aistock.trading.portfolio.config import WeightCaps, WeightMethod


def score_weights(
    scores: Mapping[str, float], topk: int, method: WeightMethod, invest_ratio: float
) -> dict[str, float]:
    """The ``topk`` best names, equally or in proportion to their positive scores.

    Score weighting uses ``max(score, 0)``; if no chosen name scores above zero it falls back
    to equal weights (a model's scores are often centred on zero, and a negative weight is
    not a long-only position).
    """
    ranked = sorted(((s, c) for c, s in scores.items() if np.isfinite(s)), key=lambda x: (-x[0], x[1]))[:topk]
    if not ranked:
        return {}
    if method == "score":
        positive = np.array([max(s, 0.0) for s, _ in ranked])
        if positive.sum() > 0:
            share = positive / positive.sum()
            return {c: float(invest_ratio * w) for (_, c), w in zip(ranked, share, strict=True) if w > 0}
    each = invest_ratio / len(ranked)
    return {c: each for _, c in ranked}


def apply_caps(weights: Mapping[str, float], caps: WeightCaps) -> dict[str, float]:
    """Cap each name at ``max_single_weight`` and each industry's total at
    ``max_industry_weight`` (scaling that industry's names down together)."""
    capped = {c: min(w, caps.max_single_weight) for c, w in weights.items() if w > 0}
    if caps.max_industry_weight < 1.0 and caps.industries:
        totals: dict[str, float] = {}
        for code, w in capped.items():
            industry = caps.industries.get(code)
            if industry:
                totals[industry] = totals.get(industry, 0.0) + w
        for code in list(capped):
            industry = caps.industries.get(code)
            if industry and totals[industry] > caps.max_industry_weight:
                capped[code] *= caps.max_industry_weight / totals[industry]
    total = sum(capped.values())
    if total > 1.0:  # targets that ask for more than everything are scaled to everything
        capped = {c: w / total for c, w in capped.items()}
    return capped
