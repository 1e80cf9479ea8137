"""Engine events onto the GUI thread, coalesced.

The OMS applies broker pushes on its worker thread, the monitoring service records from
whichever thread judged an order, the preview scheduler ticks on its own thread. None of them may
touch a widget. Their listeners here only emit a Qt signal; the bridge lives on the GUI thread,
so Qt queues the call there. A burst of fills (a basket of 50 orders fills in one minute bar)
becomes one ``account_changed`` per account per :data:`COALESCE_MS`, so the views re-read the
book once, not fifty times.

After :meth:`close` nothing more is announced, not even what was already queued: the window is
closing and the session is about to close the store, so a late refresh would read a closed
database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

COALESCE_MS = 120


class EngineBridge(QObject):
    """Signals the panels listen to; the engines' listeners feed them from any thread."""

    account_changed = Signal(str)
    """An account's book changed (orders, fills, positions, cash): the account id."""
    monitor_event = Signal(object)
    """A :class:`~aistock.store.MonitorEvent` was recorded (risk denial, kill-switch, alert …)."""
    previews_changed = Signal()
    """The preview scheduler finished a tick that changed something."""

    _poke_account = Signal(str)
    _poke_event = Signal(object)
    _poke_previews = Signal()

    def __init__(self, parent: QObject | None = None, *, coalesce_ms: int = COALESCE_MS) -> None:
        super().__init__(parent)
        self._dirty: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(coalesce_ms)
        self._timer.timeout.connect(self._flush)
        self._poke_account.connect(self._mark)
        self._poke_event.connect(self._relay_event)
        self._poke_previews.connect(self._relay_previews)
        self._detach: list[Callable[[], None]] = []
        self.closed = False

    # -- listeners for the engines (any thread) ------------------------------------------------------
    def book_changed(self, account_id: str) -> None:
        self._poke_account.emit(account_id)

    def event_recorded(self, event: Any) -> None:
        self._poke_event.emit(event)

    def previews_ticked(self, *_: Any) -> None:
        self._poke_previews.emit()

    # -- wiring --------------------------------------------------------------------------------------
    def watch(self, listeners: list[Any], listener: Callable[..., None]) -> None:
        """Append ``listener`` to an engine's listener list; :meth:`close` takes it out again."""
        listeners.append(listener)

        def detach() -> None:
            if listener in listeners:
                listeners.remove(listener)

        self._detach.append(detach)

    def close(self) -> None:
        self.closed = True
        for detach in self._detach:
            detach()
        self._detach.clear()
        self._timer.stop()
        self._dirty.clear()

    # -- GUI thread ------------------------------------------------------------------------------------
    def _mark(self, account_id: str) -> None:
        if self.closed:  # queued before close, delivered after it
            return
        self._dirty.add(account_id)
        if not self._timer.isActive():
            self._timer.start()

    def _relay_event(self, event: object) -> None:
        if not self.closed:
            self.monitor_event.emit(event)

    def _relay_previews(self) -> None:
        if not self.closed:
            self.previews_changed.emit()

    def _flush(self) -> None:
        if self.closed:
            return
        dirty, self._dirty = self._dirty, set()
        for account_id in sorted(dirty):
            self.account_changed.emit(account_id)
