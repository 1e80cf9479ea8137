"""The Preview page on the real engines: the demo world's PreviewService, its scheduler, jobs.

File-sourced instances (random scores written to a parquet file, daily bars) keep it cheap;
one loop-sourced instance goes through the synced demo export. Every number on screen is
compared with what :class:`PreviewService` itself answers (nav, positions, trades).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from aistock.core.calendar import SHANGHAI
from aistock.trading.portfolio.config import TopkDropoutConfig
from aistock.trading.preview.config import PreviewConfig
from aistock.trading.preview.service import PreviewService
from aistock.ui import dialogs
from aistock.ui.bridge import EngineBridge
from aistock.ui.jobs import JobRunner
from aistock.ui.monitor import Column, Kind, MonitorView
from aistock.ui.preview.create_dialog import CreatePreviewDialog
from aistock.ui.preview.data import curve_label, nav_column
from aistock.ui.preview.page import PreviewPage
from aistock.ui.preview.replay_dialog import ReplayDialog

SIGNAL_SESSIONS = 60


@dataclass
class Rig:
    session: Any
    service: PreviewService
    page: PreviewPage
    jobs: JobRunner
    bridge: EngineBridge
    signal_file: Path
    sessions: tuple[dt.date, ...]

    def create(self, name: str, start: dt.date, *, topk: int = 8) -> int:
        row = self.service.create(
            name,
            source_kind="file",
            source_ref=str(self.signal_file),
            start=start,
            config=PreviewConfig(strategy=TopkDropoutConfig(topk=topk, n_drop=2), bars="day"),
        )
        assert row.id is not None
        return row.id


def _wait_idle(qtbot: QtBot, page: PreviewPage, timeout: int = 20_000) -> None:
    qtbot.waitUntil(lambda: not page.busy, timeout=timeout)


@pytest.fixture
def rig(qtbot: QtBot, workstation: Any, tmp_path: Path) -> Iterator[Rig]:
    service: PreviewService = workstation.previews
    sessions = service.calendar.sessions
    codes = workstation.data.instruments("all")
    rng = np.random.default_rng(3)
    days = sessions[-SIGNAL_SESSIONS:]
    frame = pd.DataFrame(
        [(pd.Timestamp(d), c, float(rng.normal())) for d in days for c in codes],
        columns=["datetime", "instrument", "score"],
    )
    signal_file = tmp_path / "scores.parquet"
    frame.to_parquet(signal_file)
    jobs, bridge = JobRunner(), EngineBridge()
    bridge.watch(workstation.tick_listeners, bridge.previews_ticked)
    page = PreviewPage(service, workstation.repository, bridge, jobs)
    qtbot.addWidget(page)
    page.resize(1400, 850)
    page.show()
    _wait_idle(qtbot, page)
    yield Rig(workstation, service, page, jobs, bridge, signal_file, tuple(sessions))
    jobs.cancel_all()
    bridge.close()


def _chart_matches_the_service(rig: Rig, ids: list[int]) -> pd.DataFrame:
    frame = rig.service.nav(ids)
    chart = rig.page.chart
    assert list(chart.dates()) == list(frame.index)
    for pid in ids:
        name = rig.service.get(pid).name
        np.testing.assert_array_equal(chart.plotted(curve_label(pid, name)), frame[nav_column(pid, name)])
    np.testing.assert_array_equal(chart.plotted("000001.SH"), frame["bench:000001.SH"])
    return frame


def test_ticked_instances_draw_their_curves_as_the_scheduler_ticks(rig: Rig, qtbot: QtBot) -> None:
    sessions = rig.sessions
    first = rig.create("alpha", sessions[-4])
    second = rig.create("beta", sessions[-3], topk=5)
    rig.page.refresh()
    _wait_idle(qtbot, rig.page)
    rig.page.instances.check(first)
    rig.page.instances.check(second)
    _wait_idle(qtbot, rig.page)
    assert rig.page.chart.names() == []
    assert "no settled day" in rig.page.chart.message()

    now = {"at": dt.datetime.combine(sessions[-4], dt.time(9, 0), tzinfo=SHANGHAI)}
    rig.session.scheduler.clock = lambda: now["at"]
    for day in sessions[-4:]:
        now["at"] = dt.datetime.combine(day, dt.time(15, 30), tzinfo=SHANGHAI)
        report = rig.session.scheduler.tick()  # the listener feeds the bridge, the page reloads
        assert report.errors == ()
        _wait_idle(qtbot, rig.page)

    qtbot.waitUntil(lambda: len(rig.page.chart.names()) == 2, timeout=10_000)
    assert rig.page.chart.names() == [curve_label(first, "alpha"), curve_label(second, "beta")]
    frame = _chart_matches_the_service(rig, [first, second])
    assert len(frame) == 4  # sessions -4..-1: alpha's four settled days
    assert np.isnan(rig.page.chart.plotted(curve_label(second, "beta"))[0])
    rows = {r.id: r for r in rig.page.instances.rows()}
    assert rows[first].settled_through == sessions[-1] and rows[first].nav is not None

    # the crosshair reads the nav frame at the shown precision
    rig.page.chart.show_crosshair_at(2)
    text = rig.page.chart.crosshair_text()
    assert text.startswith(frame.index[2].isoformat())
    for column, label in (
        (nav_column(first, "alpha"), curve_label(first, "alpha")),
        (nav_column(second, "beta"), curve_label(second, "beta")),
    ):
        assert f"{label} {frame[column].iloc[2]:.4f}" in text
    assert f"{frame['bench:000001.SH'].iloc[2]:.4f}" in text

    # unticking removes the curve; the remaining one is re-read on its own
    rig.page.instances.check(second, False)
    _wait_idle(qtbot, rig.page)
    assert rig.page.chart.names() == [curve_label(first, "alpha")]
    _chart_matches_the_service(rig, [first])

    # checks survive refreshes
    rig.page.refresh()
    _wait_idle(qtbot, rig.page)
    assert rig.page.instances.checked_ids() == [first]


def test_replay_runs_as_a_job_with_progress_and_draws_the_curve(rig: Rig, qtbot: QtBot) -> None:
    pid = rig.create("gamma", rig.sessions[-12])
    rig.page.refresh()
    _wait_idle(qtbot, rig.page)
    rig.page.instances.select(pid)
    qtbot.waitUntil(lambda: rig.page.selected() is not None)
    assert rig.page.replay_action.isEnabled()

    rig.page.replay_action.trigger()  # the menu's slot opens the form …
    dialog = rig.page.dialog
    assert isinstance(dialog, ReplayDialog) and dialog.isVisible()
    start, end = dialog.date_range()
    assert (start, end) == (rig.sessions[-12], rig.service.calendar.last)

    fractions: list[float] = []
    dialog.accept()  # … and Replay starts the job
    job = rig.page.replay_job
    assert job is not None
    job.progressed.connect(lambda fraction, _text: fractions.append(fraction))
    assert rig.page.progress.isVisible()
    assert not rig.page.replay_action.isEnabled() and not rig.page.delete_action.isEnabled()
    assert rig.page.start_replay(pid, start, end) is None  # one replay at a time
    _wait_idle(qtbot, rig.page)

    assert not rig.page.progress.isVisible()
    assert fractions and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert "12 days" in rig.page.status.text()
    assert rig.service.get(pid).status == "running"  # paused for the replay, resumed after
    assert rig.page.chart.names() == [curve_label(pid, "gamma")]
    frame = _chart_matches_the_service(rig, [pid])
    assert len(frame) == 12


def test_cancelling_a_long_replay_stops_it_and_keeps_the_page_consistent(rig: Rig, qtbot: QtBot) -> None:
    pid = rig.create("long", rig.sessions[-SIGNAL_SESSIONS + 1])
    rig.page.refresh()
    _wait_idle(qtbot, rig.page)
    job = rig.page.start_replay(pid, rig.sessions[-SIGNAL_SESSIONS + 1], rig.service.calendar.last)
    assert job is not None
    qtbot.waitUntil(lambda: job.fraction > 0.0, timeout=10_000)
    rig.page.progress.cancel_button.click()
    _wait_idle(qtbot, rig.page)

    assert job.cancelled and job.error is None
    assert "cancelled" in rig.page.status.text()
    assert not rig.page.progress.isVisible()
    stored = rig.service.get(pid)
    assert stored.status == "running"
    assert stored.settled_through is not None and stored.settled_through < rig.service.calendar.last
    # what the page shows is what the store holds: the days rebuilt before the cancel
    row = rig.page.instances.row(pid)
    assert row is not None and row.settled_through == stored.settled_through
    assert len(rig.page.chart.dates()) == len(rig.service.nav([pid]))
    rig.page.instances.select(pid)
    qtbot.waitUntil(lambda: rig.page.replay_action.isEnabled())


def test_the_create_dialog_refuses_bad_input_and_creates_a_good_instance(
    rig: Rig, qtbot: QtBot, dialog_answers: Any
) -> None:
    dialog = rig.page.create_dialog()
    qtbot.addWidget(dialog)
    assert not dialog.loop_radio.isEnabled()  # no synced loop in this store: a file it is
    assert dialog.file_radio.isChecked()
    assert dialog.topk_spin.value() == 50 and dialog.n_drop_spin.value() == 5  # PreviewConfig's

    dialog.use_file(rig.signal_file)
    dialog.topk_spin.setValue(8)
    dialog.n_drop_spin.setValue(2)
    dialog.bars_combo.setCurrentIndex(dialog.bars_combo.findData("day"))

    dialog.capital_spin.setValue(5_000)
    dialog.accept()
    assert not dialog.result() and len(dialog_answers.errors) == 1
    assert "too small" in str(dialog_answers.errors[-1][1])

    dialog.capital_spin.setValue(2_000_000)
    dialog.start_edit.setDate(dialog.start_edit.date().addYears(1))
    dialog.accept()
    assert len(dialog_answers.errors) == 2 and "after the market data ends" in str(
        dialog_answers.errors[-1][1]
    )

    missing = rig.page.create_dialog()
    qtbot.addWidget(missing)
    missing.use_file(rig.signal_file.with_name("nowhere.parquet"))
    missing.accept()
    assert "does not exist" in str(dialog_answers.errors[-1][1])
    assert rig.service.instances(statuses=("running", "stopped", "archived")) == []

    dialog.start_edit.setDate(dialog.start_edit.date().addYears(-1))
    assert dialog.request().name == "scores"  # the file's stem when no name was typed
    dialog.name_edit.setText("delta")
    dialog.accept()
    assert dialog.result()
    created = rig.service.instances()
    assert [(r.name, r.initial_capital, r.start_date) for r in created] == [
        ("delta", 2_000_000.0, rig.service.calendar.session_on_or_after(dialog.request().start))
    ]
    config = PreviewConfig.from_json(created[0].config_json)
    assert config.strategy == TopkDropoutConfig(topk=8, n_drop=2) and config.bars == "day"
    _wait_idle(qtbot, rig.page)
    assert rig.page.selected() is not None and rig.page.selected().id == created[0].id  # type: ignore[union-attr]
    assert rig.page.instances.checked_ids() == [created[0].id]
    assert "no settled day" in rig.page.chart.message()


def test_archive_asks_and_makes_the_instance_read_only_delete_asks_with_danger(
    rig: Rig, qtbot: QtBot, dialog_answers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep = rig.create("keep", rig.sessions[-5])
    doomed = rig.create("doomed", rig.sessions[-5])
    rig.page.refresh()
    _wait_idle(qtbot, rig.page)
    rig.page.instances.select(keep)
    qtbot.waitUntil(lambda: rig.page.archive_action.isEnabled())
    assert rig.page.stop_action.isEnabled() and not rig.page.resume_action.isEnabled()

    rig.page.archive_action.trigger()  # the user says no
    assert len(dialog_answers.confirms) == 1 and rig.service.get(keep).status == "running"
    dialog_answers.confirm_answer = True
    rig.page.archive_action.trigger()
    assert rig.service.get(keep).status == "archived"
    _wait_idle(qtbot, rig.page)
    assert [r.id for r in rig.page.instances.rows()] == [doomed]  # archived rows are hidden

    rig.page.instances.show_archived.setChecked(True)
    _wait_idle(qtbot, rig.page)
    rig.page.instances.select(keep)
    qtbot.waitUntil(lambda: rig.page.selected() is not None and rig.page.selected().status == "archived")  # type: ignore[union-attr]
    assert not rig.page.replay_action.isEnabled()
    assert not rig.page.stop_action.isEnabled() and not rig.page.resume_action.isEnabled()
    assert not rig.page.archive_action.isEnabled() and rig.page.delete_action.isEnabled()

    asked: list[bool] = []

    def confirm(parent: object, title: str, text: str, action: str, *, danger: bool = False) -> bool:
        asked.append(danger)
        return True

    monkeypatch.setattr(dialogs, "confirm", confirm)
    rig.page.instances.select(doomed)
    qtbot.waitUntil(lambda: rig.page.selected() is not None and rig.page.selected().id == doomed)  # type: ignore[union-attr]
    rig.page.delete_action.trigger()
    assert asked == [True]
    _wait_idle(qtbot, rig.page)
    assert [r.id for r in rig.page.instances.rows()] == [keep]
    assert [r.id for r in rig.service.instances(statuses=("running", "stopped", "archived"))] == [keep]

    # stop and resume go straight through (nothing is lost)
    fresh = rig.create("fresh", rig.sessions[-5])
    rig.page.refresh()
    _wait_idle(qtbot, rig.page)
    rig.page.instances.select(fresh)
    qtbot.waitUntil(lambda: rig.page.stop_action.isEnabled())
    rig.page.stop_action.trigger()
    _wait_idle(qtbot, rig.page)
    assert rig.service.get(fresh).status == "stopped" and rig.page.resume_action.isEnabled()
    rig.page.resume_action.trigger()
    _wait_idle(qtbot, rig.page)
    assert rig.service.get(fresh).status == "running"


def test_holdings_and_trades_of_the_selected_instance_match_the_service(rig: Rig, qtbot: QtBot) -> None:
    pid = rig.create("epsilon", rig.sessions[-6])
    other = rig.create("zeta", rig.sessions[-6], topk=4)
    for instance in (pid, other):
        rig.service.replay(instance, rig.sessions[-6], rig.service.calendar.last)
    rig.page.refresh()
    _wait_idle(qtbot, rig.page)
    for instance in (pid, other):
        rig.page.instances.select(instance)
        _wait_idle(qtbot, rig.page)
        assert rig.page.details.shown_id == instance
        positions = rig.service.positions(instance)
        shown = rig.page.details.holding_rows()
        assert sorted((h.code, h.volume, h.sellable, h.market_value) for h in shown) == sorted(
            (p.code, p.volume, p.sellable, p.market_value) for p in positions
        )
        assert positions and all(h.weight is not None and 0 < h.weight < 1 for h in shown)
        trades = rig.service.trades(instance)
        assert [t.id for t in rig.page.details.trade_rows()] == [t.id for t in reversed(trades)]
        assert [(t.code, t.side, t.volume, t.price) for t in rig.page.details.trade_rows()] == [
            (t.code, t.side, t.volume, t.price) for t in reversed(trades)
        ]
        row = rig.page.instances.row(instance)
        assert row is not None and row.trades == len(trades)
        assert str(instance) in rig.page.details.holdings_title.text()
    rig.page.instances.view.table.clearSelection()
    assert rig.page.details.holding_rows() == [] and rig.page.details.shown_id is None


def test_menu_and_buttons_share_the_actions(rig: Rig) -> None:
    page = rig.page
    assert page.menu_title() == "&Preview"
    names = [a.objectName() for a in page.menu_actions() if not a.isSeparator()]
    assert names == [
        "previewNew",
        "previewReplay",
        "previewStop",
        "previewResume",
        "previewArchive",
        "previewDelete",
        "previewRefresh",
    ]
    for action in page.menu_actions():
        if not action.isSeparator():
            button = page.findChild(QToolButton, f"{action.objectName()}Button")
            assert button is not None and button.defaultAction() is action
    # nothing selected: only New and Refresh apply
    enabled = {a.objectName() for a in page.menu_actions() if a.isEnabled() and not a.isSeparator()}
    assert enabled == {"previewNew", "previewRefresh"}
    page.new_action.trigger()
    assert isinstance(page.dialog, CreatePreviewDialog) and page.dialog.isVisible()
    page.dialog.reject()
    assert rig.service.instances() == []


def test_a_checkable_monitor_remembers_checks_by_key(qtbot: QtBot) -> None:
    view = MonitorView(
        [Column("name", "Name"), Column("value", "Value", Kind.MONEY)],
        name="checks",
        row_key=lambda r: r["name"],
        checkable=True,
    )
    qtbot.addWidget(view)
    changes: list[int] = []
    view.checked_changed.connect(lambda: changes.append(1))
    view.set_records([{"name": "a", "value": 1.0}, {"name": "b", "value": 2.0}])
    model = view.model
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsUserCheckable
    assert not model.flags(model.index(0, 1)) & Qt.ItemFlag.ItemIsUserCheckable
    index = next(view.proxy.index(r, 0) for r in range(2) if view.proxy.index(r, 0).data() == "b")
    assert view.proxy.setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert view.checked_keys() == ["b"] and changes == [1]
    view.set_records([{"name": "a", "value": 1.0}])  # b is filtered out upstream …
    assert view.checked_keys() == [] and view.remembered_keys() == {"b"}
    view.set_records([{"name": "b", "value": 3.0}, {"name": "a", "value": 1.0}])  # … and comes back checked
    assert view.checked_keys() == ["b"]
    states = {
        view.proxy.index(r, 0).data(): view.proxy.index(r, 0).data(Qt.ItemDataRole.CheckStateRole)
        for r in range(2)
    }
    assert states == {"a": Qt.CheckState.Unchecked, "b": Qt.CheckState.Checked}
    view.set_checked(["a"])
    assert view.checked_keys() == ["a"]

    plain = MonitorView([Column("name", "Name")], name="plain")
    qtbot.addWidget(plain)
    plain.set_records([{"name": "x"}])
    assert plain.proxy.index(0, 0).data(Qt.ItemDataRole.CheckStateRole) is None
    assert not plain.model.flags(plain.model.index(0, 0)) & Qt.ItemFlag.ItemIsUserCheckable
    assert plain.checked_keys() == []
    with pytest.raises(ValueError, match="row_key"):
        MonitorView([Column("name", "Name")], name="bad", checkable=True)


@pytest.mark.qlib
def test_a_loop_sourced_instance_from_the_synced_export(
    synced_workstation: Any, qtbot: QtBot, dialog_answers: Any
) -> None:
    session = synced_workstation
    service: PreviewService = session.previews
    jobs, bridge = JobRunner(), EngineBridge()
    page = PreviewPage(service, session.repository, bridge, jobs)
    qtbot.addWidget(page)
    try:
        _wait_idle(qtbot, page)
        dialog = page.create_dialog()
        qtbot.addWidget(dialog)
        assert dialog.loop_radio.isChecked() and dialog.loop_combo.count() >= 3
        dialog.use_loop(1)
        assert dialog.topk_spin.value() == 10 and dialog.n_drop_spin.value() == 1  # the loop's own book
        dialog.bars_combo.setCurrentIndex(dialog.bars_combo.findData("day"))
        last = service.calendar.last
        start = service.calendar.previous_session(last, 4)
        dialog.start_edit.setDate(QDate(start.year, start.month, start.day))
        request = dialog.request()
        assert request.source_kind == "loop" and request.source_ref.count("/") == 2
        assert request.name.startswith("Loop 1")
        dialog.accept()
        assert dialog.result(), dialog_answers.errors
        (created,) = service.instances()
        assert created.source_ref == request.source_ref and created.experiment_id == request.experiment_id
        job = page.start_replay(created.id, start, last)  # type: ignore[arg-type]
        assert job is not None
        _wait_idle(qtbot, page, timeout=120_000)
        assert job.error is None, job.error
        label = curve_label(created.id, created.name)  # type: ignore[arg-type]
        assert page.chart.names() == [label]
        frame = service.nav([created.id])  # type: ignore[list-item]
        assert len(frame) == 5
        np.testing.assert_array_equal(page.chart.plotted(label), frame[nav_column(created.id, created.name)])  # type: ignore[arg-type]
    finally:
        jobs.cancel_all()
        bridge.close()
