"""The UI tests' real-engine fixture: a demo paper account that takes, fills and reports orders."""

from __future__ import annotations

from aistock.core.fees import Side
from aistock.core.orders import OrderRequest, PriceType
from aistock.workflows.workstation_session import WorkstationSession


def test_workstation_fixture_routes_and_fills(workstation: WorkstationSession) -> None:
    desk = workstation.desk
    assert desk is not None and desk.counter is not None
    changed: list[str] = []
    desk.account.manager.changed_listeners.append(changed.append)
    code = desk.counter.market.codes[0]
    report = desk.router.route([OrderRequest(code, Side.BUY, 100, PriceType.LATEST, 0.0, strategy="t")])
    assert len(report.sent) == 1, report.describe()
    desk.counter.advance(2)
    assert desk.account.manager.wait_idle(5)
    orders = desk.account.service.get_orders(desk.account_id)
    assert [o.filled_volume for o in orders] == [100]
    assert changed and set(changed) == {desk.account_id}
    assert desk.connection_state() == "connected"
