"""The demo world is prepared once, registered in the store, and reused on the next launch."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from sqlmodel import select

from aistock.rdagent.demo.build import load_demo_export
from aistock.store import DataSourceRecord, Instrument, WorkstationHome, open_store
from aistock.trading.preview.service import PreviewService
from aistock.workflows.demo_world import DemoSettings, prepare_demo_world

SMALL = DemoSettings(seed=3, stocks=25, days=120, minute_days=2, end=dt.date(2025, 11, 21))


def test_first_launch_builds_then_reuses(tmp_path: Path) -> None:
    home = WorkstationHome(tmp_path / "home").ensure()
    stages: list[str] = []
    with open_store(home) as store:
        first = prepare_demo_world(home, store, SMALL, progress=lambda stage, _f: stages.append(stage))
        assert first.built_now and "done" in stages
        stamp = (first.provider_dir / "calendars" / "day.txt").stat().st_mtime_ns
    with open_store(home) as store:
        second = prepare_demo_world(home, store, SMALL)
        assert not second.built_now
        assert (second.provider_dir / "calendars" / "day.txt").stat().st_mtime_ns == stamp
        with store.session() as session:
            sources = session.exec(select(DataSourceRecord)).all()
            assert [s.name for s in sources] == ["demo"]  # upsert, not a second row
            details = json.loads(sources[0].details_json)
            assert details["stocks"] == 25 and details["end"] == "2025-11-21"
            rows = {row.code: row for row in session.exec(select(Instrument)).all()}
    assert second.instruments == len(rows)
    assert rows["000001.SH"].kind == "index" and rows["000001.SH"].name == "上证指数"
    stocks = [r for r in rows.values() if r.kind == "stock"]
    assert len(stocks) == 25 and all(r.name for r in stocks)


def test_changed_settings_rebuild(tmp_path: Path) -> None:
    home = WorkstationHome(tmp_path / "home").ensure()
    with open_store(home) as store:
        prepare_demo_world(home, store, SMALL)
        bigger = prepare_demo_world(
            home, store, DemoSettings(seed=3, stocks=30, days=120, minute_days=2, end=dt.date(2025, 11, 21))
        )
        assert bigger.built_now and bigger.manifest.stocks == 30
        assert prepare_demo_world(home, store, SMALL, rebuild=True).built_now


def test_demo_world_trains_and_syncs_the_rdagent_export_once(tmp_path: Path) -> None:
    from aistock.rdagent.catalog.repository import RdagentRepository

    home = WorkstationHome(tmp_path / "home").ensure()
    settings = DemoSettings(seed=5, stocks=30, days=220, minute_days=1, end=dt.date(2025, 11, 21))
    with open_store(home) as store:
        world = prepare_demo_world(home, store, settings)
        assert world.rdagent_loops == 4 and world.rdagent_export is not None
        assert "trained now" in world.rdagent_note
        loops = RdagentRepository(store).loops(consumable_only=True)
        assert len(loops) == 5  # four experiment workspaces and one factor sub-workspace
        stamp = (world.rdagent_export / "demo_export.json").stat().st_mtime_ns
        # Three preview instances, each scored by its loop's model and replayed to the last day.
        previews = PreviewService(store, world.data_service())
        rows = previews.instances()
        assert [r.name for r in rows] == ["Loop 0 · top 10", "Loop 1 · top 20", "Loop 2 · top 30"]
        assert all(r.settled_through == world.manifest.end_date for r in rows)
        assert all(len(previews.accounts(r.id)) == 120 for r in rows if r.id is not None)
        assert "3 instance(s) replayed" in world.preview_note
        again = prepare_demo_world(home, store, settings)
        assert "reused" in again.rdagent_note and "0 added, 0 changed" in again.rdagent_note
        assert again.preview_note == "previews: 3 instance(s) kept"
        assert (world.rdagent_export / "demo_export.json").stat().st_mtime_ns == stamp

    # A moved (or copied) home keeps its trained export: same market, only its path changed.
    moved = WorkstationHome(tmp_path / "moved").ensure()
    shutil.copytree(home.root, moved.root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.lock"))
    with open_store(moved) as store:
        relocated = prepare_demo_world(moved, store, settings)
        assert not relocated.built_now and "reused" in relocated.rdagent_note
        export = load_demo_export(moved.demo_dir / "rdagent")
        assert export is not None and export.provider == str(relocated.provider_dir.resolve())
        repository = RdagentRepository(store)
        local = [repository.local_workspace(loop) for loop in repository.loops(consumable_only=True)]
        assert local and all(p is not None and moved.root in p.parents for p in local)
    # The original home is untouched by the copy's rebinding.
    original = load_demo_export(home.demo_dir / "rdagent")
    assert original is not None and original.provider == str(world.provider_dir.resolve())


def test_a_short_market_skips_the_rdagent_demo_with_a_note(tmp_path: Path) -> None:
    home = WorkstationHome(tmp_path / "home").ensure()
    with open_store(home) as store:
        world = prepare_demo_world(home, store, SMALL)
    assert world.rdagent_export is None and "need 200" in world.rdagent_note
