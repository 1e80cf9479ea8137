"""miniQMT's xtdata as a :class:`~aistock.data.sources.MarketDataSource` (Windows host only).

``xtquant.xtdata`` loads Windows-only native modules and talks to a running, logged-in miniQMT,
so it is imported lazily and its absence is a :class:`DataSourceUnavailable` with a way out —
never an ImportError from deep inside a dialog. Everything that turns xtdata's answers into our
conventions is a pure function here, testable on any machine with data shaped exactly as xtdata
returns it:

* codes are already canonical (``600000.SH``) — xtdata's own form;
* K-line frames come as ``{code: DataFrame}`` from ``get_market_data_ex``, indexed by
  ``'YYYYMMDD'`` (``1d``) or ``'YYYYMMDDHHMMSS'`` (``1m``) strings, with ``time`` in epoch
  milliseconds and the fields ``open, high, low, close, volume, amount, preClose, suspendFlag``
  (xtquant/doc/xtdata.md, 附录 › 行情数据字段列表 › "1m / 5m / 1d - K线数据");
* minute bars are labelled by their **end** (09:31 is 09:30–09:31) and the 09:30 bar holds the
  opening call auction; we label bars by their start, as qlib stores them, and fold the auction
  into the first continuous bar (what vnpy_xt does too);
* bar ``volume`` is in lots (手) — the doc lists ``volume 成交量`` without a unit and keeps
  ``pvolume 原始成交总量`` only for ticks; the tick volume is in lots as well
  (reference/miniqmt_and_vnpy.md §1.6) — and we count shares (DESIGN §4), so it is multiplied by
  :func:`shares_per_lot`;
* ``dividend_type`` (doc: 接口概述 › 常用类型说明): ``front_ratio`` is the multiplicative forward
  adjustment that matches qlib's ``adjusted = raw × factor``; plain ``front`` subtracts dividends
  and would not. xtdata adjusts prices only, so the adjusted volume (raw / factor, as qlib stores
  it) and the ``factor`` field are derived from a second, unadjusted read;
* suspended days (``suspendFlag == 1``, filled forward by xtdata) become NaN rows, which is how
  qlib (and so every consumer here) marks a suspension.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from aistock.core.calendar import ensure_dates, minute_bar_starts
from aistock.core.codes import InstrumentCode, SecurityKind, parse_code
from aistock.core.errors import CodeFormatError, DataError, DataSourceUnavailable
from aistock.data.sources import (
    DAY,
    MINUTE,
    PRICE_FIELDS,
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

UNAVAILABLE_FIX = (
    "run AIstock on the Windows host with miniQMT logged in, or use the demo market / a qlib "
    "provider directory"
)

# Our field name → xtdata's K-line field (xtdata.md 附录 › "1m / 5m / 1d - K线数据").
XT_FIELDS: dict[str, str] = {
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "volume": "volume",
    "amount": "amount",
    "pre_close": "preClose",
    "open_interest": "openInterest",
}
# Fields computed here rather than read: the qlib-style adjustment factor.
DERIVED_FIELDS = ("factor",)
XT_PERIOD: dict[Freq, str] = {DAY: "1d", MINUTE: "1m"}
XT_DIVIDEND: dict[str, str] = {"front": "front_ratio", "none": "none"}

# Sector names xtdata knows (get_stock_list_in_sector after download_sector_data).
MARKET_SECTORS: dict[str, tuple[str, ...]] = {
    "all": ("沪深A股", "京市A股", "沪深指数"),
    "csi300": ("沪深300",),
    "csi500": ("中证500",),
    "csi1000": ("中证1000",),
    "sse50": ("上证50",),
}

_OPEN = dt.time(9, 30)
_NO_DATE_BELOW = 19900101  # OpenDate 0 / 19700101 mean "unknown"
_NO_DATE_FROM = 20990000  # ExpireDate 99999999 / 20991231 mean "still listed"
_NO_PRICE_ABOVE = 1e12  # xtdata fills unknown prices with DBL_MAX


# -- pure mappings (tested on xtdata-shaped data) -------------------------------------------------
def shares_per_lot(code: str | InstrumentCode) -> int:
    """Shares per unit of xtdata's bar/tick ``volume``: 100 (1 手), 10 for bonds (1 手 = 10 张)."""
    inst = code if isinstance(code, InstrumentCode) else parse_code(code)
    return 10 if inst.kind is SecurityKind.BOND else 100


def calendar_from_trading_calendar(days: Sequence[str | int]) -> list[dt.date]:
    """``get_trading_calendar`` answers ``['20240102', ...]``; ``get_trading_dates`` epoch ms."""
    out: list[dt.date] = []
    for value in days:
        out.append(_xt_date(value, what="trading day"))
    return sorted(set(out))


def _xt_date(value: str | int | float, *, what: str) -> dt.date:
    text = str(value).strip()
    try:
        if len(text) == 8 and text.isdigit():
            return dt.datetime.strptime(text, "%Y%m%d").date()
        if text.isdigit() and len(text) >= 12:  # epoch milliseconds, Shanghai wall time
            stamp = pd.Timestamp(int(text), unit="ms", tz="UTC").tz_convert("Asia/Shanghai")
            return stamp.date()
    except ValueError:
        pass
    raise DataError(f"xtdata returned {value!r} as a {what}", "expected 'YYYYMMDD' or epoch milliseconds")


def _optional_xt_date(value: Any, *, upper: int = _NO_DATE_FROM) -> dt.date | None:
    """A date from an ``OpenDate``/``ExpireDate`` value; None for xtdata's "unknown" fillers."""
    if value is None:
        return None
    try:
        number = int(str(value).strip() or "0")
    except ValueError:
        return None
    if number < _NO_DATE_BELOW or number >= upper:
        return None
    try:
        return dt.date(number // 10000, number // 100 % 100, number % 100)
    except ValueError:
        return None


def _price(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if 0 < number < _NO_PRICE_ABOVE else math.nan


def instrument_info_from_detail(
    code: str, detail: Mapping[str, Any] | None, on: dt.date | None = None
) -> InstrumentInfo:
    """``get_instrument_detail(code)`` → :class:`InstrumentInfo`.

    xtdata only knows the *current* name, so ``is_st`` (an ``ST``/``*ST`` prefix) is today's
    status whatever ``on`` says; sources with history (a provider's ``st_periods.csv``) do better.
    """
    inst = parse_code(code)
    if not detail:
        raise UnknownInstrumentError(
            f"xtdata has no instrument {inst} (get_instrument_detail returned nothing)",
            "check the code, or download the basic data in miniQMT",
        )
    name = str(detail.get("InstrumentName") or inst).strip()
    list_date = _optional_xt_date(detail.get("OpenDate"))
    delist_date = _optional_xt_date(detail.get("ExpireDate"))
    if delist_date is not None and delist_date > dt.date.today():
        delist_date = None  # a future expiry date is not a delisting
    return InstrumentInfo(
        code=str(inst),
        name=name,
        kind=inst.kind,
        board=inst.board,
        list_date=list_date,
        delist_date=delist_date,
        is_st="ST" in name.upper(),
    )


def quote_from_detail(detail: Mapping[str, Any]) -> dict[str, float | bool]:
    """Today's reference prices from a detail dict: ``pre_close``, exchange limit prices and
    whether trading is halted (``InstrumentStatus`` > 0 means 停牌). Unknown prices are NaN."""
    status = detail.get("InstrumentStatus")
    try:
        suspended = int(status or 0) > 0
    except (TypeError, ValueError):
        suspended = False
    return {
        "pre_close": _price(detail.get("PreClose")),
        "up_limit": _price(detail.get("UpStopPrice")),
        "down_limit": _price(detail.get("DownStopPrice")),
        "suspended": suspended,
    }


def span_from_detail(
    code: str, detail: Mapping[str, Any] | None, first: dt.date, last: dt.date
) -> InstrumentSpan:
    """Listing span of an instrument, clipped to the calendar ``[first, last]``."""
    listed = _optional_xt_date(detail.get("OpenDate")) if detail else None
    expired = _optional_xt_date(detail.get("ExpireDate")) if detail else None
    start = max(first, listed) if listed else first
    end = min(last, expired) if expired else last
    return InstrumentSpan(str(parse_code(code)), start, max(start, end))


def bar_times(frame: pd.DataFrame, freq: Freq) -> pd.DatetimeIndex:
    """Bar-start stamps of an xtdata K-line frame (naive Asia/Shanghai, as our calendars)."""
    index = frame.index
    if len(index) and all(isinstance(v, str) for v in index[:1]):
        text = pd.Index(index).astype(str)
        fmt = "%Y%m%d" if len(text[0]) == 8 else "%Y%m%d%H%M%S"
        stamps = pd.DatetimeIndex(pd.to_datetime(text, format=fmt))
    elif "time" in frame.columns:
        utc = pd.to_datetime(frame["time"].to_numpy(dtype=np.int64), unit="ms", utc=True)
        stamps = pd.DatetimeIndex(utc.tz_convert("Asia/Shanghai").tz_localize(None))
    else:
        stamps = pd.DatetimeIndex(index)
    if freq == DAY:
        return stamps.normalize()
    return stamps - pd.Timedelta(minutes=1)  # xtdata labels a minute bar by its end


def _fold_auction(frame: pd.DataFrame, stamps: pd.DatetimeIndex) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    """Fold pre-09:30 (call auction) minute bars into the day's first continuous bar."""
    minutes = np.asarray(stamps.hour, dtype=np.int64) * 60 + np.asarray(stamps.minute, dtype=np.int64)
    auction = minutes < _OPEN.hour * 60 + _OPEN.minute
    if not auction.any():
        return frame, stamps
    positions = np.flatnonzero(auction)
    nxt = positions + 1
    ok = nxt < len(frame)
    positions, nxt = positions[ok], nxt[ok]
    same_day = np.asarray(stamps[positions].normalize() == stamps[nxt].normalize(), dtype=bool)
    positions, nxt = positions[same_day], nxt[same_day]
    values = frame.copy()
    for name in values.columns:
        column = values[name].to_numpy(dtype=np.float64, copy=True)
        if name == "open":
            column[nxt] = column[positions]  # the day opens at the auction price
        elif name == "high":
            column[nxt] = np.fmax(column[nxt], column[positions])
        elif name == "low":
            column[nxt] = np.fmin(column[nxt], column[positions])
        elif name in ("volume", "amount"):
            column[nxt] = column[nxt] + column[positions]
        values[name] = column
    return values.loc[~auction], stamps[~auction]


def frame_from_market_data_ex(
    data: Mapping[str, pd.DataFrame],
    fields: Sequence[str],
    adjust: str,
    *,
    companion: Mapping[str, pd.DataFrame] | None = None,
    freq: str | None = None,
    dtype: FloatDType = "float32",
) -> pd.DataFrame:
    """``get_market_data_ex`` output → our ``(datetime, instrument)`` frame.

    ``data`` was read with ``dividend_type=XT_DIVIDEND[adjust]``. ``companion`` is the same
    request with the other dividend type (``none`` ↔ ``front_ratio``); it is needed for the
    ``factor`` field (adjusted close / raw close) and, with ``adjust="front"``, for the adjusted
    volume (raw shares / factor), because xtdata adjusts prices only. ``freq`` defaults to what
    the index strings say (8 digits: days, 14: minutes).
    """
    mode = normalize_adjust(adjust)
    names = normalize_fields(fields)
    unknown = [n for n in names if n not in XT_FIELDS and n not in DERIVED_FIELDS]
    if unknown:
        raise UnknownFieldError(
            f"xtdata has no field {', '.join(unknown)}",
            f"xtdata K-line fields: {', '.join([*XT_FIELDS, *DERIVED_FIELDS])}",
        )
    needs_factor = "factor" in names or (mode == "front" and "volume" in names)
    if needs_factor and companion is None:
        raise DataError(
            "the factor (and the forward-adjusted volume) need both the adjusted and the raw bars",
            "pass the same request read with the other dividend_type as companion=",
        )
    index_parts: list[pd.MultiIndex] = []
    value_parts: list[np.ndarray[Any, np.dtype[np.float64]]] = []
    for raw_code in sorted(data, key=lambda c: str(parse_code(c))):
        frame = data[raw_code]
        if frame is None or len(frame) == 0:
            continue
        code = parse_code(raw_code)
        f = normalize_freq(freq) if freq else _freq_of(frame)
        own = _bars(frame, [*names, "close"] if needs_factor else names, f, code)
        if needs_factor:
            other = None if companion is None else companion.get(raw_code)
            if other is None or len(other) == 0:
                raise DataError(
                    f"the companion read has no bars for {code}",
                    "read both dividend types for the same codes",
                )
            other_close = _bars(other, ["close"], f, code)["close"].reindex(own.index)
            adjusted, raw = (own["close"], other_close) if mode == "front" else (other_close, own["close"])
            factor = adjusted / raw
            if mode == "front" and "volume" in names:
                own["volume"] = own["volume"] / factor  # qlib stores raw shares / factor
            own["factor"] = factor
        own = own[names]
        index_parts.append(pd.MultiIndex.from_arrays([own.index, [str(code)] * len(own)]))
        value_parts.append(own.to_numpy(dtype=np.float64))
    if not index_parts:
        empty = pd.MultiIndex.from_arrays(
            [pd.DatetimeIndex([]), pd.Index([], dtype=object)], names=["datetime", "instrument"]
        )
        return pd.DataFrame({n: np.empty(0, dtype=dtype) for n in names}, index=empty)
    index = index_parts[0].append(index_parts[1:]) if len(index_parts) > 1 else index_parts[0]
    out = pd.DataFrame(np.concatenate(value_parts).astype(dtype), index=index, columns=pd.Index(names))
    out.index = out.index.set_names(["datetime", "instrument"])
    return out.sort_index()


def _freq_of(frame: pd.DataFrame) -> Freq:
    first = frame.index[0]
    if isinstance(first, str) and len(first) >= 12:
        return MINUTE
    if isinstance(first, str):
        return DAY
    stamps = pd.DatetimeIndex(bar_times(frame, MINUTE))
    return DAY if bool((stamps + pd.Timedelta(minutes=1) == stamps.normalize()).all()) else MINUTE


def _bars(frame: pd.DataFrame, names: Sequence[str], freq: Freq, code: InstrumentCode) -> pd.DataFrame:
    """One instrument's bars in our units, indexed by bar start; suspended rows NaN."""
    stamps = bar_times(frame, freq)
    wanted = list(dict.fromkeys(n for n in names if n not in DERIVED_FIELDS))
    missing = [XT_FIELDS[n] for n in wanted if XT_FIELDS[n] not in frame.columns]
    if missing:
        raise UnknownFieldError(
            f"xtdata's bars for {code} lack {', '.join(missing)}",
            f"columns present: {', '.join(map(str, frame.columns))}",
        )
    out = pd.DataFrame(
        {n: pd.to_numeric(frame[XT_FIELDS[n]], errors="coerce").to_numpy(dtype=np.float64) for n in wanted},
        index=stamps,
    )
    if "suspendFlag" in frame.columns:
        halted = pd.to_numeric(frame["suspendFlag"], errors="coerce").to_numpy() == 1
        out.loc[halted, :] = np.nan
    if freq == MINUTE:
        out, stamps = _fold_auction(out, stamps)
    if "volume" in out:
        out["volume"] = out["volume"] * shares_per_lot(code)
    for name in PRICE_FIELDS & set(out.columns):
        out.loc[out[name] <= 0, name] = np.nan  # xtdata writes 0 for "no trade"
    out.index = pd.DatetimeIndex(stamps, name="datetime")
    return out


# -- the source ---------------------------------------------------------------------------------------
def load_xtdata() -> Any:
    """Import ``xtquant.xtdata`` or explain why this machine cannot."""
    try:
        from xtquant import xtdata
    except Exception as exc:  # ImportError off Windows (.pyd), OSError for a missing DLL
        raise DataSourceUnavailable(
            f"miniQMT's xtdata is not available on this machine ({type(exc).__name__}: {exc})",
            UNAVAILABLE_FIX,
        ) from exc
    return xtdata


class XtdataSource:
    """Market data from a running miniQMT through ``xtquant.xtdata``.

    ``download=True`` fetches missing history into miniQMT's local store before each read
    (``download_history_data2``), which xtdata needs before ``get_market_data_ex`` sees it.
    The day calendar runs to the end of xtdata's holiday data, so it includes future sessions.
    """

    def __init__(self, *, download: bool = True) -> None:
        xtdata = load_xtdata()
        xtdata.enable_hello = False
        try:
            xtdata.connect()
        except Exception as exc:
            raise DataSourceUnavailable(
                f"cannot connect to miniQMT's xtdata service ({type(exc).__name__}: {exc})",
                "start miniQMT (XtMiniQmt.exe) and log in, then retry",
            ) from exc
        self._xt = xtdata
        self.download = download

    def describe(self) -> str:
        return "xtdata: miniQMT"

    def _call(self, name: str, *args: Any) -> Any:
        """Call ``xtdata.<name>``; its bare exceptions become a DataError naming the call."""
        try:
            return getattr(self._xt, name)(*args)
        except Exception as exc:
            raise DataError(
                f"xtdata.{name} failed ({type(exc).__name__}: {exc})",
                "check that miniQMT is running and logged in, and that its data is downloaded",
            ) from exc

    def calendar(
        self, start: TimeLike = None, end: TimeLike = None, freq: str = DAY
    ) -> list[dt.date] | list[dt.datetime]:
        f = normalize_freq(freq)
        lo, hi = time_bounds(start, end, f)
        days = calendar_from_trading_calendar(
            self._call(
                "get_trading_calendar",
                "SH",
                lo.strftime("%Y%m%d") if lo is not None else "",
                hi.strftime("%Y%m%d") if hi is not None else "",
            )
        )
        if f == DAY:
            return [d for d in days if (lo is None or d >= lo.date()) and (hi is None or d <= hi.date())]
        bars = [dt.datetime.combine(d, t) for d in days for t in minute_bar_starts()]
        return [b for b in bars if (lo is None or b >= lo) and (hi is None or b <= hi)]

    def instruments(self, market: str = "all") -> list[InstrumentSpan]:
        sectors = MARKET_SECTORS.get(market.strip().lower())
        if sectors is None:
            raise DataError(f"xtdata has no market {market!r}", f"use one of {', '.join(MARKET_SECTORS)}")
        self._call("download_sector_data")
        codes: set[str] = set()
        for sector in sectors:
            for raw in self._call("get_stock_list_in_sector", sector) or []:
                try:
                    codes.add(str(parse_code(raw)))
                except CodeFormatError:
                    continue  # xtdata sectors can hold codes outside our universe
        days = ensure_dates(self.calendar(None, None, DAY))
        if not days:
            raise DataError("xtdata returned an empty trading calendar", "download holiday data in miniQMT")
        return [
            span_from_detail(c, self._call("get_instrument_detail", c, False), days[0], days[-1])
            for c in sorted(codes)
        ]

    def fields(self, freq: str = DAY) -> list[str]:
        normalize_freq(freq)
        return sorted([*XT_FIELDS, *DERIVED_FIELDS])

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
        f = normalize_freq(freq)
        mode = normalize_adjust(adjust)
        names = normalize_fields(fields)
        targets = (
            sorted({s.code for s in self.instruments(codes)})
            if isinstance(codes, str)
            else sorted({str(parse_code(c)) for c in codes})
        )
        lo, hi = time_bounds(start, end, f)
        if f == DAY:
            s = lo.strftime("%Y%m%d") if lo is not None else ""
            e = hi.strftime("%Y%m%d") if hi is not None else ""
        else:  # xtdata labels minute bars by their end: ask one minute later at both ends
            s = lo.strftime("%Y%m%d%H%M%S") if lo is not None else ""
            e = (hi + pd.Timedelta(minutes=1)).strftime("%Y%m%d%H%M%S") if hi is not None else ""
        period = XT_PERIOD[f]
        if self.download:
            self._call("download_history_data2", targets, period, s, e)
        xt_fields = sorted({XT_FIELDS[n] for n in names if n in XT_FIELDS} | {"close", "suspendFlag", "time"})
        data = self._call("get_market_data_ex", xt_fields, targets, period, s, e, -1, XT_DIVIDEND[mode], True)
        companion = None
        if "factor" in names or (mode == "front" and "volume" in names):
            other = "none" if mode == "front" else "front"
            companion = self._call(
                "get_market_data_ex",
                ["time", "close", "suspendFlag"],
                targets,
                period,
                s,
                e,
                -1,
                XT_DIVIDEND[other],
                True,
            )
        frame = frame_from_market_data_ex(data, names, mode, companion=companion, freq=f, dtype=dtype)
        stamps = frame.index.get_level_values("datetime")
        keep = np.ones(len(frame), dtype=bool)
        if lo is not None:
            keep &= np.asarray(stamps >= lo)
        if hi is not None:
            keep &= np.asarray(stamps <= hi)
        return frame if keep.all() else frame[keep]

    def instrument_info(self, code: str, on: dt.date | None = None) -> InstrumentInfo:
        inst = parse_code(code)
        detail = self._call("get_instrument_detail", str(inst), False)
        return instrument_info_from_detail(str(inst), detail, on)
