"""Order supervision: the trader's ticket, plans for approval, open orders and risk refusals.

One panel per trading account, built from its :class:`~aistock.workflows.workstation_session.TradingDesk`.
Every order it sends goes through ``desk.router`` — the ticket's directly, a plan's through
``desk.planner.execute`` — so the risk rules, the pacing and the kill-switch's gate judge each one;
nothing here can skip them. Every send asks first, and the question names the account and its
mode; on a LIVE account the panel wears a red strip and every confirmation is a warning.

Layout: the mode strip and the ticket (with the outcome of the last order) on top; below, tabs
for the open orders, the plans and the risk events, each with its count in the tab title. The
commands are ``QAction`` objects shared by the buttons and the window's "Orders" menu.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QGroupBox, QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from aistock.core.fees import Side
from aistock.core.modes import AccountMode
from aistock.trading.monitoring import MonitoringService
from aistock.trading.preview.service import PreviewService
from aistock.ui.account_views import InstrumentNames
from aistock.ui.badges import mode_badge_style
from aistock.ui.bridge import EngineBridge
from aistock.ui.jobs import JobRunner
from aistock.ui.supervision_orders import LiveOrdersSection, RiskEventsSection
from aistock.ui.supervision_plans import PlansSection
from aistock.ui.supervision_ticket import OrderTicket
from aistock.ui.texts import mode_description, mode_name
from aistock.workflows.workstation_session import TradingDesk

TAB_LIVE, TAB_PLANS, TAB_RISK = 0, 1, 2


class SupervisionPanel(QWidget):
    """Ticket, plans for approval, live orders and risk denials of one account."""

    def __init__(
        self,
        desk: TradingDesk,
        previews: PreviewService,
        monitoring: MonitoringService,
        bridge: EngineBridge,
        jobs: JobRunner,
        account_mode: AccountMode,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("supervisionPanel")
        self.desk = desk
        self.account_mode = account_mode
        names = InstrumentNames(desk.account.service.store)

        self.mode_strip = QLabel(self)
        self.mode_strip.setObjectName("supervisionMode")
        self.mode_strip.setStyleSheet(mode_badge_style(account_mode))
        self.mode_strip.setText(
            QCoreApplication.translate("SupervisionPanel", "{mode} · account {account}").format(
                mode=mode_name(account_mode), account=desk.account_id
            )
        )
        self.mode_strip.setToolTip(mode_description(account_mode))
        mode_note = QLabel(mode_description(account_mode), self)
        mode_note.setObjectName("supervisionModeNote")
        if account_mode is AccountMode.LIVE:
            mode_note.setStyleSheet("color: #d50000; font-weight: bold;")
        else:
            mode_note.setStyleSheet("color: palette(placeholder-text);")

        self.ticket = OrderTicket(desk, account_mode, jobs, names, self)
        ticket_box = QGroupBox(QCoreApplication.translate("SupervisionPanel", "Order ticket"), self)
        ticket_box.setObjectName("ticketBox")
        box_layout = QVBoxLayout(ticket_box)
        box_layout.setContentsMargins(6, 4, 6, 4)
        box_layout.setSpacing(4)
        head = QVBoxLayout()
        head.setSpacing(2)
        head.addWidget(self.mode_strip, 0, Qt.AlignmentFlag.AlignLeft)
        head.addWidget(mode_note)
        box_layout.addLayout(head)
        box_layout.addWidget(self.ticket, 1)

        self.live = LiveOrdersSection(
            desk.account.service, desk.router, desk.account_id, bridge, jobs, account_mode, self
        )
        self.plans = PlansSection(desk, previews, bridge, jobs, account_mode, names, self)
        self.risk = RiskEventsSection(monitoring, desk.account_id, bridge, self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("supervisionTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.live, "")
        self.tabs.addTab(self.plans, "")
        self.tabs.addTab(self.risk, "")
        self.live.count_changed.connect(lambda n: self._title(TAB_LIVE, n))
        self.plans.count_changed.connect(lambda n: self._title(TAB_PLANS, n))
        self.risk.count_changed.connect(lambda n: self._title(TAB_RISK, n))
        self._title(TAB_LIVE, len(self.live.records()))
        self._title(TAB_PLANS, len(desk.planner.proposed(desk.account_id)))
        self._title(TAB_RISK, len(self.risk.records()))
        # A sent order shows at once among the open orders (the bridge's event follows anyway).
        self.ticket.routed.connect(lambda _report: self.live.refresh())
        self.plans.executed.connect(lambda _report: self.live.refresh())

        self.focus_ticket_action = QAction(
            QCoreApplication.translate("SupervisionPanel", "Send order…"), self
        )
        self.focus_ticket_action.setObjectName("focusTicketAction")
        self.focus_ticket_action.setToolTip(
            QCoreApplication.translate("SupervisionPanel", "Go to the order ticket")
        )
        self.focus_ticket_action.triggered.connect(self.focus_ticket)
        self._separators = (QAction(self), QAction(self))
        for separator in self._separators:
            separator.setSeparator(True)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setObjectName("supervisionSplitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(ticket_box)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter)

    # -- menu (aistock.ui.panel.ProvidesMenu) --------------------------------------------------------------
    def menu_title(self) -> str:
        return QCoreApplication.translate("SupervisionPanel", "&Orders")

    def menu_actions(self) -> list[QAction]:
        return [
            self.focus_ticket_action,
            self._separators[0],
            self.plans.plan_preview_action,
            self.plans.plan_reduction_action,
            self.plans.approve_all_action,
            self.plans.approve_selected_action,
            self.plans.reject_action,
            self._separators[1],
            self.live.cancel_selected_action,
            self.live.cancel_all_action,
        ]

    # -- commands ----------------------------------------------------------------------------------------
    def focus_ticket(self) -> None:
        """Bring the ticket forward with the code selected, ready to type."""
        self.ticket.code_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.ticket.code_edit.selectAll()

    def prepare_sell(self, code: str, sellable: int) -> None:
        """Fill the ticket with a sell of ``sellable`` shares of ``code`` (a double-clicked position).

        Nothing is sent: the trader checks the price and presses Sell, which asks to confirm.
        """
        self.ticket.set_order(code, Side.SELL, max(sellable, 0))
        self.ticket.volume_spin.setFocus(Qt.FocusReason.OtherFocusReason)
        self.ticket.volume_spin.selectAll()

    def refresh(self) -> None:
        self.live.refresh()
        self.plans.refresh()
        self.risk.refresh()

    def _title(self, tab: int, count: int) -> None:
        if tab == TAB_LIVE:
            text = QCoreApplication.translate("SupervisionPanel", "Open orders ({n})").format(n=count)
        elif tab == TAB_PLANS:
            text = QCoreApplication.translate("SupervisionPanel", "Plans ({n})").format(n=count)
        else:
            text = QCoreApplication.translate("SupervisionPanel", "Risk events ({n})").format(n=count)
        self.tabs.setTabText(tab, text)
