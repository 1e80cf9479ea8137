"""The order ticket: one order, typed by a person, through the same door as every plan.

Nothing here is a shortcut. The ticket checks only what it must to build an
:class:`~aistock.core.orders.OrderRequest` (a code it can read, a volume, a limit price), asks the
trader to confirm — naming the account, its mode, the side, the volume, the code and the price,
and warning in red on a LIVE account — and hands the order to ``OrderRouter.route``: the risk
rules, the pacing and the OMS gate (kill-switch) decide, and their answer is shown under the
ticket. Routing runs as a job: the pacing may wait for a slot and must not freeze the window.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from aistock.core.codes import to_canonical
from aistock.core.errors import AistockError, CodeFormatError
from aistock.core.fees import Side
from aistock.core.modes import AccountMode
from aistock.core.orders import OrderRequest, PriceType
from aistock.trading.risk.router import RouteReport
from aistock.ui import dialogs
from aistock.ui.account_views import InstrumentNames
from aistock.ui.jobs import CancelToken, Job, JobRunner, ProgressFn, error_text
from aistock.ui.monitor import DOWN_COLOUR, UP_COLOUR, WARN_COLOUR
from aistock.ui.supervision_jobs import JobFollower
from aistock.ui.supervision_outcome import FAILED_COLOUR, RouteOutcomeView
from aistock.ui.texts import mode_description, mode_name
from aistock.workflows.workstation_session import TradingDesk

MAX_VOLUME = 99_999_900
TICKET_ORIGIN = "ui"
TICKET_STRATEGY = "ui-ticket"


class TicketError(Exception):
    """A ticket field that cannot become an order; ``field`` names the widget to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def parse_code(text: str) -> str:
    """The canonical code of what the trader typed (600000, 600000.SH, SH600000, sh600000)."""
    cleaned = text.strip()
    if not cleaned:
        raise TicketError(
            "code", QCoreApplication.translate("OrderTicket", "Enter a code, e.g. 600000 or 600000.SH.")
        )
    try:
        return to_canonical(cleaned)
    except CodeFormatError as exc:
        raise TicketError(
            "code",
            QCoreApplication.translate("OrderTicket", "{text} is not a stock code: {why}").format(
                text=cleaned, why=exc.what
            ),
        ) from exc


def build_request(
    code_text: str, side: Side, volume: int, price_type: PriceType, price: float
) -> OrderRequest:
    """The order the ticket describes; :class:`TicketError` names the first field that is wrong."""
    code = parse_code(code_text)
    if volume <= 0:
        raise TicketError(
            "volume",
            QCoreApplication.translate(
                "OrderTicket", "Enter a volume in shares (buys in board lots, e.g. 100)."
            ),
        )
    if price_type is PriceType.LIMIT and not (math.isfinite(price) and price > 0):
        raise TicketError(
            "price",
            QCoreApplication.translate("OrderTicket", "Enter a limit price, or choose the latest price."),
        )
    try:
        return OrderRequest(
            code,
            side,
            volume,
            price_type,
            price if price_type is PriceType.LIMIT else 0.0,
            strategy=TICKET_STRATEGY,
        )
    except AistockError as exc:
        raise TicketError("volume", exc.what) from exc


def confirmation_text(request: OrderRequest, account_id: str, mode: AccountMode, name: str = "") -> str:
    """The question before sending: account, mode, side, volume, code and price, then what the mode means."""
    side = (
        QCoreApplication.translate("OrderTicket", "Buy")
        if request.side is Side.BUY
        else QCoreApplication.translate("OrderTicket", "Sell")
    )
    code = f"{request.code} {name}".strip()
    if request.price_type is PriceType.LIMIT:
        order = QCoreApplication.translate(
            "OrderTicket",
            "{side} {volume} shares of {code} at a limit of ¥{price} on account {account} ({mode})?",
        ).format(
            side=side,
            volume=f"{request.volume:,}",
            code=code,
            price=f"{request.price:.2f}",
            account=account_id,
            mode=mode_name(mode),
        )
    else:
        order = QCoreApplication.translate(
            "OrderTicket",
            "{side} {volume} shares of {code} at the latest price on account {account} ({mode})?",
        ).format(side=side, volume=f"{request.volume:,}", code=code, account=account_id, mode=mode_name(mode))
    paragraphs = [order, mode_description(mode)]
    if mode is AccountMode.LIVE:
        paragraphs.insert(
            0, QCoreApplication.translate("OrderTicket", "LIVE ACCOUNT — this order uses real money.")
        )
    return "\n\n".join(paragraphs)


_SEND_STYLE = (
    "QToolButton {{ background-color: {bg}; color: #ffffff; font-weight: bold; border-radius: 3px;"
    " padding: 4px 16px; }} QToolButton:disabled {{ background-color: #9e9e9e; }}"
)


class OrderTicket(QWidget):
    """Code, side, volume, price type and price; Send… confirms and routes; the outcome shows below."""

    routed = Signal(object)
    """The :class:`RouteReport` of the order just sent (after the job finished)."""

    def __init__(
        self,
        desk: TradingDesk,
        account_mode: AccountMode,
        jobs: JobRunner,
        names: InstrumentNames,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("orderTicket")
        self._desk = desk
        self._mode = account_mode
        self._names = names
        self._quoted_code = ""
        self.follower = JobFollower(jobs, self)
        self.follower.busy_changed.connect(lambda _busy: self._update_send())
        self.job: Job | None = None
        self.last_report: RouteReport | None = None

        self.code_edit = QLineEdit(self)
        self.code_edit.setObjectName("ticketCode")
        self.code_edit.setPlaceholderText(QCoreApplication.translate("OrderTicket", "600000 / 600000.SH"))
        self.code_edit.setMaxLength(16)
        self.code_edit.editingFinished.connect(self.look_up_code)
        self.code_edit.textEdited.connect(lambda _text: self._clear_error())
        self.code_hint = QLabel(self)
        self.code_hint.setObjectName("ticketCodeHint")
        self.code_hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.side_combo = QComboBox(self)
        self.side_combo.setObjectName("ticketSide")
        self.side_combo.addItem(QCoreApplication.translate("OrderTicket", "Buy"), Side.BUY)
        self.side_combo.addItem(QCoreApplication.translate("OrderTicket", "Sell"), Side.SELL)
        self.side_combo.currentIndexChanged.connect(lambda _i: self._update_send())

        self.volume_spin = QSpinBox(self)
        self.volume_spin.setObjectName("ticketVolume")
        self.volume_spin.setRange(0, MAX_VOLUME)
        self.volume_spin.setSingleStep(100)
        self.volume_spin.setGroupSeparatorShown(True)
        self.volume_spin.setValue(100)
        self.volume_spin.setAlignment(Qt.AlignmentFlag.AlignRight)

        self.price_type_combo = QComboBox(self)
        self.price_type_combo.setObjectName("ticketPriceType")
        self.price_type_combo.addItem(QCoreApplication.translate("OrderTicket", "Limit"), PriceType.LIMIT)
        self.price_type_combo.addItem(
            QCoreApplication.translate("OrderTicket", "Latest price"), PriceType.LATEST
        )
        self.price_type_combo.currentIndexChanged.connect(lambda _i: self._price_type_changed())

        self.price_spin = QDoubleSpinBox(self)
        self.price_spin.setObjectName("ticketPrice")
        self.price_spin.setDecimals(2)
        self.price_spin.setRange(0.0, 100_000.0)
        self.price_spin.setSingleStep(0.01)
        self.price_spin.setGroupSeparatorShown(True)
        self.price_spin.setAlignment(Qt.AlignmentFlag.AlignRight)

        self.send_action = QAction(self)
        self.send_action.setObjectName("ticketSendAction")
        self.send_action.triggered.connect(lambda: self.send())
        self.send_button = QToolButton(self)
        self.send_button.setObjectName("ticketSend")
        self.send_button.setDefaultAction(self.send_action)
        self.send_button.setCursor(Qt.CursorShape.PointingHandCursor)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("ticketError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {FAILED_COLOUR.name()};")
        self.error_label.hide()
        self.outcome = RouteOutcomeView("ticketOutcome", self)

        form = QGridLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(4)
        form.addWidget(QLabel(QCoreApplication.translate("OrderTicket", "Code"), self), 0, 0)
        form.addWidget(self.code_edit, 0, 1)
        form.addWidget(QLabel(QCoreApplication.translate("OrderTicket", "Side"), self), 0, 2)
        form.addWidget(self.side_combo, 0, 3)
        form.addWidget(self.code_hint, 1, 1, 1, 4)
        form.addWidget(QLabel(QCoreApplication.translate("OrderTicket", "Volume"), self), 2, 0)
        form.addWidget(self.volume_spin, 2, 1)
        form.addWidget(QLabel(QCoreApplication.translate("OrderTicket", "Type"), self), 2, 2)
        form.addWidget(self.price_type_combo, 2, 3)
        form.addWidget(QLabel(QCoreApplication.translate("OrderTicket", "Price"), self), 3, 0)
        form.addWidget(self.price_spin, 3, 1)
        form.addWidget(self.send_button, 3, 2, 1, 2)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.outcome, 1)
        self._update_send()

    # -- reading the form ------------------------------------------------------------------------------
    @property
    def side(self) -> Side:
        value = self.side_combo.currentData()
        return value if isinstance(value, Side) else Side(str(value))

    @property
    def price_type(self) -> PriceType:
        value = self.price_type_combo.currentData()
        return value if isinstance(value, PriceType) else PriceType(str(value))

    def set_order(
        self, code: str, side: Side, volume: int, price_type: PriceType = PriceType.LIMIT, price: float = 0.0
    ) -> None:
        """Fill the form (a test, or a double-click on a position to sell it)."""
        self.code_edit.setText(code)
        self.side_combo.setCurrentIndex(self.side_combo.findData(side))
        self.price_type_combo.setCurrentIndex(self.price_type_combo.findData(price_type))
        self.volume_spin.setValue(volume)
        self.look_up_code()
        if price > 0:
            self.price_spin.setValue(price)

    def request(self) -> OrderRequest:
        """The order in the form; shows the problem inline and raises :class:`TicketError`."""
        try:
            request = build_request(
                self.code_edit.text(),
                self.side,
                self.volume_spin.value(),
                self.price_type,
                self.price_spin.value(),
            )
        except TicketError as exc:
            self._show_error(exc)
            raise
        self._clear_error()
        return request

    def look_up_code(self) -> None:
        """Show the name, last price and price band of the typed code; a bad code says why."""
        try:
            code = parse_code(self.code_edit.text())
        except TicketError as exc:
            if self.code_edit.text().strip():
                self._show_error(exc)
            self.code_hint.clear()
            self._quoted_code = ""
            return
        self._clear_error()
        if code != self.code_edit.text():
            self.code_edit.setText(code)
        name = self._names(code)
        try:
            quote = self._desk.risk.quotes.quotes([code]).get(code)
        except Exception:  # a hint only: the risk engine will read the quote again and decide
            quote = None
        if quote is None or not math.isfinite(quote.reference):
            self.code_hint.setText(
                QCoreApplication.translate("OrderTicket", "{code} {name} — no quote now").format(
                    code=code, name=name
                )
            )
            self.code_hint.setStyleSheet(f"color: {WARN_COLOUR.name()};")
            self._quoted_code = ""
            return
        band = (
            f"{quote.down_limit:.2f}–{quote.up_limit:.2f}"
            if quote.down_limit is not None and quote.up_limit is not None
            else "—"
        )
        self.code_hint.setText(
            QCoreApplication.translate("OrderTicket", "{name}  last {last}  band {band}").format(
                name=name or code, last=f"{quote.reference:.2f}", band=band
            )
        )
        self.code_hint.setStyleSheet("color: palette(placeholder-text);")
        if code != self._quoted_code and self.price_type is PriceType.LIMIT:
            self.price_spin.setValue(round(quote.reference, 2))
        self._quoted_code = code

    # -- sending -------------------------------------------------------------------------------------
    def send(self) -> bool:
        """Confirm and route the order in the form; True when it went to the router (as a job)."""
        if self.follower.busy:
            return False
        try:
            request = self.request()
        except TicketError:
            return False
        title = QCoreApplication.translate("OrderTicket", "Send order")
        action = (
            QCoreApplication.translate("OrderTicket", "Send buy order")
            if request.side is Side.BUY
            else QCoreApplication.translate("OrderTicket", "Send sell order")
        )
        text = confirmation_text(request, self._desk.account_id, self._mode, self._names(request.code))
        if not dialogs.confirm(self, title, text, action, danger=self._mode is AccountMode.LIVE):
            return False
        router = self._desk.router

        def work(progress: ProgressFn, token: CancelToken) -> RouteReport:
            return router.route([request], origin=TICKET_ORIGIN)

        self.outcome.show_message(QCoreApplication.translate("OrderTicket", "Sending…"))
        self.job = self.follower.start("order-ticket", work, self._ended)
        return True

    def _ended(self, job: Job) -> None:
        if job.error is not None:
            self.outcome.show_error(
                QCoreApplication.translate("OrderTicket", "Not sent: {error}").format(
                    error=error_text(job.error)
                )
            )
            return
        report = job.result
        if isinstance(report, RouteReport):
            self.last_report = report
            self.outcome.show_report(report)
            self.routed.emit(report)

    # -- look ------------------------------------------------------------------------------------------
    def _update_send(self) -> None:
        buy = self.side is Side.BUY
        self.send_action.setText(
            QCoreApplication.translate("OrderTicket", "Buy…")
            if buy
            else QCoreApplication.translate("OrderTicket", "Sell…")
        )
        self.send_action.setToolTip(
            QCoreApplication.translate("OrderTicket", "Confirm, then send through the risk checks")
        )
        self.send_button.setStyleSheet(_SEND_STYLE.format(bg=(UP_COLOUR if buy else DOWN_COLOUR).name()))
        self.send_action.setEnabled(not self.follower.busy)

    def _price_type_changed(self) -> None:
        limit = self.price_type is PriceType.LIMIT
        self.price_spin.setEnabled(limit)
        if limit and self.price_spin.value() == 0:
            self._quoted_code = ""
            self.look_up_code()

    def _show_error(self, error: TicketError) -> None:
        self.error_label.setText(error.message)
        self.error_label.show()
        widget = {"code": self.code_edit, "volume": self.volume_spin, "price": self.price_spin}.get(
            error.field
        )
        if widget is not None:
            widget.setFocus()
        self.code_edit.setProperty("invalid", error.field == "code")

    def _clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
        self.code_edit.setProperty("invalid", False)
