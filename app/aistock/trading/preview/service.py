"""PreviewService: create, run, replay, compare and retire preview instances.

The engine trades; this service is what the CLI and the workstation talk to. It keeps the
active-instance limit (``preview.max_active``, at least 10), turns an instance's daily rows into
a NAV series aligned on the trading calendar beside ``000001.SH`` (normalised to 1.0 on the
first common day) and into the trader's metrics, and cleans up after a delete.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import delete
from sqlmodel import col, func, select

from aistock.core.codes import parse_code
from aistock.core.errors import AistockError, CodeFormatError
from aistock.core.metrics import performance_summary
from aistock.data.service import DataService
from aistock.store import (
    PreviewAccount,
    PreviewEvent,
    PreviewPosition,
    PreviewSignal,
    PreviewStrategy,
    PreviewTrade,
    SettingsRepository,
    Store,
)
from aistock.store.tables import utc_now
from aistock.trading.preview.config import PreviewConfig
from aistock.trading.preview.engine import SETTLE_AFTER, Progress, SignalPreviewEngine, at
from aistock.trading.preview.market import PreviewMarket
from aistock.trading.preview.signals import PreviewSignals

MAX_ACTIVE_SETTING = "preview.max_active"
DEFAULT_MAX_ACTIVE = 10
MIN_MAX_ACTIVE = 10
STATUSES = ("running", "stopped", "archived")
_HISTORY = (PreviewEvent, PreviewTrade, PreviewPosition, PreviewAccount)
"""What an instance wrote while trading (a replay replaces it; its scores are kept)."""


class PreviewError(AistockError):
    """A preview request that cannot be carried out as asked."""


@dataclass(frozen=True, slots=True)
class PreviewSummary:
    id: int
    name: str
    status: str
    source: str
    start_date: dt.date
    settled_through: dt.date | None
    initial_capital: float
    total_value: float | None
    metrics: dict[str, float]


class PreviewService:
    def __init__(
        self,
        store: Store,
        data: DataService,
        *,
        selection: Callable[[], object] | None = None,
    ) -> None:
        self.store = store
        self.data = data
        self.market = PreviewMarket(data)
        self.signals = PreviewSignals(store, data, selection)
        self.engine = SignalPreviewEngine(store, self.market, self.signals)
        self.calendar = self.market.calendar

    # -- the limit ------------------------------------------------------------------------------------
    def max_active(self) -> int:
        value = SettingsRepository(self.store).get(MAX_ACTIVE_SETTING, DEFAULT_MAX_ACTIVE)
        if isinstance(value, bool) or not isinstance(value, int) or value < MIN_MAX_ACTIVE:
            raise PreviewError(
                f"setting {MAX_ACTIVE_SETTING} is {value!r}, not a whole number >= {MIN_MAX_ACTIVE}",
                f"set it to {DEFAULT_MAX_ACTIVE} or more",
            )
        return value

    def set_max_active(self, limit: int) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < MIN_MAX_ACTIVE:
            raise PreviewError(
                f"the active-instance limit must be a whole number >= {MIN_MAX_ACTIVE}, got {limit!r}",
                f"use {MIN_MAX_ACTIVE} or more",
            )
        SettingsRepository(self.store).set(MAX_ACTIVE_SETTING, limit)

    def _check_room(self) -> None:
        limit = self.max_active()
        with self.store.session() as session:
            running = session.exec(
                select(func.count())
                .select_from(PreviewStrategy)
                .where(col(PreviewStrategy.status) == "running")
            ).one()
        if running >= limit:
            raise PreviewError(
                f"{running} preview instances are already running and the limit is {limit}",
                "stop or archive one first (aistock preview stop ID / archive ID), "
                f"or raise the setting {MAX_ACTIVE_SETTING}",
            )

    # -- lifecycle ------------------------------------------------------------------------------------
    def create(
        self,
        name: str,
        *,
        source_kind: str,
        source_ref: str,
        start: dt.date,
        initial_capital: float = 1_000_000.0,
        config: PreviewConfig | None = None,
        strategy_id: str = "",
        experiment_id: str = "",
    ) -> PreviewStrategy:
        """A new running instance that trades from ``start`` (its first trading day)."""
        if not name.strip():
            raise PreviewError("the preview needs a name", "pass --name, e.g. 'loop 3 top 10'")
        if source_kind not in ("loop", "file"):
            raise PreviewError(f"source kind {source_kind!r} is unknown", "use 'loop' or 'file'")
        if not (isinstance(initial_capital, int | float) and math.isfinite(initial_capital)):
            raise PreviewError(
                f"initial capital {initial_capital!r} is not a number", "give yuan, e.g. 1000000"
            )
        if initial_capital < 10_000:
            raise PreviewError(
                f"initial capital ¥{initial_capital:,.2f} is too small to buy a diversified book",
                "give at least ¥10,000 (the default is ¥1,000,000)",
            )
        first = self._first_day(start)
        self._check_room()
        cfg = config or PreviewConfig()
        row = PreviewStrategy(
            name=name.strip(),
            source_kind=source_kind,
            source_ref=source_ref,
            strategy_id=strategy_id,
            experiment_id=experiment_id,
            initial_capital=float(initial_capital),
            config_json=cfg.to_json(),
            config_hash=cfg.hash(),
            start_date=first,
        )
        with self.store.write_session() as session:
            session.add(row)
            session.commit()
            session.refresh(row)
        return row

    def _first_day(self, start: dt.date) -> dt.date:
        calendar = self.calendar
        if start > calendar.last:
            raise PreviewError(
                f"the start {start} is after the market data ends ({calendar.last})",
                "update the market data, or start on an earlier day",
            )
        if start <= calendar.first:
            raise PreviewError(
                f"the start {start} leaves no earlier trading day for the first signal "
                f"(data begins {calendar.first})",
                f"start on {calendar.next_session(calendar.first)} or later",
            )
        return calendar.session_on_or_after(start)

    def get(self, preview_id: int) -> PreviewStrategy:
        with self.store.session() as session:
            row = session.get(PreviewStrategy, preview_id)
        if row is None:
            raise PreviewError(
                f"there is no preview instance {preview_id}", "list them with: aistock preview list"
            )
        return row

    def instances(self, *, statuses: Sequence[str] = ("running", "stopped")) -> list[PreviewStrategy]:
        with self.store.session() as session:
            return list(
                session.exec(
                    select(PreviewStrategy)
                    .where(col(PreviewStrategy.status).in_(list(statuses)))
                    .order_by(col(PreviewStrategy.id))
                ).all()
            )

    def _set_status(self, preview_id: int, status: str, allowed_from: Sequence[str]) -> PreviewStrategy:
        row = self.get(preview_id)
        if row.status == status:
            return row
        if row.status not in allowed_from:
            raise PreviewError(
                f"preview {preview_id} is {row.status}; it cannot become {status}",
                "archived instances are read-only; create a new one to run again",
            )
        if status == "running":
            self._check_room()
        with self.store.write_session() as session:
            stored = session.get(PreviewStrategy, preview_id)
            assert stored is not None
            stored.status = status
            stored.updated_at = utc_now()
            session.commit()
            session.refresh(stored)
        self.engine.forget(preview_id)
        return stored

    def stop(self, preview_id: int) -> PreviewStrategy:
        return self._set_status(preview_id, "stopped", ("running",))

    def resume(self, preview_id: int) -> PreviewStrategy:
        return self._set_status(preview_id, "running", ("stopped",))

    def archive(self, preview_id: int) -> PreviewStrategy:
        """Read-only from now on; frees its place under the active limit, keeps all its rows."""
        return self._set_status(preview_id, "archived", ("running", "stopped"))

    def delete(self, preview_id: int) -> None:
        """Remove an instance and everything it wrote (trades, positions, accounts, events, scores)."""
        self.get(preview_id)
        with self.store.write_session() as session:
            for table in (PreviewSignal, *_HISTORY):
                session.execute(delete(table).where(col(table.preview_id) == preview_id))
            session.execute(delete(PreviewStrategy).where(col(PreviewStrategy.id) == preview_id))
            session.commit()
        self.engine.forget(preview_id)
        self.signals.forget(preview_id)

    # -- running --------------------------------------------------------------------------------------
    def advance_all(self, now: dt.datetime) -> dict[int, int]:
        """Catch every running instance up to ``now`` (opens, rebalances, settlements)."""
        return {
            row.id: self.engine.advance(row.id, now)
            for row in self.instances(statuses=("running",))
            if row.id
        }

    def refresh(self, now: dt.datetime) -> int:
        ids = [row.id for row in self.instances(statuses=("running",)) if row.id is not None]
        return self.engine.refresh(ids, now)

    def replay(
        self,
        preview_id: int,
        start: dt.date,
        end: dt.date,
        *,
        bars: str | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Rebuild an instance's history over ``start..end`` at once; returns the days settled.

        Any history it had is replaced (its scores are kept: they do not depend on the book).
        """
        row = self.get(preview_id)
        if row.status == "archived":
            raise PreviewError(
                f"preview {preview_id} is archived (read-only)", "create a new instance to replay"
            )
        if end < start:
            raise PreviewError(f"the replay ends ({end}) before it starts ({start})", "swap the dates")
        if end > self.calendar.last:
            raise PreviewError(
                f"the replay's end {end} is after the market data ends ({self.calendar.last})",
                f"end on {self.calendar.last} or earlier",
            )
        first = self._first_day(start)
        last = self.calendar.session_on_or_before(end)
        config = PreviewConfig.from_json(row.config_json)
        if bars is not None and bars != config.bars:
            config = PreviewConfig.from_mapping(config.to_mapping() | {"bars": bars})
        # Scores before anything is deleted: a source that fails (a missing file, a broken
        # model) must leave the instance's history as it was.
        self.signals.ensure(row, self.calendar.previous_session(first), self.calendar.previous_session(last))
        with self.store.write_session() as session:
            for table in _HISTORY:
                session.execute(delete(table).where(col(table.preview_id) == preview_id))
            stored = session.get(PreviewStrategy, preview_id)
            assert stored is not None
            stored.start_date = first
            stored.settled_through = None
            stored.config_json = config.to_json()
            stored.config_hash = config.hash()
            stored.updated_at = utc_now()
            session.commit()
        self.engine.forget(preview_id)
        return self.engine.advance(preview_id, at(last, SETTLE_AFTER), progress=progress)

    # -- reading --------------------------------------------------------------------------------------
    def accounts(self, preview_id: int, *, settled_only: bool = True) -> pd.DataFrame:
        with self.store.session() as session:
            query = select(PreviewAccount).where(col(PreviewAccount.preview_id) == preview_id)
            if settled_only:
                query = query.where(col(PreviewAccount.settled))
            rows = session.exec(query.order_by(col(PreviewAccount.trading_day))).all()
        return pd.DataFrame([r.model_dump() for r in rows])

    def positions(self, preview_id: int, day: dt.date | None = None) -> list[PreviewPosition]:
        with self.store.session() as session:
            if day is None:
                day = session.exec(
                    select(func.max(PreviewPosition.trading_day)).where(
                        col(PreviewPosition.preview_id) == preview_id
                    )
                ).first()
            return list(
                session.exec(
                    select(PreviewPosition).where(
                        col(PreviewPosition.preview_id) == preview_id, col(PreviewPosition.trading_day) == day
                    )
                ).all()
            )

    def trades(self, preview_id: int) -> list[PreviewTrade]:
        with self.store.session() as session:
            return list(
                session.exec(
                    select(PreviewTrade)
                    .where(col(PreviewTrade.preview_id) == preview_id)
                    .order_by(col(PreviewTrade.id))
                ).all()
            )

    def nav(
        self,
        preview_ids: Sequence[int],
        *,
        start: dt.date | None = None,
        end: dt.date | None = None,
        benchmarks: Sequence[str] = ("000001.SH",),
    ) -> pd.DataFrame:
        """NAV per instance (total value ÷ initial capital) and each benchmark normalised to 1.0 on
        the first day every column has a value, on the trading calendar (gaps stay NaN)."""
        series: dict[str, pd.Series[float]] = {}
        for pid in preview_ids:
            row = self.get(pid)
            frame = self.accounts(pid)
            label = f"{pid}:{row.name}"
            if frame.empty:
                series[label] = pd.Series(dtype=float)
                continue
            series[label] = pd.Series(
                frame["total_value"].to_numpy() / row.initial_capital, index=list(frame["trading_day"])
            )
        days_with_data = [d for s in series.values() for d in s.index]
        lo = start or (min(days_with_data) if days_with_data else None)
        hi = end or (max(days_with_data) if days_with_data else None)
        if lo is None or hi is None:
            raise PreviewError("no settled day to chart yet", "replay the instance or let it run a day")
        days = list(self.calendar.between(max(lo, self.calendar.first), min(hi, self.calendar.last)))
        out = pd.DataFrame(index=pd.Index(days, name="trading_day"))
        for label, s in series.items():
            out[label] = s.reindex(days)
        for bench in benchmarks:
            out[_bench_label(bench)] = self._close(bench, days)
        common = out.dropna()
        if common.empty:
            raise PreviewError("the instances and the benchmark share no day", "choose overlapping instances")
        first = common.index[0]
        for bench in benchmarks:
            label = _bench_label(bench)
            out[label] = out[label] / float(out[label].loc[first])
        return out

    def _close(self, code: str, days: list[dt.date]) -> pd.Series[float]:
        try:
            canonical = str(parse_code(code))
        except CodeFormatError as exc:
            raise PreviewError(f"benchmark {code!r} is not a code: {exc}", "use e.g. 000001.SH") from exc
        frame = self.data.history([canonical], days[0], days[-1], ["close"], adjust="none", dtype="float64")
        if frame.empty:
            raise PreviewError(
                f"the benchmark {canonical} has no data in {days[0]}..{days[-1]}",
                "choose an index the data stores, e.g. 000001.SH or 000300.SH",
            )
        close = frame["close"].droplevel("instrument")
        close.index = [t.date() for t in pd.DatetimeIndex(close.index)]
        return close.reindex(days)

    def metrics(self, preview_id: int) -> dict[str, float]:
        """Annual return, volatility, max drawdown, Sharpe and turnover from the settled days."""
        row = self.get(preview_id)
        frame = self.accounts(preview_id)
        if len(frame) < 2:
            return {}
        values = frame["total_value"].to_numpy(dtype=np.float64)
        previous = np.concatenate([[row.initial_capital], values[:-1]])
        returns = pd.Series(values / previous - 1.0, index=list(frame["trading_day"]))
        turnover = pd.Series(frame["turnover"].to_numpy(dtype=np.float64) / previous, index=returns.index)
        summary = performance_summary(returns, turnover=turnover)
        return {
            "total_return": summary["total_return"],
            "annual_return": summary["annual_return"],
            "volatility": summary["annual_volatility"],
            "max_drawdown": summary["max_drawdown"],
            "sharpe": summary["sharpe"],
            "turnover": summary["mean_turnover"],
            "win_rate": summary["win_rate"],
        }

    def summaries(self, *, statuses: Sequence[str] = STATUSES) -> list[PreviewSummary]:
        out: list[PreviewSummary] = []
        for row in self.instances(statuses=statuses):
            assert row.id is not None
            frame = self.accounts(row.id, settled_only=False)
            out.append(
                PreviewSummary(
                    id=row.id,
                    name=row.name,
                    status=row.status,
                    source=f"{row.source_kind}:{row.source_ref}",
                    start_date=row.start_date,
                    settled_through=row.settled_through,
                    initial_capital=row.initial_capital,
                    total_value=float(frame["total_value"].iloc[-1]) if not frame.empty else None,
                    metrics=self.metrics(row.id),
                )
            )
        return out


def _bench_label(code: str) -> str:
    return f"bench:{code}"
