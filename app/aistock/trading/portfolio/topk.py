"""qlib's ``TopkDropoutStrategy`` choice of what to sell and what to buy, decision for decision.

RD-Agent reports the results of this strategy, so the workstation must pick the very same names
on the very same days. Reproducing it means reproducing its quirks too, because they decide
real trades:

* scores are ranked with pandas' ``sort_values`` (descending, NaN last, numpy quicksort), so
  ties break the way pandas breaks them — :func:`rank_descending` is that ranking;
* held names without a score rank last and are the first to be dropped;
* the number of new names is ``n_drop + topk - len(holdings)``, taken with Python slicing, so
  a negative count (more holdings than ``topk + n_drop``, which happens when names at the
  limit could not be sold) drops names from the *end* of the list, and ``n_drop = 0`` makes
  "the last 0 names" the whole list — qlib sells everything then. We keep these semantics
  and document them rather than silently "fix" a backtest that must match qlib.

Instruments are small integers here (indices into the backtest's universe) ordered the way
qlib orders its instrument names, so that "sorted by name" is "sorted by id".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aistock.trading.portfolio.config import TopkDropoutConfig

FloatArray = npt.NDArray[np.float64]
IdArray = npt.NDArray[np.int64]


def rank_descending(values: FloatArray) -> npt.NDArray[np.intp]:
    """Positions of ``values`` from best to worst, NaN last: pandas' descending ``nargsort``.

    pandas reverses the array, argsorts it with quicksort (not stable), and reverses the
    result; equal scores therefore come out in the order that sequence of steps produces,
    which is what qlib's strategy sees.
    """
    mask = np.isnan(values)
    index = np.arange(len(values))
    valid = values[~mask][::-1]
    valid_index = index[~mask][::-1]
    order = valid_index[valid.argsort(kind="quicksort")][::-1]
    ranked: npt.NDArray[np.intp] = np.concatenate([order, np.flatnonzero(mask)]).astype(np.intp)
    return ranked


@dataclass(frozen=True, slots=True)
class DayScores:
    """One day's scores: instrument ids in name order and their scores (no NaN)."""

    ids: IdArray
    scores: FloatArray

    def lookup(self) -> Mapping[int, float]:
        return dict(zip(self.ids.tolist(), self.scores.tolist(), strict=True))


@dataclass(frozen=True, slots=True)
class DropoutPick:
    """Names to sell (a subset of the holdings) and names to buy, in qlib's order."""

    sell: list[int]
    buy: list[int]


Tradable = Callable[[int], bool]


def _first_n(items: Sequence[int], n: int, tradable: Tradable | None, reverse: bool = False) -> list[int]:
    """qlib's ``get_first_n`` / ``get_last_n`` (the tradable-aware one when ``tradable``)."""
    if tradable is None:
        return list(items)[-n:] if reverse else list(items)[:n]
    picked: list[int] = []
    for item in reversed(items) if reverse else items:
        if tradable(item):
            picked.append(item)
            if len(picked) >= n:
                break
    return picked[::-1] if reverse else picked


def pick_topk_dropout(
    day: DayScores,
    holdings: Sequence[int],
    config: TopkDropoutConfig,
    *,
    tradable: Tradable,
    rng: np.random.Generator | None = None,
) -> DropoutPick:
    """What qlib's ``TopkDropoutStrategy.generate_trade_decision`` would sell and buy.

    ``holdings`` are the held instrument ids in name order; ``tradable(id)`` says whether an
    instrument can trade today in both directions (qlib's ``is_stock_tradable`` with no
    direction), used only when ``config.only_tradable``. Whether each sell or buy can really
    execute (limits, suspension, hold threshold) is the caller's business, as in qlib.
    """
    score = day.lookup()
    filter_tradable = tradable if config.only_tradable else None
    held_scores = np.array([score.get(i, np.nan) for i in holdings], dtype=np.float64)
    last = [holdings[k] for k in rank_descending(held_scores)]
    held = set(last)

    wanted = config.n_drop + config.topk - len(last)
    if config.method_buy == "top":
        fresh = ~np.isin(day.ids, np.fromiter(held, dtype=np.int64, count=len(held)))
        ranked = day.ids[fresh][rank_descending(day.scores[fresh])].tolist()
        today = _first_n(ranked, wanted, filter_tradable)
    else:  # "random"
        top = _first_n(day.ids[rank_descending(day.scores)].tolist(), config.topk, filter_tradable)
        candidates = [i for i in top if i not in held]
        today = _random_subset(candidates, wanted, _rng(rng))

    union = sorted(held | set(today)) if today and last else (last or today)
    union_scores = np.array([score.get(i, np.nan) for i in union], dtype=np.float64)
    comb = [union[k] for k in rank_descending(union_scores)]

    if config.method_sell == "bottom":
        bottom = set(_first_n(comb, config.n_drop, filter_tradable, reverse=True))
        sell = [i for i in last if i in bottom]
    else:  # "random"
        sellable = [i for i in last if filter_tradable is None or filter_tradable(i)]
        sell = _random_subset(sellable, config.n_drop, _rng(rng)) if last else []
    buy = today[: len(sell) + config.topk - len(last)]
    return DropoutPick(sell=sell, buy=buy)


def _rng(rng: np.random.Generator | None) -> np.random.Generator:
    return rng if rng is not None else np.random.default_rng(0)


def _random_subset(items: list[int], n: int, rng: np.random.Generator) -> list[int]:
    """``np.random.choice(items, n, replace=False)``, or all of them when there are too few."""
    try:
        return [int(x) for x in rng.choice(np.asarray(items, dtype=np.int64), n, replace=False)]
    except ValueError:
        return list(items)
