"""The one path on a paper account: target → planner → policy → risk → router → OMS → simulator.

And the kill-switch's reduction to cash: planned while HALTED, judged as REDUCING, sent only
after a person releases to REDUCING and approves it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from oms_rig import ACCOUNT, Rig
from sqlmodel import select
from test_kill_switch import _connect

from aistock.core.execution_policy import ExecutionPolicyConfig, PricingMode
from aistock.core.fees import Side
from aistock.core.orders import OrderStatus
from aistock.core.risk import RiskCode, RiskLimits
from aistock.core.trading_state import TradingState
from aistock.store import OrderPlan as OrderPlanRow
from aistock.trading.account_service import AccountService
from aistock.trading.monitoring import MonitoringService, MonitorKind
from aistock.trading.planner import OrderPlanner
from aistock.trading.risk.engine import RiskEngine
from aistock.trading.risk.kill_switch import KillSwitch
from aistock.trading.risk.quotes import MarketQuotes
from aistock.trading.risk.router import OrderRouter
from aistock.trading.risk.state import TradingStateService

POLICY = ExecutionPolicyConfig(
    pricing=PricingMode.LIMIT_OFFSET, liquid_pricing=PricingMode.LIMIT_OFFSET, algo=None
)


def _desk(
    rig: Rig, tmp_path: Path, limits: RiskLimits
) -> tuple[OrderPlanner, OrderRouter, KillSwitch, MonitoringService]:
    monitoring = MonitoringService(rig.store)
    state = TradingStateService(rig.store, monitoring=monitoring, request_dir=tmp_path)
    _connect(rig, state)
    rig.counter.advance(10)
    counter = rig.counter
    quotes = MarketQuotes(lambda: counter.market, lambda: counter.minute)
    engine = RiskEngine(
        rig.store, AccountService(rig.store), quotes, state, limits=limits, monitoring=monitoring
    )
    planner = OrderPlanner(engine, policy=POLICY)
    router = OrderRouter(engine, rig.oms)
    return planner, router, KillSwitch(state, [rig.oms], monitoring=monitoring), monitoring


def test_rebalance_goes_the_whole_path_and_denials_are_recorded(
    make_rig: Callable[..., Rig], liquid_codes: list[str], tmp_path: Path
) -> None:
    held, buy_a, buy_b, banned = liquid_codes[:4]
    rig = make_rig(cash=1_000_000.0, holdings={held: (3_000, 10.0)}, connect=False)
    limits = RiskLimits(blacklist=frozenset({banned}), max_single_weight=0.15)
    planner, router, _, monitoring = _desk(rig, tmp_path, limits)

    batch = planner.plan_orders(ACCOUNT, {buy_a: 0.10, buy_b: 0.10, banned: 0.05}, strategy="demo-loop")
    sides = [o.side for o in batch.plan.orders]
    assert sides == sorted(sides, key=lambda s: s is Side.BUY)  # sells first
    assert batch.plan.sells and batch.plan.sells[0].code == held  # the holding is not in the target
    denied = {d.request.code: d.codes for d in batch.verdict.denied}
    assert denied == {banned: (RiskCode.BLACKLISTED,)}
    assert {o.code for o in batch.approved} == {held, buy_a, buy_b}

    report = planner.execute(batch, router, approved_by="trader")
    assert len(report.sent) == 3 and not report.refused
    for _ in range(60):
        rig.advance(1)
    rig.settle()
    rig.assert_book_equals_broker()
    statuses = {o.code: o.status for o in rig.service.get_orders(ACCOUNT)}
    assert statuses[held] is OrderStatus.FILLED
    kinds = [e.kind for e in monitoring.events()]
    assert MonitorKind.RISK_DENIAL.value in kinds
    with rig.store.session() as session:
        row = session.exec(select(OrderPlanRow)).one()
    assert row.status == "sent" and row.decided_by == "trader"
    stored = json.loads(row.payload_json)
    assert [d["outcome"] for d in stored["decisions"]].count("denied") == 1


def test_kill_switch_reduction_to_cash_waits_for_a_person(
    make_rig: Callable[..., Rig], liquid_codes: list[str], tmp_path: Path
) -> None:
    a, b = liquid_codes[:2]
    rig = make_rig(cash=200_000.0, holdings={a: (1_000, 10.0), b: (2_050, 10.0)}, connect=False)
    planner, router, kill, _ = _desk(rig, tmp_path, RiskLimits())
    kill.engage("desk halt", by="trader")
    reduction = planner.plan_reduction(ACCOUNT)
    assert {(o.code, o.volume) for o in reduction.approved} == {(a, 1_000), (b, 2_050)}  # odd lot sold whole
    assert all(o.side is Side.SELL for o in reduction.approved)
    # Still HALTED: sending it now is refused at the gate, nothing reaches the broker.
    refused = router.route(reduction.approved, origin="test")
    assert not refused.sent and all(d.codes == (RiskCode.TRADING_HALTED,) for d in refused.verdict.denied)
    kill.release(reason="flatten", by="trader", confirmed=True, to=TradingState.REDUCING)
    report = planner.execute(reduction, router, approved_by="trader")
    assert len(report.sent) == 2
    for _ in range(60):
        rig.advance(1)
    rig.settle()
    rig.assert_book_equals_broker()
    assert not rig.service.get_current_positions(ACCOUNT)
