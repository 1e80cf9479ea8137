"""The order book's cost: journal throughput and the latency place_order adds over the SDK call.

There is no qlib counterpart to an order manager, so the peer here is the bare broker call the
OMS wraps: ``MiniQmtSimulator.order_stock_async`` (the built-in miniQMT's own cost, including its
state file). Two measurements, on the demo market (a small one is built in a temp dir unless
``--provider`` is given):

* **journal throughput** — N broker callbacks (order pushes + trade pushes for external orders,
  so every one is journaled *and* applied: a new order row, a fill, the ledger) are handed to
  ``OrderManager.submit`` from one thread as fast as it can, and the clock stops when the last is
  applied (``wait_idle``). Printed as callbacks per second, with the journal-only rate beside it.
* **place_order latency** — K limit orders far from the market (they rest, nothing fills), first
  through the bare simulator call, then through ``OrderManager.place_order`` (client id
  allocation, the order row committed, the gateway call, the SendResult event). Printed as
  median / p99 per call and the ratio ours ÷ bare.

Usage::

    .venv/bin/python benchmarks/bench_oms.py [--provider DIR] [--events 20000] [--orders 300]
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
from aistock.core.orders import OrderRequest, OrderStatus
from aistock.data.demo_market import build_demo_market
from aistock.data.qlib_provider import QlibProviderSource
from aistock.data.service import DataService
from aistock.store import WorkstationHome, open_store
from aistock.trading.gateways.events import OrderUpdate, TradeReport
from aistock.trading.gateways.miniqmt.gateway import wait_for
from aistock.trading.gateways.simulator import AccountSeed, DemoMinuteTape, MiniQmtSimulator, SimCounter
from aistock.trading.paper import connect_account

ACCOUNT = "8880000001"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class _Silent:
    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return lambda *args: None


def bench_bare(tape: DemoMinuteTape, root: Path, code: str, price: float, orders: int) -> list[float]:
    counter = SimCounter(tape, {ACCOUNT: AccountSeed(1e9)}, state_path=root / "bare.json")
    path = str(root / "bare_userdata")
    counter.serve(path)
    trader = MiniQmtSimulator(path, 4242)
    trader.register_callback(_Silent())
    trader.start()
    assert trader.connect() == 0
    account = xttype.StockAccount(ACCOUNT)
    assert trader.subscribe(account) == 0
    times = []
    for i in range(orders):
        t0 = time.perf_counter()
        trader.order_stock_async(
            account, code, xtconstant.STOCK_BUY, 100, xtconstant.FIX_PRICE, price, "b", f"R{i}"
        )
        times.append(time.perf_counter() - t0)
    trader.stop()
    counter.shutdown()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--provider", type=Path)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        provider = args.provider
        if provider is None:
            provider = root / "qlib_data"
            build_demo_market(provider, seed=7, stocks=60, days=60, minute_days=1)
        tape = DemoMinuteTape(DataService(QlibProviderSource(provider)))
        code = next(c for c in tape.codes if c.startswith("60") and not tape.reference(c).suspended)  # type: ignore[union-attr]
        ref = tape.reference(code)
        assert ref is not None and ref.down_limit is not None
        resting = ref.down_limit

        bare = bench_bare(tape, root, code, resting, args.orders)

        counter = SimCounter(tape, {ACCOUNT: AccountSeed(1e9)}, state_path=root / "counter.json")
        userdata = str(root / "userdata")
        counter.serve(userdata)
        store = open_store(WorkstationHome(root / "home"))
        account = connect_account(
            store,
            ACCOUNT,
            userdata,
            MiniQmtSimulator,
            trading_day=lambda: counter.session_day,
            poll_interval_s=60,
        )
        oms = account.manager
        assert wait_for(lambda: oms.last_reconcile is not None and oms.last_reconcile.matched, 30)
        ours = []
        for _ in range(args.orders):
            t0 = time.perf_counter()
            oms.place_order(OrderRequest(code, Side.BUY, 100, price=resting))
            ours.append(time.perf_counter() - t0)
        assert oms.wait_idle(60)
        live = [o for o in account.service.get_open_orders(ACCOUNT) if o.status is OrderStatus.LIVE]
        assert len(live) == args.orders, f"{len(live)} of {args.orders} orders live"

        # Journal throughput: every event is journaled and applied (new external order, its fill).
        pairs = args.events // 2
        events = []
        for i in range(pairs):
            oid = 10_000_000 + i
            events.append(
                OrderUpdate(
                    ACCOUNT,
                    oid,
                    f"S{oid}",
                    code,
                    Side.BUY,
                    100,
                    10.0,
                    50,
                    0,
                    0.0,
                    50,
                    OrderStatus.LIVE,
                    "",
                    "ext",
                    "",
                    0,
                )
            )
            events.append(
                TradeReport(
                    ACCOUNT, f"T{oid}", oid, f"S{oid}", code, Side.BUY, 100, 10.0, 1000.0, 5.0, 0, "ext", ""
                )
            )
        t0 = time.perf_counter()
        for event in events:
            oms.submit(event)
        assert oms.wait_idle(600)
        applied = time.perf_counter() - t0
        t0 = time.perf_counter()
        for start in range(0, len(events), 500):
            oms._append(events[start : start + 500])
        journal_only = time.perf_counter() - t0
        fills = len(account.service.get_fills(ACCOUNT))
        account.close()
        store.close()
        counter.shutdown()

    bare_med, ours_med = statistics.median(bare), statistics.median(ours)
    n = len(events)
    print(
        f"journal + apply: {n:,} callbacks in {applied:.2f} s = {n / applied:,.0f}/s ({fills:,} fills booked)"
    )
    print(f"journal only:    {n:,} events in {journal_only:.2f} s = {n / journal_only:,.0f} /s")
    print(f"place_order ({args.orders} resting limit orders):")
    for label, times in (("bare simulator order_stock_async", bare), ("OrderManager.place_order", ours)):
        median, p99 = statistics.median(times) * 1e3, _percentile(times, 0.99) * 1e3
        print(f"  {label:<34} median {median:.3f} ms, p99 {p99:.3f} ms")
    added = (ours_med - bare_med) * 1e3
    print(f"  added latency: {added:.3f} ms per order (ours / bare = {ours_med / bare_med:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
