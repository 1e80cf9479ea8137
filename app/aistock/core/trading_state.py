"""The trading state: what new orders the workstation may send at all.

Three states, as trading desks run them. ``ACTIVE`` trades normally. ``REDUCING`` lets only
orders through that shrink exposure — for a long-only cash account, sells. ``HALTED`` lets no
new order through; cancels always pass, in every state, because a cancel can only lower risk.
The kill-switch moves to ``HALTED``; only a person moves back.
"""

from __future__ import annotations

from enum import StrEnum

from aistock.core.fees import Side


class TradingState(StrEnum):
    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"

    def permits(self, side: Side) -> bool:
        """Whether a new order on ``side`` may be sent in this state."""
        if self is TradingState.ACTIVE:
            return True
        if self is TradingState.REDUCING:
            return side is Side.SELL
        return False

    @property
    def severity(self) -> int:
        """Higher is stricter: when two sources disagree, the stricter state wins."""
        return {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}[self]

    def refusal(self, side: Side) -> str:
        """Why an order on ``side`` is refused in this state ("" when it is not)."""
        if self.permits(side):
            return ""
        if self is TradingState.REDUCING:
            return "trading is REDUCING: only orders that reduce exposure (sells) may be sent"
        return "trading is HALTED by the kill-switch: no new orders may be sent (cancels still pass)"


def stricter(a: TradingState, b: TradingState) -> TradingState:
    return a if a.severity >= b.severity else b
