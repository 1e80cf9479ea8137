"""Pre-trade risk, pure: limits, the context a decision is made in, the rules, pacing."""

from aistock.core.risk.codes import Outcome, RiskCode, RiskReason
from aistock.core.risk.context import AccountSnapshot, HeldPosition, NavMarks, Quote, RiskContext
from aistock.core.risk.limits import RiskConfigError, RiskLimits
from aistock.core.risk.rate import RateWindow
from aistock.core.risk.validate import RiskDecision, RiskVerdict, buy_cost, max_affordable, validate

__all__ = [
    "AccountSnapshot",
    "HeldPosition",
    "NavMarks",
    "Outcome",
    "Quote",
    "RateWindow",
    "RiskCode",
    "RiskConfigError",
    "RiskContext",
    "RiskDecision",
    "RiskLimits",
    "RiskReason",
    "RiskVerdict",
    "buy_cost",
    "max_affordable",
    "validate",
]
