"""Who is in the demo market: codes, names, boards, industries and life events.

The demo world must look real to a trader — every board with its own rules, ST names, new
listings, delistings and suspensions — while being plainly synthetic: names are made up from
syllables so nobody mistakes a demo quote for a real company's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aistock.core.codes import Board, InstrumentCode, parse_code

INDUSTRIES: tuple[str, ...] = (
    "银行",
    "非银金融",
    "医药生物",
    "电子",
    "计算机",
    "食品饮料",
    "电力设备",
    "机械设备",
    "基础化工",
    "汽车",
    "有色金属",
    "通信",
)
_SUFFIX_BY_INDUSTRY: dict[str, tuple[str, ...]] = {
    "银行": ("银行", "农商行"),
    "非银金融": ("证券", "保险", "信托"),
    "医药生物": ("医药", "生物", "药业"),
    "电子": ("电子", "微电", "光电"),
    "计算机": ("科技", "信息", "软件"),
    "食品饮料": ("食品", "酒业", "乳业"),
    "电力设备": ("电气", "能源", "新能"),
    "机械设备": ("机械", "重工", "智造"),
    "基础化工": ("化工", "材料", "新材"),
    "汽车": ("汽车", "汽配", "动力"),
    "有色金属": ("矿业", "金属", "资源"),
    "通信": ("通信", "网络", "光通"),
}
_FIRST = "华东中新天金海长宏恒鑫瑞信泰安正远联博润明达盛嘉航晨锦凯诚德"
_SECOND = "科源通创达兴隆昌宇丰泽辰阳光启越微邦尚弘腾"

# Share of the stock universe on each board (roughly the market's mix).
_BOARD_MIX: tuple[tuple[Board, float], ...] = (
    (Board.SH_MAIN, 0.38),
    (Board.SZ_MAIN, 0.28),
    (Board.CHINEXT, 0.16),
    (Board.STAR, 0.12),
    (Board.BJ, 0.06),
)
_CODE_START: dict[Board, tuple[str, int]] = {
    Board.SH_MAIN: ("SH", 600100),
    Board.SZ_MAIN: ("SZ", 2),  # 000002 onwards: 000001.SZ stays the real Ping An Bank's number
    Board.CHINEXT: ("SZ", 300100),
    Board.STAR: ("SH", 688100),
    Board.BJ: ("BJ", 830800),
}


@dataclass(frozen=True)
class StockProfile:
    """One synthetic company and the events of its life in the demo window."""

    code: InstrumentCode
    name: str
    board: Board
    industry: int
    beta: float
    volatility: float  # daily idiosyncratic sigma
    first_price: float  # raw, yuan
    float_shares: float  # shares
    turnover: float  # typical daily turnover ratio
    list_index: int  # first trading day index in the calendar (0 = listed before the window)
    is_new_listing: bool
    delist_index: int | None  # first day index with no more trading (None = still listed)
    suspensions: tuple[tuple[int, int], ...] = field(default=())  # [start, end) day indices
    st_periods: tuple[tuple[int, int], ...] = field(default=())  # [start, end) day indices
    ex_dates: tuple[tuple[int, float, float], ...] = field(default=())  # (day, cash per share, bonus ratio)


def _name(rng: np.random.Generator, industry: str, taken: set[str]) -> str:
    suffixes = _SUFFIX_BY_INDUSTRY[industry]
    for _ in range(1000):
        name = rng.choice(list(_FIRST)) + rng.choice(list(_SECOND)) + rng.choice(list(suffixes))
        if name not in taken:
            taken.add(name)
            return str(name)
    raise RuntimeError("ran out of synthetic names")  # pragma: no cover - 30*21*3 per industry


def _board_counts(n: int) -> list[tuple[Board, int]]:
    counts = [(board, max(1, round(n * share))) for board, share in _BOARD_MIX]
    diff = n - sum(c for _, c in counts)
    board, count = counts[0]
    counts[0] = (board, count + diff)
    return counts


def _episodes(
    rng: np.random.Generator, lo: int, hi: int, count: int, min_len: int, max_len: int
) -> tuple[tuple[int, int], ...]:
    """Non-overlapping [start, end) day ranges inside [lo, hi)."""
    out: list[tuple[int, int]] = []
    for _ in range(count * 4):
        if len(out) == count or hi - lo <= max_len + 2:
            break
        length = int(rng.integers(min_len, max_len + 1))
        start = int(rng.integers(lo, hi - length))
        if all(start >= e + 2 or start + length + 2 <= s for s, e in out):
            out.append((start, start + length))
    return tuple(sorted(out))


def build_universe(rng: np.random.Generator, stocks: int, days: int) -> list[StockProfile]:
    """Draw the companies of the demo market and their life events over ``days`` sessions."""
    if stocks < 10:
        raise ValueError(f"the demo market needs at least 10 stocks, got {stocks}")
    if days < 60:
        raise ValueError(f"the demo market needs at least 60 trading days, got {days}")
    names: set[str] = set()
    profiles: list[StockProfile] = []
    for board, count in _board_counts(stocks):
        market, start = _CODE_START[board]
        for k in range(count):
            number = start + 7 * k
            if board is Board.SZ_MAIN and number >= 1000:
                number = 2000 + (number - 1000)  # continue in the 002xxx range
            code = parse_code(f"{market}{number:06d}")
            industry = int(rng.integers(len(INDUSTRIES)))
            is_new = bool(rng.random() < 0.08)
            list_index = int(rng.integers(days // 4, days - 40)) if is_new else 0
            delisted = not is_new and bool(rng.random() < 0.025)
            delist_index = int(rng.integers(days // 2, days - 20)) if delisted else None
            life_end = delist_index if delist_index is not None else days
            st: tuple[tuple[int, int], ...] = ()
            if delist_index is not None:
                st = ((max(list_index + 1, delist_index - 120), delist_index),)
            elif rng.random() < 0.05:
                st = _episodes(rng, list_index + 10, life_end, 1, 60, 250)
            suspensions = (
                _episodes(rng, list_index + 6, life_end - 1, int(rng.integers(1, 3)), 1, 12)
                if rng.random() < 0.07
                else ()
            )
            ex_dates = tuple(
                (day, round(float(rng.uniform(0.05, 0.8)), 2), 0.5 if rng.random() < 0.15 else 0.0)
                for day in range(list_index + 120, life_end, 244)
                if rng.random() < 0.6 and not any(s <= day < e for s, e in suspensions)
            )
            profiles.append(
                StockProfile(
                    code=code,
                    name=_name(rng, INDUSTRIES[industry], names),
                    board=board,
                    industry=industry,
                    beta=float(rng.uniform(0.6, 1.4)),
                    volatility=float(
                        rng.uniform(0.012, 0.03)
                        * (1.3 if board in (Board.CHINEXT, Board.STAR, Board.BJ) else 1.0)
                    ),
                    first_price=float(np.round(np.exp(rng.uniform(np.log(3.0), np.log(90.0))), 2)),
                    float_shares=float(np.exp(rng.uniform(np.log(2e8), np.log(8e9)))),
                    turnover=float(rng.uniform(0.004, 0.03)),
                    list_index=list_index,
                    is_new_listing=is_new,
                    delist_index=delist_index,
                    suspensions=suspensions,
                    st_periods=st,
                    ex_dates=ex_dates,
                )
            )
    return profiles
