"""Order supervision against the real engines: ticket, cancels, risk events, plans for approval.

Every test drives the panel as a trader would (fill the ticket, answer the confirmation, pick
rows, press the actions) on the demo paper account at the built-in miniQMT, and checks the
result in the account's book and the monitoring store, not in the panel alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pytestqt.qtbot import QtBot

from aistock.core.fees import Side
from aistock.core.modes import AccountMode
from aistock.core.orders import OrderRequest, OrderStatus, PriceType
from aistock.ui.account_views import OrdersPanel
from aistock.ui.bridge import EngineBridge
from aistock.ui.jobs import JobRunner
from aistock.ui.panel import ProvidesMenu
from aistock.ui.supervision import SupervisionPanel
from aistock.workflows.workstation_session import TradingDesk, WorkstationSession

WAIT_MS = 10_000


@dataclass
class Rig:
    session: WorkstationSession
    desk: TradingDesk
    bridge: EngineBridge
    jobs: JobRunner
    panel: SupervisionPanel

    @property
    def account_id(self) -> str:
        return self.desk.account_id

    def orders(self) -> dict[str, OrderStatus]:
        return {o.client_order_id: o.status for o in self.desk.account.service.get_orders(self.account_id)}

    def advance(self, minutes: int = 1) -> None:
        assert self.desk.counter is not None
        self.desk.counter.advance(minutes)
        assert self.desk.account.manager.wait_idle(5)

    def resting_price(self, code: str) -> float:
        """A limit buy price that will not fill for a while: a cent above limit-down."""
        assert self.desk.counter is not None
        reference = self.desk.counter.market.reference(code)
        assert reference is not None and reference.down_limit is not None
        return round(reference.down_limit + 0.01, 2)

    def rest(self, code: str) -> str:
        """A resting buy placed from outside the panel (as another tool would)."""
        report = self.desk.router.route(
            [OrderRequest(code, Side.BUY, 100, PriceType.LIMIT, self.resting_price(code), strategy="t")],
            origin="test",
        )
        assert len(report.sent) == 1, report.describe()
        return report.sent[0][1]


def _tradable(desk: TradingDesk, n: int) -> list[str]:
    assert desk.counter is not None
    market = desk.counter.market
    codes = [
        code
        for code in market.codes
        if (ref := market.reference(code)) is not None
        and not ref.suspended
        and ref.pre_close < 60
        and code.startswith(("00", "60"))
    ]
    assert len(codes) >= n
    return codes[:n]


@contextmanager
def built(qtbot: QtBot, session: WorkstationSession, mode: AccountMode = AccountMode.PAPER) -> Iterator[Rig]:
    desk = session.desk
    assert desk is not None
    bridge = EngineBridge(coalesce_ms=20)
    bridge.watch(desk.account.manager.changed_listeners, bridge.book_changed)
    bridge.watch(session.monitoring.listeners, bridge.event_recorded)
    bridge.watch(session.tick_listeners, bridge.previews_ticked)
    jobs = JobRunner()
    panel = SupervisionPanel(desk, session.previews, session.monitoring, bridge, jobs, mode)
    qtbot.addWidget(panel)
    try:
        yield Rig(session, desk, bridge, jobs, panel)
    finally:
        jobs.cancel_all()
        bridge.close()


@pytest.fixture
def rig(qtbot: QtBot, workstation: WorkstationSession) -> Iterator[Rig]:
    with built(qtbot, workstation) as made:
        yield made


# -- the ticket -------------------------------------------------------------------------------------------


def test_ticket_sends_after_confirmation_and_the_order_can_be_cancelled(
    qtbot: QtBot, rig: Rig, dialog_answers: Any
) -> None:
    answers = dialog_answers
    (code,) = _tradable(rig.desk, 1)
    orders_panel = OrdersPanel(rig.desk.account.service, rig.account_id, rig.bridge)
    qtbot.addWidget(orders_panel)
    ticket = rig.panel.ticket
    price = rig.resting_price(code)
    ticket.set_order(code[:6], Side.BUY, 200, PriceType.LIMIT, price)
    assert ticket.code_edit.text() == code  # 000002 → 000002.SZ

    answers.confirm_answer = False
    assert not ticket.send()
    assert rig.orders() == {}  # declined: nothing sent
    _title, text = answers.confirms[-1]
    for part in (rig.account_id, "Paper", "Buy", "200", code, f"{price:.2f}"):
        assert part in text, (part, text)

    answers.confirm_answer = True
    assert ticket.send()
    qtbot.waitUntil(lambda: ticket.last_report is not None, timeout=WAIT_MS)
    assert ticket.last_report is not None
    ((sent, client_id),) = ticket.last_report.sent
    assert (sent.code, sent.volume, sent.price) == (code, 200, price)
    assert client_id in ticket.outcome.headline.text()
    assert [r.client_order_id for r in ticket.outcome.rows()] == [client_id]
    qtbot.waitUntil(
        lambda: client_id in [o.client_order_id for o in rig.panel.live.records()], timeout=WAIT_MS
    )
    qtbot.waitUntil(lambda: client_id in [o.client_order_id for o in orders_panel.records()], timeout=WAIT_MS)
    assert "(1)" in rig.panel.tabs.tabText(0)

    rig.panel.live.view.select_keys([client_id])
    assert rig.panel.live.cancel_selected_action.isEnabled()
    rig.panel.live.cancel_selected_action.trigger()
    qtbot.waitUntil(lambda: rig.panel.live.last_result is not None, timeout=WAIT_MS)
    assert rig.panel.live.last_result is not None and rig.panel.live.last_result.requested == [client_id]
    rig.advance(1)
    qtbot.waitUntil(lambda: rig.orders()[client_id] is OrderStatus.CANCELLED, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: (
            [o.status for o in orders_panel.records() if o.client_order_id == client_id]
            == [OrderStatus.CANCELLED]
        ),
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(lambda: rig.panel.live.records() == [], timeout=WAIT_MS)

    # A cancel of an order that has ended meanwhile is a calm note, not an error.
    rig.panel.live.last_result = None
    rig.panel.live.cancel([client_id])
    qtbot.waitUntil(lambda: rig.panel.live.last_result is not None, timeout=WAIT_MS)
    assert rig.panel.live.last_result is not None
    assert rig.panel.live.last_result.already_final == [client_id]
    assert "nothing left to cancel" in rig.panel.live.status_label.text()
    assert answers.errors == []


def test_denied_orders_show_their_reason_codes_in_the_ticket_and_the_risk_list(
    qtbot: QtBot, rig: Rig, dialog_answers: Any
) -> None:
    dialog_answers.confirm_answer = True
    ticket = rig.panel.ticket
    ticket.set_order("600999", Side.BUY, 100, PriceType.LIMIT, 10.0)  # no such stock in the market
    assert ticket.send()
    qtbot.waitUntil(lambda: ticket.last_report is not None, timeout=WAIT_MS)
    (row,) = ticket.outcome.rows()
    assert (row.code, row.result, row.reasons) == ("600999.SH", "denied", "no_price")
    assert "no_price" in ticket.outcome.headline.text()
    qtbot.waitUntil(
        lambda: (
            [(r.code, r.kind, r.reasons) for r in rig.panel.risk.records()]
            == [("600999.SH", "risk_denial", "no_price")]
        ),
        timeout=WAIT_MS,
    )

    # A sell of a stock the account does not hold: denied, newest first in the list.
    (held_not,) = _tradable(rig.desk, 1)
    ticket.last_report = None
    ticket.set_order(held_not, Side.SELL, 100, PriceType.LATEST)
    assert ticket.send()
    qtbot.waitUntil(lambda: ticket.last_report is not None, timeout=WAIT_MS)
    assert [r.reasons for r in ticket.outcome.rows()] == ["unknown_position"]
    qtbot.waitUntil(lambda: len(rig.panel.risk.records()) == 2, timeout=WAIT_MS)
    assert rig.panel.risk.records()[0].reasons == "unknown_position"
    assert "(2)" in rig.panel.tabs.tabText(2)
    assert rig.orders() == {}


def test_a_code_the_ticket_cannot_read_is_an_inline_error_and_asks_nothing(
    rig: Rig, dialog_answers: Any
) -> None:
    ticket = rig.panel.ticket
    ticket.set_order("12345", Side.BUY, 100, PriceType.LIMIT, 10.0)
    assert not ticket.send()
    assert not ticket.error_label.isHidden() and "12345" in ticket.error_label.text()
    ticket.set_order("600000.SH", Side.BUY, 0, PriceType.LIMIT, 10.0)
    assert not ticket.send()
    assert "volume" in ticket.error_label.text()
    assert dialog_answers.confirms == []
    assert rig.orders() == {}


def test_while_halted_the_ticket_is_refused_and_says_so(qtbot: QtBot, rig: Rig, dialog_answers: Any) -> None:
    rig.session.kill_switch.engage("test halt", by="test")
    dialog_answers.confirm_answer = True
    ticket = rig.panel.ticket
    (code,) = _tradable(rig.desk, 1)
    ticket.set_order(code, Side.BUY, 100, PriceType.LATEST)
    assert ticket.send()
    qtbot.waitUntil(lambda: ticket.last_report is not None, timeout=WAIT_MS)
    (row,) = ticket.outcome.rows()
    assert row.result == "denied" and row.reasons == "trading_halted"
    assert "trading_halted" in ticket.outcome.headline.text()
    assert rig.orders() == {}


def test_live_mode_confirmations_are_warnings_that_say_so(
    qtbot: QtBot, workstation: WorkstationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aistock.ui import dialogs

    asked: list[tuple[str, bool]] = []

    def confirm(parent: object, title: str, text: str, action: str, *, danger: bool = False) -> bool:
        asked.append((text, danger))
        return False

    monkeypatch.setattr(dialogs, "confirm", confirm)
    with built(qtbot, workstation, AccountMode.LIVE) as rig:
        assert "LIVE" in rig.panel.mode_strip.text()
        rig.panel.ticket.set_order("600000.SH", Side.BUY, 100, PriceType.LIMIT, 10.0)
        assert not rig.panel.ticket.send()
        rig.rest(_tradable(rig.desk, 1)[0])
        rig.panel.live.refresh()
        assert rig.panel.live.cancel_all() is None
    assert [danger for _, danger in asked] == [True, True]
    assert "real money" in asked[0][0] and "LIVE" in asked[0][0]
    assert "LIVE" in asked[1][0]  # cancel all names the mode too


def test_cancel_all_confirms_once_naming_the_count_and_cancels_every_order(
    qtbot: QtBot, rig: Rig, dialog_answers: Any
) -> None:
    answers = dialog_answers
    ids = [rig.rest(code) for code in _tradable(rig.desk, 3)]
    qtbot.waitUntil(lambda: len(rig.panel.live.records()) == 3, timeout=WAIT_MS)

    answers.confirm_answer = False
    assert rig.panel.live.cancel_all() is None
    assert "3" in answers.confirms[-1][1]
    rig.advance(1)
    assert set(rig.orders().values()) == {OrderStatus.LIVE}

    answers.confirm_answer = True
    rig.panel.live.cancel_all_action.trigger()
    qtbot.waitUntil(lambda: rig.panel.live.last_result is not None, timeout=WAIT_MS)
    assert rig.panel.live.last_result is not None and sorted(rig.panel.live.last_result.requested) == sorted(
        ids
    )
    assert len(answers.confirms) == 2
    rig.advance(1)
    qtbot.waitUntil(lambda: rig.orders() == dict.fromkeys(ids, OrderStatus.CANCELLED), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: rig.panel.live.records() == [], timeout=WAIT_MS)
    assert not rig.panel.live.cancel_all_action.isEnabled()


def test_the_orders_menu_offers_the_panel_commands(rig: Rig) -> None:
    panel = rig.panel
    assert isinstance(panel, ProvidesMenu)
    assert panel.menu_title() == "&Orders"
    names = [a.objectName() for a in panel.menu_actions() if not a.isSeparator()]
    assert names == [
        "focusTicketAction",
        "planFromPreviewAction",
        "planReductionAction",
        "approveAllAction",
        "approveSelectedAction",
        "rejectPlanAction",
        "cancelSelectedAction",
        "cancelAllAction",
    ]
    panel.ticket.code_edit.setText("600000.SH")
    panel.focus_ticket_action.trigger()
    assert panel.ticket.code_edit.selectedText() == "600000.SH"  # ready to type over


# -- plans ------------------------------------------------------------------------------------------------


def _file_preview(session: WorkstationSession, tmp_path: Path, days: int = 4) -> int:
    """A file-sourced preview (top 5 of random scores) replayed over the last few sessions."""
    from aistock.trading.portfolio.config import TopkDropoutConfig
    from aistock.trading.preview.config import PreviewConfig

    previews = session.previews
    sessions = previews.calendar.sessions
    codes = session.data.instruments("all")
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        [(pd.Timestamp(d), c, float(rng.normal())) for d in sessions[-(days + 2) :] for c in codes],
        columns=["datetime", "instrument", "score"],
    )
    path = tmp_path / "scores.parquet"
    frame.to_parquet(path)
    config = PreviewConfig(strategy=TopkDropoutConfig(topk=5, n_drop=1), bars="day")
    row = previews.create(
        "ui plan", source_kind="file", source_ref=str(path), start=sessions[-days], config=config
    )
    assert row.id is not None
    assert previews.replay(row.id, sessions[-days], sessions[-1]) == days
    return row.id


def test_plan_from_a_preview_approve_two_orders_and_reject_another_plan(
    qtbot: QtBot, rig: Rig, dialog_answers: Any, tmp_path: Path
) -> None:
    answers = dialog_answers
    preview_id = _file_preview(rig.session, tmp_path)
    plans = rig.panel.plans

    dialog = plans.make_preview_dialog()
    qtbot.addWidget(dialog)
    assert [p.id for p in dialog.view.records()] == [preview_id]
    dialog.select(preview_id)
    assert dialog.selected_id() == preview_id
    assert plans.accept_preview_dialog(dialog) is not None
    qtbot.waitUntil(lambda: plans.last_planned is not None, timeout=WAIT_MS)
    batch = plans.last_planned
    assert batch is not None and batch.plan.orders
    assert all(o.strategy == f"preview:{preview_id}" for o in batch.approved)
    held = {p.code for p in rig.session.previews.positions(preview_id, None)}
    assert {o.code for o in batch.plan.orders} <= held
    assert plans.selected_plan() is not None and plans.selected_plan().id == batch.plan_id  # type: ignore[union-attr]
    rows = [r for r in plans.order_rows() if r.approvable]
    assert len(rows) >= 3, batch.describe()
    assert "(1)" in rig.panel.tabs.tabText(1)

    picked = rows[:2]
    plans.orders_view.select_keys([(r.plan_id, r.index) for r in picked])
    assert plans.approve_selected_action.isEnabled()
    answers.confirm_answer = False
    assert plans.approve_selected() is None
    assert rig.orders() == {}
    answers.confirm_answer = True
    plans.approve_selected_action.trigger()
    qtbot.waitUntil(lambda: plans.last_report is not None, timeout=WAIT_MS)
    report = plans.last_report
    assert report is not None
    wanted = [batch.approved[r.approved_index] for r in picked if r.approved_index is not None]
    assert [order for order, _ in report.sent] == wanted
    sent_ids = [client_id for _, client_id in report.sent]
    booked = rig.desk.account.service.get_orders(rig.account_id)
    assert [(o.client_order_id, o.code, o.volume) for o in booked] == [
        (client_id, o.code, o.volume) for o, client_id in report.sent
    ]
    assert set(sent_ids) == set(rig.orders())
    assert [r.went_out for r in plans.outcome.rows()] == [True, True]
    assert "Send 2 of the" in answers.confirms[-1][1]
    assert plans.selected_plan() is None or plans.selected_plan().id != batch.plan_id  # type: ignore[union-attr]

    # Another plan, rejected with a reason: it leaves the proposed list and says so.
    plans.plan_reduction()
    qtbot.waitUntil(lambda: plans.last_planned is not None and plans.last_planned.plan_id != batch.plan_id)
    second = plans.last_planned
    assert second is not None
    assert plans.selected_plan() is not None and plans.selected_plan().id == second.plan_id  # type: ignore[union-attr]
    answers.text_answer = "not today"
    plans.reject_action.trigger()
    assert [r.id for r in plans.plans_view.records()] == []
    assert f"#{second.plan_id} rejected" in plans.status_label.text()
    plans.show_decided.setChecked(True)
    statuses = {r.id: r.status for r in plans.plans_view.records()}
    assert statuses == {batch.plan_id: "sent", second.plan_id: "rejected"}
    assert "not today" in rig.desk.planner.plans(rig.account_id)[0].note
    assert "(0)" in rig.panel.tabs.tabText(1)


def test_denied_plan_orders_are_shown_but_cannot_be_approved(
    qtbot: QtBot, rig: Rig, dialog_answers: Any
) -> None:
    plans = rig.panel.plans
    a, b = _tradable(rig.desk, 2)
    rig.session.kill_switch.engage("test halt", by="test")  # every order of the plan is denied
    batch = rig.desk.planner.plan_orders(rig.account_id, {a: 0.05, b: 0.05}, strategy="t")
    assert not batch.approved and batch.verdict.denied
    plans.refresh()
    plans.select_plan(batch.plan_id)
    rows = plans.order_rows()
    assert [r.outcome for r in rows] == ["denied", "denied"] and {r.reasons for r in rows} == {
        "trading_halted"
    }
    plans.orders_view.select_keys([(r.plan_id, r.index) for r in rows])
    assert not plans.approve_all_action.isEnabled() and not plans.approve_selected_action.isEnabled()
    assert plans.approve_all() is None and plans.approve_selected() is None
    assert dialog_answers.confirms == []
    assert plans.reject_action.isEnabled()


# -- reduction to cash (needs shares held since before today: T+1) ------------------------------------------


@pytest.fixture
def seeded_workstation(tmp_path: Path) -> Iterator[tuple[WorkstationSession, str]]:
    """The demo session whose paper account starts the day holding 2,000 shares of one stock."""
    from aistock.store import open_store, resolve_home
    from aistock.trading.gateways.simulator import AccountSeed, DemoMinuteTape, SimCounter
    from aistock.trading.paper import STATE_FILE
    from aistock.workflows.demo_world import DemoSettings, prepare_demo_world
    from aistock.workflows.paper_demo import DEMO_PAPER_ACCOUNT, demo_broker_dir, wait_reconciled
    from aistock.workflows.workstation_session import open_demo_session

    home = resolve_home(tmp_path / "seeded").ensure()
    with open_store(home) as store:
        settings = DemoSettings(
            seed=11, stocks=60, days=300, minute_days=3, end=dt.date(2025, 11, 21), rdagent=False, paper=False
        )
        world = prepare_demo_world(home, store, settings)
        data = world.data_service()
        tape = DemoMinuteTape(data)
        held = next(
            c for c in tape.codes if (r := tape.reference(c)) and not r.suspended and c.startswith("00")
        )
        broker = demo_broker_dir(home)
        broker.mkdir(parents=True, exist_ok=True)
        (broker / STATE_FILE).unlink(missing_ok=True)
        SimCounter(
            tape,
            {DEMO_PAPER_ACCOUNT: AccountSeed(1_000_000.0, {held: (2_000, 3.0)})},
            state_path=broker / STATE_FILE,
        )
        session = open_demo_session(home, store, data, world.calendar(), poll_interval_s=0.2)
        assert session.desk is not None and wait_reconciled(session.desk.account)
        yield session, held
        session.close()


def test_reduction_to_cash_after_a_fill_shows_the_sells(
    qtbot: QtBot, seeded_workstation: tuple[WorkstationSession, str], dialog_answers: Any
) -> None:
    session, held = seeded_workstation
    with built(qtbot, session) as rig:
        bought = next(c for c in _tradable(rig.desk, 5) if c != held)
        report = rig.desk.router.route(
            [OrderRequest(bought, Side.BUY, 1_000, PriceType.LATEST)], origin="test"
        )
        assert len(report.sent) == 1
        rig.advance(3)
        assert {p.code for p in rig.desk.account.service.get_current_positions(rig.account_id)} == {
            held,
            bought,
        }

        plans = rig.panel.plans
        plans.plan_reduction_action.trigger()
        qtbot.waitUntil(lambda: plans.last_planned is not None, timeout=WAIT_MS)
        rows = {(r.code, r.side, r.outcome): r for r in plans.order_rows()}
        sell = rows[(held, "sell", "approved")]
        assert sell.volume == 2_000 and sell.approvable
        skipped = rows[(bought, "sell", "skipped")]  # bought today: T+1, shown with its reason
        assert skipped.reasons == "not_sellable" and not skipped.approvable
        assert plans.approve_all_action.isEnabled()
