"""The Research page on the real engines: catalog sync, the catalog browser and loop selections.

The sync runs ``CatalogSync`` on the demo RD-Agent export (four loops qlib trained), the
selection runs ``SelectionService`` on the demo market; only the desktop's file dialogs and its
"open folder" are replaced, by recorders.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from aistock.rdagent.catalog.pathmap import PathMap, RdagentSettings
from aistock.rdagent.catalog.sync import REPORT_CATALOGS
from aistock.ui.jobs import JobRunner
from aistock.ui.research import ResearchPage
from aistock.ui.research.records import all_models

SELECTION_TIMEOUT_MS = 180_000
SYNC_TIMEOUT_MS = 60_000


class Recorder:
    """Stands in for an injected desktop call: records its arguments, answers ``answer``."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> Any:
        self.calls.append(args)
        return self.answer


PageFactory = Callable[..., ResearchPage]


@pytest.fixture
def make_page(qtbot: QtBot) -> Iterator[PageFactory]:
    runners: list[JobRunner] = []

    def build(
        session: Any,
        *,
        opener: Recorder | None = None,
        chooser: Recorder | None = None,
        save: Recorder | None = None,
    ) -> ResearchPage:
        jobs = JobRunner()
        runners.append(jobs)
        page = ResearchPage(
            session.store,
            session.repository,
            session.selection,
            jobs,
            session.calendar,
            session.rdagent_export,
            opener=opener or Recorder(True),
            chooser=chooser or Recorder(None),
            save_path_chooser=save or Recorder(None),
        )
        qtbot.addWidget(page)
        page.resize(1400, 850)
        return page

    yield build
    for jobs in runners:
        jobs.cancel_all(30)


def _catalog_entries(root: Path, name: str, key: str) -> int:
    """Entries of one catalog file of the export, counted from the JSON itself."""
    data = json.loads((root / "RDagentDB" / "aistock" / f"{name}_catalog.json").read_text(encoding="utf-8"))
    return len(data[key])


def _catalog_state(session: Any) -> tuple[list[str], list[tuple[str, str]], int]:
    repo = session.repository
    return (
        [loop.key for loop in repo.loops()],
        [(f.source, f.name) for f in repo.factors()],
        len(all_models(session.store)),
    )


# --- sync ------------------------------------------------------------------------------------


def test_sync_from_the_page_fills_the_browser_and_reports_what_it_did(
    workstation: Any, demo_export: Any, make_page: PageFactory, qtbot: QtBot, dialog_answers: Any
) -> None:
    chooser = Recorder(demo_export.root)
    page = make_page(workstation, chooser=chooser)
    assert page.browser.loops_view.records() == [] and page.sync_bar.source() == ""
    assert not page.selection.run_action.isEnabled()  # nothing to select from yet

    # An empty source field asks for a directory first (the injected chooser answers).
    with qtbot.waitSignal(page.catalog_synced, timeout=SYNC_TIMEOUT_MS) as synced:
        assert page.sync_action.isEnabled()
        page.sync_action.trigger()
    assert len(chooser.calls) == 1
    report = synced.args[0]
    assert dialog_answers.errors == []

    root = demo_export.root
    expected_added = {
        "loops": _catalog_entries(root, "loop", "loops"),
        "models": _catalog_entries(root, "model", "models"),
        "strategies": _catalog_entries(root, "strategy", "strategies"),
    }
    for name, count in expected_added.items():
        assert report.counts[name].added == count > 0
    loops, factors, models = _catalog_state(workstation)
    assert report.counts["factors"].added == len(factors) > 0

    # The report pane shows the report's numbers, one row per catalog.
    rows = {r["catalog"]: r for r in page.report_view.counts_view.records()}
    assert list(rows) == list(REPORT_CATALOGS)
    for name in REPORT_CATALOGS:
        assert rows[name]["added"] == report.counts[name].added
        assert rows[name]["rejected"] == report.counts[name].rejected
    assert page.browser.tabs.currentWidget() is page._report_tab
    assert str(root) in page.report_view.title.text()

    # The browser is filled from the store …
    assert [row.key for row in page.browser.loops_view.records()] == loops
    assert [(f.source, f.name) for f in page.browser.factors_view.records()] == factors
    assert len(page.browser.models_view.records()) == models == expected_added["models"]
    assert len(page.browser.strategies_view.records()) == expected_added["strategies"]
    # … and the selection panel offers the loops, usable ones first and chosen.
    choices = page.selection.choices()
    assert {c.loop.key for c in choices} == set(loops)
    usable = [c.usable for c in choices]
    assert usable == sorted(usable, reverse=True) and usable[0]
    assert page.selection.current_loop() == choices[0].loop
    assert page.selection.run_action.isEnabled()

    # A second sync of the same export adds and changes nothing.
    with qtbot.waitSignal(page.catalog_synced, timeout=SYNC_TIMEOUT_MS) as again:
        page.sync_action.trigger()
    second = again.args[0]
    assert len(chooser.calls) == 1  # the field remembered the source
    assert second.added == 0 and second.changed == 0
    assert all(r["added"] == 0 and r["changed"] == 0 for r in page.report_view.counts_view.records())
    assert [r.id for r in page.report_view.history_view.records()][:2] == [second.run_id, report.run_id]
    assert _catalog_state(workstation) == (loops, factors, models)


def test_a_bad_directory_is_refused_and_changes_nothing(
    synced_workstation: Any, make_page: PageFactory, qtbot: QtBot, dialog_answers: Any, tmp_path: Path
) -> None:
    session = synced_workstation
    page = make_page(session)
    before = _catalog_state(session)
    runs_before = [r.id for r in session.repository.runs()]
    assert page.sync_bar.source() == str(session.rdagent_export)  # defaults to the last source synced

    # A path that does not exist: refused before the sync runs, so not even the history changes.
    missing = tmp_path / "no-such-rdagent"
    assert page.sync_bar.start_sync(missing) is None
    _title, error = dialog_answers.errors[-1]
    assert str(missing) in str(error) and "does not exist" in str(error)
    assert [r.id for r in session.repository.runs()] == runs_before

    # A directory without catalogs: the sync refuses it (and records the refusal), the catalog stays.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert page.sync_bar.start_sync(empty) is not None
    qtbot.waitUntil(lambda: page.sync_bar.job is None, timeout=SYNC_TIMEOUT_MS)
    assert len(dialog_answers.errors) == 2
    assert "no RD-Agent catalog files" in str(dialog_answers.errors[-1][1])
    assert _catalog_state(session) == before
    assert page.sync_bar.report is None
    qtbot.waitUntil(lambda: page.report_view.history_view.records()[0].status == "refused")
    assert page.sync_action.isEnabled()


# --- selection -------------------------------------------------------------------------------


def test_selection_shows_the_services_candidates_exports_them_and_keeps_them_on_error(
    synced_workstation: Any, make_page: PageFactory, qtbot: QtBot, dialog_answers: Any, tmp_path: Path
) -> None:
    session = synced_workstation
    out = tmp_path / "candidates.csv"
    save = Recorder(out)
    page = make_page(session, save=save)
    panel = page.selection
    last_day = session.data.trading_calendar().last
    assert panel.trade_date() == last_day  # defaults to the last data day
    loop = panel.current_loop()
    assert loop is not None and loop.consumable
    panel.topk_spin.setValue(5)
    assert not page.export_candidates_action.isEnabled()

    with qtbot.waitSignal(panel.selection_finished, timeout=SELECTION_TIMEOUT_MS) as finished:
        page.run_selection_action.trigger()
        assert not page.run_selection_action.isEnabled()  # one selection at a time
    assert dialog_answers.errors == []
    assert panel.job is None  # announced once the panel is idle
    result = finished.args[0]
    assert result.loop_key == loop.key and result.topk == 5

    expected = session.selection().select(loop, last_day, topk=5, persist=False)
    want = expected.candidates.sort_values("rank")
    top = want[want["selected"]]
    shown = panel.view.visible_records()
    assert [c.code for c in shown] == list(top["code"])
    assert [c.rank for c in shown] == list(top["rank"])
    assert max(abs(c.score - s) for c, s in zip(shown, top["score"], strict=True)) <= 1e-9
    assert all(c.name for c in shown)  # names come from the store's instruments

    panel.top_only.setChecked(False)  # every scored name, the top-k first
    every = panel.view.visible_records()
    assert [c.code for c in every] == list(want["code"])
    assert max(abs(c.score - s) for c, s in zip(every, want["score"], strict=True)) <= 1e-9
    panel.top_only.setChecked(True)

    # Export (the menu command asks where, through the injected chooser): exact numbers.
    assert page.export_candidates_action.isEnabled()
    page.export_candidates_action.trigger()
    assert len(save.calls) == 1 and save.calls[0][1].endswith(f"{last_day.isoformat()}.csv")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["code"] for r in rows] == list(top["code"])
    assert [float(r["score"]) for r in rows] == [float(s) for s in top["score"]]
    assert {r["trade_date"] for r in rows} == {last_day.isoformat()}

    # Errors: a day before the data, then a weekend; the table keeps the last good answer.
    before = panel.view.records()
    too_early = session.data.trading_calendar().first - dt.timedelta(days=30)
    for day in (too_early, _weekend_before(last_day)):
        if day != too_early:
            panel.set_trade_date(day)
            assert panel.date_hint.text()  # warned before running
        errors = len(dialog_answers.errors)
        assert panel.start_selection(day=day if day == too_early else None) is not None
        qtbot.waitUntil(lambda: panel.job is None, timeout=SELECTION_TIMEOUT_MS)
        assert len(dialog_answers.errors) == errors + 1
    assert len(dialog_answers.errors) == 2
    assert "outside the market data" in str(dialog_answers.errors[0][1])
    assert "not a trading day" in str(dialog_answers.errors[1][1])
    assert panel.view.records() == before
    assert panel.result is result
    assert page.run_selection_action.isEnabled()


def _weekend_before(day: dt.date) -> dt.date:
    while day.weekday() != 5:
        day -= dt.timedelta(days=1)
    return day


# --- browser ---------------------------------------------------------------------------------


def test_browser_filters_sorts_and_details_a_loop(
    synced_workstation: Any, make_page: PageFactory, qtbot: QtBot
) -> None:
    session = synced_workstation
    page = make_page(session)
    view = page.browser.loops_view
    loops = session.repository.loops()
    assert len(view.visible_records()) == len(loops) >= 4

    view.set_filter("rejected")
    narrowed = view.visible_records()
    assert 0 < len(narrowed) < len(loops) and all(r.loop.decision is False for r in narrowed)
    view.set_filter("")

    keys = [c.key for c in view.model.columns]
    from PySide6.QtCore import Qt

    view.table.sortByColumn(keys.index("annualized_return"), Qt.SortOrder.DescendingOrder)
    annual = [r.loop.annualized_return for r in view.visible_records()]
    numbers = [a for a in annual if a is not None]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) >= 4
    assert annual[len(numbers) :] == [None] * (len(annual) - len(numbers))  # no value sorts last
    # Drawdowns are negative: as text "-3.70%" < "-7.20%", numerically the other way round.
    view.table.sortByColumn(keys.index("max_drawdown"), Qt.SortOrder.AscendingOrder)
    drawdowns = [
        r.metric("max_drawdown") for r in view.visible_records() if r.metric("max_drawdown") is not None
    ]
    assert drawdowns == sorted(drawdowns) and drawdowns[0] < drawdowns[-1] < 0

    loop = next(lp for lp in loops if lp.decision is True and lp.factor_names)
    page.browser.select_loop(loop.key)
    detail = page.browser.loop_detail
    assert page.browser.detail.currentWidget() is detail
    metrics = {r["key"]: r["value"] for r in detail.metrics_view.records()}
    assert metrics["annualized_return"] == pytest.approx(loop.metrics["annualized_return"])
    assert set(metrics) == set(loop.metrics)
    text = detail.feedback.toPlainText()
    assert "Accepted" in text
    assert loop.raw["summary_texts"]["execution"] in text
    assert [r["name"] for r in detail.factors_view.records()] == list(loop.factor_names)
    assert loop.task_run_id in detail.title.text()

    # Double-clicking a loop chooses it for the selection.
    page.browser.loop_activated.emit(loop)
    assert page.selection.current_loop() == loop

    # A loop workspace without a model is listed but cannot be chosen, with the reason.
    no_model = [c for c in page.selection.choices() if not c.usable]
    assert no_model and all(c.reason for c in no_model)
    assert not page.selection.set_loop(no_model[0].loop.key)

    # Factors, strategies and models show their raw entry.
    page.browser.tabs.setCurrentIndex(1)
    first = page.browser.factors_view.records()[0]
    page.browser.factors_view.select_keys([(first.source, first.name)])
    assert page.browser.detail.currentWidget() is page.browser.raw_detail
    assert page.browser.raw_detail.fields()["name"] == first.name


def test_open_log_folder_maps_the_path_or_says_why_it_cannot(
    synced_workstation: Any, demo_export: Any, make_page: PageFactory, dialog_answers: Any, tmp_path: Path
) -> None:
    session = synced_workstation
    opener = Recorder(True)
    page = make_page(session, opener=opener)
    loop = session.repository.loops()[0]
    assert loop.log_dir and loop.log_dir.startswith("/mnt/f/")  # RD-Agent's machine, not this one

    assert not page.open_log_action.isEnabled()  # no loop selected yet
    page.browser.select_loop(loop.key)
    assert page.open_log_action.isEnabled()
    page.open_log_action.trigger()
    assert opener.calls == [(demo_export.root / "log",)]
    assert dialog_answers.errors == []

    # The path map points somewhere that is not there: say so, naming both paths and the fix.
    elsewhere = tmp_path / "moved-away"
    RdagentSettings(session.store).set_path_map(PathMap((("/mnt/f/Dev/RD-Agent-main", str(elsewhere)),)))
    page.open_log_action.trigger()
    assert len(opener.calls) == 1
    _title, error = dialog_answers.errors[-1]
    message = str(error)
    assert str(elsewhere / "log") in message and loop.log_dir in message and "--map" in message

    # No rule for RD-Agent's prefix at all: the raw path is not on this machine either.
    RdagentSettings(session.store).set_path_map(PathMap())
    page.browser.open_log_folder(loop)
    assert len(opener.calls) == 1 and len(dialog_answers.errors) == 2
    assert loop.log_dir in str(dialog_answers.errors[-1][1])


def test_the_page_offers_its_commands_as_a_menu(synced_workstation: Any, make_page: PageFactory) -> None:
    page = make_page(synced_workstation)
    assert page.menu_title() == "&Research"
    names = [a.objectName() for a in page.menu_actions() if not a.isSeparator()]
    assert names == [
        "syncCatalogAction",
        "runSelectionAction",
        "exportCandidatesAction",
        "openLogFolderAction",
        "openWorkspaceAction",
    ]
