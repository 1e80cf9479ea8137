"""What became of a batch sent through the router: one row per order, and a one-line verdict.

The ticket and the plan approval both end in a :class:`~aistock.trading.risk.router.RouteReport`:
the risk engine's decision on every order (approved, shrunk, denied — with reason codes and the
message naming the number and the limit), then for each approved order whether it went to the
OMS (its client id) or was refused at sending (halted meanwhile, rate limit, link down). A trader
must see all of it where they pressed the button, not in a log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from aistock.core.risk import Outcome
from aistock.trading.risk.router import RouteReport
from aistock.ui.account_views import keep_given_order
from aistock.ui.monitor import WARN_COLOUR, Column, Kind, MonitorView

SENT_COLOUR = QColor("#2e7d32")
FAILED_COLOUR = QColor("#c62828")


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """One order of a routed batch."""

    code: str
    side: str
    volume: int
    """What was asked."""
    result: str
    """sent, shrunk, denied or refused (``refused`` = approved by risk, not sent after all)."""
    sent_volume: int | None
    client_order_id: str
    reasons: str
    """The risk reason codes, comma-separated (``not_sent`` for a refusal at sending)."""
    message: str

    @property
    def went_out(self) -> bool:
        return bool(self.client_order_id)


def outcome_rows(report: RouteReport) -> list[OutcomeRow]:
    """The report as rows in the batch's order: each decision joined with its sending."""
    sent = {id(order): client_id for order, client_id in report.sent}
    refused = {id(order): why for order, why in report.refused}
    rows = []
    for decision in report.verdict.decisions:
        request, order = decision.request, decision.order
        codes = ", ".join(code.value for code in decision.codes)
        messages = "; ".join(reason.message for reason in decision.reasons)
        if order is None:
            rows.append(
                OutcomeRow(
                    request.code, request.side.value, request.volume, "denied", None, "", codes, messages
                )
            )
            continue
        result = "shrunk" if decision.outcome is Outcome.SHRUNK else "sent"
        client_id = sent.get(id(order), "")
        if not client_id:
            why = refused.get(id(order), "")
            rows.append(
                OutcomeRow(
                    request.code,
                    request.side.value,
                    request.volume,
                    "refused",
                    order.volume,
                    "",
                    ", ".join(filter(None, (codes, "not_sent"))),
                    "; ".join(filter(None, (messages, why))),
                )
            )
            continue
        rows.append(
            OutcomeRow(
                request.code,
                request.side.value,
                request.volume,
                result,
                order.volume,
                client_id,
                codes,
                messages,
            )
        )
    return rows


def result_text(result: str) -> str:
    if result == "sent":
        return QCoreApplication.translate("RouteOutcome", "Sent")
    if result == "shrunk":
        return QCoreApplication.translate("RouteOutcome", "Sent, shrunk")
    if result == "denied":
        return QCoreApplication.translate("RouteOutcome", "Denied by risk")
    if result == "refused":
        return QCoreApplication.translate("RouteOutcome", "Not sent")
    return result


def headline(rows: Sequence[OutcomeRow]) -> tuple[str, QColor]:
    """One line over the batch and its colour: green all sent, amber partly, red nothing sent."""
    sent = sum(1 for r in rows if r.went_out)
    shrunk = sum(1 for r in rows if r.result == "shrunk")
    denied = sum(1 for r in rows if r.result == "denied")
    refused = sum(1 for r in rows if r.result == "refused")
    if len(rows) == 1:
        row = rows[0]
        if row.went_out and row.result == "sent":
            text = QCoreApplication.translate("RouteOutcome", "Sent as {client_id}.").format(
                client_id=row.client_order_id
            )
        elif row.went_out:
            text = QCoreApplication.translate(
                "RouteOutcome", "Sent as {client_id}, shrunk to {volume} shares: {reasons}."
            ).format(client_id=row.client_order_id, volume=f"{row.sent_volume or 0:,}", reasons=row.reasons)
        elif row.result == "denied":
            text = QCoreApplication.translate("RouteOutcome", "Denied by risk: {reasons}.").format(
                reasons=row.reasons
            )
        else:
            text = QCoreApplication.translate("RouteOutcome", "Not sent: {message}").format(
                message=row.message
            )
    else:
        text = QCoreApplication.translate(
            "RouteOutcome", "{sent} sent ({shrunk} shrunk), {denied} denied, {refused} not sent."
        ).format(sent=sent, shrunk=shrunk, denied=denied, refused=refused)
    if sent == len(rows) and not shrunk:
        colour = SENT_COLOUR
    elif sent:
        colour = WARN_COLOUR
    else:
        colour = FAILED_COLOUR
    return text, colour


def _result_colour(row: OutcomeRow) -> QColor | None:
    if row.result in ("denied", "refused"):
        return FAILED_COLOUR
    if row.result == "shrunk":
        return WARN_COLOUR
    return None


class RouteOutcomeView(QWidget):
    """The verdict line and the per-order rows of the last batch sent from this section."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.report: RouteReport | None = None
        self.headline = QLabel(self)
        self.headline.setObjectName(f"{name}Headline")
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        columns = [
            Column("code", QCoreApplication.translate("RouteOutcome", "Code")),
            Column("side", QCoreApplication.translate("RouteOutcome", "Side"), Kind.SIDE),
            Column("volume", QCoreApplication.translate("RouteOutcome", "Asked"), Kind.INT),
            Column(
                "result",
                QCoreApplication.translate("RouteOutcome", "Result"),
                getter=lambda r: result_text(r.result),
            ),
            Column("sent_volume", QCoreApplication.translate("RouteOutcome", "Volume"), Kind.INT),
            Column("client_order_id", QCoreApplication.translate("RouteOutcome", "Client id")),
            Column("reasons", QCoreApplication.translate("RouteOutcome", "Reason codes")),
            Column("message", QCoreApplication.translate("RouteOutcome", "Message")),
        ]
        self.view = MonitorView(
            columns, name=f"{name}Rows", row_colour=_result_colour, show_filter=False, parent=self
        )
        for section, width in enumerate((84, 44, 70, 90, 70, 110, 110)):
            self.view.table.setColumnWidth(section, width)
        keep_given_order(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.headline)
        layout.addWidget(self.view, 1)
        self.clear()

    def clear(self) -> None:
        self.report = None
        self.headline.clear()
        self.headline.hide()
        self.view.set_records([])
        self.view.hide()

    def show_report(self, report: RouteReport) -> list[OutcomeRow]:
        self.report = report
        rows = outcome_rows(report)
        text, colour = headline(rows)
        self.show_message(text, colour)
        self.view.set_records(rows)
        self.view.setVisible(bool(rows))
        return rows

    def show_message(self, text: str, colour: QColor | None = None) -> None:
        """A line without rows (an error before anything reached the router)."""
        self.headline.setText(text)
        self.headline.setStyleSheet(
            f"color: {colour.name()}; font-weight: bold;" if colour is not None else ""
        )
        self.headline.show()

    def show_error(self, text: str) -> None:
        self.report = None
        self.view.set_records([])
        self.view.hide()
        self.show_message(text, FAILED_COLOUR)

    def rows(self) -> list[OutcomeRow]:
        return list(self.view.records())
