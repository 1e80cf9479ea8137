"""Read a qlib provider directory directly with numpy — the data RD-Agent trains on.

Why not ``qlib.data.D``? qlib computes one instrument at a time through its expression engine
(and, with ``kernels>1``, in worker processes), which costs seconds for a few hundred stocks and
needs ``qlib.init`` global state. Reading plain fields needs none of that: a feature file is a
little-endian float32 array ``[start index in the calendar, values...]`` (see
:mod:`aistock.data.qlib_format`), so the whole market is a few hundred small reads assembled in
one numpy pass. The output mimics ``D.features`` exactly — the same rows (a market's rows only
inside its membership spans, a list of codes every stored bar), the same float32 values, NaN in
the same places — except that the index is ``(datetime, instrument)`` with canonical codes.

Each file is opened, the wanted slice read straight into a numpy array (what copying a slice
out of a memory map would give) and closed at once: a mapping kept open would lock the file on
Windows, where the demo builder may rewrite the directory under a running app. Parsed calendars, instrument
files and metadata are cached per file and re-read when the file's size or mtime changes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from aistock.core.codes import Board, InstrumentCode, SecurityKind, parse_code
from aistock.core.errors import CodeFormatError, DataError
from aistock.data import qlib_format as qf
from aistock.data.sources import (
    DAY,
    MINUTE,
    PRICE_FIELDS,
    VOLUME_FIELDS,
    FloatDType,
    Freq,
    InstrumentInfo,
    InstrumentSpan,
    TimeLike,
    UnknownFieldError,
    UnknownInstrumentError,
    normalize_adjust,
    normalize_fields,
    normalize_freq,
    time_bounds,
)

_T = TypeVar("_T")
FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

_PROVIDER_FIX = "point at the folder holding calendars/, instruments/ and features/"
_REBUILD_FIX = "re-export the provider directory (or rebuild the demo market)"


@dataclass(frozen=True, slots=True)
class _MetaRow:
    name: str
    kind: SecurityKind | None
    board: Board | None
    list_date: dt.date | None
    delist_date: dt.date | None
    industry: str = ""


class _FileCache:
    """Parsed file contents, re-read when the file changes (the demo builder may rewrite it)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Path, str], tuple[tuple[int, int], Any]] = {}

    def get(self, path: Path, kind: str, parse: Callable[[Path], _T]) -> _T:
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        hit = self._entries.get((path, kind))
        if hit is not None and hit[0] == key:
            value: _T = hit[1]
            return value
        value = parse(path)
        self._entries[(path, kind)] = (key, value)
        return value


class QlibProviderSource:
    """A :class:`~aistock.data.sources.MarketDataSource` over a qlib provider directory."""

    def __init__(self, provider_dir: str | os.PathLike[str]) -> None:
        root = Path(provider_dir).expanduser()
        if not root.is_dir():
            raise DataError(f"qlib provider directory {root} does not exist", _PROVIDER_FIX)
        if not qf.calendar_path(root, DAY).is_file():
            raise DataError(
                f"{root} is not a qlib provider directory: no {qf.CALENDARS_DIR}/day.txt",
                _PROVIDER_FIX,
            )
        self.root = root
        self._cache = _FileCache()

    def __repr__(self) -> str:
        return f"QlibProviderSource({str(self.root)!r})"

    def describe(self) -> str:
        return f"qlib: {self.root}"

    # -- calendars ---------------------------------------------------------------------------------
    def calendar(
        self, start: TimeLike = None, end: TimeLike = None, freq: str = DAY
    ) -> list[dt.date] | list[dt.datetime]:
        f = normalize_freq(freq)
        cal = self._calendar(f)
        lo, hi = self._locate(cal, start, end, f)
        stamps = pd.DatetimeIndex(cal[lo : hi + 1])
        if f == DAY:
            return [d.date() for d in stamps]
        return [d.to_pydatetime() for d in stamps]

    def _calendar(self, freq: Freq) -> npt.NDArray[np.datetime64]:
        path = qf.calendar_path(self.root, freq)
        if not path.is_file():
            raise DataError(
                f"{path} is missing: this provider has no {freq} calendar",
                "ask for daily bars, or export minute data with its calendars/1min.txt",
            )
        return self._cache.get(path, "calendar", lambda p: _parse_calendar(p, freq))

    @staticmethod
    def _locate(
        cal: npt.NDArray[np.datetime64], start: TimeLike, end: TimeLike, freq: Freq
    ) -> tuple[int, int]:
        """Calendar index range ``[lo, hi]`` covered by the bounds (``hi < lo`` when empty)."""
        lo_t, hi_t = time_bounds(start, end, freq)
        lo = 0 if lo_t is None else int(np.searchsorted(cal, lo_t.to_datetime64(), side="left"))
        hi = len(cal) - 1 if hi_t is None else int(np.searchsorted(cal, hi_t.to_datetime64(), "right")) - 1
        return lo, hi

    # -- instruments -------------------------------------------------------------------------------
    def instruments(self, market: str = "all") -> list[InstrumentSpan]:
        return list(self._spans(market))

    def markets(self) -> list[str]:
        """Market files present under ``instruments/`` (``all``, ``csi300``, ...)."""
        folder = self.root / qf.INSTRUMENTS_DIR
        return sorted(p.stem for p in folder.glob("*.txt")) if folder.is_dir() else []

    def _spans(self, market: str) -> tuple[InstrumentSpan, ...]:
        path = qf.instruments_path(self.root, market.strip())
        if not path.is_file():
            known = ", ".join(self.markets()) or "none"
            raise DataError(
                f"market {market!r} has no instruments file {path}",
                f"use one of the markets this provider has ({known})",
            )
        return self._cache.get(path, "instruments", _parse_instruments)

    def fields(self, freq: str = DAY, code: str | None = None) -> list[str]:
        """Stored field names at ``freq``: of one instrument, or of any instrument."""
        suffix = f".{normalize_freq(freq)}.bin"
        if code is not None:
            dirs = [self._feature_dir(parse_code(code))]
        else:
            features = self.root / qf.FEATURES_DIR
            dirs = [Path(e.path) for e in os.scandir(features) if e.is_dir()] if features.is_dir() else []
        names: set[str] = set()
        for folder in dirs:
            if folder.is_dir():
                names.update(e.name[: -len(suffix)] for e in os.scandir(folder) if e.name.endswith(suffix))
        return sorted(names)

    def _feature_dir(self, code: InstrumentCode) -> Path:
        return self.root / qf.FEATURES_DIR / qf.feature_dir_name(code.qlib)

    # -- history -----------------------------------------------------------------------------------
    def history(
        self,
        codes: str | Sequence[str],
        start: TimeLike,
        end: TimeLike,
        fields: Sequence[str],
        freq: str = DAY,
        adjust: str = "front",
        *,
        dtype: FloatDType = "float32",
    ) -> pd.DataFrame:
        """Stored fields as ``D.features`` returns them, indexed ``(datetime, instrument)``.

        ``codes`` is a market name (rows only inside the market's spans, as qlib masks them) or
        a sequence of codes in any format (every stored bar in the range). ``adjust="none"``
        turns the forward-adjusted prices back into exchange prices (price / factor, volume ×
        factor); ``amount`` is never adjusted.
        """
        f = normalize_freq(freq)
        mode = normalize_adjust(adjust)
        names = normalize_fields(fields)
        if dtype not in ("float32", "float64"):
            raise DataError(f"unsupported dtype {dtype!r}", "use 'float32' (as stored) or 'float64'")
        needs_factor = mode == "none" and any(n in PRICE_FIELDS | VOLUME_FIELDS for n in names)
        read = [*names, "factor"] if needs_factor and "factor" not in names else list(names)

        cal = self._calendar(f)
        lo, hi = self._locate(cal, start, end, f)
        targets, spans = self._targets(codes, cal, f)
        if hi < lo or not targets:
            return _empty_frame(names, dtype)

        reader = _BinReader(len(cal), f)
        pieces: list[tuple[IntArray, FloatArray]] = []
        found = dict.fromkeys(read, False)
        used: list[str] = []
        for code in targets:
            block = reader.instrument_block(self._feature_dir(code), read, lo, hi, found)
            if block is None:
                continue
            rows, values, has = block
            if needs_factor and "factor" not in has and code.is_index:
                # An index is never adjusted: its stored points are its points.
                values[read.index("factor")] = 1.0
            if spans is not None:
                keep = _in_spans(rows, spans.get(code, ()))
                rows, values = rows[keep], values[:, keep]
            if rows.size:
                pieces.append((rows - lo, values))
                used.append(str(code))
        self._check_fields(found, names, targets, f)
        if needs_factor and not found["factor"] and any(not c.is_index for c in targets):
            raise DataError(
                f"raw prices (adjust='none') need the factor field, and {self.root} stores no "
                f"factor.{f}.bin for the instruments asked",
                "ask for adjust='front' (the stored prices), or export the provider with $factor",
            )
        if not pieces:
            return _empty_frame(names, dtype)
        values, date_codes, inst_codes, dates = _assemble(pieces, len(read), hi - lo + 1)
        if mode == "none":
            _unadjust(values, read, needs_factor)
        values = values[: len(names)]
        if dtype == "float64":
            values = values.astype(np.float64)
        return _frame(values, names, date_codes, inst_codes, cal[lo + dates], used)

    def _targets(
        self, codes: str | Sequence[str], cal: npt.NDArray[np.datetime64], freq: Freq
    ) -> tuple[list[InstrumentCode], dict[InstrumentCode, list[tuple[int, int]]] | None]:
        """Instruments to read (code order) and, for a market, their spans as calendar indices."""
        if isinstance(codes, str):
            spans: dict[InstrumentCode, list[tuple[int, int]]] = {}
            for span in self._spans(codes):
                code = parse_code(span.code)
                lo = np.searchsorted(cal, np.datetime64(span.start, "ns"), side="left")
                end = np.datetime64(span.end + dt.timedelta(days=1), "ns") - np.timedelta64(1, "ns")
                hi = np.searchsorted(cal, end, side="right") - 1
                spans.setdefault(code, []).append((int(lo), int(hi)))
            # qlib skips members without any stored data; so do we.
            features = self.root / qf.FEATURES_DIR
            stored = {e.name for e in os.scandir(features) if e.is_dir()} if features.is_dir() else set()
            return sorted(c for c in spans if qf.feature_dir_name(c.qlib) in stored), spans
        if not codes:
            raise DataError("no instruments were asked for", "pass codes such as ['600000.SH']")
        targets = sorted({parse_code(c) for c in codes})
        for code in targets:
            if not self._feature_dir(code).is_dir():
                raise UnknownInstrumentError(
                    f"unknown instrument {code}: {self._feature_dir(code)} does not exist in {self.root}",
                    "check the code, or list the known ones in instruments/all.txt",
                )
        return targets, None

    def _check_fields(
        self, found: dict[str, bool], names: list[str], targets: list[InstrumentCode], freq: Freq
    ) -> None:
        """A field no asked instrument stores is a typo or a wrong provider: say so."""
        missing = [n for n in names if not found[n]]
        if not missing:
            return
        code = targets[0]
        stored = ", ".join(self.fields(freq, str(code))) or "none"
        who = f"{code}" if len(targets) == 1 else f"any of the {len(targets)} instruments asked"
        raise UnknownFieldError(
            f"unknown field {', '.join(missing)}: no {missing[0]}.{freq}.bin for {who} "
            f"(looked in {self._feature_dir(code)})",
            f"stored fields for {code}: {stored}",
        )

    # -- instrument facts -------------------------------------------------------------------------
    def instrument_info(self, code: str, on: dt.date | None = None) -> InstrumentInfo:
        inst = parse_code(code)
        meta = self._metadata().get(inst)
        spans = self._spans_by_code().get(str(inst), [])
        if meta is None and not spans and not self._feature_dir(inst).is_dir():
            raise UnknownInstrumentError(
                f"unknown instrument {inst}: not in {qf.instruments_path(self.root, 'all')} "
                f"and no {self._feature_dir(inst)}",
                "check the code, or list the known ones in instruments/all.txt",
            )
        last_day = pd.Timestamp(self._calendar(DAY)[-1]).date()
        list_date = meta.list_date if meta and meta.list_date else min((s.start for s in spans), default=None)
        if meta and meta.delist_date:
            delist_date: dt.date | None = meta.delist_date
        else:
            span_end = max((s.end for s in spans), default=None)
            delist_date = span_end if span_end is not None and span_end < last_day else None
        day = on if on is not None else last_day
        st = self._st_periods().get(inst, ())
        return InstrumentInfo(
            code=str(inst),
            name=meta.name if meta and meta.name else str(inst),
            kind=meta.kind if meta and meta.kind else inst.kind,
            board=meta.board if meta and meta.board else inst.board,
            list_date=list_date,
            delist_date=delist_date,
            is_st=any(a <= day and (b is None or day <= b) for a, b in st),
            industry=meta.industry if meta else "",
        )

    def _spans_by_code(self) -> dict[str, list[InstrumentSpan]]:
        path = qf.instruments_path(self.root, "all")
        if not path.is_file():
            return {}
        return self._cache.get(path, "by_code", lambda p: _group_spans(_parse_instruments(p)))

    def _metadata(self) -> dict[InstrumentCode, _MetaRow]:
        path = self.root / qf.METADATA_DIR / "instruments.csv"
        return self._cache.get(path, "meta", _parse_metadata) if path.is_file() else {}

    def _st_periods(self) -> dict[InstrumentCode, list[tuple[dt.date, dt.date | None]]]:
        path = self.root / qf.METADATA_DIR / "st_periods.csv"
        return self._cache.get(path, "st", _parse_st_periods) if path.is_file() else {}


# -- reading bins -----------------------------------------------------------------------------------
class _BinReader:
    """Reads feature files for one query, validating each header against the calendar."""

    def __init__(self, calendar_len: int, freq: Freq) -> None:
        self.calendar_len = calendar_len
        self.freq = freq

    def read(self, path: str, lo: int, hi: int) -> tuple[int, FloatArray] | None:
        """Values for calendar indices ``[lo, hi]`` that the file holds, or None if no file.

        ``path`` is a plain string and the file unbuffered: a market read opens thousands of
        small files, and pathlib plus a read buffer cost as much as the reads themselves.
        """
        try:
            handle = io.FileIO(path, "r")
        except FileNotFoundError:
            return None
        with handle:
            size = os.fstat(handle.fileno()).st_size
            if size < 4 or size % 4:
                raise DataError(
                    f"{path} is truncated or corrupt: {size} bytes is not a whole number of "
                    "float32 values after the 4-byte start index",
                    _REBUILD_FIX,
                )
            head = float(np.frombuffer(handle.read(4), dtype=qf.BIN_DTYPE)[0])
            if not (np.isfinite(head) and head >= 0 and head == int(head)):
                raise DataError(
                    f"{path} is corrupt: its start index {head!r} is not a non-negative integer",
                    _REBUILD_FIX,
                )
            first, count = int(head), size // 4 - 1
            if first + count > self.calendar_len:
                raise DataError(
                    f"{path} runs past the calendar: start index {first} + {count} values > "
                    f"{self.calendar_len} entries in calendars/{self.freq}.txt",
                    "the calendar and the features come from different exports; " + _REBUILD_FIX,
                )
            si, ei = max(lo, first), min(hi, first + count - 1)
            if si > ei:
                return si, np.empty(0, dtype=np.float32)
            out = np.empty(ei - si + 1, dtype=qf.BIN_DTYPE)
            handle.seek(4 * (si - first + 1))
            got = handle.readinto(out.data.cast("B"))
            if got != out.nbytes:
                raise DataError(f"{path} changed while it was being read", "retry once the rewrite is done")
        return si, out.astype(np.float32, copy=False)

    def instrument_block(
        self, folder: Path, fields: list[str], lo: int, hi: int, found: dict[str, bool]
    ) -> tuple[IntArray, FloatArray, set[str]] | None:
        """Calendar indices, a (fields × rows) block — the union of the fields' stored rows —
        and the fields this instrument has a file for."""
        series: list[tuple[int, int, FloatArray]] = []
        has: set[str] = set()
        prefix = f"{folder}{os.sep}"
        for j, name in enumerate(fields):
            got = self.read(f"{prefix}{name}.{self.freq}.bin", lo, hi)
            if got is None:
                continue
            found[name] = True
            has.add(name)
            if got[1].size:
                series.append((j, got[0], got[1]))
        if not series:
            return None
        start = min(s for _, s, _ in series)
        stop = max(s + v.size for _, s, v in series)
        block = np.full((len(fields), stop - start), np.nan, dtype=np.float32)
        present = np.zeros(stop - start, dtype=bool)
        for j, s, v in series:
            block[j, s - start : s - start + v.size] = v
            present[s - start : s - start + v.size] = True
        rows = np.arange(start, stop, dtype=np.int64)
        if not present.all():  # fields with disjoint ranges: qlib keeps only rows some field has
            return rows[present], block[:, present], has
        return rows, block, has


def _in_spans(rows: IntArray, spans: Sequence[tuple[int, int]]) -> npt.NDArray[np.bool_]:
    keep = np.zeros(rows.size, dtype=bool)
    for lo, hi in spans:
        keep |= (rows >= lo) & (rows <= hi)
    return keep


_RELEASED: tuple[IntArray, FloatArray] = (np.empty(0, dtype=np.int64), np.empty((0, 0), dtype=np.float32))


def _assemble(
    pieces: list[tuple[IntArray, FloatArray]], n_fields: int, n_dates: int
) -> tuple[FloatArray, IntArray, IntArray, IntArray]:
    """Scatter per-instrument blocks straight into one (fields × rows) array sorted by
    (date, instrument) — a counting sort: no concatenation, no argsort, each piece freed once
    placed, so the peak stays near twice the output instead of four times.

    ``pieces`` hold (date offsets, values) in instrument order. Returns the values, the date
    and instrument codes of each row, and the date offsets that occur (the date level).
    """
    counts = np.zeros(n_dates, dtype=np.int64)
    for rows, _ in pieces:
        counts[rows] += 1  # rows are unique within one instrument
    fill = np.cumsum(counts) - counts  # where each date's first row goes
    total = int(counts.sum())
    values = np.empty((n_fields, total), dtype=np.float32)
    inst_codes = np.empty(total, dtype=np.int64)
    for number in range(len(pieces)):
        rows, block = pieces[number]
        at = fill[rows]
        values[:, at] = block
        inst_codes[at] = number
        fill[rows] += 1
        pieces[number] = _RELEASED  # drop the piece (a view would keep its memory alive)
    dates = np.flatnonzero(counts)
    date_codes = np.repeat(np.arange(dates.size, dtype=np.int64), counts[dates])
    return values, date_codes, inst_codes, dates


def _unadjust(values: FloatArray, read: list[str], needs_factor: bool) -> None:
    """Forward-adjusted → exchange prices in place: price / factor, volume × factor (float32,
    the same arithmetic qlib's ``$close / $factor`` would do)."""
    if not needs_factor:
        return
    factor = values[read.index("factor")]
    for j, name in enumerate(read):
        if name in PRICE_FIELDS:
            np.divide(values[j], factor, out=values[j])
        elif name in VOLUME_FIELDS:
            np.multiply(values[j], factor, out=values[j])


def _frame(
    values: npt.NDArray[np.floating[Any]],
    names: list[str],
    date_codes: IntArray,
    inst_codes: IntArray,
    dates: npt.NDArray[np.datetime64],
    codes: list[str],
) -> pd.DataFrame:
    """One DataFrame over the assembled arrays (no per-instrument frames, no concat, no copy)."""
    levels: list[Any] = [pd.DatetimeIndex(dates, name="datetime"), pd.Index(codes, name="instrument")]
    level_codes: list[Any] = [date_codes, inst_codes]
    index = pd.MultiIndex(
        levels=levels, codes=level_codes, names=["datetime", "instrument"], verify_integrity=False
    )
    return pd.DataFrame(values.T, index=index, columns=pd.Index(names), copy=False)


def _empty_frame(names: list[str], dtype: FloatDType) -> pd.DataFrame:
    index = pd.MultiIndex.from_arrays(
        [pd.DatetimeIndex([]), pd.Index([], dtype=object)], names=["datetime", "instrument"]
    )
    return pd.DataFrame({n: np.empty(0, dtype=dtype) for n in names}, index=index)


# -- parsing text files -----------------------------------------------------------------------------
def _parse_calendar(path: Path, freq: Freq) -> npt.NDArray[np.datetime64]:
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise DataError(f"{path} is empty", _REBUILD_FIX)
    try:
        if freq == MINUTE:
            cal = np.array([ln.replace(" ", "T") for ln in lines], dtype="datetime64[s]")
        else:
            cal = np.array([ln[:10] for ln in lines], dtype="datetime64[D]")
    except ValueError:
        bad = next(i for i, ln in enumerate(lines, 1) if not _parses(ln, freq))
        expected = "YYYY-MM-DD HH:MM:SS" if freq == MINUTE else "YYYY-MM-DD"
        raise DataError(
            f"{path} line {bad}: {lines[bad - 1]!r} is not a {expected} entry", _REBUILD_FIX
        ) from None
    cal = cal.astype("datetime64[ns]")
    if cal.size > 1 and not bool(np.all(cal[1:] > cal[:-1])):
        raise DataError(f"{path} is not sorted strictly ascending", _REBUILD_FIX)
    return cal


def _parses(line: str, freq: Freq) -> bool:
    try:
        np.datetime64(line.replace(" ", "T") if freq == MINUTE else line[:10])
    except ValueError:
        return False
    return True


def _parse_date(text: str, where: str) -> dt.date:
    text = text.strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise DataError(f"{where}: {text!r} is not a YYYY-MM-DD date", _REBUILD_FIX) from None


def _parse_instruments(path: Path) -> tuple[InstrumentSpan, ...]:
    spans: list[InstrumentSpan] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        where = f"{path} line {number}"
        if len(parts) < 3:
            raise DataError(f"{where}: {line!r} is not 'CODE<TAB>start<TAB>end'", _REBUILD_FIX)
        try:
            code = parse_code(parts[0])
        except CodeFormatError as exc:
            raise DataError(f"{where}: {exc.what}", exc.fix) from None
        spans.append(InstrumentSpan(str(code), _parse_date(parts[1], where), _parse_date(parts[2], where)))
    return tuple(spans)


def _group_spans(spans: Sequence[InstrumentSpan]) -> dict[str, list[InstrumentSpan]]:
    out: dict[str, list[InstrumentSpan]] = {}
    for span in spans:
        out.setdefault(span.code, []).append(span)
    return out


def _read_csv_rows(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(
                f"{path} lacks the column(s) {', '.join(missing)}",
                f"write a header with {', '.join(required)}",
            )
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def _optional_date(text: str, where: str) -> dt.date | None:
    return _parse_date(text, where) if text else None


def _parse_metadata(path: Path) -> dict[InstrumentCode, _MetaRow]:
    out: dict[InstrumentCode, _MetaRow] = {}
    for number, row in enumerate(_read_csv_rows(path, ("code", "name")), 2):
        where = f"{path} line {number}"
        try:
            code = parse_code(row["code"])
            kind = SecurityKind(row["kind"]) if row.get("kind") else None
            board = Board(row["board"]) if row.get("board") else None
        except CodeFormatError as exc:
            raise DataError(f"{where}: {exc.what}", exc.fix) from None
        except ValueError as exc:
            raise DataError(
                f"{where}: {exc}",
                f"kind is one of {[k.value for k in SecurityKind]}, board one of {[b.value for b in Board]}",
            ) from None
        out[code] = _MetaRow(
            name=row["name"],
            kind=kind,
            board=board,
            list_date=_optional_date(row.get("list_date", ""), where),
            delist_date=_optional_date(row.get("delist_date", ""), where),
            industry=(row.get("industry") or "").strip(),
        )
    return out


def _parse_st_periods(path: Path) -> dict[InstrumentCode, list[tuple[dt.date, dt.date | None]]]:
    out: dict[InstrumentCode, list[tuple[dt.date, dt.date | None]]] = {}
    for number, row in enumerate(_read_csv_rows(path, ("code", "start", "end")), 2):
        where = f"{path} line {number}"
        try:
            code = parse_code(row["code"])
        except CodeFormatError as exc:
            raise DataError(f"{where}: {exc.what}", exc.fix) from None
        out.setdefault(code, []).append((_parse_date(row["start"], where), _optional_date(row["end"], where)))
    return out
