"""The qlib provider directory format: layout constants and the writer.

RD-Agent trains on a qlib provider directory, so the workstation reads and writes the very same
format — reconciliation then compares like with like. The layout (identical to qlib's
``dump_bin.py`` and ``FileStorage``):

    calendars/day.txt            one YYYY-MM-DD per line
    calendars/day_future.txt     calendar plus future days (qlib's backtest needs it at the end)
    calendars/1min.txt           "YYYY-MM-DD HH:MM:SS" bar starts, for minute data
    instruments/<market>.txt     "SH600000<TAB>2019-01-02<TAB>2023-08-08", one line per span
    features/<sh600000>/<field>.<freq>.bin
                                 little-endian float32: [start index in calendar, values...]

The workstation adds its own metadata under ``aistock/`` (qlib never looks there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

DAY = "day"
MINUTE = "1min"
FREQS = (DAY, MINUTE)

CALENDARS_DIR = "calendars"
INSTRUMENTS_DIR = "instruments"
FEATURES_DIR = "features"
METADATA_DIR = "aistock"

BIN_DTYPE = np.dtype("<f4")

# Windows cannot hold these as directory names; qlib prefixes them.
_WINDOWS_RESERVED = (
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)


def feature_dir_name(qlib_code: str) -> str:
    name = qlib_code.lower()
    return f"_qlib_{name}" if name in _WINDOWS_RESERVED else name


def calendar_path(provider: Path, freq: str = DAY, *, future: bool = False) -> Path:
    return provider / CALENDARS_DIR / (f"{freq}_future.txt" if future else f"{freq}.txt")


def instruments_path(provider: Path, market: str) -> Path:
    return provider / INSTRUMENTS_DIR / f"{market.lower()}.txt"


def feature_path(provider: Path, qlib_code: str, field: str, freq: str = DAY) -> Path:
    return provider / FEATURES_DIR / feature_dir_name(qlib_code) / f"{field.lower()}.{freq}.bin"


def format_calendar_entry(moment: dt.date | dt.datetime, freq: str) -> str:
    if freq == DAY:
        day = moment.date() if isinstance(moment, dt.datetime) else moment
        return day.isoformat()
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"minute calendar entries need datetimes, got {moment!r}")
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def write_calendar(
    provider: Path, entries: Sequence[dt.date | dt.datetime], freq: str = DAY, *, future: bool = False
) -> Path:
    path = calendar_path(provider, freq, future=future)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(format_calendar_entry(e, freq) + "\n" for e in entries), encoding="utf-8")
    return path


def write_instruments(provider: Path, market: str, spans: Iterable[tuple[str, dt.date, dt.date]]) -> Path:
    """Write a market file; one instrument may appear on several lines (several spans)."""
    path = instruments_path(provider, market)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{code}\t{start.isoformat()}\t{end.isoformat()}\n" for code, start, end in spans]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def write_feature(
    provider: Path,
    qlib_code: str,
    field: str,
    values: npt.ArrayLike,
    *,
    start_index: int,
    freq: str = DAY,
) -> Path:
    """Write one field of one instrument, starting at ``start_index`` of the calendar."""
    if start_index < 0:
        raise ValueError(f"start_index must be >= 0, got {start_index}")
    path = feature_path(provider, qlib_code, field, freq)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = np.asarray(values, dtype=BIN_DTYPE)
    np.hstack([np.asarray([start_index], dtype=BIN_DTYPE), data]).astype(BIN_DTYPE).tofile(path)
    return path


def write_features(
    provider: Path,
    qlib_code: str,
    fields: Mapping[str, npt.ArrayLike],
    *,
    start_index: int,
    freq: str = DAY,
) -> None:
    for name, values in fields.items():
        write_feature(provider, qlib_code, name, values, start_index=start_index, freq=freq)
