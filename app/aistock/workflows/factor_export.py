"""Compute a factor set and write it to a parquet file, chunk by chunk.

The file is written next to its destination under a temporary name and renamed into place
only when every chunk has been computed and written, so a bad expression, a full disk or a
Ctrl-C never leaves a half-written file or destroys an earlier export of the same name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aistock.core.errors import AistockError
from aistock.factors.engine import DateLike, FactorEngine, Universe


@dataclass(frozen=True, slots=True)
class FactorExport:
    """What an export wrote."""

    path: Path
    rows: int
    columns: list[str]
    nan_cells: int
    seconds: float


def export_factors(
    engine: FactorEngine,
    items: Sequence[str],
    universe: Universe,
    start: DateLike,
    end: DateLike,
    out: Path,
    progress: Callable[[str, float], None] | None = None,
) -> FactorExport:
    """Write ``items`` (names, expressions or set names) to ``out`` as parquet.

    Columns are named by the factor name or the expression text; the index columns are
    ``datetime`` and ``instrument``. Rows are grouped by chunk of instruments and sorted by
    (datetime, instrument) within a chunk; ``pd.read_parquet(out).sort_index()`` restores
    global order.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out).expanduser()
    if out.suffix.lower() != ".parquet":
        raise AistockError(f"output file {out} does not end in .parquet", "name it like factors.parquet")
    if not out.parent.is_dir():
        raise AistockError(
            f"output folder {out.parent} does not exist", "create it first or pick another --out"
        )
    began = time.perf_counter()
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    writer: pq.ParquetWriter | None = None
    rows = nan_cells = 0
    columns: list[str] = []
    try:
        for frame in engine.iter_factor_set(items, universe, start, end, progress):
            table = pa.Table.from_pandas(frame, preserve_index=True)
            if writer is None:
                writer = pq.ParquetWriter(partial, table.schema, compression="zstd")
                columns = [str(c) for c in frame.columns]
            writer.write_table(table)
            rows += len(frame)
            nan_cells += int(frame.isna().to_numpy().sum())
        if writer is None:
            raise AistockError("the factor set produced no chunks", "check the universe and the dates")
        writer.close()
        writer = None
        partial.replace(out)
    except BaseException:
        if writer is not None:
            writer.close()
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    return FactorExport(out, rows, columns, nan_cells, time.perf_counter() - began)


def parse_universe(text: str) -> Universe:
    """``all``/``csi300`` (a market) or comma-separated codes (``600000.SH,000001.SZ``)."""
    value = text.strip()
    if not value:
        raise AistockError("--instruments is empty", "pass all, csi300 or codes like 600000.SH,000001.SZ")
    if "," in value:
        return [c.strip() for c in value.split(",") if c.strip()]
    return value


def parse_day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise AistockError(f"{option} {text!r} is not a date", "write dates as YYYY-MM-DD") from None
