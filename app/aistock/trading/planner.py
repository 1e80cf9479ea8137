"""OrderPlanner (seed §7.5) in the trading path: target portfolio → planned, priced, judged orders.

``plan_orders(account_id, target_portfolio)`` reads the account and the quotes through the risk
engine (the same snapshot the rules will judge), plans with :func:`aistock.core.planning.plan_orders`,
lets the :class:`ExecutionPolicy` price and schedule the orders, and asks the RiskEngine to
validate the batch *before* anything reaches the OMS. The result is kept as an ``order_plan``
row, so a trader can approve it (all or some), reject it, and see afterwards what was proposed.

The kill-switch's "reduce to cash" is the same thing with an empty target, judged as if trading
were REDUCING (the state it must be in to be sent), and never sent without a person's approval.

A plan outlives the process that made it: :meth:`OrderPlanner.proposed` lists the stored plans
still waiting for a decision and :meth:`OrderPlanner.load` rebuilds one from its stored payload,
so a plan proposed before a restart can still be approved (and is judged afresh when sent).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import col, select

from aistock.core.calendar import shanghai_now
from aistock.core.errors import AistockError
from aistock.core.execution_policy import ExecutionPolicy, ExecutionPolicyConfig, Liquidity, ScheduledOrder
from aistock.core.fees import Side
from aistock.core.orders import AlgoName, AlgoSpec, OrderRequest, PriceType
from aistock.core.planning import OrderPlan, PlannerConfig, SkippedTarget, SkipReason, plan_orders
from aistock.core.risk import Outcome, RiskCode, RiskDecision, RiskReason, RiskVerdict, validate
from aistock.core.trading_state import TradingState
from aistock.store import OrderPlan as OrderPlanRow
from aistock.store.tables import utc_now
from aistock.trading.risk.engine import RiskEngine
from aistock.trading.risk.router import OrderRouter, RouteReport


class PlanError(AistockError):
    """A plan that cannot be approved or sent as asked."""


PROPOSED = "proposed"
"""The status of a stored plan that waits for a person's decision."""


@dataclass(frozen=True, slots=True)
class PlannedBatch:
    plan_id: int
    account_id: str
    kind: str
    plan: OrderPlan
    scheduled: tuple[ScheduledOrder, ...]
    verdict: RiskVerdict

    @property
    def approved(self) -> list[OrderRequest]:
        return self.verdict.approved

    def describe(self) -> str:
        return (
            f"plan #{self.plan_id} ({self.kind}) for {self.account_id}: {self.plan.describe()}; "
            f"risk: {len(self.verdict.approved)} approved ({len(self.verdict.shrunk)} shrunk), "
            f"{len(self.verdict.denied)} denied"
        )


class OrderPlanner:
    def __init__(
        self,
        engine: RiskEngine,
        *,
        policy: ExecutionPolicyConfig | None = None,
        config: PlannerConfig | None = None,
        liquidity: Mapping[str, Liquidity] | None = None,
    ) -> None:
        self.engine = engine
        self.policy = ExecutionPolicy(policy or ExecutionPolicyConfig())
        self.config = config or PlannerConfig()
        self.liquidity = dict(liquidity or {})

    def plan_orders(
        self,
        account_id: str,
        target_portfolio: Mapping[str, float],
        *,
        strategy: str = "",
        now: dt.time | None = None,
        kind: str = "rebalance",
        judge_as: TradingState | None = None,
    ) -> PlannedBatch:
        """Plan, price, schedule and judge; store the plan as ``proposed``. Nothing is sent."""
        context = self.engine.context(account_id, list(target_portfolio))
        if context.account is None:
            raise PlanError(
                f"account {account_id} has no data in this workstation",
                "connect it to its broker and let it reconcile first",
            )
        plan = plan_orders(
            context.account,
            context.quotes,
            target_portfolio,
            fees=context.fees,
            config=self.config,
            strategy=strategy,
        )
        moment = now if now is not None else _session_time(context.now)
        scheduled = tuple(self.policy.schedule(plan.orders, context.quotes, self.liquidity, now=moment))
        batch = [s.request for s in scheduled]
        if judge_as is not None:
            context = replace(context, state=judge_as)
        verdict = validate(batch, context, self.engine.limits)
        self.engine.record_verdict(account_id, verdict, f"plan:{kind}")
        plan_id = self._store(account_id, kind, strategy, plan, scheduled, verdict)
        return PlannedBatch(plan_id, account_id, kind, plan, scheduled, verdict)

    def plan_reduction(self, account_id: str, *, now: dt.time | None = None) -> PlannedBatch:
        """Sell everything sellable, judged as REDUCING; stored for approval, never sent here."""
        return self.plan_orders(
            account_id,
            {},
            strategy="reduce-to-cash",
            now=now,
            kind="reduce_to_cash",
            judge_as=TradingState.REDUCING,
        )

    def _store(
        self,
        account_id: str,
        kind: str,
        strategy: str,
        plan: OrderPlan,
        scheduled: Sequence[ScheduledOrder],
        verdict: RiskVerdict,
    ) -> int:
        payload = {
            "nav": plan.nav,
            "planned": [_order_json(o) for o in plan.orders],
            "orders": [
                _order_json(s.request)
                | {
                    "not_before": s.not_before.isoformat(),
                    "rule": s.rule,
                    "slice": [s.slice_index, s.slice_count],
                }
                for s in scheduled
            ],
            "skipped": [
                {
                    "code": s.code,
                    "side": s.side.value if s.side is not None else None,
                    "reason": s.reason.value,
                    "message": s.message,
                }
                for s in plan.skipped
            ],
            "decisions": [
                {
                    "outcome": d.outcome.value,
                    "order": _order_json(d.order) if d.order is not None else None,
                    "reasons": [{"code": r.code.value, "message": r.message} for r in d.reasons],
                }
                for d in verdict.decisions
            ],
        }
        row = OrderPlanRow(
            account_id=account_id,
            kind=kind,
            strategy=strategy,
            payload_json=json.dumps(payload, ensure_ascii=False),
            note=plan.describe(),
        )
        with self.engine.store.session() as session:
            session.add(row)
            session.commit()
            session.refresh(row)
        assert row.id is not None
        return row.id

    # -- stored plans ----------------------------------------------------------------------------------
    def plans(
        self, account_id: str, *, statuses: Sequence[str] | None = None, limit: int = 200
    ) -> list[OrderPlanRow]:
        """The account's stored plans, newest first (all statuses unless ``statuses`` is given)."""
        query = select(OrderPlanRow).where(col(OrderPlanRow.account_id) == account_id)
        if statuses is not None:
            query = query.where(col(OrderPlanRow.status).in_(list(statuses)))
        with self.engine.store.session() as session:
            return list(session.exec(query.order_by(col(OrderPlanRow.id).desc()).limit(limit)).all())

    def proposed(self, account_id: str) -> list[OrderPlanRow]:
        """The plans still waiting for approval or rejection, newest first."""
        return self.plans(account_id, statuses=(PROPOSED,))

    def load(self, plan_id: int) -> PlannedBatch:
        """Rebuild a stored plan as it was proposed, so it can be approved after a restart.

        The approved orders come back exactly as stored (code, side, volume, price type, price,
        strategy, algo); :meth:`execute` judges them afresh at sending time anyway. Only a plan
        still ``proposed`` can be loaded: the others were decided and cannot be sent again.
        """
        return self._rebuild(plan_id, approvable=True)

    def read(self, plan_id: int) -> PlannedBatch:
        """A stored plan in any status, rebuilt to be looked at (what was proposed, and judged how)."""
        return self._rebuild(plan_id, approvable=False)

    def _rebuild(self, plan_id: int, *, approvable: bool) -> PlannedBatch:
        with self.engine.store.session() as session:
            row = session.get(OrderPlanRow, plan_id)
        if row is None:
            raise PlanError(f"there is no plan #{plan_id}", "list the proposed plans and pick one of those")
        if approvable and row.status != PROPOSED:
            raise PlanError(f"plan #{plan_id} is {row.status}, not proposed", "plan again and approve that")
        try:
            return _batch_from_payload(plan_id, row.account_id, row.kind, json.loads(row.payload_json))
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise PlanError(
                f"plan #{plan_id} cannot be read back from the store ({type(exc).__name__}: {exc})",
                "reject it and plan again",
            ) from exc

    def execute(
        self, batch: PlannedBatch, router: OrderRouter, *, approved_by: str, only: Sequence[int] | None = None
    ) -> RouteReport:
        """Send a plan's approved orders (all, or the indices in ``only``) through risk again.

        The batch is judged afresh at sending time: the account and the market may have moved
        since it was planned, and the trading state may have changed.
        """
        with self.engine.store.write_session() as session:
            row = session.get(OrderPlanRow, batch.plan_id)
            if row is None or row.status != PROPOSED:
                raise PlanError(
                    f"plan #{batch.plan_id} is {row.status if row else 'missing'}",
                    "plan again and approve that",
                )
            approved = batch.approved
            if only is not None and (not only or any(not 0 <= i < len(approved) for i in only)):
                raise PlanError(
                    f"plan #{batch.plan_id}: the orders to send ({list(only)}) are not among its "
                    f"{len(approved)} approved order(s)",
                    "select at least one approved order of the plan",
                )
            orders = approved if only is None else [approved[i] for i in only]
            row.status = "approved"
            row.decided_by = approved_by
            row.decided_at = utc_now()
            session.add(row)
            session.commit()
        report = router.route(orders, origin=f"plan:{batch.kind}:{batch.plan_id}")
        with self.engine.store.write_session() as session:
            row = session.get(OrderPlanRow, batch.plan_id)
            assert row is not None
            row.status = "sent"
            row.note = f"{row.note}; {report.describe()}"
            session.add(row)
            session.commit()
        return report

    def reject(self, plan_id: int, *, by: str, reason: str = "") -> None:
        with self.engine.store.write_session() as session:
            row = session.get(OrderPlanRow, plan_id)
            if row is None or row.status != PROPOSED:
                raise PlanError(f"plan #{plan_id} is {row.status if row else 'missing'}", "nothing to reject")
            row.status = "rejected"
            row.decided_by = by
            row.decided_at = utc_now()
            row.note = f"{row.note}; rejected: {reason}" if reason else row.note
            session.add(row)
            session.commit()


def _order_json(order: OrderRequest) -> dict[str, object]:
    return {
        "code": order.code,
        "side": order.side.value,
        "volume": order.volume,
        "price_type": order.price_type.value,
        "price": order.price,
        "strategy": order.strategy,
        "algo": None
        if order.algo is None
        else {
            "name": order.algo.name.value,
            "start": order.algo.start_time,
            "end": order.algo.end_time,
            "params": [list(pair) for pair in order.algo.params],
        },
    }


def _order_from_json(data: Any) -> OrderRequest:
    """The inverse of :func:`_order_json`; raises on anything malformed (the caller names the plan)."""
    algo = data["algo"]
    spec = None
    if algo is not None:
        spec = AlgoSpec(
            AlgoName(algo["name"]),
            str(algo["start"]),
            str(algo["end"]),
            tuple((str(key), value) for key, value in algo.get("params", [])),
        )
    volume = data["volume"]
    if isinstance(volume, bool) or not isinstance(volume, int):
        raise TypeError(f"volume {volume!r} is not a whole number")
    return OrderRequest(
        code=str(data["code"]),
        side=Side(data["side"]),
        volume=volume,
        price_type=PriceType(data["price_type"]),
        price=float(data["price"]),
        strategy=str(data["strategy"]),
        algo=spec,
    )


def _batch_from_payload(plan_id: int, account_id: str, kind: str, payload: Any) -> PlannedBatch:
    """A :class:`PlannedBatch` from a stored ``order_plan`` payload (see :meth:`OrderPlanner._store`).

    The verdict's decisions are stored in the batch's order (``validate`` keeps it), so decision
    ``i`` judged scheduled order ``i``: that pairs each decision with its request again.
    """
    scheduled = tuple(
        ScheduledOrder(
            request=_order_from_json(item),
            not_before=dt.time.fromisoformat(item["not_before"]),
            slice_index=int(item["slice"][0]),
            slice_count=int(item["slice"][1]),
            rule=str(item["rule"]),
        )
        for item in payload["orders"]
    )
    stored = payload["decisions"]
    if len(stored) != len(scheduled):
        raise ValueError(f"{len(stored)} risk decisions for {len(scheduled)} orders")
    decisions = []
    for item, order in zip(stored, scheduled, strict=True):
        outcome = Outcome(item["outcome"])
        approved = _order_from_json(item["order"]) if item["order"] is not None else None
        if (approved is None) != (outcome is Outcome.DENIED):
            raise ValueError(
                f"decision {outcome.value} for {order.request.code} with order {item['order']!r}"
            )
        reasons = tuple(RiskReason(RiskCode(r["code"]), str(r["message"])) for r in item["reasons"])
        decisions.append(RiskDecision(order.request, outcome, approved, reasons))
    skipped = tuple(
        SkippedTarget(
            code=str(item["code"]),
            side=Side(item["side"]) if item.get("side") is not None else None,
            reason=SkipReason(item["reason"]),
            message=str(item["message"]),
        )
        for item in payload.get("skipped", [])
    )
    # Plans stored before the planned orders were kept fall back to the scheduled ones.
    planned = payload.get("planned")
    orders = (
        tuple(_order_from_json(item) for item in planned)
        if planned is not None
        else tuple(s.request for s in scheduled)
    )
    nav = payload.get("nav")
    plan = OrderPlan(orders, skipped, float(nav) if nav is not None else float("nan"))
    return PlannedBatch(plan_id, account_id, kind, plan, scheduled, RiskVerdict(tuple(decisions)))


def _session_time(moment: dt.datetime | None) -> dt.time | None:
    """The policy's clock: Shanghai time of day, or None outside the continuous session."""
    local = moment if moment is not None else shanghai_now()
    t = local.time().replace(microsecond=0)
    if dt.time(9, 30) <= t < dt.time(14, 57):
        return t
    return None
