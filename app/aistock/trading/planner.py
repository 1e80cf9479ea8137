"""OrderPlanner (seed §7.5) in the trading path: target portfolio → planned, priced, judged orders.

``plan_orders(account_id, target_portfolio)`` reads the account and the quotes through the risk
engine (the same snapshot the rules will judge), plans with :func:`aistock.core.planning.plan_orders`,
lets the :class:`ExecutionPolicy` price and schedule the orders, and asks the RiskEngine to
validate the batch *before* anything reaches the OMS. The result is kept as an ``order_plan``
row, so a trader can approve it (all or some), reject it, and see afterwards what was proposed.

The kill-switch's "reduce to cash" is the same thing with an empty target, judged as if trading
were REDUCING (the state it must be in to be sent), and never sent without a person's approval.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from aistock.core.calendar import shanghai_now
from aistock.core.errors import AistockError
from aistock.core.execution_policy import ExecutionPolicy, ExecutionPolicyConfig, Liquidity, ScheduledOrder
from aistock.core.orders import OrderRequest
from aistock.core.planning import OrderPlan, PlannerConfig, plan_orders
from aistock.core.risk import RiskVerdict, validate
from aistock.core.trading_state import TradingState
from aistock.store import OrderPlan as OrderPlanRow
from aistock.store.tables import utc_now
from aistock.trading.risk.engine import RiskEngine
from aistock.trading.risk.router import OrderRouter, RouteReport


class PlanError(AistockError):
    """A plan that cannot be approved or sent as asked."""


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
                {"code": s.code, "reason": s.reason.value, "message": s.message} for s in plan.skipped
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

    def execute(
        self, batch: PlannedBatch, router: OrderRouter, *, approved_by: str, only: Sequence[int] | None = None
    ) -> RouteReport:
        """Send a plan's approved orders (all, or the indices in ``only``) through risk again.

        The batch is judged afresh at sending time: the account and the market may have moved
        since it was planned, and the trading state may have changed.
        """
        with self.engine.store.write_session() as session:
            row = session.get(OrderPlanRow, batch.plan_id)
            if row is None or row.status != "proposed":
                raise PlanError(
                    f"plan #{batch.plan_id} is {row.status if row else 'missing'}",
                    "plan again and approve that",
                )
            orders = batch.approved if only is None else [batch.approved[i] for i in only]
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
            if row is None or row.status != "proposed":
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
        else {"name": order.algo.name.value, "start": order.algo.start_time, "end": order.algo.end_time},
    }


def _session_time(moment: dt.datetime | None) -> dt.time | None:
    """The policy's clock: Shanghai time of day, or None outside the continuous session."""
    local = moment if moment is not None else shanghai_now()
    t = local.time().replace(microsecond=0)
    if dt.time(9, 30) <= t < dt.time(14, 57):
        return t
    return None
