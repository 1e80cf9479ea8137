"""FactorEngine: qlib expressions over the workstation's own data, as qlib computes them.

The interface is seed §2.1's: ``compute_factor`` / ``compute_factor_set`` over a universe and a
date range, returning a ``(datetime, instrument)`` frame. The engine

* parses every expression first, so a bad one fails before any work, naming which one;
* loads each raw field once per instrument chunk, extended backwards by the set's look-back
  (so values at ``start`` are exact) and forwards for labels like ``Ref($close, -2)``;
* evaluates the whole set in one pass that shares equal sub-expressions and frees each
  intermediate after its last use;
* walks the universe in chunks of instruments so the wide intermediates stay bounded whatever
  the universe size; only the result grows with it.

Expressions whose qlib value depends on where qlib's loaded slice starts (see
:func:`~aistock.factors.operators.is_start_sensitive`) are evaluated on exactly the slice qlib
would load for them, so they match qlib too, quirks included.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from aistock.core.codes import parse_code
from aistock.core.errors import AistockError, CodeFormatError, DataError
from aistock.data.service import DataService
from aistock.factors.alpha import FACTOR_SETS, named_factor
from aistock.factors.errors import ExpressionError, FactorSetError
from aistock.factors.evaluate import Context, Series2D
from aistock.factors.expression import Call, Field, Node, Text, fields_of, walk
from aistock.factors.operators import extent, is_start_sensitive
from aistock.factors.panel import Panel, load_panel
from aistock.factors.parser import parse

DateLike = dt.date | str | pd.Timestamp
Universe = str | Sequence[str]
Progress = Callable[[str, float], None]

#: Cells (instruments × loaded days) per chunk. About 12 MB per float64 intermediate; the
#: engine keeps a few dozen alive at most, so a chunk stays in the low hundreds of MB.
CHUNK_CELLS = 1_500_000


@dataclass(frozen=True, slots=True)
class FactorSpec:
    """One requested column: its name, its expression text and parsed tree."""

    name: str
    expression: str
    tree: Node
    lft: int
    rght: int
    start_sensitive: bool


@dataclass(frozen=True, slots=True)
class _Window:
    """Calendar indices of the query (``q_lo..q_hi``), of the first loaded day and of the
    calendar's last day."""

    q_lo: int
    q_hi: int
    load_lo: int
    last_day: int


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """Values of a chunk of instruments: rows ``(day index, instrument index)`` and columns."""

    days: npt.NDArray[np.int64]  # index into the query's days
    instruments: npt.NDArray[np.int64]  # index into the universe's sorted codes
    values: npt.NDArray[np.float32]  # (columns, rows)


class FactorEngine:
    """Computes qlib expressions and named factor sets (Alpha158, Alpha360) on a DataService."""

    def __init__(
        self, data: DataService, *, chunk_cells: int = CHUNK_CELLS, workers: int | None = None
    ) -> None:
        self.data = data
        self.chunk_cells = max(1, chunk_cells)
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))

    # -- public interface -----------------------------------------------------------------------
    def compute_factor(
        self, name_or_expression: str, universe: Universe, start: DateLike, end: DateLike
    ) -> pd.DataFrame:
        """One factor as a one-column frame indexed ``(datetime, instrument)``."""
        return self.compute_factor_set([name_or_expression], universe, start, end)

    def compute_factor_set(
        self,
        names_or_expressions: Sequence[str],
        universe: Universe,
        start: DateLike,
        end: DateLike,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """Many factors at once, sharing loads and sub-expressions; columns in request order.

        Each item is a factor name (``KMID``, ``alpha360:CLOSE5``, ``LABEL0``), a set name
        (``alpha158``, ``alpha360``: all its columns), or an expression (its column is named by
        the expression text). If any item fails, :class:`FactorSetError` names it and nothing
        is returned.
        """
        specs = self.resolve(names_or_expressions)
        codes, spans, days, q_lo, q_hi = self._frame_of_reference(universe, start, end)
        pieces = list(self._chunks(specs, codes, spans, days, q_lo, q_hi, progress))
        return _assemble([s.name for s in specs], pieces, days[q_lo : q_hi + 1], codes)

    def iter_factor_set(
        self,
        names_or_expressions: Sequence[str],
        universe: Universe,
        start: DateLike,
        end: DateLike,
        progress: Progress | None = None,
    ) -> Iterator[pd.DataFrame]:
        """Like :meth:`compute_factor_set`, one frame per chunk of instruments (each sorted by
        date then instrument), for writers that stream results to disk. Every expression is
        checked before the first chunk is computed."""
        specs = self.resolve(names_or_expressions)
        codes, spans, days, q_lo, q_hi = self._frame_of_reference(universe, start, end)
        names = [s.name for s in specs]
        for piece in self._chunks(specs, codes, spans, days, q_lo, q_hi, progress):
            yield _assemble(names, [piece], days[q_lo : q_hi + 1], codes)

    def resolve(self, names_or_expressions: Sequence[str] | str) -> list[FactorSpec]:
        """Parse and check every requested factor, before any data is read."""
        if isinstance(names_or_expressions, str):
            names_or_expressions = [names_or_expressions]
        requested: list[tuple[str, str]] = []
        for item in names_or_expressions:
            text = str(item).strip()
            factor_set = FACTOR_SETS.get(text.lower())
            if factor_set is not None:
                requested.extend(factor_set.items())
                continue
            expression = named_factor(text)
            requested.append((text, expression) if expression is not None else (text, text))
        if not requested:
            raise AistockError(
                "no factors were asked for", "pass factor names, expressions or a set like alpha158"
            )
        known = set(self.data.fields())
        specs: list[FactorSpec] = []
        seen: dict[str, str] = {}
        for index, (name, expression) in enumerate(requested):
            if name in seen:
                if seen[name] == expression:
                    continue  # asked twice (e.g. KMID and alpha158): one column, first place
                raise FactorSetError(
                    name, index, AistockError(f"the name {name} is used for two expressions", "rename one")
                )
            seen[name] = expression
            try:
                tree = parse(expression)
                _check_fields(expression, tree, known, self.data.describe())
                lft, rght = extent(tree)
            except AistockError as exc:
                raise FactorSetError(name, index, exc) from exc
            specs.append(FactorSpec(name, expression, tree, lft, rght, is_start_sensitive(tree)))
        return specs

    # -- the work -------------------------------------------------------------------------------
    def _frame_of_reference(
        self, universe: Universe, start: DateLike, end: DateLike
    ) -> tuple[list[str], dict[str, list[tuple[int, int]]] | None, list[dt.date], int, int]:
        """Codes (sorted), membership spans as day indices (markets only), the calendar and the
        query's first and last day index in it."""
        days = [d if isinstance(d, dt.date) else d.date() for d in self.data.calendar()]
        if not days:
            raise DataError(f"{self.data.describe()} has an empty trading calendar", "check the data source")
        first, last = _as_date(start, "start"), _as_date(end, "end")
        if last < first:
            raise AistockError(f"the end date {last} is before the start date {first}", "swap the dates")
        stamps = np.array(days, dtype="datetime64[D]")
        q_lo = int(np.searchsorted(stamps, np.datetime64(first, "D"), side="left"))
        q_hi = int(np.searchsorted(stamps, np.datetime64(last, "D"), side="right")) - 1
        if q_hi < q_lo:
            raise AistockError(
                f"no trading days between {first} and {last} in {self.data.describe()}",
                f"the calendar covers {days[0]} to {days[-1]}",
            )
        codes, spans = self._universe(universe, stamps)
        return codes, spans, days, q_lo, q_hi

    def _universe(
        self, universe: Universe, stamps: npt.NDArray[np.datetime64]
    ) -> tuple[list[str], dict[str, list[tuple[int, int]]] | None]:
        if isinstance(universe, str):
            text = universe.strip()
            try:
                return [str(parse_code(text))], None
            except CodeFormatError:
                if not text.isidentifier():
                    raise
            spans: dict[str, list[tuple[int, int]]] = {}
            for span in self.data.source.instruments(text.lower()):
                lo = int(np.searchsorted(stamps, np.datetime64(span.start, "D"), side="left"))
                hi = int(np.searchsorted(stamps, np.datetime64(span.end, "D"), side="right")) - 1
                spans.setdefault(span.code, []).append((lo, hi))
            if not spans:
                raise AistockError(f"market {text!r} has no instruments", "pick another market or list codes")
            return sorted(spans), spans
        codes = sorted({str(parse_code(c)) for c in universe})
        if not codes:
            raise AistockError(
                "the universe is empty", "pass 'all', a market name such as csi300, or some codes"
            )
        return codes, None

    def _chunks(
        self,
        specs: list[FactorSpec],
        codes: list[str],
        spans: dict[str, list[tuple[int, int]]] | None,
        days: list[dt.date],
        q_lo: int,
        q_hi: int,
        progress: Progress | None,
    ) -> Iterator[ChunkResult]:
        """Evaluate every spec over chunks of instruments."""
        lft = max((s.lft for s in specs), default=0)
        rght = max((s.rght for s in specs), default=0)
        load_lo, load_hi = max(0, q_lo - lft), min(len(days) - 1, q_hi + rght)
        load_days = days[load_lo : load_hi + 1]
        fields = sorted(set().union(*(_main_fields(s.tree) for s in specs)))
        per_chunk = max(1, self.chunk_cells // max(1, len(load_days)))
        others = _CrossPanels(self.data, load_days)
        elsewhere = np.zeros(len(load_days), dtype=bool)
        for column, spec in enumerate(specs):
            try:
                extra = others.presence(spec.tree)
            except AistockError as exc:
                raise FactorSetError(spec.name, column, exc) from exc
            if extra is not None:
                elsewhere |= extra
        total = len(codes)
        window = _Window(q_lo, q_hi, load_lo, len(days) - 1)
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            for begin in range(0, total, per_chunk):
                chunk = codes[begin : begin + per_chunk]
                if progress is not None:
                    progress(f"factors {begin + 1}-{begin + len(chunk)} of {total}", begin / total)
                panel = load_panel(self.data, chunk, load_days, fields)
                keep = _row_mask(panel, elsewhere, chunk, spans, q_lo - load_lo, q_hi - load_lo, load_lo)
                rows_day, rows_inst = np.nonzero(keep.T)  # sorted by day, then instrument
                values = np.empty((len(specs), rows_day.size), dtype=np.float32)
                # The kernels release the GIL: instruments split across threads run in parallel.
                bounds = np.linspace(0, len(chunk), min(self.workers, len(chunk)) + 1).astype(int)
                jobs = [
                    pool.submit(
                        self._evaluate_rows, specs, panel, lo, hi, rows_day, rows_inst, values, window, others
                    )
                    for lo, hi in itertools.pairwise(bounds)
                    if hi > lo
                ]
                for job in jobs:
                    job.result()
                if progress is not None:
                    progress(f"factors {begin + len(chunk)} of {total}", (begin + len(chunk)) / total)
                yield ChunkResult(rows_day.astype(np.int64), (rows_inst + begin).astype(np.int64), values)

    def _evaluate_rows(
        self,
        specs: list[FactorSpec],
        panel: Panel,
        lo: int,
        hi: int,
        rows_day: npt.NDArray[np.intp],
        rows_inst: npt.NDArray[np.intp],
        values: npt.NDArray[np.float32],
        window: _Window,
        others: _CrossPanels,
    ) -> None:
        """Evaluate every spec for the panel's instruments ``[lo, hi)`` into their cells of
        ``values`` (columns of the chunk's (day, instrument)-sorted cells)."""
        mine = (rows_inst >= lo) & (rows_inst < hi)
        sub = panel.rows(lo, hi)
        width = sub.shape[1]
        cols = rows_day[mine].astype(np.int64) + (window.q_lo - window.load_lo)
        flat = (rows_inst[mine].astype(np.int64) - lo) * width + cols
        shared = self._context(sub, 0, width - 1, others)
        shared.plan([s.tree for s in specs if not s.start_sensitive])
        contexts: dict[tuple[int, int], Context] = {}
        for column, spec in enumerate(specs):
            context = shared
            if spec.start_sensitive:
                # qlib's own slice for this expression: [q_lo - lft, q_hi + rght], clipped.
                first = max(0, window.q_lo - spec.lft) - window.load_lo
                last = min(window.last_day, window.q_hi + spec.rght) - window.load_lo
                if (first, last) not in contexts:
                    contexts[(first, last)] = self._context(sub, first, last, others)
                    contexts[(first, last)].plan(
                        [
                            s.tree
                            for s in specs
                            if s.start_sensitive and (s.lft, s.rght) == (spec.lft, spec.rght)
                        ]
                    )
                context = contexts[(first, last)]
            try:
                result = context.evaluate(spec.tree, spec.expression)
            except AistockError as exc:
                raise FactorSetError(spec.name, column, exc) from exc
            except (ValueError, TypeError, FloatingPointError) as exc:
                problem = ExpressionError(spec.expression, None, f"cannot be computed: {exc}")
                raise FactorSetError(spec.name, column, problem) from exc
            values[column, mine] = _take(result, flat, cols)

    def _context(self, panel: Panel, first: int, last: int, others: _CrossPanels) -> Context:
        contexts: dict[tuple[str, tuple[str, ...]], Context] = {}

        def cross(code_text: str, feature: Node) -> Context:
            key = others.key(code_text, feature)
            if key not in contexts:
                contexts[key] = Context(others.panel(code_text, feature), first, last, cross)
            return contexts[key]

        return Context(panel, first, last, cross)


class _CrossPanels:
    """Panels of the single instruments ``ChangeInstrument``/``Mask`` read, loaded once."""

    def __init__(self, data: DataService, load_days: list[dt.date]) -> None:
        self.data = data
        self.load_days = load_days
        self._panels: dict[tuple[str, tuple[str, ...]], Panel] = {}

    def key(self, code_text: str, feature: Node) -> tuple[str, tuple[str, ...]]:
        try:
            code = str(parse_code(code_text))
        except CodeFormatError as exc:
            raise AistockError(f"{code_text!r} is not an instrument code", exc.fix) from exc
        return code, tuple(sorted(_main_fields(feature)))

    def panel(self, code_text: str, feature: Node) -> Panel:
        key = self.key(code_text, feature)
        if key not in self._panels:
            self._panels[key] = load_panel(self.data, [key[0]], self.load_days, list(key[1]))
        return self._panels[key]

    def presence(self, tree: Node) -> npt.NDArray[np.bool_] | None:
        """Days on which the instruments ``tree`` reads from elsewhere have bars: qlib aligns
        their series with the instrument's own, so those days become rows too."""
        out: npt.NDArray[np.bool_] | None = None
        for node in walk(tree):
            if isinstance(node, Call) and node.op in ("ChangeInstrument", "Mask"):
                text = next(a for a in node.args if isinstance(a, Text))
                feature = next(a for a in node.args if isinstance(a, Field | Call))
                present = self.panel(text.value, feature).present[0]
                out = present.copy() if out is None else out | present
        return out


# -- helpers -----------------------------------------------------------------------------------------
def _as_date(value: DateLike, what: str) -> dt.date:
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError) as exc:
        raise AistockError(f"{what} date {value!r} is not a date", "write it as YYYY-MM-DD") from exc


def _main_fields(tree: Node) -> set[str]:
    """Fields read for the universe's own instruments (not inside ChangeInstrument/Mask)."""
    out: set[str] = set()
    stack: list[Node] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Field):
            out.add(node.name)
        elif isinstance(node, Call) and node.op not in ("ChangeInstrument", "Mask"):
            stack.extend(node.args)
    return out


def _check_fields(expression: str, tree: Node, known: set[str], source: str) -> None:
    for node in walk(tree):
        if isinstance(node, Field) and node.name not in known:
            shown = ", ".join(f"${f}" for f in sorted(known)) or "none"
            raise ExpressionError(
                expression,
                node.position,
                f"unknown field ${node.name} in {source}",
                f"stored fields: {shown}",
            )
    if not fields_of(tree):
        raise ExpressionError(
            expression, None, "the expression reads no field", "a factor must use a field like $close"
        )


def _row_mask(
    panel: Panel,
    elsewhere: npt.NDArray[np.bool_],
    codes: list[str],
    spans: dict[str, list[tuple[int, int]]] | None,
    first: int,
    last: int,
    offset: int,
) -> npt.NDArray[np.bool_]:
    """(instruments, query days): a stored bar exists (of the instrument, or of an instrument
    its expressions read through ``ChangeInstrument``) and, for a market, the day is in a span."""
    keep = panel.present[:, first : last + 1] | elsewhere[None, first : last + 1]
    if spans is None:
        return keep
    day_index = np.arange(first, last + 1) + offset  # calendar indices of the query days
    for row, code in enumerate(codes):
        inside = np.zeros(day_index.size, dtype=bool)
        for lo, hi in spans.get(code, ()):
            inside |= (day_index >= lo) & (day_index <= hi)
        keep[row] &= inside
    return keep


def _take(
    result: Series2D, flat: npt.NDArray[np.int64], cols: npt.NDArray[np.int64]
) -> npt.NDArray[np.float32]:
    """The kept cells, as float32 (qlib's final cast). ``flat`` indexes the raveled (rows, days)
    array; a single broadcast row is indexed by day alone."""
    data = result.data
    picked = np.take(data.ravel(), cols if data.shape[0] == 1 else flat)
    try:
        return picked.astype(np.float32)
    except (TypeError, ValueError):
        return np.asarray(picked, dtype=np.float64).astype(np.float32)


def _assemble(
    names: list[str], pieces: list[ChunkResult], days: list[dt.date], codes: list[str]
) -> pd.DataFrame:
    """One frame sorted by (datetime, instrument) from chunk pieces (a counting sort by day)."""
    total = sum(p.days.size for p in pieces)
    if len(pieces) == 1:
        values, day_idx, inst_idx = pieces[0].values, pieces[0].days, pieces[0].instruments
    else:
        counts = np.zeros(len(days), dtype=np.int64)
        for p in pieces:
            np.add.at(counts, p.days, 1)
        fill = np.cumsum(counts) - counts
        values = np.empty((len(names), total), dtype=np.float32)
        day_idx = np.empty(total, dtype=np.int64)
        inst_idx = np.empty(total, dtype=np.int64)
        for number in range(len(pieces)):
            p = pieces[number]
            # Within a piece rows are sorted by day then instrument, and pieces hold ascending
            # code ranges, so appending per day keeps (day, instrument) order.
            order_in_day = np.arange(p.days.size) - np.searchsorted(p.days, p.days, side="left")
            at = fill[p.days] + order_in_day
            values[:, at] = p.values
            day_idx[at] = p.days
            inst_idx[at] = p.instruments
            np.add.at(fill, p.days, 1)
            pieces[number] = ChunkResult(p.days[:0], p.instruments[:0], p.values[:, :0])
    levels: list[Any] = [
        pd.DatetimeIndex(pd.to_datetime(days), name="datetime"),
        pd.Index(codes, name="instrument"),
    ]
    level_codes: list[Any] = [day_idx, inst_idx]
    index = pd.MultiIndex(
        levels=levels,
        codes=level_codes,
        names=["datetime", "instrument"],
        verify_integrity=False,
    )
    return pd.DataFrame(values.T, index=index, columns=pd.Index(names), copy=False)
