"""The demo world's paper account lives at the built-in miniQMT and survives a restart."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from aistock.core.fees import Side
from aistock.core.orders import OrderRequest, OrderStatus
from aistock.store import WorkstationHome, open_store
from aistock.workflows.demo_world import DemoSettings, prepare_demo_world
from aistock.workflows.paper_demo import (
    DEMO_PAPER_ACCOUNT,
    demo_broker_dir,
    demo_paper_account,
    wait_reconciled,
)

SETTINGS = DemoSettings(seed=4, stocks=25, days=120, minute_days=1, end=dt.date(2025, 11, 21), rdagent=False)


def test_the_demo_paper_account_opens_trades_and_persists(tmp_path: Path) -> None:
    home = WorkstationHome(tmp_path / "home").ensure()
    with open_store(home) as store:
        world = prepare_demo_world(home, store, SETTINGS)
        assert DEMO_PAPER_ACCOUNT in world.paper_note and "book matches broker" in world.paper_note
        assert "¥1,000,000.00" in world.paper_note
        assert (demo_broker_dir(home) / "counter.json").is_file()
        data = world.data_service()
        with demo_paper_account(home, store, data, poll_interval_s=0.05) as (counter, account):
            assert wait_reconciled(account)
            code = next(c for c in counter.market.codes if not counter.market.reference(c).suspended)  # type: ignore[attr-defined,union-attr]
            ref = counter.market.reference(code)
            assert ref is not None and ref.up_limit is not None
            cid = account.manager.place_order(OrderRequest(code, Side.BUY, 200, price=ref.up_limit))
            counter.advance(30)
            assert account.manager.wait_idle(10)
            assert account.manager.reconcile_now("test").matched
    # A new process (here: a new store and a new counter from the state file) sees the same account.
    with open_store(home) as store:
        again = prepare_demo_world(home, store, SETTINGS)
        assert "book matches broker" in again.paper_note
        with demo_paper_account(home, store, again.data_service(), poll_interval_s=0.05) as (
            counter,
            account,
        ):
            assert wait_reconciled(account)
            [order] = account.service.get_orders(DEMO_PAPER_ACCOUNT)
            assert order.client_order_id == cid and order.status is OrderStatus.FILLED
            broker = counter.account(DEMO_PAPER_ACCOUNT)
            assert {p.code: p.volume for p in account.service.get_current_positions(DEMO_PAPER_ACCOUNT)} == {
                c: p.volume for c, p in broker.book.positions.items()
            }
