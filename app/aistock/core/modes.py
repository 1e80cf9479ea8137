"""The four modes of the one path: backtest, preview, paper, live.

Only the clock, the prices and the broker differ between them (DESIGN §2); the mode is carried
everywhere so that nothing can mistake a live account for a rehearsal.
"""

from __future__ import annotations

from enum import StrEnum


class AccountMode(StrEnum):
    BACKTEST = "backtest"
    PREVIEW = "preview"
    PAPER = "paper"
    LIVE = "live"

    @property
    def touches_real_money(self) -> bool:
        return self is AccountMode.LIVE
