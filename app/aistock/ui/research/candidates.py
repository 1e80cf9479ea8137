"""A selection's candidates as rows: one day of a :class:`SelectionResult`, with stock names.

The selection service answers with a DataFrame of every scored name; the panel shows one day
of it and exports what it shows. The export keeps the numbers exact (the score as Python
writes a float, enough digits to read back the same value), because a CSV of candidates is
read by other tools, not only by eyes.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlmodel import select

from aistock.selection.service import SelectionResult
from aistock.store.store import Store
from aistock.store.tables import Instrument

CSV_COLUMNS = ("trade_date", "rank", "code", "name", "score", "target_weight", "selected")


@dataclass(frozen=True)
class Candidate:
    """One scored stock of one day."""

    trade_date: dt.date
    rank: int
    code: str
    name: str | None
    score: float
    target_weight: float
    selected: bool
    """In the top-k (a non-zero target weight)."""


def instrument_names(store: Store) -> dict[str, str]:
    """Canonical code → name of every instrument the store knows (one small query)."""
    with store.session() as session:
        rows = session.exec(select(Instrument.code, Instrument.name)).all()
    return {code: name for code, name in rows}


def candidates_of(result: SelectionResult, day: dt.date, names: Mapping[str, str]) -> list[Candidate]:
    """The candidates of ``day``, best first."""
    frame = result.candidates[result.candidates["trade_date"] == pd.Timestamp(day)]
    frame = frame.sort_values("rank", kind="mergesort")
    return [
        Candidate(
            trade_date=day,
            rank=int(rank),
            code=str(code),
            name=names.get(str(code)),
            score=float(score),
            target_weight=float(weight),
            selected=bool(selected),
        )
        for code, score, rank, weight, selected in zip(
            frame["code"],
            frame["score"],
            frame["rank"],
            frame["target_weight"],
            frame["selected"],
            strict=True,
        )
    ]


def shown(candidates: Iterable[Candidate], top_only: bool) -> list[Candidate]:
    return [c for c in candidates if c.selected or not top_only]


def write_candidates_csv(path: Path, candidates: Sequence[Candidate]) -> int:
    """Write ``candidates`` (UTF-8 with BOM, for Excel on a Chinese Windows); returns the row count.

    Written to a temporary file first and moved into place, so a failed write never leaves half
    a file where an older export was.
    """
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for c in candidates:
            writer.writerow(
                [
                    c.trade_date.isoformat(),
                    c.rank,
                    c.code,
                    c.name or "",
                    repr(c.score),
                    repr(c.target_weight),
                    "1" if c.selected else "0",
                ]
            )
    tmp.replace(path)
    return len(candidates)
