"""Pacing: a sliding one-second window and a daily budget, with an injected clock.

The per-second limit paces (the caller waits for a slot) rather than refusing: a 100-order
rebalance should go out at 10 a second, not lose 90 orders. The daily budget refuses, because
waiting for tomorrow is not pacing.
"""

from __future__ import annotations

from collections import deque


class RateWindow:
    """At most ``per_second`` events in any one-second window and ``per_day`` per day."""

    def __init__(self, per_second: int, per_day: int, used_today: int = 0) -> None:
        if per_second < 1 or per_day < 0 or used_today < 0:
            raise ValueError(
                f"a rate window needs per_second >= 1, per_day >= 0 and used_today >= 0, "
                f"got {per_second}, {per_day}, {used_today}"
            )
        self.per_second = per_second
        self.per_day = per_day
        self.used_today = used_today
        self._stamps: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        """Seconds until one more event fits the window (0.0: now); ``inf`` if the day is spent."""
        if self.used_today >= self.per_day:
            return float("inf")
        while self._stamps and now - self._stamps[0] >= 1.0:
            self._stamps.popleft()
        if len(self._stamps) < self.per_second:
            return 0.0
        return 1.0 - (now - self._stamps[0])

    def record(self, now: float) -> None:
        self._stamps.append(now)
        self.used_today += 1

    def new_day(self, used_today: int = 0) -> None:
        self.used_today = used_today
        self._stamps.clear()

    @property
    def remaining_today(self) -> int:
        return max(0, self.per_day - self.used_today)
