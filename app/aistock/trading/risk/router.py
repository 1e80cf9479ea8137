"""The one door from a batch of wanted orders to the broker: risk, pacing, then the OMS.

Every mode that trades an account (a rebalance, a trader's ticket, the kill-switch's reduction)
goes through :meth:`OrderRouter.route`, so no order can skip the rules. Approved orders are
paced under the per-second limit; the OMS's gate still has the last word, so an order that was
approved a moment before the kill-switch was pulled is refused, not sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aistock.core.orders import OrderRequest
from aistock.core.risk import RiskCode, RiskVerdict
from aistock.core.trading_state import TradingState
from aistock.trading.monitoring import MonitorKind, Severity
from aistock.trading.oms.manager import OrderManager, OrderRefused
from aistock.trading.risk.engine import RiskEngine


@dataclass(frozen=True, slots=True)
class RouteReport:
    verdict: RiskVerdict
    sent: tuple[tuple[OrderRequest, str], ...] = ()
    """Approved orders handed to the OMS, with their client order ids."""
    refused: tuple[tuple[OrderRequest, str], ...] = ()
    """Approved orders that were not sent after all, with why (halted meanwhile, rate, link)."""

    def describe(self) -> str:
        return (
            f"{len(self.sent)} sent, {len(self.verdict.shrunk)} shrunk, {len(self.verdict.denied)} denied, "
            f"{len(self.refused)} refused at sending"
        )


class OrderRouter:
    def __init__(self, engine: RiskEngine, manager: OrderManager) -> None:
        self.engine = engine
        self.manager = manager

    @property
    def account_id(self) -> str:
        return self.manager.account_id

    def route(self, batch: Sequence[OrderRequest], *, origin: str = "manual") -> RouteReport:
        verdict = self.engine.validate(self.account_id, batch, origin=origin)
        sent: list[tuple[OrderRequest, str]] = []
        refused: list[tuple[OrderRequest, str]] = []
        halted = ""
        for order in verdict.approved:
            if halted:  # the kill-switch was pulled mid-batch: the rest is not even tried
                refused.append((order, halted))
                continue
            if not self.engine.pace(self.account_id, "order"):
                refused.append(
                    (
                        order,
                        f"[{RiskCode.RATE_SECOND.value}] order rate limit: "
                        "no slot within the wait, or the day is spent",
                    )
                )
                continue
            try:
                sent.append((order, self.manager.place_order(order)))
            except OrderRefused as exc:
                refused.append((order, str(exc)))
                if self.engine.state.current().state is TradingState.HALTED:
                    halted = str(exc)
        report = RouteReport(verdict, tuple(sent), tuple(refused))
        monitoring = self.engine.monitoring
        if monitoring is not None:
            for order, why in refused:
                monitoring.record(
                    MonitorKind.RISK_DENIAL,
                    f"{order.side.value} {order.volume} {order.code} not sent: {why}",
                    severity=Severity.WARNING,
                    account_id=self.account_id,
                    code=order.code,
                    context={"stage": "send", "origin": origin},
                )
        return report

    def cancel(self, client_order_id: str) -> None:
        """Cancels always pass; they are paced, never refused (a cancel only lowers risk)."""
        self.engine.pace(self.account_id, "cancel", max_wait_s=1.0)
        self.manager.cancel_order(client_order_id)
