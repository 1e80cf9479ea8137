"""The scores a preview instance trades on, per signal day, computed once and stored.

A loop instance asks the SelectionService (the loop's own model on the workstation's data), a
file instance reads its signal file; either way the day's scores land in ``preview_signal``,
so a replay, a restart and a LiveFeedback export all see exactly what the instance traded on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from aistock.core.errors import AistockError
from aistock.data.service import DataService
from aistock.store import PreviewSignal, PreviewStrategy, Store
from aistock.trading.backtest.signal import normalize_signal, read_signal_file


class PreviewSignalError(AistockError):
    """Scores a preview cannot get."""


class PreviewSignals:
    def __init__(
        self, store: Store, data: DataService, selection: Callable[[], object] | None = None
    ) -> None:
        self.store = store
        self.data = data
        self._selection = selection
        self._cache: dict[tuple[int, dt.date], dict[str, float]] = {}
        self._known: dict[int, set[dt.date]] = {}

    def scores(self, instance: PreviewStrategy, signal_day: dt.date) -> dict[str, float]:
        """The instance's scores dated ``signal_day`` (empty when its source has none that day)."""
        assert instance.id is not None
        key = (instance.id, signal_day)
        if key not in self._cache:
            self.ensure(instance, signal_day, signal_day)
            with self.store.session() as session:
                rows = session.exec(
                    select(PreviewSignal).where(
                        col(PreviewSignal.preview_id) == instance.id,
                        col(PreviewSignal.signal_day) == signal_day,
                    )
                ).all()
            self._cache[key] = {r.code: r.score for r in rows}
        return self._cache[key]

    def ensure(self, instance: PreviewStrategy, first: dt.date, last: dt.date) -> None:
        """Compute and store the scores of every signal day in ``first..last`` not stored yet."""
        assert instance.id is not None
        days = self.data.trading_calendar().between(first, last)
        stored = self._stored_days(instance.id)
        missing = [d for d in days if d not in stored]
        if not missing:
            return
        rows = self._compute(instance, missing[0], missing[-1])
        wanted = set(missing)
        with self.store.write_session() as session:
            session.add_all(
                PreviewSignal(preview_id=instance.id, signal_day=d, code=c, score=s)
                for d, c, s in rows
                if d in wanted and d not in stored
            )
            session.commit()
        self._known[instance.id] = stored | wanted

    def forget(self, preview_id: int) -> None:
        self._known.pop(preview_id, None)
        for key in [k for k in self._cache if k[0] == preview_id]:
            del self._cache[key]
        with self.store.write_session() as session:
            session.execute(delete(PreviewSignal).where(col(PreviewSignal.preview_id) == preview_id))
            session.commit()

    def _stored_days(self, preview_id: int) -> set[dt.date]:
        if preview_id not in self._known:
            with self.store.session() as session:
                days = session.execute(
                    sa_select(PreviewSignal.signal_day)  # type: ignore[call-overload]
                    .where(col(PreviewSignal.preview_id) == preview_id)
                    .distinct()
                ).scalars()
                self._known[preview_id] = set(days)
        return self._known[preview_id]

    def _compute(
        self, instance: PreviewStrategy, first: dt.date, last: dt.date
    ) -> list[tuple[dt.date, str, float]]:
        if instance.source_kind == "file":
            raw = read_signal_file(Path(instance.source_ref))
            calendar = list(self.data.trading_calendar().sessions)
            frame = normalize_signal(
                raw, calendar=calendar, universe=self.data.instruments("all"), drop_unknown=True
            )
            rows = frame.frame[(frame.frame["day"] >= first) & (frame.frame["day"] <= last)]
            return list(zip(rows["day"], rows["code"], rows["score"].astype(float), strict=True))
        if self._selection is None:
            raise PreviewSignalError(
                f"preview {instance.name} scores with loop {instance.source_ref}, "
                "but no model runtime is set up",
                "open the preview through the workstation or the CLI, which provide the selection service",
            )
        service = self._selection()
        result = service.select(instance.source_ref, start=first, end=last, persist=False)  # type: ignore[attr-defined]
        frame = result.candidates
        return [
            (ts.date(), str(code), float(score))
            for ts, code, score in zip(frame["trade_date"], frame["code"], frame["score"], strict=True)
        ]
