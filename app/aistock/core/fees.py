"""What a trade costs: the broker's schedule, and qlib's cost model for research parity.

Two models on purpose. Paper and live books must match the broker's statement to the fen, so
the A-share schedule computes each component (commission with its minimum, stamp duty on sells,
transfer fee) in integer fen. Reconciling with RD-Agent needs qlib's simpler rule —
``max(value × rate, min_cost)`` with different open and close rates — reproduced exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for a buy (shares in), -1 for a sell."""
        return 1 if self is Side.BUY else -1


def yuan_to_fen(yuan: float | Decimal | str) -> int:
    """Yuan to whole fen, half up (the way brokers and exchanges round money)."""
    return int((Decimal(str(yuan)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _rate_of(amount_fen: int, rate: Decimal) -> Decimal:
    return Decimal(amount_fen) * rate


def _round_fen(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Fees:
    """The fee components of one fill, in fen."""

    commission: int = 0
    stamp_duty: int = 0
    transfer_fee: int = 0

    @property
    def total(self) -> int:
        return self.commission + self.stamp_duty + self.transfer_fee

    def __add__(self, other: Fees) -> Fees:
        return Fees(
            self.commission + other.commission,
            self.stamp_duty + other.stamp_duty,
            self.transfer_fee + other.transfer_fee,
        )


ZERO_FEES = Fees()


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """The broker's A-share schedule (defaults per DESIGN §4; every number configurable).

    Commission 0.025 % with a ¥5 minimum on both sides, stamp duty 0.05 % on sells only,
    transfer fee 0.001 % on both sides. Rates are decimals so a rate like 0.00025 is exact.
    """

    commission_rate: Decimal = Decimal("0.00025")
    min_commission_fen: int = 500
    stamp_duty_rate: Decimal = Decimal("0.0005")
    transfer_fee_rate: Decimal = Decimal("0.00001")

    def __post_init__(self) -> None:
        for name in ("commission_rate", "stamp_duty_rate", "transfer_fee_rate"):
            value = getattr(self, name)
            if not isinstance(value, Decimal):
                object.__setattr__(self, name, Decimal(str(value)))
            if getattr(self, name) < 0:
                raise ValueError(f"fee schedule {name} must not be negative, got {value}")
        if self.min_commission_fen < 0:
            raise ValueError("fee schedule min_commission_fen must not be negative")

    @classmethod
    def zero(cls) -> FeeSchedule:
        """No fees at all — the preview default the seed design asks for."""
        return cls(Decimal(0), 0, Decimal(0), Decimal(0))

    def fees(self, side: Side, amount_fen: int) -> Fees:
        """Fees for a fill of ``amount_fen`` (price × volume, in fen)."""
        if amount_fen < 0:
            raise ValueError(f"trade amount must not be negative, got {amount_fen} fen")
        if amount_fen == 0:
            return ZERO_FEES
        commission = max(_round_fen(_rate_of(amount_fen, self.commission_rate)), self.min_commission_fen)
        stamp = _round_fen(_rate_of(amount_fen, self.stamp_duty_rate)) if side is Side.SELL else 0
        transfer = _round_fen(_rate_of(amount_fen, self.transfer_fee_rate))
        return Fees(commission=commission, stamp_duty=stamp, transfer_fee=transfer)


@dataclass(frozen=True, slots=True)
class QlibCostModel:
    """qlib's ``Exchange`` cost: ``max(value × (open|close)_cost, min_cost)``, zero if no deal.

    Kept in float yuan on purpose: parity with qlib means doing what qlib does, rounding and all.
    """

    open_cost: float = 0.0005
    close_cost: float = 0.0015
    min_cost: float = 5.0

    def cost(self, side: Side, trade_value: float) -> float:
        if trade_value <= 1e-5:
            return 0.0
        rate = self.open_cost if side is Side.BUY else self.close_cost
        return max(trade_value * rate, self.min_cost)
