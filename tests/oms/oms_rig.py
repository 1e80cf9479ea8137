"""A paper account on the simulator for the order-book tests: counter, gateway, OMS, views.

Importable helper (tests have no packages); the fixtures in ``conftest.py`` build it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from aistock.core.fees import yuan_to_fen
from aistock.core.orders import OrderRequest
from aistock.store import Store
from aistock.trading.account_service import AccountService
from aistock.trading.gateways.miniqmt.gateway import wait_for
from aistock.trading.gateways.simulator import MiniQmtSimulator, SimCounter
from aistock.trading.oms.manager import OrderGate, OrderManager, ReconcileReport
from aistock.trading.paper import BrokerAccount, connect_account

ACCOUNT = "8886660001"


@dataclass
class Rig:
    counter: SimCounter
    store: Store
    userdata: str
    account: BrokerAccount | None = None

    @property
    def oms(self) -> OrderManager:
        assert self.account is not None, "connect() first"
        return self.account.manager

    @property
    def service(self) -> AccountService:
        return AccountService(self.store)

    def connect(self, *, poll: float = 0.05, gate: OrderGate | None = None) -> OrderManager:
        self.account = connect_account(
            self.store,
            ACCOUNT,
            self.userdata,
            MiniQmtSimulator,
            trading_day=lambda: self.counter.session_day,
            poll_interval_s=poll,
            backoff_initial_s=0.01,
            backoff_max_s=0.05,
            gate=gate,
        )
        assert wait_for(lambda: self.oms.last_reconcile is not None, 10), "no start-up reconciliation"
        return self.oms

    def place(self, request: OrderRequest) -> str:
        return self.oms.place_order(request)

    def advance(self, minutes: int = 1) -> None:
        self.counter.advance(minutes)

    def settle(self) -> ReconcileReport:
        """Let everything land: held pushes released, queue drained, then reconcile."""
        self.counter.faults.release_held()
        for _ in range(200):  # a disconnect may still be in progress: ask again once it is back
            assert wait_for(lambda: self.oms.gateway.state.value == "connected", 10), "no reconnect"
            assert self.oms.wait_idle(10)
            report = self.oms.reconcile_now("test")
            assert self.oms.wait_idle(10)
            if not report.note:
                return report
            time.sleep(0.01)
        return report

    # -- the two sides of the comparison ------------------------------------------------------------
    def book(self) -> tuple[dict[str, int], int]:
        positions = {p.code: p.volume for p in self.service.get_current_positions(ACCOUNT)}
        cash = self.service.get_cash_and_asset(ACCOUNT)
        return positions, yuan_to_fen(cash.cash)

    def broker(self) -> tuple[dict[str, int], int]:
        account = self.counter.account(ACCOUNT)
        positions = {code: p.volume for code, p in account.book.positions.items() if p.volume}
        return positions, account.book.cash_fen

    def assert_book_equals_broker(self) -> None:
        assert self.book() == self.broker()

    def close(self) -> None:
        if self.account is not None:
            self.account.close()
            self.account = None


def remarks_at_broker(counter: SimCounter) -> list[str]:
    return [o.order_remark for o in counter.orders(ACCOUNT)]
