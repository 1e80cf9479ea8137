"""The engine bridge: events from any thread reach the GUI thread coalesced, and none after close."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from aistock.ui.bridge import EngineBridge


def test_a_burst_from_a_worker_thread_becomes_one_refresh_per_account(qtbot: QtBot) -> None:
    bridge = EngineBridge(coalesce_ms=30)
    heard: list[tuple[str, str]] = []
    bridge.account_changed.connect(lambda account: heard.append((account, threading.current_thread().name)))

    def burst() -> None:
        for _ in range(50):  # a basket filling in one minute bar
            bridge.book_changed("A")
        bridge.book_changed("B")

    worker = threading.Thread(target=burst, name="oms-worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(heard) == 2, timeout=5000)
    qtbot.wait(100)
    assert sorted(heard) == [("A", "MainThread"), ("B", "MainThread")]


def test_nothing_is_announced_after_close_not_even_what_was_already_queued(qtbot: QtBot) -> None:
    bridge = EngineBridge(coalesce_ms=10)
    heard: list[object] = []
    bridge.account_changed.connect(heard.append)
    bridge.monitor_event.connect(heard.append)
    bridge.previews_changed.connect(lambda: heard.append("ticked"))
    listeners: list[object] = []
    bridge.watch(listeners, bridge.book_changed)

    def late() -> None:  # queued from the engines' threads while the window was closing
        bridge.book_changed("A")
        bridge.event_recorded("risk denial")
        bridge.previews_ticked()

    worker = threading.Thread(target=late)
    worker.start()
    worker.join()
    bridge.close()
    qtbot.wait(100)
    assert heard == [] and listeners == []
