"""Prepare the embedded demo world inside a workstation home.

A fresh install has no market data, no RD-Agent export and no broker. The demo world fills all
three roles with things the workstation ships or generates, so that the very first launch shows
a working product. This workflow builds the demo market once (later launches reuse it), records
it as a data source in the store, and loads its instrument master, so the rest of the app finds
demo data exactly where it would find real data. It then trains the demo RD-Agent export on that
market (real qlib, four loops, once per market) and syncs it like any RD-Agent directory, so the
loop catalog and the selection service have something real to show.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlmodel import select

from aistock.core.calendar import TradingCalendar, shanghai_now
from aistock.data.demo_market import (
    GENERATOR_VERSION,
    DemoManifest,
    build_demo_market,
    load_demo_manifest,
)
from aistock.data.qlib_provider import QlibProviderSource
from aistock.data.service import DataService
from aistock.store import DataSourceRecord, Instrument, Store, WorkstationHome, utc_now

DEMO_SOURCE_NAME = "demo"

ProgressCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class DemoSettings:
    """How big a demo world to build (the defaults suit a laptop: ~2–3 s, ~70 MB)."""

    seed: int = 7
    stocks: int = 300
    days: int = 1200
    minute_days: int = 20
    end: dt.date | None = None
    rdagent: bool = True
    """Also build and sync the demo RD-Agent export (needs a market of 200+ sessions)."""
    rdagent_window: int = 500
    """Sessions the demo loops train and test on (the most recent ones)."""
    paper: bool = True
    """Also open the demo paper account on the built-in miniQMT simulator and reconcile it."""
    previews: bool = True
    """Also seed three preview instances from the demo loops, replayed (needs ``rdagent``)."""


@dataclass(frozen=True)
class DemoWorld:
    """A prepared demo world: where it lives and what it holds."""

    home: WorkstationHome
    manifest: DemoManifest
    built_now: bool
    instruments: int
    rdagent_export: Path | None = None
    rdagent_loops: int = 0
    rdagent_note: str = ""
    paper_note: str = ""
    preview_note: str = ""
    trading_state: str = ""
    """The kill-switch's state, worded: the first thing a summary shows."""

    @property
    def provider_dir(self) -> Path:
        return self.home.demo_provider_dir

    def data_service(self) -> DataService:
        return DataService(QlibProviderSource(self.provider_dir))

    def calendar(self) -> TradingCalendar:
        """The exchange calendar over the demo days and on to a month past today (Shanghai).

        The session clock runs on today's date, which may lie beyond the demo data.
        """
        today = shanghai_now().date()
        end = max(self.manifest.end_date, today) + dt.timedelta(days=30)
        return TradingCalendar.xshg(self.manifest.start_date, end)

    def facts(self) -> dict[str, object]:
        """The manifest's numbers, flat, for views that word them in their own language."""
        m = self.manifest
        return {
            **m.counts,
            "stocks": m.stocks,
            "indices": ", ".join(m.indices),
            "start": m.start,
            "end": m.end,
            "days": m.days,
            "minute_days": m.minute_days,
            "seed": m.seed,
            "generator_version": m.generator_version,
            "build_seconds": m.build_seconds,
        }

    def summary_lines(self) -> list[str]:
        m = self.manifest
        c = m.counts
        return [
            f"stocks: {m.stocks}  indices: {', '.join(m.indices)}",
            f"daily bars: {m.start} … {m.end} ({m.days} sessions)",
            f"minute bars: last {m.minute_days} sessions from {m.minute_start or '—'}",
            f"limit-up days {c.get('limit_up_days', 0)}, limit-down days {c.get('limit_down_days', 0)}, "
            f"suspended stock-days {c.get('suspended_days', 0)}",
            f"ST names {c.get('st_stocks', 0)}, new listings {c.get('new_listings', 0)}, "
            f"delistings {c.get('delistings', 0)}, ex-dividend events {c.get('ex_dividend_events', 0)}",
            f"seed {m.seed}, generator v{m.generator_version}, built in {m.build_seconds:.1f} s",
            *([self.rdagent_note] if self.rdagent_note else []),
            *([self.paper_note] if self.paper_note else []),
            *([self.preview_note] if self.preview_note else []),
        ]


def _needs_build(manifest: DemoManifest | None, settings: DemoSettings) -> bool:
    if manifest is None or manifest.generator_version != GENERATOR_VERSION:
        return True
    wanted = (settings.seed, settings.stocks, settings.days, settings.minute_days)
    have = (manifest.seed, manifest.stocks, manifest.days, manifest.minute_days)
    if wanted != have:
        return True
    return settings.end is not None and settings.end.isoformat() != manifest.end


def prepare_demo_world(
    home: WorkstationHome,
    store: Store,
    settings: DemoSettings | None = None,
    *,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
) -> DemoWorld:
    """Build the demo market if needed, then register it and its instruments in the store."""
    settings = settings or DemoSettings()
    provider = home.demo_provider_dir
    manifest = load_demo_manifest(provider)
    built_now = rebuild or _needs_build(manifest, settings)
    if built_now:
        manifest = build_demo_market(
            provider,
            seed=settings.seed,
            stocks=settings.stocks,
            days=settings.days,
            end=settings.end,
            minute_days=settings.minute_days,
            progress=progress,
        )
    assert manifest is not None
    count = _register(store, provider, manifest)
    from aistock.workflows.paper_demo import trading_state_of

    world = DemoWorld(
        home=home,
        manifest=manifest,
        built_now=built_now,
        instruments=count,
        trading_state=trading_state_of(home, store).current().describe(),
    )
    if settings.rdagent:
        world = _with_rdagent(world, store, settings, rebuild=built_now, progress=progress)
        if settings.previews and world.rdagent_loops:
            from dataclasses import replace

            from aistock.workflows.demo_previews import seed_demo_previews

            note = seed_demo_previews(store, world.data_service(), progress=progress)
            world = replace(world, preview_note=note)
    if settings.paper:
        from dataclasses import replace

        from aistock.workflows.paper_demo import check_demo_paper_account

        world = replace(world, paper_note=check_demo_paper_account(world.home, store, world.data_service()))
    return world


MIN_RDAGENT_DAYS = 200


def _with_rdagent(
    world: DemoWorld,
    store: Store,
    settings: DemoSettings,
    *,
    rebuild: bool,
    progress: ProgressCallback | None,
) -> DemoWorld:
    """Build the demo RD-Agent export when it is missing or stale, then sync it (idempotent)."""
    from dataclasses import replace

    from aistock.rdagent.catalog.sync import CatalogSync
    from aistock.rdagent.demo.build import (
        GENERATOR_VERSION,
        build_demo_export,
        load_demo_export,
        rebind_demo_export,
    )

    if world.manifest.days < MIN_RDAGENT_DAYS:
        note = (
            f"no RD-Agent demo: the market has {world.manifest.days} sessions, "
            f"the demo loops need {MIN_RDAGENT_DAYS}"
        )
        return replace(world, rdagent_note=note)
    target = world.home.demo_dir / "rdagent"
    existing = load_demo_export(target)
    provider = str(world.provider_dir.resolve())
    stale = (
        rebuild
        or existing is None
        or existing.generator_version != GENERATOR_VERSION
        or existing.seed != settings.seed
        or (existing.provider != provider and existing.market_end != world.manifest.end)
    )
    if not stale and existing is not None and existing.provider != provider:
        existing = rebind_demo_export(existing, world.provider_dir)  # the home moved: same market
    if stale:
        export = build_demo_export(
            world.provider_dir,
            target,
            seed=settings.seed,
            window_days=settings.rdagent_window,
            progress=(lambda stage, f: progress(f"RD-Agent demo: {stage}", f)) if progress else None,
        )
    else:
        assert existing is not None
        export = existing
    report = CatalogSync(store).run(export.root)
    note = (
        f"RD-Agent demo: {len(export.loops)} loops ({'trained now' if stale else 'reused'}), "
        f"synced: {report.added} added, {report.changed} changed, {len(report.rejected)} rejected"
    )
    return replace(world, rdagent_export=export.root, rdagent_loops=len(export.loops), rdagent_note=note)


def _register(store: Store, provider: Path, manifest: DemoManifest) -> int:
    """Record the demo source and upsert its instrument master (idempotent)."""
    source = QlibProviderSource(provider)
    end = manifest.end_date
    codes = [span.code for span in source.instruments("all")] + list(manifest.indices)
    now = utc_now()
    with store.session() as session:
        record = session.exec(
            select(DataSourceRecord).where(DataSourceRecord.name == DEMO_SOURCE_NAME)
        ).first()
        if record is None:
            record = DataSourceRecord(name=DEMO_SOURCE_NAME, kind="demo", location=str(provider))
        record.location = str(provider)
        record.details_json = json.dumps(asdict(manifest), ensure_ascii=False)
        record.built_at = now
        session.add(record)
        existing = {row.code: row for row in session.exec(select(Instrument)).all()}
        for code in dict.fromkeys(codes):
            info = source.instrument_info(code, on=end)
            row = existing.get(info.code) or Instrument(
                code=info.code, name=info.name, board=info.board.value, kind=info.kind.value
            )
            row.name = info.name
            row.board = info.board.value
            row.kind = info.kind.value
            row.list_date = info.list_date
            row.delist_date = info.delist_date
            row.is_st = info.is_st
            row.updated_at = now
            session.add(row)
        session.commit()
    return len(dict.fromkeys(codes))
