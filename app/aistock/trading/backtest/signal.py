"""A model's scores, checked and indexed by day before a backtest may read them.

A backtest driven by a bad signal produces a report that looks fine and is wrong, so every
doubt is settled here, loudly:

* an empty signal, a code we cannot parse, a date that is not a trading day of the provider,
  or the same (day, instrument) twice is an error naming the offenders;
* codes the provider does not know are an error too, unless the caller asks to drop them
  (then they are counted in the notes);
* NaN scores are dropped and counted: qlib ranks them last, which only ever matters when it
  would *buy* a name without a score — that we refuse to do. A day whose scores are all NaN
  is a day without a signal: nothing is traded, as in qlib when a day has no rows.

Accepted shapes: qlib's ``pred.pkl`` (a Series or one-column frame on a (datetime,
instrument) index, either order) and RD-Agent's ``signals.parquet`` (columns ``trade_date``,
``instrument``, ``score``/``signal``, optional ``target_weight``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from aistock.core.codes import parse_code
from aistock.core.errors import AistockError, CodeFormatError
from aistock.trading.portfolio.topk import DayScores


class SignalError(AistockError, ValueError):
    """A signal the backtest refuses to read."""


_DATE_COLUMNS = ("datetime", "trade_date", "date")
_SCORE_COLUMNS = ("score", "signal", "pred_return")


@dataclass(frozen=True, slots=True)
class SignalFrame:
    """A validated signal: one row per (day, instrument), canonical codes, float scores."""

    frame: pd.DataFrame  # columns: day (date), code (str), score (float64), target_weight (float64 | NaN)
    notes: tuple[str, ...] = ()

    @property
    def codes(self) -> list[str]:
        return sorted(set(self.frame["code"]))

    def has_target_weights(self) -> bool:
        return bool(self.frame["target_weight"].notna().any())


@dataclass(slots=True)
class SignalBook:
    """Scores per trading day as :class:`DayScores` over a universe's instrument ids."""

    by_day: dict[dt.date, DayScores] = field(default_factory=dict)
    weights_by_day: dict[dt.date, dict[int, float]] = field(default_factory=dict)

    def on(self, day: dt.date) -> DayScores | None:
        return self.by_day.get(day)


def read_signal_file(path: Path) -> pd.DataFrame | pd.Series:
    """Load ``.parquet``, ``.pkl`` or ``.csv`` signal files (nothing else is guessed)."""
    if not path.exists():
        raise SignalError(f"signal file {path} does not exist", "check the path")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix in (".pkl", ".pickle"):
            loaded = pd.read_pickle(path)
            if not isinstance(loaded, pd.DataFrame | pd.Series):
                raise SignalError(
                    f"{path} holds a {type(loaded).__name__}, not scores", "pass qlib's pred.pkl"
                )
            return loaded
        if suffix == ".csv":
            return pd.read_csv(path)
    except SignalError:
        raise
    except Exception as exc:  # a corrupt file: say which and why
        raise SignalError(
            f"cannot read signal file {path}: {exc}", "regenerate or re-export the file"
        ) from exc
    raise SignalError(f"signal file {path} has an unknown type {suffix!r}", "use .parquet, .pkl or .csv")


def normalize_signal(
    raw: pd.DataFrame | pd.Series,
    *,
    calendar: Sequence[dt.date],
    universe: Sequence[str],
    drop_unknown: bool = False,
) -> SignalFrame:
    """Check ``raw`` against the provider's ``calendar`` and ``universe``; see the module doc."""
    frame = _long_form(raw)
    if frame.empty:
        raise SignalError("the signal is empty (no rows)", "pass a signal with scores for at least one day")
    notes: list[str] = []
    frame["code"] = _canonical_codes(frame["code"])
    frame["day"] = _days(frame["day"])
    _check_days(frame["day"], calendar)
    known = set(universe)
    unknown = sorted(set(frame["code"]) - known)
    if unknown:
        if not drop_unknown:
            raise SignalError(
                f"{len(unknown)} signal code(s) are not in the provider: {_few(unknown)}",
                "use codes of this provider, or pass drop_unknown / --drop-unknown to skip them",
            )
        frame = frame[frame["code"].isin(known)]
        notes.append(f"dropped {len(unknown)} unknown code(s): {_few(unknown)}")
    duplicated = frame.duplicated(["day", "code"], keep=False)
    if duplicated.any():
        sample = frame.loc[duplicated, ["day", "code"]].head(3).itertuples(index=False)
        raise SignalError(
            f"{int(duplicated.sum())} signal rows repeat a (day, instrument): "
            + ", ".join(f"{d} {c}" for d, c in sample),
            "keep one score per instrument and day",
        )
    nan = frame["score"].isna()
    if nan.any():
        notes.append(f"dropped {int(nan.sum())} NaN score(s) on {frame.loc[nan, 'day'].nunique()} day(s)")
        frame = frame[~nan]
    if frame.empty:
        raise SignalError("the signal has no usable score (all NaN or unknown)", "check the model output")
    frame = frame.sort_values(["day", "code"], kind="stable").reset_index(drop=True)
    return SignalFrame(frame=frame, notes=tuple(notes))


def index_signal(signal: SignalFrame, codes: Sequence[str]) -> SignalBook:
    """Per-day :class:`DayScores` with ids into ``codes`` (the backtest universe, name order)."""
    row = {code: i for i, code in enumerate(codes)}
    frame = signal.frame
    ids = frame["code"].map(row).to_numpy(dtype=np.float64)
    keep = ~np.isnan(ids)
    day_index, days = pd.factorize(frame["day"][keep], sort=True)
    ids_kept = ids[keep].astype(np.int64)
    order = np.lexsort((ids_kept, day_index))
    day_sorted = day_index[order]
    ids_sorted = ids_kept[order]
    scores = frame["score"].to_numpy(dtype=np.float64)[keep][order]
    weights = frame["target_weight"].to_numpy(dtype=np.float64)[keep][order]
    bounds = np.flatnonzero(np.diff(day_sorted)) + 1
    book = SignalBook()
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(order)], strict=True):
        if hi <= lo:
            continue
        day: dt.date = days[day_sorted[lo]]
        book.by_day[day] = DayScores(ids=ids_sorted[lo:hi], scores=scores[lo:hi])
        finite = np.isfinite(weights[lo:hi])
        if finite.any():
            book.weights_by_day[day] = dict(
                zip(ids_sorted[lo:hi][finite].tolist(), weights[lo:hi][finite].tolist(), strict=True)
            )
    return book


def _long_form(raw: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Bring either accepted shape to columns ``day, code, score, target_weight``."""
    if isinstance(raw, pd.Series):
        raw = raw.to_frame("score")
    if not isinstance(raw, pd.DataFrame):
        raise SignalError(
            f"a signal must be a DataFrame or Series, got {type(raw).__name__}", "pass pred.pkl"
        )
    frame = raw.reset_index() if isinstance(raw.index, pd.MultiIndex) else raw.copy()
    lower = {str(c).strip().lower(): c for c in frame.columns}
    day_col = next((lower[c] for c in _DATE_COLUMNS if c in lower), None)
    code_col = lower.get("instrument") or lower.get("code")
    if day_col is None or code_col is None:
        raise SignalError(
            f"the signal has no date/instrument columns (has {', '.join(map(str, frame.columns))})",
            "index it by (datetime, instrument) or give trade_date and instrument columns",
        )
    score_col = next((lower[c] for c in _SCORE_COLUMNS if c in lower), None)
    if score_col is None:
        numeric = [
            c
            for c in frame.columns
            if c not in (day_col, code_col) and pd.api.types.is_numeric_dtype(frame[c])
        ]
        if not numeric:
            raise SignalError("the signal has no score column", "name it score (or signal)")
        score_col = numeric[0]
    out = pd.DataFrame({"day": frame[day_col], "code": frame[code_col]})
    try:
        out["score"] = pd.to_numeric(frame[score_col], errors="raise").astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise SignalError(
            f"signal column {score_col!r} is not numeric: {exc}", "give scores as numbers"
        ) from exc
    weight_col = lower.get("target_weight")
    out["target_weight"] = (
        pd.to_numeric(frame[weight_col], errors="coerce").astype(np.float64)
        if weight_col is not None
        else np.nan
    )
    return out


def _canonical_codes(codes: pd.Series) -> pd.Series:
    mapping: dict[str, str] = {}
    bad: list[str] = []
    for text in pd.unique(codes.astype(str)):
        try:
            mapping[text] = str(parse_code(text))
        except CodeFormatError:
            bad.append(text)
    if bad:
        raise SignalError(
            f"{len(bad)} signal instrument code(s) cannot be read: {_few(sorted(bad))}",
            "use codes like 600000.SH or SH600000",
        )
    return codes.astype(str).map(mapping)


def _days(values: pd.Series) -> pd.Series:
    try:
        stamps = pd.to_datetime(values)
    except (TypeError, ValueError) as exc:
        raise SignalError(f"signal dates cannot be read: {exc}", "use dates like 2025-01-02") from exc
    if stamps.isna().any():
        raise SignalError(f"{int(stamps.isna().sum())} signal row(s) have no date", "give every row a date")
    if (stamps != stamps.dt.normalize()).any():
        raise SignalError("signal dates carry a time of day", "give daily signals as dates (midnight)")
    # Convert each distinct day once: a signal repeats every date hundreds of times.
    days = stamps.to_numpy(dtype="datetime64[D]")
    unique, inverse = np.unique(days, return_inverse=True)
    as_dates = np.array([d.item() for d in unique], dtype=object)
    return pd.Series(as_dates[inverse], index=values.index)


def _check_days(days: pd.Series, calendar: Sequence[dt.date]) -> None:
    sessions = set(calendar)
    outside = sorted(d for d in set(days) if d not in sessions)
    if outside:
        first, last = calendar[0], calendar[-1]
        raise SignalError(
            f"{len(outside)} signal date(s) are not trading days of the provider ({first}..{last}): "
            + _few(outside),
            "date each score by the trading day whose data produced it",
        )


def _few(items: Sequence[object], n: int = 5) -> str:
    shown = ", ".join(str(x) for x in items[:n])
    return shown + (f" … (+{len(items) - n})" if len(items) > n else "")
