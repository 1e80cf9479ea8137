"""Pre-trade risk cost per order, and how fast the kill-switch stops everything.

qlib has no pre-trade risk layer and no kill-switch (its ``Exchange`` only decides, inside a
backtest, whether a deal can happen), so the peers here are the calls we wrap:

* **validation** — batches of 1, 100 and 1,000 orders judged by the pure rules
  (:func:`aistock.core.risk.validate`) and by the full :class:`RiskEngine` (account read from
  the store through AccountService, quotes from the simulated market, NAV marks written,
  denials recorded). Printed as microseconds per order.
* **kill-switch** — N resting orders at the built-in miniQMT; ``KillSwitch.engage`` is timed to
  the moment no order can be admitted (HALTED) and to the last cancel request handed to the
  gateway, beside the bare cost of N ``cancel_order_stock_async`` calls on the same simulator.
  The kill-switch paces its cancels at 150/s (half the exchanges' 300/s line) on purpose, so
  its time to the last cancel is dominated by that pacing, not by our code.

Usage::

    .venv/bin/python benchmarks/bench_risk.py [--provider DIR] [--resting 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from xtquant import xtconstant, xttype

from aistock.core.fees import Side
from aistock.core.orders import OrderRequest, PriceType
from aistock.core.risk import AccountSnapshot, HeldPosition, RiskContext, RiskLimits, validate
from aistock.core.trading_state import TradingState
from aistock.data.demo_market import build_demo_market
from aistock.data.qlib_provider import QlibProviderSource
from aistock.data.service import DataService
from aistock.store import WorkstationHome, open_store
from aistock.trading.account_service import AccountService
from aistock.trading.gateways.miniqmt.gateway import wait_for
from aistock.trading.gateways.simulator import AccountSeed, DemoMinuteTape, MiniQmtSimulator, SimCounter
from aistock.trading.monitoring import MonitoringService
from aistock.trading.paper import connect_account
from aistock.trading.risk.engine import RiskEngine
from aistock.trading.risk.kill_switch import KillSwitch
from aistock.trading.risk.quotes import MarketQuotes
from aistock.trading.risk.state import TradingStateService

ACCOUNT = "8880000002"
LIMITS = RiskLimits(max_single_weight=0.5, max_industry_weight=1.0, max_orders_per_day=5_000)


def _batch(tape: DemoMinuteTape, codes: list[str], size: int) -> list[OrderRequest]:
    out = []
    for i in range(size):
        code = codes[i % len(codes)]
        ref = tape.reference(code)
        assert ref is not None
        side = Side.SELL if i % 4 == 0 else Side.BUY
        out.append(OrderRequest(code, side, 100 * (1 + i % 5), PriceType.LIMIT, ref.pre_close))
    return out


def bench_validation(tape: DemoMinuteTape, data: DataService, root: Path) -> None:
    codes = [c for c in tape.codes if (r := tape.reference(c)) is not None and not r.suspended][:50]
    holdings = {c: (10_000, 10.0) for c in codes[:20]}
    counter = SimCounter(tape, {ACCOUNT: AccountSeed(50_000_000.0, holdings)}, state_path=root / "v.json")
    userdata = str(root / "v_userdata")
    counter.serve(userdata)
    counter.advance(30)
    store = open_store(WorkstationHome(root / "v_home"))
    account = connect_account(
        store, ACCOUNT, userdata, MiniQmtSimulator, trading_day=lambda: counter.session_day, poll_interval_s=5
    )
    assert wait_for(lambda: account.manager.last_reconcile is not None, 20)
    monitoring = MonitoringService(store)
    state = TradingStateService(store, monitoring=monitoring)
    quotes = MarketQuotes(lambda: tape, lambda: counter.minute, data=data)
    engine = RiskEngine(store, AccountService(store), quotes, state, limits=LIMITS, monitoring=monitoring)
    context = engine.context(ACCOUNT, codes)
    print(
        f"{'batch':>6} | {'pure validate µs/order':>22} | {'RiskEngine µs/order':>20} | "
        "approved/shrunk/denied"
    )
    for size in (1, 100, 1_000):
        batch = _batch(tape, codes, size)
        repeats = max(3, 2_000 // size)
        pure = []
        for _ in range(repeats):
            started = time.perf_counter()
            verdict = validate(batch, context, LIMITS)
            pure.append((time.perf_counter() - started) / size)
        full = []
        for _ in range(max(3, repeats // 10)):
            started = time.perf_counter()
            verdict = engine.validate(ACCOUNT, batch)
            full.append((time.perf_counter() - started) / size)
        counts = f"{len(verdict.approved) - len(verdict.shrunk)}/{len(verdict.shrunk)}/{len(verdict.denied)}"
        print(
            f"{size:>6} | {statistics.median(pure) * 1e6:>22.1f} | "
            f"{statistics.median(full) * 1e6:>20.1f} | {counts}"
        )
    halted = RiskContext(
        AccountSnapshot(ACCOUNT, 1e6, 1e6, {c: HeldPosition(c, 100, 100) for c in codes}),
        context.quotes,
        TradingState.HALTED,
    )
    started = time.perf_counter()
    validate(_batch(tape, codes, 1_000), halted, LIMITS)
    print(f"HALTED batch of 1,000 refused in {(time.perf_counter() - started) * 1e3:.2f} ms")
    account.close()
    counter.shutdown()
    store.close()


def bench_kill(tape: DemoMinuteTape, root: Path, resting: int) -> None:
    code = next(
        c for c in tape.codes if (r := tape.reference(c)) is not None and not r.suspended and r.down_limit
    )
    ref = tape.reference(code)
    assert ref is not None and ref.down_limit is not None
    # The bare peer: N resting orders placed and cancelled straight through the simulator.
    bare_counter = SimCounter(tape, {ACCOUNT: AccountSeed(1e9)}, state_path=root / "bare.json")
    bare_path = str(root / "bare_userdata")
    bare_counter.serve(bare_path)
    trader = MiniQmtSimulator(bare_path, 901)
    trader.start()
    assert trader.connect() == 0
    acc = xttype.StockAccount(ACCOUNT)
    ids = [
        trader.order_stock(acc, code, xtconstant.STOCK_BUY, 100, xtconstant.FIX_PRICE, ref.down_limit, "", "")
        for _ in range(resting)
    ]
    started = time.perf_counter()
    for order_id in ids:
        trader.cancel_order_stock_async(acc, order_id)
    bare = time.perf_counter() - started
    trader.stop()
    bare_counter.shutdown()

    counter = SimCounter(tape, {ACCOUNT: AccountSeed(1e9)}, state_path=root / "k.json")
    userdata = str(root / "k_userdata")
    counter.serve(userdata)
    store = open_store(WorkstationHome(root / "k_home"))
    monitoring = MonitoringService(store)
    state = TradingStateService(store, monitoring=monitoring)
    account = connect_account(
        store,
        ACCOUNT,
        userdata,
        MiniQmtSimulator,
        trading_day=lambda: counter.session_day,
        poll_interval_s=5,
        gate=state,
    )
    assert wait_for(lambda: account.manager.last_reconcile is not None, 20)
    for _ in range(resting):
        account.manager.place_order(OrderRequest(code, Side.BUY, 100, price=ref.down_limit))
    assert wait_for(
        lambda: sum(1 for o in account.service.get_open_orders(ACCOUNT) if o.broker_order_id) == resting, 60
    )
    kill = KillSwitch(state, [account.manager], monitoring=monitoring)
    report = kill.engage("benchmark", by="bench")
    print(
        f"kill-switch over {resting} resting orders: HALTED after {report.halted_after_s * 1e3:.2f} ms, "
        f"last of {report.cancels_sent} cancels sent after {report.last_cancel_after_s * 1e3:.1f} ms "
        f"(paced at {kill.cancel_rate_per_second}/s); bare simulator cancels: {bare * 1e3:.1f} ms "
        f"→ ratio {report.last_cancel_after_s / bare:.1f}×"
    )
    account.close()
    counter.shutdown()
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--provider", type=Path)
    parser.add_argument("--resting", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        provider = args.provider
        if provider is None:
            provider = root / "qlib_data"
            build_demo_market(provider, seed=7, stocks=60, days=60, minute_days=1)
        data = DataService(QlibProviderSource(provider))
        tape = DemoMinuteTape(data)
        bench_validation(tape, data, root)
        bench_kill(tape, root, args.resting)
    return 0


if __name__ == "__main__":
    sys.exit(main())
