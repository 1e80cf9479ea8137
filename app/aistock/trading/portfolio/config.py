"""Strategy configurations: what RD-Agent's YAML says, as validated, typed values.

RD-Agent writes strategies as qlib class configs (``{"class": "TopkDropoutStrategy",
"kwargs": {"signal": "<PRED>", "topk": 50, "n_drop": 5}}``). :func:`strategy_from_qlib`
turns such a dict into one of the configs below and refuses, by name, anything it does not
understand — a typo in a strategy must not turn into a different strategy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from aistock.core.errors import AistockError


class StrategyConfigError(AistockError, ValueError):
    """A strategy configuration we cannot run as written."""


WeightMethod = Literal["equal", "score"]


@dataclass(frozen=True, slots=True)
class WeightCaps:
    """Caps applied to target weights; a capped excess is left in cash, never redistributed
    into names the strategy did not choose."""

    max_single_weight: float = 1.0
    max_industry_weight: float = 1.0
    industries: Mapping[str, str] = field(default_factory=dict)  # code → industry

    def __post_init__(self) -> None:
        _check_fraction("max_single_weight", self.max_single_weight)
        _check_fraction("max_industry_weight", self.max_industry_weight)


@dataclass(frozen=True, slots=True)
class TopkDropoutConfig:
    """qlib's ``TopkDropoutStrategy`` (defaults are qlib's)."""

    topk: int = 50
    n_drop: int = 5
    method_sell: Literal["bottom", "random"] = "bottom"
    method_buy: Literal["top", "random"] = "top"
    hold_thresh: int = 1
    only_tradable: bool = False
    forbid_all_trade_at_limit: bool = True
    risk_degree: float = 0.95

    def __post_init__(self) -> None:
        _check_topk(self.topk, self.n_drop)
        if self.method_sell not in ("bottom", "random"):
            raise StrategyConfigError(
                f"method_sell {self.method_sell!r} is not a TopkDropout sell method",
                "use 'bottom' or 'random'",
            )
        if self.method_buy not in ("top", "random"):
            raise StrategyConfigError(
                f"method_buy {self.method_buy!r} is not a TopkDropout buy method", "use 'top' or 'random'"
            )
        if self.hold_thresh < 0:
            raise StrategyConfigError(
                f"hold_thresh must be >= 0, got {self.hold_thresh}", "use 1 (qlib's default)"
            )
        _check_fraction("risk_degree", self.risk_degree)


@dataclass(frozen=True, slots=True)
class EnhancedTopkDropoutConfig:
    """RD-Agent's ``EnhancedTopkDropoutStrategy``: TopkDropout with three guards.

    * ``stop_loss``: a holding whose deal price is at or below ``(1 + stop_loss) ×`` its
      average entry price is sold whole, before (and in addition to) the dropout sells;
    * ``min_score``: names scoring below it are never bought (holdings below it are not
      force-sold: that is the dropout's job);
    * ``max_position_ratio``: buys stop once stocks would exceed this share of total value.
    """

    base: TopkDropoutConfig = field(default_factory=TopkDropoutConfig)
    min_score: float = 0.1
    max_position_ratio: float = 0.9
    stop_loss: float = -0.1

    def __post_init__(self) -> None:
        _check_fraction("max_position_ratio", self.max_position_ratio)
        if not -1.0 < self.stop_loss <= 0.0:
            raise StrategyConfigError(
                f"stop_loss must be a loss fraction in (-1, 0], got {self.stop_loss}",
                "use e.g. -0.10 for a 10% stop",
            )
        if not math.isfinite(self.min_score):
            raise StrategyConfigError("min_score must be a finite number", "use e.g. 0.1")


@dataclass(frozen=True, slots=True)
class ScoreWeightConfig:
    """Hold the ``topk`` best names with equal or score-proportional weights, under caps."""

    topk: int = 50
    method: WeightMethod = "equal"
    invest_ratio: float = 0.95
    caps: WeightCaps = field(default_factory=WeightCaps)

    def __post_init__(self) -> None:
        _check_topk(self.topk, 0)
        if self.method not in ("equal", "score"):
            raise StrategyConfigError(
                f"weight method {self.method!r} is unknown", "use 'equal' or 'score' (score-proportional)"
            )
        _check_fraction("invest_ratio", self.invest_ratio)


@dataclass(frozen=True, slots=True)
class TargetWeightConfig:
    """Take RD-Agent's ``signals.parquet`` ``target_weight`` column as the targets, under caps."""

    caps: WeightCaps = field(default_factory=WeightCaps)


StrategyConfig = TopkDropoutConfig | EnhancedTopkDropoutConfig | ScoreWeightConfig | TargetWeightConfig


def _check_topk(topk: int, n_drop: int) -> None:
    if not isinstance(topk, int) or topk < 1:
        raise StrategyConfigError(f"topk must be a positive whole number, got {topk!r}", "use e.g. topk=50")
    if not isinstance(n_drop, int) or n_drop < 0:
        raise StrategyConfigError(f"n_drop must be a whole number >= 0, got {n_drop!r}", "use e.g. n_drop=5")


def _check_fraction(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and 0.0 < value <= 1.0):
        raise StrategyConfigError(
            f"{name} must be in (0, 1], got {value!r}", f"give {name} as a fraction, e.g. 0.95"
        )


_QLIB_IGNORED = {"signal", "model", "dataset", "trade_exchange", "level_infra", "common_infra"}


def strategy_from_qlib(config: Mapping[str, Any]) -> StrategyConfig:
    """Read a qlib/RD-Agent strategy dict (``class``, optional ``module_path``, ``kwargs``)."""
    name = str(config.get("class", "")).strip()
    kwargs = {k: v for k, v in dict(config.get("kwargs") or {}).items() if k not in _QLIB_IGNORED}
    known = {f.name for f in fields(TopkDropoutConfig)}
    if name == "TopkDropoutStrategy":
        return TopkDropoutConfig(**_only(name, kwargs, known))
    if name == "EnhancedTopkDropoutStrategy":
        extra = {"min_score", "max_position_ratio", "stop_loss"}
        # RD-Agent's own implementation also takes order-size guards we do not model.
        ignored = {
            "min_trade_price",
            "max_trade_price",
            "max_single_order_value",
            "max_single_order_amount",
            "lot_size",
        }
        checked = _only(name, {k: v for k, v in kwargs.items() if k not in ignored}, known | extra)
        base = TopkDropoutConfig(**{k: v for k, v in checked.items() if k in known})
        return EnhancedTopkDropoutConfig(base=base, **{k: v for k, v in checked.items() if k in extra})
    raise StrategyConfigError(
        f"strategy class {name or '(missing)'!r} is not supported",
        "use TopkDropoutStrategy or EnhancedTopkDropoutStrategy (qlib/RD-Agent), "
        "or a ScoreWeightConfig / TargetWeightConfig",
    )


def _only(name: str, kwargs: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise StrategyConfigError(
            f"{name} does not take {', '.join(unknown)}",
            f"remove them or use only: {', '.join(sorted(allowed))}",
        )
    return kwargs
