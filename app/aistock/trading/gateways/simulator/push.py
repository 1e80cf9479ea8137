"""A push from the counter to its traders, and the callback each kind lands in.

The counter produces pushes per account; every connected trader subscribed to that account
receives its own copy (a callback may mutate what it is handed, as gateways sometimes do, and
must never change what another trader or a later query sees).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Final, Literal

PushKind = Literal["order", "trade", "asset", "position", "order_error", "cancel_error", "account_status"]

# The kinds faults can be armed for ("all" in a fault means any of these).
FAULT_KINDS: Final[tuple[PushKind, ...]] = (
    "order",
    "trade",
    "asset",
    "position",
    "order_error",
    "cancel_error",
)

CALLBACK_OF: Final[dict[PushKind, str]] = {
    "order": "on_stock_order",
    "trade": "on_stock_trade",
    "asset": "on_stock_asset",
    "position": "on_stock_position",
    "order_error": "on_order_error",
    "cancel_error": "on_cancel_error",
    "account_status": "on_account_status",
}


@dataclass(frozen=True, slots=True)
class Push:
    """One push. ``origin`` is the (session, seq, request) of the async call that caused it, so
    the originating trader can hold an error back until its async response has been delivered,
    as the real wrapper does; ``request`` is "order" or "cancel"."""

    kind: PushKind
    account_id: str
    payload: Any
    origin: tuple[int, int, str] | None = None

    def fresh(self) -> Any:
        """A copy of the payload for one delivery (never the same object twice)."""
        return copy.copy(self.payload)
