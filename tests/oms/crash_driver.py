"""A workstation process for the crash tests: trade until a failpoint kills it, or recover.

Run as ``python crash_driver.py run|recover ROOT PROVIDER``. ``run`` places a buy and a sell on
the simulated paper account and lets the market trade; with ``AISTOCK_FAILPOINT`` set it dies by
SIGKILL somewhere between a broker callback's arrival and its application. ``recover`` starts a
fresh process on the same store and the same broker state (the simulator's counter file, as a
real miniQMT would keep its books), lets the market finish and prints what the book and the
broker hold, as JSON, for the test to compare.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from aistock.core.fees import Side, yuan_to_fen
from aistock.core.orders import OrderRequest
from aistock.data.qlib_provider import QlibProviderSource
from aistock.data.service import DataService
from aistock.store import TradeFill, WorkstationHome, open_store
from aistock.trading.gateways.miniqmt.gateway import wait_for
from aistock.trading.gateways.simulator import AccountSeed, DemoMinuteTape, MiniQmtSimulator
from aistock.trading.paper import connect_account, open_simulated_broker

ACCOUNT = "8886669999"


def main(phase: str, root: Path, provider: Path) -> int:
    tape = DemoMinuteTape(DataService(QlibProviderSource(provider)))
    codes = [c for c in tape.codes if c.startswith("60") and (r := tape.reference(c)) and not r.suspended]
    buy_code, sell_code = codes[0], codes[1]
    counter = open_simulated_broker(
        root / "broker", tape, {ACCOUNT: AccountSeed(2_000_000.0, {sell_code: (5000, 10.0)})}
    )
    store = open_store(WorkstationHome(root / "home"))
    account = connect_account(
        store,
        ACCOUNT,
        str(root / "broker" / "userdata_mini"),
        MiniQmtSimulator,
        trading_day=lambda: counter.session_day,
        poll_interval_s=0.05,
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
    )
    oms = account.manager
    assert wait_for(lambda: oms.last_reconcile is not None, 20), "no start-up reconciliation"
    if phase == "run":
        up = tape.reference(buy_code).up_limit  # type: ignore[union-attr]
        down = tape.reference(sell_code).down_limit  # type: ignore[union-attr]
        oms.place_order(OrderRequest(buy_code, Side.BUY, 3000, price=up))
        oms.place_order(OrderRequest(sell_code, Side.SELL, 5000, price=down))
        for _ in range(30):
            counter.advance(1)
            oms.wait_idle(5)
        time.sleep(0.5)
        print(json.dumps({"survived": True}))
        return 0
    for _ in range(30):
        counter.advance(1)
    assert wait_for(lambda: oms.gateway.state.value == "connected", 10)
    oms.wait_idle(10)
    report = oms.reconcile_now("test")
    oms.wait_idle(10)
    service = account.service
    with store.session() as session:
        trade_ids = [f.trade_id for f in session.query(TradeFill).all()]
    broker = counter.account(ACCOUNT)
    out = {
        "matched": report.matched,
        "summary": report.summary(),
        "book_positions": {p.code: p.volume for p in service.get_current_positions(ACCOUNT)},
        "book_cash_fen": yuan_to_fen(service.get_cash_and_asset(ACCOUNT).cash),
        "broker_positions": {c: p.volume for c, p in broker.book.positions.items() if p.volume},
        "broker_cash_fen": broker.book.cash_fen,
        "fills": sorted(trade_ids),
        "broker_trades": sorted(t.traded_id for t in counter.trades(ACCOUNT)),
        "orders": {o.client_order_id: [o.status.value, o.filled_volume] for o in service.get_orders(ACCOUNT)},
        "broker_remarks": sorted(o.order_remark for o in counter.orders(ACCOUNT)),
    }
    account.close()
    store.close()
    counter.shutdown()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
