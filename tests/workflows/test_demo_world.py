"""The demo world is prepared once, registered in the store, and reused on the next launch."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlmodel import select

from aistock.store import DataSourceRecord, Instrument, WorkstationHome, open_store
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
