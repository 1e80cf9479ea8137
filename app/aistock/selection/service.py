"""SelectionService: "which stocks does loop X pick on date D?" (seed §7.10.1).

The answer comes from the loop's own trained model run on the workstation's own data
(:class:`~aistock.rdagent.runtime.model_runtime.ModelRuntime`), never from files RD-Agent
computed, so it works on any trading day the data covers — including today, which RD-Agent
never saw. Every selection is stored (the run and each scored name), so a preview, a planner
or an analyst can later see exactly what a loop said on a day and with which model.

Ranking matches ``signals.parquet``: highest score first, ties broken by the qlib spelling of
the code, rank 1 the best; the top-k get ``1/topk`` as target weight (RD-Agent's
``topk_equal_weight``), the rest 0. Refusals name the problem: a loop RD-Agent has not
materialized, a day that is not a trading day or lies outside the data, a universe with none
of the model's instruments.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aistock.core.errors import AistockError
from aistock.data.service import DataService
from aistock.rdagent.catalog.repository import LoopRecord, RdagentRepository
from aistock.rdagent.instrument_codes import to_qlib
from aistock.rdagent.runtime.model_runtime import LoadedModel, LoopSource, ModelRuntime
from aistock.selection.loop_ref import LoopRef, parse_loop_ref
from aistock.store import Store
from aistock.store.tables import SelectionCandidate, SelectionRun

DEFAULT_TOPK = 50

CANDIDATE_COLUMNS = ("trade_date", "code", "score", "rank", "target_weight", "selected")


class SelectionError(AistockError):
    """A selection that cannot be made as asked."""


@dataclass(frozen=True)
class SelectionResult:
    """One selection run: every scored name per day, ranked, and how long it took."""

    run_id: int | None
    loop_key: str
    start: dt.date
    end: dt.date
    topk: int
    candidates: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def selected(self, day: dt.date | None = None) -> pd.DataFrame:
        """The top-k rows (of ``day``, or of every day), best first."""
        rows = self.candidates[self.candidates["selected"]]
        if day is not None:
            rows = rows[rows["trade_date"] == pd.Timestamp(day)]
        return rows.reset_index(drop=True)


def rank_scores(scores: pd.Series[float], topk: int) -> pd.DataFrame:
    """Rank each day's scores (best = 1) and mark the top-k with equal target weights."""
    frame = scores.rename("score").reset_index()
    frame.columns = ["trade_date", "code", "score"]
    frame = frame.dropna(subset=["score"])
    frame["_tie"] = [to_qlib(c) for c in frame["code"]]
    frame = frame.sort_values(
        ["trade_date", "score", "_tie"], ascending=[True, False, True], kind="mergesort"
    ).drop(columns="_tie")
    frame["rank"] = frame.groupby("trade_date").cumcount() + 1
    frame["selected"] = frame["rank"] <= topk
    frame["target_weight"] = frame["selected"].astype("float64") / topk
    return frame.loc[:, list(CANDIDATE_COLUMNS)].reset_index(drop=True)


class SelectionService:
    """Selections of synced RD-Agent loops on the workstation's data, stored per run."""

    def __init__(
        self,
        store: Store,
        data: DataService,
        *,
        runtime: ModelRuntime | None = None,
        repository: RdagentRepository | None = None,
    ) -> None:
        self.store = store
        self.data = data
        self.runtime = runtime or ModelRuntime(data)
        self.repository = repository or RdagentRepository(store)

    # -- loops ------------------------------------------------------------------------------------
    def find_loop(self, loop: str | LoopRef | LoopRecord) -> LoopRecord:
        if isinstance(loop, LoopRecord):
            return loop
        ref = parse_loop_ref(loop) if isinstance(loop, str) else loop
        return self.repository.find_loop(ref.task_run_id, ref.loop_id, ref.workspace_id)

    def loop_source(self, loop: LoopRecord) -> LoopSource:
        """Where the runtime finds the loop's files, and what to trust."""
        if not loop.consumable:
            raise SelectionError(
                f"loop {loop.key} cannot be used yet: {loop.consumable_reason}",
                "run RD-Agent's materialization (POST /ops/materialize-and-refresh, or '补齐' in "
                "RD-Agent), then aistock sync again",
            )
        workspace = self.repository.local_workspace(loop)
        if workspace is None:
            raise SelectionError(
                f"the workspace of loop {loop.key} is not on this machine "
                f"(RD-Agent path {loop.workspace_path})",
                "map RD-Agent's path to a local copy (aistock sync --from DIR --map FROM=TO) "
                "or sync the loop's bundle",
            )
        siblings = [
            other
            for other in self.repository.loops()
            if (other.task_run_id, other.loop_id) == (loop.task_run_id, loop.loop_id)
        ]
        code_dirs = [workspace]
        for other in siblings:
            local = self.repository.local_workspace(other)
            if local is not None and local not in code_dirs:
                code_dirs.append(local)
        entries = tuple(
            f.raw for f in self.repository.factors() if f.source not in ("qlib_alpha158", "qlib_alpha360")
        )
        repository = self.repository
        return LoopSource(
            key=loop.key,
            workspace=workspace,
            trusted_roots=tuple(repository.trusted_roots()),
            code_dirs=tuple(code_dirs),
            expected_sha256=lambda relpath: repository.expected_sha256(loop, relpath),
            factor_entries=entries,
        )

    def load(self, loop: str | LoopRef | LoopRecord) -> tuple[LoopRecord, LoadedModel]:
        record = self.find_loop(loop)
        return record, self.runtime.load(self.loop_source(record))

    def default_topk(self, loop: LoopRecord, loaded: LoadedModel | None = None) -> int:
        """The loop's strategy top-k (strategy catalog, else its config), else 50."""
        candidates: list[Any] = []
        if loop.strategy_id:
            strategy = self.repository.strategy(loop.strategy_id)
            if strategy is not None and strategy.portfolio_config:
                kwargs = strategy.portfolio_config.get("kwargs")
                if isinstance(kwargs, dict):
                    candidates.append(kwargs.get("topk"))
        if loaded is not None:
            port = loaded.config.get("port_analysis_config") or {}
            candidates.append(((port.get("strategy") or {}).get("kwargs") or {}).get("topk"))
        for value in candidates:
            if isinstance(value, int) and value > 0:
                return value
        return DEFAULT_TOPK

    # -- selection --------------------------------------------------------------------------------
    def select(
        self,
        loop: str | LoopRef | LoopRecord,
        trade_date: dt.date | None = None,
        *,
        start: dt.date | None = None,
        end: dt.date | None = None,
        universe: Sequence[str] | str | None = None,
        topk: int | None = None,
        persist: bool = True,
    ) -> SelectionResult:
        """Score and rank the loop's universe on ``trade_date`` (or every day of ``start..end``)."""
        began = time.perf_counter()
        first, last = self._dates(trade_date, start, end)
        record = self.find_loop(loop)
        source = self.loop_source(record)
        loaded = self.runtime.load(source)
        loaded_at = time.perf_counter()
        k = topk if topk is not None else self.default_topk(record, loaded)
        if k <= 0:
            raise SelectionError(f"--topk {k} is not a positive number", "ask for at least one stock")
        scores = self.runtime.predict(loaded, first, last, universe)
        predicted_at = time.perf_counter()
        if scores.dropna().empty:
            raise SelectionError(
                f"loop {record.key} scored no stock between {first} and {last}"
                + (f" in the universe {universe}" if universe is not None else ""),
                "check the universe: it must hold instruments the data lists on those days",
            )
        candidates = rank_scores(scores, k)
        timings = {
            "load_s": loaded_at - began,
            "predict_s": predicted_at - loaded_at,
        }
        notes: list[str] = []
        short = candidates.groupby("trade_date")["selected"].sum()
        for day, count in zip(short.index, short.to_numpy(), strict=True):
            if count < k:
                day_text = pd.Timestamp(day).date()
                notes.append(f"{day_text}: only {int(count)} stocks scored, fewer than top-{k}")
        run_id = (
            self._persist(record, loaded, first, last, universe, k, candidates, timings) if persist else None
        )
        timings["total_s"] = time.perf_counter() - began
        return SelectionResult(run_id, record.key, first, last, k, candidates, timings, tuple(notes))

    def _dates(
        self, trade_date: dt.date | None, start: dt.date | None, end: dt.date | None
    ) -> tuple[dt.date, dt.date]:
        if trade_date is not None and (start is not None or end is not None):
            raise SelectionError(
                "give either a trade date or a start/end range, not both", "drop one of them"
            )
        first = trade_date or start
        last = trade_date or end or start
        if first is None or last is None:
            raise SelectionError("no trade date given", "pass a trade date (YYYY-MM-DD)")
        if last < first:
            raise SelectionError(f"the end {last} is before the start {first}", "swap the dates")
        calendar = self.data.trading_calendar()
        for day in {first, last}:
            if day < calendar.first or day > calendar.last:
                raise SelectionError(
                    f"{day} is outside the market data "
                    f"({calendar.first} … {calendar.last} in {self.data.describe()})",
                    "choose a day the data covers, or update the data first",
                )
            if day not in calendar:
                before = calendar.session_on_or_before(day)
                raise SelectionError(
                    f"{day} is not a trading day",
                    f"the nearest earlier trading day is {before}; selections are made for trading days only",
                )
        return first, last

    def _persist(
        self,
        loop: LoopRecord,
        loaded: LoadedModel,
        start: dt.date,
        end: dt.date,
        universe: Sequence[str] | str | None,
        topk: int,
        candidates: pd.DataFrame,
        timings: dict[str, float],
    ) -> int:
        run = SelectionRun(
            task_run_id=loop.task_run_id,
            loop_id=loop.loop_id,
            workspace_id=loop.workspace_id,
            start_date=start,
            end_date=end,
            universe_json=json.dumps(
                universe if universe is None or isinstance(universe, str) else list(universe)
            ),
            topk=topk,
            candidates=len(candidates),
            data_source=self.data.describe(),
            model_path=str(loaded.artifacts.params),
            details_json=json.dumps(
                {"features": loaded.feature_names, "config": loaded.config_path.name, "timings": timings}
            ),
        )
        with self.store.session() as session:
            session.add(run)
            session.flush()
            assert run.id is not None
            rows = [
                SelectionCandidate(
                    run_id=run.id,
                    trade_date=day.date(),
                    code=str(code),
                    score=float(score),
                    rank=int(rank),
                    target_weight=float(weight),
                )
                for day, code, score, rank, weight in zip(
                    candidates["trade_date"],
                    candidates["code"],
                    candidates["score"],
                    candidates["rank"],
                    candidates["target_weight"],
                    strict=True,
                )
            ]
            session.add_all(rows)
            session.commit()
            return run.id

    def history(self, limit: int = 20) -> list[SelectionRun]:
        """The most recent selection runs, newest first."""
        from sqlmodel import col, select

        with self.store.session() as session:
            return list(
                session.exec(select(SelectionRun).order_by(col(SelectionRun.id).desc()).limit(limit)).all()
            )

    def stored_candidates(self, run_id: int) -> pd.DataFrame:
        """A stored run's candidates, as :func:`rank_scores` produced them."""
        from sqlmodel import col, select

        with self.store.session() as session:
            rows = session.exec(
                select(SelectionCandidate)
                .where(col(SelectionCandidate.run_id) == run_id)
                .order_by(col(SelectionCandidate.trade_date), col(SelectionCandidate.rank))
            ).all()
        frame = pd.DataFrame(
            [(pd.Timestamp(r.trade_date), r.code, r.score, r.rank, r.target_weight) for r in rows],
            columns=["trade_date", "code", "score", "rank", "target_weight"],
        )
        frame["selected"] = frame["target_weight"] > 0
        return frame.loc[:, list(CANDIDATE_COLUMNS)]
