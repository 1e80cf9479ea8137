"""What the plans section shows, as plain records: stored plans, a plan's orders, preview weights.

Kept apart from the widgets so the rules (how a preview's book becomes target weights, how a
plan's decisions pair with its orders, which rows may be approved) read and test on their own.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import math
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from aistock.core.risk import Outcome
from aistock.store import OrderPlan as OrderPlanRow
from aistock.trading.planner import PROPOSED, PlanError, PlannedBatch
from aistock.trading.preview.service import PreviewService
from aistock.ui.account_views import CANCELLED_COLOUR, InstrumentNames, local_datetime
from aistock.ui.monitor import WARN_COLOUR
from aistock.ui.supervision_outcome import FAILED_COLOUR

SKIPPED = "skipped"
"""The outcome of a plan row for a target that never became an order."""


def current_user() -> str:
    """Who approves: the login name (recorded on the plan)."""
    try:
        return getpass.getuser()
    except Exception:  # no login name (a service account): still record something
        return "workstation"


def preview_weights(previews: PreviewService, preview_id: int) -> tuple[dt.date, dict[str, float]]:
    """The instance's latest book as target weights: market value / total value, per code."""
    accounts = previews.accounts(preview_id, settled_only=False)
    if accounts.empty:
        raise PlanError(
            f"preview #{preview_id} has not traded yet, so it has no book to copy",
            "replay it over a few days (or let it trade a day) and plan again",
        )
    last = accounts.iloc[-1]
    day = last["trading_day"]
    total = float(last["total_value"])
    if not (math.isfinite(total) and total > 0):
        raise PlanError(
            f"preview #{preview_id} has no usable total value on {day} ({total!r})",
            "replay it and plan again",
        )
    weights: dict[str, float] = {}
    for position in previews.positions(preview_id, day):
        if position.volume > 0 and position.market_value > 0:
            weights[position.code] = position.market_value / total
    return day, weights


@dataclass(frozen=True, slots=True)
class PlanRecord:
    """One stored plan as the plans list shows it."""

    id: int
    created: dt.datetime | None
    kind: str
    strategy: str
    status: str
    orders: int
    approvable: int
    denied: int
    decided_by: str
    note: str


def plan_record(row: OrderPlanRow) -> PlanRecord:
    """Counts from the stored payload; a payload that cannot be read shows as 0 orders."""
    orders = approvable = denied = 0
    try:
        payload = json.loads(row.payload_json)
        decisions = payload.get("decisions", [])
        orders = len(payload.get("orders", []))
        approvable = sum(1 for d in decisions if d.get("order") is not None)
        denied = sum(1 for d in decisions if d.get("outcome") == Outcome.DENIED.value)
    except (ValueError, AttributeError, TypeError):
        pass
    return PlanRecord(
        id=row.id or 0,
        created=local_datetime(row.created_at),
        kind=row.kind,
        strategy=row.strategy,
        status=row.status,
        orders=orders,
        approvable=approvable,
        denied=denied,
        decided_by=row.decided_by,
        note=row.note.splitlines()[0] if row.note else "",
    )


@dataclass(frozen=True, slots=True)
class PlanOrderRow:
    """One order of a plan with the risk engine's decision on it."""

    plan_id: int
    index: int
    """Position in the plan (its scheduled orders)."""
    approved_index: int | None
    """Position among the plan's approved orders (what ``execute(only=...)`` takes); None if denied."""
    code: str
    name: str
    side: str
    volume: int | None
    """The volume asked (None for a skipped target: it never became an order)."""
    approved_volume: int | None
    price_type: str
    price: float | None
    not_before: dt.time | None
    rule: str
    outcome: str
    reasons: str
    message: str

    @property
    def approvable(self) -> bool:
        return self.approved_index is not None


def plan_order_rows(batch: PlannedBatch, names: InstrumentNames | None = None) -> list[PlanOrderRow]:
    rows = []
    approved = 0
    for i, (scheduled, decision) in enumerate(zip(batch.scheduled, batch.verdict.decisions, strict=True)):
        order = decision.order
        request = scheduled.request
        rows.append(
            PlanOrderRow(
                plan_id=batch.plan_id,
                index=i,
                approved_index=approved if order is not None else None,
                code=request.code,
                name=names(request.code) if names is not None else "",
                side=request.side.value,
                volume=request.volume,
                approved_volume=order.volume if order is not None else None,
                price_type=request.price_type.value,
                price=request.price if request.price > 0 else None,
                not_before=scheduled.not_before,
                rule=scheduled.rule,
                outcome=decision.outcome.value,
                reasons=", ".join(c.value for c in decision.codes),
                message="; ".join(r.message for r in decision.reasons),
            )
        )
        if order is not None:
            approved += 1
    # Targets the planner could not turn into an order (T+1, limit-up, too small ...): shown so
    # the trader sees why a holding is not being sold, never approvable.
    for k, skipped in enumerate(batch.plan.skipped):
        rows.append(
            PlanOrderRow(
                plan_id=batch.plan_id,
                index=len(batch.scheduled) + k,
                approved_index=None,
                code=skipped.code,
                name=names(skipped.code) if names is not None else "",
                side=skipped.side.value if skipped.side is not None else "",
                volume=None,
                approved_volume=None,
                price_type="",
                price=None,
                not_before=None,
                rule="",
                outcome=SKIPPED,
                reasons=skipped.reason.value,
                message=skipped.message,
            )
        )
    return rows


def kind_text(kind: str) -> str:
    if kind == "rebalance":
        return QCoreApplication.translate("PlansSection", "Rebalance")
    if kind == "reduce_to_cash":
        return QCoreApplication.translate("PlansSection", "Reduce to cash")
    return kind


def plan_status_text(status: str) -> str:
    if status == PROPOSED:
        return QCoreApplication.translate("PlansSection", "Proposed")
    if status == "approved":
        return QCoreApplication.translate("PlansSection", "Approved")
    if status == "sent":
        return QCoreApplication.translate("PlansSection", "Sent")
    if status == "rejected":
        return QCoreApplication.translate("PlansSection", "Rejected")
    return status


def outcome_text(outcome: str) -> str:
    if outcome == Outcome.APPROVED.value:
        return QCoreApplication.translate("PlansSection", "Approved")
    if outcome == Outcome.SHRUNK.value:
        return QCoreApplication.translate("PlansSection", "Shrunk")
    if outcome == Outcome.DENIED.value:
        return QCoreApplication.translate("PlansSection", "Denied")
    if outcome == SKIPPED:
        return QCoreApplication.translate("PlansSection", "Skipped")
    return outcome


def plan_colour(record: PlanRecord) -> QColor | None:
    if record.status == "rejected":
        return CANCELLED_COLOUR
    return None


def plan_order_colour(row: PlanOrderRow) -> QColor | None:
    if row.outcome == Outcome.DENIED.value:
        return FAILED_COLOUR
    if row.outcome == Outcome.SHRUNK.value:
        return WARN_COLOUR
    if row.outcome == SKIPPED:
        return CANCELLED_COLOUR
    return None
