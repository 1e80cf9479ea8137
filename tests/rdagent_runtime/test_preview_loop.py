"""A loop-sourced preview: the loop's own model scores the days, and the book trades like the backtest.

Runs on the demo export (real qlib-trained loops). The preview's stored scores must be the
SelectionService's scores (and, on the exported top-k, the scores qlib wrote to signals.parquet);
a daily replay over the loop's test period must equal the workstation backtest fed those scores.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlmodel import col, select

from aistock.data import DataService, QlibProviderSource
from aistock.rdagent.catalog.sync import CatalogSync
from aistock.rdagent.demo.build import DemoExport
from aistock.rdagent.instrument_codes import to_qlib
from aistock.selection.service import SelectionService
from aistock.store import PreviewSignal, Store, WorkstationHome, open_store
from aistock.trading.backtest.engine import BacktestSettings, StrategyEngine
from aistock.trading.portfolio.config import TopkDropoutConfig
from aistock.trading.preview.config import PreviewConfig
from aistock.trading.preview.service import PreviewService

LOOP = 0


@dataclass(frozen=True)
class LoopPreview:
    store: Store
    data: DataService
    service: PreviewService
    preview_id: int
    ref: str
    signal_days: list[dt.date]
    """The loop's test period: the days its signals.parquet scores."""
    exported: pd.DataFrame
    config: PreviewConfig


@pytest.fixture(scope="module")
def loop_preview(
    demo_export: DemoExport, small_demo: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LoopPreview]:
    home = WorkstationHome(tmp_path_factory.mktemp("preview_loop") / "home").ensure()
    data = DataService(QlibProviderSource(small_demo))
    loop = demo_export.loops[LOOP]
    exported = pd.read_parquet(demo_export.workspace_dir(loop["workspace_id"]) / "signals.parquet")
    days = sorted({pd.Timestamp(t).date() for t in exported["trade_date"]})
    ref = f"{demo_export.task_run_id}/{loop['loop_id']}"
    config = PreviewConfig(strategy=TopkDropoutConfig(topk=int(loop["topk"]), n_drop=2), bars="day")
    with open_store(home) as store:
        CatalogSync(store).run(demo_export.root)
        service = PreviewService(store, data, selection=lambda: SelectionService(store, data))
        row = service.create("loop 0", source_kind="loop", source_ref=ref, start=days[1], config=config)
        assert row.id is not None
        # trade days[1..]: each trades on the previous day's scores, so every signal day is a test day
        assert service.replay(row.id, days[1], days[-1]) == len(days) - 1
        yield LoopPreview(store, data, service, row.id, ref, days, exported, config)


def _stored_scores(preview: LoopPreview) -> pd.Series:
    with preview.store.session() as session:
        rows = session.exec(
            select(PreviewSignal).where(col(PreviewSignal.preview_id) == preview.preview_id)
        ).all()
    frame = pd.DataFrame(
        [(pd.Timestamp(r.signal_day), r.code, r.score) for r in rows],
        columns=["datetime", "instrument", "score"],
    )
    return frame.set_index(["datetime", "instrument"])["score"].sort_index()


@pytest.mark.qlib
def test_a_loop_preview_stores_the_selection_services_scores(loop_preview: LoopPreview) -> None:
    stored = _stored_scores(loop_preview)
    signal_days = loop_preview.signal_days[:-1]
    assert sorted({t.date() for t in stored.index.get_level_values("datetime")}) == signal_days

    fresh = SelectionService(loop_preview.store, loop_preview.data).select(
        loop_preview.ref, start=signal_days[0], end=signal_days[-1], persist=False
    )
    expected = (
        fresh.candidates.assign(datetime=lambda f: pd.to_datetime(f["trade_date"]))
        .set_index(["datetime", "code"])["score"]
        .rename_axis(["datetime", "instrument"])
        .sort_index()
    )
    assert len(stored) == len(expected) > 20 * len(signal_days)
    assert list(stored.index) == list(expected.index)
    np.testing.assert_allclose(stored.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-12)

    # and, independently of our runtime, the top-k qlib exported to signals.parquet
    exported = loop_preview.exported
    exported = exported[exported["trade_date"].dt.date.isin(signal_days)]
    lookup = {(t, to_qlib(code)): s for (t, code), s in zip(stored.index, stored.to_numpy(), strict=True)}
    ours = np.array(
        [
            lookup[(pd.Timestamp(t), c)]
            for t, c in zip(exported["trade_date"], exported["instrument"], strict=True)
        ]
    )
    assert len(ours) > 0
    np.testing.assert_allclose(ours, exported["score"].to_numpy(), rtol=0, atol=1e-6)


@pytest.mark.qlib
def test_a_loop_preview_replay_equals_the_backtest_of_its_scores(loop_preview: LoopPreview) -> None:
    days = loop_preview.signal_days
    settings = BacktestSettings(
        start=days[1],
        end=days[-1],
        rules="ashare",
        account=1e6,
        benchmark=None,
        fees=loop_preview.config.rules.fees,
        workstation=loop_preview.config.rules,
    )
    result = StrategyEngine(loop_preview.data).run_backtest(
        _stored_scores(loop_preview), loop_preview.config.strategy, settings
    )
    accounts = loop_preview.service.accounts(loop_preview.preview_id)
    assert list(accounts["trading_day"]) == [t.date() for t in result.report.index] == days[1:]
    reference = result.report["account"].to_numpy()
    np.testing.assert_allclose(accounts["total_value"].to_numpy(), reference, rtol=1e-6, atol=0)
    assert np.ptp(reference) > 1_000  # it traded and the book moved
    filled = result.trades[result.trades["deal_amount"] > 0]
    trades = loop_preview.service.trades(loop_preview.preview_id)
    assert len(trades) == len(filled) > 0
    assert sorted((t.trading_day, t.code, t.side, t.volume) for t in trades) == sorted(
        (ts.date(), code, side, round(volume))
        for ts, code, side, volume in zip(
            filled["datetime"], filled["instrument"], filled["side"], filled["deal_amount"], strict=True
        )
    )
