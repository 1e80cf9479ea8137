"""Plans waiting for a person: propose from a preview or to reduce to cash, then approve or reject.

A plan is what :class:`~aistock.trading.planner.OrderPlanner` proposed — priced, scheduled and
already judged by the risk rules — stored as an ``order_plan`` row. This section lists the
proposed ones (a plan made before a restart included: it is rebuilt from the store), shows the
selected plan's orders with the risk decision on each, and sends all of it or the rows the trader
picked, after a confirmation that names the account and its mode. Denied orders are shown so the
trader sees what will *not* happen, but they cannot be picked. Sending goes through
``OrderPlanner.execute`` and so through the router: judged afresh, paced, gated.

The target weights of "Plan from preview" are the preview instance's latest book: each holding's
market value over the instance's total value on the same day, so the cash it holds stays cash.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSplitter, QToolButton, QVBoxLayout, QWidget

from aistock.core.errors import AistockError
from aistock.core.modes import AccountMode
from aistock.trading.planner import PROPOSED, PlannedBatch
from aistock.trading.preview.service import PreviewService
from aistock.trading.risk.router import RouteReport
from aistock.ui import dialogs
from aistock.ui.account_views import InstrumentNames, keep_given_order, price_type_text
from aistock.ui.bridge import EngineBridge
from aistock.ui.jobs import CancelToken, Job, JobRunner, ProgressFn, Work, error_text
from aistock.ui.monitor import Column, Kind, MonitorView
from aistock.ui.supervision_jobs import JobFollower, was_cancelled
from aistock.ui.supervision_outcome import FAILED_COLOUR, SENT_COLOUR, RouteOutcomeView
from aistock.ui.supervision_plan_rows import (
    PlanOrderRow,
    PlanRecord,
    current_user,
    kind_text,
    outcome_text,
    plan_colour,
    plan_order_colour,
    plan_order_rows,
    plan_record,
    plan_status_text,
    preview_weights,
)
from aistock.ui.supervision_preview_pick import PreviewPickDialog
from aistock.ui.texts import mode_description, mode_name
from aistock.workflows.workstation_session import TradingDesk

DECIDED_LIMIT = 50
"""How many plans "Show decided plans" lists (newest first)."""


class PlansSection(QWidget):
    """Proposed plans, the selected plan's orders, and the commands that decide them."""

    count_changed = Signal(int)
    """How many plans are proposed (for the tab title)."""
    planned = Signal(object)
    """A new :class:`PlannedBatch` was proposed from this section."""
    executed = Signal(object)
    """The :class:`RouteReport` of an approved plan."""

    def __init__(
        self,
        desk: TradingDesk,
        previews: PreviewService,
        bridge: EngineBridge,
        jobs: JobRunner,
        account_mode: AccountMode,
        names: InstrumentNames,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("plansSection")
        self._desk = desk
        self._previews = previews
        self._mode = account_mode
        self._names = names
        self.follower = JobFollower(jobs, self)
        self.follower.busy_changed.connect(lambda _busy: self._update_actions())
        self.batch: PlannedBatch | None = None
        """The selected plan, rebuilt from the store (None when none, or when it is not proposed)."""
        self.last_report: RouteReport | None = None
        self.last_planned: PlannedBatch | None = None
        self.preview_dialog: PreviewPickDialog | None = None

        def action(name: str, text: str, tip: str) -> QAction:
            made = QAction(text, self)
            made.setObjectName(name)
            made.setToolTip(tip)
            made.setStatusTip(tip)
            return made

        self.plan_preview_action = action(
            "planFromPreviewAction",
            QCoreApplication.translate("PlansSection", "Plan from preview…"),
            QCoreApplication.translate("PlansSection", "Propose orders that copy a preview instance's book"),
        )
        self.plan_preview_action.triggered.connect(lambda: self.open_preview_dialog())
        self.plan_reduction_action = action(
            "planReductionAction",
            QCoreApplication.translate("PlansSection", "Plan reduction to cash"),
            QCoreApplication.translate(
                "PlansSection", "Propose selling everything sellable (judged as REDUCING)"
            ),
        )
        self.plan_reduction_action.triggered.connect(lambda: self.plan_reduction())
        self.approve_all_action = action(
            "approveAllAction",
            QCoreApplication.translate("PlansSection", "Approve all…"),
            QCoreApplication.translate("PlansSection", "Send every approvable order of the selected plan"),
        )
        self.approve_all_action.triggered.connect(lambda: self.approve_all())
        self.approve_selected_action = action(
            "approveSelectedAction",
            QCoreApplication.translate("PlansSection", "Approve selected…"),
            QCoreApplication.translate("PlansSection", "Send only the orders selected in the plan"),
        )
        self.approve_selected_action.triggered.connect(lambda: self.approve_selected())
        self.reject_action = action(
            "rejectPlanAction",
            QCoreApplication.translate("PlansSection", "Reject plan…"),
            QCoreApplication.translate("PlansSection", "Close the selected plan without sending anything"),
        )
        self.reject_action.triggered.connect(lambda: self.reject())

        plan_columns = [
            Column("id", "#", Kind.INT),
            Column("created", QCoreApplication.translate("PlansSection", "Created"), Kind.TIME),
            Column(
                "kind", QCoreApplication.translate("PlansSection", "Kind"), getter=lambda r: kind_text(r.kind)
            ),
            Column("strategy", QCoreApplication.translate("PlansSection", "Strategy")),
            Column("orders", QCoreApplication.translate("PlansSection", "Orders"), Kind.INT),
            Column("approvable", QCoreApplication.translate("PlansSection", "Approvable"), Kind.INT),
            Column("denied", QCoreApplication.translate("PlansSection", "Denied"), Kind.INT),
            Column(
                "status",
                QCoreApplication.translate("PlansSection", "Status"),
                getter=lambda r: plan_status_text(r.status),
            ),
            Column("decided_by", QCoreApplication.translate("PlansSection", "Decided by")),
            Column("note", QCoreApplication.translate("PlansSection", "Summary")),
        ]
        self.plans_view = MonitorView(
            plan_columns,
            name="plans",
            row_key=lambda r: r.id,
            row_colour=plan_colour,
            multi_select=False,
            show_filter=False,
            parent=self,
        )
        for section, width in enumerate((40, 140, 100, 110, 56, 76, 56, 70, 80)):
            self.plans_view.table.setColumnWidth(section, width)
        self.plans_view.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.plans_view.selection_changed.connect(self._plan_selected)
        self.show_decided = QCheckBox(QCoreApplication.translate("PlansSection", "Show decided plans"), self)
        self.show_decided.setObjectName("plansShowDecided")
        self.show_decided.toggled.connect(lambda _on: self.refresh())

        order_columns = [
            Column("index", "#", Kind.INT, getter=lambda r: r.index + 1),
            Column("code", QCoreApplication.translate("PlansSection", "Code")),
            Column("name", QCoreApplication.translate("PlansSection", "Name")),
            Column(
                "side",
                QCoreApplication.translate("PlansSection", "Side"),
                Kind.SIDE,
                getter=lambda r: r.side or None,
            ),
            Column("volume", QCoreApplication.translate("PlansSection", "Volume"), Kind.INT),
            Column(
                "approved_volume",
                QCoreApplication.translate("PlansSection", "Approved"),
                Kind.INT,
                tooltip=QCoreApplication.translate(
                    "PlansSection", "The volume the risk rules allow (shrunk or whole)"
                ),
            ),
            Column(
                "price_type",
                QCoreApplication.translate("PlansSection", "Type"),
                getter=lambda r: price_type_text(r.price_type) if r.price_type else None,
            ),
            Column("price", QCoreApplication.translate("PlansSection", "Price"), Kind.PRICE),
            Column("not_before", QCoreApplication.translate("PlansSection", "Not before"), Kind.TIME),
            Column("rule", QCoreApplication.translate("PlansSection", "Rule")),
            Column(
                "outcome",
                QCoreApplication.translate("PlansSection", "Risk"),
                getter=lambda r: outcome_text(r.outcome),
            ),
            Column("reasons", QCoreApplication.translate("PlansSection", "Reason codes")),
            Column("message", QCoreApplication.translate("PlansSection", "Message")),
        ]
        self.orders_view = MonitorView(
            order_columns,
            name="planOrders",
            row_key=lambda r: (r.plan_id, r.index),
            row_colour=plan_order_colour,
            parent=self,
        )
        for section, width in enumerate((32, 84, 80, 44, 72, 72, 60, 64, 70, 120, 66, 110)):
            self.orders_view.table.setColumnWidth(section, width)
        keep_given_order(self.orders_view)  # the plan's sending order: sells first
        self.orders_view.selection_changed.connect(self._update_actions)

        self.status_label = QLabel(self)
        self.status_label.setObjectName("plansStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome = RouteOutcomeView("planOutcome", self)

        # Planning acts on the account (top); deciding acts on the selected plan (above its orders).
        commands = QHBoxLayout()
        commands.setContentsMargins(0, 0, 0, 0)
        commands.setSpacing(4)
        for made in (self.plan_preview_action, self.plan_reduction_action):
            commands.addWidget(self._button(made))
        commands.addStretch(1)
        commands.addWidget(self.show_decided)
        plan_box = QWidget(self)
        decide = QHBoxLayout()
        decide.setContentsMargins(0, 0, 0, 0)
        decide.setSpacing(4)
        self.plan_title = QLabel(plan_box)
        self.plan_title.setObjectName("planTitle")
        self.plan_title.setStyleSheet("font-weight: bold;")
        decide.addWidget(self.plan_title)
        decide.addStretch(1)
        for made in (self.approve_all_action, self.approve_selected_action, self.reject_action):
            decide.addWidget(self._button(made))
        box_layout = QVBoxLayout(plan_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.setSpacing(2)
        box_layout.addLayout(decide)
        box_layout.addWidget(self.orders_view, 1)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setObjectName("plansSplitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.plans_view)
        splitter.addWidget(plan_box)
        splitter.addWidget(self.outcome)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(3)
        layout.addLayout(commands)
        layout.addWidget(self.status_label)
        layout.addWidget(splitter, 1)
        self.status_label.hide()

        bridge.account_changed.connect(self._account_changed)
        self.refresh()

    def _button(self, made: QAction) -> QToolButton:
        button = QToolButton(self)
        button.setDefaultAction(made)
        button.setObjectName(made.objectName().replace("Action", "Button"))
        return button

    # -- reading -----------------------------------------------------------------------------------------
    @property
    def account_id(self) -> str:
        return self._desk.account_id

    def refresh(self) -> None:
        """Re-read the stored plans (the selection is kept by plan id)."""
        planner = self._desk.planner
        proposed = planner.proposed(self.account_id)
        if self.show_decided.isChecked():
            rows = planner.plans(self.account_id, limit=DECIDED_LIMIT)
            known = {r.id for r in rows}
            rows += [r for r in proposed if r.id not in known]
        else:
            rows = proposed
        self.plans_view.set_records([plan_record(r) for r in rows])
        if not self.plans_view.selected_records() and self.plans_view.visible_records():
            self.plans_view.select_keys([self.plans_view.visible_records()[0].id])
        self._plan_selected()
        self.count_changed.emit(len(proposed))

    def select_plan(self, plan_id: int) -> None:
        self.plans_view.select_keys([plan_id])
        self._plan_selected()

    def selected_plan(self) -> PlanRecord | None:
        chosen = self.plans_view.selected_records()
        return chosen[0] if chosen else None

    def order_rows(self) -> list[PlanOrderRow]:
        return list(self.orders_view.records())

    def _plan_selected(self) -> None:
        record = self.selected_plan()
        self.batch = None
        rows: list[PlanOrderRow] = []
        if record is not None:
            try:
                batch = self._desk.planner.read(record.id)
            except AistockError as exc:
                self._say(exc.what, FAILED_COLOUR)
            else:
                rows = plan_order_rows(batch, self._names)
                if record.status == PROPOSED:
                    self.batch = batch
        self.orders_view.set_records(rows)  # the picked orders stay picked (keyed by plan and index)
        if record is None:
            self.plan_title.setText(QCoreApplication.translate("PlansSection", "No plan selected"))
        else:
            self.plan_title.setText(
                QCoreApplication.translate("PlansSection", "Plan #{id} · {kind} · {status}").format(
                    id=record.id, kind=kind_text(record.kind), status=plan_status_text(record.status)
                )
            )
        self._update_actions()

    def _account_changed(self, account_id: str) -> None:
        if account_id == self.account_id:
            self.refresh()

    # -- planning ------------------------------------------------------------------------------------------
    def make_preview_dialog(self) -> PreviewPickDialog:
        return PreviewPickDialog(self._previews.instances(), self)

    def open_preview_dialog(self) -> None:
        """The menu's slot: pick an instance in a window-modal dialog, then plan from it."""
        dialog = self.make_preview_dialog()
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.accepted.connect(lambda: self.accept_preview_dialog(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.preview_dialog = dialog
        dialog.open()

    def accept_preview_dialog(self, dialog: PreviewPickDialog) -> Job | None:
        preview_id = dialog.selected_id()
        return self.plan_from_preview(preview_id) if preview_id is not None else None

    def plan_from_preview(self, preview_id: int) -> Job | None:
        """Propose orders that turn this account into the instance's book (a job; nothing is sent)."""
        previews, planner, account_id = self._previews, self._desk.planner, self.account_id

        def work(progress: ProgressFn, token: CancelToken) -> PlannedBatch:
            progress(0.1, QCoreApplication.translate("PlansSection", "reading the preview's book"))
            _day, weights = preview_weights(previews, preview_id)
            token.check()
            progress(0.4, QCoreApplication.translate("PlansSection", "planning and judging"))
            return planner.plan_orders(account_id, weights, strategy=f"preview:{preview_id}")

        return self._start_planning("plan-preview", work)

    def plan_reduction(self) -> Job | None:
        """Propose selling everything sellable, judged as REDUCING (a job; nothing is sent)."""
        planner, account_id = self._desk.planner, self.account_id

        def work(progress: ProgressFn, token: CancelToken) -> PlannedBatch:
            return planner.plan_reduction(account_id)

        return self._start_planning("plan-reduction", work)

    def _start_planning(self, name: str, work: Work) -> Job | None:
        if self.follower.busy:
            return None
        self._say(QCoreApplication.translate("PlansSection", "Planning…"))
        return self.follower.start(name, work, self._planned)

    def _planned(self, job: Job) -> None:
        if job.error is not None:
            self._say(
                QCoreApplication.translate("PlansSection", "No plan: {error}").format(
                    error=error_text(job.error)
                ),
                FAILED_COLOUR,
            )
            return
        if was_cancelled(job) or not isinstance(job.result, PlannedBatch):
            self._say(QCoreApplication.translate("PlansSection", "Planning cancelled."))
            return
        batch = job.result
        self.last_planned = batch
        self.refresh()
        self.select_plan(batch.plan_id)
        self._say(
            QCoreApplication.translate(
                "PlansSection",
                "Plan #{id} proposed: {orders} order(s), {approvable} approvable, {denied} denied, "
                "{skipped} target(s) skipped. Nothing is sent until you approve it.",
            ).format(
                id=batch.plan_id,
                orders=len(batch.scheduled),
                approvable=len(batch.approved),
                denied=len(batch.verdict.denied),
                skipped=len(batch.plan.skipped),
            ),
            tooltip=batch.plan.describe(),
        )
        self.planned.emit(batch)

    # -- deciding --------------------------------------------------------------------------------------------
    def approve_all(self) -> Job | None:
        batch = self.batch
        if batch is None or not batch.approved:
            return None
        return self._approve(batch, None)

    def approve_selected(self) -> Job | None:
        batch = self.batch
        if batch is None:
            return None
        picked = sorted(
            r.approved_index for r in self.orders_view.selected_records() if r.approved_index is not None
        )
        if not picked:
            dialogs.show_info(
                self,
                QCoreApplication.translate("PlansSection", "Approve selected"),
                QCoreApplication.translate(
                    "PlansSection",
                    "Select one or more approvable orders of the plan (denied orders cannot be sent).",
                ),
            )
            return None
        return self._approve(batch, picked)

    def _approve(self, batch: PlannedBatch, only: list[int] | None) -> Job | None:
        if self.follower.busy:
            return None
        orders = batch.approved if only is None else [batch.approved[i] for i in only]
        value = sum(o.volume * o.price for o in orders)
        title = QCoreApplication.translate("PlansSection", "Approve plan")
        question = QCoreApplication.translate(
            "PlansSection",
            "Send {count} of the {total} approvable order(s) of plan #{id} ({kind}) on account {account} "
            "({mode})? Priced orders are worth about ¥{value}.",
        ).format(
            count=len(orders),
            total=len(batch.approved),
            id=batch.plan_id,
            kind=kind_text(batch.kind),
            account=batch.account_id,
            mode=mode_name(self._mode),
            value=f"{value:,.2f}",
        )
        paragraphs = [question, mode_description(self._mode)]
        if self._mode is AccountMode.LIVE:
            paragraphs.insert(
                0, QCoreApplication.translate("PlansSection", "LIVE ACCOUNT — these orders use real money.")
            )
        action = QCoreApplication.translate("PlansSection", "Send {count} order(s)").format(count=len(orders))
        if not dialogs.confirm(
            self, title, "\n\n".join(paragraphs), action, danger=self._mode is AccountMode.LIVE
        ):
            return None
        planner, router, by = self._desk.planner, self._desk.router, current_user()

        def work(progress: ProgressFn, token: CancelToken) -> RouteReport:
            return planner.execute(batch, router, approved_by=by, only=only)

        self._say(QCoreApplication.translate("PlansSection", "Sending plan #{id}…").format(id=batch.plan_id))
        return self.follower.start("plan-approve", work, self._executed)

    def _executed(self, job: Job) -> None:
        self.refresh()
        if job.error is not None:
            self._say(
                QCoreApplication.translate("PlansSection", "Not sent: {error}").format(
                    error=error_text(job.error)
                ),
                FAILED_COLOUR,
            )
            return
        report = job.result
        if isinstance(report, RouteReport):
            self.last_report = report
            self.outcome.show_report(report)
            self._say(
                QCoreApplication.translate("PlansSection", "Plan sent: {summary}.").format(
                    summary=report.describe()
                ),
                SENT_COLOUR if report.sent else FAILED_COLOUR,
            )
            self.executed.emit(report)

    def reject(self) -> bool:
        """Ask why, then close the selected plan; nothing is sent."""
        record = self.selected_plan()
        if record is None or record.status != PROPOSED:
            return False
        title = QCoreApplication.translate("PlansSection", "Reject plan")
        reason = dialogs.ask_text(
            self,
            title,
            QCoreApplication.translate("PlansSection", "Why is plan #{id} rejected?").format(id=record.id),
        )
        if reason is None:
            return False
        try:
            self._desk.planner.reject(record.id, by=current_user(), reason=reason.strip())
        except AistockError as exc:
            dialogs.show_error(self, title, exc)
            self.refresh()
            return False
        self.refresh()
        self._say(QCoreApplication.translate("PlansSection", "Plan #{id} rejected.").format(id=record.id))
        return True

    # -- look ------------------------------------------------------------------------------------------
    def _update_actions(self) -> None:
        idle = not self.follower.busy
        batch = self.batch
        self.plan_preview_action.setEnabled(idle)
        self.plan_reduction_action.setEnabled(idle)
        self.approve_all_action.setEnabled(idle and batch is not None and bool(batch.approved))
        picked = any(r.approvable for r in self.orders_view.selected_records())
        self.approve_selected_action.setEnabled(idle and batch is not None and picked)
        self.reject_action.setEnabled(idle and batch is not None)

    def _say(self, text: str, colour: QColor | None = None, tooltip: str = "") -> None:
        self.status_label.setText(text)
        self.status_label.setToolTip(tooltip)
        self.status_label.setStyleSheet(f"color: {colour.name()};" if colour is not None else "")
        self.status_label.show()
