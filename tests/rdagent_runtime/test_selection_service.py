"""The selection service over a synced demo export: signals.parquet's top-k, stored runs, refusals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from aistock.cli import app
from aistock.data import DataService, QlibProviderSource
from aistock.rdagent.catalog.sync import CatalogSync
from aistock.rdagent.demo.build import DemoExport
from aistock.rdagent.instrument_codes import to_qlib
from aistock.selection.loop_ref import parse_loop_ref
from aistock.selection.service import SelectionError, SelectionService
from aistock.store import WorkstationHome, open_store

REAL_FIXTURES = Path(__file__).resolve().parents[1] / "rdagent" / "data" / "rdagent_real"


@pytest.fixture(scope="module")
def synced_home(demo_export: DemoExport, tmp_path_factory: pytest.TempPathFactory) -> WorkstationHome:
    home = WorkstationHome(tmp_path_factory.mktemp("selection") / "home").ensure()
    with open_store(home) as store:
        CatalogSync(store).run(demo_export.root)
        CatalogSync(store).run(REAL_FIXTURES)  # older-shape loops: imported but not consumable
    return home


@pytest.fixture(scope="module")
def service(synced_home: WorkstationHome, small_demo: Path) -> Iterator[SelectionService]:
    with open_store(synced_home) as store:
        yield SelectionService(store, DataService(QlibProviderSource(small_demo)))


def _ref(export: DemoExport, loop_id: int) -> str:
    return f"{export.task_run_id}/{loop_id}"


@pytest.mark.qlib
@pytest.mark.parametrize("loop_id", [0, 1, 2, 3])
def test_selection_topk_equals_signals_parquet_on_every_test_day(
    service: SelectionService, demo_export: DemoExport, loop_id: int
) -> None:
    workspace = demo_export.workspace_dir(demo_export.loops[loop_id]["workspace_id"])
    signals = pd.read_parquet(workspace / "signals.parquet")
    days = sorted(signals["trade_date"].unique())
    result = service.select(_ref(demo_export, loop_id), start=days[0].date(), end=days[-1].date())
    assert result.topk == int(signals["topk"].iloc[0])
    ours = result.selected()
    ours_codes = [to_qlib(c) for c in ours["code"]]
    assert ours_codes == list(signals["instrument"])
    assert list(ours["rank"]) == list(signals["rank"])
    assert abs(ours["score"].to_numpy() - signals["score"].to_numpy()).max() <= 1e-6
    assert (ours["target_weight"] == 1.0 / result.topk).all()
    stored = service.stored_candidates(result.run_id or -1)
    pd.testing.assert_frame_equal(stored, result.candidates, check_dtype=False)


def test_one_day_selection_is_stored_with_its_model(
    service: SelectionService, demo_export: DemoExport
) -> None:
    day = dt.date(2025, 11, 21)
    result = service.select(_ref(demo_export, 3), day, topk=5)
    assert result.run_id is not None and len(result.selected(day)) == 5
    assert set(result.candidates["rank"]) == set(range(1, len(result.candidates) + 1))
    run = service.history(1)[0]
    assert run.id == result.run_id and run.topk == 5 and run.model_path.endswith("params.pkl")


def test_a_universe_limits_the_candidates(service: SelectionService, demo_export: DemoExport) -> None:
    day = dt.date(2025, 11, 21)
    full = service.select(_ref(demo_export, 1), day, persist=False)
    few = list(full.candidates["code"][:7])
    limited = service.select(_ref(demo_export, 1), day, universe=few, topk=3, persist=False)
    assert set(limited.candidates["code"]) == set(few)
    expected = full.candidates.set_index("code").loc[few, "score"].sort_values(ascending=False)
    assert list(limited.selected()["code"]) == list(expected.index[:3])


def test_non_trading_and_out_of_range_days_are_refused(
    service: SelectionService, demo_export: DemoExport
) -> None:
    with pytest.raises(SelectionError, match="is not a trading day") as info:
        service.select(_ref(demo_export, 0), dt.date(2025, 11, 15))  # a Saturday
    assert "2025-11-14" in info.value.fix
    with pytest.raises(SelectionError, match="outside the market data"):
        service.select(_ref(demo_export, 0), dt.date(2030, 1, 2))


def test_a_loop_that_is_not_materialized_is_refused(service: SelectionService) -> None:
    loop = next(loop for loop in service.repository.loops() if not loop.consumable)
    with pytest.raises(SelectionError, match="cannot be used yet") as info:
        service.select(loop, dt.date(2025, 11, 21))
    assert "materialize" in info.value.fix


def test_bad_loop_references_are_explained() -> None:
    assert parse_loop_ref("abc/3/ws").workspace_id == "ws"
    for text in ("abc", "abc/x", "a/1/b/c"):
        with pytest.raises(Exception, match="TASK_RUN_ID/LOOP_ID"):
            parse_loop_ref(text)


def test_sync_then_select_from_the_command_line(
    demo_export: DemoExport, small_demo: Path, tmp_path: Path
) -> None:
    home = str(tmp_path / "home")
    runner = CliRunner()
    synced = runner.invoke(app, ["sync", "--from", str(demo_export.root), "--home", home])
    assert synced.exit_code == 0, synced.output
    out = tmp_path / "picks.csv"
    args = ["select", "--loop", _ref(demo_export, 3), "--date", "2025-11-21", "--topk", "4"]
    result = runner.invoke(app, [*args, "--home", home, "--provider", str(small_demo), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "top 4" in result.output
    frame = pd.read_csv(out)
    assert int(frame["selected"].sum()) == 4
    weekend = runner.invoke(
        app, [*args[:4], "--date", "2025-11-16", "--home", home, "--provider", str(small_demo)]
    )
    assert weekend.exit_code == 2
