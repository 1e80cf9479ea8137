"""Faults the real miniQMT is known to commit, armed one by one so a test can prove a recovery.

Each fault is armed explicitly with a count (the next *n* pushes, calls or fills), so a test
states exactly what goes wrong and when; :meth:`FaultPlan.chaos` adds a seeded probabilistic
mode for property tests. The counter consults the plan for every push it fans out and every
order it accepts or fills; traders consult it for connects and for what their calls return.

What each fault imitates:

* ``disconnect`` — the client loses miniQMT: ``on_disconnected`` and a dead trader (reconnect
  needs a new trader and a new session id, vnpy_xt 6d37653). ``refuse_connects`` — connect
  fails, as outside trading hours (vnpy_xt #32).
* ``drop_pushes`` / ``no_asset_position_pushes`` — pushes that never arrive (vnpy_xt saw asset and
  position pushes never fire, 636b1f1/98c10b1).
* ``duplicate_pushes``, ``hold_pushes`` + ``release_held`` — repeated and out-of-order delivery
  (orders and trades arrive in no fixed order; bridge #51).
* ``order_returns_minus_one`` — order_stock says -1 although the order is live
  (xtquant_big_convert #152). ``cancel_return_lies`` — the cancel return code is not the truth
  (bridge #148, #151).
* ``reject_next`` — the counter turns orders into 废单 for a reason we did not foresee.
* ``overfill_next_fill`` — a bogus trade push that would overfill an order.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from aistock.core.errors import AistockError
from aistock.trading.gateways.simulator.push import FAULT_KINDS, Push

FaultKind = Literal["order", "trade", "asset", "position", "order_error", "cancel_error", "all"]
AsyncMinusOne = Literal["response", "seq"]
DEFAULT_REJECT_MSG = "柜台拒绝委托"


class FaultPlanError(AistockError, ValueError):
    """A fault armed with arguments that cannot mean anything."""


class FaultSink(Protocol):
    """The counter, as the plan sees it: somewhere to release held pushes and cut connections."""

    def _release(self, pushes: list[Push]) -> None: ...

    def _disconnect_all(self) -> None: ...


@dataclass
class _Chaos:
    drop: float = 0.0
    duplicate: float = 0.0
    delay: float = 0.0
    kinds: frozenset[str] = field(default_factory=lambda: frozenset(FAULT_KINDS))


class FaultPlan:
    """The faults armed against one counter (seeded, so a failing property test replays)."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.no_asset_position_pushes = False
        self.log: list[str] = []  # what was applied, in order — for test failure messages
        self._lock = threading.Lock()
        self._sink: FaultSink | None = None
        self._drop: dict[str, int] = {}
        self._dup: dict[str, list[tuple[int, int]]] = {}  # kind -> [(times, remaining n)]
        self._hold: dict[str, int] = {}
        self._held: list[Push] = []
        self._delayed: list[Push] = []
        self._refuse = 0
        self._minus_one: list[AsyncMinusOne] = []
        self._lies = 0
        self._rejects: list[str] = []
        self._overfill = 0
        self._chaos: _Chaos | None = None

    def _bind(self, sink: FaultSink) -> None:
        self._sink = sink

    # -- arming: pushes ----------------------------------------------------------------------------
    def drop_pushes(self, kind: FaultKind, n: int = 1) -> None:
        """Lose the next ``n`` pushes of ``kind``."""
        self._add(self._drop, _kind(kind), _count(n))

    def duplicate_pushes(self, kind: FaultKind, times: int = 2, n: int = 1) -> None:
        """Deliver each of the next ``n`` pushes of ``kind`` ``times`` times (fresh copies)."""
        if times < 2:
            raise FaultPlanError(
                f"duplicate_pushes needs times >= 2, got {times}", "use times=2 for a double"
            )
        with self._lock:
            self._dup.setdefault(_kind(kind), []).append((times, _count(n)))

    def hold_pushes(self, kind: FaultKind, n: int = 1) -> None:
        """Hold the next ``n`` pushes of ``kind`` back until :meth:`release_held`."""
        self._add(self._hold, _kind(kind), _count(n))

    def release_held(self, reverse: bool = True) -> int:
        """Deliver the held pushes now (newest first by default: out of order), and any that
        chaos delayed; returns how many."""
        with self._lock:
            held, self._held = self._held + self._delayed, []
            self._delayed = []
        if reverse:
            held.reverse()
        if held:
            self._require_sink()._release(held)
            self._note(f"released {len(held)} held push(es){' in reverse' if reverse else ''}")
        return len(held)

    @property
    def held_count(self) -> int:
        with self._lock:
            return len(self._held)

    def chaos(
        self,
        *,
        drop: float = 0.0,
        duplicate: float = 0.0,
        delay: float = 0.0,
        kinds: Iterable[FaultKind] = ("all",),
    ) -> None:
        """Seeded random faults on every push: each probability is per push; delayed pushes come
        back shuffled after the next matching step. ``calm()`` switches this off."""
        for name, p in (("drop", drop), ("duplicate", duplicate), ("delay", delay)):
            if not 0.0 <= p <= 1.0:
                raise FaultPlanError(f"chaos {name} probability {p} is outside 0..1", "pass a probability")
        wanted = {_kind(k) for k in kinds}
        chosen = frozenset(FAULT_KINDS) if "all" in wanted else frozenset(wanted)
        with self._lock:
            self._chaos = _Chaos(drop, duplicate, delay, chosen)

    def calm(self) -> None:
        """Disarm every push fault (held pushes stay held until released)."""
        with self._lock:
            self._drop.clear()
            self._dup.clear()
            self._hold.clear()
            self._chaos = None

    # -- arming: connection and calls ----------------------------------------------------------------
    def disconnect(self) -> None:
        """Cut every connected trader now: ``on_disconnected``, then dead; the counter keeps going."""
        self._note("disconnect")
        self._require_sink()._disconnect_all()

    def refuse_connects(self, n: int = 1) -> None:
        """The next ``n`` ``connect()`` calls fail (return non-zero)."""
        with self._lock:
            self._refuse += _count(n)

    def order_returns_minus_one(self, n: int = 1, *, async_mode: AsyncMinusOne = "response") -> None:
        """The next ``n`` order calls report failure although the order is accepted and live.

        ``order_stock`` returns -1. ``order_stock_async`` either delivers a response with
        ``order_id=-1`` and an error message (``async_mode="response"``) or returns -1 as its seq
        and never responds (``"seq"``).
        """
        if async_mode not in ("response", "seq"):
            raise FaultPlanError(f"unknown async_mode {async_mode!r}", "use 'response' or 'seq'")
        with self._lock:
            self._minus_one.extend([async_mode] * _count(n))

    def cancel_return_lies(self, n: int = 1) -> None:
        """The next ``n`` cancel calls return the opposite of what the counter did."""
        with self._lock:
            self._lies += _count(n)

    def reject_next(self, n: int = 1, status_msg: str = DEFAULT_REJECT_MSG) -> None:
        """The counter rejects the next ``n`` orders as 废单 (57) with ``status_msg``."""
        with self._lock:
            self._rejects.extend([status_msg] * _count(n))

    def overfill_next_fill(self) -> None:
        """After the next real fill, push one extra bogus trade that overfills the order."""
        with self._lock:
            self._overfill += 1

    # -- consulted by the counter and the traders --------------------------------------------------
    def route(self, push: Push) -> list[Push]:
        """What to deliver now for one push: nothing (dropped or held), once, or several times."""
        if push.kind not in FAULT_KINDS:
            return [push]
        with self._lock:
            if self._take(self._drop, push.kind):
                self._note_locked(f"dropped {push.kind} push")
                return []
            if self._take(self._hold, push.kind):
                self._held.append(push)
                self._note_locked(f"held {push.kind} push")
                return []
            times = self._take_dup(push.kind)
            if times:
                self._note_locked(f"duplicated {push.kind} push x{times}")
                return [push] * times
            chaos = self._chaos
            if chaos is not None and push.kind in chaos.kinds:
                roll = self.rng.random()
                if roll < chaos.drop:
                    self._note_locked(f"chaos dropped {push.kind} push")
                    return []
                if roll < chaos.drop + chaos.delay:
                    self._delayed.append(push)
                    self._note_locked(f"chaos delayed {push.kind} push")
                    return []
                if roll < chaos.drop + chaos.delay + chaos.duplicate:
                    self._note_locked(f"chaos duplicated {push.kind} push")
                    return [push, push]
            return [push]

    def end_of_step(self) -> list[Push]:
        """Pushes delayed by chaos, released shuffled after a matching step."""
        with self._lock:
            delayed, self._delayed = self._delayed, []
            self.rng.shuffle(delayed)
            return delayed

    def take_refuse_connect(self) -> bool:
        with self._lock:
            if self._refuse:
                self._refuse -= 1
                self._note_locked("refused a connect")
                return True
            return False

    def take_order_minus_one(self) -> AsyncMinusOne | None:
        with self._lock:
            if self._minus_one:
                self._note_locked("order call returns -1")
                return self._minus_one.pop(0)
            return None

    def take_cancel_lie(self) -> bool:
        with self._lock:
            if self._lies:
                self._lies -= 1
                self._note_locked("cancel call lies")
                return True
            return False

    def take_reject(self) -> str | None:
        with self._lock:
            if self._rejects:
                self._note_locked("forced a reject")
                return self._rejects.pop(0)
            return None

    def take_overfill(self) -> bool:
        with self._lock:
            if self._overfill:
                self._overfill -= 1
                self._note_locked("pushed a bogus overfill trade")
                return True
            return False

    # -- internals ---------------------------------------------------------------------------------
    def _add(self, table: dict[str, int], kind: str, n: int) -> None:
        with self._lock:
            table[kind] = table.get(kind, 0) + n

    @staticmethod
    def _take(table: dict[str, int], kind: str) -> bool:
        for key in (kind, "all"):
            if table.get(key, 0) > 0:
                table[key] -= 1
                return True
        return False

    def _take_dup(self, kind: str) -> int:
        for key in (kind, "all"):
            queue = self._dup.get(key)
            if queue:
                times, remaining = queue[0]
                if remaining <= 1:
                    queue.pop(0)
                else:
                    queue[0] = (times, remaining - 1)
                return times
        return 0

    def _require_sink(self) -> FaultSink:
        if self._sink is None:
            raise FaultPlanError(
                "this FaultPlan is not attached to a counter", "pass it as SimCounter(..., faults=plan)"
            )
        return self._sink

    def _note(self, text: str) -> None:
        with self._lock:
            self._note_locked(text)

    def _note_locked(self, text: str) -> None:
        self.log.append(text)


def _kind(kind: str) -> str:
    if kind != "all" and kind not in FAULT_KINDS:
        raise FaultPlanError(f"unknown push kind {kind!r}", f"use one of {', '.join(FAULT_KINDS)} or 'all'")
    return kind


def _count(n: int) -> int:
    if n < 1:
        raise FaultPlanError(f"a fault count must be at least 1, got {n}", "arm it for 1 or more events")
    return n
