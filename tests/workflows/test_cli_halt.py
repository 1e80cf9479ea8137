"""``aistock halt`` / ``aistock resume`` on a demo home, with and without a running workstation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from aistock.cli import app
from aistock.core.fees import Side
from aistock.core.orders import OrderRequest, OrderStatus
from aistock.core.trading_state import TradingState
from aistock.store import SettingsRepository, WorkstationHome, open_store
from aistock.trading.oms.manager import OrderRefused
from aistock.trading.risk.state import HALT_REQUEST_FILE
from aistock.workflows.demo_world import DemoSettings, prepare_demo_world
from aistock.workflows.paper_demo import (
    DEMO_PAPER_ACCOUNT,
    demo_paper_account,
    trading_state_of,
    wait_reconciled,
)

SETTINGS = DemoSettings(seed=4, stocks=25, days=120, minute_days=1, end=dt.date(2025, 11, 21), rdagent=False)
runner = CliRunner()


def _resting_order(home: WorkstationHome) -> str:
    with open_store(home) as store:
        world = prepare_demo_world(home, store, SETTINGS)
        assert world.trading_state.startswith("ACTIVE")
        with demo_paper_account(home, store, world.data_service(), poll_interval_s=0.05) as (
            counter,
            account,
        ):
            assert wait_reconciled(account)
            code = next(c for c in counter.market.codes if not counter.market.reference(c).suspended)  # type: ignore[attr-defined,union-attr]
            ref = counter.market.reference(code)
            assert ref is not None and ref.down_limit is not None
            return account.manager.place_order(OrderRequest(code, Side.BUY, 100, price=ref.down_limit))


def test_halt_cancels_and_persists_and_resume_asks_first(tmp_path: Path) -> None:
    home = WorkstationHome(tmp_path / "home").ensure()
    resting = _resting_order(home)
    args = ["--home", str(home.root)]

    result = runner.invoke(app, ["halt", *args, "--reason", "fat finger upstream"])
    assert result.exit_code == 0, result.output
    assert "HALTED" in result.output and "1 cancel(s) sent" in result.output

    with open_store(home) as store:
        world = prepare_demo_world(home, store, SETTINGS)
        # The summary's first line is the trading state.
        assert world.trading_state.startswith("HALTED — fat finger upstream")
        with demo_paper_account(home, store, world.data_service(), poll_interval_s=0.05) as (
            counter,
            account,
        ):
            assert wait_reconciled(account)
            counter.advance(1)  # the exchange answers the cancel on its next minute
            account.manager.wait_idle(5)
            account.manager.reconcile_now("test")
            [order] = account.service.get_orders(DEMO_PAPER_ACCOUNT)
            assert order.client_order_id == resting and order.status is OrderStatus.CANCELLED
            try:
                account.manager.place_order(OrderRequest(order.code, Side.BUY, 100, price=order.price))
                raise AssertionError("an order went out while HALTED")
            except OrderRefused as exc:
                assert "HALTED" in str(exc)

    status = runner.invoke(app, ["risk", "status", *args])
    assert status.exit_code == 0, status.output
    assert (
        "HALTED" in status.output
        and "fat finger upstream" in status.output
        and "kill_switch" in status.output
    )

    declined = runner.invoke(app, ["resume", *args], input="n\n")
    assert declined.exit_code == 1 and "Nothing changed" in declined.output
    with open_store(home) as store:
        assert trading_state_of(home, store).current().state is TradingState.HALTED

    released = runner.invoke(app, ["resume", *args, "--reducing", "--yes", "--reason", "checked"])
    assert released.exit_code == 0, released.output
    assert "HALTED → REDUCING" in released.output
    with open_store(home) as store:
        assert trading_state_of(home, store).current().state is TradingState.REDUCING


def test_halt_while_a_workstation_holds_the_home_writes_a_request(tmp_path: Path) -> None:
    home = WorkstationHome(tmp_path / "home").ensure()
    with open_store(home) as store:  # stands for the running workstation
        state = trading_state_of(home, store)
        result = runner.invoke(app, ["halt", "--home", str(home.root), "--wait", "0.2"])
        assert result.exit_code == 0, result.output
        assert "HALT requested" in result.output and "has not taken the request yet" in result.output
        assert (home.root / HALT_REQUEST_FILE).is_file()
        # The running workstation's gate refuses at once, before its watcher has acted.
        snapshot = state.current()
        assert snapshot.state is TradingState.HALTED and snapshot.requested_halt
        assert state.stored().state is TradingState.ACTIVE


def test_paper_order_passes_the_risk_engine(tmp_path: Path) -> None:
    home = WorkstationHome(tmp_path / "home").ensure()
    with open_store(home) as store:
        world = prepare_demo_world(home, store, SETTINGS)
        with demo_paper_account(home, store, world.data_service(), poll_interval_s=0.05) as (
            counter,
            account,
        ):
            assert wait_reconciled(account)
            code = next(c for c in counter.market.codes if not counter.market.reference(c).suspended)  # type: ignore[attr-defined,union-attr]
            ref = counter.market.reference(code)
            assert ref is not None and ref.up_limit is not None
        SettingsRepository(store).set("risk.limits", {"blacklist": [code]})
    args = ["--home", str(home.root)]
    denied = runner.invoke(
        app, ["paper", "order", code, "buy", "100", "--price", f"{ref.pre_close:.2f}", *args]
    )
    assert denied.exit_code == 1, denied.output
    assert "blacklisted" in denied.output and "sent AI" not in denied.output
    with open_store(home) as store:
        SettingsRepository(store).set("risk.limits", {"max_order_notional": 1_000_000.0})
    too_far = runner.invoke(
        app, ["paper", "order", code, "buy", "100", "--price", f"{ref.up_limit + 0.01:.2f}", *args]
    )
    assert too_far.exit_code == 1 and "outside_limit_band" in too_far.output
    sent = runner.invoke(app, ["paper", "order", code, "buy", "100", "--price", f"{ref.up_limit:.2f}", *args])
    assert sent.exit_code == 0, sent.output
    assert "sent AI" in sent.output
