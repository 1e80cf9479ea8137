"""The simulated miniQMT process: a broker counter and exchange for one or more accounts.

A real miniQMT outlives the traders that connect to it, keeps the broker's books, and tells
every subscribed trader what happened — or fails to. :class:`SimCounter` is that process. It is
served at a userdata path (:meth:`SimCounter.serve`), where ``MiniQmtSimulator(path, session)``
finds it exactly as ``XtQuantTrader`` finds the real client. Its clock is a minute index into
the replayed day (see :mod:`.market`); :meth:`advance_to` matches live orders bar by bar.

Everything is behind one lock, and every mutation is saved (atomically) *before* its pushes go
out: a trader can never have seen a fill that a restarted counter does not know. With a
``state_path``, a SIGKILLed process restarts with :meth:`SimCounter.load` exactly where the
broker was, as a real counter would.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from xtquant import xtconstant
from xtquant.xttype import XtAccountStatus

from aistock.core.fees import FeeSchedule
from aistock.trading.gateways.simulator.account import AccountSeed, SimAccount, open_account
from aistock.trading.gateways.simulator.algo import AlgoDesk
from aistock.trading.gateways.simulator.desk import OrderDesk, Origin, SimCounterError, market_enum_of
from aistock.trading.gateways.simulator.faults import FaultPlan
from aistock.trading.gateways.simulator.market import SimMarket, minute_index_at
from aistock.trading.gateways.simulator.persist import (
    STATE_VERSION,
    fees_from_json,
    fees_to_json,
    read_state,
    saved_day_of,
    write_atomic,
)
from aistock.trading.gateways.simulator.push import Push
from aistock.trading.gateways.simulator.rules import OrderAsk

__all__ = ["SimCounter", "SimCounterError", "TraderLink", "XtAccountInfo"]


class XtAccountInfo:
    """One account as ``query_account_infos`` reports it (xttype has no class for it)."""

    def __init__(self, account_id: str, account_type: int, login_status: int) -> None:
        self.account_id = account_id
        self.account_type = account_type
        self.broker_type = account_type
        self.platform_id = 0
        self.account_classification = 0
        self.login_status = login_status


class TraderLink(Protocol):
    """A connected trader, as the counter sees it."""

    @property
    def session(self) -> int: ...

    def _accepts(self, account_id: str) -> bool: ...

    def _deliver(self, push: Push) -> None: ...

    def _kill(self) -> None: ...


_REGISTRY: dict[str, SimCounter] = {}
_REGISTRY_LOCK = threading.Lock()


def _registry_key(path: str | os.PathLike[str]) -> str:
    return os.path.normcase(str(Path(path).resolve()))


class SimCounter:
    """Broker counter + exchange for the accounts it was opened with (thread-safe)."""

    def __init__(
        self,
        market: SimMarket,
        accounts: Mapping[str, float | AccountSeed],
        *,
        fees: FeeSchedule | None = None,
        participation: float = 0.25,
        state_path: Path | None = None,
        faults: FaultPlan | None = None,
        report_waiting: bool = False,
    ) -> None:
        if not accounts:
            raise SimCounterError("a counter needs at least one account", "pass {'account id': cash}")
        if state_path is not None and Path(state_path).exists():
            raise SimCounterError(
                f"broker state already exists at {state_path}",
                "resume it with SimCounter.load(path, market), or delete the file to start over",
            )
        names = {code: ref.name for code in getattr(market, "codes", ()) if (ref := market.reference(code))}
        opened = {
            str(a): open_account(str(a), seed, market.session_day, names) for a, seed in accounts.items()
        }
        plan = faults if faults is not None else FaultPlan()
        desk = OrderDesk(market, opened, fees or FeeSchedule(), participation, plan, report_waiting)
        for account in opened.values():
            desk.refresh_last_prices(account)
        self._init(desk, AlgoDesk(), state_path, plan)
        self._save()

    def _init(self, desk: OrderDesk, algos: AlgoDesk, state_path: Path | None, faults: FaultPlan) -> None:
        self._lock = threading.RLock()
        self._desk = desk
        self._algos = algos
        self._state_path = Path(state_path) if state_path is not None else None
        self._faults = faults
        faults._bind(self)
        self._links: list[TraderLink] = []
        self._burned_sessions: set[int] = set()
        self._served_at: str | None = None

    # -- properties --------------------------------------------------------------------------------
    @property
    def market(self) -> SimMarket:
        return self._desk.market

    @property
    def session_day(self) -> dt.date:
        return self._desk.session_day

    @property
    def minute(self) -> int:
        """The clock: how many bars of the day have been matched (0 = open, 240 = close)."""
        return self._desk.clock

    @property
    def closed(self) -> bool:
        return self._desk.closed

    @property
    def faults(self) -> FaultPlan:
        return self._faults

    @property
    def fees(self) -> FeeSchedule:
        return self._desk.fees

    @property
    def account_ids(self) -> tuple[str, ...]:
        return tuple(self._desk.accounts)

    @property
    def state_path(self) -> Path | None:
        return self._state_path

    def has_account(self, account_id: str) -> bool:
        return account_id in self._desk.accounts

    def account(self, account_id: str) -> SimAccount:
        """The account's books (for inspection; change them only through orders)."""
        return self._desk.account(account_id)

    def epoch(self, minute: int) -> int:
        """Epoch seconds of a clock position on the session day (15:00 for the close)."""
        return self._desk.epoch(minute)

    # -- the registry: "miniQMT running at path" ----------------------------------------------------
    def serve(self, path: str | os.PathLike[str]) -> SimCounter:
        """Run this counter at userdata path ``path``, where traders will find it."""
        key = _registry_key(path)
        with _REGISTRY_LOCK:
            other = _REGISTRY.get(key)
            if other is not None and other is not self:
                raise SimCounterError(
                    f"a simulated miniQMT is already running at {path}",
                    "shut that counter down first, or serve this one at another path",
                )
            if self._served_at is not None and self._served_at != key:
                raise SimCounterError(
                    f"this counter already runs at {self._served_at}", "shut it down before serving elsewhere"
                )
            _REGISTRY[key] = self
            self._served_at = key
        return self

    def shutdown(self) -> None:
        """Stop serving (miniQMT closed): connected traders are disconnected."""
        with _REGISTRY_LOCK:
            if self._served_at is not None and _REGISTRY.get(self._served_at) is self:
                del _REGISTRY[self._served_at]
            self._served_at = None
        self._disconnect_all()

    @staticmethod
    def running_at(path: str | os.PathLike[str]) -> SimCounter | None:
        with _REGISTRY_LOCK:
            return _REGISTRY.get(_registry_key(path))

    # -- connections (used by MiniQmtSimulator and FaultPlan) --------------------------------------
    def _attach(self, link: TraderLink) -> int:
        """0 when ``link`` may connect; -1 for a session id in use or cut by a disconnect."""
        with self._lock:
            if link.session in self._burned_sessions or any(x.session == link.session for x in self._links):
                return -1
            self._links.append(link)
            return 0

    def _detach(self, link: TraderLink) -> None:
        with self._lock:
            if link in self._links:
                self._links.remove(link)

    def _disconnect_all(self) -> None:
        with self._lock:
            links, self._links = self._links, []
            for link in links:
                self._burned_sessions.add(link.session)
                link._kill()

    def _release(self, pushes: list[Push]) -> None:
        with self._lock:
            self._fan_out(pushes)

    # -- orders ----------------------------------------------------------------------------------------
    def place(
        self,
        account_id: str,
        stock_code: str,
        order_type: int,
        volume: int,
        price_type: int,
        price: float,
        strategy_name: str = "",
        order_remark: str = "",
        *,
        origin: Origin | None = None,
    ) -> int:
        """Accept or reject one order; returns its order id (a 废单 has one too)."""
        with self._lock:
            pushes: list[Push] = []
            ask = OrderAsk(stock_code, order_type, volume, price_type, price)
            account = self._desk.account(account_id)
            order_id = self._desk.place(account, ask, strategy_name, order_remark, pushes, origin=origin)
            self._commit(pushes)
            return order_id

    def cancel(self, account_id: str, order_id: int, *, origin: Origin | None = None) -> int:
        """Ask to cancel; 0 if the request was sent, -1 if it cannot be (plus an XtCancelError).

        A sent cancel shows 51 (52 if partly filled) at once and becomes final after the next
        matching step has run — so that step can still fill the order.
        """
        with self._lock:
            account = self._desk.account(account_id)
            pushes: list[Push] = []
            result = self._desk.cancel(account, account.orders.get(order_id), order_id, pushes, origin=origin)
            self._commit(pushes)
            return result

    def cancel_by_sysid(
        self, account_id: str, market: int | str, order_sysid: str, *, origin: Origin | None = None
    ) -> int:
        """Cancel by counter contract number; ``market`` is 0/1/70 or 'SH'/'SZ'/'BJ'."""
        with self._lock:
            account = self._desk.account(account_id)
            enum = market_enum_of(market)
            rec = self._desk.find_by_sysid(account, enum, order_sysid)
            pushes: list[Push] = []
            order_id = rec.order_id if rec else -1
            result = self._desk.cancel(
                account, rec, order_id, pushes, origin=origin, sysid=order_sysid, market=enum
            )
            self._commit(pushes)
            return result

    # -- the clock ---------------------------------------------------------------------------------
    def advance(self, n: int = 1) -> int:
        """Match the next ``n`` minute bars; returns the new clock."""
        return self.advance_to(self._desk.clock + n)

    def advance_to(self, minute_index: int) -> int:
        """Match every bar from the clock up to (not including) ``minute_index``; returns the clock.

        ``minute_index`` is capped at the close (240). Asking for the past is a no-op.
        """
        with self._lock:
            target = min(int(minute_index), len(self._desk.market.minutes))
            while self._desk.clock < target:
                pushes: list[Push] = []
                self._algos.place_due(self._desk, pushes)
                self._desk.match_minute(pushes)
                self._algos.update(self._desk)
                self._desk.clock += 1
                pushes.extend(self._faults.end_of_step())
                self._commit(pushes)
            return self._desk.clock

    def advance_to_time(self, moment: dt.time) -> int:
        """Advance to the wall-clock time of day ``moment`` (drive a replayed day from a live clock)."""
        return self.advance_to(minute_index_at(moment, self._desk.market.minutes))

    def roll_day(self, market: SimMarket) -> None:
        """Close the session and open ``market``'s day: live orders expire (53/54, frozen released,
        pushed), algo tasks end, bought shares become sellable (T+1), today's orders and trades
        are cleared (queries answer for the new day only). Ids keep counting."""
        with self._lock:
            pushes: list[Push] = []
            self._desk.roll(market, pushes)
            self._algos.end_day()
            self._commit(pushes)

    # -- smart algo ------------------------------------------------------------------------------------
    def smart_algo_order(
        self,
        account_id: str,
        stock_code: str,
        order_type: int,
        order_volume: int,
        price_type: int,
        price: float,
        strategy_name: str,
        order_remark: str,
        algo_name: str,
        start_time: str,
        end_time: str,
        algo_param: Mapping[str, Any] | None = None,
    ) -> tuple[int, str]:
        """Create a task whose slices become ordinary orders; ``(task_id, "")`` or ``(-1, why)``."""
        with self._lock:
            ask = OrderAsk(stock_code, order_type, order_volume, price_type, price)
            result = self._algos.create(
                self._desk,
                account_id,
                ask,
                strategy_name,
                order_remark,
                algo_name,
                start_time,
                end_time,
                algo_param,
            )
            self._commit([])
            return result

    def cancel_smart_algo_task(self, account_id: str, task_id: int) -> tuple[bool, str]:
        """Stop a task: no more slices, open children cancelled; ``(success, message)``."""
        with self._lock:
            pushes: list[Push] = []
            result = self._algos.cancel(self._desk, account_id, task_id, pushes)
            self._commit(pushes)
            return result

    def query_smart_algo_task(self, account_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return self._algos.tasks_of(self._desk, account_id)

    # -- queries (fresh xtquant objects every time) ------------------------------------------------
    def asset(self, account_id: str) -> Any:
        with self._lock:
            return self._desk.account(account_id).asset()

    def orders(self, account_id: str, cancelable_only: bool = False) -> list[Any]:
        """Today's orders; ``cancelable_only`` leaves out final ones and those already being cancelled."""
        with self._lock:
            account = self._desk.account(account_id)
            return [
                self._desk.order_obj(account, o)
                for o in account.orders.values()
                if not cancelable_only or (o.is_live and not o.cancel_requested)
            ]

    def order(self, account_id: str, order_id: int) -> Any:
        with self._lock:
            account = self._desk.account(account_id)
            rec = account.orders.get(order_id)
            return self._desk.order_obj(account, rec) if rec else None

    def trades(self, account_id: str) -> list[Any]:
        with self._lock:
            account = self._desk.account(account_id)
            return [account.trade(t, self._desk.epoch(t.minute)) for t in account.trades]

    def positions(self, account_id: str) -> list[Any]:
        with self._lock:
            return self._desk.account(account_id).positions()

    def position(self, account_id: str, stock_code: str) -> Any:
        with self._lock:
            account = self._desk.account(account_id)
            return account.position(stock_code) if stock_code in account.book.positions else None

    def query_account_status(self) -> list[Any]:
        ok, kind = xtconstant.ACCOUNT_STATUS_OK, xtconstant.SECURITY_ACCOUNT
        return [XtAccountStatus(aid, kind, ok) for aid in self.account_ids]

    def query_account_infos(self) -> list[XtAccountInfo]:
        ok, kind = xtconstant.ACCOUNT_STATUS_OK, xtconstant.SECURITY_ACCOUNT
        return [XtAccountInfo(aid, kind, ok) for aid in self.account_ids]

    # -- pushes and persistence --------------------------------------------------------------------
    def _commit(self, pushes: list[Push]) -> None:
        """Save, then tell the traders: a push never runs ahead of the saved state."""
        self._save()
        self._fan_out([out for push in pushes for out in self._faults.route(push)])

    def _fan_out(self, pushes: list[Push]) -> None:
        for push in pushes:
            for link in list(self._links):
                if link._accepts(push.account_id):
                    link._deliver(push)

    def state(self) -> dict[str, Any]:
        """The whole broker state as JSON-ready data (what :meth:`load` restores)."""
        with self._lock:
            return {
                "version": STATE_VERSION,
                "session_day": self.session_day.isoformat(),  # top level: read without a market
                "fees": fees_to_json(self._desk.fees),
                "desk": self._desk.to_json(),
                "algo": self._algos.to_json(),
            }

    def _save(self) -> None:
        if self._state_path is not None:
            write_atomic(self._state_path, self.state())

    @staticmethod
    def saved_session_day(state_path: Path) -> dt.date:
        """The session day a saved broker is on — to pick the market to :meth:`load` it with."""
        return saved_day_of(read_state(Path(state_path), None))

    @classmethod
    def load(cls, state_path: Path, market: SimMarket, *, faults: FaultPlan | None = None) -> SimCounter:
        """Resume the broker saved at ``state_path``; ``market`` must be the saved session's day."""
        path = Path(state_path)
        data = read_state(path, market.session_day)
        plan = faults if faults is not None else FaultPlan()
        desk = OrderDesk.from_json(data["desk"], market, fees_from_json(data["fees"]), plan)
        counter = cls.__new__(cls)
        counter._init(desk, AlgoDesk.from_json(data["algo"]), path, plan)
        return counter

    def __repr__(self) -> str:
        return (
            f"SimCounter({self.session_day}, minute {self.minute}, accounts {', '.join(self.account_ids)}, "
            f"served at {self._served_at or '-'})"
        )
