"""Stored plans outlive the planner that made them: list, rebuild, approve after a restart.

Runs the real desk of the demo paper account (risk engine, router, OMS, built-in miniQMT) on the
small demo market. "After a restart" is a fresh :class:`OrderPlanner` on the same store: it has
never seen the batch, only the ``order_plan`` row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from aistock.core.fees import Side
from aistock.core.orders import AlgoName, AlgoSpec, OrderRequest, PriceType
from aistock.store import OrderPlan as OrderPlanRow
from aistock.store import open_store, resolve_home
from aistock.trading.planner import OrderPlanner, PlanError, _batch_from_payload
from aistock.workflows.paper_demo import wait_reconciled
from aistock.workflows.workstation_session import TradingDesk, WorkstationSession, open_demo_session


@pytest.fixture
def session(tmp_path: Path) -> Iterator[WorkstationSession]:
    from aistock.workflows.demo_world import DemoSettings, prepare_demo_world

    home = resolve_home(tmp_path / "home").ensure()
    with open_store(home) as store:
        world = prepare_demo_world(
            home,
            store,
            DemoSettings(
                seed=11, stocks=60, days=300, minute_days=3, end=dt.date(2025, 11, 21), rdagent=False
            ),
        )
        opened = open_demo_session(home, store, world.data_service(), world.calendar(), poll_interval_s=0.2)
        assert opened.desk is not None and wait_reconciled(opened.desk.account)
        yield opened
        opened.close()


def _desk(session: WorkstationSession) -> TradingDesk:
    assert session.desk is not None
    return session.desk


def _tradable(desk: TradingDesk, n: int) -> list[str]:
    market = desk.counter.market  # type: ignore[union-attr]
    codes = []
    for code in market.codes:
        ref = market.reference(code)
        if ref is not None and not ref.suspended and ref.pre_close < 60 and code.startswith(("00", "60")):
            codes.append(code)
    assert len(codes) >= n
    return codes[:n]


def test_a_stored_plan_approved_by_a_fresh_planner_sends_exactly_the_stored_orders(
    session: WorkstationSession,
) -> None:
    desk = _desk(session)
    a, b, c = _tradable(desk, 3)
    batch = desk.planner.plan_orders(desk.account_id, {a: 0.05, b: 0.05, c: 0.05}, strategy="stored-test")
    assert len(batch.approved) == 3, batch.describe()

    fresh = OrderPlanner(desk.risk)  # the app restarted: nothing in memory but the store
    assert [row.id for row in fresh.proposed(desk.account_id)] == [batch.plan_id]
    loaded = fresh.load(batch.plan_id)
    assert loaded.approved == batch.approved  # code, side, volume, price type, price, strategy, algo
    assert [s.request for s in loaded.scheduled] == [s.request for s in batch.scheduled]
    assert [s.not_before for s in loaded.scheduled] == [s.not_before for s in batch.scheduled]
    assert [d.outcome for d in loaded.verdict.decisions] == [d.outcome for d in batch.verdict.decisions]
    assert loaded.plan.orders == batch.plan.orders and loaded.kind == batch.kind

    report = fresh.execute(loaded, desk.router, approved_by="trader", only=[0, 2])
    assert [order for order, _ in report.sent] == [batch.approved[0], batch.approved[2]]
    desk.account.manager.wait_idle(5)
    sent = [
        (o.code, o.side, o.volume, o.price, o.strategy)
        for o in desk.account.service.get_orders(desk.account_id)
    ]
    wanted = [batch.approved[0], batch.approved[2]]
    assert sent == [(o.code, o.side, o.volume, o.price, o.strategy) for o in wanted]
    assert fresh.proposed(desk.account_id) == []
    assert fresh.plans(desk.account_id)[0].status == "sent"


def test_only_a_proposed_plan_can_be_loaded_or_sent(session: WorkstationSession) -> None:
    desk = _desk(session)
    (a,) = _tradable(desk, 1)
    first = desk.planner.plan_orders(desk.account_id, {a: 0.05})
    second = desk.planner.plan_orders(desk.account_id, {a: 0.05})
    desk.planner.reject(first.plan_id, by="trader", reason="not today")
    assert [row.id for row in desk.planner.proposed(desk.account_id)] == [second.plan_id]
    assert [row.id for row in desk.planner.plans(desk.account_id)] == [second.plan_id, first.plan_id]

    with pytest.raises(PlanError, match=rf"plan #{first.plan_id} is rejected"):
        desk.planner.load(first.plan_id)
    with pytest.raises(PlanError, match=rf"plan #{first.plan_id} is rejected"):
        desk.planner.execute(first, desk.router, approved_by="trader")
    assert desk.planner.read(first.plan_id).approved == first.approved  # still readable, to look at
    with pytest.raises(PlanError, match="there is no plan #999"):
        desk.planner.load(999)
    with pytest.raises(PlanError, match="not among its 1 approved"):
        desk.planner.execute(second, desk.router, approved_by="trader", only=[3])
    assert desk.planner.proposed(desk.account_id)[0].id == second.plan_id  # a bad request changes nothing
    assert desk.account.service.get_orders(desk.account_id) == []


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda p: "{not json",
        lambda p: json.dumps({k: v for k, v in p.items() if k != "orders"}),
        lambda p: json.dumps(p | {"decisions": p["decisions"][:-1]}),
        lambda p: json.dumps(p | {"orders": [o | {"side": "short"} for o in p["orders"]]}),
        lambda p: json.dumps(p | {"orders": [o | {"volume": "lots"} for o in p["orders"]]}),
    ],
    ids=["not-json", "no-orders", "missing-decision", "bad-side", "bad-volume"],
)
def test_a_corrupt_payload_is_a_plan_error_naming_the_plan(
    session: WorkstationSession, corrupt: object
) -> None:
    desk = _desk(session)
    (a,) = _tradable(desk, 1)
    batch = desk.planner.plan_orders(desk.account_id, {a: 0.05})
    with session.store.write_session() as db:
        row = db.exec(select(OrderPlanRow).where(OrderPlanRow.id == batch.plan_id)).one()
        row.payload_json = corrupt(json.loads(row.payload_json))  # type: ignore[operator]
        db.add(row)
        db.commit()
    with pytest.raises(PlanError, match=rf"plan #{batch.plan_id} cannot be read back") as raised:
        OrderPlanner(desk.risk).load(batch.plan_id)
    assert raised.value.fix


def test_algo_orders_round_trip_with_their_parameters() -> None:
    from aistock.core.execution_policy import ScheduledOrder
    from aistock.core.planning import OrderPlan
    from aistock.core.risk import Outcome, RiskDecision, RiskVerdict
    from aistock.trading.planner import _order_json

    algo = AlgoSpec(AlgoName.VWAP, "09:35:00", "10:35:00", (("m_dLimitOverRate", 0.2),))
    order = OrderRequest("600000.SH", Side.BUY, 120_000, PriceType.LIMIT, 10.02, strategy="s", algo=algo)
    payload = {
        "nav": 1e6,
        "planned": [_order_json(order)],
        "orders": [_order_json(order) | {"not_before": "09:35:00", "rule": "VWAP algo", "slice": [0, 1]}],
        "skipped": [],
        "decisions": [{"outcome": "approved", "order": _order_json(order), "reasons": []}],
    }
    batch = _batch_from_payload(7, "ACC", "rebalance", json.loads(json.dumps(payload)))
    assert batch.approved == [order]
    assert batch.scheduled == (ScheduledOrder(order, dt.time(9, 35), 0, 1, "VWAP algo"),)
    assert batch.verdict == RiskVerdict((RiskDecision(order, Outcome.APPROVED, order, ()),))
    assert batch.plan == OrderPlan((order,), (), 1e6)
