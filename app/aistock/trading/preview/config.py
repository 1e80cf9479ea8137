"""What a preview instance runs: its strategy, the rules it trades under, when it rebalances.

Stored as JSON in ``preview_strategy.config_json`` with a SHA-256 of its canonical form, so a
LiveFeedback export can say exactly which configuration produced the numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from aistock.core.errors import AistockError
from aistock.core.fees import FeeSchedule
from aistock.core.planning import PlannerConfig
from aistock.core.risk import RiskLimits
from aistock.trading.portfolio.config import (
    EnhancedTopkDropoutConfig,
    ScoreWeightConfig,
    StrategyConfig,
    TargetWeightConfig,
    TopkDropoutConfig,
    WeightCaps,
    strategy_from_qlib,
)
from aistock.trading.rebalance import RebalanceRules

Bars = Literal["day", "minute"]
DEFAULT_BENCHMARK = "000001.SH"
DEFAULT_REBALANCE = (dt.time(14, 50),)


class PreviewConfigError(AistockError, ValueError):
    """A preview configuration that cannot run as written."""


@dataclass(frozen=True, slots=True)
class PreviewConfig:
    strategy: StrategyConfig = field(default_factory=TopkDropoutConfig)
    rules: RebalanceRules = field(default_factory=RebalanceRules)
    rebalance_times: tuple[dt.time, ...] = DEFAULT_REBALANCE
    """Session times (Shanghai) at which a live-clock instance rebalances, at the last minute's price."""
    bars: Bars = "minute"
    """What a missed day is caught up on: ``minute`` (the rebalance times' prices) or ``day``
    (the close); a day without minute bars falls back to the close with a note."""
    benchmark: str = DEFAULT_BENCHMARK

    def __post_init__(self) -> None:
        if isinstance(self.strategy, TargetWeightConfig):
            raise PreviewConfigError(
                "a preview trades on scores, and a target-weight strategy needs signals.parquet weights",
                "use topk, enhanced, equal or score",
            )
        if self.bars not in ("day", "minute"):
            raise PreviewConfigError(f"bars {self.bars!r} is unknown", "use 'day' or 'minute'")
        if not self.rebalance_times:
            raise PreviewConfigError("no rebalance time given", "give at least one, e.g. 14:50")
        for t in self.rebalance_times:
            if not (dt.time(9, 31) <= t <= dt.time(11, 30) or dt.time(13, 1) <= t <= dt.time(14, 57)):
                raise PreviewConfigError(
                    f"rebalance time {t:%H:%M} is outside continuous trading",
                    "use a time in 09:31-11:30 or 13:01-14:57",
                )

    def to_mapping(self) -> dict[str, Any]:
        fees = self.rules.fees
        return {
            "strategy": strategy_to_mapping(self.strategy),
            "fees": {
                "commission_rate": str(fees.commission_rate),
                "min_commission_fen": fees.min_commission_fen,
                "stamp_duty_rate": str(fees.stamp_duty_rate),
                "transfer_fee_rate": str(fees.transfer_fee_rate),
            },
            "planner": {
                "min_order_value": self.rules.planner.min_order_value,
                "cash_reserve": self.rules.planner.cash_reserve,
            },
            "risk_limits": None if self.rules.limits is None else self.rules.limits.to_mapping(),
            "rebalance_times": [f"{t:%H:%M}" for t in self.rebalance_times],
            "bars": self.bars,
            "benchmark": self.benchmark,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_mapping(), sort_keys=True, ensure_ascii=False)

    def hash(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> PreviewConfig:
        try:
            fees_map = values.get("fees") or {}
            fees = FeeSchedule(
                Decimal(str(fees_map.get("commission_rate", "0"))),
                int(fees_map.get("min_commission_fen", 0)),
                Decimal(str(fees_map.get("stamp_duty_rate", "0"))),
                Decimal(str(fees_map.get("transfer_fee_rate", "0"))),
            )
            planner_map = values.get("planner") or {}
            planner = PlannerConfig(
                min_order_value=planner_map.get("min_order_value", 0.0),
                cash_reserve=planner_map.get("cash_reserve", 0.0),
            )
            limits_map = values.get("risk_limits", {})
            limits = None if limits_map is None else RiskLimits.from_mapping(limits_map)
            times = tuple(
                dt.time.fromisoformat(t)
                for t in values.get("rebalance_times") or [f"{DEFAULT_REBALANCE[0]:%H:%M}"]
            )
            return cls(
                strategy=strategy_from_mapping(values.get("strategy") or {"class": "TopkDropoutStrategy"}),
                rules=RebalanceRules(fees=fees, planner=planner, limits=limits),
                rebalance_times=times,
                bars=values.get("bars", "minute"),
                benchmark=str(values.get("benchmark", DEFAULT_BENCHMARK)),
            )
        except AistockError:
            raise
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise PreviewConfigError(
                f"preview configuration is not valid: {exc}", "check its fields"
            ) from exc

    @classmethod
    def from_json(cls, text: str) -> PreviewConfig:
        try:
            values = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PreviewConfigError(
                f"the stored preview configuration is not JSON ({exc})",
                "recreate the instance (its history stays readable once archived)",
            ) from exc
        if not isinstance(values, dict):
            raise PreviewConfigError(
                "the stored preview configuration is not an object", "recreate the instance"
            )
        return cls.from_mapping(values)


def strategy_to_mapping(strategy: StrategyConfig) -> dict[str, Any]:
    """qlib's ``{class, kwargs}`` for TopkDropout (RD-Agent's own spelling), ours for the rest."""
    if isinstance(strategy, TopkDropoutConfig):
        return {"class": "TopkDropoutStrategy", "kwargs": dataclasses.asdict(strategy)}
    if isinstance(strategy, EnhancedTopkDropoutConfig):
        kwargs = dataclasses.asdict(strategy.base) | {
            "min_score": strategy.min_score,
            "max_position_ratio": strategy.max_position_ratio,
            "stop_loss": strategy.stop_loss,
        }
        return {"class": "EnhancedTopkDropoutStrategy", "kwargs": kwargs}
    if isinstance(strategy, ScoreWeightConfig):
        return {"class": "ScoreWeight", "kwargs": dataclasses.asdict(strategy)}
    return {"class": "TargetWeight", "kwargs": dataclasses.asdict(strategy)}


def strategy_from_mapping(values: Mapping[str, Any]) -> StrategyConfig:
    name = str(values.get("class", ""))
    kwargs = dict(values.get("kwargs") or {})
    if name == "ScoreWeight":
        caps = WeightCaps(**kwargs.pop("caps", {}))
        return ScoreWeightConfig(caps=caps, **kwargs)
    if name == "TargetWeight":
        return TargetWeightConfig(caps=WeightCaps(**kwargs.pop("caps", {})))
    return strategy_from_qlib({"class": name, "kwargs": kwargs})
