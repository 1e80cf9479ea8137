"""The workstation's panels, built on a :class:`WorkstationSession` and placed in the main window.

This is the one place that knows which engine feeds which panel. It wires the engines'
listener lists to the :class:`EngineBridge` (so events reach the GUI thread), installs the
kill-switch, and registers the panels:

* pages (the central area): Overview, Preview comparison, Research;
* docks: the account views (asset, positions, orders, fills), order supervision, the
  simulated exchange's clock (paper on the built-in simulator only), and the log.

Closing the window cancels running jobs and detaches every listener before the session closes
the engines, so no late callback reaches a deleted widget.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, Qt

from aistock.core.modes import AccountMode
from aistock.trading.risk.kill_switch import KillReport
from aistock.ui.bridge import EngineBridge
from aistock.ui.jobs import JobRunner
from aistock.ui.kill_switch_control import KillSwitchControl, engage_summary
from aistock.ui.main_window import MainWindow
from aistock.ui.simulator_control import SimulatorControl
from aistock.workflows.workstation_session import WorkstationSession

log = logging.getLogger(__name__)


class WorkstationUi:
    """Owns the bridge, the job runner and the panels of one window."""

    def __init__(self, window: MainWindow, session: WorkstationSession, *, account_mode: AccountMode) -> None:
        self.window = window
        self.session = session
        self.jobs = JobRunner(window)
        self.bridge = EngineBridge(window)
        self._wire_bridge()

        self.kill_switch = KillSwitchControl(session.kill_switch, self.jobs, parent=window)
        window.install_kill_switch(self.kill_switch)
        self.kill_switch.engaged.connect(self._engaged)
        self.kill_switch.released.connect(lambda _state: window.refresh_trading_state())

        self._add_pages()
        self._add_trading_docks(account_mode)
        window.closed.connect(self.close)

    # -- wiring ------------------------------------------------------------------------------------
    def _wire_bridge(self) -> None:
        session, bridge = self.session, self.bridge
        bridge.watch(session.monitoring.listeners, bridge.event_recorded)
        bridge.watch(session.tick_listeners, bridge.previews_ticked)
        if session.desk is not None:
            bridge.watch(session.desk.account.manager.changed_listeners, bridge.book_changed)

    def _add_pages(self) -> None:
        from aistock.ui.preview.page import PreviewPage
        from aistock.ui.research.page import ResearchPage

        session, window = self.session, self.window
        self.preview_page = PreviewPage(session.previews, session.repository, self.bridge, self.jobs)
        window.add_page(
            self.preview_page, QCoreApplication.translate("Workstation", "Preview"), "previewPage"
        )
        self.research_page = ResearchPage(
            session.store,
            session.repository,
            session.selection,
            self.jobs,
            session.calendar,
            session.rdagent_export,
        )
        window.add_page(
            self.research_page, QCoreApplication.translate("Workstation", "Research"), "researchPage"
        )

    def _add_trading_docks(self, account_mode: AccountMode) -> None:
        from aistock.ui.account_views import AssetPanel, FillsPanel, OrdersPanel, PositionsPanel
        from aistock.ui.supervision import SupervisionPanel

        desk, window = self.session.desk, self.window
        if desk is None:
            return
        service, account_id, bridge = desk.account.service, desk.account_id, self.bridge
        right = Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.asset_panel = AssetPanel(service, account_id, bridge)
        self.positions_panel = PositionsPanel(service, account_id, bridge)
        self.orders_panel = OrdersPanel(service, account_id, bridge)
        self.fills_panel = FillsPanel(service, account_id, bridge)
        self.supervision = SupervisionPanel(
            desk, self.session.previews, self.session.monitoring, bridge, self.jobs, account_mode
        )
        translate = QCoreApplication.translate
        asset_dock = window.add_panel(
            self.asset_panel, translate("Workstation", "Account"), right, "assetPanel"
        )
        positions_dock = window.add_panel(
            self.positions_panel, translate("Workstation", "Positions"), bottom, "positionsPanel"
        )
        supervision_dock = window.add_panel(
            self.supervision, translate("Workstation", "Order supervision"), right, "supervisionPanel"
        )
        orders_dock = window.add_panel(
            self.orders_panel, translate("Workstation", "Orders"), bottom, "ordersPanel"
        )
        fills_dock = window.add_panel(
            self.fills_panel, translate("Workstation", "Fills"), bottom, "fillsPanel"
        )
        if not window.layout_was_restored:
            # Right: the account over the supervision desk. Bottom: positions beside the orders,
            # with fills and the log as tabs of the orders, so each list shows enough rows.
            window.splitDockWidget(asset_dock, supervision_dock, Qt.Orientation.Vertical)
            window.resizeDocks([asset_dock, supervision_dock], [220, 620], Qt.Orientation.Vertical)
            window.splitDockWidget(positions_dock, orders_dock, Qt.Orientation.Horizontal)
            log_dock = window.panels["logPanel"]
            window.tabifyDockWidget(orders_dock, fills_dock)
            window.tabifyDockWidget(orders_dock, log_dock)
            orders_dock.raise_()
            window.resizeDocks([positions_dock, orders_dock], [700, 900], Qt.Orientation.Horizontal)
            window.resizeDocks([positions_dock], [240], Qt.Orientation.Vertical)
        # A double-clicked position fills the ticket with its sellable shares (nothing is sent).
        self.positions_panel.view.record_activated.connect(
            lambda record: self.supervision.prepare_sell(record.code, record.sellable)
        )
        if desk.counter is not None:
            self.simulator = SimulatorControl(desk.counter)
            window.add_panel(
                self.simulator,
                translate("Workstation", "Simulated exchange"),
                Qt.DockWidgetArea.TopDockWidgetArea,
                "simulatorPanel",
            )

    # -- events ------------------------------------------------------------------------------------
    def _engaged(self, report: object) -> None:
        self.window.refresh_trading_state()
        if isinstance(report, KillReport):
            self.window.statusBar().showMessage(engage_summary(report), 15_000)

    def close(self) -> None:
        """Stop the jobs and detach from the engines (the window is closing)."""
        self.jobs.cancel_all()
        self.bridge.close()
