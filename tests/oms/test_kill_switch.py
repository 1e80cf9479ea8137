"""The kill-switch against the simulator, through the real gateway and OMS.

Engaged while a thread is sending orders and another is advancing the exchange (so fills are
arriving): after ``engage`` returns no new order reaches the broker, every open order ends
cancelled or filled, the book still equals the broker's, and the halt is in force after a
restart until a person releases it.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from oms_rig import ACCOUNT, Rig, remarks_at_broker
from sqlmodel import select
from xtquant import xtconstant

from aistock.core.fees import Side
from aistock.core.orders import OrderRequest, OrderStatus
from aistock.core.trading_state import TradingState
from aistock.store.tables import TradeOrder
from aistock.trading.gateways.miniqmt.gateway import wait_for
from aistock.trading.monitoring import MonitoringService, MonitorKind
from aistock.trading.oms.manager import OrderRefused
from aistock.trading.risk.kill_switch import SWEEP_ATTEMPTS, KillSwitch, ReleaseNotConfirmed
from aistock.trading.risk.state import TradingStateService, write_request


def _connect(rig: Rig, state: TradingStateService) -> None:
    rig.connect(poll=0.05, gate=state)


def _orders(rig: Rig, codes: list[str]) -> list[OrderRequest]:
    """Alternating resting buys (below the market: they stay live) and marketable buys."""
    out = []
    for i in range(400):
        code = codes[i % len(codes)]
        ref = rig.counter.market.reference(code)
        assert ref is not None and ref.up_limit is not None and ref.down_limit is not None
        price = ref.up_limit if i % 3 == 0 else ref.down_limit
        out.append(OrderRequest(code, Side.BUY, 100, price=price, strategy="kill-test"))
    return out


def _pre_close(rig: Rig, code: str) -> float:
    ref = rig.counter.market.reference(code)
    assert ref is not None
    return ref.pre_close


def _client_ids(rig: Rig) -> set[str]:
    with rig.store.session() as session:
        return {r.client_order_id for r in session.exec(select(TradeOrder)).all()}


@pytest.fixture
def halted_rig(
    make_rig: Callable[..., Rig], liquid_codes: list[str], tmp_path: Path
) -> tuple[Rig, TradingStateService, KillSwitch, MonitoringService]:
    rig = make_rig(cash=5_000_000.0, holdings={liquid_codes[0]: (2_000, 10.0)}, connect=False)
    monitoring = MonitoringService(rig.store)
    state = TradingStateService(rig.store, monitoring=monitoring, request_dir=tmp_path)
    _connect(rig, state)
    kill = KillSwitch(state, [rig.oms], monitoring=monitoring)
    return rig, state, kill, monitoring


def test_engage_while_sending_and_filling(
    halted_rig: tuple[Rig, TradingStateService, KillSwitch, MonitoringService], liquid_codes: list[str]
) -> None:
    rig, _, kill, monitoring = halted_rig
    orders = _orders(rig, liquid_codes)
    sent: list[str] = []
    refused_before: list[str] = []
    refused_after: list[str] = []
    halting = threading.Event()
    stop = threading.Event()
    # The exchange keeps trading but never reaches the close: an order sent after 15:00 would be
    # rejected by the exchange ("非交易时间"), which is not what this test is about.
    last_minute = len(rig.counter.market.minutes) - 30

    def send() -> None:
        # The sender never runs out of orders, so it is still trying after the halt however long
        # the sweep takes on this machine.
        for order in itertools.cycle(orders):
            if stop.is_set():
                return
            try:
                sent.append(rig.oms.place_order(order))
            except OrderRefused as exc:
                (refused_after if halting.is_set() else refused_before).append(str(exc))
            time.sleep(0.001)

    def tick() -> None:
        while not stop.is_set():
            if rig.counter.minute < last_minute:
                rig.counter.advance(1)
            time.sleep(0.003)

    threads = [threading.Thread(target=send), threading.Thread(target=tick)]
    for t in threads:
        t.start()
    assert wait_for(lambda: len(sent) >= 40, 20), "the sender never got going"
    halting.set()
    report = kill.engage("test: runaway strategy", by="tester", source="test")
    ids_when_engaged = _client_ids(rig)
    refused_at_engage = len(refused_after)
    assert wait_for(lambda: len(refused_after) > refused_at_engage + 20, 20), "the sender stopped trying"
    stop.set()
    for t in threads:
        t.join(10)

    assert report.state.state is TradingState.HALTED
    assert refused_before == [], "nothing is refused while trading is ACTIVE"
    assert refused_after, "the sender should have kept trying and been refused"
    assert all("HALTED" in why for why in refused_after)
    # Nothing recorded or sent after engage returned.
    assert _client_ids(rig) == ids_when_engaged
    rig.settle()
    assert set(remarks_at_broker(rig.counter)) <= ids_when_engaged

    # Every order ends cancelled or filled; none is left open. The exchange answers a cancel on its
    # next minute (and a cancel deferred for a late broker id goes out only when the id arrives).
    def swept() -> bool:
        if not rig.service.get_open_orders(ACCOUNT):
            return True
        if rig.counter.minute < len(rig.counter.market.minutes) - 1:
            rig.counter.advance(1)
        return False

    assert wait_for(swept, 15, interval=0.1), rig.service.get_open_orders(ACCOUNT)
    statuses = {o.status for o in rig.service.get_orders(ACCOUNT)}
    assert statuses <= {OrderStatus.CANCELLED, OrderStatus.FILLED}, statuses
    assert OrderStatus.CANCELLED in statuses and OrderStatus.FILLED in statuses
    rig.assert_book_equals_broker()
    kinds = [e.kind for e in monitoring.events()]
    assert MonitorKind.TRADING_STATE.value in kinds and MonitorKind.KILL_SWITCH.value in kinds
    assert report.cancels_sent + report.cancels_deferred >= 1
    assert report.failures == ()


def test_halt_survives_a_restart_until_released(
    halted_rig: tuple[Rig, TradingStateService, KillSwitch, MonitoringService],
    liquid_codes: list[str],
    tmp_path: Path,
) -> None:
    rig, _, kill, monitoring = halted_rig
    kill.engage("end of day check", by="tester")
    rig.close()
    # A new process: new services over the same store.
    state2 = TradingStateService(rig.store, monitoring=monitoring, request_dir=tmp_path)
    assert state2.current().state is TradingState.HALTED
    _connect(rig, state2)
    order = OrderRequest(liquid_codes[1], Side.BUY, 100, price=_pre_close(rig, liquid_codes[1]))
    with pytest.raises(OrderRefused, match="HALTED"):
        rig.oms.place_order(order)
    # Sells are refused too while HALTED; REDUCING lets only sells through.
    sell = OrderRequest(liquid_codes[0], Side.SELL, 100, price=_pre_close(rig, liquid_codes[0]))
    with pytest.raises(OrderRefused, match="HALTED"):
        rig.oms.place_order(sell)
    kill2 = KillSwitch(state2, [rig.oms], monitoring=monitoring)
    with pytest.raises(ReleaseNotConfirmed):
        kill2.release(reason="all clear", by="tester", confirmed=False)
    assert state2.current().state is TradingState.HALTED
    kill2.release(reason="reduce only", by="tester", confirmed=True, to=TradingState.REDUCING)
    with pytest.raises(OrderRefused, match="REDUCING"):
        rig.oms.place_order(order)
    assert rig.oms.place_order(sell)
    kill2.release(reason="all clear", by="tester", confirmed=True)
    assert rig.oms.place_order(order)
    history = [(h.from_state, h.to_state) for h in state2.history()]
    assert history[:3] == [("reducing", "active"), ("halted", "reducing"), ("active", "halted")]


def test_halt_request_file_stops_orders_at_once_and_the_watcher_cancels(
    halted_rig: tuple[Rig, TradingStateService, KillSwitch, MonitoringService], liquid_codes: list[str]
) -> None:
    rig, state, kill, _ = halted_rig
    ref = rig.counter.market.reference(liquid_codes[1])
    assert ref is not None and ref.down_limit is not None
    resting = rig.oms.place_order(OrderRequest(liquid_codes[1], Side.BUY, 100, price=ref.down_limit))
    assert wait_for(lambda: rig.service.get_open_orders(ACCOUNT) != [], 5)
    assert state.halt_request_path is not None
    write_request(state.halt_request_path, "halt from another process", "cli")
    # The very next order is refused, before anything processed the request.
    with pytest.raises(OrderRefused, match="HALTED"):
        rig.oms.place_order(OrderRequest(liquid_codes[1], Side.BUY, 100, price=ref.down_limit))
    assert state.stored().state is TradingState.ACTIVE
    assert kill.poll_requests() == "halted"
    assert state.stored().state is TradingState.HALTED
    assert not state.halt_request_path.exists()
    rig.advance(1)  # the exchange answers the cancel on its next minute
    rig.settle()
    order = next(o for o in rig.service.get_orders(ACCOUNT) if o.client_order_id == resting)
    assert order.status is OrderStatus.CANCELLED


def test_sweep_cancels_orders_that_surface_while_halted(
    halted_rig: tuple[Rig, TradingStateService, KillSwitch, MonitoringService], liquid_codes: list[str]
) -> None:
    """An order placed outside the workstation while HALTED is found and cancelled."""
    rig, _, kill, _ = halted_rig
    kill.engage("desk closed", by="tester")
    ref = rig.counter.market.reference(liquid_codes[2])
    assert ref is not None and ref.down_limit is not None
    rig.counter.place(
        ACCOUNT,
        liquid_codes[2],
        xtconstant.STOCK_BUY,
        100,
        xtconstant.FIX_PRICE,
        ref.down_limit,
        order_remark="manual-at-terminal",
    )
    rig.settle()
    assert any(o.origin == "external" and o.status.is_open for o in rig.service.get_open_orders(ACCOUNT))
    assert kill.sweep() == 1
    rig.advance(1)
    rig.settle()
    assert not rig.service.get_open_orders(ACCOUNT)
    rig.assert_book_equals_broker()


@pytest.mark.parametrize("locked_calls", [2, 99])
def test_a_cancel_that_meets_a_locked_database_is_tried_again(
    halted_rig: tuple[Rig, TradingStateService, KillSwitch, MonitoringService],
    liquid_codes: list[str],
    monkeypatch: pytest.MonkeyPatch,
    locked_calls: int,
) -> None:
    """On a starved machine the cancel request's write can outlast SQLite's busy timeout; the
    sweep tries again instead of leaving the order live (and reports it only if it never goes)."""
    rig, _, kill, _ = halted_rig
    resting = []
    for code in liquid_codes[:3]:
        ref = rig.counter.market.reference(code)
        assert ref is not None and ref.down_limit is not None
        resting.append(rig.oms.place_order(OrderRequest(code, Side.BUY, 100, price=ref.down_limit)))
    rig.settle()
    real_cancel = rig.oms.cancel_order
    calls: dict[str, int] = {}

    def contended(client_order_id: str) -> None:
        calls[client_order_id] = calls.get(client_order_id, 0) + 1
        if client_order_id == resting[1] and calls[client_order_id] <= locked_calls:
            raise sqlite3.OperationalError("database is locked")
        real_cancel(client_order_id)

    monkeypatch.setattr(rig.oms, "cancel_order", contended)
    report = kill.engage("contended store", by="tester")
    if locked_calls < SWEEP_ATTEMPTS:
        assert report.failures == () and report.cancels_sent == 3
        assert calls[resting[1]] == locked_calls + 1 and calls[resting[0]] == calls[resting[2]] == 1
        rig.advance(1)
        rig.settle()
        assert not rig.service.get_open_orders(ACCOUNT)
    else:  # never recorded: named in the report (the watcher's next sweep tries once more)
        assert report.cancels_sent == 2 and calls[resting[1]] == SWEEP_ATTEMPTS
        assert len(report.failures) == 1 and resting[1] in report.failures[0]
        assert "database is locked" in report.failures[0]
        assert "failed" in report.describe()
        monkeypatch.setattr(rig.oms, "cancel_order", real_cancel)
        assert kill.sweep() == 1
        rig.advance(1)
        rig.settle()
        assert not rig.service.get_open_orders(ACCOUNT)
    rig.assert_book_equals_broker()
