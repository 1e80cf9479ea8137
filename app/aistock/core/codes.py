"""Instrument codes: one canonical form inside, every foreign form at the edges.

Inside the workstation a code is always ``600000.SH`` (the xtquant / Tushare form). qlib writes
``SH600000``, its directories ``sh600000``, the seed design ``SH000001``, JoinQuant
``600000.XSHG`` and baostock ``sh.600000``. Mixing them is how the SSE Composite (``000001.SH``)
gets confused with Ping An Bank (``000001.SZ``); so conversion happens once, here, and the
exchange is never guessed for a code that says which one it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from aistock.core.errors import CodeFormatError


class Exchange(StrEnum):
    SH = "SH"
    SZ = "SZ"
    BJ = "BJ"


class SecurityKind(StrEnum):
    STOCK = "stock"
    INDEX = "index"
    FUND = "fund"
    BOND = "bond"
    OTHER = "other"


class Board(StrEnum):
    """Listing boards, each with its own lot and price-limit rules (see ``aistock.core.boards``)."""

    SH_MAIN = "sh_main"
    SZ_MAIN = "sz_main"
    CHINEXT = "chinext"
    STAR = "star"
    BJ = "bj"
    B_SHARE = "b_share"
    INDEX = "index"
    OTHER = "other"


_EXCHANGE_ALIASES: dict[str, Exchange] = {
    "SH": Exchange.SH,
    "SS": Exchange.SH,
    "SSE": Exchange.SH,
    "XSHG": Exchange.SH,
    "SZ": Exchange.SZ,
    "SZSE": Exchange.SZ,
    "XSHE": Exchange.SZ,
    "BJ": Exchange.BJ,
    "BSE": Exchange.BJ,
    "XBSE": Exchange.BJ,
}

_SUFFIX = re.compile(r"^(\d{6})\.([A-Za-z]{2,4})$")  # 600000.SH, 600000.XSHG
_PREFIX = re.compile(r"^([A-Za-z]{2})\.?(\d{6})$")  # SH600000, sh600000, sh.600000
_BARE = re.compile(r"^\d{6}$")


@dataclass(frozen=True, order=True, slots=True)
class InstrumentCode:
    """A listed security: six digits and an exchange. ``str()`` gives the canonical form."""

    symbol: str
    exchange: Exchange

    def __post_init__(self) -> None:
        if not (len(self.symbol) == 6 and self.symbol.isdigit()):
            raise CodeFormatError(
                f"instrument symbol {self.symbol!r} is not six digits",
                "write codes like 600000.SH, SH600000 or sh600000",
            )

    def __str__(self) -> str:
        return f"{self.symbol}.{self.exchange.value}"

    @property
    def canonical(self) -> str:
        return str(self)

    @property
    def qlib(self) -> str:
        """qlib's instrument name, e.g. ``SH600000`` (also the seed's ``SH000001``)."""
        return f"{self.exchange.value}{self.symbol}"

    @property
    def qlib_dir(self) -> str:
        """The feature directory name in a qlib provider, e.g. ``sh600000``."""
        return self.qlib.lower()

    @property
    def kind(self) -> SecurityKind:
        return classify(self)[0]

    @property
    def board(self) -> Board:
        return classify(self)[1]

    @property
    def is_index(self) -> bool:
        return self.kind is SecurityKind.INDEX

    @property
    def is_stock(self) -> bool:
        return self.kind is SecurityKind.STOCK

    @classmethod
    def parse(cls, text: str) -> InstrumentCode:
        return parse_code(text)


def _exchange(alias: str, text: str) -> Exchange:
    try:
        return _EXCHANGE_ALIASES[alias.upper()]
    except KeyError:
        raise CodeFormatError(
            f"unknown exchange {alias!r} in instrument code {text!r}",
            "use SH, SZ or BJ, e.g. 600000.SH, 000001.SZ, 430047.BJ",
        ) from None


def infer_stock_exchange(symbol: str) -> Exchange:
    """The exchange of a bare six-digit *stock* symbol, by the exchanges' numbering plans.

    Only for stocks: bare ``000001`` is Ping An Bank on SZ, never the SSE Composite index.
    """
    if symbol.startswith(("60", "68", "90")):
        return Exchange.SH
    if symbol.startswith(("00", "30", "20")):
        return Exchange.SZ
    if symbol.startswith(("43", "83", "87", "88", "92")):
        return Exchange.BJ
    raise CodeFormatError(
        f"cannot tell the exchange of bare symbol {symbol!r}",
        "add the exchange, e.g. 510300.SH or 159915.SZ",
    )


def parse_code(text: str) -> InstrumentCode:
    """Parse any code format we meet into an :class:`InstrumentCode`.

    Accepted: ``600000.SH`` / ``600000.sh`` / ``600000.XSHG``, ``SH600000`` / ``sh600000`` /
    ``sh.600000``, and a bare six-digit *stock* symbol (exchange inferred; indices must carry
    their exchange because ``000001`` is both the SSE Composite and Ping An Bank).
    """
    if not isinstance(text, str):
        raise CodeFormatError(
            f"instrument code {text!r} is a {type(text).__name__}, not text",
            "pass codes as strings such as '600000.SH'",
        )
    stripped = text.strip()
    if match := _SUFFIX.match(stripped):
        return InstrumentCode(match.group(1), _exchange(match.group(2), text))
    if match := _PREFIX.match(stripped):
        return InstrumentCode(match.group(2), _exchange(match.group(1), text))
    if _BARE.match(stripped):
        return InstrumentCode(stripped, infer_stock_exchange(stripped))
    raise CodeFormatError(
        f"unknown instrument code format {text!r}",
        "write codes like 600000.SH (canonical), SH600000 (qlib) or sh600000",
    )


def to_canonical(text: str) -> str:
    """``'SH600000'`` → ``'600000.SH'``; raises :class:`CodeFormatError` on anything else."""
    return parse_code(text).canonical


def to_qlib(text: str) -> str:
    """``'600000.SH'`` → ``'SH600000'``."""
    return parse_code(text).qlib


_SH_INDEX_PREFIXES = ("000",)  # 000001 SSE Composite, 000300 CSI 300 (SH listing), 000905 ...
_SZ_INDEX_PREFIXES = ("399",)
_BJ_INDEX_PREFIXES = ("899",)


def classify(code: InstrumentCode) -> tuple[SecurityKind, Board]:
    """Security kind and board of a code, from the exchanges' numbering plans."""
    s = code.symbol
    match code.exchange:
        case Exchange.SH:
            if s.startswith(_SH_INDEX_PREFIXES):
                return SecurityKind.INDEX, Board.INDEX
            if s.startswith(("688", "689")):
                return SecurityKind.STOCK, Board.STAR
            if s.startswith(("600", "601", "603", "605")):
                return SecurityKind.STOCK, Board.SH_MAIN
            if s.startswith("900"):
                return SecurityKind.STOCK, Board.B_SHARE
            if s.startswith(("50", "51", "52", "56", "58")):
                return SecurityKind.FUND, Board.OTHER
            if s.startswith(("01", "02", "10", "11", "12", "13", "20")):
                return SecurityKind.BOND, Board.OTHER
        case Exchange.SZ:
            if s.startswith(_SZ_INDEX_PREFIXES):
                return SecurityKind.INDEX, Board.INDEX
            if s.startswith(("300", "301", "302")):
                return SecurityKind.STOCK, Board.CHINEXT
            if s.startswith(("000", "001", "002", "003", "004")):
                return SecurityKind.STOCK, Board.SZ_MAIN
            if s.startswith("200"):
                return SecurityKind.STOCK, Board.B_SHARE
            if s.startswith(("15", "16", "18")):
                return SecurityKind.FUND, Board.OTHER
            if s.startswith(("10", "11", "12", "13")):
                return SecurityKind.BOND, Board.OTHER
        case Exchange.BJ:
            if s.startswith(_BJ_INDEX_PREFIXES):
                return SecurityKind.INDEX, Board.INDEX
            if s.startswith(("43", "83", "87", "88", "92")):
                return SecurityKind.STOCK, Board.BJ
    return SecurityKind.OTHER, Board.OTHER


# Well-known codes, spelled once. The seed's SH000001 is the SSE Composite, not Ping An Bank.
SSE_COMPOSITE = InstrumentCode("000001", Exchange.SH)
CSI300 = InstrumentCode("000300", Exchange.SH)
PING_AN_BANK = InstrumentCode("000001", Exchange.SZ)
